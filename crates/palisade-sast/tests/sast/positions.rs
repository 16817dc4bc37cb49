use palisade_sast::RuleSet;

#[test]
fn line_column_function_and_fingerprint() {
    let rules = RuleSet::builtin().expect("builtin rules compile");
    let code = "import yaml\n\nclass C:\n    def load(self, p):\n        x = 1\n        return   yaml.load(open(p))\n";
    let found = rules.scan("a.py", code.as_bytes()).expect("scans");
    let m = found
        .iter()
        .find(|m| rules.rules()[m.rule].id.as_str() == "code.python.unsafe-yaml-load")
        .expect("yaml.load is found");
    assert_eq!((m.line, m.column, m.end_line), (6, 18, 6));
    assert_eq!(m.function.as_deref(), Some("load"));
    assert_eq!(m.message, "yaml.load can construct arbitrary objects");

    // The same code moved and re-indented keeps its fingerprint.
    let moved = "import yaml\n# comment\n\n\ndef other(p):\n    return yaml.load(  open(p)\n    )\n";
    let found2 = rules.scan("b.py", moved.as_bytes()).expect("scans");
    let m2 = found2
        .iter()
        .find(|m| rules.rules()[m.rule].id.as_str() == "code.python.unsafe-yaml-load")
        .expect("found again");
    assert_eq!(m.fingerprint, m2.fingerprint);
    assert_eq!((m2.line, m2.end_line), (6, 7));
}

#[test]
fn columns_count_characters() {
    let rules = RuleSet::builtin().expect("builtin rules compile");
    let code = "import yaml\né = 1; ü = yaml.load(x)\n";
    let found = rules.scan("a.py", code.as_bytes()).expect("scans");
    let m = found
        .iter()
        .find(|m| rules.rules()[m.rule].id.as_str() == "code.python.unsafe-yaml-load")
        .expect("found");
    assert_eq!((m.line, m.column), (2, 12));
}
