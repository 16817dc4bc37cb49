//! Untrusted input: broken, truncated, hostile, huge, badly encoded.

use std::time::{Duration, Instant};

use palisade_manifests::{MAX_MANIFEST_BYTES, ManifestError, ManifestKind, parse, parse_kind};

use crate::fixture_path;
use crate::invariants::check;

const FIXTURES: [&str; 23] = [
    "nuget/packages.lock.json",
    "nuget/packages.config",
    "nuget/Contoso.Api.csproj",
    "nuget/Directory.Packages.props",
    "npm/v1/package-lock.json",
    "npm/v3/package-lock.json",
    "npm/yarn-classic/yarn.lock",
    "npm/yarn-berry/yarn.lock",
    "npm/pnpm-v5/pnpm-lock.yaml",
    "npm/pnpm-v6/pnpm-lock.yaml",
    "npm/pnpm-v9/pnpm-lock.yaml",
    "python/requirements.txt",
    "python/poetry/poetry.lock",
    "python/poetry-legacy/poetry.lock",
    "python/pipenv/Pipfile.lock",
    "python/uv/uv.lock",
    "maven/app/pom.xml",
    "maven/parent/pom.xml",
    "go/app/go.mod",
    "go/app/go.sum",
    "go/sum-only/go.sum",
    "cargo/workspace/Cargo.lock",
    "cargo/v1/Cargo.lock",
];

fn err(path: &str, bytes: &[u8]) -> ManifestError {
    match parse(path, bytes) {
        Ok(m) => panic!("{path}: expected an error, got {m:?}"),
        Err(e) => e,
    }
}

fn assert_limit(e: &ManifestError) {
    assert!(
        matches!(e, ManifestError::Limit { .. }),
        "expected a limit error: {e:?}"
    );
}

/// Runs `f` and fails if it took longer than `max` (generous: debug builds
/// on a shared machine).
fn timed<T>(max: Duration, f: impl FnOnce() -> T) -> T {
    let start = Instant::now();
    let out = f();
    let took = start.elapsed();
    assert!(took < max, "took {took:?}");
    out
}

#[test]
fn errors_name_the_format_and_line() {
    let e = err(
        "web/package-lock.json",
        b"{\n  \"lockfileVersion\": 3,\n  \"packages\": {\n    \"node_modules/a\": {\"version\": 1}\n  }\n}",
    );
    assert_eq!(
        e.to_string(),
        "package-lock.json line 4: invalid type: integer `1`, expected a string"
    );
    assert_eq!(e.line(), Some(4));

    let e = err(
        "Cargo.lock",
        b"version = 4\n\n[[package]]\nname = \"a\"\nversion = 1.0.0\n",
    );
    assert_eq!(e.line(), Some(5));
    assert!(e.to_string().starts_with("Cargo.lock line 5: "), "{e}");

    let e = err(
        "a.csproj",
        b"<Project>\n  <ItemGroup>\n    <PackageReference Include=\"A\" Version=\"1\">\n</Project>\n",
    );
    assert!(
        matches!(
            e,
            ManifestError::Syntax {
                kind: ManifestKind::MsBuildProject,
                ..
            }
        ),
        "{e:?}"
    );
    assert!(
        e.to_string().starts_with("MSBuild project line 4: invalid XML"),
        "{e}"
    );

    assert_eq!(
        err("x/readme.md", b"").to_string(),
        "not a dependency manifest or lockfile: \"x/readme.md\""
    );
}

