use std::fmt;

use palisade_domain::{Confidence, RuleId, Severity};
use regex::bytes::{Regex, RegexBuilder};
use serde::Deserialize;

/// Longest counted repetition a pattern may use. Larger bounds blow up the
/// automaton; use `+` with a keyword instead.
const MAX_REPEAT: u32 = 512;
/// Compiled-size cap per pattern, so a pathological rule fails at load.
const SIZE_LIMIT: usize = 4 << 20;

/// One YAML rule file: `rules: [...]`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RuleFile {
    pub rules: Vec<RuleSpec>,
}

/// A rule as written in YAML. See `docs/RULES.md` for each field.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RuleSpec {
    pub id: String,
    pub name: String,
    pub severity: Severity,
    pub confidence: Confidence,
    /// Case-insensitive literals; the rule runs only on lines holding one.
    #[serde(default)]
    pub keywords: Vec<String>,
    /// Regex (ASCII mode, bytes) with a named group `secret`.
    pub pattern: String,
    /// Globs on the path (e.g. `**/.netrc`): the rule only applies to matching files.
    #[serde(default)]
    pub paths: Vec<String>,
    /// Minimum Shannon entropy (bits per byte) of the secret.
    #[serde(default)]
    pub min_entropy: Option<f64>,
    /// Drop secrets that look like placeholders (`changeme`, `<your-key>`, `${VAR}`...). On by default.
    #[serde(default = "default_true")]
    pub placeholder_filter: bool,
    /// Bytes after a keyword hit to search, for multi-line secrets (PEM keys).
    #[serde(default)]
    pub window: Option<usize>,
    pub description: String,
    pub remediation: String,
    #[serde(default)]
    pub references: Vec<String>,
    #[serde(default)]
    pub examples: Vec<Example>,
    #[serde(default)]
    pub negative_examples: Vec<Example>,
}

fn default_true() -> bool {
    true
}

/// An example: plain text, or text with the path it lives at (for path-gated rules).
#[derive(Debug, Clone, Deserialize)]
#[serde(untagged)]
pub enum Example {
    Text(String),
    WithPath { path: String, text: String },
}

impl Example {
    pub fn path(&self) -> &str {
        match self {
            Self::Text(_) => "example.txt",
            Self::WithPath { path, .. } => path,
        }
    }

    pub fn text(&self) -> &str {
        match self {
            Self::Text(t) | Self::WithPath { text: t, .. } => t,
        }
    }
}

/// A validated, compiled rule.
#[derive(Debug, Clone)]
pub struct Rule {
    pub id: RuleId,
    pub name: String,
    pub severity: Severity,
    pub confidence: Confidence,
    pub keywords: Vec<String>,
    pub pattern: String,
    pub paths: Vec<String>,
    pub min_entropy: Option<f64>,
    pub placeholder_filter: bool,
    pub window: Option<usize>,
    pub description: String,
    pub remediation: String,
    pub references: Vec<String>,
    pub examples: Vec<Example>,
    pub negative_examples: Vec<Example>,
    pub(crate) regex: Regex,
    pub(crate) secret_group: usize,
    /// Where the rule came from, e.g. `builtin:azure.yml`.
    pub source: String,
}

/// Why a rule file or rule is unusable. Always names the file and rule.
#[derive(Debug)]
pub struct LoadError {
    pub source: String,
    pub rule: Option<String>,
    pub message: String,
}

impl fmt::Display for LoadError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.rule {
            Some(r) => write!(f, "{}: rule {r}: {}", self.source, self.message),
            None => write!(f, "{}: {}", self.source, self.message),
        }
    }
}

impl std::error::Error for LoadError {}

impl RuleFile {
    /// Parses YAML. Errors carry the line and column of the problem.
    pub fn parse(source: &str, yaml: &str) -> Result<Self, LoadError> {
        serde_saphyr::from_str::<RuleFile>(yaml).map_err(|e| LoadError {
            source: source.to_owned(),
            rule: None,
            message: first_line(&e.to_string()),
        })
    }
}

fn first_line(s: &str) -> String {
    let line = s.lines().next().unwrap_or("").trim();
    line.chars().take(300).collect()
}

