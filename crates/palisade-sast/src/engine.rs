//! The rule set and the scan: one parse per file, one walk of the tree that
//! runs every enabled rule (dispatched by node kind), then taint resolution.

use std::collections::HashSet;
use std::path::PathBuf;

use aho_corasick::AhoCorasick;
use ast_grep_core::matcher::MatcherExt;
use ast_grep_core::tree_sitter::StrDoc;
use ast_grep_core::{AstGrep, Matcher, Node, NodeMatch};
use ast_grep_language::SupportLang;
use sha2::{Digest, Sha256};

use crate::lang::{GRAMMAR_COUNT, Grammar, Language, Part};
use crate::rule::{Rule, RuleError, SINK_VAR};

/// Files larger than this are not parsed.
pub const MAX_FILE_BYTES: usize = 4 << 20;
/// Files with a line longer than this are taken for minified or generated code.
pub const MAX_LINE_BYTES: usize = 20_000;
/// Longest metavariable text a message shows.
const MAX_VAR_CHARS: usize = 80;

type Doc = StrDoc<SupportLang>;
type TNode<'t> = Node<'t, Doc>;

/// One match of a rule in a file.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CodeMatch {
    /// Index into [`RuleSet::rules`].
    pub rule: usize,
    /// 1-based line of the start of the match.
    pub line: u32,
    /// 1-based column (in characters) of the start of the match.
    pub column: u32,
    /// 1-based line of the end of the match.
    pub end_line: u32,
    /// The rule's message with metavariables filled in; string literals are
    /// shown as `"…"`, never their contents.
    pub message: String,
    /// Name of the enclosing function or method, if any.
    pub function: Option<String>,
    /// sha256 of the rule id and the matched text with whitespace removed:
    /// stable when the code moves or is re-indented. The text itself is never returned.
    pub fingerprint: [u8; 32],
}

/// Why a file could not be scanned.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct FileError {
    pub message: String,
}

#[derive(Clone, Copy, Debug)]
enum Role {
    Main,
    Source(u16),
    Sink(u16),
    Sanitizer(u16),
}

#[derive(Clone, Copy, Debug)]
struct Entry {
    rule: u32,
    role: Role,
}

/// Per-grammar dispatch: node kind id -> the matchers that may match it.
#[derive(Debug, Default)]
struct GrammarIndex {
    by_kind: Vec<Vec<Entry>>,
    /// Rules of this grammar (indexes into `rules`).
    rules: Vec<u32>,
    /// Keywords of all rules of this grammar.
    keywords: Option<AhoCorasick>,
    /// For each rule of this grammar: the keyword ids that enable it (empty: always on).
    rule_keywords: Vec<(u32, Vec<u32>)>,
}

/// A compiled set of rules. Cheap to build from [`RuleSet::builtin`]; `Send + Sync`.
#[derive(Debug)]
pub struct RuleSet {
    rules: Vec<Rule>,
    index: Vec<GrammarIndex>,
}

impl RuleSet {
    /// All compiled-in rules (compiled once per process, then cloned).
    pub fn builtin() -> Result<RuleSet, RuleError> {
        crate::builtin::rules().map(RuleSet::new)
    }

    /// A set of the given rules.
    pub fn from_rules(rules: Vec<Rule>) -> RuleSet {
        RuleSet::new(rules)
    }

    /// Adds custom rule files (each one rule, or `rules: [...]`). Ids must not
    /// repeat an id already in the set.
    pub fn with_files(self, paths: &[PathBuf]) -> Result<RuleSet, RuleError> {
        let mut rules = self.rules;
        let mut ids: HashSet<String> = rules.iter().map(|r| r.id.to_string()).collect();
        for p in paths {
            for rule in crate::load_file(p)? {
                if !ids.insert(rule.id.to_string()) {
                    return Err(RuleError {
                        file: p.display().to_string(),
                        rule: Some(rule.id.to_string()),
                        message: "duplicate rule id: another rule already uses it; pick a new id".into(),
                    });
                }
                rules.push(rule);
            }
        }
        Ok(RuleSet::new(rules))
    }

    /// Keeps rules whose id matches an `enable` glob (all when `enable` is
    /// empty) and no `disable` glob. Globs support `*` (any run of characters),
    /// e.g. `code.python.*`.
    #[must_use]
    pub fn filter(self, enable: &[String], disable: &[String]) -> RuleSet {
        let rules = self
            .rules
            .into_iter()
            .filter(|r| {
                let id = r.id.as_str();
                (enable.is_empty() || enable.iter().any(|g| glob_match(g, id)))
                    && !disable.iter().any(|g| glob_match(g, id))
            })
            .collect();
        RuleSet::new(rules)
    }

