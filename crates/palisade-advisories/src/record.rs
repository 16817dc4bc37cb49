//! OSV records: the parts dependency scanning needs, read tolerantly.

use chrono::{DateTime, NaiveDateTime};
use palisade_domain::Timestamp;
use serde::Deserialize;

use crate::Ecosystem;
use crate::error::{RecordError, RecordErrorKind};
use crate::severity::{self, AdvisorySeverity};

/// `details` longer than this many bytes are cut (at a character boundary)
/// and end with `…`: the full text stays at the source.
pub const DETAILS_MAX_BYTES: usize = 1024;
/// Same for `summary`, which OSV asks to be one line.
const SUMMARY_MAX_BYTES: usize = 512;

/// One parsed OSV record.
#[derive(Clone, Debug)]
pub enum OsvRecord {
    /// An advisory in force.
    Advisory(Advisory),
    /// A withdrawn advisory: not an advisory any more, but an importer that
    /// stored it before should drop it.
    Withdrawn(Withdrawn),
}

impl OsvRecord {
    /// The record's id.
    pub fn id(&self) -> &str {
        match self {
            Self::Advisory(a) => &a.id,
            Self::Withdrawn(w) => &w.id,
        }
    }

    /// When the record last changed (for incremental imports).
    pub fn modified(&self) -> Timestamp {
        match self {
            Self::Advisory(a) => a.modified,
            Self::Withdrawn(w) => w.modified,
        }
    }
}

/// A withdrawn record (its `withdrawn` field is set).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Withdrawn {
    /// The record's id.
    pub id: String,
    /// When the record last changed.
    pub modified: Timestamp,
    /// When it was withdrawn.
    pub withdrawn: Timestamp,
}

/// An advisory: what is affected, how badly, and what fixes it.
#[derive(Clone, Debug)]
pub struct Advisory {
    /// The OSV id (`GHSA-…`, `PYSEC-…`, `GO-…`, `RUSTSEC-…`, …).
    pub id: String,
    /// Other ids of the same vulnerability (`CVE-…`, `GHSA-…`).
    pub aliases: Vec<String>,
    /// One-line summary.
    pub summary: Option<String>,
    /// The details, cut to [`DETAILS_MAX_BYTES`].
    pub details: Option<String>,
    /// When the record last changed: an importer skips records whose
    /// `modified` it already has.
    pub modified: Timestamp,
    /// When the record was first published.
    pub published: Option<Timestamp>,
    /// The severity (see [`AdvisorySeverity`]), `None` when the record gives
    /// none that palisade can read.
    pub severity: Option<AdvisorySeverity>,
    /// The affected packages (entries without a package, such as git-only
    /// ones, are left out).
    pub affected: Vec<Affected>,
}

/// One affected package and the versions of it that are affected.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Affected {
    /// The package.
    pub package: Package,
    /// `SEMVER` and `ECOSYSTEM` ranges (`GIT` and unknown range types are
    /// left out).
    pub ranges: Vec<Range>,
    /// Versions listed as affected one by one.
    pub versions: Vec<String>,
}

/// A package as OSV names it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Package {
    /// The ecosystem.
    pub ecosystem: Ecosystem,
    /// The name as given (Maven: `group:artifact`).
    pub name: String,
    /// The package URL, if given.
    pub purl: Option<String>,
}

/// An OSV range: events evaluated in the ecosystem's version order.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Range {
    /// The range type.
    pub kind: RangeKind,
    /// The events, as given (the index sorts them).
    pub events: Vec<Event>,
}

/// The range types palisade evaluates.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RangeKind {
    /// `SEMVER`: versions are `SemVer` 2.0 (without a leading `v`).
    SemVer,
    /// `ECOSYSTEM`: versions follow the package ecosystem's order.
    Ecosystem,
}

/// A range event.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Event {
    /// Versions from this one on are affected (`"0"`: from the first).
    Introduced(String),
    /// Versions from this one on are not affected.
    Fixed(String),
    /// Versions after this one are not affected.
    LastAffected(String),
    /// Versions from this one on are outside the range.
    Limit(String),
}

impl Event {
    /// The event's version string.
    pub fn version(&self) -> &str {
        match self {
            Self::Introduced(v) | Self::Fixed(v) | Self::LastAffected(v) | Self::Limit(v) => v,
        }
    }
}

#[derive(Deserialize)]
#[serde(expecting = "an OSV record (a JSON object)")]
struct RawRecord {
    id: Option<String>,
    modified: Option<String>,
    published: Option<String>,
    withdrawn: Option<String>,
    aliases: Option<Vec<String>>,
    summary: Option<String>,
    details: Option<String>,
    severity: Option<Vec<RawSeverity>>,
    affected: Option<Vec<RawAffected>>,
    database_specific: Option<serde_json::Value>,
}

#[derive(Deserialize)]
struct RawSeverity {
    #[serde(rename = "type")]
    kind: Option<String>,
    score: Option<String>,
}

