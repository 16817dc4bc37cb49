//! Version ordering: each ecosystem's documented examples, and proptests of
//! the total-order laws (antisymmetry, transitivity, `==` agreeing with
//! `cmp`) on generated versions.

use std::cmp::Ordering;
use std::fmt::Write as _;

use palisade_advisories::{Ecosystem, Version};
use proptest::prelude::*;
use proptest::test_runner::TestCaseError;

fn v(ecosystem: &Ecosystem, s: &str) -> Version {
    Version::parse(ecosystem, s).unwrap_or_else(|e| panic!("{ecosystem} {s:?}: {e}"))
}

/// Each version is strictly below the next.
fn ascending(ecosystem: &Ecosystem, versions: &[&str]) {
    for pair in versions.windows(2) {
        let (a, b) = (v(ecosystem, pair[0]), v(ecosystem, pair[1]));
        assert_eq!(
            a.cmp(&b),
            Ordering::Less,
            "{ecosystem}: {} < {}",
            pair[0],
            pair[1]
        );
        assert_eq!(
            b.cmp(&a),
            Ordering::Greater,
            "{ecosystem}: {} > {}",
            pair[1],
            pair[0]
        );
    }
}

/// All versions are equal.
fn equal(ecosystem: &Ecosystem, versions: &[&str]) {
    for pair in versions.windows(2) {
        assert_eq!(
            v(ecosystem, pair[0]),
            v(ecosystem, pair[1]),
            "{ecosystem}: {} = {}",
            pair[0],
            pair[1]
        );
    }
}

#[test]
fn semver_spec_precedence() {
    // semver.org, item 11.
    for ecosystem in [Ecosystem::Npm, Ecosystem::CratesIo, Ecosystem::Go] {
        ascending(&ecosystem, &["1.0.0", "2.0.0", "2.1.0", "2.1.1"]);
        ascending(
            &ecosystem,
            &[
                "1.0.0-alpha",
                "1.0.0-alpha.1",
                "1.0.0-alpha.beta",
                "1.0.0-beta",
                "1.0.0-beta.2",
                "1.0.0-beta.11",
                "1.0.0-rc.1",
                "1.0.0",
            ],
        );
        equal(
            &ecosystem,
            &["1.0.0", "1.0.0+20130313144700", "1.0.0+exp.sha.5114f85"],
        );
    }
}

#[test]
fn npm_and_go_accept_a_leading_v() {
    equal(&Ecosystem::Npm, &["1.2.3", "v1.2.3", "=1.2.3", "= v1.2.3"]);
    equal(&Ecosystem::Go, &["v1.2.3", "1.2.3"]);
    assert!(Version::parse(&Ecosystem::Npm, "1.2").is_err());
    assert!(Version::parse(&Ecosystem::Go, "v1.2").is_err());
}

#[test]
fn go_pseudo_versions_and_incompatible() {
    // go.dev/ref/mod#pseudo-versions: the three forms sort as prereleases
    // before the version they precede, and after the base they follow.
    ascending(
        &Ecosystem::Go,
        &[
            "v0.0.0-20191109021931-daa7c04131f5",
            "v0.0.0-20210101000000-abcdef123456",
            "v0.0.1",
            "v1.2.3",
            "v1.2.4-0.20210101000000-abcdef123456",
            "v1.2.4-pre",
            "v1.2.4-pre.0.20210101000000-abcdef123456",
            "v1.2.4",
        ],
    );
    equal(
        &Ecosystem::Go,
        &["v2.0.0+incompatible", "v2.0.0", "2.0.0+incompatible"],
    );
    ascending(
        &Ecosystem::Go,
        &[
            "v20.10.8+incompatible",
            "v20.10.9+incompatible",
            "v20.10.10+incompatible",
        ],
    );
}

