//! Shared serde helpers: maps kept in document order, JSON values located
//! by line.

use std::fmt;
use std::marker::PhantomData;

use serde::Deserialize;
use serde::de::{self, MapAccess, Visitor};
use serde_json::value::RawValue;

use crate::text::{Lines, check_json_depth};
use crate::{MAX_NESTING, ManifestError, ManifestKind};

/// A map's entries in document order (duplicates kept: the caller decides).
#[derive(Debug)]
pub(crate) struct Entries<K, V>(pub(crate) Vec<(K, V)>);

impl<K, V> Default for Entries<K, V> {
    fn default() -> Self {
        Self(Vec::new())
    }
}

impl<'de, K: Deserialize<'de>, V: Deserialize<'de>> Deserialize<'de> for Entries<K, V> {
    fn deserialize<D: de::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct EntriesVisitor<K, V>(PhantomData<(K, V)>);

        impl<'de, K: Deserialize<'de>, V: Deserialize<'de>> Visitor<'de> for EntriesVisitor<K, V> {
            type Value = Entries<K, V>;

            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a map")
            }

            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
                let mut entries = Vec::with_capacity(map.size_hint().unwrap_or(0).min(4096));
                while let Some(entry) = map.next_entry()? {
                    entries.push(entry);
                }
                Ok(Entries(entries))
            }
        }

        deserializer.deserialize_map(EntriesVisitor(PhantomData))
    }
}

/// A JSON document: its text, for locating borrowed values, and its lines.
pub(crate) struct JsonDoc<'a> {
    kind: ManifestKind,
    text: &'a str,
    lines: Lines,
}

impl<'a> JsonDoc<'a> {
    /// Refuses nesting over [`MAX_NESTING`] before anything is parsed.
    pub(crate) fn new(kind: ManifestKind, text: &'a str) -> Result<Self, ManifestError> {
        check_json_depth(kind, text, MAX_NESTING)?;
        Ok(Self {
            kind,
            text,
            lines: Lines::new(text),
        })
    }

    /// Parses the whole document.
    pub(crate) fn parse<T: Deserialize<'a>>(&self) -> Result<T, ManifestError> {
        serde_json::from_str(self.text).map_err(|e| self.error(&e, 1))
    }

    /// Offset of a value borrowed from this document's text.
    fn offset(&self, raw: &RawValue) -> usize {
        let start = self.text.as_ptr().addr();
        raw.get()
            .as_ptr()
            .addr()
            .checked_sub(start)
            .filter(|&o| o <= self.text.len())
            .unwrap_or(0)
    }

    /// 1-based line where a borrowed value starts (for `"key": {` entries,
    /// the key's line).
    pub(crate) fn line(&self, raw: &RawValue) -> u32 {
        self.lines.line(self.offset(raw))
    }

    /// Parses a borrowed value; errors carry the line in the whole document.
    pub(crate) fn value<T: Deserialize<'a>>(&self, raw: &'a RawValue) -> Result<T, ManifestError> {
        serde_json::from_str(raw.get()).map_err(|e| self.error(&e, self.line(raw)))
    }

    fn error(&self, e: &serde_json::Error, first_line: u32) -> ManifestError {
        let message = e.to_string();
        let suffix = format!(" at line {} column {}", e.line(), e.column());
        let message = message.strip_suffix(&suffix).unwrap_or(&message).to_owned();
        let line = (e.line() > 0)
            .then(|| first_line.saturating_add(u32::try_from(e.line() - 1).unwrap_or(u32::MAX)));
        ManifestError::syntax(self.kind, line, message)
    }
}

/// Keys of a JSON/TOML/YAML map, values ignored (`"dependencies": {...}`).
#[derive(Debug, Default)]
pub(crate) struct Keys(pub(crate) Vec<String>);

impl<'de> Deserialize<'de> for Keys {
    fn deserialize<D: de::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let entries: Entries<String, de::IgnoredAny> = Entries::deserialize(deserializer)?;
        Ok(Self(entries.0.into_iter().map(|(k, _)| k).collect()))
    }
}
