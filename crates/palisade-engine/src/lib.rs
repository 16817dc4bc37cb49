//! Runs palisade's work against the [`Store`] trait, for the CLI now and the
//! server later: connectors and discovery.
//!
//! - [`Engine::create_connector`] / [`Engine::update_connector`]: the
//!   credential is tested (organization reachable, identity valid, required
//!   scopes granted) before anything is saved, then sealed with the vault
//!   (bound to the connector id) and stored; it is never returned.
//! - [`Engine::client`]: an [`AdoClient`] for a stored connector, with the
//!   credential opened only in memory; OAuth refresh tokens that rotate are
//!   re-sealed and saved as they change.
//! - [`Engine::discover`]: one discovery run over the connector's
//!   organizations, writing each complete listing atomically; a run left
//!   unfinished by a killed process is taken up where it stopped.
//! - Managed scans: [`Engine::set_scanning`] and [`Engine::sync_repos`]
//!   (`repos.rs`) decide which repositories are scanned; the scheduler
//!   (`schedule.rs`) queues full scans in batches; [`Engine::run_worker`]
//!   (`jobs.rs`) leases and runs jobs: full scans (`fullscan.rs`), diff-aware
//!   pull-request scans (`prscan.rs`) and service-hook subscriptions
//!   (`hooks.rs`, which also receives webhook deliveries).
//! - [`Engine::evaluate_posture`] (`posture.rs`): every posture check over a
//!   connector's inventory after each discovery and on demand, results kept
//!   with their history and scores.

mod connectors;
mod credentials;
mod discovery;
mod error;
mod fullscan;
mod hooks;
mod jobs;
mod posture;
mod prscan;
mod repos;
mod schedule;

use std::net::SocketAddr;
use std::sync::Arc;

use palisade_ado::GovernorRegistry;
use palisade_store::Store;
use palisade_vault::Vault;

pub use connectors::{ConnectorInput, CreateOutcome, RevokeReport};
pub use discovery::{DiscoverOptions, DiscoveryRunReport, OrgReport, ProgressFn};
pub use error::EngineError;
pub use fullscan::ScanKit;
pub use hooks::{
    EVENT_TYPES, WEBHOOK_SECRET_HEADER, WEBHOOK_USER, WebhookAuth, WebhookError, WebhookOutcome,
};
pub use jobs::{JobSpec, WorkerOptions, WorkerReport, default_worker_name};
pub use palisade_vault::Credential;
pub use posture::{PostureReport, exempted};
pub use prscan::{STATUS_GENRE, STATUS_NAME};
pub use repos::{EnableReport, InventoryRepo, RepoSelector, SyncReport, plan_enable, plan_sync, repo_target};
pub use schedule::{BatchReport, ScheduleReport};

/// Network settings every client the engine builds shares.
#[derive(Clone, Debug, Default)]
pub struct NetOptions {
    /// `host -> address` overrides (reach `{org}.visualstudio.com` on a
    /// test server, or pin a host behind split DNS).
    pub resolve: Vec<(String, SocketAddr)>,
    /// Requests in flight per identity; `None`: the client's default.
    pub max_concurrency: Option<usize>,
}

/// Connectors and discovery over a store and a vault.
#[derive(Clone)]
pub struct Engine {
    store: Arc<dyn Store>,
    vault: Arc<Vault>,
    net: NetOptions,
    /// One rate budget per identity, shared by every client built here.
    governors: Arc<GovernorRegistry>,
    /// Rules, key and clone cache; `None` in processes that do not scan.
    scan_kit: Option<Arc<ScanKit>>,
    /// When the scheduler last did its slow housekeeping (epoch millis).
    last_housekeeping: Arc<std::sync::atomic::AtomicI64>,
}

impl std::fmt::Debug for Engine {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Engine")
            .field("store", &self.store.backend())
            .field("net", &self.net)
            .finish_non_exhaustive()
    }
}

impl Engine {
    pub fn new(store: Arc<dyn Store>, vault: Vault, net: NetOptions) -> Self {
        Self {
            store,
            vault: Arc::new(vault),
            net,
            governors: Arc::new(GovernorRegistry::default()),
            scan_kit: None,
            last_housekeeping: Arc::new(std::sync::atomic::AtomicI64::new(0)),
        }
    }

    /// Lets this engine run scans (workers need it; the CLI's connector
    /// commands do not).
    #[must_use]
    pub fn with_scanner(mut self, kit: ScanKit) -> Self {
        self.scan_kit = Some(Arc::new(kit));
        self
    }

    pub fn store(&self) -> &Arc<dyn Store> {
        &self.store
    }
}

/// Now, for store timestamps.
fn now() -> palisade_domain::Timestamp {
    let ms = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as i64);
    palisade_domain::Timestamp::from_millis(ms)
}
