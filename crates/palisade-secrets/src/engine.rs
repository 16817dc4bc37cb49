use aho_corasick::{AhoCorasick, AhoCorasickKind, MatchKind};
use globset::{GlobBuilder, GlobSet, GlobSetBuilder};
use memchr::{memchr, memchr_iter, memrchr};
use sha2::{Digest, Sha256};

use crate::filters::{is_placeholder, shannon_entropy};
use crate::rule::{LoadError, Rule, RuleFile};

/// How far before a keyword hit a window may start (long minified lines).
const MAX_BEFORE: usize = 1024;
/// How far after a keyword hit a line-based window may end.
const MAX_AFTER: usize = 4096;

/// One match of one rule in one blob. Offsets are byte offsets into the blob.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Match {
    /// Index of the rule in [`RuleSet::rules`].
    pub rule: usize,
    /// Span of the whole match.
    pub start: usize,
    pub end: usize,
    /// Span of the `secret` group.
    pub secret_start: usize,
    pub secret_end: usize,
    /// 1-based line and byte column of the secret.
    pub line: u32,
    pub column: u32,
    /// The line carries a `palisade:ignore` comment that covers this rule.
    pub inline_ignored: bool,
}

/// A compiled set of rules with its keyword automaton.
#[derive(Debug, Clone)]
pub struct RuleSet {
    rules: Vec<Rule>,
    keywords: Option<AhoCorasick>,
    /// Per keyword pattern: the rules it triggers.
    keyword_rules: Vec<Vec<usize>>,
    globs: GlobSet,
    /// Per glob: the rule it belongs to.
    glob_rule: Vec<usize>,
    /// Rules gated by `paths` and without keywords: run on whole matching files.
    whole_file: Vec<bool>,
    version: String,
}

impl RuleSet {
    /// Builds a set from compiled rules. Fails on duplicate ids.
    pub fn new(rules: Vec<Rule>) -> Result<Self, LoadError> {
        let mut seen = std::collections::HashSet::new();
        for r in &rules {
            if !seen.insert(r.id.clone()) {
                return Err(LoadError {
                    source: r.source.clone(),
                    rule: Some(r.id.to_string()),
                    message: "duplicate rule id".into(),
                });
            }
        }
        let mut kw_index: std::collections::HashMap<String, usize> = std::collections::HashMap::new();
        let mut patterns: Vec<String> = Vec::new();
        let mut keyword_rules: Vec<Vec<usize>> = Vec::new();
        let mut globs = GlobSetBuilder::new();
        let mut glob_rule = Vec::new();
        let mut hasher = Sha256::new();
        for (idx, rule) in rules.iter().enumerate() {
            hasher.update(rule.id.as_str().as_bytes());
            hasher.update([0]);
            hasher.update(rule.pattern.as_bytes());
            hasher.update([0]);
            for k in &rule.keywords {
                hasher.update(k.as_bytes());
                hasher.update([0]);
                let k = k.to_ascii_lowercase();
                let slot = *kw_index.entry(k.clone()).or_insert_with(|| {
                    patterns.push(k);
                    keyword_rules.push(Vec::new());
                    patterns.len() - 1
                });
                if !keyword_rules[slot].contains(&idx) {
                    keyword_rules[slot].push(idx);
                }
            }
            for g in &rule.paths {
                hasher.update(g.as_bytes());
                let glob = GlobBuilder::new(g)
                    .case_insensitive(true)
                    .literal_separator(true)
                    .build()
                    .map_err(|e| LoadError {
                        source: rule.source.clone(),
                        rule: Some(rule.id.to_string()),
                        message: format!("path glob {g:?}: {e}"),
                    })?;
                globs.add(glob);
                glob_rule.push(idx);
            }
            hasher.update([1]);
        }
        let keywords = if patterns.is_empty() {
            None
        } else {
            Some(
                AhoCorasick::builder()
                    .ascii_case_insensitive(true)
                    .match_kind(MatchKind::Standard)
                    .kind(Some(AhoCorasickKind::DFA))
                    .build(&patterns)
                    .map_err(|e| LoadError {
                        source: "rules".into(),
                        rule: None,
                        message: format!("keyword automaton: {e}"),
                    })?,
            )
        };
        let globs = globs.build().map_err(|e| LoadError {
            source: "rules".into(),
            rule: None,
            message: format!("path globs: {e}"),
        })?;
        let whole_file = rules.iter().map(|r| r.keywords.is_empty()).collect();
        let digest = hasher.finalize();
        let version = format!("{}-{}", rules.len(), &hex::encode(digest)[..12]);
        Ok(Self {
            rules,
            keywords,
            keyword_rules,
            globs,
            glob_rule,
            whole_file,
            version,
        })
    }

