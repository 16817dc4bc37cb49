//! `yarn.lock`, classic (v1) and berry (v2+), read line by line.
//!
//! Both formats are a list of entries: a header line at column 0 naming the
//! descriptors that resolved to one package (`"a@^1.0.0", "a@^1.1.0":` in
//! v1, `"a@npm:^1.0.0, a@npm:^1.1.0":` in berry), then fields indented by two
//! spaces (`version "1.1.2"` in v1, `version: 1.1.2` and
//! `resolution: "a@npm:1.1.2"` in berry). Berry files are YAML, but yarn
//! writes only this subset; reading lines keeps exact line numbers and needs
//! no YAML parser.

use std::borrow::Cow;

use crate::npm::{non_registry, split_name_at};
use crate::text::{line_no, unquote};
use crate::{ManifestError, Out, SkipReason};

struct Entry<'t> {
    line: u32,
    header: &'t str,
    version: Option<Cow<'t, str>>,
    resolved: Option<Cow<'t, str>>,
    resolution: Option<Cow<'t, str>>,
}

pub(crate) fn yarn_lock(text: &str, out: &mut Out) -> Result<(), ManifestError> {
    let mut entry: Option<Entry<'_>> = None;
    for (i, raw) in text.lines().enumerate() {
        let line = raw.trim_end();
        let content = line.trim_start_matches(' ');
        if content.is_empty() || content.starts_with('#') {
            continue;
        }
        let indent = line.len() - content.len();
        if indent == 0 {
            if let Some(done) = entry.take() {
                finish(done, out)?;
            }
            let Some(header) = line.strip_suffix(':') else {
                return Err(out.syntax(Some(line_no(i)), "expected an entry header ending with `:`"));
            };
            entry = Some(Entry {
                line: line_no(i),
                header,
                version: None,
                resolved: None,
                resolution: None,
            });
            continue;
        }
        let Some(current) = entry.as_mut() else {
            return Err(out.syntax(Some(line_no(i)), "indented line before the first entry"));
        };
        if indent != 2 {
            continue; // dependency lists and other nested fields
        }
        let (key, value) = content.split_once(' ').unwrap_or((content, ""));
        let key = key.trim_end_matches(':');
        let value = unquote(value);
        match key {
            "version" => current.version = Some(value),
            "resolved" => current.resolved = Some(value),
            "resolution" => current.resolution = Some(value),
            _ => {}
        }
    }
    if let Some(done) = entry {
        finish(done, out)?;
    }
    Ok(())
}

fn finish(entry: Entry<'_>, out: &mut Out) -> Result<(), ManifestError> {
    if entry.header == "__metadata" {
        return Ok(());
    }
    let first = entry
        .header
        .split(',')
        .map(|d| d.trim().trim_matches('"'))
        .next()
        .unwrap_or_default();
    let Some((name, range)) = split_name_at(first) else {
        return Err(out.syntax(
            Some(entry.line),
            format!("entry header without a package name: {first:?}"),
        ));
    };
    if let Some(resolution) = entry.resolution.as_deref() {
        berry(name, resolution, entry.line, out);
        return Ok(());
    }
    // Classic: the descriptor's range says where the package comes from.
    let (name, range) = match range.strip_prefix("npm:").and_then(split_name_at) {
        Some(aliased) => aliased,
        None => (name, range),
    };
    if range.starts_with("file:") || range.starts_with("link:") {
        out.skip(name, entry.line, SkipReason::Local(range.to_owned()));
        return Ok(());
    }
    if range.contains("://")
        || range.starts_with("git")
        || range.starts_with("github:")
        || range.contains('/')
    {
        out.skip(name, entry.line, SkipReason::NonRegistry(range.to_owned()));
        return Ok(());
    }
    let Some(version) = entry.version else {
        out.skip(name, entry.line, SkipReason::NoVersion);
        return Ok(());
    };
    if let Some(reason) = non_registry(&version, entry.resolved.as_deref()) {
        out.skip(name, entry.line, reason);
        return Ok(());
    }
    out.dep(name, version, entry.line, None, None);
    Ok(())
}

/// Berry: `resolution: "<name>@<protocol>:<reference>"`.
fn berry(descriptor_name: &str, resolution: &str, line: u32, out: &mut Out) {
    let Some((name, reference)) = split_name_at(resolution) else {
        out.skip(
            descriptor_name,
            line,
            SkipReason::NonRegistry(resolution.to_owned()),
        );
        return;
    };
    if let Some(version) = reference.strip_prefix("npm:") {
        if let Some(reason) = non_registry(version, None) {
            out.skip(name, line, reason);
        } else {
            out.dep(name, version, line, None, None);
        }
        return;
    }
    if let Some(patched) = reference.strip_prefix("patch:") {
        // "resolve@patch:resolve@npm%3A1.22.1#~builtin<compat/resolve>::...":
        // a registry release with a patch applied; its version is still the one.
        let inner = percent_decode(patched.split('#').next().unwrap_or_default());
        if let Some((inner_name, inner_ref)) = split_name_at(&inner)
            && let Some(version) = inner_ref.strip_prefix("npm:")
            && non_registry(version, None).is_none()
        {
            out.dep(inner_name, version, line, None, None);
            return;
        }
        out.skip(name, line, SkipReason::NonRegistry(reference.to_owned()));
        return;
    }
    if reference == "workspace:." {
        return; // the project itself
    }
    let local = ["workspace:", "file:", "link:", "portal:"];
    let reason = if local.iter().any(|p| reference.starts_with(p)) {
        SkipReason::Local(reference.to_owned())
    } else {
        SkipReason::NonRegistry(reference.to_owned())
    };
    out.skip(name, line, reason);
}

fn percent_decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%'
            && let Some(hex) = s.get(i + 1..i + 3)
            && let Ok(b) = u8::from_str_radix(hex, 16)
        {
            out.push(b);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

#[cfg(test)]
mod tests {
    use super::percent_decode;

    #[test]
    fn percent_decoding() {
        assert_eq!(percent_decode("resolve@npm%3A1.22.1"), "resolve@npm:1.22.1");
        assert_eq!(percent_decode("%4"), "%4");
        assert_eq!(percent_decode("%zz%"), "%zz%");
        assert_eq!(percent_decode("%E2%82"), "\u{FFFD}");
    }
}
