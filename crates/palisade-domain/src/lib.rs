//! Pure domain types shared by every palisade crate.
//!
//! Nothing here does IO. Identifiers are newtypes that can only be built from
//! valid input ([`RuleId::parse`], [`BlobId::from_hex`]), so a value that exists
//! is a value that is valid.
//!
//! - [`BlobId`]: git-style content address of a file's bytes; each distinct
//!   content is scanned once.
//! - [`FindingId`]: keyed fingerprint of `(rule id, normalized secret)`, stable
//!   across rescans so triage survives them.
//! - [`Severity`], [`Confidence`], [`TriageState`]: closed vocabularies.
//! - [`Finding`] and [`Location`]: what a scan reports, secret already redacted.

mod blob;
mod finding;
mod fingerprint;
mod rule_id;
mod scan;
mod severity;
mod time;
mod triage;

pub use blob::{BlobId, BlobIdError};
pub use finding::{CommitInfo, Finding, Location};
pub use fingerprint::{FindingId, FindingIdError, FingerprintKey, SecretHash, redact_preview};
pub use rule_id::{RuleId, RuleIdError};
pub use scan::{ScanError, ScanStatus, ScanSummary, TargetKind};
pub use severity::{Confidence, Severity, UnknownLevel};
pub use time::Timestamp;
pub use triage::{TriageState, UnknownTriageState};
