//! Invariants shared by the targets (included with `#[path]`, not a crate).

use palisade_secrets::{Match, RuleSet};

/// Checks every documented property of `RuleSet::scan`'s output for `data`.
pub fn check_matches(set: &RuleSet, path: &str, data: &[u8], out: &[Match]) {
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
            "{path}: bad span {m:?} (len {})",
            data.len()
        );
        assert!(m.line >= 1 && m.column >= 1, "{path}: bad line/col {m:?}");
        let before = &data[..m.secret_start];
        let line = before.iter().filter(|&&b| b == b'\n').count() + 1;
        let col = m.secret_start - before.iter().rposition(|&b| b == b'\n').map_or(0, |p| p + 1) + 1;
        assert_eq!(
            (m.line as usize, m.column as usize),
            (line, col),
            "{path}: line/col of {m:?}"
        );
        assert!(m.secret_start >= prev, "{path}: matches out of order: {out:?}");
        prev = m.secret_start;
    }
}
