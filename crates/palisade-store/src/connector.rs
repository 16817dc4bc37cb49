//! Connectors, discovery runs and the inventory, as the store keeps them.
//!
//! The credential of a connector is stored only as the bytes the vault sealed
//! (bound to the connector id): nothing here serializes or shows them.

use std::collections::BTreeMap;
use std::fmt;
use std::fmt::Write as _;

use palisade_domain::{ConnectorConfig, Resource, ResourceKey, ResourceKind, Scope, Timestamp};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::{Result, StoreError};

macro_rules! uuid_id {
    ($(#[$doc:meta])* $t:ident, $what:literal) => {
        $(#[$doc])*
        #[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, utoipa::ToSchema)]
        #[schema(value_type = String)]
        #[serde(transparent)]
        pub struct $t(String);

        impl $t {
            /// A new UUIDv7 (time-ordered).
            pub fn generate() -> Self {
                Self(uuid::Uuid::now_v7().to_string())
            }

            /// Parses a UUID in any of its usual forms (stored lowercase, hyphenated).
            pub fn parse(s: &str) -> Option<Self> {
                uuid::Uuid::parse_str(s.trim()).ok().map(|u| Self(u.to_string()))
            }

            /// Rebuilds an id read back from storage.
            pub fn from_stored(s: String) -> Self {
                Self(s)
            }

            pub fn as_str(&self) -> &str {
                &self.0
            }
        }

        impl fmt::Display for $t {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0)
            }
        }

        impl fmt::Debug for $t {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                write!(f, concat!(stringify!($t), "({})"), self.0)
            }
        }

        impl std::str::FromStr for $t {
            type Err = StoreError;
            fn from_str(s: &str) -> Result<Self> {
                Self::parse(s).ok_or_else(|| StoreError::NotFound(format!(concat!($what, " {:?} (not a valid id)"), s)))
            }
        }
    };
}

uuid_id!(
    /// Id of a connector: a UUIDv7, known before the connector is saved so
    /// its credential can be sealed bound to it.
    ConnectorId,
    "connector"
);
uuid_id!(
    /// Id of a discovery run: a UUIDv7.
    DiscoveryRunId,
    "discovery run"
);

/// A fresh connector id (UUIDv7).
pub fn new_connector_id() -> ConnectorId {
    ConnectorId::generate()
}

/// A connector as stored: its configuration and when things happened.
/// The credential itself is never part of it.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct ConnectorRecord {
    pub id: ConnectorId,
    pub config: ConnectorConfig,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
    /// When a credential was last stored; `None` when there is none.
    pub credential_updated_at: Option<Timestamp>,
    /// The newest discovery run of the connector (running or ended).
    pub last_discovery: Option<DiscoveryRunSummary>,
}

/// How a discovery run ended (`running` while it runs).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum DiscoveryStatus {
    Running,
    /// Every listing completed.
    Finished,
    /// Nothing useful was collected (e.g. the credential was refused).
    Failed,
    /// Some listings failed; the others were recorded.
    Partial,
}

impl DiscoveryStatus {
    pub const ALL: [Self; 4] = [Self::Running, Self::Finished, Self::Failed, Self::Partial];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Running => "running",
            Self::Finished => "finished",
            Self::Failed => "failed",
            Self::Partial => "partial",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.as_str() == s)
    }
}

impl fmt::Display for DiscoveryStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A discovery run to record listings into.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct DiscoveryRun {
    pub id: DiscoveryRunId,
    pub connector: ConnectorId,
    pub started_at: Timestamp,
    /// The run was left `running` by an earlier process and is taken up
    /// again: skip the listings [`Store::listing_done`](crate::Store::listing_done) reports.
    pub resumed: bool,
}

/// How a discovery run ended, as given to
/// [`Store::finish_discovery`](crate::Store::finish_discovery).
#[derive(Clone, Debug, PartialEq)]
pub struct DiscoveryOutcome {
    /// `finished`, `failed` or `partial` (never `running`).
    pub status: DiscoveryStatus,
    /// Resources seen, per kind (or any other counter worth showing).
    pub counts: BTreeMap<String, u64>,
    /// What went wrong, one line each.
    pub errors: Vec<String>,
    /// HTTP requests made.
    pub requests: u64,
    /// Requests answered 429 or delayed by rate limiting.
    pub throttled: u64,
    /// Rate limit details (JSON object, free form).
    pub rate_json: serde_json::Value,
}