    /// Parses and compiles YAML rule files `(source name, text)`, collecting
    /// every error rather than stopping at the first.
    pub fn from_yaml(files: &[(String, String)]) -> Result<Self, Vec<LoadError>> {
        let mut rules = Vec::new();
        let mut errors = Vec::new();
        for (source, text) in files {
            match RuleFile::parse(source, text) {
                Ok(file) => {
                    for spec in file.rules {
                        match Rule::compile(spec, source) {
                            Ok(r) => rules.push(r),
                            Err(e) => errors.push(e),
                        }
                    }
                }
                Err(e) => errors.push(e),
            }
        }
        if !errors.is_empty() {
            return Err(errors);
        }
        Self::new(rules).map_err(|e| vec![e])
    }

    /// A new set holding only the rules `keep` accepts.
    #[must_use]
    pub fn filtered(&self, keep: impl Fn(&Rule) -> bool) -> Self {
        Self::new(self.rules.iter().filter(|r| keep(r)).cloned().collect())
            .expect("a subset of a valid rule set is valid")
    }

    pub fn rules(&self) -> &[Rule] {
        &self.rules
    }

    pub fn rule(&self, idx: usize) -> &Rule {
        &self.rules[idx]
    }

    pub fn get(&self, id: &str) -> Option<&Rule> {
        self.rules.iter().find(|r| r.id.as_str() == id)
    }

    /// Hash of every rule's id, pattern, keywords and paths, prefixed by the rule count.
    pub fn version(&self) -> &str {
        &self.version
    }

    /// Identifies which path-gated rules apply to `path` (0 when none do).
    /// Two paths with the same class get the same matches for the same content.
    pub fn path_class(&self, path: &str) -> u64 {
        if self.glob_rule.is_empty() {
            return 0;
        }
        let mut rules: Vec<usize> = self
            .globs
            .matches(path)
            .into_iter()
            .map(|g| self.glob_rule[g])
            .collect();
        if rules.is_empty() {
            return 0;
        }
        rules.sort_unstable();
        rules.dedup();
        // FNV-1a over the rule indices; 0 is reserved for "no path rules".
        let mut h: u64 = 0xcbf2_9ce4_8422_2325;
        for r in rules {
            for b in (r as u64).to_le_bytes() {
                h = (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3);
            }
        }
        h.max(1)
    }

