//! A small element tree over quick-xml, for project files and poms.
//!
//! Names are local (namespace prefixes dropped). Only the five predefined
//! entities and character references are decoded; any other entity
//! reference is an error, so a DOCTYPE's entity declarations are never
//! expanded (quick-xml does not read DTDs at all). Nesting is capped at
//! [`MAX_NESTING`], which also bounds the recursion that drops the tree.

use quick_xml::XmlVersion;
use quick_xml::events::{BytesStart, Event};
use quick_xml::reader::Reader;

use crate::text::Lines;
use crate::{MAX_NESTING, ManifestError, ManifestKind};

#[derive(Debug, Default)]
pub(crate) struct Element {
    pub(crate) name: String,
    pub(crate) attrs: Vec<(String, String)>,
    pub(crate) children: Vec<Element>,
    /// Text directly inside, entities decoded, not trimmed.
    pub(crate) text: String,
    /// 1-based line of the start tag's `<`.
    pub(crate) line: u32,
}

impl Element {
    /// An attribute by local name, ignoring ASCII case (`MSBuild` does).
    pub(crate) fn attr(&self, name: &str) -> Option<&str> {
        self.attrs
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    /// Direct children with this local name (exact case).
    pub(crate) fn children_named<'s>(&'s self, name: &'s str) -> impl Iterator<Item = &'s Element> {
        self.children.iter().filter(move |c| c.name == name)
    }

    pub(crate) fn child(&self, name: &str) -> Option<&Element> {
        self.children.iter().find(|c| c.name == name)
    }

    /// Trimmed text of a direct child.
    pub(crate) fn child_text(&self, name: &str) -> Option<&str> {
        self.child(name).map(|c| c.text.trim())
    }

    /// This element and all below it, depth first in document order.
    pub(crate) fn descendants(&self) -> Vec<&Element> {
        let mut out = Vec::new();
        let mut stack = vec![self];
        while let Some(e) = stack.pop() {
            out.push(e);
            stack.extend(e.children.iter().rev());
        }
        out
    }
}

/// Parses a document into its root element.
pub(crate) fn parse(kind: ManifestKind, text: &str) -> Result<Element, ManifestError> {
    let lines = Lines::new(text);
    let mut reader = Reader::from_str(text);
    let config = reader.config_mut();
    config.check_end_names = true;
    config.expand_empty_elements = false;
    let offset = |pos: u64| usize::try_from(pos).unwrap_or(usize::MAX);
    let mut stack: Vec<Element> = Vec::new();
    let mut root: Option<Element> = None;
    loop {
        let before = reader.buffer_position();
        let event = reader.read_event().map_err(|e| {
            let line = lines.line(offset(reader.error_position()));
            ManifestError::syntax(kind, Some(line), format!("invalid XML: {e}"))
        })?;
        let line = lines.line(offset(before));
        let error = |message: String| ManifestError::syntax(kind, Some(line), message);
        match event {
            Event::Start(start) => {
                if stack.len() >= MAX_NESTING {
                    return Err(ManifestError::limit(
                        kind,
                        Some(line),
                        format!("XML nested deeper than {MAX_NESTING} levels"),
                    ));
                }
                stack.push(element(&start, line, kind)?);
            }
            Event::Empty(start) => {
                let e = element(&start, line, kind)?;
                attach(&mut stack, &mut root, e, &error)?;
            }
            Event::End(_) => {
                let Some(e) = stack.pop() else {
                    return Err(error("end tag without a start tag".to_owned()));
                };
                attach(&mut stack, &mut root, e, &error)?;
            }
            Event::Text(t) => {
                if let Some(top) = stack.last_mut() {
                    top.text.push_str(&t.xml10_content());
                }
            }
            Event::CData(t) => {
                if let Some(top) = stack.last_mut() {
                    top.text.push_str(&t.xml10_content());
                }
            }
            Event::GeneralRef(r) => {
                let ch = r
                    .resolve_char_ref()
                    .map_err(|e| error(format!("invalid character reference: {e}")))?;
                let decoded = match (ch, &*r) {
                    (Some(c), _) => c,
                    (None, "amp") => '&',
                    (None, "lt") => '<',
                    (None, "gt") => '>',
                    (None, "quot") => '"',
                    (None, "apos") => '\'',
                    (None, other) => {
                        return Err(ManifestError::limit(
                            kind,
                            Some(line),
                            format!("entity reference &{other}; refused (DTD entities are never expanded)"),
                        ));
                    }
                };
                if let Some(top) = stack.last_mut() {
                    top.text.push(decoded);
                }
            }
            Event::Eof => break,
            Event::Comment(_) | Event::Decl(_) | Event::PI(_) | Event::DocType(_) => {}
        }
    }
    if let Some(open) = stack.last() {
        return Err(ManifestError::syntax(
            kind,
            Some(open.line),
            format!("unexpected end of file: <{}> is not closed", open.name),
        ));
    }
    root.ok_or_else(|| ManifestError::syntax(kind, None, "no root element"))
}

fn element(start: &BytesStart<'_>, line: u32, kind: ManifestKind) -> Result<Element, ManifestError> {
    let name = start.local_name().as_ref().to_owned();
    let mut attrs = Vec::new();
    for attr in start.attributes() {
        let attr = attr.map_err(|e| {
            ManifestError::syntax(kind, Some(line), format!("invalid attribute in <{name}>: {e}"))
        })?;
        let key = attr.key.local_name().as_ref().to_owned();
        let value = attr.normalized_value(XmlVersion::Implicit1_0).map_err(|e| {
            ManifestError::limit(
                kind,
                Some(line),
                format!("attribute {key} of <{name}>: {e} (only predefined entities are decoded)"),
            )
        })?;
        attrs.push((key, value.into_owned()));
    }
    Ok(Element {
        name,
        attrs,
        children: Vec::new(),
        text: String::new(),
        line,
    })
}

fn attach(
    stack: &mut [Element],
    root: &mut Option<Element>,
    e: Element,
    error: &dyn Fn(String) -> ManifestError,
) -> Result<(), ManifestError> {
    if let Some(parent) = stack.last_mut() {
        parent.children.push(e);
    } else if root.is_none() {
        *root = Some(e);
    } else {
        return Err(error("more than one root element".to_owned()));
    }
    Ok(())
}
