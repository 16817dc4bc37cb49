use std::collections::BTreeSet;

use palisade_posture::fixture::Estate;
use palisade_posture::{Status, all, evaluate_checks};

#[test]
fn ids_are_unique_and_well_formed() {
    let mut seen = BTreeSet::new();
    for c in all() {
        assert!(seen.insert(c.id), "duplicate id {}", c.id);
        assert!(c.id.starts_with("ado."), "{}: ids start with the platform", c.id);
        assert!(
            c.id.chars()
                .all(|ch| ch.is_ascii_lowercase() || ch.is_ascii_digit() || ch == '.' || ch == '-'),
            "{}: lowercase, digits, dots and hyphens only",
            c.id
        );
        assert!(
            !c.title.is_empty() && !c.rationale.is_empty() && !c.permissions.is_empty(),
            "{}",
            c.id
        );
        assert!(!c.remediation.is_empty(), "{}: remediation steps", c.id);
        assert!(!c.references.is_empty(), "{}: references", c.id);
        for r in c.references {
            assert!(r.starts_with("https://"), "{}: {r}", c.id);
        }
    }
}

/// Whatever a check needs, when discovery could not read it the check says
/// "unknown" with the reason: never "pass".
#[test]
fn every_check_says_unknown_when_its_data_is_unreadable() {
    let inv = Estate::unreadable().inventory();
    for check in all() {
        let results = evaluate_checks(&inv, &[check]);
        assert!(
            !results.is_empty(),
            "{}: no result on an estate with every kind",
            check.id
        );
        for r in &results {
            assert_ne!(
                r.status,
                Status::Pass,
                "{} passed {} without data: {}",
                check.id,
                r.resource,
                r.reason
            );
            if r.status == Status::Unknown {
                assert!(r.reason.len() > 10, "{}: unknown needs a reason", check.id);
            }
        }
        assert!(
            results.iter().any(|r| r.status == Status::Unknown),
            "{}: nothing unknown on an unreadable estate: {results:?}",
            check.id
        );
    }
}
