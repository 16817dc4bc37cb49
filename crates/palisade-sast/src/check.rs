//! `palisade rules check`: load a rule file and run its examples through the
//! real engine.

use std::path::Path;

use crate::engine::RuleSet;
use crate::rule::{Example, Rule, RuleError, parse_file};

/// Largest rule file accepted.
const MAX_RULE_FILE_BYTES: u64 = 1 << 20;

/// An example that did not behave: a positive that did not match, or a
/// negative that did.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ExampleFailure {
    pub rule: String,
    /// Where the rule came from (`builtin:python/x.yml` or a path).
    pub file: String,
    /// True for a negative example that matched.
    pub negative: bool,
    /// The path the example was scanned as (e.g. `example.py`).
    pub path: String,
    pub code: String,
    /// What went wrong, in words.
    pub message: String,
}

impl std::fmt::Display for ExampleFailure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: rule {}: {}", self.file, self.rule, self.message)
    }
}

/// The result of checking one rule file.
#[derive(Clone, Debug)]
pub struct CheckReport {
    /// Ids of the rules the file holds.
    pub rules: Vec<String>,
    /// Examples that failed; empty when the file is good.
    pub failures: Vec<ExampleFailure>,
}

impl CheckReport {
    pub fn is_ok(&self) -> bool {
        self.failures.is_empty()
    }
}

/// Reads, parses and compiles the rules of one file.
pub fn load_file(path: &Path) -> Result<Vec<Rule>, RuleError> {
    let file = path.display().to_string();
    let err = |message: String| RuleError {
        file: file.clone(),
        rule: None,
        message,
    };
    let meta = std::fs::metadata(path).map_err(|e| err(format!("cannot read: {e}")))?;
    if meta.len() > MAX_RULE_FILE_BYTES {
        return Err(err(format!(
            "{} bytes is over the 1 MiB limit for a rule file",
            meta.len()
        )));
    }
    let yaml = std::fs::read_to_string(path).map_err(|e| err(format!("cannot read: {e}")))?;
    load_str(&file, &yaml)
}

/// Parses and compiles rules from YAML text; `source` names it in errors.
pub fn load_str(source: &str, yaml: &str) -> Result<Vec<Rule>, RuleError> {
    parse_file(source, yaml)?
        .into_iter()
        .map(|spec| Rule::compile(spec, source))
        .collect()
}

/// Parses and validates a rule file and runs every example through the
/// engine. `Err` when the file does not load; otherwise the failures.
pub fn check_file(path: &Path) -> Result<CheckReport, RuleError> {
    let rules = load_file(path)?;
    let ids = rules.iter().map(|r| r.id.to_string()).collect();
    let set = RuleSet::from_rules(rules);
    Ok(CheckReport {
        rules: ids,
        failures: check_examples(&set),
    })
}

/// Runs every rule's examples (must match that rule) and negative examples
/// (must not) through [`RuleSet::scan`].
pub fn check_examples(rules: &RuleSet) -> Vec<ExampleFailure> {
    let mut out = Vec::new();
    for (i, rule) in rules.rules().iter().enumerate() {
        for (negative, examples) in [(false, &rule.examples), (true, &rule.negative_examples)] {
            for ex in examples {
                check_one(rules, i, rule, ex, negative, &mut out);
            }
        }
    }
    out
}

fn check_one(
    rules: &RuleSet,
    index: usize,
    rule: &Rule,
    ex: &Example,
    negative: bool,
    out: &mut Vec<ExampleFailure>,
) {
    for path in ex.paths(&rule.languages) {
        let fail = |message: String| ExampleFailure {
            rule: rule.id.to_string(),
            file: rule.source.clone(),
            negative,
            path: path.clone(),
            code: ex.code().to_owned(),
            message,
        };
        let matched = match rules.scan(&path, ex.code().as_bytes()) {
            Ok(ms) => ms.iter().any(|m| m.rule == index),
            Err(e) => {
                out.push(fail(format!("example as {path} could not be scanned: {e}")));
                continue;
            }
        };
        let snippet: String = ex.code().lines().next().unwrap_or("").chars().take(80).collect();
        if negative && matched {
            out.push(fail(format!(
                "negative example as {path} matched (it must not): {snippet}"
            )));
        } else if !negative && !matched {
            out.push(fail(format!(
                "example as {path} did not match (it must): {snippet}"
            )));
        }
    }
}
