use std::path::PathBuf;

use palisade_sast::{RuleSet, check_file};

fn write(dir: &tempfile::TempDir, name: &str, text: &str) -> PathBuf {
    let p = dir.path().join(name);
    std::fs::write(&p, text).expect("temp dir is writable");
    p
}

const HEAD: &str = "id: code.python.test-rule\nname: test rule\nseverity: low\nconfidence: low\ncwe: [1]\ndescription: a test rule\nremediation: fix it\n";

#[test]
fn good_file_passes() {
    let dir = tempfile::tempdir().expect("temp dir");
    let p = write(
        &dir,
        "ok.yml",
        &format!(
            "{HEAD}language: python\nrule:\n  pattern: pickle.loads($X)\nexamples: ['pickle.loads(d)']\nnegative_examples: ['json.loads(d)']\n"
        ),
    );
    let report = check_file(&p).expect("loads");
    assert!(report.is_ok(), "{:?}", report.failures);
    assert_eq!(report.rules, vec!["code.python.test-rule".to_owned()]);
    let set = RuleSet::builtin()
        .expect("builtin")
        .with_files(&[p])
        .expect("adds");
    assert!(
        set.rules()
            .iter()
            .any(|r| r.id.as_str() == "code.python.test-rule")
    );
}

#[test]
fn example_that_does_not_match_is_reported() {
    let dir = tempfile::tempdir().expect("temp dir");
    let p = write(
        &dir,
        "bad-example.yml",
        &format!(
            "{HEAD}language: python\nrule:\n  pattern: pickle.loads($X)\nexamples: ['marshal.loads(d)']\nnegative_examples: ['pickle.loads(d)']\n"
        ),
    );
    let report = check_file(&p).expect("loads");
    assert_eq!(report.failures.len(), 2, "{:?}", report.failures);
    let text: Vec<String> = report.failures.iter().map(ToString::to_string).collect();
    assert!(text[0].contains("bad-example.yml") && text[0].contains("code.python.test-rule"));
    assert!(text[0].contains("did not match"), "{}", text[0]);
    assert!(report.failures[1].negative);
    assert!(text[1].contains("matched (it must not)"), "{}", text[1]);
}

#[test]
fn bad_pattern_is_reported() {
    let dir = tempfile::tempdir().expect("temp dir");
    let p = write(
        &dir,
        "bad-pattern.yml",
        &format!(
            "{HEAD}language: python\nrule:\n  patern: pickle.loads($X)\nexamples: ['x']\nnegative_examples: ['y']\n"
        ),
    );
    let e = check_file(&p).expect_err("unknown field");
    let s = e.to_string();
    assert!(
        s.contains("bad-pattern.yml") && s.contains("code.python.test-rule"),
        "{s}"
    );
    assert!(s.contains("patern"), "{s}");

    let p = write(
        &dir,
        "no-kind.yml",
        &format!(
            "{HEAD}language: python\nrule:\n  regex: pickle\nexamples: ['x']\nnegative_examples: ['y']\n"
        ),
    );
    let s = check_file(&p).expect_err("no kind").to_string();
    assert!(s.contains("add a `kind` or a `pattern`"), "{s}");

    let p = write(
        &dir,
        "undefined-var.yml",
        &format!(
            "{HEAD}language: python\nrule:\n  pattern: pickle.loads($X)\nconstraints:\n  Y: {{ kind: identifier }}\nexamples: ['x']\nnegative_examples: ['y']\n"
        ),
    );
    let s = check_file(&p).expect_err("undefined metavariable").to_string();
    assert!(s.contains('Y') && s.contains("undefined-var.yml"), "{s}");
}

#[test]
fn unknown_language_is_reported() {
    let dir = tempfile::tempdir().expect("temp dir");
    let p = write(
        &dir,
        "cobol.yml",
        &format!("{HEAD}language: cobol\nrule:\n  pattern: x\nexamples: ['x']\nnegative_examples: ['y']\n"),
    );
    let s = check_file(&p).expect_err("unknown language").to_string();
    assert!(s.contains("cobol.yml") && s.contains("cobol"), "{s}");
}

#[test]
fn taint_sink_without_arg_is_reported() {
    let dir = tempfile::tempdir().expect("temp dir");
    let p = write(
        &dir,
        "sink.yml",
        &format!(
            "{HEAD}language: python\ntaint:\n  sources: [{{ pattern: input() }}]\n  sinks: [{{ pattern: os.system($X) }}]\nexamples: ['x']\nnegative_examples: ['y']\n"
        ),
    );
    let s = check_file(&p).expect_err("sink needs ARG").to_string();
    assert!(s.contains("code.python.test-rule") && s.contains("$ARG"), "{s}");
}

#[test]
fn missing_file_and_list_files() {
    let e = check_file(std::path::Path::new("/nonexistent/rule.yml")).expect_err("missing");
    assert!(e.to_string().contains("/nonexistent/rule.yml"));
    let dir = tempfile::tempdir().expect("temp dir");
    let body = "    language: python\n    severity: low\n    confidence: low\n    description: d is long\n    remediation: r is long\n    rule: { pattern: pickle.loads($X) }\n    examples: ['pickle.loads(a)']\n    negative_examples: ['a']\n";
    let p = write(
        &dir,
        "list.yml",
        &format!(
            "rules:\n  - id: custom.one\n    name: one\n{body}  - id: custom.two\n    name: two\n{body}"
        ),
    );
    let report = check_file(&p).expect("loads a list");
    assert_eq!(report.rules.len(), 2);
    assert!(report.is_ok(), "{:?}", report.failures);
    let dup = RuleSet::builtin()
        .expect("builtin")
        .with_files(&[p.clone(), p])
        .expect_err("duplicate ids");
    assert!(dup.to_string().contains("duplicate"), "{dup}");
}