#[derive(Deserialize)]
struct RawAffected {
    package: Option<RawPackage>,
    ranges: Option<Vec<RawRange>>,
    versions: Option<Vec<String>>,
    severity: Option<Vec<RawSeverity>>,
}

#[derive(Deserialize)]
struct RawPackage {
    ecosystem: Option<String>,
    name: Option<String>,
    purl: Option<String>,
}

#[derive(Deserialize)]
struct RawRange {
    #[serde(rename = "type")]
    kind: Option<String>,
    events: Option<Vec<RawEvent>>,
}

#[derive(Deserialize)]
struct RawEvent {
    introduced: Option<String>,
    fixed: Option<String>,
    last_affected: Option<String>,
    limit: Option<String>,
}

#[derive(Deserialize)]
struct IdOnly {
    id: Option<String>,
}

/// Parses one OSV record (JSON bytes).
///
/// Fields palisade does not use, and fields added by newer schema versions,
/// are ignored, as are `GIT` ranges, range types, event kinds and severity
/// types it does not know. Severity vectors that do not parse are skipped.
/// Required are an `id`, a `modified` time (RFC 3339), a package name and
/// ecosystem on each entry that has a package, a `type` on each range and one
/// non-empty version per event; values of the wrong JSON type make the
/// record invalid.
pub fn parse_record(bytes: &[u8]) -> Result<OsvRecord, RecordError> {
    let raw: RawRecord = serde_json::from_slice(bytes)
        .map_err(|e| RecordError::new(peek_id(bytes), RecordErrorKind::Json(e.to_string())))?;
    let Some(id) = raw.id.map(|s| s.trim().to_owned()).filter(|s| !s.is_empty()) else {
        return Err(RecordError::new(None, RecordErrorKind::Missing("id")));
    };
    let fail = |kind| Err(RecordError::new(Some(id.clone()), kind));

    let Some(modified) = raw.modified.as_deref() else {
        return fail(RecordErrorKind::Missing("modified"));
    };
    let modified = match timestamp(modified, "modified") {
        Ok(t) => t,
        Err(kind) => return fail(kind),
    };
    if let Some(withdrawn) = raw.withdrawn.as_deref() {
        return match timestamp(withdrawn, "withdrawn") {
            Ok(withdrawn) => Ok(OsvRecord::Withdrawn(Withdrawn {
                id,
                modified,
                withdrawn,
            })),
            Err(kind) => fail(kind),
        };
    }
    let published = match raw
        .published
        .as_deref()
        .map(|p| timestamp(p, "published"))
        .transpose()
    {
        Ok(p) => p,
        Err(kind) => return fail(kind),
    };

    let raw_affected = raw.affected.unwrap_or_default();
    let mut affected = Vec::with_capacity(raw_affected.len());
    for (i, a) in raw_affected.iter().enumerate() {
        match convert_affected(i, a) {
            Ok(Some(a)) => affected.push(a),
            Ok(None) => {}
            Err(kind) => return fail(kind),
        }
    }

    let top = raw.severity.iter().flatten();
    let per_package = raw_affected.iter().filter_map(|a| a.severity.as_ref()).flatten();
    let entries = top
        .chain(per_package)
        .filter_map(|s| Some((s.kind.as_deref()?, s.score.as_deref()?)));
    let label = raw
        .database_specific
        .as_ref()
        .and_then(|d| d.get("severity"))
        .and_then(|s| s.as_str());
    let severity = severity::pick(entries, label);

    Ok(OsvRecord::Advisory(Advisory {
        aliases: raw
            .aliases
            .unwrap_or_default()
            .into_iter()
            .map(|a| a.trim().to_owned())
            .filter(|a| !a.is_empty())
            .collect(),
        summary: raw
            .summary
            .map(|s| cut(s.trim(), SUMMARY_MAX_BYTES))
            .filter(|s| !s.is_empty()),
        details: raw
            .details
            .map(|s| cut(s.trim(), DETAILS_MAX_BYTES))
            .filter(|s| !s.is_empty()),
        id,
        modified,
        published,
        severity,
        affected,
    }))
}

/// The `id` of a record that did not parse, if its JSON is readable that far.
fn peek_id(bytes: &[u8]) -> Option<String> {
    let id = serde_json::from_slice::<IdOnly>(bytes).ok()?.id?;
    let id = id.trim();
    (!id.is_empty()).then(|| id.to_owned())
}