    pub fn rules(&self) -> &[Rule] {
        &self.rules
    }

    /// The language of a path, by extension: `.cs .js .mjs .cjs .jsx .ts .tsx
    /// .mts .cts .py .pyi .java .go`.
    pub fn language_of(path: &str) -> Option<Language> {
        Grammar::of_path(path).map(Grammar::language)
    }

    fn new(rules: Vec<Rule>) -> RuleSet {
        let mut index: Vec<GrammarIndex> = (0..GRAMMAR_COUNT).map(|_| GrammarIndex::default()).collect();
        for (ri, rule) in rules.iter().enumerate() {
            let ri = ri as u32;
            for (gi, m) in rule.compiled.per_grammar.iter().enumerate() {
                let Some(m) = m else { continue };
                let gx = &mut index[gi];
                gx.rules.push(ri);
                let mut add = |core: &ast_grep_config::RuleCore, role: Role| {
                    // Compilation rejects matchers without potential kinds.
                    if let Some(kinds) = core.potential_kinds() {
                        for k in &kinds {
                            if gx.by_kind.len() <= k {
                                gx.by_kind.resize_with(k + 1, Vec::new);
                            }
                            gx.by_kind[k].push(Entry { rule: ri, role });
                        }
                    }
                };
                if let Some(main) = &m.main {
                    add(main, Role::Main);
                }
                for (i, c) in m.sources.iter().enumerate() {
                    add(c, Role::Source(i as u16));
                }
                for (i, c) in m.sinks.iter().enumerate() {
                    add(c, Role::Sink(i as u16));
                }
                for (i, c) in m.sanitizers.iter().enumerate() {
                    add(c, Role::Sanitizer(i as u16));
                }
            }
        }
        for gx in &mut index {
            let mut words: Vec<&str> = Vec::new();
            for &ri in &gx.rules {
                let kws = &rules[ri as usize].keywords;
                let mut ids = Vec::with_capacity(kws.len());
                for k in kws {
                    let id = if let Some(p) = words.iter().position(|w| w == k) {
                        p
                    } else {
                        words.push(k);
                        words.len() - 1
                    };
                    ids.push(id as u32);
                }
                gx.rule_keywords.push((ri, ids));
            }
            if !words.is_empty() {
                gx.keywords = AhoCorasick::new(&words).ok();
            }
        }
        RuleSet { rules, index }
    }

    /// Scans one file. `Ok(vec![])` when the path is not a supported language.
    /// Errors (file too large, minified, unparsable) name the reason; a file
    /// with syntax errors is still scanned.
    pub fn scan(&self, path: &str, bytes: &[u8]) -> Result<Vec<CodeMatch>, FileError> {
        let Some(grammar) = Grammar::of_path(path) else {
            return Ok(Vec::new());
        };
        let gx = &self.index[grammar.index()];
        if gx.rules.is_empty() || bytes.is_empty() {
            return Ok(Vec::new());
        }
        if bytes.len() > MAX_FILE_BYTES {
            return Err(FileError {
                message: format!(
                    "skipped: {} bytes is over the {} MiB limit for code scanning",
                    bytes.len(),
                    MAX_FILE_BYTES >> 20
                ),
            });
        }
        if let Some((line, len)) = long_line(bytes) {
            return Err(FileError {
                message: format!(
                    "skipped: line {line} is {len} bytes long (limit {MAX_LINE_BYTES}): looks minified or generated"
                ),
            });
        }
        let enabled = enabled_rules(gx, self.rules.len(), bytes);
        if !enabled.iter().any(|&e| e) {
            return Ok(Vec::new());
        }
        let text = String::from_utf8_lossy(bytes);
        let root = AstGrep::try_new(&text, grammar.support_lang()).map_err(|e| FileError {
            message: format!("could not parse as {}: {e}", grammar.language()),
        })?;
        let mut out = Vec::new();
        let mut taint = TaintFacts::default();
        for node in root.root().dfs() {
            let Some(entries) = gx.by_kind.get(usize::from(node.kind_id())) else {
                continue;
            };
            for e in entries {
                if !enabled[e.rule as usize] {
                    continue;
                }
                let rule = &self.rules[e.rule as usize];
                let Some(m) = &rule.compiled.per_grammar[grammar.index()] else {
                    continue;
                };
                match e.role {
                    Role::Main => {
                        if let Some(core) = &m.main
                            && let Some(nm) = core.match_node(node.clone())
                        {
                            out.push(self.code_match(e.rule as usize, grammar, &text, &nm));
                        }
                    }
                    Role::Source(i) => {
                        if m.sources[usize::from(i)].match_node(node.clone()).is_some() {
                            taint.sources.push((e.rule, node.clone()));
                        }
                    }
                    Role::Sanitizer(i) => {
                        if m.sanitizers[usize::from(i)].match_node(node.clone()).is_some() {
                            taint.sanitizers.push((e.rule, node.range()));
                        }
                    }
                    Role::Sink(i) => {
                        if let Some(nm) = m.sinks[usize::from(i)].match_node(node.clone()) {
                            taint.sinks.push((e.rule, nm));
                        }
                    }
                }
            }
        }
        for (ri, sink) in &taint.sinks {
            if taint.sink_is_tainted(*ri, grammar, sink) {
                out.push(self.code_match(*ri as usize, grammar, &text, sink));
            }
        }
        out.sort_unstable_by(|a, b| {
            (a.line, a.column, a.rule, a.end_line, a.fingerprint).cmp(&(
                b.line,
                b.column,
                b.rule,
                b.end_line,
                b.fingerprint,
            ))
        });
        out.dedup_by(|a, b| {
            a.rule == b.rule && a.line == b.line && a.column == b.column && a.fingerprint == b.fingerprint
        });
        Ok(out)
    }

