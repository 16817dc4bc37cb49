//! Arbitrary bytes as a source file (untrusted input from any repository):
//! the first byte picks the extension (`byte % 13`), the rest is the file,
//! scanned with every built-in SAST rule by `palisade_sast::RuleSet::scan`.
//! Scanning never panics or hangs, and every match points inside the file.
#![no_main]

use std::sync::OnceLock;

use libfuzzer_sys::fuzz_target;
use palisade_sast::RuleSet;

const EXTS: [&str; 13] = [
    "cs", "js", "mjs", "cjs", "jsx", "ts", "tsx", "mts", "cts", "py", "pyi", "java", "go",
];

fn rules() -> &'static RuleSet {
    static RULES: OnceLock<RuleSet> = OnceLock::new();
    RULES.get_or_init(|| RuleSet::builtin().expect("built-in rules compile"))
}

fuzz_target!(|data: &[u8]| {
    let Some((&selector, input)) = data.split_first() else {
        return;
    };
    let path = format!("f.{}", EXTS[usize::from(selector) % EXTS.len()]);
    let rules = rules();
    if let Ok(matches) = rules.scan(&path, input) {
        let lines = input.iter().filter(|&&b| b == b'\n').count() as u32 + 1;
        for m in matches {
            assert!(m.rule < rules.rules().len());
            assert!(1 <= m.line && m.line <= m.end_line && m.end_line <= lines);
            assert!(m.column >= 1);
        }
    }
});
