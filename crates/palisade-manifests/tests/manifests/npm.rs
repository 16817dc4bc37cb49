use palisade_manifests::{Ecosystem, ManifestKind, parse};

use crate::{deps, parse_fixture, skipped};

#[test]
fn package_lock_v1_tree() {
    let m = parse_fixture("npm/v1/package-lock.json");
    assert_eq!(m.kind, ManifestKind::NpmLock);
    assert!(m.dependencies.iter().all(|d| d.ecosystem == Ecosystem::Npm));
    assert_eq!(
        deps(&m),
        [
            "@babel/code-frame@7.12.13 L7 - dev",
            "@babel/highlight@7.13.10 L16 - dev",
            "axios@0.21.1 L22 - prod",
            "follow-redirects@1.13.3 L30 - prod",
            "string-width@4.2.3 L42 - prod",
            "webpack@4.46.0 L47 - dev",
            "acorn@6.4.2 L57 - dev",
            "schema-utils@1.0.0 L63 - dev",
            "ajv@6.12.6 L72 - dev",
        ]
    );
    assert_eq!(
        skipped(&m),
        [
            "contoso-utils L35: local file:../contoso-utils",
            "left-pad L38: non-registry github:stevemao/left-pad#5a3e2a6b2b4f4ad2c1b9d7d0b3f0a0e7d7c0f6c1",
        ]
    );
}

#[test]
fn package_lock_v3_packages_with_workspaces() {
    let m = parse_fixture("npm/v3/package-lock.json");
    assert_eq!(
        deps(&m),
        [
            "@azure/msal-browser@3.10.0 L26 direct prod",
            "@azure/msal-common@14.7.1 L37 indirect prod",
            "body-parser@1.20.1 L49 indirect prod",
            "qs@6.11.0 L57 indirect prod",
            "express@4.18.2 L62 direct prod",
            "fsevents@2.3.3 L71 direct prod",
            "qs@6.11.2 L86 indirect prod",
            // an alias: installed as string-width-cjs, the package is string-width
            "string-width@4.2.3 L91 direct prod",
            "typescript@5.4.2 L97 direct dev",
            // hoisted dev dependency of the packages/ui workspace
            "vitest@1.4.0 L107 direct dev",
            // nested under the workspace's own node_modules
            "react@18.2.0 L124 direct prod",
            "loose-envify@1.4.0 L132 indirect prod",
        ]
    );
    assert_eq!(
        skipped(&m),
        [
            "@contoso/ui L45: local packages/ui",
            "left-pad L81: non-registry git+ssh://git@github.com/stevemao/left-pad.git#5a3e2a6b2b4f4ad2c1b9d7d0b3f0a0e7d7c0f6c1",
        ]
    );
}

#[test]
fn package_lock_v2_prefers_packages_over_legacy_tree() {
    let lock = br#"{
  "name": "x",
  "lockfileVersion": 2,
  "packages": {
    "": { "dependencies": { "ms": "^2.1.3" } },
    "node_modules/ms": { "version": "2.1.3" }
  },
  "dependencies": {
    "ms": { "version": "2.1.3" }
  }
}"#;
    let m = parse("npm-shrinkwrap.json", lock).unwrap();
    assert_eq!(deps(&m), ["ms@2.1.3 L6 direct prod"]);
}

#[test]
fn yarn_classic() {
    let m = parse_fixture("npm/yarn-classic/yarn.lock");
    assert_eq!(m.kind, ManifestKind::YarnLock);
    assert_eq!(
        deps(&m),
        [
            "@babel/code-frame@7.12.13 L5 - -",
            "@babel/highlight@7.13.10 L12 - -",
            "lodash@4.17.21 L24 - -",
            "minimist@0.0.8 L29 - -",
            "string-width@4.2.3 L34 - -",
        ]
    );
    assert_eq!(
        skipped(&m),
        [
            "contoso-utils L17: local file:../contoso-utils",
            "left-pad L20: non-registry stevemao/left-pad",
        ]
    );
}

