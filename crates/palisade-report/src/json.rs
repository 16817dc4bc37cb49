//! The versioned JSON report: `--format json`.
//!
//! The document is [`ScanReport`] serialized as is. Its JSON Schema is
//! generated from the Rust types by [`schema`] and committed as
//! `docs/schema/scan-report.v1.json`; a test fails when the committed file is
//! stale (run it with `PALISADE_UPDATE_SCHEMAS=1` to rewrite it).

use std::io::{self, Write};

use serde_json::{Map, Value};

use crate::{SCHEMA_VERSION, ScanReport};

/// `$id` of the report schema: where the committed copy lives.
pub const SCHEMA_ID: &str = concat!(env!("CARGO_PKG_REPOSITORY"), "/docs/schema/scan-report.v1.json");

/// Path of the committed schema, relative to the workspace root.
pub const SCHEMA_PATH: &str = "docs/schema/scan-report.v1.json";

/// Writes `report` as pretty-printed JSON followed by a newline.
pub fn render(report: &ScanReport, out: &mut dyn Write) -> io::Result<()> {
    serde_json::to_writer_pretty(&mut *out, report)?;
    out.write_all(b"\n")
}

/// JSON Schema (draft 2020-12) of the report, generated from [`ScanReport`].
pub fn schema() -> Value {
    let mut schema = schemars::schema_for!(ScanReport).to_value();
    if let Some(obj) = schema.as_object_mut() {
        obj.insert("$id".into(), SCHEMA_ID.into());
        obj.insert(
            "title".into(),
            format!("palisade scan report, version {SCHEMA_VERSION}").into(),
        );
        obj.insert(
            "description".into(),
            "What `palisade scan --format json` prints: the scan's metadata and counters, every \
             finding with its locations (secrets redacted unless --show-secrets was given), and the \
             rules that produced them. `schema_version` changes only on incompatible changes; new \
             optional fields may appear without one."
                .into(),
        );
    }
    schema
}

/// The committed form of [`schema`]: keys sorted, pretty-printed, with a
/// trailing newline. Stable whatever `serde_json` features are enabled.
pub fn schema_document() -> String {
    let mut text = serde_json::to_string_pretty(&sorted(schema())).unwrap_or_default();
    text.push('\n');
    text
}

/// Rebuilds every object with its keys in sorted order, so the output does
/// not depend on whether `serde_json` preserves insertion order.
fn sorted(value: Value) -> Value {
    match value {
        Value::Object(map) => {
            let mut entries: Vec<(String, Value)> = map.into_iter().collect();
            entries.sort_by(|a, b| a.0.cmp(&b.0));
            Value::Object(
                entries
                    .into_iter()
                    .map(|(k, v)| (k, sorted(v)))
                    .collect::<Map<_, _>>(),
            )
        }
        Value::Array(items) => Value::Array(items.into_iter().map(sorted).collect()),
        other => other,
    }
}
