use palisade_sast::{MAX_FILE_BYTES, RuleSet};
use proptest::prelude::*;

const EXTS: [&str; 13] = [
    "cs", "js", "mjs", "cjs", "jsx", "ts", "tsx", "mts", "cts", "py", "pyi", "java", "go",
];

/// Keywords of many rules, so the parser and matchers actually run.
const BAIT: &str =
    "os.system exec eval yaml.load md5 SqlCommand MessageDigest executeQuery request.args req.query ";

/// Scans `bytes` as every language: it must return (an error is fine). A
/// hang shows as the test never finishing; timings are not asserted, they
/// are noise on shared machines.
fn scan_all(rules: &RuleSet, bytes: &[u8]) {
    for ext in EXTS {
        let _ = rules.scan(&format!("f.{ext}"), bytes);
    }
}

#[test]
fn empty_and_invalid_utf8() {
    let rules = RuleSet::builtin().expect("builtin rules compile");
    scan_all(&rules, b"");
    let mut bad = BAIT.as_bytes().to_vec();
    bad.extend_from_slice(&[0xff, 0xfe, 0x80, b'\n', 0xc3]);
    scan_all(&rules, &bad);
    let found = rules
        .scan("a.py", b"import yaml\n\xff\xfe = 1\nyaml.load(x)\n")
        .expect("invalid UTF-8 still scans");
    assert_eq!(found.len(), 1);
}

#[test]
fn deep_nesting() {
    let rules = RuleSet::builtin().expect("builtin rules compile");
    let mut s = String::from(BAIT);
    s.push('\n');
    for _ in 0..100_000 {
        s.push_str("(\n");
    }
    scan_all(&rules, s.as_bytes());
    let mut s = String::from("eval(");
    s.push_str(&"[".repeat(15_000));
    scan_all(&rules, s.as_bytes());
    let mut s = String::from("yaml.load(x)\n");
    for _ in 0..20_000 {
        s.push_str("f(\n");
    }
    scan_all(&rules, s.as_bytes());
}

#[test]
fn huge_line_and_huge_file_are_refused() {
    let rules = RuleSet::builtin().expect("builtin rules compile");
    let mut line = String::from(BAIT);
    line.push_str(&"a+".repeat(200_000));
    let e = rules.scan("app.min.js", line.as_bytes()).expect_err("minified");
    assert!(e.to_string().contains("minified"), "{e}");
    let big = vec![b'\n'; MAX_FILE_BYTES + 1];
    let e = rules.scan("big.py", &big).expect_err("too big");
    assert!(e.to_string().contains("MiB"), "{e}");
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]
    #[test]
    fn scan_never_panics(bytes in proptest::collection::vec(any::<u8>(), 0..2048), bait in any::<bool>()) {
        let rules = RuleSet::builtin().expect("builtin rules compile");
        let mut input = if bait { BAIT.as_bytes().to_vec() } else { Vec::new() };
        input.extend_from_slice(&bytes);
        for ext in EXTS {
            let _ = rules.scan(&format!("f.{ext}"), &input);
        }
    }

    #[test]
    fn scan_never_panics_on_code_like_text(s in "[a-z().=+\\[\\]{}'\" \n$:;,]{0,400}") {
        let rules = RuleSet::builtin().expect("builtin rules compile");
        let input = format!("{BAIT}\n{s}");
        for ext in EXTS {
            let _ = rules.scan(&format!("f.{ext}"), input.as_bytes());
        }
    }
}
