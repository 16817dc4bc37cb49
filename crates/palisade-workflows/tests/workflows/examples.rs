//! Every rule's documented examples, run through the public `scan_file`.

use palisade_workflows::{rules, scan_file};

#[test]
fn every_rule_matches_its_positive_examples_and_not_its_negative_ones() {
    let mut failures = Vec::new();
    for rule in rules() {
        for (i, example) in rule.positive.iter().enumerate() {
            match scan_file(rule.example_path, example.as_bytes()) {
                Ok(found) if found.iter().any(|m| m.rule.id == rule.id) => {}
                Ok(found) => failures.push(format!(
                    "{}: positive example {i} produced no match (got {:?})",
                    rule.id,
                    found.iter().map(|m| m.rule.id).collect::<Vec<_>>()
                )),
                Err(e) => failures.push(format!("{}: positive example {i}: {e}", rule.id)),
            }
        }
        for (i, example) in rule.negative.iter().enumerate() {
            match scan_file(rule.example_path, example.as_bytes()) {
                Ok(found) => {
                    for m in found.iter().filter(|m| m.rule.id == rule.id) {
                        failures.push(format!(
                            "{}: negative example {i} matched at line {} ({})",
                            rule.id, m.line, m.subject
                        ));
                    }
                }
                Err(e) => failures.push(format!("{}: negative example {i}: {e}", rule.id)),
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn examples_are_scanned_as_their_rule_framework() {
    for rule in rules() {
        for example in rule.positive.iter().chain(rule.negative) {
            assert_eq!(
                palisade_workflows::framework_of(rule.example_path, example.as_bytes()),
                Some(rule.framework),
                "{}",
                rule.id
            );
        }
    }
}

#[test]
fn subjects_never_hold_secret_values() {
    for rule in rules() {
        for example in rule.positive {
            let found = scan_file(rule.example_path, example.as_bytes()).unwrap_or_default();
            for m in found {
                for secret in [
                    "Sup3r-S3cret!",
                    "Qx8Q~aVeryRealLookingValue123",
                    "npm_aBcDeFgHiJkLmNoPqRsTuVwXyZ012345",
                    "8Q~fakeButRealisticClientSecretValue9",
                    "ghp_aaaaBBBBccccDDDDeeeeFFFFggggHHHH1234",
                ] {
                    assert!(!m.subject.contains(secret), "{}: {}", m.rule.id, m.subject);
                }
            }
        }
    }
}