    fn code_match(&self, rule: usize, grammar: Grammar, text: &str, nm: &NodeMatch<'_, Doc>) -> CodeMatch {
        let r = &self.rules[rule];
        let node = nm.get_node();
        let range = node.range();
        let start = node.start_pos();
        let line_start = text[..range.start].rfind('\n').map_or(0, |p| p + 1);
        let column = text[line_start..range.start].chars().count() + 1;
        let message = match &r.message {
            Some(t) => fill_message(t, grammar, nm),
            None => r.name.clone(),
        };
        CodeMatch {
            rule,
            line: (start.line() + 1) as u32,
            column: column as u32,
            end_line: (node.end_pos().line() + 1) as u32,
            message,
            function: enclosing_function(grammar, node),
            fingerprint: fingerprint(r.id.as_str(), &text[range]),
        }
    }
}

fn enabled_rules(gx: &GrammarIndex, n: usize, bytes: &[u8]) -> Vec<bool> {
    let mut present: Vec<bool> = Vec::new();
    if let Some(ac) = &gx.keywords {
        present = vec![false; ac.patterns_len()];
        let mut missing = ac.patterns_len();
        for m in ac.find_overlapping_iter(bytes) {
            let p = m.pattern().as_usize();
            if !present[p] {
                present[p] = true;
                missing -= 1;
                if missing == 0 {
                    break;
                }
            }
        }
    }
    let mut enabled = vec![false; n];
    for (ri, kws) in &gx.rule_keywords {
        enabled[*ri as usize] = kws.is_empty() || kws.iter().any(|&k| present[k as usize]);
    }
    enabled
}

/// The first line longer than [`MAX_LINE_BYTES`]: `(1-based line, length)`.
fn long_line(bytes: &[u8]) -> Option<(usize, usize)> {
    if bytes.len() <= MAX_LINE_BYTES {
        return None;
    }
    let mut start = 0;
    let ends = memchr::memchr_iter(b'\n', bytes).chain(std::iter::once(bytes.len()));
    for (line, nl) in (1..).zip(ends) {
        if nl - start > MAX_LINE_BYTES {
            return Some((line, nl - start));
        }
        start = nl + 1;
    }
    None
}

/// sha256(rule id, NUL, the text with all whitespace removed): re-indenting or
/// re-wrapping the code keeps the fingerprint.
fn fingerprint(rule_id: &str, text: &str) -> [u8; 32] {
    let mut h = Sha256::new();
    h.update(rule_id.as_bytes());
    h.update([0]);
    for w in text.split_whitespace() {
        h.update(w.as_bytes());
    }
    h.finalize().into()
}

/// `*` matches any run of characters; everything else is literal.
fn glob_match(glob: &str, s: &str) -> bool {
    let parts: Vec<&str> = glob.split('*').collect();
    if parts.len() == 1 {
        return glob == s;
    }
    let (first, rest) = (parts[0], &parts[1..]);
    let Some(mut tail) = s.strip_prefix(first) else {
        return false;
    };
    let last = rest[rest.len() - 1];
    for p in &rest[..rest.len() - 1] {
        match tail.find(p) {
            Some(i) => tail = &tail[i + p.len()..],
            None => return false,
        }
    }
    tail.ends_with(last)
}

