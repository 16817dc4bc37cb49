//! The rule catalogue's invariants.

use std::collections::HashSet;

use palisade_domain::RuleId;
use palisade_iac::rules;

const FRAMEWORKS: &[&str] = &["terraform", "arm", "kubernetes", "dockerfile"];

#[test]
fn ids_are_valid_unique_and_sorted() {
    let all = rules();
    let mut seen = HashSet::new();
    for rule in all {
        RuleId::parse(rule.id).unwrap_or_else(|e| panic!("{e}"));
        assert!(rule.id.starts_with("iac."), "{}: ids start with iac.", rule.id);
        assert!(seen.insert(rule.id), "{} twice", rule.id);
    }
    assert!(
        all.windows(2).all(|w| w[0].id < w[1].id),
        "rules() is not sorted by id"
    );
    assert!(all.len() >= 46, "only {} rules", all.len());
}

#[test]
fn every_rule_is_documented_with_examples() {
    for rule in rules() {
        assert!(
            FRAMEWORKS.contains(&rule.framework),
            "{}: framework {}",
            rule.id,
            rule.framework
        );
        for (field, text) in [
            ("name", rule.name),
            ("description", rule.description),
            ("remediation", rule.remediation),
            ("example_path", rule.example_path),
        ] {
            assert!(!text.trim().is_empty(), "{}: empty {field}", rule.id);
        }
        assert!(!rule.references.is_empty(), "{}: no references", rule.id);
        assert!(
            rule.references.iter().all(|r| r.starts_with("https://")),
            "{}: references must be https URLs",
            rule.id
        );
        assert!(!rule.positive.is_empty(), "{}: no positive example", rule.id);
        assert!(!rule.negative.is_empty(), "{}: no negative example", rule.id);
    }
}

#[test]
fn checkov_ids_look_like_checkov_ids() {
    let valid = |id: &str| {
        let rest = id.strip_prefix("CKV2_").or_else(|| id.strip_prefix("CKV_"));
        let Some((provider, number)) = rest.and_then(|r| r.rsplit_once('_')) else {
            return false;
        };
        !provider.is_empty()
            && provider
                .bytes()
                .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit())
            && !number.is_empty()
            && number.bytes().all(|b| b.is_ascii_digit())
    };
    for rule in rules() {
        for id in rule.checkov {
            assert!(valid(id), "{}: checkov id {id:?}", rule.id);
        }
    }
}

#[test]
fn rule_ids_name_their_framework_family() {
    for rule in rules() {
        let family = rule.id.split('.').nth(1).unwrap_or_default();
        let expected: &[&str] = match rule.framework {
            "terraform" => &["azurerm", "aws", "google"],
            "arm" => &["arm"],
            "kubernetes" => &["k8s"],
            _ => &["dockerfile"],
        };
        assert!(
            expected.contains(&family),
            "{}: family {family} for {}",
            rule.id,
            rule.framework
        );
    }
}