fn convert_affected(i: usize, a: &RawAffected) -> Result<Option<Affected>, RecordErrorKind> {
    let Some(package) = &a.package else {
        return Ok(None);
    };
    let field = || format!("affected[{i}].package");
    let ecosystem = package.ecosystem.as_deref().map(str::trim).unwrap_or_default();
    let name = package.name.as_deref().map(str::trim).unwrap_or_default();
    if ecosystem.is_empty() {
        return Err(RecordErrorKind::Invalid {
            field: field(),
            reason: "missing ecosystem".into(),
        });
    }
    if name.is_empty() {
        return Err(RecordErrorKind::Invalid {
            field: field(),
            reason: "missing name".into(),
        });
    }
    let mut ranges = Vec::new();
    for (j, r) in a.ranges.iter().flatten().enumerate() {
        let field = || format!("affected[{i}].ranges[{j}]");
        let kind = match r.kind.as_deref().map(str::trim) {
            None | Some("") => {
                return Err(RecordErrorKind::Invalid {
                    field: field(),
                    reason: "missing type".into(),
                });
            }
            Some("SEMVER") => RangeKind::SemVer,
            Some("ECOSYSTEM") => RangeKind::Ecosystem,
            // GIT ranges name commits, not package versions; unknown types
            // are from a newer schema.
            Some(_) => continue,
        };
        let mut events = Vec::new();
        for (k, e) in r.events.iter().flatten().enumerate() {
            let known = [
                e.introduced.clone().map(Event::Introduced),
                e.fixed.clone().map(Event::Fixed),
                e.last_affected.clone().map(Event::LastAffected),
                e.limit.clone().map(Event::Limit),
            ];
            let mut known = known.into_iter().flatten();
            let (Some(event), None) = (known.next(), known.next()) else {
                if e.introduced.is_none()
                    && e.fixed.is_none()
                    && e.last_affected.is_none()
                    && e.limit.is_none()
                {
                    continue; // an event kind from a newer schema
                }
                return Err(RecordErrorKind::Invalid {
                    field: format!("{}.events[{k}]", field()),
                    reason: "an event has exactly one of introduced, fixed, last_affected, limit".into(),
                });
            };
            if event.version().trim().is_empty() {
                return Err(RecordErrorKind::Invalid {
                    field: format!("{}.events[{k}]", field()),
                    reason: "empty version".into(),
                });
            }
            events.push(event);
        }
        ranges.push(Range { kind, events });
    }
    let versions = a
        .versions
        .iter()
        .flatten()
        .map(|v| v.trim())
        .filter(|v| !v.is_empty())
        .map(str::to_owned)
        .collect();
    Ok(Some(Affected {
        package: Package {
            ecosystem: Ecosystem::from_osv(ecosystem),
            name: name.to_owned(),
            purl: package.purl.clone().filter(|p| !p.trim().is_empty()),
        },
        ranges,
        versions,
    }))
}

/// RFC 3339; also accepts a missing offset (read as UTC), which some
/// databases emit.
fn timestamp(s: &str, field: &'static str) -> Result<Timestamp, RecordErrorKind> {
    let s = s.trim();
    if let Ok(t) = DateTime::parse_from_rfc3339(s) {
        return Ok(Timestamp::from_millis(t.timestamp_millis()));
    }
    NaiveDateTime::parse_from_str(s, "%Y-%m-%dT%H:%M:%S%.f")
        .map(|t| Timestamp::from_millis(t.and_utc().timestamp_millis()))
        .map_err(|_| RecordErrorKind::Invalid {
            field: field.into(),
            reason: format!("not an RFC 3339 time: {s:?}"),
        })
}

/// `s` cut to at most `max` bytes at a character boundary, marked with `…`.
fn cut(s: &str, max: usize) -> String {
    if s.len() <= max {
        return s.to_owned();
    }
    let mut end = max.saturating_sub('…'.len_utf8());
    while !s.is_char_boundary(end) {
        end -= 1;
    }
    let mut out = s[..end].trim_end().to_owned();
    out.push('…');
    out
}

/// The advisories in force among stored `records` (OSV JSON, as an importer
/// kept them): withdrawn ones are dropped, unreadable ones returned apart.
pub fn parse_records<'a>(records: impl IntoIterator<Item = &'a str>) -> (Vec<Advisory>, Vec<RecordError>) {
    let mut advisories = Vec::new();
    let mut errors = Vec::new();
    for record in records {
        match parse_record(record.as_bytes()) {
            Ok(OsvRecord::Advisory(a)) => advisories.push(a),
            Ok(OsvRecord::Withdrawn(_)) => {}
            Err(e) => errors.push(e),
        }
    }
    (advisories, errors)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cut_respects_char_boundaries() {
        let s = "é".repeat(1000);
        let c = cut(&s, DETAILS_MAX_BYTES);
        assert!(c.len() <= DETAILS_MAX_BYTES);
        assert!(c.ends_with('…'));
        assert_eq!(cut("short", 10), "short");
    }

    #[test]
    fn timestamps_without_offset_are_utc() {
        let a = timestamp("2021-01-02T03:04:05Z", "modified").expect("rfc3339");
        let b = timestamp("2021-01-02T03:04:05", "modified").expect("naive");
        assert_eq!(a, b);
        assert!(timestamp("yesterday", "modified").is_err());
    }
}
