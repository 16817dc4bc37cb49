//! Every rule's positive and negative examples, run through `scan_file`
//! exactly as the scanner will run real files.

use palisade_iac::{rules, scan_file};

#[test]
fn every_rule_matches_its_positive_examples_and_not_its_negative_ones() {
    let mut failures = Vec::new();
    for rule in rules() {
        for (i, example) in rule.positive.iter().enumerate() {
            match scan_file(rule.example_path, example.as_bytes()) {
                Ok(found) if found.iter().any(|m| m.rule.id == rule.id) => {}
                Ok(found) => failures.push(format!(
                    "{}: positive example {} ({}) not matched; got {:?}",
                    rule.id,
                    i + 1,
                    rule.example_path,
                    found.iter().map(|m| m.rule.id).collect::<Vec<_>>()
                )),
                Err(e) => failures.push(format!(
                    "{}: positive example {} does not parse: {e}",
                    rule.id,
                    i + 1
                )),
            }
        }
        for (i, example) in rule.negative.iter().enumerate() {
            match scan_file(rule.example_path, example.as_bytes()) {
                Ok(found) => {
                    if let Some(m) = found.iter().find(|m| m.rule.id == rule.id) {
                        failures.push(format!(
                            "{}: negative example {} matched at line {} ({})",
                            rule.id,
                            i + 1,
                            m.line,
                            m.subject
                        ));
                    }
                }
                Err(e) => failures.push(format!(
                    "{}: negative example {} does not parse: {e}",
                    rule.id,
                    i + 1
                )),
            }
        }
    }
    assert!(
        failures.is_empty(),
        "{} failures:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

#[test]
fn every_example_is_recognized_by_its_path() {
    for rule in rules() {
        for example in rule.positive.iter().chain(rule.negative) {
            assert_eq!(
                palisade_iac::framework_of(rule.example_path, example.as_bytes()),
                Some(rule.framework),
                "{}: example not recognized as {}:\n{example}",
                rule.id,
                rule.framework
            );
        }
    }
}
