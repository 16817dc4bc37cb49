use std::collections::BTreeMap;

use palisade_secrets::{BUILTIN_FILES, builtin, check_examples};

#[test]
fn builtin_rules_load() {
    let set = builtin().expect("builtin rules load");
    assert!(!set.rules().is_empty());
}

/// Every positive example matches its rule and no negative example does,
/// run through the real engine.
#[test]
fn every_example_behaves() {
    let set = builtin().expect("builtin rules load");
    let failures = check_examples(&set);
    assert!(
        failures.is_empty(),
        "{} example failures:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

#[test]
fn at_least_one_hundred_rules() {
    let set = builtin().expect("builtin rules load");
    assert!(set.rules().len() >= 100, "only {} rules", set.rules().len());
}

/// Rule names read as what they find, and ids are grouped by file.
#[test]
fn rule_metadata_is_complete() {
    let set = builtin().expect("builtin rules load");
    for rule in set.rules() {
        assert!(!rule.references.is_empty(), "{} has no references", rule.id);
        assert!(rule.description.len() >= 40, "{}: description too short", rule.id);
        assert!(rule.remediation.len() >= 30, "{}: remediation too short", rule.id);
    }
}

/// Azure first: the rules our users depend on most exist under stable ids.
#[test]
fn azure_rules_present() {
    let set = builtin().expect("builtin rules load");
    for id in [
        "azure.devops.pat",
        "azure.devops.pat.legacy",
        "azure.storage.account-key",
    ] {
        assert!(set.get(id).is_some(), "missing {id}");
    }
}

#[test]
fn every_builtin_file_has_rules() {
    let set = builtin().expect("builtin rules load");
    let mut per_file: BTreeMap<&str, usize> = BTreeMap::new();
    for r in set.rules() {
        *per_file.entry(r.source.as_str()).or_default() += 1;
    }
    for (name, _) in BUILTIN_FILES {
        let source = format!("builtin:{name}");
        assert!(
            per_file.get(source.as_str()).copied().unwrap_or(0) > 0,
            "{name} has no rules"
        );
    }
}