#[test]
fn malformed_files_of_each_format() {
    let cases: &[(&str, &[u8], Option<u32>)] = &[
        (
            "packages.lock.json",
            b"{\"dependencies\": {\"net8.0\": []}}",
            Some(1),
        ),
        (
            "packages.config",
            b"<packages>\n<package id=\"a\" version=\"1\"",
            Some(2),
        ),
        ("packages.config", b"<packages/><packages/>", Some(1)),
        ("a.csproj", b"<Project><ItemGroup></Project>", Some(1)),
        ("Directory.Packages.props", b"", None),
        ("package-lock.json", b"[1, 2]", Some(1)),
        (
            "package-lock.json",
            b"{\"dependencies\": {\"a\": {\"version\": \"1\",}}}",
            Some(1),
        ),
        (
            "yarn.lock",
            b"# yarn lockfile v1\n\nlodash@^4.17.21\n  version \"4.17.21\"\n",
            Some(3),
        ),
        ("yarn.lock", b"  version \"4.17.21\"\n", Some(1)),
        ("yarn.lock", b"\"@scope\":\n  version \"1.0.0\"\n", Some(1)),
        (
            "pnpm-lock.yaml",
            b"lockfileVersion: '9.0'\npackages:\n  a@1.0.0: {resolution: [\n",
            Some(3),
        ),
        (
            "pnpm-lock.yaml",
            b"lockfileVersion: '9.0'\npackages: 12\n",
            Some(2),
        ),
        ("poetry.lock", b"[[package]]\nversion = \"1.0\"\n", Some(1)),
        (
            "Pipfile.lock",
            b"{\"default\": {\"a\": {\"version\": 1}}}",
            Some(1),
        ),
        ("uv.lock", b"version = 1\n[[package]\nname = \"a\"\n", Some(2)),
        ("pom.xml", b"<settings></settings>", Some(1)),
        (
            "pom.xml",
            b"<project><dependencies></dependency></project>",
            Some(1),
        ),
        (
            "go.mod",
            b"module m\n\nrequire (\n\tgithub.com/a/b v1.0.0\n",
            Some(3),
        ),
        ("go.mod", b"module m\nrequire github.com/a/b\n", Some(2)),
        ("go.mod", b"module m\nreplace a => \n", Some(2)),
        ("go.mod", b"module m\nrequire \"github.com/a/b v1.0.0\n", Some(2)),
        ("go.sum", b"github.com/a/b v1.0.0 h1:abc=\ngarbage\n", Some(2)),
        (
            "Cargo.lock",
            b"[[package]]\nname = \"a\"\nversion = \"1\"\n[[package]]\nname = ",
            Some(5),
        ),
    ];
    for (path, bytes, line) in cases {
        let e = err(path, bytes);
        assert!(matches!(e, ManifestError::Syntax { .. }), "{path}: {e:?}");
        assert_eq!(e.line(), *line, "{path}: {e}");
        check(palisade_manifests::manifest_kind(path).unwrap(), bytes, &Err(e));
    }
}

#[test]
fn truncated_fixtures_never_panic() {
    for rel in FIXTURES {
        let bytes = std::fs::read(fixture_path(rel)).unwrap();
        let kind = palisade_manifests::manifest_kind(rel).unwrap();
        let step = (bytes.len() / 60).max(1);
        let mut errors = 0;
        for cut in (0..bytes.len()).step_by(step) {
            let result = parse_kind(kind, &bytes[..cut]);
            check(kind, &bytes[..cut], &result);
            errors += usize::from(result.is_err());
        }
        // Structured formats notice truncation; line formats read what is there.
        let line_based = matches!(
            kind,
            ManifestKind::Requirements | ManifestKind::GoSum | ManifestKind::YarnLock
        );
        assert!(line_based || errors > 0, "{rel}: no truncation was noticed");
    }
}

