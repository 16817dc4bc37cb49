//! `AdvisoryIndex::is_affected` against the fixture records, per ecosystem,
//! and the OSV range algorithm on small hand-built records.

use std::sync::LazyLock;

use palisade_advisories::{AdvisoryIndex, Ecosystem, MatchKind, OsvRecord, parse_record};
use palisade_domain::{Confidence, Severity};

use crate::fixture_index;

static INDEX: LazyLock<AdvisoryIndex> = LazyLock::new(fixture_index);

/// `(id, fixed versions, confidence)` of each match.
type Expected<'a> = &'a [(&'a str, &'a [&'a str], Confidence)];

const HIGH: Confidence = Confidence::High;
const LOW: Confidence = Confidence::Low;

fn check(ecosystem: &Ecosystem, rows: &[(&str, &str, Expected<'_>)]) {
    for (name, version, expected) in rows {
        let got: Vec<_> = INDEX
            .is_affected(ecosystem, name, version)
            .into_iter()
            .map(|m| (m.id().to_owned(), m.fixed.clone(), m.confidence))
            .collect();
        let expected: Vec<_> = expected
            .iter()
            .map(|(id, fixed, c)| {
                (
                    (*id).to_owned(),
                    fixed.iter().map(|f| (*f).to_owned()).collect::<Vec<_>>(),
                    *c,
                )
            })
            .collect();
        assert_eq!(got, expected, "{ecosystem} {name} {version}");
    }
}

#[test]
fn npm() {
    const LODASH: &str = "GHSA-35jh-r3h4-6jhm";
    const BABEL: &str = "GHSA-67hx-6x53-jw92";
    check(
        &Ecosystem::Npm,
        &[
            // The withdrawn GHSA-w1th-drwn-0001 also names lodash: never reported.
            ("lodash", "4.17.20", &[(LODASH, &["4.17.21"], HIGH)]),
            ("lodash", "0.1.0", &[(LODASH, &["4.17.21"], HIGH)]),
            ("lodash", "v4.17.20", &[(LODASH, &["4.17.21"], HIGH)]),
            ("lodash", "4.17.21-rc.1", &[(LODASH, &["4.17.21"], HIGH)]),
            ("lodash", "4.17.21", &[]),
            ("lodash", "4.17.21+build.7", &[]),
            ("lodash-es", "4.17.15", &[(LODASH, &["4.17.21"], HIGH)]),
            ("Lodash", "4.17.15", &[]),
            ("@babel/traverse", "7.23.1", &[(BABEL, &["7.23.2"], HIGH)]),
            ("@babel/traverse", "7.23.2", &[]),
            (
                "@babel/traverse",
                "8.0.0-alpha.3",
                &[(BABEL, &["8.0.0-alpha.4"], HIGH)],
            ),
            ("@babel/traverse", "8.0.0-alpha.4", &[]),
            ("@babel/traverse", "8.0.0", &[]),
            // A range bound that is not SemVer ("3.7"): generic order, low confidence.
            (
                "lodash.merge",
                "4.6.1",
                &[("GHSA-p6mc-m468-83gw", &["4.6.2"], LOW)],
            ),
            (
                "lodash.merge",
                "3.7.0",
                &[("GHSA-p6mc-m468-83gw", &["4.6.2"], LOW)],
            ),
            ("lodash.merge", "3.6.9", &[]),
            ("lodash.merge", "4.6.2", &[]),
            // Future-schema record: only its SEMVER range counts (GIT and
            // ECOSYSTEM_V2 ranges are ignored).
            (
                "future-pkg",
                "1.2.0",
                &[("GHSA-futr-e0sc-hema", &["1.4.2"], HIGH)],
            ),
            ("future-pkg", "0.9.0", &[]),
            ("future-pkg", "1.4.2", &[]),
            ("no-such-package", "1.0.0", &[]),
        ],
    );
}

#[test]
fn pypi() {
    const DJANGO: &str = "GHSA-jh3w-4vvf-mjgr";
    const CORS: &str = "PYSEC-2020-43";
    check(
        &Ecosystem::PyPI,
        &[
            ("Django", "4.2.2", &[(DJANGO, &["4.2.3"], HIGH)]),
            ("django", "4.2", &[(DJANGO, &["4.2.3"], HIGH)]),
            ("django", "4.2.0", &[(DJANGO, &["4.2.3"], HIGH)]),
            ("django", "4.2.3", &[]),
            ("django", "4.2rc1", &[]),
            ("django", "4.1.9", &[(DJANGO, &["4.1.10"], HIGH)]),
            ("django", "4.1.10", &[]),
            ("django", "3.2.19", &[(DJANGO, &["3.2.20"], HIGH)]),
            ("django", "3.2.20.post1", &[]),
            ("django", "3.1.14", &[]),
            // `versions` list only; name per PEP 503; `1.10` = `1.10.0`.
            ("flask-cors", "3.0.8", &[(CORS, &[], HIGH)]),
            ("FLASK.CORS", "1.10", &[(CORS, &[], HIGH)]),
            ("flask__cors", "3.0.9", &[(CORS, &[], HIGH)]),
            ("flask-cors", "3.0.10", &[]),
        ],
    );
}

#[test]
fn maven() {
    const LOG4J: &str = "org.apache.logging.log4j:log4j-core";
    const LOG4SHELL: &str = "GHSA-jfh8-c2jp-5v3q";
    const STRUTS: &str = "GHSA-9x4v-xx3w-5j2f";
    check(
        &Ecosystem::Maven,
        &[
            (LOG4J, "2.14.1", &[(LOG4SHELL, &["2.15.0"], HIGH)]),
            (LOG4J, "2.13.0", &[(LOG4SHELL, &["2.15.0"], HIGH)]),
            (LOG4J, "2.13.0-rc1", &[]),
            (LOG4J, "2.15.0", &[]),
            (LOG4J, "2.17.1", &[]),
            (LOG4J, "2.12.1", &[(LOG4SHELL, &["2.12.2"], HIGH)]),
            (LOG4J, "2.12.2", &[]),
            (LOG4J, "2.3", &[(LOG4SHELL, &["2.3.1"], HIGH)]),
            (LOG4J, "2.0", &[(LOG4SHELL, &["2.3.1"], HIGH)]),
            (LOG4J, "2.0-beta9", &[(LOG4SHELL, &["2.3.1"], HIGH)]),
            (LOG4J, "2.0-rc1", &[(LOG4SHELL, &["2.3.1"], HIGH)]),
            (LOG4J, "2.0-beta8", &[]),
            (LOG4J, "2.0-alpha1", &[]),
            (LOG4J, "2.3.1", &[]),
            ("org.apache.logging.log4j:log4j-api", "2.14.1", &[]),
            // last_affected is inclusive, and 2.5.30.Final = 2.5.30.
            ("org.apache.struts:struts2-core", "2.5.30", &[(STRUTS, &[], HIGH)]),
            (
                "org.apache.struts:struts2-core",
                "2.5.30.FINAL",
                &[(STRUTS, &[], HIGH)],
            ),
            ("org.apache.struts:struts2-core", "2.5.0", &[(STRUTS, &[], HIGH)]),
            ("org.apache.struts:struts2-core", "2.5.31", &[]),
            ("org.apache.struts:struts2-core", "2.5.30-sp1", &[]),
            ("org.apache.struts:struts2-core", "2.5-SNAPSHOT", &[]),
        ],
    );
}

#[test]
fn nuget() {
    const JSON: &str = "GHSA-5crp-9r3c-p9vr";
    const ENC: &str = "GHSA-ghhp-997w-qr28";
    check(
        &Ecosystem::NuGet,
        &[
            ("Newtonsoft.Json", "12.0.3", &[(JSON, &["13.0.1"], HIGH)]),
            ("newtonsoft.json", "13.0", &[(JSON, &["13.0.1"], HIGH)]),
            ("NEWTONSOFT.JSON", "13.0.1-beta1", &[(JSON, &["13.0.1"], HIGH)]),
            ("newtonsoft.json", "13.0.1", &[]),
            ("newtonsoft.json", "13.0.1.0", &[]),
            ("newtonsoft.json", "13.0.1+sha.5", &[]),
            ("System.Text.Encodings.Web", "4.5.0", &[(ENC, &["4.5.1"], HIGH)]),
            ("system.text.encodings.web", "4.5.0.0", &[(ENC, &["4.5.1"], HIGH)]),
            ("system.text.encodings.web", "4.5.1", &[]),
            ("system.text.encodings.web", "4.7.1", &[(ENC, &["4.7.2"], HIGH)]),
            ("system.text.encodings.web", "5.0.0", &[(ENC, &["5.0.1"], HIGH)]),
            ("system.text.encodings.web", "5.0.1", &[]),
            ("system.text.encodings.web", "6.0.0", &[]),
            ("system.text.encodings.web", "3.1.0", &[]),
        ],
    );
}

#[test]
fn go() {
    const HTTP2: &str = "GO-2022-0969";
    const PSEUDO_FIX: &str = "0.0.0-20220906165146-f3363e06e74c";
    check(
        &Ecosystem::Go,
        &[
            ("stdlib", "1.18.5", &[(HTTP2, &["1.18.6"], HIGH)]),
            ("stdlib", "v1.18.5", &[(HTTP2, &["1.18.6"], HIGH)]),
            ("stdlib", "1.18.6", &[]),
            ("stdlib", "1.19.0", &[(HTTP2, &["1.19.1"], HIGH)]),
            ("stdlib", "1.19.1", &[]),
            ("stdlib", "1.19.0-rc.1", &[]),
            (
                "golang.org/x/net",
                "v0.0.0-20220826154423-83b083e8dc8b",
                &[(HTTP2, &[PSEUDO_FIX], HIGH)],
            ),
            ("golang.org/x/net", "v0.0.0-20220906165146-f3363e06e74c", &[]),
            ("golang.org/x/net", "v0.1.0", &[]),
            ("Golang.org/x/net", "v0.0.0-20220826154423-83b083e8dc8b", &[]),
            (
                "github.com/docker/cli",
                "v20.10.8+incompatible",
                &[("GO-2022-0390", &["20.10.9+incompatible"], HIGH)],
            ),
            ("github.com/docker/cli", "v20.10.9+incompatible", &[]),
            ("github.com/docker/cli", "v20.10.9", &[]),
        ],
    );
}

#[test]
fn crates_io() {
    const TIME: &str = "RUSTSEC-2020-0071";
    check(
        &Ecosystem::CratesIo,
        &[
            ("time", "0.1.43", &[(TIME, &["0.2.23"], HIGH)]),
            ("time", "0.2.22", &[(TIME, &["0.2.23"], HIGH)]),
            ("time", "0.0.1-alpha", &[(TIME, &["0.2.23"], HIGH)]),
            ("time", "0.2.23", &[]),
            ("time", "0.3.36", &[]),
            ("Time", "0.1.0", &[(TIME, &["0.2.23"], HIGH)]),
        ],
    );
}

#[test]
fn unknown_ecosystems_match_with_low_confidence() {
    const RACK: &str = "GHSA-rqv2-275x-2jq5";
    check(
        &Ecosystem::from_osv("RubyGems"),
        &[
            ("rack", "2.2.6.2", &[(RACK, &["2.2.6.3"], LOW)]),
            ("rack", "2.2.6.3", &[]),
            ("rack", "3.0.4.1", &[(RACK, &["3.0.4.2"], LOW)]),
            ("rack", "2.0.9.3", &[]),
            ("rack", "1.6.0", &[(RACK, &["2.0.9.3"], LOW)]),
            ("Rack", "1.6.0", &[]),
        ],
    );
}

#[test]
fn a_match_carries_what_a_finding_needs() {
    let hits = INDEX.is_affected(&Ecosystem::Maven, "org.apache.logging.log4j:log4j-core", "2.14.1");
    let [hit] = &hits[..] else { panic!("{hits:?}") };
    assert_eq!(hit.id(), "GHSA-jfh8-c2jp-5v3q");
    assert_eq!(hit.aliases(), ["CVE-2021-44228"]);
    assert_eq!(hit.summary(), Some("Remote code injection in Log4j"));
    let severity = hit.severity().expect("severity");
    assert_eq!((severity.level, severity.score), (Severity::Critical, Some(10.0)));
    assert_eq!(hit.fixed_in(), Some("2.15.0"));
    assert_eq!(hit.kind, MatchKind::Range);

    let hits = INDEX.is_affected(&Ecosystem::PyPI, "flask-cors", "3.0.8");
    assert_eq!(hits[0].kind, MatchKind::Versions);
    assert_eq!(hits[0].fixed_in(), None);
}

/// An index of one record with one npm package `p`, built from its ranges
/// and versions JSON.
fn one(affected: &str) -> AdvisoryIndex {
    let json = format!(
        r#"{{"id": "T-1", "modified": "2024-01-01T00:00:00Z",
            "affected": [{{"package": {{"ecosystem": "npm", "name": "p"}}, {affected}}}]}}"#
    );
    let Ok(OsvRecord::Advisory(a)) = parse_record(json.as_bytes()) else {
        panic!("{json}")
    };
    AdvisoryIndex::new([a])
}

/// The versions among `candidates` that `index` says are affected, and the
/// lowest fixes reported for them.
fn affected(index: &AdvisoryIndex, candidates: &[&str]) -> Vec<(String, Vec<String>)> {
    candidates
        .iter()
        .filter_map(|v| {
            let hits = index.is_affected(&Ecosystem::Npm, "p", v);
            hits.first().map(|h| ((*v).to_owned(), h.fixed.clone()))
        })
        .collect()
}

const CANDIDATES: [&str; 9] = [
    "0.1.0", "1.0.0", "1.5.0", "2.0.0", "2.5.0", "3.0.0", "3.5.0", "4.0.0", "9.0.0",
];

fn only(v: &[(&str, &[&str])]) -> Vec<(String, Vec<String>)> {
    v.iter()
        .map(|(v, f)| ((*v).to_owned(), f.iter().map(|f| (*f).to_owned()).collect()))
        .collect()
}

#[test]
fn introduced_zero_without_fix_affects_everything() {
    let index = one(r#""ranges": [{"type": "SEMVER", "events": [{"introduced": "0"}]}]"#);
    assert_eq!(affected(&index, &CANDIDATES).len(), CANDIDATES.len());
}

#[test]
fn events_are_sorted_before_evaluation() {
    let index = one(r#""ranges": [{"type": "SEMVER", "events": [
            {"fixed": "4.0.0"}, {"introduced": "3.0.0"}, {"fixed": "2.0.0"}, {"introduced": "1.0.0"}]}]"#);
    assert_eq!(
        affected(&index, &CANDIDATES),
        only(&[
            ("1.0.0", &["2.0.0"]),
            ("1.5.0", &["2.0.0"]),
            ("3.0.0", &["4.0.0"]),
            ("3.5.0", &["4.0.0"])
        ])
    );
}

#[test]
fn last_affected_is_inclusive_and_fixed_exclusive() {
    let index = one(r#""ranges": [
            {"type": "SEMVER", "events": [{"introduced": "1.0.0"}, {"last_affected": "2.0.0"}]},
            {"type": "SEMVER", "events": [{"introduced": "3.0.0"}, {"fixed": "3.5.0"}]}]"#);
    assert_eq!(
        affected(&index, &CANDIDATES),
        only(&[
            ("1.0.0", &[]),
            ("1.5.0", &[]),
            ("2.0.0", &[]),
            ("3.0.0", &["3.5.0"])
        ])
    );
}

#[test]
fn limit_bounds_the_range() {
    let index =
        one(r#""ranges": [{"type": "SEMVER", "events": [{"introduced": "1.0.0"}, {"limit": "2.5.0"}]}]"#);
    assert_eq!(
        affected(&index, &CANDIDATES),
        only(&[("1.0.0", &[]), ("1.5.0", &[]), ("2.0.0", &[])])
    );
}

#[test]
fn fixed_versions_from_several_entries_are_merged_and_sorted() {
    // Two entries for the same package, as some databases write one per
    // major line: one match, both fixes (lowest first).
    let json = r#"{"id": "T-2", "modified": "2024-01-01T00:00:00Z", "affected": [
        {"package": {"ecosystem": "npm", "name": "p"},
         "ranges": [{"type": "SEMVER", "events": [{"introduced": "0"}, {"fixed": "10.0.0"}]}]},
        {"package": {"ecosystem": "npm", "name": "p"},
         "ranges": [{"type": "SEMVER", "events": [{"introduced": "1.0.0"}, {"fixed": "9.0.0"}]}]}]}"#;
    let Ok(OsvRecord::Advisory(a)) = parse_record(json.as_bytes()) else {
        panic!("parses")
    };
    let index = AdvisoryIndex::new([a]);
    let hits = index.is_affected(&Ecosystem::Npm, "p", "2.0.0");
    assert_eq!(hits.len(), 1);
    assert_eq!(hits[0].fixed, ["9.0.0", "10.0.0"]);
    assert_eq!(hits[0].fixed_in(), Some("10.0.0"));
}

#[test]
fn versions_list_reports_the_fix_a_range_knows() {
    let index = one(
        r#""versions": ["0.1.0"], "ranges": [{"type": "SEMVER", "events": [{"introduced": "1.0.0"}, {"fixed": "2.0.0"}]}]"#,
    );
    let hits = index.is_affected(&Ecosystem::Npm, "p", "0.1.0");
    assert_eq!(
        (hits[0].kind, hits[0].fixed.clone()),
        (MatchKind::Versions, vec!["2.0.0".to_owned()])
    );
}

#[test]
fn unparseable_installed_version_falls_back_to_generic_order() {
    let index =
        one(r#""ranges": [{"type": "SEMVER", "events": [{"introduced": "1.0.0"}, {"fixed": "2.0.0"}]}]"#);
    let hits = index.is_affected(&Ecosystem::Npm, "p", "1.5");
    assert_eq!(hits[0].confidence, Confidence::Low);
    assert!(index.is_affected(&Ecosystem::Npm, "p", "2.1").is_empty());
}

#[test]
fn the_latest_record_wins_when_ids_repeat() {
    let record = |modified: &str, fixed: &str| {
        let json = format!(
            r#"{{"id": "T-3", "modified": "{modified}", "affected": [{{"package": {{"ecosystem": "npm", "name": "p"}},
                "ranges": [{{"type": "SEMVER", "events": [{{"introduced": "0"}}, {{"fixed": "{fixed}"}}]}}]}}]}}"#
        );
        match parse_record(json.as_bytes()) {
            Ok(OsvRecord::Advisory(a)) => a,
            other => panic!("{other:?}"),
        }
    };
    let index = AdvisoryIndex::new([
        record("2024-01-02T00:00:00Z", "2.0.0"),
        record("2024-01-01T00:00:00Z", "1.0.0"),
    ]);
    assert_eq!(index.len(), 1);
    assert_eq!(
        index.is_affected(&Ecosystem::Npm, "p", "1.5.0")[0].fixed,
        ["2.0.0"]
    );
    assert_eq!(
        index.get("T-3").map(|a| a.modified.to_rfc3339()).as_deref(),
        Some("2024-01-02T00:00:00.000Z")
    );
}
