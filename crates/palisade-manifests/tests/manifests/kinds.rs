use palisade_manifests::{ManifestKind, manifest_kind, select};

#[test]
fn kinds_by_file_name() {
    let cases = [
        ("packages.lock.json", Some(ManifestKind::NugetLock)),
        ("src/Api/Packages.Lock.Json", Some(ManifestKind::NugetLock)),
        (r"src\Web\packages.config", Some(ManifestKind::PackagesConfig)),
        ("src/Api/Contoso.Api.csproj", Some(ManifestKind::MsBuildProject)),
        ("Tool.FSPROJ", Some(ManifestKind::MsBuildProject)),
        ("Legacy.vbproj", Some(ManifestKind::MsBuildProject)),
        (".csproj", None),
        (
            "directory.packages.props",
            Some(ManifestKind::DirectoryPackagesProps),
        ),
        ("Directory.Build.props", None),
        ("web/package-lock.json", Some(ManifestKind::NpmLock)),
        ("npm-shrinkwrap.json", Some(ManifestKind::NpmLock)),
        ("package.json", None),
        ("yarn.lock", Some(ManifestKind::YarnLock)),
        ("pnpm-lock.yaml", Some(ManifestKind::PnpmLock)),
        ("requirements.txt", Some(ManifestKind::Requirements)),
        ("requirements-dev.txt", Some(ManifestKind::Requirements)),
        ("dev-requirements.txt", Some(ManifestKind::Requirements)),
        ("requirements/base.txt", Some(ManifestKind::Requirements)),
        ("docs/notes.txt", None),
        ("requirements.in", None),
        ("poetry.lock", Some(ManifestKind::PoetryLock)),
        ("Pipfile.lock", Some(ManifestKind::PipfileLock)),
        ("Pipfile", None),
        ("uv.lock", Some(ManifestKind::UvLock)),
        ("services/orders/pom.xml", Some(ManifestKind::Pom)),
        ("go.mod", Some(ManifestKind::GoMod)),
        ("go.sum", Some(ManifestKind::GoSum)),
        ("Cargo.lock", Some(ManifestKind::CargoLock)),
        ("cargo.lock", None),
        ("Cargo.toml", None),
        ("", None),
    ];
    for (path, kind) in cases {
        assert_eq!(manifest_kind(path), kind, "{path:?}");
    }
}

#[test]
fn kinds_name_their_ecosystem_and_file() {
    for kind in ManifestKind::ALL {
        assert!(!kind.file_name().is_empty());
        assert!(!kind.ecosystem().as_osv().is_empty());
    }
    assert_eq!(ManifestKind::CargoLock.ecosystem().as_osv(), "crates.io");
    assert!(ManifestKind::NpmLock.is_lockfile());
    assert!(!ManifestKind::Pom.is_lockfile());
}

#[test]
fn go_sum_only_without_go_mod() {
    let paths = [
        "svc/a/go.mod",
        "svc/a/go.sum",
        "svc/b/go.sum",
        "go.sum",
        "README.md",
        "web/package-lock.json",
    ];
    assert_eq!(
        select(paths),
        ["svc/a/go.mod", "svc/b/go.sum", "go.sum", "web/package-lock.json"]
    );
}

#[test]
fn ecosystems_serialize_as_osv_names() {
    use palisade_manifests::Ecosystem;
    for (ecosystem, osv) in [
        (Ecosystem::NuGet, "NuGet"),
        (Ecosystem::Npm, "npm"),
        (Ecosystem::PyPI, "PyPI"),
        (Ecosystem::Maven, "Maven"),
        (Ecosystem::Go, "Go"),
        (Ecosystem::CratesIo, "crates.io"),
    ] {
        assert_eq!(ecosystem.as_osv(), osv);
        assert_eq!(ecosystem.to_string(), osv);
        assert_eq!(serde_json::to_string(&ecosystem).unwrap(), format!("\"{osv}\""));
    }
}
