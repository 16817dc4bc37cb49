use palisade_manifests::{Ecosystem, ManifestKind, parse};

use crate::{deps, parse_fixture, skipped};

#[test]
fn requirements_txt() {
    let m = parse_fixture("python/requirements.txt");
    assert_eq!(m.kind, ManifestKind::Requirements);
    assert!(m.dependencies.iter().all(|d| d.ecosystem == Ecosystem::PyPI));
    assert_eq!(
        deps(&m),
        [
            // continuation lines with hashes: the line where the entry starts
            "certifi@2024.2.2 L12 - -",
            "Django@4.2.11 L16 - -",
            // extras, spaces around `==`, a marker
            "requests@2.31.0 L17 - -",
            "urllib3@1.26.18 L18 - -",
            "typing_extensions@4.10.0 L22 - -",
            // a comment line ends a continuation (as pip reads it)
            "cryptography@42.0.5 L28 - -",
            "numpy@1.26.4 L30 - -",
        ]
    );
    assert_eq!(
        skipped(&m),
        [
            "-r L9: include requirements-base.txt",
            "--constraint L10: include constraints.txt",
            "charset-normalizer L19: not pinned >=3.3,<4",
            "idna L20: no version",
            "PyYAML L21: not pinned ==6.0.*",
            "git+https://github.com/contoso/shared-utils.git@v1.2.0#egg=contoso-shared-utils L23: non-registry git+https://github.com/contoso/shared-utils.git@v1.2.0#egg=contoso-shared-utils",
            "./libs/contoso-core L24: local ./libs/contoso-core",
            "contoso-metrics L25: non-registry https://files.contoso.example/contoso_metrics-0.4.0-py3-none-any.whl",
            "./wheels/contoso_auth-1.0.0-py3-none-any.whl L26: local ./wheels/contoso_auth-1.0.0-py3-none-any.whl",
            "https://github.com/contoso/blob/archive/refs/tags/v0.9.tar.gz#egg=blob L27: non-registry https://github.com/contoso/blob/archive/refs/tags/v0.9.tar.gz#egg=blob",
        ]
    );
}

#[test]
fn requirements_odd_lines() {
    let text = b"-rbase.txt\n--requirement=more.txt\n\
        flask==3.0.2 # trailing comment \\\n\
        not-joined==1.0\n\
        $WEIRD\n\
        pkg (==1.0)\n\
        trailing==2.0 \\";
    let m = parse("requirements/prod.txt", text).unwrap();
    assert_eq!(
        deps(&m),
        ["flask@3.0.2 L3 - -", "pkg@1.0 L6 - -", "trailing@2.0 L7 - -"]
    );
    // `not-joined` is swallowed by the comment of line 3, which ends in `\`, as pip does.
    assert_eq!(
        skipped(&m),
        [
            "-r L1: include base.txt",
            "--requirement L2: include more.txt",
            "$WEIRD L5: unrecognized $WEIRD",
        ]
    );
}

#[test]
fn poetry_lock_groups() {
    let m = parse_fixture("python/poetry/poetry.lock");
    assert_eq!(
        deps(&m),
        [
            "certifi@2024.2.2 L4 - prod",
            // a private index (`legacy` source) still serves PyPI-style releases
            "internal-sdk@3.2.1 L30 - prod",
            "pytest@8.1.1 L46 - dev",
        ]
    );
    assert_eq!(
        skipped(&m),
        [
            "contoso-core L16: local libs/contoso-core",
            "shared-utils L60: non-registry git https://github.com/contoso/shared-utils.git",
        ]
    );
}

#[test]
fn poetry_lock_categories() {
    let m = parse_fixture("python/poetry-legacy/poetry.lock");
    assert_eq!(deps(&m), ["flask@2.0.3 L2 - prod", "black@22.3.0 L10 - dev"]);
    assert!(m.skipped.is_empty());
}

#[test]
fn pipfile_lock() {
    let m = parse_fixture("python/pipenv/Pipfile.lock");
    assert_eq!(m.kind, ManifestKind::PipfileLock);
    assert_eq!(
        deps(&m),
        [
            "flask@3.0.2 L19 - prod",
            "werkzeug@3.0.1 L35 - prod",
            "pytest@8.1.1 L41 - dev",
        ]
    );
    assert_eq!(
        skipped(&m),
        [
            "contoso-core L27: local ./libs/contoso-core",
            "shared-utils L31: non-registry https://github.com/contoso/shared-utils.git",
            "black L48: not pinned *",
        ]
    );
}

#[test]
fn uv_lock() {
    let m = parse_fixture("python/uv/uv.lock");
    assert_eq!(m.kind, ManifestKind::UvLock);
    assert_eq!(
        deps(&m),
        [
            "anyio@4.4.0 L6 direct prod",
            "idna@3.7 L52 indirect -",
            "pytest@8.2.2 L58 direct dev",
            "pyyaml@6.0.1 L63 direct prod",
            "sniffio@1.3.1 L73 indirect -",
        ]
    );
    assert_eq!(
        skipped(&m),
        [
            "contoso-auth L47: local libs/contoso-auth",
            "shared-utils L68: non-registry https://github.com/contoso/shared-utils.git?rev=v1.2.0#2b1c7e0c9f5d3e1a4b6c8d0e2f4a6b8c0d2e4f6a",
        ]
    );
}
