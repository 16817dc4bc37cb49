//! Rule files: the YAML shape, validation, and compilation into ast-grep
//! matchers for every grammar a rule applies to. See `RULES.md`.

use std::fmt;
use std::sync::Arc;

use ast_grep_config::{DeserializeEnv, RuleCore, SerializableRule, SerializableRuleCore};
use ast_grep_core::Matcher;
use palisade_domain::{Confidence, RuleId, Severity};
use serde::Deserialize;
use serde_json::Value;

use crate::lang::{GRAMMAR_COUNT, Grammar, Language};

/// The metavariable a taint sink binds to the argument that must not be tainted.
pub(crate) const SINK_VAR: &str = "ARG";

/// A rule as written in YAML. See `RULES.md` for each field.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RuleSpec {
    id: String,
    name: String,
    #[serde(default)]
    language: Option<Language>,
    #[serde(default)]
    languages: Vec<Language>,
    severity: Severity,
    confidence: Confidence,
    #[serde(default)]
    cwe: Vec<u32>,
    description: String,
    remediation: String,
    #[serde(default)]
    references: Vec<String>,
    #[serde(default)]
    message: Option<String>,
    #[serde(default)]
    keywords: Option<Vec<String>>,
    #[serde(default)]
    rule: Option<Value>,
    #[serde(default)]
    constraints: Option<Value>,
    #[serde(default)]
    utils: Option<Value>,
    #[serde(default)]
    taint: Option<TaintSpec>,
    #[serde(default)]
    examples: Vec<Example>,
    #[serde(default)]
    negative_examples: Vec<Example>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
struct TaintSpec {
    sources: Vec<Value>,
    sinks: Vec<Value>,
    #[serde(default)]
    sanitizers: Vec<Value>,
}

/// A file holding several rules: `rules: [...]`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RuleList {
    rules: Vec<RuleSpec>,
}

/// A code example: a snippet scanned as the rule's languages, or a snippet
/// with the path it is scanned under (e.g. `app.tsx` for JSX).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(untagged)]
pub enum Example {
    Code(String),
    WithPath { path: String, code: String },
}

impl Example {
    pub fn code(&self) -> &str {
        match self {
            Self::Code(c) | Self::WithPath { code: c, .. } => c,
        }
    }

