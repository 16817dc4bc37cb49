use palisade_manifests::{Ecosystem, ManifestKind};

use crate::{deps, parse_fixture, skipped};

#[test]
fn cargo_lock_workspace() {
    let m = parse_fixture("cargo/workspace/Cargo.lock");
    assert_eq!(m.kind, ManifestKind::CargoLock);
    assert!(m.dependencies.iter().all(|d| d.ecosystem == Ecosystem::CratesIo));
    assert_eq!(
        deps(&m),
        [
            "anyhow@1.0.81 L6 direct -",
            "serde@1.0.197 L41 direct -",
            // the sparse index is crates.io too; only tokio needs this one
            "serde@0.9.15 L47 indirect -",
            "tokio@1.36.0 L53 direct -",
        ]
    );
    assert_eq!(
        skipped(&m),
        [
            "contoso-agent L12: local workspace member or path dependency",
            "contoso-proto L22: local workspace member or path dependency",
            "internal-crypto L30: non-registry sparse+https://pkgs.dev.azure.com/contoso/_packaging/crates/Cargo/index/",
            "prost L36: non-registry git+https://github.com/tokio-rs/prost?rev=0123abc#0123abcdef0123456789abcdef0123456789abcd",
        ]
    );
}

#[test]
fn cargo_lock_format_1() {
    let m = parse_fixture("cargo/v1/Cargo.lock");
    assert_eq!(
        deps(&m),
        ["libc@0.2.20 L9 direct -", "rand@0.3.15 L14 indirect -"]
    );
    assert_eq!(
        skipped(&m),
        ["legacy-tool L2: local workspace member or path dependency"]
    );
}
