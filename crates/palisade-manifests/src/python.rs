//! Python: pip `requirements*.txt`, `poetry.lock`, `Pipfile.lock`, `uv.lock`.

use std::collections::{BTreeMap, HashSet};

use serde::Deserialize;
use serde_json::value::RawValue;

use crate::json::{Entries, JsonDoc};
use crate::text::{Lines, line_no};
use crate::{ManifestError, Out, SkipReason};

// ---------------------------------------------------------------- requirements

/// pip's requirements format: one requirement per logical line (`\` joins
/// lines), `#` comments at line start or after whitespace, options
/// (`-r`/`-c` includes reported, not followed; `-e` and URLs skipped as not
/// from the index), `name[extras]==1.2.3 ; markers --hash=...`.
pub(crate) fn requirements(text: &str, out: &mut Out) {
    let mut logical = String::new();
    let mut start = 0;
    for (i, raw) in text.lines().enumerate() {
        if logical.is_empty() {
            start = line_no(i);
        }
        let line = raw.trim_end();
        // As pip: a comment line ends a continuation rather than joining it.
        let is_comment = line.trim_start().starts_with('#');
        if let Some(joined) = line.strip_suffix('\\')
            && !is_comment
        {
            logical.push_str(joined);
            logical.push(' ');
            continue;
        }
        logical.push_str(line);
        requirement_line(&logical, start, out);
        logical.clear();
    }
    if !logical.is_empty() {
        requirement_line(&logical, start, out);
    }
}

/// `#` at the start of the line or after whitespace (`url#egg=x` is not a comment).
fn comment_start(line: &str) -> Option<usize> {
    let bytes = line.as_bytes();
    (0..bytes.len()).find(|&i| bytes[i] == b'#' && (i == 0 || bytes[i - 1].is_ascii_whitespace()))
}

