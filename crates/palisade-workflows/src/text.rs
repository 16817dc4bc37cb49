//! Text heuristics shared by rules: secret-looking names and values,
//! variable macros, expressions, remote scripts piped to a shell.

use std::sync::LazyLock;

use regex::Regex;

const LAST: [&str; 14] = [
    "password",
    "passwd",
    "pwd",
    "pass",
    "secret",
    "token",
    "key",
    "apikey",
    "pat",
    "credential",
    "credentials",
    "passphrase",
    "sas",
    "connectionstring",
];

const PLACEHOLDERS: [&str; 12] = [
    "true",
    "false",
    "changeme",
    "change-me",
    "placeholder",
    "password",
    "secret",
    "redacted",
    "dummy",
    "example",
    "notused",
    "not-used",
];

const EXACT: [&str; 5] = [
    "build.sourcebranch",
    "build.sourcebranchname",
    "build.sourceversionmessage",
    "build.requestedfor",
    "build.requestedforemail",
];

const SAFE_PR: [&str; 7] = [
    "pullrequestid",
    "pullrequestnumber",
    "isfork",
    "sourcecommitid",
    "targetbranch",
    "targetbranchname",
    "pullrequestiteration",
];

/// Whether a variable or environment name looks like it holds a credential:
/// its last word is `password`, `secret`, `token`, `key`, ... (`DB_PASSWORD`,
/// `clientSecret`, `npmToken`, `STORAGE_KEY`, `ConnectionString`), and not
/// `secretName`, `tokenUrl` or `keyVault`.
pub(crate) fn secret_like_name(name: &str) -> bool {
    let words = words(name);
    let Some(last) = words.last() else {
        return false;
    };
    if LAST.contains(&last.as_str()) {
        // A bare `key` or `pass` is a cache key or a flag, not a credential.
        return words.len() >= 2 || !matches!(last.as_str(), "key" | "pass" | "sas" | "pat");
    }
    // `connectionString`, `CONNECTION_STRING`.
    words.len() >= 2 && words[words.len() - 2] == "connection" && last == "string"
}

/// Splits `DB_PASSWORD`, `clientSecret`, `npm-token` into lowercase words.
fn words(name: &str) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    let mut current = String::new();
    let mut prev_lower = false;
    for c in name.chars() {
        if !c.is_ascii_alphanumeric() {
            if !current.is_empty() {
                out.push(std::mem::take(&mut current));
            }
            prev_lower = false;
            continue;
        }
        if c.is_ascii_uppercase() && prev_lower && !current.is_empty() {
            out.push(std::mem::take(&mut current));
        }
        prev_lower = c.is_ascii_lowercase() || c.is_ascii_digit();
        current.push(c.to_ascii_lowercase());
    }
    if !current.is_empty() {
        out.push(current);
    }
    out
}

/// Whether a value written next to a secret-looking name is a literal
/// credential rather than a reference or a placeholder: not empty, no macro
/// (`$(x)`, `${{ }}`, `$[ ]`, `$env:`, `%x%`), not a boolean, number-free
/// placeholders (`<password>`, `changeme`, `xxx`) excluded.
pub(crate) fn literal_secret_value(value: &str) -> bool {
    let v = value.trim();
    if v.len() < 6 || v.contains('\n') {
        return false;
    }
    if v.contains("$(") || v.contains("${{") || v.contains("$[") || v.contains("${") {
        return false;
    }
    let lower = v.to_ascii_lowercase();
    if lower.starts_with("$env:") || (v.starts_with('%') && v.ends_with('%')) || v.starts_with('$') {
        return false;
    }
    if v.starts_with('<') && v.ends_with('>') {
        return false;
    }
    if PLACEHOLDERS.contains(&lower.as_str()) {
        return false;
    }
    let first = v.chars().next().unwrap_or(' ');
    if v.chars().all(|c| c == first || c == '*') {
        return false;
    }
    // Paths and URLs without credentials are settings, not secrets.
    !(lower.starts_with("http://") || lower.starts_with("https://")) || v.contains('@')
}