/// Replaces `$VAR` and `$$$VAR` with the redacted text of the metavariable.
fn fill_message(template: &str, grammar: Grammar, nm: &NodeMatch<'_, Doc>) -> String {
    let env = nm.get_env();
    let mut out = String::with_capacity(template.len() + 16);
    let mut rest = template;
    while let Some(p) = rest.find('$') {
        out.push_str(&rest[..p]);
        let after = rest[p..].trim_start_matches('$');
        let name_len = after
            .bytes()
            .take_while(|b| b.is_ascii_uppercase() || b.is_ascii_digit() || *b == b'_')
            .count();
        let dollars = rest.len() - p - after.len();
        if name_len == 0 {
            out.push_str(&rest[p..p + dollars]);
            rest = after;
            continue;
        }
        let name = &after[..name_len];
        if let Some(n) = env.get_match(name) {
            out.push_str(&redacted(grammar, n));
        } else {
            let multi = env.get_multiple_matches(name);
            let named: Vec<_> = multi.iter().filter(|n| n.is_named()).collect();
            if let (Some(first), Some(last)) = (named.first(), named.last()) {
                let text = first.get_doc().src.as_str();
                let from = first.range().start;
                let to = last.range().end;
                out.push_str(&redact_range(grammar, first, text, from, to, &named));
            } else {
                out.push_str(&rest[p..p + dollars + name_len]);
            }
        }
        rest = &after[name_len..];
    }
    out.push_str(rest);
    out
}

fn redacted(grammar: Grammar, n: &TNode<'_>) -> String {
    let text = n.get_doc().src.as_str();
    let r = n.range();
    redact_range(grammar, n, text, r.start, r.end, &[n])
}

