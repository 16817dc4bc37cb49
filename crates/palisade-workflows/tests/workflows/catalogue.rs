//! Catalogue invariants: ids, order, documentation, Checkov ids.

use std::collections::HashSet;

use palisade_domain::RuleId;
use palisade_workflows::rules;

#[test]
fn ids_are_valid_unique_sorted_and_namespaced() {
    let all = rules();
    assert!(all.len() >= 20, "only {} rules", all.len());
    let mut seen = HashSet::new();
    for rule in all {
        RuleId::parse(rule.id).unwrap_or_else(|e| panic!("{e}"));
        assert!(seen.insert(rule.id), "duplicate id {}", rule.id);
        let prefix = format!("iac.{}.", rule.framework);
        assert!(rule.id.starts_with(&prefix), "{} is not under {prefix}", rule.id);
        assert!(
            matches!(rule.framework, "azure-pipelines" | "github-actions"),
            "{}: framework {}",
            rule.id,
            rule.framework
        );
        // Named for the pattern they flag (ruff's naming rule).
        let last = rule.id.rsplit('.').next().unwrap_or_default();
        for bad in ["avoid-", "use-", "prefer-", "no-"] {
            assert!(!last.starts_with(bad), "{}: name starts with {bad}", rule.id);
        }
    }
    let ids: Vec<&str> = all.iter().map(|r| r.id).collect();
    let mut sorted = ids.clone();
    sorted.sort_unstable();
    assert_eq!(ids, sorted, "rules() must be sorted by id");
}

#[test]
fn every_rule_is_documented_with_examples() {
    for rule in rules() {
        for (field, value) in [
            ("name", rule.name),
            ("description", rule.description),
            ("remediation", rule.remediation),
            ("example_path", rule.example_path),
        ] {
            assert!(!value.trim().is_empty(), "{}: empty {field}", rule.id);
        }
        assert!(!rule.name.ends_with('.'), "{}: name ends with a period", rule.id);
        assert!(!rule.references.is_empty(), "{}: no references", rule.id);
        for r in rule.references {
            assert!(r.starts_with("https://"), "{}: reference {r}", rule.id);
        }
        assert!(!rule.positive.is_empty(), "{}: no positive example", rule.id);
        assert!(!rule.negative.is_empty(), "{}: no negative example", rule.id);
    }
}

#[test]
fn checkov_ids_are_well_formed() {
    for rule in rules() {
        for id in rule.checkov {
            let (prefix, number) = id.rsplit_once('_').unwrap_or_else(|| panic!("{}: {id}", rule.id));
            assert!(
                matches!(prefix, "CKV_AZUREPIPELINES" | "CKV_GHA" | "CKV2_GHA"),
                "{}: {id}",
                rule.id
            );
            assert!(
                !number.is_empty() && number.bytes().all(|b| b.is_ascii_digit()),
                "{}: {id}",
                rule.id
            );
            let framework_prefix = if rule.framework == "azure-pipelines" {
                "CKV_AZUREPIPELINES"
            } else {
                "GHA"
            };
            assert!(
                id.contains(framework_prefix),
                "{}: {id} is for another framework",
                rule.id
            );
        }
    }
}