/// Azure Pipelines variables whose value a pull request author (or anyone who
/// can push a branch) chooses.
pub(crate) fn pr_controlled_variable(name: &str) -> bool {
    let n = name.trim().to_ascii_lowercase();
    if EXACT.contains(&n.as_str()) {
        return true;
    }
    n.strip_prefix("system.pullrequest.")
        .is_some_and(|rest| !rest.is_empty() && !SAFE_PR.contains(&rest))
}

/// The environment variable the agent exports for an Azure Pipelines
/// variable (`Build.SourceBranchName` -> `BUILD_SOURCEBRANCHNAME`).
pub(crate) fn env_name_of(variable: &str) -> String {
    variable
        .trim()
        .chars()
        .map(|c| {
            if c == '.' || c == ' ' {
                '_'
            } else {
                c.to_ascii_uppercase()
            }
        })
        .collect()
}

/// Azure Pipelines variable references in a text: `$(Name)` macros and
/// `${{ variables['Name'] }}` / `${{ variables.Name }}` template expressions.
/// Yields `(the reference as written, the variable name)`.
pub(crate) fn variable_references(text: &str) -> Vec<(&str, &str)> {
    static MACRO: LazyLock<Regex> =
        LazyLock::new(|| Regex::new(r"\$\(\s*([A-Za-z0-9_.\-]+)\s*\)").expect("valid regex"));
    static TEMPLATE: LazyLock<Regex> = LazyLock::new(|| {
        Regex::new(
            r#"\$\{\{[^}]*?\bvariables(?:\[\s*['"]([A-Za-z0-9_.\-]+)['"]\s*\]|\.([A-Za-z0-9_\-]+(?:\.[A-Za-z0-9_\-]+)*))[^}]*\}\}"#,
        )
        .expect("valid regex")
    });
    let mut out = Vec::new();
    for c in MACRO.captures_iter(text) {
        if let (Some(all), Some(name)) = (c.get(0), c.get(1)) {
            out.push((all.as_str(), name.as_str()));
        }
    }
    for c in TEMPLATE.captures_iter(text) {
        if let (Some(all), Some(name)) = (c.get(0), c.get(1).or_else(|| c.get(2))) {
            out.push((all.as_str(), name.as_str()));
        }
    }
    out
}

/// `${{ ... }}` expressions of a GitHub Actions text: `(as written, inner text)`.
pub(crate) fn expressions(text: &str) -> Vec<(&str, &str)> {
    let mut out = Vec::new();
    let mut rest = text;
    let mut offset = 0;
    while let Some(start) = rest.find("${{") {
        let after = &rest[start + 3..];
        let Some(end) = after.find("}}") else { break };
        let whole = &text[offset + start..offset + start + 3 + end + 2];
        out.push((whole, &after[..end]));
        let consumed = start + 3 + end + 2;
        offset += consumed;
        rest = &rest[consumed..];
    }
    out
}

/// GitHub contexts whose value the author of an issue, comment, pull
/// request, commit or branch writes. `*` matches one segment (an index or a
/// key).
const UNTRUSTED_CONTEXTS: [&str; 27] = [
    "github.event.issue.title",
    "github.event.issue.body",
    "github.event.pull_request.title",
    "github.event.pull_request.body",
    "github.event.pull_request.head.ref",
    "github.event.pull_request.head.label",
    "github.event.pull_request.head.repo.default_branch",
    "github.event.pull_request.head.repo.description",
    "github.event.comment.body",
    "github.event.review.body",
    "github.event.review_comment.body",
    "github.event.discussion.title",
    "github.event.discussion.body",
    "github.event.pages.*.page_name",
    "github.event.commits.*.message",
    "github.event.commits.*.author.email",
    "github.event.commits.*.author.name",
    "github.event.head_commit.message",
    "github.event.head_commit.author.email",
    "github.event.head_commit.author.name",
    "github.event.workflow_run.head_branch",
    "github.event.workflow_run.display_title",
    "github.event.workflow_run.head_commit.message",
    "github.event.workflow_run.head_commit.author.email",
    "github.event.workflow_run.head_commit.author.name",
    "github.event.workflow_run.pull_requests.*.head.ref",
    "github.head_ref",
];