impl Rule {
    /// Validates a spec and compiles its pattern. Rejects constructs that
    /// would make scanning slow: Unicode classes, huge counted repetitions,
    /// oversized automata, missing or short keywords.
    pub fn compile(spec: RuleSpec, source: &str) -> Result<Self, LoadError> {
        let err = |message: String| LoadError {
            source: source.to_owned(),
            rule: Some(spec.id.clone()),
            message,
        };
        let id = RuleId::parse(&spec.id).map_err(|e| err(e.to_string()))?;
        if spec.name.trim().is_empty()
            || spec.description.trim().is_empty()
            || spec.remediation.trim().is_empty()
        {
            return Err(err("name, description and remediation must not be empty".into()));
        }
        if spec.keywords.is_empty() && spec.paths.is_empty() {
            return Err(err(
                "needs `keywords` (literals a match contains) or `paths` (files it applies to): \
                 a rule with neither would run a regex over every byte"
                    .into(),
            ));
        }
        for k in &spec.keywords {
            if k.len() < 3 || !k.is_ascii() {
                return Err(err(format!("keyword {k:?} must be at least 3 ASCII characters")));
            }
        }
        if spec.examples.is_empty() || spec.negative_examples.is_empty() {
            return Err(err("needs at least one example and one negative_example".into()));
        }
        if let Some(e) = spec.min_entropy
            && !(0.0..=8.0).contains(&e)
        {
            return Err(err(format!("min_entropy {e} is outside 0..8 bits per byte")));
        }
        if spec.window.is_some_and(|w| w == 0 || w > 64 << 10) {
            return Err(err("window must be between 1 and 65536 bytes".into()));
        }
        for g in &spec.paths {
            globset::Glob::new(g).map_err(|e| err(format!("path glob {g:?}: {e}")))?;
        }
        check_pattern(&spec.pattern).map_err(err)?;
        let regex = RegexBuilder::new(&spec.pattern)
            .unicode(false)
            .size_limit(SIZE_LIMIT)
            .dfa_size_limit(SIZE_LIMIT)
            .build()
            .map_err(|e| {
                err(format!(
                    "pattern does not compile: {}",
                    first_line(&e.to_string())
                ))
            })?;
        let secret_group = regex
            .capture_names()
            .position(|n| n == Some("secret"))
            .ok_or_else(|| err("pattern needs a named group `(?P<secret>...)`".into()))?;
        Ok(Self {
            id,
            name: spec.name,
            severity: spec.severity,
            confidence: spec.confidence,
            keywords: spec.keywords,
            pattern: spec.pattern,
            paths: spec.paths,
            min_entropy: spec.min_entropy,
            placeholder_filter: spec.placeholder_filter,
            window: spec.window,
            description: spec.description,
            remediation: spec.remediation,
            references: spec.references,
            examples: spec.examples,
            negative_examples: spec.negative_examples,
            regex,
            secret_group,
            source: source.to_owned(),
        })
    }
}

/// Parses the pattern as the engine will (bytes, no Unicode) and rejects slow constructs.
fn check_pattern(pattern: &str) -> Result<(), String> {
    use regex_syntax::ast::{self, Ast};
    let ast = ast::parse::Parser::new()
        .parse(pattern)
        .map_err(|e| format!("pattern does not parse: {}", first_line(&e.to_string())))?;
    regex_syntax::ParserBuilder::new()
        .unicode(false)
        .utf8(false)
        .build()
        .parse(pattern)
        .map_err(|e| {
            format!(
                "pattern is not valid in ASCII mode (Unicode classes and flags are not allowed; they make scans slow): {}",
                first_line(&e.to_string())
            )
        })?;
    let mut stack = vec![&ast];
    while let Some(node) = stack.pop() {
        match node {
            Ast::Repetition(rep) => {
                if let ast::RepetitionKind::Range(range) = &rep.op.kind {
                    let max = match range {
                        ast::RepetitionRange::Exactly(n) | ast::RepetitionRange::AtLeast(n) => *n,
                        ast::RepetitionRange::Bounded(_, m) => *m,
                    };
                    if max > MAX_REPEAT {
                        return Err(format!("counted repetition up to {max} exceeds {MAX_REPEAT}"));
                    }
                }
                stack.push(&rep.ast);
            }
            Ast::Flags(f) if has_unicode_flag(&f.flags) => {
                return Err("the Unicode flag `u` is not allowed: patterns run in ASCII mode".into());
            }
            Ast::Group(g) => {
                if let ast::GroupKind::NonCapturing(flags) = &g.kind
                    && has_unicode_flag(flags)
                {
                    return Err("the Unicode flag `u` is not allowed: patterns run in ASCII mode".into());
                }
                stack.push(&g.ast);
            }
            Ast::Alternation(a) => stack.extend(a.asts.iter()),
            Ast::Concat(c) => stack.extend(c.asts.iter()),
            _ => {}
        }
    }
    Ok(())
}

