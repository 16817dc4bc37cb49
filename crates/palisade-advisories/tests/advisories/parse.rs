//! One record at a time: what is kept, what is tolerated, what is refused.

use palisade_advisories::{
    DETAILS_MAX_BYTES, Ecosystem, Event, OsvRecord, RangeKind, RecordErrorKind, SeveritySource, parse_record,
};
use palisade_domain::Severity;

use crate::{advisory, fixture};

#[test]
fn ghsa_record_keeps_ids_times_packages_and_cvss() {
    let a = advisory("npm/GHSA-35jh-r3h4-6jhm.json");
    assert_eq!(a.id, "GHSA-35jh-r3h4-6jhm");
    assert_eq!(a.aliases, ["CVE-2021-23337"]);
    assert_eq!(a.summary.as_deref(), Some("Command Injection in lodash"));
    assert_eq!(a.modified.to_rfc3339(), "2024-02-20T21:57:39.000Z");
    assert_eq!(
        a.published.map(palisade_domain::Timestamp::to_rfc3339).as_deref(),
        Some("2021-05-06T16:05:51.000Z")
    );
    let s = a.severity.expect("severity");
    // The vector wins over the label ("HIGH" here too).
    assert_eq!((s.level, s.score), (Severity::High, Some(7.2)));
    assert_eq!(
        s.source,
        SeveritySource::CvssV3("CVSS:3.1/AV:N/AC:L/PR:H/UI:N/S:U/C:H/I:H/A:H".into())
    );
    assert_eq!(a.affected.len(), 2);
    let p = &a.affected[0].package;
    assert_eq!((&p.ecosystem, p.name.as_str()), (&Ecosystem::Npm, "lodash"));
    assert_eq!(p.purl.as_deref(), Some("pkg:npm/lodash"));
    assert_eq!(a.affected[0].ranges[0].kind, RangeKind::Ecosystem);
    assert_eq!(
        a.affected[0].ranges[0].events,
        [Event::Introduced("0".into()), Event::Fixed("4.17.21".into())]
    );
}

#[test]
fn database_label_is_the_fallback_severity() {
    let a = advisory("PyPI/GHSA-jh3w-4vvf-mjgr.json");
    let s = a.severity.expect("severity");
    assert_eq!((s.level, s.score), (Severity::Medium, None));
    assert_eq!(s.source, SeveritySource::Database("MODERATE".into()));
    let s = advisory("NuGet/GHSA-5crp-9r3c-p9vr.json")
        .severity
        .expect("severity");
    assert_eq!((s.level, s.score), (Severity::High, None));
}

#[test]
fn cvss_v4_is_used_when_there_is_no_v3() {
    let s = advisory("npm/GHSA-67hx-6x53-jw92.json")
        .severity
        .expect("severity");
    assert_eq!((s.level, s.score), (Severity::Critical, Some(9.3)));
    assert!(matches!(s.source, SeveritySource::CvssV4(_)));
}

#[test]
fn records_without_severity_have_none() {
    assert!(advisory("Go/GO-2022-0969.json").severity.is_none());
    assert!(advisory("PyPI/PYSEC-2020-43.json").severity.is_none());
}

#[test]
fn versions_only_record_keeps_its_list() {
    let a = advisory("PyPI/PYSEC-2020-43.json");
    assert!(a.affected[0].ranges.is_empty());
    assert_eq!(a.affected[0].versions, ["1.0", "1.1", "1.10.0", "3.0.8", "3.0.9"]);
    assert_eq!(a.aliases, ["CVE-2020-7598", "GHSA-vh95-rmgr-6w4m"]);
}

#[test]
fn withdrawn_record_is_reported_as_withdrawn() {
    let Ok(OsvRecord::Withdrawn(w)) = parse_record(&fixture("special/GHSA-w1th-drwn-0001.json")) else {
        panic!("expected withdrawn");
    };
    assert_eq!(w.id, "GHSA-w1th-drwn-0001");
    assert_eq!(w.withdrawn.to_rfc3339(), "2024-01-10T08:00:00.000Z");
}

#[test]
fn future_schema_fields_are_ignored() {
    let a = advisory("special/GHSA-futr-e0sc-hema.json");
    assert_eq!(a.modified.to_rfc3339(), "2030-01-01T00:00:00.123Z");
    // CVSS_V5 is unknown; the top-level v3 wins over the per-package v4.
    let s = a.severity.expect("severity");
    assert_eq!((s.level, s.score), (Severity::Medium, Some(6.1)));
    let affected = &a.affected[0];
    // GIT and ECOSYSTEM_V2 ranges are left out; the unknown event is skipped.
    assert_eq!(affected.ranges.len(), 1);
    assert_eq!(affected.ranges[0].kind, RangeKind::SemVer);
    assert_eq!(
        affected.ranges[0].events,
        [Event::Introduced("1.0.0".into()), Event::Fixed("1.4.2".into())]
    );
    assert_eq!(affected.versions, ["1.0.0", "1.4.1"]);
}

