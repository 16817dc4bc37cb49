//! OSV advisories in `SQLite`: records keyed by id, indexed by package.

use async_trait::async_trait;
use palisade_domain::Timestamp;
use palisade_store::{AdvisoryRow, AdvisoryStats, AdvisoryStore, ImportCounts, Result};
use sqlx::{QueryBuilder, Sqlite};

use crate::{SqliteStore, db_err, get, now};

/// Packages per lookup statement (`SQLite` caps bound parameters).
const LOOKUP_CHUNK: usize = 400;

#[async_trait]
impl AdvisoryStore for SqliteStore {
    async fn import_advisories(&self, rows: &[AdvisoryRow], withdrawn: &[String]) -> Result<ImportCounts> {
        let at = now().millis();
        let mut counts = ImportCounts::default();
        let mut tx = self.pool.begin_with("BEGIN IMMEDIATE").await.map_err(db_err)?;
        for row in rows {
            let stored: Option<i64> = sqlx::query_scalar("SELECT modified FROM advisories WHERE id = $1")
                .bind(&row.id)
                .fetch_optional(&mut *tx)
                .await
                .map_err(db_err)?;
            match stored {
                Some(modified) if modified >= row.modified.millis() => {
                    counts.unchanged += 1;
                    continue;
                }
                Some(_) => counts.updated += 1,
                None => counts.added += 1,
            }
            sqlx::query(
                "INSERT INTO advisories (id, modified, record, imported_at) VALUES ($1, $2, $3, $4) \
                 ON CONFLICT (id) DO UPDATE SET modified = excluded.modified, record = excluded.record, \
                 imported_at = excluded.imported_at",
            )
            .bind(&row.id)
            .bind(row.modified.millis())
            .bind(&row.record)
            .bind(at)
            .execute(&mut *tx)
            .await
            .map_err(db_err)?;
            sqlx::query("DELETE FROM advisory_packages WHERE advisory_id = $1")
                .bind(&row.id)
                .execute(&mut *tx)
                .await
                .map_err(db_err)?;
            for (ecosystem, name) in &row.packages {
                sqlx::query(
                    "INSERT INTO advisory_packages (ecosystem, name, advisory_id) VALUES ($1, $2, $3) \
                     ON CONFLICT DO NOTHING",
                )
                .bind(ecosystem)
                .bind(name)
                .bind(&row.id)
                .execute(&mut *tx)
                .await
                .map_err(db_err)?;
            }
        }
        for id in withdrawn {
            let gone = sqlx::query("DELETE FROM advisories WHERE id = $1")
                .bind(id)
                .execute(&mut *tx)
                .await
                .map_err(db_err)?;
            counts.removed += gone.rows_affected();
        }
        tx.commit().await.map_err(db_err)?;
        Ok(counts)
    }

    async fn advisories_for(&self, packages: &[(String, String)]) -> Result<Vec<String>> {
        let mut records = Vec::new();
        let mut conn = self.pool.acquire().await.map_err(db_err)?;
        let mut seen = std::collections::HashSet::new();
        for chunk in packages.chunks(LOOKUP_CHUNK) {
            let mut q = QueryBuilder::<Sqlite>::new(
                "SELECT DISTINCT a.id, a.record FROM advisory_packages p \
                 JOIN advisories a ON a.id = p.advisory_id WHERE (p.ecosystem, p.name) IN (",
            );
            let mut list = q.separated(", ");
            for (ecosystem, name) in chunk {
                list.push("(")
                    .push_bind_unseparated(ecosystem.clone())
                    .push_unseparated(", ")
                    .push_bind_unseparated(name.clone())
                    .push_unseparated(")");
            }
            q.push(")");
            for row in q.build().fetch_all(&mut *conn).await.map_err(db_err)? {
                let id: String = get(&row, "id")?;
                if seen.insert(id) {
                    records.push(get(&row, "record")?);
                }
            }
        }
        Ok(records)
    }

    async fn advisory_stats(&self) -> Result<AdvisoryStats> {
        let mut conn = self.pool.acquire().await.map_err(db_err)?;
        let row = sqlx::query("SELECT count(*) AS n, max(modified) AS newest FROM advisories")
            .fetch_one(&mut *conn)
            .await
            .map_err(db_err)?;
        let n: i64 = get(&row, "n")?;
        let newest: Option<i64> = get(&row, "newest")?;
        let by_ecosystem = sqlx::query(
            "SELECT ecosystem, count(DISTINCT advisory_id) AS n FROM advisory_packages \
             GROUP BY ecosystem ORDER BY ecosystem",
        )
        .fetch_all(&mut *conn)
        .await
        .map_err(db_err)?
        .iter()
        .map(|r| Ok((get::<String>(r, "ecosystem")?, get::<i64>(r, "n")?.unsigned_abs())))
        .collect::<Result<Vec<_>>>()?;
        Ok(AdvisoryStats {
            advisories: n.unsigned_abs(),
            newest: newest.map(Timestamp::from_millis),
            by_ecosystem,
        })
    }
}
