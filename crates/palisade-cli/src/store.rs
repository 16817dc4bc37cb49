//! Opens the store named by `--db` / `PALISADE_DATABASE_URL`.

use anyhow::Context;
use palisade_domain::FingerprintKey;
use palisade_store::Store;

use crate::args::GlobalArgs;
use crate::keyfile;

/// Describes a URL for messages without its password.
pub fn redact_url(url: &str) -> String {
    if let Some((scheme, rest)) = url.split_once("://")
        && let Some((creds, host)) = rest.rsplit_once('@')
    {
        let user = creds.split(':').next().unwrap_or("");
        return format!("{scheme}://{user}:***@{host}");
    }
    url.to_owned()
}

pub async fn open(global: &GlobalArgs, key: &FingerprintKey) -> anyhow::Result<Box<dyn Store>> {
    let url = match &global.db {
        Some(u) => u.clone(),
        None => keyfile::default_data_dir()?
            .join("palisade.db")
            .display()
            .to_string(),
    };
    let store: Box<dyn Store> = if url.starts_with("postgres://") || url.starts_with("postgresql://") {
        Box::new(
            palisade_store_postgres::PostgresStore::connect(&url)
                .await
                .with_context(|| format!("store {}", redact_url(&url)))?,
        )
    } else {
        Box::new(
            palisade_store_sqlite::SqliteStore::open(&url)
                .await
                .with_context(|| format!("store {url}"))?,
        )
    };
    store.check_key(&key.check_value()).await?;
    Ok(store)
}

pub fn runtime() -> anyhow::Result<tokio::runtime::Runtime> {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .context("cannot start the async runtime")
}

#[cfg(test)]
mod tests {
    use super::redact_url;

    #[test]
    fn hides_passwords() {
        assert_eq!(
            redact_url("postgres://u:hunter2@h:5432/db"),
            "postgres://u:***@h:5432/db"
        );
        assert_eq!(redact_url("/tmp/x.db"), "/tmp/x.db");
    }
}
