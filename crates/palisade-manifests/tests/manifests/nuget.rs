use palisade_manifests::{Ecosystem, ManifestKind, parse};

use crate::{deps, fixture_path, parse_fixture, skipped};

#[test]
fn packages_lock_json_dedups_frameworks() {
    let m = parse_fixture("nuget/packages.lock.json");
    assert_eq!(m.kind, ManifestKind::NugetLock);
    assert!(m.dependencies.iter().all(|d| d.ecosystem == Ecosystem::NuGet));
    assert_eq!(
        deps(&m),
        [
            "Newtonsoft.Json@13.0.3 L5 direct -",
            "Serilog@3.1.1 L11 direct -",
            "System.Memory@4.5.5 L17 indirect -",
            "System.Text.Encodings.Web@4.7.2 L23 indirect -",
            "System.Runtime.CompilerServices.Unsafe@6.0.0 L41 indirect -",
        ]
    );
    assert_eq!(skipped(&m), ["contoso.shared L28: local project reference"]);
}

#[test]
fn packages_config() {
    let m = parse_fixture("nuget/packages.config");
    assert_eq!(
        deps(&m),
        [
            "EntityFramework@6.4.4 L3 - prod",
            "Microsoft.AspNet.Mvc@5.2.9 L4 - prod",
            "Microsoft.AspNet.Razor@3.2.9 L5 - prod",
            "Newtonsoft.Json@12.0.3 L6 - prod",
            "Microsoft.CodeDom.Providers.DotNetCompilerPlatform@2.0.1 L8 - dev",
        ]
    );
    assert_eq!(skipped(&m), ["Contoso.Legacy.Tools L12: no version"]);
}

const CSPROJ_DEPS: [&str; 7] = [
    "Microsoft.EntityFrameworkCore.SqlServer@8.0.4 L11 direct -",
    "Serilog.AspNetCore@8.0.1 L12 direct -",
    "Swashbuckle.AspNetCore@6.5.0 L13 direct -",
    "Azure.Identity@1.10.4 L16 direct -",
    "System.Text.Json@8.0.3 L21 direct -",
    "coverlet.collector@6.0.0 L24 direct -",
    "Microsoft.EntityFrameworkCore.SqlServer@8.0.5 L31 direct -",
];

const CSPROJ_SKIPPED: [&str; 4] = [
    "Polly L19: not pinned [8.2.0,9.0)",
    "Contoso.Telemetry L20: not pinned 2.*",
    "Microsoft.Extensions.Http L22: no version",
    "Dapper L23: unresolved $(DapperVersion)",
];

#[test]
fn csproj_package_references() {
    let m = parse_fixture("nuget/Contoso.Api.csproj");
    assert_eq!(m.kind, ManifestKind::MsBuildProject);
    assert_eq!(deps(&m), CSPROJ_DEPS);
    assert_eq!(skipped(&m), CSPROJ_SKIPPED);
}

fn utf16(text: &str, big_endian: bool) -> Vec<u8> {
    let mut out = if big_endian {
        vec![0xFE, 0xFF]
    } else {
        vec![0xFF, 0xFE]
    };
    for unit in text.encode_utf16() {
        out.extend(if big_endian {
            unit.to_be_bytes()
        } else {
            unit.to_le_bytes()
        });
    }
    out
}

#[test]
fn csproj_in_utf16_with_bom() {
    let text = std::fs::read_to_string(fixture_path("nuget/Contoso.Api.csproj")).unwrap();
    for big_endian in [false, true] {
        let m = parse("src/Contoso.Api/Contoso.Api.csproj", &utf16(&text, big_endian)).unwrap();
        assert_eq!(deps(&m), CSPROJ_DEPS, "big endian: {big_endian}");
        assert_eq!(skipped(&m), CSPROJ_SKIPPED);
    }
}

#[test]
fn packages_config_in_utf16_without_bom_and_utf8_with_bom() {
    // Visual Studio writes `<?xml ... encoding="utf-16"?>`; without a BOM the
    // `<?` in UTF-16 still tells.
    let text = std::fs::read_to_string(fixture_path("nuget/packages.config")).unwrap();
    let text = text.replace("utf-8", "utf-16");
    let bytes: Vec<u8> = text.encode_utf16().flat_map(u16::to_le_bytes).collect();
    let m = parse("packages.config", &bytes).unwrap();
    assert_eq!(m.dependencies.len(), 5);
    assert_eq!(m.dependencies[4].line, 8);

    let mut bom = b"\xEF\xBB\xBF".to_vec();
    bom.extend_from_slice(text.as_bytes());
    assert_eq!(parse("packages.config", &bom).unwrap().dependencies.len(), 5);
}

#[test]
fn central_package_versions() {
    let m = parse_fixture("nuget/Directory.Packages.props");
    assert_eq!(m.kind, ManifestKind::DirectoryPackagesProps);
    assert_eq!(
        deps(&m),
        [
            "Microsoft.AspNetCore.Authentication.JwtBearer@8.0.4 L8 - -",
            "Microsoft.Extensions.Http@8.0.0 L9 - -",
            "System.Text.Json@8.0.3 L10 - -",
            "xunit@2.7.0 L11 - -",
            "Nerdbank.GitVersioning@3.6.133 L15 direct -",
        ]
    );
    assert_eq!(skipped(&m), ["FluentAssertions L12: not pinned [6.12.0, 7.0.0)"]);
}

#[test]
fn entities_are_decoded_only_when_predefined() {
    let csproj = br#"<Project><ItemGroup>
  <PackageReference Include="A&amp;B" Version="1.0.&#48;" />
  <PackageReference Include="C"><Version>2.&#x30;.0</Version></PackageReference>
</ItemGroup></Project>"#;
    let m = parse("a.csproj", csproj).unwrap();
    assert_eq!(deps(&m), ["A&B@1.0.0 L2 direct -", "C@2.0.0 L3 direct -"]);
}
