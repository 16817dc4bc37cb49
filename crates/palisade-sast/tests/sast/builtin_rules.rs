use std::collections::HashSet;

use palisade_sast::{Language, RuleSet, check_examples};

#[test]
fn every_builtin_example_behaves() {
    let rules = RuleSet::builtin().expect("builtin rules compile");
    let failures = check_examples(&rules);
    let report: Vec<String> = failures.iter().map(ToString::to_string).collect();
    assert!(
        failures.is_empty(),
        "{} example failures:\n{}",
        failures.len(),
        report.join("\n")
    );
}

#[test]
fn catalogue_is_consistent() {
    let rules = RuleSet::builtin().expect("builtin rules compile");
    let mut seen = HashSet::new();
    for r in rules.rules() {
        let id = r.id.as_str();
        assert!(seen.insert(id.to_owned()), "duplicate rule id {id}");
        assert!(id.starts_with("code."), "{id}: ids start with `code.`");
        let lang = r.languages[0].as_str();
        assert!(
            id.starts_with(&format!("code.{lang}.")),
            "{id}: id must name its first language ({lang})"
        );
        for (what, text) in [
            ("name", &r.name),
            ("description", &r.description),
            ("remediation", &r.remediation),
        ] {
            assert!(text.trim().len() >= 10, "{id}: {what} is too short");
        }
        assert!(!r.cwe.is_empty(), "{id}: give the CWE");
        assert!(!r.references.is_empty(), "{id}: give at least one reference");
        assert!(
            !r.examples.is_empty() && !r.negative_examples.is_empty(),
            "{id}: examples"
        );
        let file = r.source.trim_start_matches("builtin:");
        assert!(
            file.starts_with(&format!("{lang}/")),
            "{id}: lives in rules/{lang}/, not {file}"
        );
        for bad in ["avoid-", "use-", "prefer-"] {
            assert!(
                !id.rsplit('.').next().unwrap_or("").starts_with(bad),
                "{id}: name the flaw, not the advice"
            );
        }
    }
}

fn count(rules: &RuleSet, lang: Language) -> usize {
    rules
        .rules()
        .iter()
        .filter(|r| r.languages.first() == Some(&lang))
        .count()
}

#[test]
fn rule_counts_per_language() {
    let rules = RuleSet::builtin().expect("builtin rules compile");
    for (lang, min) in [
        (Language::Python, 15),
        (Language::Javascript, 15),
        (Language::Csharp, 15),
        (Language::Java, 15),
        (Language::Go, 15),
    ] {
        let n = count(&rules, lang);
        assert!(n >= min, "{lang}: {n} rules, want at least {min}");
    }
}

#[test]
fn filter_and_language_of() {
    let rules = RuleSet::builtin().expect("builtin rules compile");
    let total = rules.rules().len();
    let py = RuleSet::builtin()
        .expect("compiles")
        .filter(&["code.python.*".to_owned()], &[]);
    assert!(
        py.rules()
            .iter()
            .all(|r| r.id.as_str().starts_with("code.python."))
    );
    assert!(!py.rules().is_empty() && py.rules().len() < total);
    let no_cmd = RuleSet::builtin()
        .expect("compiles")
        .filter(&[], &["*command-injection".to_owned()]);
    assert!(
        no_cmd
            .rules()
            .iter()
            .all(|r| !r.id.as_str().ends_with("command-injection"))
    );
    assert_eq!(RuleSet::language_of("a/b/App.TSX"), Some(Language::Typescript));
    assert_eq!(RuleSet::language_of("x.mjs"), Some(Language::Javascript));
    assert_eq!(RuleSet::language_of("x.pyi"), Some(Language::Python));
    assert_eq!(RuleSet::language_of("Program.cs"), Some(Language::Csharp));
    assert_eq!(RuleSet::language_of("main.go"), Some(Language::Go));
    assert_eq!(RuleSet::language_of("A.java"), Some(Language::Java));
    assert_eq!(RuleSet::language_of("README.md"), None);
    assert_eq!(RuleSet::language_of("Makefile"), None);
    let found = rules
        .scan("notes.txt", b"os.system(request.args['x'])")
        .expect("ok");
    assert!(found.is_empty());
}

#[test]
fn messages_never_show_string_literals() {
    let rules = RuleSet::builtin().expect("builtin rules compile");
    let code = b"import hashlib\ndef f():\n    return hashlib.new(\"md5\", b\"s3cr3t-value\")\n";
    let found = rules.scan("a.py", code).expect("scans");
    for m in &found {
        assert!(!m.message.contains("s3cr3t"), "{}", m.message);
    }
}
