//! Structural code-flaw detection (SAST): rules as data, run on real parse trees.
//!
//! Rules are YAML files (`rules/<language>/<name>.yml`, compiled in by
//! `build.rs`, or user files): metadata, and a matcher in
//! [ast-grep](https://ast-grep.github.io)'s rule language (`pattern`, `kind`,
//! `regex`, `inside`, `has`, `all`, `any`, `not`, `constraints`, ...), or a
//! `taint:` block (sources, sinks, sanitizers) tracked within one function.
//! Every rule carries examples that must match and negative examples that
//! must not; [`check_examples`] runs them through the real engine. The
//! format is documented in `RULES.md`.
//!
//! [`RuleSet::scan`] parses a file once with tree-sitter (C#,
//! JavaScript/TypeScript/TSX, Python, Java, Go), skips it without parsing
//! when no rule's keywords occur in its bytes, and walks the tree once,
//! testing at each node only the matchers whose node kinds fit.
//!
//! ```
//! use palisade_sast::RuleSet;
//! let rules = RuleSet::builtin().expect("builtin rules compile");
//! let code = b"import os\ndef run(request):\n    os.system('ls ' + request.args['d'])\n";
//! let found = rules.scan("app.py", code).expect("small file scans");
//! assert!(found.iter().any(|m| rules.rules()[m.rule].id.as_str() == "code.python.command-injection"));
//! ```

mod builtin;
mod check;
mod engine;
mod lang;
mod rule;

pub use builtin::BUILTIN_FILES;
pub use check::{CheckReport, ExampleFailure, check_examples, check_file, load_file, load_str};
pub use engine::{CodeMatch, FileError, MAX_FILE_BYTES, MAX_LINE_BYTES, RuleSet};
pub use lang::Language;
pub use palisade_domain::{Confidence, RuleId, Severity};
pub use rule::{Example, Rule, RuleError};

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rule_set_is_send_and_sync() {
        fn assert<T: Send + Sync>() {}
        assert::<RuleSet>();
    }
}

#[cfg(test)]
mod dump {
    use std::fmt::Write as _;

    use ast_grep_core::tree_sitter::LanguageExt;

    #[test]
    #[ignore = "debug helper: SAST_DUMP=path, prints the tree"]
    fn dump_tree() {
        let path = std::env::var("SAST_DUMP").expect("set SAST_DUMP");
        let code = std::fs::read_to_string(&path).expect("readable");
        let g = crate::lang::Grammar::of_path(&path).expect("known ext");
        let root = g.support_lang().ast_grep(&code);
        let mut out = String::new();
        for n in root.root().dfs() {
            let depth = n.ancestors().count();
            if n.is_named() {
                let t: String = n.text().chars().take(40).collect::<String>().replace('\n', " ");
                let _ = writeln!(
                    out,
                    "{}{} [{}] {t}",
                    "  ".repeat(depth),
                    n.kind(),
                    n.range().start
                );
            }
        }
        std::fs::write("/tmp/sast_dump.txt", out).expect("writable");
    }
}

#[cfg(test)]
mod try_rule {
    #[test]
    #[ignore = "debug helper: SAST_RULE=yaml file; writes the error or matches of SAST_CODE"]
    fn try_rule() {
        let p = std::env::var("SAST_RULE").expect("set SAST_RULE");
        let out = match crate::load_file(std::path::Path::new(&p)) {
            Err(e) => e.to_string(),
            Ok(rules) => {
                let set = crate::RuleSet::from_rules(rules);
                let code = std::env::var("SAST_CODE").unwrap_or_default();
                let bytes = std::fs::read(&code).unwrap_or_default();
                format!("{:?}", set.scan(&code, &bytes))
            }
        };
        std::fs::write("/tmp/sast_try.txt", out).expect("writable");
    }
}
