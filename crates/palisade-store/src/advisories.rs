//! Advisories as the store keeps them: OSV records imported by
//! `palisade advisories import`, indexed by the packages they name, so a
//! dependency scan reads only the records of the packages it found.

use async_trait::async_trait;
use palisade_domain::Timestamp;
use serde::Serialize;

use crate::Result;

/// One OSV record to import.
#[derive(Clone, Debug)]
pub struct AdvisoryRow {
    /// OSV id.
    pub id: String,
    /// The record's `modified`: an import replaces a stored record only with a newer one.
    pub modified: Timestamp,
    /// `(OSV ecosystem, normalized package name)` of every affected package.
    pub packages: Vec<(String, String)>,
    /// The OSV JSON as read.
    pub record: String,
}

/// What one import call changed.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
pub struct ImportCounts {
    pub added: u64,
    pub updated: u64,
    /// Records the store already had with the same or a newer `modified`.
    pub unchanged: u64,
    /// Withdrawn records removed.
    pub removed: u64,
}

impl std::ops::AddAssign for ImportCounts {
    fn add_assign(&mut self, other: Self) {
        self.added += other.added;
        self.updated += other.updated;
        self.unchanged += other.unchanged;
        self.removed += other.removed;
    }
}

/// What the store holds.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct AdvisoryStats {
    pub advisories: u64,
    /// The newest `modified` among them: how fresh the data is.
    pub newest: Option<Timestamp>,
    /// Advisories per ecosystem, by name.
    pub by_ecosystem: Vec<(String, u64)>,
}

#[async_trait]
pub trait AdvisoryStore: Send + Sync {
    /// Adds or replaces `rows` (a row replaces a stored record only when its
    /// `modified` is newer) and drops the `withdrawn` ids, in one transaction.
    async fn import_advisories(&self, rows: &[AdvisoryRow], withdrawn: &[String]) -> Result<ImportCounts>;

    /// The records (OSV JSON) naming any of `packages` (`(ecosystem, normalized name)`), each once.
    async fn advisories_for(&self, packages: &[(String, String)]) -> Result<Vec<String>>;

    async fn advisory_stats(&self) -> Result<AdvisoryStats>;
}