fn has_unicode_flag(flags: &regex_syntax::ast::Flags) -> bool {
    flags.items.iter().any(|i| {
        matches!(
            i.kind,
            regex_syntax::ast::FlagsItemKind::Flag(regex_syntax::ast::Flag::Unicode)
        )
    })
}

/// Runs every example of every rule through `set` (the real engine):
/// each positive example must yield a match of its rule, each negative
/// example none. Returns one message per failure.
pub fn check_examples(set: &crate::RuleSet) -> Vec<String> {
    let mut failures = Vec::new();
    let mut out = Vec::new();
    for (idx, rule) in set.rules().iter().enumerate() {
        for ex in &rule.examples {
            out.clear();
            set.scan(ex.path(), ex.text().as_bytes(), &mut out);
            if !out.iter().any(|m| m.rule == idx) {
                failures.push(format!(
                    "{}: rule {}: example does not match: {:?}",
                    rule.source,
                    rule.id,
                    truncate(ex.text())
                ));
            }
        }
        for ex in &rule.negative_examples {
            out.clear();
            set.scan(ex.path(), ex.text().as_bytes(), &mut out);
            if out.iter().any(|m| m.rule == idx) {
                failures.push(format!(
                    "{}: rule {}: negative example matches: {:?}",
                    rule.source,
                    rule.id,
                    truncate(ex.text())
                ));
            }
        }
    }
    failures
}

fn truncate(s: &str) -> String {
    s.chars().take(120).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spec(pattern: &str) -> RuleSpec {
        RuleSpec {
            id: "test.rule".into(),
            name: "Test".into(),
            severity: Severity::High,
            confidence: Confidence::High,
            keywords: vec!["tok_".into()],
            pattern: pattern.into(),
            paths: vec![],
            min_entropy: None,
            placeholder_filter: true,
            window: None,
            description: "d".into(),
            remediation: "r".into(),
            references: vec![],
            examples: vec![Example::Text("tok_abc".into())],
            negative_examples: vec![Example::Text("nope".into())],
        }
    }

    #[test]
    fn accepts_ascii_pattern_with_secret_group() {
        assert!(Rule::compile(spec(r"tok_(?P<secret>[a-z0-9]{3,40})\b"), "t").is_ok());
    }

    #[test]
    fn rejects_slow_or_invalid_constructs() {
        for bad in [
            r"tok_(?P<secret>\p{L}+)",
            r"(?u)tok_(?P<secret>\w+)",
            r"tok_(?P<secret>[a-z]{1,5000})",
            r"tok_([a-z]+)",
            r"tok_(?P<secret>[a-z]+",
        ] {
            assert!(Rule::compile(spec(bad), "t").is_err(), "{bad} accepted");
        }
    }

    #[test]
    fn rejects_rule_without_keywords_or_paths() {
        let mut s = spec(r"tok_(?P<secret>[a-z]+)");
        s.keywords.clear();
        let e = Rule::compile(s, "f.yml").expect_err("must fail");
        assert!(e.to_string().contains("f.yml: rule test.rule"), "{e}");
    }

    #[test]
    fn malformed_yaml_is_one_line_error() {
        let e = RuleFile::parse("bad.yml", "rules: [ {id: ").expect_err("must fail");
        assert!(e.to_string().starts_with("bad.yml: "), "{e}");
        assert!(!e.to_string().contains('\n'));
    }
}
