//! Each distinct blob is scanned once; later sightings only add provenance.

use std::collections::HashMap;
use std::collections::hash_map::Entry as MapEntry;
use std::hash::{BuildHasher, BuildHasherDefault, DefaultHasher};
use std::sync::{Arc, Mutex};

use palisade_domain::{BlobId, CommitInfo};
use palisade_secrets::{Match, RuleSet};

/// 64 shards: with 2-16 threads inserting, two threads contend on a shard
/// with probability ~threads/64 per insert, and the critical section is a
/// hash-map insert.
const SHARDS: usize = 64;

/// Where a blob was seen.
#[derive(Debug, Clone)]
pub(crate) struct Provenance {
    pub path: String,
    pub commit: Option<Arc<CommitInfo>>,
}

/// A match reduced to what outlives the blob's content.
#[derive(Debug)]
pub(crate) struct BlobMatch {
    pub rule: usize,
    pub secret: Vec<u8>,
    pub line: u32,
    pub column: u32,
    pub inline_ignored: bool,
}

#[derive(Debug)]
pub(crate) struct Entry {
    pub blob: BlobId,
    pub provenance: Vec<Provenance>,
    pub matches: Vec<BlobMatch>,
}

/// Blob key: content id plus the set of path-gated rules that apply, since
/// the same bytes at `.netrc` and at `notes.txt` are scanned by different rules.
type Key = (BlobId, u64);

#[derive(Debug)]
pub(crate) struct BlobMap {
    shards: Vec<Mutex<HashMap<Key, Entry>>>,
}

impl Default for BlobMap {
    fn default() -> Self {
        Self::new()
    }
}

impl BlobMap {
    pub fn new() -> Self {
        Self {
            shards: (0..SHARDS).map(|_| Mutex::new(HashMap::new())).collect(),
        }
    }

    fn shard(&self, key: &Key) -> &Mutex<HashMap<Key, Entry>> {
        let h = BuildHasherDefault::<DefaultHasher>::default().hash_one(key);
        &self.shards[(h as usize) % SHARDS]
    }

    /// Records a sighting. Returns true when the blob is new and the caller
    /// must scan it and call [`BlobMap::set_matches`].
    pub fn claim(&self, key: Key, provenance: Provenance) -> bool {
        let mut shard = self.shard(&key).lock().expect("blob map lock poisoned");
        match shard.entry(key) {
            MapEntry::Occupied(mut e) => {
                let entry = e.get_mut();
                if !entry.provenance.iter().any(|p| p.path == provenance.path) {
                    entry.provenance.push(provenance);
                }
                false
            }
            MapEntry::Vacant(v) => {
                v.insert(Entry {
                    blob: key.0,
                    provenance: vec![provenance],
                    matches: Vec::new(),
                });
                true
            }
        }
    }

    pub fn set_matches(&self, key: &Key, matches: Vec<BlobMatch>) {
        if matches.is_empty() {
            return;
        }
        if let Some(e) = self
            .shard(key)
            .lock()
            .expect("blob map lock poisoned")
            .get_mut(key)
        {
            e.matches = matches;
        }
    }

    /// Entries that have matches.
    pub fn into_matched(self) -> Vec<Entry> {
        self.shards
            .into_iter()
            .flat_map(|s| s.into_inner().expect("blob map lock poisoned").into_values())
            .filter(|e| !e.matches.is_empty())
            .collect()
    }
}

/// Scans one blob's content and keeps only what outlives it.
pub(crate) fn scan_content(
    rules: &RuleSet,
    path: &str,
    content: &[u8],
    scratch: &mut Vec<Match>,
) -> Vec<BlobMatch> {
    scratch.clear();
    rules.scan(path, content, scratch);
    scratch
        .iter()
        .map(|m| BlobMatch {
            rule: m.rule,
            secret: content[m.secret_start..m.secret_end].to_vec(),
            line: m.line,
            column: m.column,
            inline_ignored: m.inline_ignored,
        })
        .collect()
}