#[test]
fn pep440_examples() {
    // PEP 440, "Summary of permitted suffixes and relative ordering".
    ascending(
        &Ecosystem::PyPI,
        &[
            "1.0.dev456",
            "1.0a1",
            "1.0a2.dev456",
            "1.0a12.dev456",
            "1.0a12",
            "1.0b1.dev456",
            "1.0b2",
            "1.0b2.post345.dev456",
            "1.0b2.post345",
            "1.0rc1.dev456",
            "1.0rc1",
            "1.0",
            "1.0+abc.5",
            "1.0+abc.7",
            "1.0+5",
            "1.0.post456.dev34",
            "1.0.post456",
            "1.0.15",
            "1.1.dev1",
        ],
    );
    // Normalization: release padding, case, spellings, leading `v`.
    equal(&Ecosystem::PyPI, &["1.0", "1.0.0", "1", "v1.0", "1.0.0.0"]);
    equal(
        &Ecosystem::PyPI,
        &[
            "1.0rc1",
            "1.0RC1",
            "1.0c1",
            "1.0-rc.1",
            "1.0.rc1",
            "1.0pre1",
            "1.0preview1",
        ],
    );
    equal(
        &Ecosystem::PyPI,
        &["1.0.post1", "1.0-1", "1.0post1", "1.0.rev1", "1.0-r1"],
    );
    equal(&Ecosystem::PyPI, &["1.0a", "1.0a0", "1.0alpha0"]);
    ascending(&Ecosystem::PyPI, &["2.0", "2013.10", "1!0.1", "1!1.0"]);
    assert!(Version::parse(&Ecosystem::PyPI, "1.0-beta-banana").is_err());
}

#[test]
fn maven_pom_reference_examples() {
    // maven.apache.org/pom.html#version-order-specification, and the brief's
    // classic cases.
    let m = &Ecosystem::Maven;
    ascending(m, &["1", "1.1"]);
    ascending(m, &["1-snapshot", "1", "1-sp"]);
    ascending(m, &["1-foo2", "1-foo10"]);
    equal(m, &["1.foo", "1-foo"]);
    ascending(m, &["1-foo", "1-1", "1.1"]);
    equal(
        m,
        &[
            "1.ga",
            "1-ga",
            "1-0",
            "1.0",
            "1",
            "1.0.0",
            "1.final",
            "1.RELEASE",
            "1.",
            "1-",
        ],
    );
    ascending(m, &["1-ga", "1-sp"]);
    ascending(m, &["1-ga.1", "1-sp.1"]);
    ascending(m, &["1-sp-1", "1-ga-1"]);
    equal(m, &["1-ga-1", "1-1"]);
    equal(m, &["1-a1", "1-alpha-1", "1.0-ALPHA1"]);
    equal(m, &["1-cr1", "1-rc1", "1.RC1", "1-RC-1"]);
    ascending(m, &["1-rc-1", "1-rc.1"]); // `-number < .number`
    ascending(m, &["1.0", "1.0.1", "1.1", "1.10"]);
    ascending(
        m,
        &[
            "1.0-alpha",
            "1.0-beta",
            "1.0-milestone",
            "1.0-rc",
            "1.0-SNAPSHOT",
            "1.0",
            "1.0-sp",
            "1.0-whatever",
            "1.0.1",
        ],
    );
    ascending(m, &["1.0-alpha-1", "1.0-alpha-2", "1.0-alpha-10", "1.0-beta-1"]);
    ascending(m, &["1-1", "1.1"]);
    ascending(m, &["2.0-beta8", "2.0-beta9", "2.0-rc1", "2.0", "2.0.1"]);
    equal(m, &["4.1.77.Final", "4.1.77"]);
    ascending(m, &["4.1.77.Final", "4.1.78.Final"]);
    ascending(m, &["1.0.0.RC1", "1.0.0"]);
    ascending(m, &["2.9.10", "2.9.10.1", "2.9.10.8", "2.10.0"]);
    ascending(m, &["1.0-a", "1.0-b"]); // `a` and `b` are letters unless a digit follows
    ascending(m, &["1-123456789012345678901", "1-123456789012345678902"]);
}

#[test]
fn nuget_examples() {
    // learn.microsoft.com/nuget/concepts/package-versioning
    let n = &Ecosystem::NuGet;
    equal(n, &["1.0", "1.0.0", "1.0.0.0", "01.0", "1"]);
    equal(n, &["1.0.0-Beta", "1.0.0-beta", "1.0.0-BETA"]);
    equal(n, &["1.0.0+metadata", "1.0.0"]);
    equal(n, &["1.0.0-rc.1", "1.0.0-rc.1+build.5"]);
    ascending(
        n,
        &[
            "1.0.0-alpha",
            "1.0.0-alpha.1",
            "1.0.0-alpha.beta",
            "1.0.0-beta",
            "1.0.0-beta.2",
            "1.0.0-beta.11",
            "1.0.0-rc.1",
            "1.0.0",
        ],
    );
    ascending(
        n,
        &[
            "1.0.0", "1.0.0.1", "1.0.1", "1.1", "4.1.0", "4.1.0.1", "4.2", "10.0",
        ],
    );
    // Legacy SemVer 1.0 labels are text: beta10 sorts before beta2.
    ascending(n, &["1.0.0-beta10", "1.0.0-beta2"]);
    ascending(
        n,
        &[
            "6.0.0-preview.4.21253.7",
            "6.0.0-preview.5.21301.5",
            "6.0.0-rc.1.21451.13",
            "6.0.0",
        ],
    );
    assert!(Version::parse(n, "1.0.0.0.0").is_err());
    assert!(Version::parse(n, "v1.0").is_err());
}

