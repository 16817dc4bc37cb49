//! A store of each backend, the contoso simulator, an engine that scans, and
//! palisade's HTTP server on a loopback port.

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use palisade_ado::AdoClient;
use palisade_ado_sim::{RunningSim, Sim, SimCommit, SimPullRequest};
use palisade_domain::{
    AuthConfig, ConnectorConfig, ConnectorName, Deployment, FingerprintKey, OrgName, OrgSelection,
};
use palisade_engine::{ConnectorInput, Engine, NetOptions, RepoSelector, ScanKit, WorkerOptions};
use palisade_store::{ConnectorRecord, Store};
use palisade_store_postgres::PostgresStore;
use palisade_store_sqlite::SqliteStore;
use palisade_vault::{Credential, Vault};
use tokio::sync::watch;

pub const DEMO_PAT: &str = "palisade-demo-pat-7Hq2Vx9LmC4RtB8nKz3W";
/// A fake AWS key id, split so this file is not a finding itself.
pub const AWS_ID: &str = concat!("AKIA", "Q3EGRJ7RWHPM4N2T");
pub const AWS_SECRET: &str = concat!("wJalrXUtnFEMI/K7MDENG/", "bPxRfiCYzq8Rt3aLvN");

enum Backend {
    Sqlite(tempfile::TempDir),
    Postgres(PostgresStore),
}

pub struct Ctx {
    backend: Backend,
    pub store: Arc<dyn Store>,
    pub engine: Engine,
    pub sim: RunningSim,
    pub server: SocketAddr,
    stop: watch::Sender<bool>,
    _cache: tempfile::TempDir,
}

pub fn scan_kit(cache: &std::path::Path) -> ScanKit {
    let rules = palisade_secrets::builtin().unwrap();
    let mut kit = ScanKit::new(rules, FingerprintKey::from_bytes([3; 32]), cache.to_path_buf()).unwrap();
    kit.threads = 2;
    kit
}

impl Ctx {
    pub async fn sqlite() -> Self {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("palisade.db");
        let store = SqliteStore::open(path.to_str().unwrap()).await.unwrap();
        Self::with(Backend::Sqlite(dir), Arc::new(store)).await
    }

    pub async fn postgres() -> Self {
        let url = std::env::var("PALISADE_TEST_POSTGRES_URL")
            .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/test".to_owned());
        let n = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_nanos();
        let schema = format!("palisade_server_{n:x}{:x}", std::process::id());
        let store = PostgresStore::connect_with_schema(&url, &schema)
            .await
            .unwrap_or_else(|e| panic!("the PostgreSQL server tests need a server at {url}: {e}"));
        let handle = PostgresStore::connect_with_schema(&url, &schema).await.unwrap();
        Self::with(Backend::Postgres(handle), Arc::new(store)).await
    }

    async fn with(backend: Backend, store: Arc<dyn Store>) -> Self {
        let sim = palisade_ado_sim::start(Sim::new(palisade_ado_sim::contoso().unwrap()))
            .await
            .unwrap();
        let cache = tempfile::tempdir().unwrap();
        let engine = Engine::new(Arc::clone(&store), Vault::new([7; 32]), NetOptions::default())
            .with_scanner(scan_kit(cache.path()));
        let (stop, rx) = watch::channel(false);
        let (tx, bound) = tokio::sync::oneshot::channel();
        let opts = palisade_server::ServeOptions {
            listen: SocketAddr::from(([127, 0, 0, 1], 0)),
            scheduler: false,
            worker: None,
            ..palisade_server::ServeOptions::default()
        };
        tokio::spawn(palisade_server::serve(engine.clone(), opts, rx, Some(tx)));
        let server = bound.await.unwrap();
        Self {
            backend,
            store,
            engine,
            sim,
            server,
            stop,
            _cache: cache,
        }
    }

