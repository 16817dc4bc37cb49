//! The compiled-in rules (generated list: see `build.rs`).

use std::sync::OnceLock;

use crate::rule::{Rule, RuleError, parse_file};

include!(concat!(env!("OUT_DIR"), "/builtin_rules.rs"));

/// All built-in rules, compiled once per process.
pub(crate) fn rules() -> Result<Vec<Rule>, RuleError> {
    static RULES: OnceLock<Result<Vec<Rule>, RuleError>> = OnceLock::new();
    RULES
        .get_or_init(|| {
            let mut out = Vec::new();
            for (path, yaml) in BUILTIN_FILES {
                let source = format!("builtin:{path}");
                for spec in parse_file(&source, yaml)? {
                    out.push(Rule::compile(spec, &source)?);
                }
            }
            Ok(out)
        })
        .clone()
}