/// Deterministic byte mutations of every fixture, under every format (the
/// stable stand-in for the `manifest_parse` fuzz target).
#[test]
fn mutated_fixtures_keep_the_promises() {
    let mut state = 0x9E37_79B9_7F4A_7C15_u64;
    let mut next = move || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        state
    };
    let tokens: [&[u8]; 12] = [
        b"{", b"}", b"[", b"\"", b"\n", b"<", b"/>", b"&", b": ", b"\\", b"&a;", b"*a",
    ];
    for rel in FIXTURES {
        let original = std::fs::read(fixture_path(rel)).unwrap();
        for _ in 0..40 {
            let mut bytes = original.clone();
            for _ in 0..=next() % 4 {
                let at = (next() as usize) % (bytes.len() + 1);
                match next() % 3 {
                    0 if at < bytes.len() => bytes[at] = next() as u8,
                    1 => {
                        let token = tokens[(next() as usize) % tokens.len()];
                        bytes.splice(at..at, token.iter().copied());
                    }
                    _ => {
                        let end = (at + (next() as usize) % 16).min(bytes.len());
                        bytes.drain(at..end);
                    }
                }
            }
            for kind in ManifestKind::ALL {
                check(kind, &bytes, &parse_kind(kind, &bytes));
            }
        }
    }
}

#[test]
fn yaml_alias_bomb_fails_at_the_first_alias() {
    let bomb = "lockfileVersion: '9.0'\n\
        a: &a [\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\"]\n\
        b: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]\n\
        c: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]\n\
        d: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c]\n\
        e: &e [*d,*d,*d,*d,*d,*d,*d,*d,*d]\n\
        f: &f [*e,*e,*e,*e,*e,*e,*e,*e,*e]\n\
        g: &g [*f,*f,*f,*f,*f,*f,*f,*f,*f]\n\
        h: &h [*g,*g,*g,*g,*g,*g,*g,*g,*g]\n\
        i: &i [*h,*h,*h,*h,*h,*h,*h,*h,*h]\n\
        packages: *i\n";
    let e = timed(Duration::from_secs(2), || err("pnpm-lock.yaml", bomb.as_bytes()));
    assert_limit(&e);
    assert!(e.to_string().contains("YAML refused"), "{e}");

    // Anchors alone are refused too: pnpm never writes them.
    let e = err(
        "pnpm-lock.yaml",
        b"lockfileVersion: '9.0'\npackages:\n  a@1.0.0: &x {}\n",
    );
    assert_limit(&e);
}

#[test]
fn deep_nesting_is_refused() {
    let deep_json = format!("{}{}", "[".repeat(10_000), "]".repeat(10_000));
    for path in ["package-lock.json", "packages.lock.json", "Pipfile.lock"] {
        let e = timed(Duration::from_secs(2), || err(path, deep_json.as_bytes()));
        assert_limit(&e);
        assert!(e.to_string().contains("nested deeper than 512"), "{e}");
    }
    // Deep inside a field that is otherwise skipped, and as a v1 tree.
    let inner = format!("{}1{}", "{\"a\":".repeat(10_000), "}".repeat(10_000));
    let lock = format!("{{\"lockfileVersion\": 1, \"x\": {inner}}}");
    assert_limit(&err("package-lock.json", lock.as_bytes()));
    let tree = format!(
        "{{\"dependencies\": {}{}}}",
        "{\"a\": {\"version\": \"1.0.0\", \"dependencies\": ".repeat(5_000),
        "{}}}".repeat(5_000)
    );
    assert_limit(&err("package-lock.json", tree.as_bytes()));

    let deep_xml = format!(
        "<Project>{}{}</Project>",
        "<a>".repeat(10_000),
        "</a>".repeat(10_000)
    );
    assert_limit(&timed(Duration::from_secs(2), || {
        err("a.csproj", deep_xml.as_bytes())
    }));

    let deep_yaml = format!(
        "lockfileVersion: '9.0'\nx: {}{}\n",
        "[".repeat(10_000),
        "]".repeat(10_000)
    );
    let e = timed(Duration::from_secs(2), || {
        err("pnpm-lock.yaml", deep_yaml.as_bytes())
    });
    assert!(
        matches!(e, ManifestError::Limit { .. } | ManifestError::Syntax { .. }),
        "{e:?}"
    );

    let deep_toml = format!("x = {}{}\n", "[".repeat(10_000), "]".repeat(10_000));
    for path in ["Cargo.lock", "poetry.lock", "uv.lock"] {
        let e = timed(Duration::from_secs(2), || err(path, deep_toml.as_bytes()));
        assert!(matches!(e, ManifestError::Syntax { .. }), "{path}: {e:?}");
    }
}