/// A discovery run as stored.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct DiscoveryRunSummary {
    pub id: DiscoveryRunId,
    pub connector: ConnectorId,
    pub status: DiscoveryStatus,
    pub started_at: Timestamp,
    pub finished_at: Option<Timestamp>,
    pub counts: BTreeMap<String, u64>,
    pub errors: Vec<String>,
    pub requests: u64,
    pub throttled: u64,
    pub rate: serde_json::Value,
    /// Listings recorded in the run so far.
    pub listings: u64,
}

/// What [`Store::record_listing`](crate::Store::record_listing) changed. Every
/// resource of the listing counts in exactly one of `added`, `changed`,
/// `unchanged` and `restored`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
pub struct ListingOutcome {
    /// Never seen before by this connector.
    pub added: u64,
    /// Seen before, with different content.
    pub changed: u64,
    /// Seen before with the same content: only `last_seen_at` moved.
    pub unchanged: u64,
    /// Of the scope and kinds, present before and not listed now: marked removed.
    pub removed: u64,
    /// Marked removed before and listed again.
    pub restored: u64,
}

/// Filter for [`Store::list_resources`](crate::Store::list_resources). Empty
/// fields match everything.
#[derive(Clone, Debug, Default)]
pub struct ResourceFilter {
    pub connector: Option<ConnectorId>,
    pub kinds: Vec<ResourceKind>,
    pub project_id: Option<String>,
    /// Also list resources marked removed.
    pub include_removed: bool,
    pub limit: Option<u32>,
    pub offset: u32,
}

/// A resource of the inventory.
#[derive(Clone, Debug, PartialEq, Serialize, utoipa::ToSchema)]
pub struct StoredResource {
    pub key: ResourceKey,
    pub kind: ResourceKind,
    pub connector: ConnectorId,
    /// The listing scope it was last seen in (`Scope::key`).
    pub scope: String,
    pub name: String,
    pub project_id: Option<String>,
    /// The resource as discovered; its fields depend on `kind`.
    #[schema(value_type = Object)]
    pub resource: Resource,
    pub first_seen_at: Timestamp,
    pub last_seen_at: Timestamp,
    /// When a complete listing of its scope no longer returned it.
    pub removed_at: Option<Timestamp>,
}

/// The key a listing is recorded under in a run:
/// `{scope key}|{kinds joined by ','}`, kinds in [`ResourceKind`] order,
/// without duplicates.
pub fn listing_key(scope: &Scope, kinds: &[ResourceKind]) -> String {
    let mut kinds = kinds.to_vec();
    kinds.sort();
    kinds.dedup();
    let kinds: Vec<&str> = kinds.iter().map(|k| k.as_str()).collect();
    format!("{}|{}", scope.key(), kinds.join(","))
}

/// Orders kinds as [`ResourceKind::ALL`] does, for SQL `ORDER BY`:
/// `CASE kind WHEN 'organization' THEN 0 ... END`.
pub fn kind_order_sql(column: &str) -> String {
    let mut out = format!("CASE {column}");
    for (i, k) in ResourceKind::ALL.iter().enumerate() {
        let _ = write!(out, " WHEN '{}' THEN {i}", k.as_str());
    }
    out.push_str(" END");
    out
}

/// One resource of a listing, ready to store (shared by the backends).
#[derive(Clone, Debug)]
pub struct PreparedResource {
    pub key: String,
    pub kind: ResourceKind,
    pub project_id: Option<String>,
    pub name: String,
    /// The resource as canonical JSON (object keys sorted).
    pub json: String,
    /// SHA-256 (hex) of `json`.
    pub hash: String,
}

/// Prepares a listing for storage: keys, canonical JSON and content hashes,
/// one entry per key (the last one listed wins), in key order. Refuses a
/// resource whose kind is not one of the listing's `kinds`.
pub fn prepare_listing(
    org_id: &str,
    kinds: &[ResourceKind],
    resources: &[Resource],
) -> Result<Vec<PreparedResource>> {
    let mut by_key: BTreeMap<String, PreparedResource> = BTreeMap::new();
    for resource in resources {
        let kind = resource.kind();
        if !kinds.contains(&kind) {
            return Err(StoreError::Other(format!(
                "a listing of {kinds:?} cannot record a {kind} ({})",
                resource.name()
            )));
        }
        let value = serde_json::to_value(resource)
            .map_err(|e| StoreError::Other(format!("cannot serialize a {kind}: {e}")))?;
        let mut json = String::new();
        write_canonical(&value, &mut json);
        let hash = hex_sha256(json.as_bytes());
        let key = resource.key(org_id).as_str().to_owned();
        by_key.insert(
            key.clone(),
            PreparedResource {
                key,
                kind,
                project_id: resource.project_id().map(str::to_owned),
                name: resource.name(),
                json,
                hash,
            },
        );
    }
    Ok(by_key.into_values().collect())
}