#[test]
fn generic_order_examples() {
    let g = &Ecosystem::from_osv("RubyGems");
    ascending(
        g,
        &[
            "1.0.rc1", "1.0", "1.0.0", "1.0.1", "1.2", "1.10", "2.0.9.3", "2.0.10",
        ],
    );
    equal(g, &["1.0-RC1", "1.0.rc.1", "1_0_rc1"]);
    assert!(Version::parse(g, "1.0").is_ok_and(|v| v.is_generic()));
    assert!(Version::parse(g, "  ").is_err());
}

/// The laws of a total order on `versions`, and that sorting agrees with
/// every pair.
fn total_order(versions: &[Version]) -> Result<(), TestCaseError> {
    for a in versions {
        prop_assert_eq!(a.cmp(a), Ordering::Equal, "reflexive: {}", a);
        for b in versions {
            prop_assert_eq!(a.cmp(b), b.cmp(a).reverse(), "antisymmetric: {} vs {}", a, b);
            prop_assert_eq!(
                a == b,
                a.cmp(b) == Ordering::Equal,
                "eq agrees with cmp: {} vs {}",
                a,
                b
            );
            prop_assert_eq!(a.partial_cmp(b), Some(a.cmp(b)));
            for c in versions {
                if a <= b && b <= c {
                    prop_assert!(a <= c, "transitive: {} <= {} <= {}", a, b, c);
                }
            }
        }
    }
    let mut sorted = versions.to_vec();
    sorted.sort();
    for (i, a) in sorted.iter().enumerate() {
        for b in &sorted[i + 1..] {
            prop_assert!(a <= b, "sorted order broken: {} before {}", a, b);
        }
    }
    Ok(())
}

fn parse_all(ecosystem: &Ecosystem, strings: &[String]) -> Result<Vec<Version>, TestCaseError> {
    strings
        .iter()
        .map(|s| Version::parse(ecosystem, s).map_err(|e| TestCaseError::fail(format!("{s:?}: {e}"))))
        .collect()
}

fn pick<T: Clone + std::fmt::Debug + 'static>(items: &'static [T]) -> impl Strategy<Value = T> {
    proptest::sample::select(items)
}

fn semver_string() -> impl Strategy<Value = String> {
    const PRE: &[&str] = &[
        "alpha",
        "beta",
        "rc",
        "0",
        "1",
        "2",
        "11",
        "x-y",
        "20210101000000",
        "abcdef123456",
        "A",
    ];
    (
        0u64..3,
        0u64..3,
        0u64..3,
        proptest::option::of(proptest::collection::vec(pick(PRE), 1..4)),
        proptest::option::of(pick(&["incompatible", "build.5", "001"])),
        any::<bool>(),
    )
        .prop_map(|(major, minor, patch, pre, build, v)| {
            let mut s = format!("{}{major}.{minor}.{patch}", if v { "v" } else { "" });
            if let Some(pre) = pre {
                s += "-";
                s += &pre.join(".");
            }
            if let Some(build) = build {
                s += "+";
                s += build;
            }
            s
        })
}

fn pep440_string() -> impl Strategy<Value = String> {
    (
        proptest::option::of(0u8..2),
        proptest::collection::vec(0u8..3, 1..4),
        proptest::option::of((pick(&["a", "b", "rc", "alpha", "c", "preview"]), 0u8..3)),
        proptest::option::of((pick(&[".post", "-", ".rev", "post"]), 0u8..3)),
        proptest::option::of(0u8..2),
        proptest::option::of(proptest::collection::vec(
            pick(&["abc", "5", "ubuntu", "1", "Z"]),
            1..3,
        )),
    )
        .prop_map(|(epoch, release, pre, post, dev, local)| {
            let mut s = epoch.map(|e| format!("{e}!")).unwrap_or_default();
            s += &release.iter().map(u8::to_string).collect::<Vec<_>>().join(".");
            if let Some((tag, n)) = pre {
                let _ = write!(s, "{tag}{n}");
            }
            if let Some((sep, n)) = post {
                // `-` alone needs a number after it: `1.0-1` is a post-release.
                let _ = write!(s, "{sep}{n}");
            }
            if let Some(n) = dev {
                let _ = write!(s, ".dev{n}");
            }
            if let Some(local) = local {
                s += "+";
                s += &local.join(".");
            }
            s
        })
}