#[test]
fn xml_entities_are_never_expanded() {
    let laughs = br#"<?xml version="1.0"?>
<!DOCTYPE lolz [
  <!ENTITY lol "lol">
  <!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
  <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
]>
<project><dependencies><dependency>
  <groupId>g</groupId><artifactId>a</artifactId><version>&lol3;</version>
</dependency></dependencies></project>"#;
    let e = timed(Duration::from_secs(1), || err("pom.xml", laughs));
    assert_limit(&e);
    assert_eq!(e.line(), Some(8));
    assert!(e.to_string().contains("&lol3; refused"), "{e}");

    let xxe = br#"<?xml version="1.0"?>
<!DOCTYPE packages [ <!ENTITY xxe SYSTEM "file:///etc/passwd"> ]>
<packages><package id="a" version="&xxe;" /></packages>"#;
    let e = err("packages.config", xxe);
    assert_limit(&e);
    assert_eq!(e.line(), Some(3));

    // A DOCTYPE without entity use is harmless and ignored.
    let doctype = b"<!DOCTYPE packages>\n<packages><package id=\"a\" version=\"1.0.0\" /></packages>";
    assert_eq!(parse("packages.config", doctype).unwrap().dependencies.len(), 1);
}

#[test]
fn encodings() {
    let e = err("requirements.txt", b"flask==3.0.2\n\xE9t\xE9==1.0\n");
    assert!(matches!(e, ManifestError::Encoding { .. }), "{e:?}");
    assert!(e.to_string().contains("offset 13"), "{e}");
    assert!(matches!(
        err("a.csproj", b"\xFF\xFE<\0P"),
        ManifestError::Encoding { .. }
    ));
    // An unpaired surrogate.
    assert!(matches!(
        err("a.csproj", b"\xFF\xFE\x00\xD8<\0"),
        ManifestError::Encoding { .. }
    ));
    // UTF-8 with a BOM.
    let m = parse("go.sum", b"\xEF\xBB\xBFgithub.com/a/b v1.0.0 h1:x=\n").unwrap();
    assert_eq!(m.dependencies[0].name, "github.com/a/b");
}

#[test]
fn oversized_files_are_refused_unread() {
    let big = vec![b' '; MAX_MANIFEST_BYTES + 1];
    let e = timed(Duration::from_secs(1), || err("package-lock.json", &big));
    assert!(
        matches!(e, ManifestError::TooLarge { size, limit, .. } if size == MAX_MANIFEST_BYTES + 1 && limit == MAX_MANIFEST_BYTES),
        "{e:?}"
    );
}

#[test]
fn empty_files() {
    for kind in ManifestKind::ALL {
        let result = parse_kind(kind, b"");
        check(kind, b"", &result);
        if let Ok(m) = result {
            assert!(m.dependencies.is_empty(), "{kind}");
        }
    }
}

/// Found by `manifest_parse`: YAML also breaks lines at a lone `\r`, so its
/// own line numbers ran past the file's `\n` lines; lines are now counted
/// from byte offsets, as for every other format.
#[test]
fn yaml_lines_count_newlines_only() {
    let lock = b"lockfileVersion: '9.0'\r\rpackages:\n  a@1.0.0: {}\n  b@2.0.0:\r    resolution: {}\n";
    let m = parse("pnpm-lock.yaml", lock).unwrap();
    assert_eq!(crate::deps(&m), ["a@1.0.0 L2 - -", "b@2.0.0 L3 - -"]);
    // `b: [` is on the first `\n` line.
    let e = err("pnpm-lock.yaml", b"a: 1\r\rb: [\n");
    assert_eq!(e.line(), Some(1), "{e:?}");
}