fn hex_sha256(bytes: &[u8]) -> String {
    Sha256::digest(bytes)
        .iter()
        .fold(String::with_capacity(64), |mut s, b| {
            let _ = write!(s, "{b:02x}");
            s
        })
}

/// JSON with object keys sorted, whatever map type `serde_json` was built with.
fn write_canonical(value: &serde_json::Value, out: &mut String) {
    use serde_json::Value;
    match value {
        Value::Array(items) => {
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                write_canonical(item, out);
            }
            out.push(']');
        }
        Value::Object(map) => {
            let mut entries: Vec<_> = map.iter().collect();
            entries.sort_by(|a, b| a.0.cmp(b.0));
            out.push('{');
            for (i, (k, v)) in entries.into_iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                out.push_str(&Value::String(k.clone()).to_string());
                out.push(':');
                write_canonical(v, out);
            }
            out.push('}');
        }
        scalar => out.push_str(&scalar.to_string()),
    }
}

/// The message of a name conflict (the seed's wording).
pub fn name_conflict(existing: &str) -> StoreError {
    StoreError::Conflict(format!(
        "A connector with this name already exists: {existing}. Choose a different name."
    ))
}

/// The message of an organization conflict (the seed's wording).
pub fn org_conflict(org: &str, existing: &str) -> StoreError {
    StoreError::Conflict(format!(
        "A connector for this organization already exists: {existing} covers {org}. \
         Edit the existing one or delete it first."
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn listing_keys_are_stable() {
        let scope = Scope::Project {
            org_id: "ORG".into(),
            project_id: "P1".into(),
        };
        assert_eq!(
            listing_key(
                &scope,
                &[
                    ResourceKind::Pipeline,
                    ResourceKind::Repository,
                    ResourceKind::Pipeline
                ]
            ),
            "org/p1|repository,pipeline"
        );
    }

    #[test]
    fn canonical_json_sorts_keys() {
        let v: serde_json::Value =
            serde_json::from_str(r#"{"b":1,"a":{"d":[1,{"z":0,"y":"x"}],"c":null}}"#).expect("json");
        let mut out = String::new();
        write_canonical(&v, &mut out);
        assert_eq!(out, r#"{"a":{"c":null,"d":[1,{"y":"x","z":0}]},"b":1}"#);
    }

    #[test]
    fn ids_parse_and_generate() {
        let id = new_connector_id();
        assert_eq!(ConnectorId::parse(&id.as_str().to_uppercase()), Some(id.clone()));
        assert_eq!(ConnectorId::parse("ado-contoso"), None);
        assert_ne!(new_connector_id(), id);
    }
}

/// A connector that is not there (`what`: the name or id asked for).
pub fn connector_not_found(what: &str) -> StoreError {
    StoreError::NotFound(format!("connector {what:?} (no connector has this name or id)"))
}

/// A discovery run that is not there.
pub fn run_not_found(run: &DiscoveryRunId) -> StoreError {
    StoreError::NotFound(format!("discovery run {run}"))
}

/// A row of a listing as the backends bind it (one JSON array per statement).
#[derive(Debug, Serialize)]
pub struct ListingRow<'a> {
    pub key: &'a str,
    pub kind: &'static str,
    pub project_id: Option<&'a str>,
    pub name: &'a str,
    pub json: &'a str,
    pub hash: &'a str,
}

impl<'a> From<&'a PreparedResource> for ListingRow<'a> {
    fn from(p: &'a PreparedResource) -> Self {
        Self {
            key: &p.key,
            kind: p.kind.as_str(),
            project_id: p.project_id.as_deref(),
            name: &p.name,
            json: &p.json,
            hash: &p.hash,
        }
    }
}

/// What is stored of a resource before a listing is recorded.
#[derive(Debug)]
pub struct ExistingResource {
    pub hash: String,
    pub scope: String,
    pub kind: String,
    pub removed: bool,
}