    /// The paths the example is scanned under: the given one, or one per
    /// language of the rule.
    pub fn paths(&self, languages: &[Language]) -> Vec<String> {
        match self {
            Self::Code(_) => languages.iter().map(|l| l.example_path().to_owned()).collect(),
            Self::WithPath { path, .. } => vec![path.clone()],
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
    pub languages: Vec<Language>,
    pub cwe: Vec<u32>,
    pub description: String,
    pub remediation: String,
    pub references: Vec<String>,
    /// Message template; `$VAR` is replaced by the (redacted) text of the metavariable.
    pub message: Option<String>,
    /// Literals a matching file must contain (declared or derived from the patterns).
    /// Empty: the rule runs on every file of its languages.
    pub keywords: Vec<String>,
    /// True when the rule tracks taint (`taint:`) rather than matching one `rule:`.
    pub taint: bool,
    pub examples: Vec<Example>,
    pub negative_examples: Vec<Example>,
    /// Where the rule came from, e.g. `builtin:python/sql-injection.yml` or a path.
    pub source: String,
    pub(crate) compiled: Arc<Compiled>,
}

/// The matchers of one rule, per grammar (`None` where the rule does not apply).
pub(crate) struct Compiled {
    pub per_grammar: [Option<Matchers>; GRAMMAR_COUNT],
}

impl fmt::Debug for Compiled {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let n = self.per_grammar.iter().filter(|m| m.is_some()).count();
        write!(f, "Compiled({n} grammars)")
    }
}

pub(crate) struct Matchers {
    /// The structural rule (`rule:`); `None` for taint rules.
    pub main: Option<RuleCore>,
    pub sources: Vec<RuleCore>,
    pub sinks: Vec<RuleCore>,
    pub sanitizers: Vec<RuleCore>,
}

/// Why a rule file or rule is unusable. Names the file, the rule when known,
/// and what to fix.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{file}: {}{message}", rule.as_ref().map(|r| format!("rule {r}: ")).unwrap_or_default())]
pub struct RuleError {
    pub file: String,
    pub rule: Option<String>,
    pub message: String,
}

/// Parses one rule file: a single rule, or `rules: [...]`.
pub(crate) fn parse_file(source: &str, yaml: &str) -> Result<Vec<RuleSpec>, RuleError> {
    let err = |e: serde_saphyr::Error| RuleError {
        file: source.to_owned(),
        rule: None,
        message: format!("not a valid rule file: {}", first_line(&e.to_string())),
    };
    let is_list = yaml.lines().any(|l| l.starts_with("rules:"));
    if is_list {
        Ok(serde_saphyr::from_str::<RuleList>(yaml).map_err(err)?.rules)
    } else {
        Ok(vec![serde_saphyr::from_str::<RuleSpec>(yaml).map_err(err)?])
    }
}

fn first_line(s: &str) -> String {
    let line = s.lines().next().unwrap_or("").trim();
    line.chars().take(400).collect()
}

/// The error and its causes on one line (ast-grep's top-level messages are vague).
fn chain(e: &dyn std::error::Error) -> String {
    let mut out = e.to_string();
    let mut cur = e.source();
    while let Some(c) = cur {
        out.push_str(": ");
        out.push_str(&c.to_string());
        cur = c.source();
    }
    first_line(&out)
}

impl Rule {
    /// Validates a spec and compiles its matchers for each of its grammars.
    pub(crate) fn compile(spec: RuleSpec, source: &str) -> Result<Rule, RuleError> {
        let err = |message: String| RuleError {
            file: source.to_owned(),
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
        let languages = match (spec.language, spec.languages.is_empty()) {
            (Some(l), true) => vec![l],
            (None, false) => {
                let mut ls = spec.languages.clone();
                ls.sort_unstable();
                ls.dedup();
                ls
            }
            (Some(_), false) => {
                return Err(err(
                    "give either `language: x` or `languages: [x, y]`, not both".into()
                ));
            }
            (None, true) => {
                return Err(err(format!(
                    "missing `language` (one of {})",
                    Language::ALL.map(Language::as_str).join(", ")
                )));
            }
        };
        if spec.examples.is_empty() || spec.negative_examples.is_empty() {
            return Err(err(
                "needs at least one example (code that must match) and one negative_example (code that must not)".into(),
            ));
        }
        if spec.cwe.iter().any(|&c| c == 0 || c > 10_000) {
            return Err(err("cwe entries are CWE numbers, e.g. [89]".into()));
        }
        let keywords = match &spec.keywords {
            Some(k) => {
                if let Some(bad) = k.iter().find(|k| k.trim().len() < 3) {
                    return Err(err(format!("keyword {bad:?} must be at least 3 characters")));
                }
                k.clone()
            }
            None => derive_keywords(&spec),
        };
        let taint = match (&spec.rule, &spec.taint) {
            (Some(_), None) => false,
            (None, Some(t)) => {
                if t.sources.is_empty() || t.sinks.is_empty() {
                    return Err(err("`taint` needs at least one source and one sink".into()));
                }
                true
            }
            (Some(_), Some(_)) => {
                return Err(err(
                    "give either `rule:` (structural match) or `taint:` (sources to sinks), not both".into(),
                ));
            }
            (None, None) => {
                return Err(err(
                    "missing matcher: add `rule:` (ast-grep rule) or `taint:`".into()
                ));
            }
        };
        let constraints = parse_map(spec.constraints.as_ref(), "constraints").map_err(&err)?;
        let utils = parse_map(spec.utils.as_ref(), "utils").map_err(&err)?;
        let mut per_grammar: [Option<Matchers>; GRAMMAR_COUNT] = Default::default();
        for &lang in &languages {
            for &g in lang.grammars() {
                let build = |what: &str, v: &Value, scope: ConstraintScope| {
                    compile_core(g, v, constraints.as_ref(), utils.as_ref(), scope)
                        .map_err(|m| err(format!("{what} ({}): {m}", g.language())))
                };
                let matchers = match compile_grammar(&spec, g, &build) {
                    Ok(m) => m,
                    // JSX kinds exist only in the TSX grammar: such a rule skips plain `.ts`.
                    Err(_) if g == Grammar::Typescript => continue,
                    Err(e) => {
                        return Err(RuleError {
                            file: source.to_owned(),
                            ..e
                        });
                    }
                };
                per_grammar[g.index()] = Some(matchers);
            }
        }
        if let Some(m) = &spec.message {
            check_message(m).map_err(&err)?;
        }
        Ok(Rule {
            id,
            name: spec.name,
            severity: spec.severity,
            confidence: spec.confidence,
            languages,
            cwe: spec.cwe,
            description: spec.description,
            remediation: spec.remediation,
            references: spec.references,
            message: spec.message,
            keywords,
            taint,
            examples: spec.examples,
            negative_examples: spec.negative_examples,
            source: source.to_owned(),
            compiled: Arc::new(Compiled { per_grammar }),
        })
    }
}

fn compile_grammar(
    spec: &RuleSpec,
    _g: Grammar,
    build: &dyn Fn(&str, &Value, ConstraintScope) -> Result<RuleCore, RuleError>,
) -> Result<Matchers, RuleError> {
    let err = |message: String| RuleError {
        file: String::new(),
        rule: Some(spec.id.clone()),
        message,
    };
    Ok({
        if let Some(t) = &spec.taint {
            let mut sinks = Vec::new();
            for (i, s) in t.sinks.iter().enumerate() {
                let core = build(&format!("taint.sinks[{i}]"), s, ConstraintScope::Bound)?;
                if !core.defined_vars().contains(SINK_VAR) {
                    return Err(err(format!(
                        "taint.sinks[{i}] must bind ${SINK_VAR} to the argument that must not be tainted, e.g. `pattern: cursor.execute(${SINK_VAR})`"
                    )));
                }
                sinks.push(core);
            }
            let list = |what: &str, vs: &[Value]| {
                vs.iter()
                    .enumerate()
                    .map(|(i, v)| build(&format!("taint.{what}[{i}]"), v, ConstraintScope::None))
                    .collect::<Result<Vec<_>, _>>()
            };
            Matchers {
                main: None,
                sources: list("sources", &t.sources)?,
                sinks,
                sanitizers: list("sanitizers", &t.sanitizers)?,
            }
        } else {
            let v = spec.rule.as_ref().unwrap_or(&Value::Null);
            Matchers {
                main: Some(build("rule", v, ConstraintScope::All)?),
                sources: Vec::new(),
                sinks: Vec::new(),
                sanitizers: Vec::new(),
            }
        }
    })
}

type RuleMap = std::collections::HashMap<String, SerializableRule>;

fn parse_map(v: Option<&Value>, what: &str) -> Result<Option<RuleMap>, String> {
    v.map(|v| {
        serde_json::from_value::<RuleMap>(v.clone())
            .map_err(|e| format!("`{what}` must map metavariable names to rules: {e}"))
    })
    .transpose()
}

#[derive(Clone, Copy)]
enum ConstraintScope {
    /// All constraints (the main rule: an unknown metavariable is an error).
    All,
    /// Only constraints on metavariables the matcher binds (taint sinks).
    Bound,
    /// None (taint sources and sanitizers).
    None,
}

fn compile_core(
    g: Grammar,
    v: &Value,
    constraints: Option<&RuleMap>,
    utils: Option<&RuleMap>,
    scope: ConstraintScope,
) -> Result<RuleCore, String> {
    let rule: SerializableRule =
        serde_json::from_value(v.clone()).map_err(|e| format!("not an ast-grep rule: {e}"))?;
    let mut core = SerializableRuleCore {
        rule,
        constraints: None,
        utils: utils.cloned(),
        transform: None,
    };
    let mut matcher = core
        .get_matcher(DeserializeEnv::new(g.support_lang()))
        .map_err(|e| chain(&e))?;
    match (constraints, scope) {
        (Some(c), ConstraintScope::All) => core.constraints = Some(c.clone()),
        // A taint sink takes the constraints on the metavariables it binds.
        (Some(c), ConstraintScope::Bound) => {
            let vars = matcher.defined_vars();
            let own: RuleMap = c
                .iter()
                .filter(|(k, _)| vars.contains(k.as_str()))
                .map(|(k, v)| (k.clone(), v.clone()))
                .collect();
            if !own.is_empty() {
                core.constraints = Some(own);
            }
        }
        _ => {}
    }
    if core.constraints.is_some() {
        matcher = core
            .get_matcher(DeserializeEnv::new(g.support_lang()))
            .map_err(|e| chain(&e))?;
    }
    if matcher.potential_kinds().is_none() {
        return Err(
            "matches nodes of any kind, which would test every node of every file: \
             add a `kind` or a `pattern` (inside `all` if needed)"
                .into(),
        );
    }
    Ok(matcher)
}

fn check_message(m: &str) -> Result<(), String> {
    if m.trim().is_empty() {
        return Err("`message` must not be empty when given".into());
    }
    if m.len() > 500 {
        return Err("`message` is longer than 500 bytes".into());
    }
    Ok(())
}

/// Literals a file must contain for the rule to match: one required word per
/// alternative. Empty when none can be derived (the rule then runs on every file).
fn derive_keywords(spec: &RuleSpec) -> Vec<String> {
    let words = if let Some(t) = &spec.taint {
        let mut all = Vec::new();
        for s in &t.sinks {
            match required_words(s) {
                Some(w) => all.extend(w),
                None => return Vec::new(),
            }
        }
        Some(all)
    } else {
        spec.rule.as_ref().and_then(required_words)
    };
    let mut words = words.unwrap_or_default();
    words.sort_unstable();
    words.dedup();
    words
}

/// A set of words at least one of which occurs in any text the rule matches.
fn required_words(v: &Value) -> Option<Vec<String>> {
    let obj = v.as_object()?;
    if let Some(Value::String(p)) = obj.get("pattern")
        && let Some(w) = longest_word(p)
    {
        return Some(vec![w]);
    }
    // The Go call idiom `{ context: 'func _() { CALL }', selector: call_expression }`.
    if let Some(Value::Object(p)) = obj.get("pattern")
        && let Some(Value::String(c)) = p.get("context")
        && let Some(inner) = c.trim().strip_prefix("func _() {")
        && let Some(w) = longest_word(inner.trim_end().trim_end_matches('}'))
    {
        return Some(vec![w]);
    }
    if let Some(Value::Array(subs)) = obj.get("all")
        && let Some(w) = subs.iter().find_map(required_words)
    {
        return Some(w);
    }
    for rel in ["has", "inside"] {
        if let Some(sub) = obj.get(rel)
            && let Some(w) = required_words(sub)
        {
            return Some(w);
        }
    }
    if let Some(Value::Array(subs)) = obj.get("any") {
        let mut out = Vec::new();
        for s in subs {
            out.extend(required_words(s)?);
        }
        if !out.is_empty() {
            return Some(out);
        }
    }
    None
}

/// The longest identifier-like word of a pattern that is not a metavariable.
fn longest_word(pattern: &str) -> Option<String> {
    let bytes = pattern.as_bytes();
    let mut best: Option<&str> = None;
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i].is_ascii_alphanumeric() || bytes[i] == b'_' {
            let start = i;
            while i < bytes.len() && (bytes[i].is_ascii_alphanumeric() || bytes[i] == b'_') {
                i += 1;
            }
            let is_var = start > 0 && bytes[start - 1] == b'$';
            let word = &pattern[start..i];
            if !is_var && word.len() >= 3 && best.is_none_or(|b| word.len() > b.len()) {
                best = Some(word);
            }
        } else {
            i += 1;
        }
    }
    best.map(str::to_owned)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn longest_word_skips_metavariables() {
        assert_eq!(
            longest_word("$CURSOR.execute($$$ARGS)").as_deref(),
            Some("execute")
        );
        assert_eq!(longest_word("$A($B)"), None);
    }
}
