//! Bytes to a YAML tree whose every node knows its line and column.
//!
//! Pipelines are parsed once into [`Node`]s (scalars keep their text, mappings
//! keep their order and the position of each key), then every rule of the
//! framework walks the same tree.
//!
//! The tree is built from `granit-parser`'s event stream with an explicit
//! stack, not by recursive deserialization: a deeply nested file cannot
//! exhaust the thread's stack (a serde-based build overflowed a 2 MiB test
//! thread at about 60 levels in debug builds). Budgets keep hostile input
//! bounded: nesting deeper than [`MAX_DEPTH`] is refused, and alias uses are
//! counted and their expansion capped, so an alias bomb fails early instead of
//! growing.

use std::borrow::Cow;
use std::collections::HashMap;

use granit_parser::{Event, Parser, ScalarStyle, ScanError, Span};

/// Files larger than this (16 MiB) are refused with a [`crate::FileError`].
pub const MAX_FILE_BYTES: usize = 16 * 1024 * 1024;

/// Mappings and sequences nested deeper than this are refused. Real pipelines
/// stay well below it (stages, jobs, steps, inputs and a few `${{ if }}`
/// levels make about 15).
pub const MAX_DEPTH: usize = 64;

/// At most this many alias (`*name`) uses are accepted. Azure Pipelines
/// refuses anchors altogether; GitHub Actions accepts them, and real workflows
/// use a handful.
const MAX_ALIASES: usize = 256;

/// A YAML node and where it starts.
#[derive(Debug, Clone)]
pub(crate) struct Node {
    pub(crate) value: Value,
    /// 1-based.
    pub(crate) line: u32,
    /// 1-based, in bytes.
    pub(crate) column: u32,
    /// Byte range of the node in the source text, when known (scalars).
    pub(crate) span: Option<(usize, usize)>,
}

/// The shape of a [`Node`].
#[derive(Debug, Clone)]
pub(crate) enum Value {
    Null,
    /// Any scalar, as text: `true`, `1.10` and `"x"` all keep their spelling
    /// (numbers and booleans are read back from the source).
    Scalar(String),
    Seq(Vec<Node>),
    /// Entries in document order; the key is a node so its position is known.
    Map(Vec<(Node, Node)>),
}

impl Node {
    pub(crate) fn as_str(&self) -> Option<&str> {
        match &self.value {
            Value::Scalar(s) => Some(s),
            _ => None,
        }
    }

    pub(crate) fn as_seq(&self) -> Option<&[Node]> {
        match &self.value {
            Value::Seq(items) => Some(items),
            _ => None,
        }
    }

    pub(crate) fn as_map(&self) -> Option<&[(Node, Node)]> {
        match &self.value {
            Value::Map(entries) => Some(entries),
            _ => None,
        }
    }

    /// The first entry whose key is `key` (exact), looking through template
    /// conditionals (`${{ if ... }}:` keys whose value is a mapping).
    pub(crate) fn get(&self, key: &str) -> Option<&Node> {
        self.entry(key).map(|(_, v)| v)
    }

    /// Like [`Node::get`], with the key node (for its position).
    pub(crate) fn entry(&self, key: &str) -> Option<(&Node, &Node)> {
        let mut found = None;
        crate::walk::for_each_entry(self, &mut |k, v| {
            if found.is_none() && k.as_str() == Some(key) {
                found = Some((k, v));
            }
        });
        found
    }

    /// Like [`Node::entry`], ignoring ASCII case of the key.
    pub(crate) fn entry_ignore_case(&self, key: &str) -> Option<(&Node, &Node)> {
        let mut found = None;
        crate::walk::for_each_entry(self, &mut |k, v| {
            if found.is_none() && k.as_str().is_some_and(|s| s.eq_ignore_ascii_case(key)) {
                found = Some((k, v));
            }
        });
        found
    }

    /// The text of the scalar at `key`.
    pub(crate) fn str_at(&self, key: &str) -> Option<&str> {
        self.get(key).and_then(Node::as_str)
    }

