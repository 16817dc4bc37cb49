//! YAML streams (one or many `---` documents) into positioned trees.
//!
//! Budgets scale with the input, so an alias bomb (billion laughs) fails
//! once its expansion outgrows the text instead of eating memory, and deep
//! nesting fails at the parser's depth limit.

use std::fmt;

use serde::Deserialize;
use serde::de::{self, MapAccess, SeqAccess, Visitor};
use serde_saphyr::Spanned;

use crate::FileError;
use crate::text::{Pos, saturate};
use crate::tree::{Entry, Node, Value};

pub(crate) fn parse_stream(framework: &'static str, text: &str) -> Result<Vec<Node>, FileError> {
    // Expanding aliases replays events; allowing a few times the input keeps
    // real anchors (shared labels, env lists) working and stops bombs early.
    let bound = text.len().saturating_mul(4).saturating_add(4096);
    let options = serde_saphyr::options! {
        budget: serde_saphyr::budget! {
            max_aliases: 1000,
            max_anchors: 1000,
            max_events: bound,
            max_nodes: bound,
            max_depth: 128,
            max_documents: bound,
        },
    };
    let docs: Vec<Spanned<Raw>> =
        serde_saphyr::from_multiple_with_options(text, options).map_err(|e| yaml_error(framework, &e))?;
    Ok(docs.into_iter().map(node).collect())
}

fn yaml_error(framework: &'static str, e: &serde_saphyr::Error) -> FileError {
    let message = e.without_snippet().to_string();
    let message = message.lines().next().unwrap_or_default();
    let message = message.strip_prefix("error: ").unwrap_or(message).to_owned();
    let message = match e.location() {
        Some(at) if !message.contains("line ") => format!("line {}: {message}", at.line()),
        _ => message,
    };
    let message = if message.contains("budget") {
        format!("YAML refused (aliases, size or nesting over the limit): {message}")
    } else {
        message
    };
    FileError::new(framework, message)
}

fn node(spanned: Spanned<Raw>) -> Node {
    Node {
        pos: Pos::new(
            saturate(usize::try_from(spanned.referenced.line()).unwrap_or(usize::MAX)),
            saturate(usize::try_from(spanned.referenced.column()).unwrap_or(usize::MAX)),
        ),
        value: spanned.value.0,
    }
}

/// A YAML node without its position (the `Spanned` around it has it).
struct Raw(Value);

impl<'de> Deserialize<'de> for Raw {
    fn deserialize<D: de::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(RawVisitor)
    }
}

struct RawVisitor;

impl<'de> Visitor<'de> for RawVisitor {
    type Value = Raw;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("any YAML value")
    }

    fn visit_bool<E: de::Error>(self, v: bool) -> Result<Raw, E> {
        Ok(Raw(Value::Bool(v)))
    }

    fn visit_i64<E: de::Error>(self, v: i64) -> Result<Raw, E> {
        Ok(Raw(Value::Num(v as f64)))
    }

    fn visit_u64<E: de::Error>(self, v: u64) -> Result<Raw, E> {
        Ok(Raw(Value::Num(v as f64)))
    }

    fn visit_i128<E: de::Error>(self, v: i128) -> Result<Raw, E> {
        Ok(Raw(Value::Num(v as f64)))
    }

    fn visit_u128<E: de::Error>(self, v: u128) -> Result<Raw, E> {
        Ok(Raw(Value::Num(v as f64)))
    }

    fn visit_f64<E: de::Error>(self, v: f64) -> Result<Raw, E> {
        Ok(Raw(Value::Num(v)))
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<Raw, E> {
        Ok(Raw(Value::Str(v.to_owned())))
    }

    fn visit_string<E: de::Error>(self, v: String) -> Result<Raw, E> {
        Ok(Raw(Value::Str(v)))
    }

    fn visit_bytes<E: de::Error>(self, v: &[u8]) -> Result<Raw, E> {
        Ok(Raw(Value::Str(String::from_utf8_lossy(v).into_owned())))
    }

    fn visit_unit<E: de::Error>(self) -> Result<Raw, E> {
        Ok(Raw(Value::Null))
    }

    fn visit_none<E: de::Error>(self) -> Result<Raw, E> {
        Ok(Raw(Value::Null))
    }

    fn visit_some<D: de::Deserializer<'de>>(self, deserializer: D) -> Result<Raw, D::Error> {
        Raw::deserialize(deserializer)
    }

    fn visit_newtype_struct<D: de::Deserializer<'de>>(self, deserializer: D) -> Result<Raw, D::Error> {
        Raw::deserialize(deserializer)
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Raw, A::Error> {
        let mut items = Vec::with_capacity(seq.size_hint().unwrap_or(0).min(1024));
        while let Some(item) = seq.next_element::<Spanned<Raw>>()? {
            items.push(node(item));
        }
        Ok(Raw(Value::Seq(items)))
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Raw, A::Error> {
        let mut entries = Vec::with_capacity(map.size_hint().unwrap_or(0).min(1024));
        while let Some(key) = map.next_key::<Spanned<Raw>>()? {
            let value = node(map.next_value::<Spanned<Raw>>()?);
            let key = node(key);
            let name = match key.value {
                Value::Str(s) => s,
                Value::Bool(b) => b.to_string(),
                Value::Num(n) => n.to_string(),
                Value::Null => "null".to_owned(),
                // Complex keys never name a field a rule reads.
                Value::Seq(_) | Value::Map(_) => continue,
            };
            entries.push(Entry {
                key: name,
                key_pos: key.pos,
                value,
            });
        }
        Ok(Raw(Value::Map(entries)))
    }
}