/// The untrusted context an expression reads, if any (`github.head_ref`,
/// `github.event.issue.title`, or a whole object holding one, such as
/// `toJSON(github.event.pull_request)`).
pub(crate) fn untrusted_context(expression: &str) -> Option<String> {
    let lower = expression.to_ascii_lowercase();
    let mut token = String::new();
    let mut tokens = Vec::new();
    let mut chars = lower.chars().peekable();
    // Normalize `a[0]`, `a['b']`, `a[*]` to `a.*` / `a.b`, drop spaces.
    while let Some(c) = chars.next() {
        match c {
            'a'..='z' | '0'..='9' | '_' | '-' | '.' | '*' => token.push(c),
            '[' => {
                let mut inner = String::new();
                for d in chars.by_ref() {
                    if d == ']' {
                        break;
                    }
                    inner.push(d);
                }
                let inner = inner.trim().trim_matches(['\'', '"']);
                if inner.chars().all(|c| c.is_ascii_digit()) || inner == "*" {
                    token.push_str(".*");
                } else {
                    token.push('.');
                    token.push_str(inner);
                }
            }
            _ => {
                if !token.is_empty() {
                    tokens.push(std::mem::take(&mut token));
                }
            }
        }
    }
    if !token.is_empty() {
        tokens.push(token);
    }
    for t in tokens {
        let segs: Vec<&str> = t.split('.').filter(|s| !s.is_empty()).collect();
        if segs.first() != Some(&"github") {
            continue;
        }
        if segs.len() < 2 {
            continue;
        }
        let hit = UNTRUSTED_CONTEXTS.iter().any(|pattern| {
            let pat: Vec<&str> = pattern.split('.').collect();
            // The context itself, something under it, or an object holding
            // it (`toJSON(github.event.pull_request)`).
            let n = segs.len().min(pat.len());
            segs[..n]
                .iter()
                .zip(&pat[..n])
                .all(|(s, p)| *p == "*" || *s == "*" || s == p)
        });
        if hit {
            return Some(segs.join("."));
        }
    }
    None
}

/// A line of `script` that downloads a script and runs it without checking
/// it: `curl ... | bash`, `wget -qO- ... | sh`, `bash <(curl ...)`,
/// `iex (iwr ...)`, `irm ... | iex`. Returns the line (trimmed).
pub(crate) fn remote_script_line(script: &str) -> Option<&str> {
    static PATTERNS: LazyLock<Vec<Regex>> = LazyLock::new(|| {
        [
            // curl/wget ... | [sudo [-E]] bash|sh|zsh|python|node|perl|ruby
            r"(?i)\b(curl|wget|iwr|irm|invoke-webrequest|invoke-restmethod)\b[^|\n]*\|\s*(sudo\s+(-\S+\s+)*)?(env\s+\S+=\S+\s+)*(bash|sh|zsh|dash|ksh|python[0-9.]*|node|perl|ruby|pwsh|powershell|iex|invoke-expression)\b",
            // bash <(curl ...), sh -c "$(curl ...)"
            r"(?i)\b(bash|sh|zsh)\b[^\n]*(<\(|\$\(|`)\s*(curl|wget)\b",
            // iex (iwr ...), Invoke-Expression ((New-Object Net.WebClient).DownloadString(...))
            r"(?i)\b(iex|invoke-expression)\b[^\n]*\b(iwr|irm|invoke-webrequest|invoke-restmethod|downloadstring)\b",
        ]
        .iter()
        .map(|p| Regex::new(p).expect("valid regex"))
        .collect()
    });
    script
        .lines()
        .find(|line| {
            let t = line.trim_start();
            !t.starts_with('#') && PATTERNS.iter().any(|p| p.is_match(line))
        })
        .map(str::trim)
}
