//! OSV advisories for dependency scanning (SCA): the data half of "is this
//! package version vulnerable?".
//!
//! Pure and synchronous; the only IO is reading an export from disk.
//!
//! - [`parse_record`] reads one [OSV](https://ossf.github.io/osv-schema/) JSON
//!   record into an [`Advisory`] (or reports it [`Withdrawn`]). Unknown fields
//!   are ignored, so records of newer schema versions still load; a malformed
//!   record is a [`RecordError`] that names the record, never a panic.
//! - [`load_export`] / [`read_export`] read a folder of `*.json` files or the
//!   per-ecosystem `all.zip` published by osv.dev, with [`Limits`] against zip
//!   bombs. One bad file is an error in the [`LoadReport`]; the rest load.
//!   Each advisory carries its `modified` time so an importer can skip the
//!   ones it already has.
//! - [`Ecosystem`] and [`Version`]: version ordering per ecosystem (`SemVer`
//!   for npm, crates.io and Go; PEP 440 for `PyPI`; Maven's order; `NuGet`'s),
//!   and package-name normalization for matching. Ecosystems without a known
//!   order fall back to a generic order and their matches are low-confidence.
//! - [`AdvisoryIndex`] answers [`AdvisoryIndex::is_affected`] by evaluating
//!   OSV ranges (`introduced`, `fixed`, `last_affected`, `limit`) and explicit
//!   `versions` lists, and reports the fixed versions that apply.
//!
//! ```
//! use palisade_advisories::{AdvisoryIndex, Ecosystem, OsvRecord, parse_record};
//!
//! let json = br#"{
//!   "id": "GHSA-35jh-r3h4-6jhm", "modified": "2024-01-01T00:00:00Z",
//!   "aliases": ["CVE-2021-23337"], "summary": "Command injection in lodash",
//!   "severity": [{"type": "CVSS_V3", "score": "CVSS:3.1/AV:N/AC:L/PR:H/UI:N/S:U/C:H/I:H/A:H"}],
//!   "affected": [{"package": {"ecosystem": "npm", "name": "lodash"},
//!     "ranges": [{"type": "SEMVER", "events": [{"introduced": "0"}, {"fixed": "4.17.21"}]}]}]
//! }"#;
//! let OsvRecord::Advisory(advisory) = parse_record(json)? else { unreachable!() };
//! let index = AdvisoryIndex::new([advisory]);
//! let hits = index.is_affected(&Ecosystem::Npm, "lodash", "4.17.20");
//! assert_eq!(hits[0].id(), "GHSA-35jh-r3h4-6jhm");
//! assert_eq!(hits[0].fixed, ["4.17.21"]);
//! assert_eq!(hits[0].severity().map(|s| s.score), Some(Some(7.2)));
//! assert!(index.is_affected(&Ecosystem::Npm, "lodash", "4.17.21").is_empty());
//! # Ok::<(), palisade_advisories::RecordError>(())
//! ```

mod ecosystem;
mod error;
mod index;
mod load;
mod record;
mod severity;
mod version;

pub use ecosystem::Ecosystem;
pub use error::{LoadError, RecordError, RecordErrorKind};
pub use index::{AdvisoryIndex, AdvisoryMatch, MatchKind};
pub use load::{Limits, LoadReport, load_export, read_export, read_export_with_bytes, read_zip};
pub use record::{
    Advisory, Affected, DETAILS_MAX_BYTES, Event, OsvRecord, Package, Range, RangeKind, Withdrawn,
    parse_record, parse_records,
};
pub use severity::{
    AdvisorySeverity, SeveritySource, cvss_v3_base_score, cvss_v4_score, severity_from_score,
};
pub(crate) use version::Scheme;
pub use version::{Version, VersionError};
