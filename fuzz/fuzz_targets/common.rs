//! Invariants shared by the fuzz targets and by the stable test
//! `crates/palisade-secrets/tests/secrets/fuzz_inputs.rs` (included with
//! `#[path]` in both places, not a crate).

#![allow(dead_code, reason = "each includer uses only some items")]
use palisade_secrets::{Match, RuleSet};

/// Paths that switch on the path-gated rules, and some that do not.
pub const PATHS: &[&str] = &[
    "x.txt",
    ".env",
    ".netrc",
    "config.json",
    "a.sql",
    ".pgpass",
    "id_rsa",
    ".htpasswd",
    "settings.xml",
    "home/u/.git-credentials",
    "docker-compose.yml",
    "Dockerfile",
    "app.properties",
    "etc/shadow",
    "src/main.rs",
    "",
];

/// Asserts what `RuleSet::scan` promises about its output.
pub fn check_matches(set: &RuleSet, path: &str, data: &[u8], out: &[Match]) {
    // Line starts, so line/column checks stay linear on big inputs.
    let line_starts: Vec<usize> = std::iter::once(0)
        .chain(
            data.iter()
                .enumerate()
                .filter(|(_, b)| **b == b'\n')
                .map(|(i, _)| i + 1),
        )
        .collect();
    let mut prev = 0;
    for m in out {
        assert!(
            m.rule < set.rules().len(),
            "{path}: rule index out of range: {m:?}"
        );
        assert!(
            m.start <= m.secret_start
                && m.secret_start < m.secret_end
                && m.secret_end <= m.end
                && m.end <= data.len(),
            "{path}: bad span {m:?} for {} bytes",
            data.len()
        );
        assert!(m.line >= 1 && m.column >= 1, "{path}: bad line/column {m:?}");
        let line = line_starts.partition_point(|&s| s <= m.secret_start);
        let column = m.secret_start - line_starts[line - 1] + 1;
        assert_eq!(
            (m.line as usize, m.column as usize),
            (line, column),
            "{path}: line/column of {m:?}"
        );
        assert!(m.secret_start >= prev, "{path}: matches out of order");
        prev = m.secret_start;
    }
}
