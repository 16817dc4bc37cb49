//! How each story gets a fresh store of each backend.

use std::path::PathBuf;

use palisade_store::Store;
use palisade_store_postgres::PostgresStore;
use palisade_store_sqlite::SqliteStore;

/// Default server of the `PostgreSQL` stories (trust auth, local).
const DEFAULT_POSTGRES_URL: &str = "postgres://postgres@127.0.0.1:5432/test";

/// A fresh, empty database of one backend. `open` may be called more than
/// once: each call is a new handle on the same data, as another process
/// would have.
pub trait Harness {
    type S: Store + Clone + 'static;

    async fn open(&self) -> Self::S;
}

/// `SQLite` in a file of a temp dir, removed by [`finish`](Self::finish) (or on drop).
pub struct SqliteHarness {
    dir: tempfile::TempDir,
}

impl SqliteHarness {
    pub fn new() -> Self {
        Self {
            dir: tempfile::tempdir().expect("create temp dir"),
        }
    }

    fn path(&self) -> PathBuf {
        self.dir.path().join("state").join("palisade.db")
    }

    #[expect(
        clippy::unused_async,
        reason = "same shape as PostgresHarness::finish, for story_tests!"
    )]
    pub async fn finish(self) {
        self.dir.close().expect("remove temp dir");
    }
}

impl Harness for SqliteHarness {
    type S = SqliteStore;

    async fn open(&self) -> SqliteStore {
        let path = self.path();
        SqliteStore::open(path.to_str().expect("temp path is UTF-8"))
            .await
            .expect("open SQLite store")
    }
}

/// `PostgreSQL` in a schema of its own, dropped by [`finish`](Self::finish).
pub struct PostgresHarness {
    url: String,
    schema: String,
}

impl PostgresHarness {
    pub async fn new() -> Self {
        let url =
            std::env::var("PALISADE_TEST_POSTGRES_URL").unwrap_or_else(|_| DEFAULT_POSTGRES_URL.to_owned());
        let schema = format!("palisade_test_{}", uuid::Uuid::now_v7().simple());
        let h = Self { url, schema };
        // Fail loudly (never skip) when the server is not there.
        let store = PostgresStore::connect_with_schema(&h.url, &h.schema)
            .await
            .unwrap_or_else(|e| {
                panic!(
                    "the PostgreSQL story tests need a server: {e}\n\
                 start one or point PALISADE_TEST_POSTGRES_URL at one (default {DEFAULT_POSTGRES_URL})"
                )
            });
        store.close().await;
        h
    }

    pub async fn finish(self) {
        let store = self.open().await;
        store.drop_schema().await.expect("drop test schema");
    }
}

impl Harness for PostgresHarness {
    type S = PostgresStore;

    async fn open(&self) -> PostgresStore {
        PostgresStore::connect_with_schema(&self.url, &self.schema)
            .await
            .expect("connect to PostgreSQL")
    }
}