#[test]
fn long_details_are_cut() {
    let json = format!(
        r#"{{"id": "X-1", "modified": "2024-01-01T00:00:00Z", "details": "{}"}}"#,
        "ü".repeat(DETAILS_MAX_BYTES)
    );
    let Ok(OsvRecord::Advisory(a)) = parse_record(json.as_bytes()) else {
        panic!("parses")
    };
    let details = a.details.expect("details");
    assert!(
        details.len() <= DETAILS_MAX_BYTES && details.ends_with('…'),
        "{} bytes",
        details.len()
    );
}

#[test]
fn malformed_records_are_errors_that_name_the_record() {
    let e = parse_record(&fixture("malformed/GHSA-badd-affe-cted.json")).expect_err("wrong type");
    assert_eq!(e.id.as_deref(), Some("GHSA-badd-affe-cted"));
    assert!(matches!(e.kind, RecordErrorKind::Json(_)), "{e}");

    let e = parse_record(&fixture("malformed/truncated.json")).expect_err("truncated");
    assert_eq!(e.id, None);
    assert!(matches!(e.kind, RecordErrorKind::Json(_)), "{e}");

    let e = parse_record(&fixture("malformed/GHSA-twok-inds-0000.json")).expect_err("two kinds");
    assert_eq!(e.id.as_deref(), Some("GHSA-twok-inds-0000"));
    let RecordErrorKind::Invalid { field, .. } = &e.kind else {
        panic!("{e}")
    };
    assert_eq!(field, "affected[0].ranges[0].events[0]");

    let e = parse_record(&fixture("malformed/GHSA-nomo-difi-ed00.json")).expect_err("no modified");
    assert!(matches!(e.kind, RecordErrorKind::Missing("modified")), "{e}");
}

#[test]
fn each_required_part_is_checked() {
    let cases: &[(&str, &str)] = &[
        ("[]", "not an object"),
        ("{}", "no id"),
        (r#"{"id": "", "modified": "2024-01-01T00:00:00Z"}"#, "empty id"),
        (r#"{"id": "X", "modified": "last week"}"#, "bad modified"),
        (
            r#"{"id": "X", "modified": "2024-01-01T00:00:00Z", "published": 5}"#,
            "published not a string",
        ),
        (
            r#"{"id": "X", "modified": "2024-01-01T00:00:00Z", "withdrawn": "soon"}"#,
            "bad withdrawn",
        ),
        (
            r#"{"id": "X", "modified": "2024-01-01T00:00:00Z", "affected": [{"package": {"name": "a"}}]}"#,
            "no ecosystem",
        ),
        (
            r#"{"id": "X", "modified": "2024-01-01T00:00:00Z", "affected": [{"package": {"ecosystem": "npm"}}]}"#,
            "no name",
        ),
        (
            r#"{"id": "X", "modified": "2024-01-01T00:00:00Z", "affected": [{"package": {"ecosystem": "npm", "name": "a"}, "ranges": [{"events": []}]}]}"#,
            "range without type",
        ),
        (
            r#"{"id": "X", "modified": "2024-01-01T00:00:00Z", "affected": [{"package": {"ecosystem": "npm", "name": "a"}, "ranges": [{"type": "SEMVER", "events": [{"fixed": " "}]}]}]}"#,
            "empty event version",
        ),
        (
            r#"{"id": "X", "modified": "2024-01-01T00:00:00Z", "aliases": "CVE-1"}"#,
            "aliases not a list",
        ),
    ];
    for (json, why) in cases {
        assert!(parse_record(json.as_bytes()).is_err(), "{why}: {json}");
    }
}

#[test]
fn minimal_and_null_fields_are_accepted() {
    let json = r#"{"id": "X-2", "modified": "2024-01-01T00:00:00Z", "aliases": null, "summary": null,
        "affected": [{"ranges": [{"type": "GIT", "repo": "r", "events": [{"introduced": "0"}]}]}]}"#;
    let Ok(OsvRecord::Advisory(a)) = parse_record(json.as_bytes()) else {
        panic!("parses")
    };
    assert!(a.aliases.is_empty() && a.summary.is_none() && a.severity.is_none());
    // An entry without a package (git-only) is left out.
    assert!(a.affected.is_empty());
}
