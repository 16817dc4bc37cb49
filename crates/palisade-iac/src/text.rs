//! Bytes to text, and byte offsets to lines.

use std::borrow::Cow;

use crate::FileError;

/// Files larger than this (16 MiB) are refused: no hand-written
/// infrastructure file comes close, and parsing a generated giant would stall
/// the scan of everything else.
pub const MAX_FILE_BYTES: usize = 16 * 1024 * 1024;

/// A 1-based line and byte column.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(crate) struct Pos {
    pub(crate) line: u32,
    pub(crate) col: u32,
}

impl Pos {
    pub(crate) const fn new(line: u32, col: u32) -> Self {
        Self { line, col }
    }
}

/// Decodes UTF-8 (a BOM is dropped) or UTF-16 with a BOM; anything else is
/// refused, with the offset of the first bad byte so the file can be fixed.
pub(crate) fn decode<'a>(framework: &'static str, bytes: &'a [u8]) -> Result<Cow<'a, str>, FileError> {
    if bytes.len() > MAX_FILE_BYTES {
        return Err(FileError::new(
            framework,
            format!(
                "file is {} bytes, over the {MAX_FILE_BYTES}-byte limit",
                bytes.len()
            ),
        ));
    }
    if let Some(rest) = bytes.strip_prefix(b"\xEF\xBB\xBF") {
        return utf8(framework, rest, 3);
    }
    if let Some(rest) = bytes.strip_prefix(b"\xFF\xFE") {
        return utf16(framework, rest, u16::from_le_bytes).map(Cow::Owned);
    }
    if let Some(rest) = bytes.strip_prefix(b"\xFE\xFF") {
        return utf16(framework, rest, u16::from_be_bytes).map(Cow::Owned);
    }
    utf8(framework, bytes, 0)
}

fn utf8<'a>(framework: &'static str, bytes: &'a [u8], skipped: usize) -> Result<Cow<'a, str>, FileError> {
    std::str::from_utf8(bytes).map(Cow::Borrowed).map_err(|e| {
        FileError::new(
            framework,
            format!(
                "not UTF-8 text (invalid byte at offset {}); save it as UTF-8 or as UTF-16 with a byte order mark",
                e.valid_up_to() + skipped
            ),
        )
    })
}

fn utf16(framework: &'static str, bytes: &[u8], unit: fn([u8; 2]) -> u16) -> Result<String, FileError> {
    if !bytes.len().is_multiple_of(2) {
        return Err(FileError::new(
            framework,
            "UTF-16 text with an odd number of bytes (truncated?)",
        ));
    }
    let units = bytes.chunks_exact(2).map(|c| unit([c[0], c[1]]));
    char::decode_utf16(units)
        .enumerate()
        .map(|(i, c)| {
            c.map_err(|_| {
                FileError::new(
                    framework,
                    format!("invalid UTF-16 (unpaired surrogate at offset {})", 2 + i * 2),
                )
            })
        })
        .collect()
}

/// Line starts of a text, for turning byte offsets into positions.
#[derive(Debug)]
pub(crate) struct Lines {
    starts: Vec<usize>,
}

impl Lines {
    pub(crate) fn new(text: &str) -> Self {
        let mut starts = Vec::with_capacity(text.len() / 32 + 1);
        starts.push(0);
        starts.extend(memchr::memchr_iter(b'\n', text.as_bytes()).map(|i| i + 1));
        Self { starts }
    }

    pub(crate) fn pos(&self, offset: usize) -> Pos {
        let index = self.starts.partition_point(|&s| s <= offset).saturating_sub(1);
        let col = offset - self.starts[index] + 1;
        Pos::new(saturate(index + 1), saturate(col))
    }
}

pub(crate) fn saturate(n: usize) -> u32 {
    u32::try_from(n).unwrap_or(u32::MAX)
}
