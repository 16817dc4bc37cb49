//! Which framework a file belongs to: by path first, then by a cheap sniff of
//! its head. Called on every file of large trees, so it allocates at most
//! once (the head of a UTF-16 file) and reads at most [`HEAD_BYTES`].

use std::borrow::Cow;

use crate::{AZURE_PIPELINES, GITHUB_ACTIONS};

/// How much of a file the content sniff reads.
const HEAD_BYTES: usize = 8 * 1024;

/// Folders whose YAML files are Azure Pipelines definitions or templates by
/// convention.
const AZURE_FOLDERS: [&str; 4] = [".azure-pipelines", ".azuredevops", ".pipelines", "pipelines"];

/// Top-level keys that give a pipeline its structure.
const AZURE_STRUCTURE: [&str; 4] = ["steps:", "jobs:", "stages:", "extends:"];

/// Top-level keys only Azure Pipelines uses (next to a structure key).
const AZURE_TOP_MARKERS: [&str; 3] = ["trigger:", "pr:", "pool:"];

/// Step spellings only Azure Pipelines uses.
const AZURE_STEP_MARKERS: [&str; 2] = ["- task:", "- script:"];

/// Top-level keys any Azure Pipelines template may start with.
const AZURE_WEAK_MARKERS: [&str; 12] = [
    "steps:",
    "jobs:",
    "stages:",
    "extends:",
    "trigger:",
    "pr:",
    "pool:",
    "variables:",
    "parameters:",
    "resources:",
    "schedules:",
    "name:",
];

/// The file name without its `.yml` / `.yaml` suffix; `None` for other files.
pub(crate) fn yaml_stem(path: &str) -> Option<&str> {
    let name = path.rsplit(['/', '\\']).next()?;
    strip_suffix_ci(name, ".yml").or_else(|| strip_suffix_ci(name, ".yaml"))
}

pub(crate) fn framework_of(path: &str, bytes: &[u8]) -> Option<&'static str> {
    let stem = yaml_stem(path)?;
    let mut parts = path.rsplit(['/', '\\']);
    parts.next();
    let parent = parts.next();
    let grandparent = parts.clone().next();

    if parent.is_some_and(|p| p.eq_ignore_ascii_case("workflows"))
        && grandparent.is_some_and(|g| g.eq_ignore_ascii_case(".github"))
    {
        return Some(GITHUB_ACTIONS);
    }
    if starts_with_ci(stem, "azure-pipelines") || strip_suffix_ci(stem, ".azure-pipelines").is_some() {
        return Some(AZURE_PIPELINES);
    }
    if stem.eq_ignore_ascii_case(".gitlab-ci") || stem.eq_ignore_ascii_case("docker-compose") {
        return None;
    }

    let head = head_text(bytes);
    if stem.eq_ignore_ascii_case("action") {
        return is_composite_action(&head).then_some(GITHUB_ACTIONS);
    }
    if is_kubernetes(&head) {
        return None;
    }
    let in_azure_folder = std::iter::once(parent)
        .flatten()
        .chain(parts)
        .any(|dir| AZURE_FOLDERS.iter().any(|f| dir.eq_ignore_ascii_case(f)));
    if in_azure_folder && top_level_any(&head, &AZURE_WEAK_MARKERS) {
        return Some(AZURE_PIPELINES);
    }
    let has_structure = top_level_any(&head, &AZURE_STRUCTURE);
    let has_marker =
        top_level_any(&head, &AZURE_TOP_MARKERS) || AZURE_STEP_MARKERS.iter().any(|m| head.contains(m));
    (has_structure && has_marker).then_some(AZURE_PIPELINES)
}

/// The first [`HEAD_BYTES`] as text: UTF-16 with a BOM is decoded, invalid
/// UTF-8 is replaced (a sniff, not a parse).
fn head_text(bytes: &[u8]) -> Cow<'_, str> {
    let head = &bytes[..bytes.len().min(HEAD_BYTES)];
    let utf16 = |rest: &[u8], unit: fn([u8; 2]) -> u16| {
        let units = rest.chunks_exact(2).map(|c| unit([c[0], c[1]]));
        Cow::Owned(
            char::decode_utf16(units)
                .map(|c| c.unwrap_or('\u{FFFD}'))
                .collect(),
        )
    };
    if let Some(rest) = head.strip_prefix(b"\xFF\xFE") {
        return utf16(rest, u16::from_le_bytes);
    }
    if let Some(rest) = head.strip_prefix(b"\xFE\xFF") {
        return utf16(rest, u16::from_be_bytes);
    }
    let head = head.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(head);
    String::from_utf8_lossy(head)
}

/// A line of `head` that starts, in column 1, with one of `keys`.
fn top_level_any(head: &str, keys: &[&str]) -> bool {
    head.lines().any(|line| keys.iter().any(|k| line.starts_with(k)))
}

fn is_kubernetes(head: &str) -> bool {
    top_level_any(head, &["apiVersion:"]) && top_level_any(head, &["kind:"])
}

/// `action.yml` of a composite action: `runs:` with `steps:` under it.
fn is_composite_action(head: &str) -> bool {
    top_level_any(head, &["runs:"]) && head.contains("steps:")
}

fn strip_suffix_ci<'a>(s: &'a str, suffix: &str) -> Option<&'a str> {
    let cut = s.len().checked_sub(suffix.len())?;
    (s.is_char_boundary(cut) && s[cut..].eq_ignore_ascii_case(suffix)).then(|| &s[..cut])
}

fn starts_with_ci(s: &str, prefix: &str) -> bool {
    s.len() >= prefix.len()
        && s.is_char_boundary(prefix.len())
        && s[..prefix.len()].eq_ignore_ascii_case(prefix)
}
