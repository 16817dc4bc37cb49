//! A fresh store of each backend, a vault, and the contoso simulator.

use std::sync::Arc;

use palisade_ado_sim::{RunningSim, Sim};
use palisade_domain::{AuthConfig, ConnectorConfig, ConnectorName, Deployment, OrgName, OrgSelection};
use palisade_engine::{ConnectorInput, Engine, NetOptions};
use palisade_store::Store;
use palisade_store_postgres::PostgresStore;
use palisade_store_sqlite::SqliteStore;
use palisade_vault::{Credential, Vault};

pub const DEMO_PAT: &str = "palisade-demo-pat-7Hq2Vx9LmC4RtB8nKz3W";
pub const EXPIRED_PAT: &str = "palisade-expired-pat-Qm4Tz8Lr2Xc6Vb1N";
pub const NOCODE_PAT: &str = "palisade-nocode-pat-Ur6Ye2Io8Pa4Sd1F";
pub const TENANT: &str = "72f988bf-0000-4000-8000-00000000c0de";

enum Backend {
    Sqlite(tempfile::TempDir),
    Postgres(PostgresStore),
}

pub struct Ctx {
    backend: Backend,
    pub store: Arc<dyn Store>,
    pub engine: Engine,
    pub sim: RunningSim,
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
        let schema = format!("palisade_engine_{}", uuid_like());
        let store = PostgresStore::connect_with_schema(&url, &schema)
            .await
            .unwrap_or_else(|e| panic!("the PostgreSQL engine tests need a server at {url}: {e}"));
        let handle = PostgresStore::connect_with_schema(&url, &schema).await.unwrap();
        Self::with(Backend::Postgres(handle), Arc::new(store)).await
    }

    async fn with(backend: Backend, store: Arc<dyn Store>) -> Self {
        let sim = palisade_ado_sim::start(Sim::new(palisade_ado_sim::contoso().unwrap()))
            .await
            .unwrap();
        let engine = Engine::new(Arc::clone(&store), Vault::new([7; 32]), NetOptions::default());
        Self {
            backend,
            store,
            engine,
            sim,
        }
    }

    pub async fn finish(self) {
        self.sim.shutdown().await;
        match self.backend {
            Backend::Sqlite(dir) => dir.close().unwrap(),
            Backend::Postgres(handle) => handle.drop_schema().await.unwrap(),
        }
    }

    pub fn deployment(&self) -> Deployment {
        Deployment::Cloud {
            api_url: self.sim.base_url.clone(),
            profile_url: self.sim.base_url.clone(),
            login_url: self.sim.base_url.clone(),
        }
    }

    /// A PAT connector for `org` (not yet saved).
    pub fn pat_input(&self, name: &str, org: &str, pat: &str) -> ConnectorInput {
        ConnectorInput {
            config: ConnectorConfig {
                name: ConnectorName::parse(name).unwrap(),
                organization: OrgName::parse(org).unwrap(),
                deployment: self.deployment(),
                auth: AuthConfig::Pat,
                orgs: OrgSelection::Chosen(Vec::new()),
            },
            credential: Some(Credential::pat(pat)),
            skip_test: false,
        }
    }

    pub fn server_input(&self, name: &str, org: &str, pat: &str) -> ConnectorInput {
        let mut input = self.pat_input(name, org, pat);
        input.config.deployment = Deployment::Server {
            server_url: format!("{}/tfs", self.sim.base_url),
        };
        input
    }
}

fn uuid_like() -> String {
    let n = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_nanos();
    format!("{n:x}{:x}", std::process::id())
}