    pub async fn finish(self) {
        let _ = self.stop.send(true);
        self.sim.shutdown().await;
        match self.backend {
            Backend::Sqlite(dir) => dir.close().unwrap(),
            Backend::Postgres(handle) => handle.drop_schema().await.unwrap(),
        }
    }

    pub fn server_url(&self) -> String {
        format!("http://{}", self.server)
    }

    /// A PAT connector for contoso, discovered, with the webhook URL set
    /// and `repos` (`project/repo`) enabled for full and PR scans.
    pub async fn connect(&self, repos: &[&str]) -> ConnectorRecord {
        let base = self.sim.base_url.clone();
        self.engine
            .create_connector(ConnectorInput {
                config: ConnectorConfig {
                    name: ConnectorName::parse("ado-contoso").unwrap(),
                    organization: OrgName::parse("contoso").unwrap(),
                    deployment: Deployment::Cloud {
                        api_url: base.clone(),
                        profile_url: base.clone(),
                        login_url: base,
                    },
                    auth: AuthConfig::Pat,
                    orgs: OrgSelection::Chosen(Vec::new()),
                },
                credential: Some(Credential::pat(DEMO_PAT)),
                skip_test: false,
            })
            .await
            .unwrap();
        self.engine
            .discover("ado-contoso", &palisade_engine::DiscoverOptions::default())
            .await
            .unwrap();
        let record = self.store.get_connector("ado-contoso").await.unwrap();
        let mut settings = self.store.scan_settings(&record.id).await.unwrap();
        settings.webhook_url = Some(self.server_url());
        self.engine.set_scan_settings(&record, &settings).await.unwrap();
        self.engine
            .set_scanning(
                &record,
                &RepoSelector::Repos(repos.iter().map(|r| (*r).to_owned()).collect()),
                true,
                true,
            )
            .await
            .unwrap();
        record
    }

    /// Runs every due job in this process, then returns.
    pub async fn drain(&self) -> palisade_engine::WorkerReport {
        drain(&self.engine).await
    }

    pub async fn client(&self) -> AdoClient {
        let record = self.store.get_connector("ado-contoso").await.unwrap();
        self.engine
            .client(&record, &OrgName::parse("contoso").unwrap())
            .await
            .unwrap()
    }

    /// Commits `files` to `branch` of Web/web-frontend (branching from main).
    pub async fn commit(&self, branch: &str, files: &[(&str, &str)], delete: &[&str]) -> String {
        let push = self
            .sim
            .state
            .commit(
                "contoso",
                "Web",
                "web-frontend",
                &SimCommit {
                    branch: branch.to_owned(),
                    from_branch: Some("main".to_owned()),
                    message: format!("change {branch}"),
                    files: files
                        .iter()
                        .map(|(p, c)| ((*p).to_owned(), (*c).to_owned()))
                        .collect::<BTreeMap<_, _>>(),
                    delete: delete.iter().map(|d| (*d).to_owned()).collect(),
                    ..SimCommit::default()
                },
            )
            .await
            .unwrap();
        push.commit_id
    }

    pub async fn open_pr(&self, branch: &str) -> i64 {
        self.sim
            .state
            .open_pull_request(
                "contoso",
                "Web",
                "web-frontend",
                &SimPullRequest {
                    source: branch.to_owned(),
                    target: "main".to_owned(),
                    title: format!("Merge {branch}"),
                    ..SimPullRequest::default()
                },
            )
            .await
            .unwrap()
            .pull_request_id
    }

    /// Waits until the simulator delivered every event.
    pub async fn settle(&self) {
        assert!(self.sim.state.hooks_settled(Duration::from_secs(20)).await);
    }
}

pub async fn drain(engine: &Engine) -> palisade_engine::WorkerReport {
    let (_tx, rx) = watch::channel(false);
    engine
        .run_worker(
            &WorkerOptions {
                until_idle: true,
                retry_base: Duration::from_millis(50),
                lease: Duration::from_secs(30),
                ..WorkerOptions::default()
            },
            rx,
        )
        .await
        .unwrap()
}