fn maven_string() -> impl Strategy<Value = String> {
    const ATOMS: &[&str] = &[
        "0",
        "1",
        "2",
        "10",
        "01",
        "alpha",
        "a",
        "beta",
        "b",
        "m",
        "milestone",
        "rc",
        "cr",
        "snapshot",
        "SNAPSHOT",
        "ga",
        "final",
        "Final",
        "release",
        "sp",
        "foo",
        "bar",
        "",
    ];
    (
        pick(&["0", "1", "2", "10"]),
        proptest::collection::vec((pick(&[".", "-", ""]), pick(ATOMS)), 0..5),
    )
        .prop_map(|(first, rest)| {
            let mut s = first.to_owned();
            for (sep, atom) in rest {
                s += sep;
                s += atom;
            }
            s
        })
}

fn nuget_string() -> impl Strategy<Value = String> {
    (
        proptest::collection::vec(pick(&["0", "1", "2", "10", "01"]), 1..5),
        proptest::option::of(proptest::collection::vec(
            pick(&["alpha", "Beta", "RC", "1", "2", "10", "rc-1", "01"]),
            1..3,
        )),
        proptest::option::of(pick(&["meta", "sha.abc", "5"])),
    )
        .prop_map(|(parts, labels, meta)| {
            let mut s = parts.join(".");
            if let Some(labels) = labels {
                s += "-";
                s += &labels.join(".");
            }
            if let Some(meta) = meta {
                s += "+";
                s += meta;
            }
            s
        })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn semver_is_a_total_order(strings in proptest::collection::vec(semver_string(), 1..9)) {
        for ecosystem in [Ecosystem::Go, Ecosystem::Npm] {
            total_order(&parse_all(&ecosystem, &strings)?)?;
        }
    }

    #[test]
    fn semver_ignores_build_metadata(s in semver_string()) {
        let base = s.split('+').next().unwrap_or_default();
        prop_assert_eq!(v(&Ecosystem::Go, &s), v(&Ecosystem::Go, base));
    }

    #[test]
    fn pep440_is_a_total_order(strings in proptest::collection::vec(pep440_string(), 1..9)) {
        total_order(&parse_all(&Ecosystem::PyPI, &strings)?)?;
    }

    #[test]
    fn maven_is_a_total_order(strings in proptest::collection::vec(maven_string(), 1..9)) {
        total_order(&parse_all(&Ecosystem::Maven, &strings)?)?;
    }

    #[test]
    fn maven_trailing_nulls_do_not_matter(s in maven_string(), tail in pick(&[".0", "-0", "-ga", ".final", ".0.0"])) {
        prop_assert_eq!(v(&Ecosystem::Maven, &s), v(&Ecosystem::Maven, &format!("{s}{tail}")));
    }

    #[test]
    fn nuget_is_a_total_order(strings in proptest::collection::vec(nuget_string(), 1..9)) {
        total_order(&parse_all(&Ecosystem::NuGet, &strings)?)?;
    }

    #[test]
    fn nuget_missing_parts_are_zero(s in nuget_string()) {
        let (core, rest) = s.find(['-', '+']).map_or((s.as_str(), ""), |i| s.split_at(i));
        prop_assume!(core.split('.').count() < 4);
        prop_assert_eq!(v(&Ecosystem::NuGet, &s), v(&Ecosystem::NuGet, &format!("{core}.0{rest}")));
    }

    #[test]
    fn generic_is_a_total_order(strings in proptest::collection::vec("[0-9a-zA-Z._+~-]{1,10}", 1..9)) {
        total_order(&parse_all(&Ecosystem::from_osv("Debian:12"), &strings)?)?;
    }

    #[test]
    fn any_string_parses_or_errs_without_panicking(s in "\\PC{0,24}") {
        for ecosystem in [Ecosystem::Npm, Ecosystem::PyPI, Ecosystem::Maven, Ecosystem::NuGet, Ecosystem::Go] {
            let _ = Version::parse(&ecosystem, &s);
        }
    }
}