/// The source between `from` and `to` with string literals (found under
/// `roots`) replaced by `"…"`, whitespace collapsed, and capped in length.
fn redact_range(
    grammar: Grammar,
    _any: &TNode<'_>,
    text: &str,
    from: usize,
    to: usize,
    roots: &[&TNode<'_>],
) -> String {
    let mut strings: Vec<(usize, usize)> = Vec::new();
    let mut stack: Vec<TNode<'_>> = roots.iter().map(|n| (*n).clone()).collect();
    while let Some(n) = stack.pop() {
        if grammar.is_string(&n.kind()) {
            let r = n.range();
            strings.push((r.start, r.end));
            continue;
        }
        stack.extend(n.children());
    }
    strings.sort_unstable();
    let mut raw = String::new();
    let mut pos = from;
    for (s, e) in strings {
        if s < pos {
            continue;
        }
        raw.push_str(&text[pos..s]);
        raw.push_str("\"…\"");
        pos = e;
    }
    if pos < to {
        raw.push_str(&text[pos..to]);
    }
    let mut out = String::new();
    for (i, w) in raw.split_whitespace().enumerate() {
        if i > 0 {
            out.push(' ');
        }
        out.push_str(w);
    }
    if out.chars().count() > MAX_VAR_CHARS {
        out = out.chars().take(MAX_VAR_CHARS - 1).collect();
        out.push('…');
    }
    out
}

/// The name of the nearest enclosing named function (an anonymous function
/// assigned to a variable takes the variable's name).
fn enclosing_function(grammar: Grammar, node: &TNode<'_>) -> Option<String> {
    for a in node.ancestors() {
        if !grammar.is_function(&a.kind()) {
            continue;
        }
        let name = a.field("name").or_else(|| {
            let p = a.parent()?;
            match p.kind().as_ref() {
                "variable_declarator" | "pair" => p.field("name").or_else(|| p.field("key")),
                "assignment_expression" | "assignment" => p.field("left"),
                _ => None,
            }
        });
        if let Some(n) = name {
            let t = n.text();
            if t.len() <= 200 && !grammar.is_string(&n.kind()) {
                return Some(t.into_owned());
            }
        }
    }
    None
}

/// What the walk found for taint rules: source nodes, sanitizer ranges, sink matches.
#[derive(Default)]
struct TaintFacts<'t> {
    sources: Vec<(u32, TNode<'t>)>,
    sanitizers: Vec<(u32, std::ops::Range<usize>)>,
    sinks: Vec<(u32, NodeMatch<'t, Doc>)>,
}

impl<'t> TaintFacts<'t> {
    fn sink_is_tainted(&self, rule: u32, g: Grammar, sink: &NodeMatch<'t, Doc>) -> bool {
        let node = sink.get_node();
        let sink_range = node.range();
        let sanitizers: Vec<std::ops::Range<usize>> = self
            .sanitizers
            .iter()
            .filter(|(r, _)| *r == rule)
            .map(|(_, s)| s.clone())
            .collect();
        let covered =
            |r: &std::ops::Range<usize>| sanitizers.iter().any(|s| s.start <= r.start && r.end <= s.end);
        if covered(&sink_range) {
            return false;
        }
        let scope = node
            .ancestors()
            .find(|a| g.is_function(&a.kind()))
            .unwrap_or_else(|| node.root().root());
        let scope_range = scope.range();
        let sources: Vec<&TNode<'t>> = self
            .sources
            .iter()
            .filter(|(r, n)| {
                *r == rule && {
                    let nr = n.range();
                    scope_range.start <= nr.start && nr.end <= scope_range.end
                }
            })
            .map(|(_, n)| n)
            .collect();
        // A source that is a bare identifier (e.g. a parameter) taints that name.
        let mut tainted: HashSet<String> = sources
            .iter()
            .filter(|n| Grammar::is_identifier(&n.kind()))
            .map(|n| n.text().into_owned())
            .collect();
        let source_ranges: Vec<std::ops::Range<usize>> = sources
            .iter()
            .map(|n| n.range())
            .filter(|r| !covered(r))
            .collect();
        let ctx = Ctx {
            g,
            source_ranges: &source_ranges,
            sanitizers: &sanitizers,
        };
        // Walk the scope in source order, up to the sink, without entering nested functions.
        let mut stack = vec![scope.clone()];
        while let Some(n) = stack.pop() {
            let r = n.range();
            if r.start >= sink_range.start {
                continue;
            }
            if n.node_id() != scope.node_id() && g.is_function(&n.kind()) {
                continue;
            }
            if r.end <= sink_range.start
                && let Some(assign) = g.assignment(&n.kind())
                && let (Some(target), Some(value)) = (part(&n, assign.target), part(&n, assign.value))
                && target.range() != value.range()
            {
                let is_tainted = ctx.tainted(&value, &tainted);
                let mut names = Vec::new();
                target_names(g, &target, &mut names);
                for name in names {
                    if is_tainted {
                        tainted.insert(name);
                    } else if assign.kills {
                        tainted.remove(&name);
                    }
                }
            }
            let children: Vec<_> = n.children().collect();
            stack.extend(children.into_iter().rev());
        }
        let env = sink.get_env();
        if let Some(arg) = env.get_match(SINK_VAR) {
            return ctx.tainted(arg, &tainted);
        }
        env.get_multiple_matches(SINK_VAR)
            .iter()
            .any(|a| ctx.tainted(a, &tainted))
    }
}

struct Ctx<'a> {
    g: Grammar,
    source_ranges: &'a [std::ops::Range<usize>],
    sanitizers: &'a [std::ops::Range<usize>],
}

impl Ctx<'_> {
    /// Whether an expression holds a source or a tainted name outside any sanitizer.
    fn tainted(&self, expr: &TNode<'_>, tainted: &HashSet<String>) -> bool {
        let er = expr.range();
        let inside = |r: &std::ops::Range<usize>| er.start <= r.start && r.end <= er.end;
        if self.source_ranges.iter().any(inside) {
            return true;
        }
        if tainted.is_empty() {
            return false;
        }
        let mut stack = vec![expr.clone()];
        while let Some(n) = stack.pop() {
            let r = n.range();
            if self
                .sanitizers
                .iter()
                .any(|s| s.start <= r.start && r.end <= s.end)
            {
                continue;
            }
            let kind = n.kind();
            if (Grammar::is_identifier(&kind) || self.g.is_member(&kind))
                && tainted.contains(n.text().as_ref())
            {
                return true;
            }
            if self.g.is_string(&kind) && n.child(0).is_none() {
                continue;
            }
            stack.extend(n.children());
        }
        false
    }
}

fn part<'t>(n: &TNode<'t>, p: Part) -> Option<TNode<'t>> {
    match p {
        Part::Field(f) => n.field(f),
        Part::LastNamed => n.children().filter(TNode::is_named).last(),
    }
}

/// The names an assignment target binds: an identifier or member access, or
/// the identifiers of a tuple / destructuring pattern.
fn target_names(g: Grammar, target: &TNode<'_>, out: &mut Vec<String>) {
    let mut stack = vec![target.clone()];
    while let Some(n) = stack.pop() {
        let kind = n.kind();
        if Grammar::is_identifier(&kind)
            || g.is_member(&kind)
            || kind == "shorthand_property_identifier_pattern"
        {
            out.push(n.text().into_owned());
            continue;
        }
        if kind == "subscript" || kind == "subscript_expression" || kind == "index_expression" {
            continue;
        }
        stack.extend(n.children());
    }
}