    /// A YAML boolean (`true`, `True`, `TRUE`; Azure Pipelines also reads
    /// `yes`/`on` leniently, so do we).
    pub(crate) fn is_true(&self) -> bool {
        self.as_str().is_some_and(|s| {
            matches!(
                s.trim().to_ascii_lowercase().as_str(),
                "true" | "yes" | "on" | "y"
            )
        })
    }

    /// Position of a `needle` inside this scalar, as it appears in the source
    /// (block scalars keep their text verbatim), else the node's own position.
    pub(crate) fn position_of(&self, source: &str, needle: &str) -> (u32, u32) {
        let Some((start, end)) = self.span else {
            return (self.line, self.column);
        };
        let Some(raw) = source.get(start..end) else {
            return (self.line, self.column);
        };
        let Some(at) = raw.find(needle) else {
            return (self.line, self.column);
        };
        let before = &raw[..at];
        let breaks = line_breaks(before);
        let Some(&last_break) = breaks.last() else {
            return (self.line, self.column.saturating_add(at as u32));
        };
        let line = self.line.saturating_add(breaks.len() as u32);
        let column = (at - last_break + 1) as u32;
        (line, column)
    }
}

/// Why a file could not be read as YAML.
#[derive(Debug)]
pub(crate) struct YamlError {
    pub(crate) line: Option<u32>,
    pub(crate) message: String,
}

impl YamlError {
    fn new(line: Option<u32>, message: impl Into<String>) -> Self {
        Self {
            line,
            message: message.into(),
        }
    }
}

/// Decodes and parses a file. `Ok(None)` for a document with no content
/// (empty, only comments).
pub(crate) fn parse(bytes: &[u8]) -> Result<(Option<Node>, Cow<'_, str>), YamlError> {
    if bytes.len() > MAX_FILE_BYTES {
        return Err(YamlError::new(
            None,
            format!(
                "file is {} bytes, over the {} MiB limit",
                bytes.len(),
                MAX_FILE_BYTES / (1024 * 1024)
            ),
        ));
    }
    let text = decode(bytes).map_err(|m| YamlError::new(None, m))?;
    if text.contains('\0') {
        return Err(YamlError::new(None, "binary content (NUL byte)"));
    }
    let node = parse_text(&text)?;
    Ok((node, text))
}

fn parse_text(text: &str) -> Result<Option<Node>, YamlError> {
    if !has_content(text) {
        return Ok(None);
    }
    let lines = LineIndex::new(text);
    let mut builder = Builder {
        text,
        lines: &lines,
        stack: Vec::new(),
        anchors: HashMap::new(),
        root: None,
        aliases: 0,
        // Alias expansion may add at most about as many nodes as the text
        // could hold on its own.
        expansion_budget: text.len().saturating_add(1024),
    };
    let mut documents = 0usize;
    for event in Parser::new_from_str(text) {
        let (event, span) = event.map_err(|e| scan_error(&lines, &e))?;
        match event {
            Event::DocumentStart(..) => {
                documents += 1;
                if documents > 1 {
                    return Err(YamlError::new(
                        Some(builder.position(&span).0),
                        "more than one YAML document in the file",
                    ));
                }
            }
            Event::Scalar(value, style, anchor, _) => {
                let (line, column) = builder.position(&span);
                let range = byte_range(text, &span);
                let value = if style == ScalarStyle::Plain && is_null(&value) {
                    Value::Null
                } else {
                    Value::Scalar(value.into_owned())
                };
                builder.finish_node(
                    Node {
                        value,
                        line,
                        column,
                        span: range,
                    },
                    anchor,
                );
            }
            Event::SequenceStart(_, anchor, _) => builder.open(&span, anchor, false)?,
            Event::MappingStart(_, anchor, _) => builder.open(&span, anchor, true)?,
            Event::SequenceEnd | Event::MappingEnd => builder.close(),
            Event::Alias(id) => builder.alias(id, &span)?,
            Event::UnresolvedAlias(_) => {
                return Err(YamlError::new(
                    Some(builder.position(&span).0),
                    "alias to an unknown anchor",
                ));
            }
            _ => {}
        }
    }
    Ok(builder.root)
}