fn requirement_line(line: &str, at: u32, out: &mut Out) {
    let line = comment_start(line).map_or(line, |i| &line[..i]).trim();
    if line.is_empty() {
        return;
    }
    if line.starts_with('-') {
        option_line(line, at, out);
        return;
    }
    // A bare URL or path: `https://host/x.tar.gz`, `git+https://...`, `./wheels/x.whl`.
    let is_url = line
        .find("://")
        .is_some_and(|i| line[..i].chars().all(|c| c.is_ascii_alphanumeric() || c == '+'));
    if is_url {
        out.skip(line, at, SkipReason::NonRegistry(line.to_owned()));
        return;
    }
    if line.starts_with(['.', '/', '~']) || line.starts_with("file:") {
        out.skip(line, at, SkipReason::Local(line.to_owned()));
        return;
    }
    let name_len = line
        .find(|c: char| !(c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-')))
        .unwrap_or(line.len());
    let name = &line[..name_len];
    if name.is_empty() {
        // pip refuses such a line; one odd line should not hide the others.
        out.skip(line, at, SkipReason::Unrecognized(line.to_owned()));
        return;
    }
    let mut rest = line[name_len..].trim_start();
    if rest.starts_with('[') {
        rest = rest.find(']').map_or("", |i| rest[i + 1..].trim_start());
    }
    if let Some(url) = rest.strip_prefix('@') {
        let url = url.split(" ;").next().unwrap_or(url).trim();
        out.skip(name, at, SkipReason::NonRegistry(url.to_owned()));
        return;
    }
    let rest = rest.split(';').next().unwrap_or_default();
    let spec = rest
        .split_whitespace()
        .take_while(|word| !word.starts_with("--"))
        .collect::<String>();
    let spec = spec.trim_start_matches('(').trim_end_matches(')');
    if spec.is_empty() {
        out.skip(name, at, SkipReason::NoVersion);
        return;
    }
    let pinned = spec.split(',').find_map(|clause| {
        let clause = clause.trim();
        if let Some(v) = clause.strip_prefix("===") {
            return Some(v);
        }
        clause.strip_prefix("==").filter(|v| !v.contains('*'))
    });
    match pinned {
        Some(version) if !version.is_empty() => out.dep(name, version, at, None, None),
        _ => out.skip(name, at, SkipReason::NotPinned(spec.to_owned())),
    }
}

fn option_line(line: &str, at: u32, out: &mut Out) {
    let (option, value) = match line.split_once(['=', ' ', '\t']) {
        Some((o, v)) => (o, v.trim()),
        None => (line, ""),
    };
    // `-rbase.txt` is `-r base.txt`.
    let (option, value) = match option.get(..2) {
        Some(short @ ("-r" | "-c" | "-e")) if option.len() > 2 && !option.starts_with("--") => {
            (short, line[2..].trim())
        }
        _ => (option, value),
    };
    match option {
        "-r" | "--requirement" | "-c" | "--constraint" => {
            out.skip(option, at, SkipReason::Include(value.to_owned()));
        }
        "-e" | "--editable" => {
            let reason = if value.contains("://") || value.starts_with("git+") {
                SkipReason::NonRegistry(value.to_owned())
            } else {
                SkipReason::Local(value.to_owned())
            };
            out.skip(value, at, reason);
        }
        _ => {} // index URLs, --hash lines of their own, --pre, ...
    }
}

// ------------------------------------------------------------------ TOML helper

fn toml_error(out: &Out, lines: &Lines, e: &toml::de::Error) -> ManifestError {
    let line = e.span().map(|s| lines.line(s.start));
    out.syntax(line, e.message().trim().to_owned())
}

fn toml_doc<T: serde::de::DeserializeOwned>(
    text: &str,
    lines: &Lines,
    out: &Out,
) -> Result<T, ManifestError> {
    toml::from_str(text).map_err(|e| toml_error(out, lines, &e))
}

/// PEP 503 name normalization, for matching names across sections.
fn normalize(name: &str) -> String {
    let mut out = String::with_capacity(name.len());
    for c in name.chars() {
        if matches!(c, '-' | '_' | '.') {
            if !out.ends_with('-') {
                out.push('-');
            }
        } else {
            out.push(c.to_ascii_lowercase());
        }
    }
    out
}

// ----------------------------------------------------------------------- poetry

#[derive(Deserialize)]
struct PoetryLock {
    #[serde(default)]
    package: Vec<PoetryPackage>,
}

#[derive(Deserialize)]
struct PoetryPackage {
    name: toml::Spanned<String>,
    version: Option<String>,
    /// Poetry before 1.5: `main` or `dev`.
    category: Option<String>,
    /// Poetry 2: the dependency groups that need the package.
    groups: Option<Vec<String>>,
    source: Option<PoetrySource>,
}

#[derive(Deserialize)]
struct PoetrySource {
    #[serde(rename = "type")]
    kind: Option<String>,
    url: Option<String>,
}

pub(crate) fn poetry_lock(text: &str, out: &mut Out) -> Result<(), ManifestError> {
    let lines = Lines::new(text);
    let lock: PoetryLock = toml_doc(text, &lines, out)?;
    for package in lock.package {
        let line = lines.line(package.name.span().start);
        let name = package.name.into_inner();
        if let Some(source) = package.source {
            let kind = source.kind.unwrap_or_default();
            // `legacy` is a private index serving PyPI-style releases.
            if kind != "legacy" {
                let to = source.url.unwrap_or_default();
                let reason = if matches!(kind.as_str(), "directory" | "file") {
                    SkipReason::Local(to)
                } else {
                    SkipReason::NonRegistry(format!("{kind} {to}").trim().to_owned())
                };
                out.skip(name, line, reason);
                continue;
            }
        }
        let Some(version) = package.version else {
            out.skip(name, line, SkipReason::NoVersion);
            continue;
        };
        let dev = match (&package.groups, package.category.as_deref()) {
            (Some(groups), _) if !groups.is_empty() => Some(!groups.iter().any(|g| g == "main")),
            (_, Some(category)) => Some(category == "dev"),
            _ => None,
        };
        out.dep(name, version, line, None, dev);
    }
    Ok(())
}

// ---------------------------------------------------------------------- Pipfile

#[derive(Deserialize)]
struct PipfileLock<'a> {
    #[serde(borrow, default)]
    default: Entries<String, &'a RawValue>,
    #[serde(borrow, default)]
    develop: Entries<String, &'a RawValue>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct PipfileEntry {
    version: Option<String>,
    git: Option<String>,
    path: Option<String>,
    file: Option<String>,
}

pub(crate) fn pipfile_lock(text: &str, out: &mut Out) -> Result<(), ManifestError> {
    let doc = JsonDoc::new(out.kind(), text)?;
    let lock: PipfileLock<'_> = doc.parse()?;
    for (section, dev) in [(lock.default, false), (lock.develop, true)] {
        for (name, raw) in section.0 {
            let line = doc.line(raw);
            let entry: PipfileEntry = doc.value(raw)?;
            if let Some(git) = entry.git.or(entry.file) {
                out.skip(name, line, SkipReason::NonRegistry(git));
                continue;
            }
            if let Some(path) = entry.path {
                out.skip(name, line, SkipReason::Local(path));
                continue;
            }
            match entry.version.as_deref().map(str::trim) {
                Some(v) if v.starts_with("==") && !v.contains([',', '*']) => {
                    let version = v.trim_start_matches('=').trim();
                    out.dep(name, version, line, None, Some(dev));
                }
                Some(other) => out.skip(name, line, SkipReason::NotPinned(other.to_owned())),
                None => out.skip(name, line, SkipReason::NoVersion),
            }
        }
    }
    Ok(())
}

// --------------------------------------------------------------------------- uv

#[derive(Deserialize)]
struct UvLock {
    #[serde(default)]
    package: Vec<UvPackage>,
}

#[derive(Deserialize)]
struct UvPackage {
    name: toml::Spanned<String>,
    version: Option<String>,
    #[serde(default)]
    source: BTreeMap<String, toml::Value>,
    #[serde(default)]
    dependencies: Vec<UvRef>,
    #[serde(default, rename = "optional-dependencies")]
    optional: BTreeMap<String, Vec<UvRef>>,
    #[serde(default, rename = "dev-dependencies")]
    dev: BTreeMap<String, Vec<UvRef>>,
}

#[derive(Deserialize)]
struct UvRef {
    name: String,
}

/// Workspace members (`editable`/`virtual` source) declare the direct
/// dependencies; a direct one is dev when only a dev group names it.
pub(crate) fn uv_lock(text: &str, out: &mut Out) -> Result<(), ManifestError> {
    let lines = Lines::new(text);
    let lock: UvLock = toml_doc(text, &lines, out)?;
    let is_member = |p: &UvPackage| p.source.contains_key("editable") || p.source.contains_key("virtual");
    let mut runtime: HashSet<String> = HashSet::new();
    let mut dev_only: HashSet<String> = HashSet::new();
    let mut has_members = false;
    for member in lock.package.iter().filter(|p| is_member(p)) {
        has_members = true;
        let optional = member.optional.values().flatten();
        runtime.extend(
            member
                .dependencies
                .iter()
                .chain(optional)
                .map(|d| normalize(&d.name)),
        );
        dev_only.extend(member.dev.values().flatten().map(|d| normalize(&d.name)));
    }
    for package in &lock.package {
        let line = lines.line(package.name.span().start);
        let name = package.name.get_ref();
        if is_member(package) {
            continue; // the project itself
        }
        let source = |key: &str| {
            package
                .source
                .get(key)
                .map(|v| v.as_str().map_or_else(|| v.to_string(), str::to_owned))
        };
        if let Some(to) = source("path").or_else(|| source("directory")) {
            out.skip(name, line, SkipReason::Local(to));
            continue;
        }
        if let Some(to) = source("git").or_else(|| source("url")) {
            out.skip(name, line, SkipReason::NonRegistry(to));
            continue;
        }
        let Some(version) = &package.version else {
            out.skip(name, line, SkipReason::NoVersion);
            continue;
        };
        let key = normalize(name);
        let (direct, dev) = if !has_members {
            (None, None)
        } else if runtime.contains(&key) {
            (Some(true), Some(false))
        } else if dev_only.contains(&key) {
            (Some(true), Some(true))
        } else {
            (Some(false), None)
        };
        out.dep(name, version, line, direct, dev);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pep503() {
        assert_eq!(normalize("Foo.Bar__baz"), "foo-bar-baz");
    }

    #[test]
    fn comments_need_whitespace() {
        assert_eq!(comment_start("# x"), Some(0));
        assert_eq!(comment_start("a==1 # x"), Some(5));
        assert_eq!(comment_start("https://h/x#egg=a"), None);
    }
}