    /// Scans one blob. `path` selects path-gated rules; matches are appended
    /// to `out` in order of position, at most one per (rule, secret span).
    pub fn scan(&self, path: &str, content: &[u8], out: &mut Vec<Match>) {
        let mut path_rules: Vec<usize> = Vec::new();
        if !self.glob_rule.is_empty() {
            for g in self.globs.matches(path) {
                path_rules.push(self.glob_rule[g]);
            }
        }
        let mut windows: Vec<(usize, usize, usize)> = Vec::new();
        for &r in &path_rules {
            if self.whole_file[r] {
                windows.push((r, 0, content.len()));
            }
        }
        if let Some(ac) = &self.keywords {
            // End of the last window opened per rule: hits inside it add nothing.
            let mut covered: Vec<usize> = Vec::new();
            for hit in ac.find_overlapping_iter(content) {
                for &r in &self.keyword_rules[hit.pattern().as_usize()] {
                    let rule = &self.rules[r];
                    if !rule.paths.is_empty() && !path_rules.contains(&r) {
                        continue;
                    }
                    if covered.is_empty() {
                        covered = vec![0; self.rules.len()];
                    }
                    if covered[r] >= hit.end() {
                        continue;
                    }
                    let (ws, we) = window(content, hit.start(), hit.end(), rule.window);
                    covered[r] = we;
                    windows.push((r, ws, we));
                }
            }
        }
        if windows.is_empty() {
            return;
        }
        windows.sort_unstable();
        let first_new = out.len();
        let mut i = 0;
        while i < windows.len() {
            let (r, ws, mut we) = windows[i];
            i += 1;
            while i < windows.len() && windows[i].0 == r && windows[i].1 <= we {
                we = we.max(windows[i].2);
                i += 1;
            }
            self.run_rule(r, content, ws, we, out);
        }
        let mut added = out.split_off(first_new);
        added.sort_unstable_by_key(|m| (m.secret_start, m.rule, m.secret_end));
        added.dedup_by_key(|m| (m.secret_start, m.rule, m.secret_end));
        self.drop_overlaps(&mut added);
        self.locate(content, &mut added);
        out.extend(added);
    }

    /// Where several rules claim overlapping secrets (a GitHub token on a
    /// `.env` line), keeps only the most specific: higher confidence, then
    /// higher severity, then the rule listed first. One secret, one finding.
    fn drop_overlaps(&self, matches: &mut Vec<Match>) {
        if matches.len() < 2 {
            return;
        }
        let rank = |m: &Match| {
            let r = &self.rules[m.rule];
            (r.confidence, r.severity, std::cmp::Reverse(m.rule))
        };
        let mut keep = vec![true; matches.len()];
        for i in 0..matches.len() {
            for j in i + 1..matches.len() {
                if matches[j].secret_start >= matches[i].secret_end {
                    break;
                }
                if !keep[i] {
                    break;
                }
                if !keep[j] || matches[i].rule == matches[j].rule {
                    continue;
                }
                if rank(&matches[j]) > rank(&matches[i]) {
                    keep[i] = false;
                } else {
                    keep[j] = false;
                }
            }
        }
        let mut k = keep.into_iter();
        matches.retain(|_| k.next().unwrap_or(true));
    }

    fn run_rule(&self, r: usize, content: &[u8], ws: usize, we: usize, out: &mut Vec<Match>) {
        let rule = &self.rules[r];
        let hay = &content[ws..we];
        for caps in rule.regex.captures_iter(hay) {
            let Some(secret) = caps.get(rule.secret_group) else {
                continue;
            };
            let value = secret.as_bytes();
            if value.is_empty() {
                continue;
            }
            if rule.placeholder_filter && is_placeholder(value) {
                continue;
            }
            if rule.min_entropy.is_some_and(|min| shannon_entropy(value) < min) {
                continue;
            }
            let whole = caps.get(0).expect("group 0 always participates");
            // Line, column and inline-ignore flags are filled by `locate`
            // once all matches of the blob are known.
            out.push(Match {
                rule: r,
                start: ws + whole.start(),
                end: ws + whole.end(),
                secret_start: ws + secret.start(),
                secret_end: ws + secret.end(),
                line: 0,
                column: 0,
                inline_ignored: false,
            });
        }
    }