/// A collection being read.
struct Open {
    node: Node,
    anchor: usize,
    /// A mapping's key waiting for its value.
    key: Option<Node>,
}

struct Builder<'a> {
    text: &'a str,
    lines: &'a LineIndex,
    stack: Vec<Open>,
    /// Anchored nodes by id, with their size in nodes.
    anchors: HashMap<usize, (Node, usize)>,
    root: Option<Node>,
    aliases: usize,
    expansion_budget: usize,
}

impl Builder<'_> {
    fn position(&self, span: &Span) -> (u32, u32) {
        match span.start.byte_offset() {
            Some(offset) if offset <= self.text.len() => self.lines.position(offset),
            _ => (
                u32::try_from(span.start.line()).unwrap_or(u32::MAX).max(1),
                u32::try_from(span.start.col() + 1).unwrap_or(u32::MAX),
            ),
        }
    }

    fn open(&mut self, span: &Span, anchor: usize, mapping: bool) -> Result<(), YamlError> {
        let (line, column) = self.position(span);
        if self.stack.len() >= MAX_DEPTH {
            return Err(YamlError::new(
                Some(line),
                format!("YAML refused: nested deeper than {MAX_DEPTH} levels"),
            ));
        }
        let value = if mapping {
            Value::Map(Vec::new())
        } else {
            Value::Seq(Vec::new())
        };
        self.stack.push(Open {
            node: Node {
                value,
                line,
                column,
                span: None,
            },
            anchor,
            key: None,
        });
        Ok(())
    }

    fn close(&mut self) {
        if let Some(open) = self.stack.pop() {
            self.finish_node(open.node, open.anchor);
        }
    }

    fn alias(&mut self, id: usize, span: &Span) -> Result<(), YamlError> {
        let line = self.position(span).0;
        self.aliases += 1;
        if self.aliases > MAX_ALIASES {
            return Err(YamlError::new(
                Some(line),
                format!("YAML refused: more than {MAX_ALIASES} aliases"),
            ));
        }
        let Some((node, size)) = self.anchors.get(&id) else {
            return Err(YamlError::new(Some(line), "alias to an unknown anchor"));
        };
        if *size > self.expansion_budget {
            return Err(YamlError::new(
                Some(line),
                "YAML refused: aliases expand to more nodes than the file holds",
            ));
        }
        self.expansion_budget -= size;
        if self.stack.len() + depth_of(node) > MAX_DEPTH {
            return Err(YamlError::new(
                Some(line),
                format!("YAML refused: nested deeper than {MAX_DEPTH} levels"),
            ));
        }
        let node = node.clone();
        self.push(node);
        Ok(())
    }

    /// A complete node: remembered if anchored, then placed in its parent.
    fn finish_node(&mut self, node: Node, anchor: usize) {
        if anchor != 0 {
            let size = size_of(&node);
            self.anchors.insert(anchor, (node.clone(), size));
        }
        self.push(node);
    }

    fn push(&mut self, node: Node) {
        let Some(top) = self.stack.last_mut() else {
            if self.root.is_none() {
                self.root = Some(node);
            }
            return;
        };
        match &mut top.node.value {
            Value::Seq(items) => items.push(node),
            Value::Map(entries) => match top.key.take() {
                Some(key) => entries.push((key, node)),
                None => top.key = Some(node),
            },
            Value::Null | Value::Scalar(_) => {}
        }
    }
}

/// Nodes in a tree (depth is bounded by [`MAX_DEPTH`]).
fn size_of(node: &Node) -> usize {
    1 + match &node.value {
        Value::Seq(items) => items.iter().map(size_of).sum(),
        Value::Map(entries) => entries.iter().map(|(k, v)| size_of(k) + size_of(v)).sum(),
        Value::Null | Value::Scalar(_) => 0,
    }
}

/// Collection levels in a tree.
fn depth_of(node: &Node) -> usize {
    match &node.value {
        Value::Seq(items) => 1 + items.iter().map(depth_of).max().unwrap_or(0),
        Value::Map(entries) => {
            1 + entries
                .iter()
                .map(|(k, v)| depth_of(k).max(depth_of(v)))
                .max()
                .unwrap_or(0)
        }
        Value::Null | Value::Scalar(_) => 0,
    }
}