#[test]
fn yarn_berry() {
    let m = parse_fixture("npm/yarn-berry/yarn.lock");
    assert_eq!(
        deps(&m),
        [
            "@azure/msal-browser@3.10.0 L8 - -",
            "@azure/msal-common@14.7.1 L17 - -",
            "react@18.2.0 L50 - -",
            "resolve@1.22.8 L59 - -",
            // the same release with yarn's built-in patch applied
            "resolve@1.22.8 L66 - -",
            "string-width@4.2.3 L73 - -",
        ]
    );
    assert_eq!(
        skipped(&m),
        [
            "@contoso/ui L24: local workspace:packages/ui",
            "left-pad L43: non-registry https://github.com/stevemao/left-pad.git#commit=5a3e2a6b2b4f4ad2c1b9d7d0b3f0a0e7d7c0f6c1",
        ]
    );
}

#[test]
fn pnpm_v5() {
    let m = parse_fixture("npm/pnpm-v5/pnpm-lock.yaml");
    assert_eq!(m.kind, ManifestKind::PnpmLock);
    assert_eq!(
        deps(&m),
        [
            "@babel/core@7.20.0 L21 direct dev",
            "js-tokens@4.0.0 L26 indirect prod",
            "loose-envify@1.4.0 L30 indirect prod",
            "lodash@4.17.21 L37 direct prod",
            "react@18.2.0 L41 indirect prod",
            "string-width@4.2.3 L48 direct prod",
            "styled-jsx@5.1.1 L53 direct prod",
            "typescript@4.9.5 L62 direct dev",
        ]
    );
    assert_eq!(
        skipped(&m),
        [
            "github.com/stevemao/left-pad/5a3e2a6b2b4f4ad2c1b9d7d0b3f0a0e7d7c0f6c1 L68: non-registry https://codeload.github.com/stevemao/left-pad/tar.gz/5a3e2a6b2b4f4ad2c1b9d7d0b3f0a0e7d7c0f6c1"
        ]
    );
}

#[test]
fn pnpm_v6() {
    let m = parse_fixture("npm/pnpm-v6/pnpm-lock.yaml");
    assert_eq!(
        deps(&m),
        [
            "@next/env@13.4.0 L33 indirect prod",
            "@types/react@18.0.28 L37 direct dev",
            "js-tokens@4.0.0 L41 indirect prod",
            "loose-envify@1.4.0 L45 indirect prod",
            "next@13.4.0 L52 direct prod",
            "react@18.2.0 L63 direct prod",
            // `sw: /string-width@4.2.3` in packages/shared: an alias
            "string-width@4.2.3 L70 direct prod",
        ]
    );
    assert_eq!(
        skipped(&m),
        ["file:vendor/contoso-icons-2.0.0.tgz L75: non-registry file:vendor/contoso-icons-2.0.0.tgz"]
    );
}

#[test]
fn pnpm_v9_dev_from_snapshots() {
    let m = parse_fixture("npm/pnpm-v9/pnpm-lock.yaml");
    assert_eq!(
        deps(&m),
        [
            "@next/env@14.1.0 L36 indirect prod",
            "@types/react@18.2.55 L39 direct dev",
            // reached from react (prod) and vitest (dev): prod
            "js-tokens@4.0.0 L42 indirect prod",
            "loose-envify@1.4.0 L49 indirect prod",
            "next@14.1.0 L53 direct prod",
            "react@18.2.0 L60 direct prod",
            "string-width@4.2.3 L64 direct prod",
            "vitest@1.2.2 L68 direct dev",
        ]
    );
    assert_eq!(
        skipped(&m),
        [
            "left-pad@https://codeload.github.com/stevemao/left-pad/tar.gz/5a3e2a6b2b4f4ad2c1b9d7d0b3f0a0e7d7c0f6c1 L45: non-registry https://codeload.github.com/stevemao/left-pad/tar.gz/5a3e2a6b2b4f4ad2c1b9d7d0b3f0a0e7d7c0f6c1"
        ]
    );
}
