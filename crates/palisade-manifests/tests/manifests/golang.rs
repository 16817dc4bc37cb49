use palisade_manifests::{Ecosystem, ManifestKind, parse};

use crate::{deps, parse_fixture, skipped};

#[test]
fn go_mod_requires_and_replaces() {
    let m = parse_fixture("go/app/go.mod");
    assert_eq!(m.kind, ManifestKind::GoMod);
    assert!(m.dependencies.iter().all(|d| d.ecosystem == Ecosystem::Go));
    assert_eq!(
        deps(&m),
        [
            "github.com/Azure/azure-sdk-for-go/sdk/azidentity@v1.5.1 L8 direct -",
            "github.com/golang-jwt/jwt/v4@v4.5.0 L10 indirect -",
            "github.com/contoso/quoted-path@v0.3.0 L12 direct -",
            "gopkg.in/yaml.v2@v2.4.0 L14 indirect -",
            "github.com/google/uuid@v1.6.0 L17 direct -",
            "golang.org/x/net@v0.22.0 L20 indirect -",
            "golang.org/x/sys@v0.18.0 L21 indirect -",
            // replaced: the replace directive's line and target
            "golang.org/x/crypto@v0.22.0 L26 direct -",
            "github.com/contoso/gin@v1.9.1-contoso.1 L29 direct -",
        ]
    );
    assert_eq!(skipped(&m), ["github.com/contoso/shared L24: local ../shared"]);
}

#[test]
fn go_sum_fallback() {
    let m = parse_fixture("go/sum-only/go.sum");
    assert_eq!(m.kind, ManifestKind::GoSum);
    assert_eq!(
        deps(&m),
        [
            "github.com/davecgh/go-spew@v1.1.1 L1 - -",
            "github.com/gin-gonic/gin@v1.9.1 L3 - -",
            "golang.org/x/crypto@v0.21.0 L7 - -",
        ]
    );
    assert_eq!(
        skipped(&m),
        ["github.com/stretchr/testify L5: go.mod only v1.8.1"]
    );
}

#[test]
fn replace_with_version_only_for_that_version() {
    let go_mod = b"module m\n\nrequire (\n\ta v1.0.0\n\tb v1.0.0\n)\n\nreplace a v0.9.0 => c v2.0.0\nreplace b v1.0.0 => d v3.0.0\n";
    let m = parse("go.mod", go_mod).unwrap();
    assert_eq!(deps(&m), ["a@v1.0.0 L4 direct -", "d@v3.0.0 L9 direct -"]);
}
