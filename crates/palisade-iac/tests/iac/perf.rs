//! Each file is parsed once and all rules run over the model. Multi-megabyte
//! files, built from the rules' own examples, scan whole (a quadratic path
//! shows as this test never finishing; timings are not asserted, they are
//! noise on shared machines: `bench/iac.py` measures speed).

use palisade_iac::{rules, scan_file};

/// Every example of a framework, repeated until the text passes `bytes`.
fn corpus(framework: &str, separator: &str, bytes: usize) -> String {
    let examples: Vec<&str> = rules()
        .iter()
        .filter(|r| r.framework == framework)
        .flat_map(|r| r.positive.iter().chain(r.negative))
        .copied()
        .collect();
    let mut text = String::new();
    while text.len() < bytes {
        for example in &examples {
            text.push_str(example);
            text.push_str(separator);
        }
    }
    text
}

#[test]
fn large_files_scan_whole() {
    for (path, framework, separator) in [
        ("big.tf", "terraform", "\n"),
        ("big.yaml", "kubernetes", "\n---\n"),
    ] {
        let text = corpus(framework, separator, 2 << 20);
        let found = scan_file(path, text.as_bytes()).unwrap_or_else(|e| panic!("{path}: {e}"));
        assert!(!found.is_empty());
    }
}