    /// Fills line, column and inline-ignore flags in one pass over the blob,
    /// so the cost stays linear in its size whatever the number of matches.
    fn locate(&self, content: &[u8], matches: &mut [Match]) {
        if matches.is_empty() {
            return;
        }
        let marks: Vec<usize> = memchr::memmem::find_iter(content, IGNORE_MARK).collect();
        // (position, what it is, index): 0 secret start, 1 match start, 2 match end, 3 mark.
        let mut points: Vec<(usize, u8, usize)> = Vec::with_capacity(matches.len() * 3 + marks.len());
        for (i, m) in matches.iter().enumerate() {
            points.push((m.secret_start, 0, i));
            if !marks.is_empty() {
                points.push((m.start, 1, i));
                points.push((m.end.saturating_sub(1).max(m.start), 2, i));
            }
        }
        points.extend(marks.iter().enumerate().map(|(i, &p)| (p, 3, i)));
        points.sort_unstable();
        let (mut line, mut line_start, mut cursor) = (1usize, 0usize, 0usize);
        let mut span_lines = vec![(0usize, 0usize); if marks.is_empty() { 0 } else { matches.len() }];
        let mut mark_lines = vec![0usize; marks.len()];
        for (pos, kind, i) in points {
            let seg = &content[cursor..pos];
            let n = memchr_iter(b'\n', seg).count();
            if n > 0 {
                line += n;
                line_start = cursor + memrchr(b'\n', seg).map_or(0, |p| p + 1);
            }
            cursor = pos;
            match kind {
                0 => {
                    matches[i].line = u32::try_from(line).unwrap_or(u32::MAX);
                    matches[i].column = u32::try_from(pos - line_start + 1).unwrap_or(u32::MAX);
                }
                1 => span_lines[i].0 = line,
                2 => span_lines[i].1 = line,
                _ => mark_lines[i] = line,
            }
        }
        if marks.is_empty() {
            return;
        }
        // Per line carrying marks: ignores everything, or only the listed rules.
        let mut by_line: Vec<(usize, bool, Vec<&[u8]>)> = Vec::new();
        for (&pos, &l) in marks.iter().zip(&mark_lines) {
            if by_line.last().is_none_or(|e| e.0 != l) {
                by_line.push((l, false, Vec::new()));
            }
            let entry = by_line.last_mut().expect("pushed above");
            match ignore_list(content, pos) {
                None => entry.1 = true,
                Some(ids) => entry.2.extend(ids),
            }
        }
        for (m, &(lo, hi)) in matches.iter_mut().zip(&span_lines) {
            let id = self.rules[m.rule].id.as_str().as_bytes();
            let first = by_line.partition_point(|e| e.0 < lo);
            m.inline_ignored = by_line[first..]
                .iter()
                .take_while(|e| e.0 <= hi)
                .any(|e| e.1 || e.2.contains(&id));
        }
    }
}

/// The lines around a keyword hit, bounded for very long lines. Rules with a
/// `window` get that many bytes after the hit (multi-line secrets).
fn window(content: &[u8], start: usize, end: usize, after: Option<usize>) -> (usize, usize) {
    let floor = start.saturating_sub(MAX_BEFORE);
    let ws = memrchr(b'\n', &content[floor..start]).map_or(floor, |p| floor + p + 1);
    let we = if let Some(w) = after {
        (end + w).min(content.len())
    } else {
        let ceil = (end + MAX_AFTER).min(content.len());
        memchr(b'\n', &content[end..ceil]).map_or(ceil, |p| end + p)
    };
    (ws, we)
}

const IGNORE_MARK: &[u8] = b"palisade:ignore";
/// How far after the mark a `[rule.a,rule.b]` list may extend.
const IGNORE_LIST_MAX: usize = 512;