/// Plain scalars YAML reads as null.
fn is_null(value: &str) -> bool {
    matches!(value, "" | "~" | "null" | "Null" | "NULL")
}

/// The byte range of a scalar in the source.
fn byte_range(text: &str, span: &Span) -> Option<(usize, usize)> {
    let start = span.start.byte_offset()?;
    let end = span.end.byte_offset()?;
    (start <= end && end <= text.len()).then_some((start, end))
}

fn scan_error(lines: &LineIndex, e: &ScanError) -> YamlError {
    let marker = e.marker();
    let line = match marker.byte_offset() {
        Some(offset) => Some(lines.position(offset).0),
        None => u32::try_from(marker.line()).ok().filter(|&l| l > 0),
    };
    YamlError::new(line, e.kind().to_string())
}

/// Whether a text holds anything other than whitespace, comments and
/// document markers.
fn has_content(text: &str) -> bool {
    text.lines().any(|l| {
        let t = l.trim();
        !(t.is_empty() || t.starts_with('#') || t == "---" || t == "...")
    })
}

/// UTF-8 (a BOM is dropped), or UTF-16 with a BOM.
pub(crate) fn decode(bytes: &[u8]) -> Result<Cow<'_, str>, String> {
    if let Some(rest) = bytes.strip_prefix(b"\xEF\xBB\xBF") {
        return utf8(rest);
    }
    if let Some(rest) = bytes.strip_prefix(b"\xFF\xFE") {
        return utf16(rest, u16::from_le_bytes);
    }
    if let Some(rest) = bytes.strip_prefix(b"\xFE\xFF") {
        return utf16(rest, u16::from_be_bytes);
    }
    utf8(bytes)
}

fn utf8(bytes: &[u8]) -> Result<Cow<'_, str>, String> {
    std::str::from_utf8(bytes).map(Cow::Borrowed).map_err(|e| {
        format!(
            "not UTF-8 (invalid byte at offset {}) nor UTF-16 with a byte order mark",
            e.valid_up_to()
        )
    })
}

pub(crate) fn utf16(bytes: &[u8], unit: fn([u8; 2]) -> u16) -> Result<Cow<'static, str>, String> {
    let chunks = bytes.chunks_exact(2);
    if !chunks.remainder().is_empty() {
        return Err("UTF-16 text with an odd number of bytes".to_owned());
    }
    let units = chunks.map(|c| unit([c[0], c[1]]));
    let mut out = String::with_capacity(bytes.len() / 2);
    for (i, ch) in char::decode_utf16(units).enumerate() {
        match ch {
            Ok(ch) => out.push(ch),
            Err(_) => {
                return Err(format!("invalid UTF-16 (unpaired surrogate at offset {})", i * 2));
            }
        }
    }
    Ok(Cow::Owned(out))
}

/// Offsets where a new line starts: after `\n`, and after a `\r` not
/// followed by `\n` (YAML breaks lines at both, as editors do).
fn line_breaks(text: &str) -> Vec<usize> {
    let bytes = text.as_bytes();
    memchr::memchr2_iter(b'\n', b'\r', bytes)
        .filter(|&i| bytes[i] == b'\n' || bytes.get(i + 1) != Some(&b'\n'))
        .map(|i| i + 1)
        .collect()
}

/// Byte offset to 1-based line and column.
struct LineIndex {
    starts: Vec<usize>,
}

impl LineIndex {
    fn new(text: &str) -> Self {
        let starts = std::iter::once(0).chain(line_breaks(text)).collect();
        Self { starts }
    }

    fn position(&self, offset: usize) -> (u32, u32) {
        let line = self.starts.partition_point(|&s| s <= offset).max(1);
        let column = offset - self.starts[line - 1] + 1;
        (
            u32::try_from(line).unwrap_or(u32::MAX),
            u32::try_from(column).unwrap_or(u32::MAX),
        )
    }
}
