//! Bytes to text, and byte offsets to lines.

use std::borrow::Cow;

use crate::{ManifestError, ManifestKind};

/// UTF-8 (a BOM is dropped), or UTF-16 with a BOM. XML that starts with
/// `<?` in UTF-16 is also read without a BOM, as the XML spec allows.
pub(crate) fn decode(kind: ManifestKind, bytes: &[u8]) -> Result<Cow<'_, str>, ManifestError> {
    let encoding_error = |message: String| ManifestError::Encoding { kind, message };
    if let Some(rest) = bytes.strip_prefix(b"\xEF\xBB\xBF") {
        return utf8(rest).map_err(encoding_error);
    }
    if let Some(rest) = bytes.strip_prefix(b"\xFF\xFE") {
        return utf16(rest, u16::from_le_bytes).map_err(encoding_error);
    }
    if let Some(rest) = bytes.strip_prefix(b"\xFE\xFF") {
        return utf16(rest, u16::from_be_bytes).map_err(encoding_error);
    }
    if bytes.starts_with(b"<\0?\0") {
        return utf16(bytes, u16::from_le_bytes).map_err(encoding_error);
    }
    if bytes.starts_with(b"\0<\0?") {
        return utf16(bytes, u16::from_be_bytes).map_err(encoding_error);
    }
    utf8(bytes).map_err(encoding_error)
}

fn utf8(bytes: &[u8]) -> Result<Cow<'_, str>, String> {
    std::str::from_utf8(bytes).map(Cow::Borrowed).map_err(|e| {
        format!(
            "not UTF-8 (invalid byte at offset {}) nor UTF-16 with a byte order mark",
            e.valid_up_to()
        )
    })
}

fn utf16(bytes: &[u8], unit: fn([u8; 2]) -> u16) -> Result<Cow<'static, str>, String> {
    let chunks = bytes.chunks_exact(2);
    if !chunks.remainder().is_empty() {
        return Err("UTF-16 text with an odd number of bytes".to_owned());
    }
    let units = chunks.map(|c| unit([c[0], c[1]]));
    let mut out = String::with_capacity(bytes.len() / 2);
    for (i, ch) in char::decode_utf16(units).enumerate() {
        match ch {
            Ok(ch) => out.push(ch),
            Err(_) => return Err(format!("invalid UTF-16 (unpaired surrogate at offset {})", i * 2)),
        }
    }
    Ok(Cow::Owned(out))
}

/// Byte offset to 1-based line, in `O(log lines)`.
pub(crate) struct Lines {
    starts: Vec<usize>,
}

impl Lines {
    pub(crate) fn new(text: &str) -> Self {
        let starts = std::iter::once(0)
            .chain(
                text.bytes()
                    .enumerate()
                    .filter(|&(_, b)| b == b'\n')
                    .map(|(i, _)| i + 1),
            )
            .collect();
        Self { starts }
    }

    pub(crate) fn line(&self, offset: usize) -> u32 {
        let line = self.starts.partition_point(|&s| s <= offset);
        u32::try_from(line.max(1)).unwrap_or(u32::MAX)
    }
}

/// A line number from a 0-based index, saturating (a 64 MiB file has far
/// fewer than `u32::MAX` lines).
pub(crate) fn line_no(index: usize) -> u32 {
    u32::try_from(index + 1).unwrap_or(u32::MAX)
}

/// Refuses JSON nested deeper than `max`, in one pass that skips strings.
/// Bracket mismatches are left to the parser.
pub(crate) fn check_json_depth(kind: ManifestKind, text: &str, max: usize) -> Result<(), ManifestError> {
    let bytes = text.as_bytes();
    let mut depth = 0usize;
    let mut in_string = false;
    let mut escaped = false;
    for (i, &b) in bytes.iter().enumerate() {
        if in_string {
            if escaped {
                escaped = false;
            } else if b == b'\\' {
                escaped = true;
            } else if b == b'"' {
                in_string = false;
            }
            continue;
        }
        match b {
            b'"' => in_string = true,
            b'[' | b'{' => {
                depth += 1;
                if depth > max {
                    let line = Lines::new(text).line(i);
                    return Err(ManifestError::limit(
                        kind,
                        Some(line),
                        format!("JSON nested deeper than {max} levels"),
                    ));
                }
            }
            b']' | b'}' => depth = depth.saturating_sub(1),
            _ => {}
        }
    }
    Ok(())
}

/// Removes one pair of surrounding double quotes, decoding JSON-style
/// escapes (as yarn writes them); other text is returned as is.
pub(crate) fn unquote(s: &str) -> Cow<'_, str> {
    let s = s.trim();
    if s.len() >= 2 && s.starts_with('"') && s.ends_with('"') {
        if !s.contains('\\') {
            return Cow::Borrowed(&s[1..s.len() - 1]);
        }
        if let Ok(decoded) = serde_json::from_str::<String>(s) {
            return Cow::Owned(decoded);
        }
        return Cow::Borrowed(&s[1..s.len() - 1]);
    }
    Cow::Borrowed(s)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_are_one_based() {
        let lines = Lines::new("a\nbc\n\nd");
        assert_eq!(
            [0, 1, 2, 3, 4, 5, 6].map(|o| lines.line(o)),
            [1, 1, 2, 2, 2, 3, 4]
        );
    }

    #[test]
    fn json_depth_ignores_brackets_in_strings() {
        let ok = format!("{{\"a\": \"{}\\\"{}\"}}", "[".repeat(600), "{".repeat(600));
        assert!(check_json_depth(ManifestKind::NpmLock, &ok, 4).is_ok());
        let deep = "[".repeat(5);
        assert!(check_json_depth(ManifestKind::NpmLock, &deep, 4).is_err());
    }

    #[test]
    fn unquote_decodes_escapes() {
        assert_eq!(unquote(r#""a\"b""#), "a\"b");
        assert_eq!(unquote("plain"), "plain");
        assert_eq!(unquote("\""), "\"");
    }
}