/// The rule ids a `palisade:ignore[...]` mark at `pos` names, or `None` when
/// it names none and so covers every rule on its line.
fn ignore_list(content: &[u8], pos: usize) -> Option<Vec<&[u8]>> {
    let after = pos + IGNORE_MARK.len();
    let rest = &content[after..(after + IGNORE_LIST_MAX).min(content.len())];
    let list = rest.strip_prefix(b"[")?;
    let close = memchr(b']', list)?;
    let list = &list[..close];
    if list.contains(&b'\n') {
        return None;
    }
    Some(list.split(|&b| b == b',').map(<[u8]>::trim_ascii).collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn set() -> RuleSet {
        let yaml = r#"
rules:
  - id: test.token
    name: Test token
    severity: high
    confidence: high
    keywords: [tok_]
    pattern: '\b(?P<secret>tok_[a-z0-9]{8})\b'
    description: d
    remediation: r
    examples: ["x = tok_abcd1234"]
    negative_examples: ["x = tok_abc"]
  - id: test.netrc
    name: netrc
    severity: high
    confidence: medium
    paths: ["**/.netrc"]
    pattern: 'password\s+(?P<secret>\S+)'
    description: d
    remediation: r
    examples: [{path: .netrc, text: "machine h login u password p4ssw0rdX"}]
    negative_examples: [{path: notnetrc, text: "machine h login u password p4ssw0rdX"}]
"#;
        RuleSet::from_yaml(&[("t.yml".into(), yaml.into())]).expect("valid rules")
    }

    #[test]
    fn finds_lines_and_columns() {
        let s = set();
        let mut out = Vec::new();
        s.scan(
            "a.txt",
            b"first\n  TOK_ nope tok_abcd1234 and tok_zzzz9999\n",
            &mut out,
        );
        assert_eq!(out.len(), 2);
        assert_eq!((out[0].line, out[0].column), (2, 13));
        assert_eq!(out[1].secret_end - out[1].secret_start, 12);
    }

    #[test]
    fn path_gated_rules_only_apply_to_their_files() {
        let s = set();
        let mut out = Vec::new();
        s.scan("home/u/.netrc", b"machine h login u password s3cretVal", &mut out);
        assert_eq!(out.len(), 1);
        out.clear();
        s.scan(
            "home/u/netrc.txt",
            b"machine h login u password s3cretVal",
            &mut out,
        );
        assert!(out.is_empty());
    }

    #[test]
    fn examples_pass() {
        assert!(crate::check_examples(&set()).is_empty());
    }

    #[test]
    fn inline_ignore_comment() {
        let s = set();
        let mut out = Vec::new();
        s.scan("a", b"k = tok_abcd1234 # palisade:ignore\nk = tok_abcd9999 # palisade:ignore[other.rule]\nk = tok_abcd7777 # palisade:ignore[x.y, test.token]\n", &mut out);
        let flags: Vec<bool> = out.iter().map(|m| m.inline_ignored).collect();
        assert_eq!(flags, vec![true, false, true]);
    }

    #[test]
    fn overlapping_rules_give_one_match() {
        let yaml = r#"
rules:
  - id: test.token
    name: Test token
    severity: high
    confidence: high
    keywords: [tok_]
    pattern: '\b(?P<secret>tok_[a-z0-9]{8})\b'
    description: d
    remediation: r
    examples: ["x = tok_abcd1234"]
    negative_examples: ["x = tok_abc"]
  - id: test.assignment
    name: Assignment
    severity: medium
    confidence: low
    keywords: [secret]
    pattern: 'secret\s*=\s*(?P<secret>\S+)'
    description: d
    remediation: r
    examples: ["secret = hunter2x"]
    negative_examples: ["nothing"]
"#;
        let s = RuleSet::from_yaml(&[("t.yml".into(), yaml.into())]).expect("valid rules");
        let mut out = Vec::new();
        s.scan("a", b"secret = tok_abcd1234\nsecret = other-value\n", &mut out);
        let ids: Vec<&str> = out.iter().map(|m| s.rule(m.rule).id.as_str()).collect();
        assert_eq!(ids, vec!["test.token", "test.assignment"]);
    }

    #[test]
    fn arbitrary_bytes_never_panic() {
        let s = set();
        let mut out = Vec::new();
        for input in [
            &b""[..],
            b"tok_",
            b"\ntok_\n",
            b"\xff\xfe tok_abcd1234\x00",
            b"palisade:ignore[tok_abcd1234",
        ] {
            s.scan(".netrc", input, &mut out);
        }
    }
}
