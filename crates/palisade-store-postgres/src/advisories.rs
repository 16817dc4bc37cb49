//! OSV advisories in `PostgreSQL`: records keyed by id, indexed by package.
//! A batch is a handful of statements (arrays through `UNNEST`), not one per record.

use async_trait::async_trait;
use palisade_domain::Timestamp;
use palisade_store::{AdvisoryRow, AdvisoryStats, AdvisoryStore, ImportCounts, Result};

use crate::{PostgresStore, db_err, get, now};

#[async_trait]
impl AdvisoryStore for PostgresStore {
    async fn import_advisories(&self, rows: &[AdvisoryRow], withdrawn: &[String]) -> Result<ImportCounts> {
        let at = now().millis();
        let mut counts = ImportCounts::default();
        let mut tx = self.pool.begin().await.map_err(db_err)?;
        let ids: Vec<&str> = rows.iter().map(|r| r.id.as_str()).collect();
        // Lock the rows this batch may replace, so two imports of the same
        // export count and write each record once.
        let stored: std::collections::HashMap<String, i64> =
            sqlx::query_as("SELECT id, modified FROM advisories WHERE id = ANY($1) FOR UPDATE")
                .bind(&ids)
                .fetch_all(&mut *tx)
                .await
                .map_err(db_err)?
                .into_iter()
                .collect();
        let mut write_ids = Vec::new();
        let mut modified = Vec::new();
        let mut records = Vec::new();
        let mut pkg_ids = Vec::new();
        let mut pkg_ecosystems = Vec::new();
        let mut pkg_names = Vec::new();
        for row in rows {
            match stored.get(&row.id) {
                Some(&m) if m >= row.modified.millis() => {
                    counts.unchanged += 1;
                    continue;
                }
                Some(_) => counts.updated += 1,
                None => counts.added += 1,
            }
            write_ids.push(row.id.as_str());
            modified.push(row.modified.millis());
            records.push(row.record.as_str());
            for (ecosystem, name) in &row.packages {
                pkg_ids.push(row.id.as_str());
                pkg_ecosystems.push(ecosystem.as_str());
                pkg_names.push(name.as_str());
            }
        }
        if !write_ids.is_empty() {
            sqlx::query(
                "INSERT INTO advisories (id, modified, record, imported_at) \
                 SELECT u.id, u.modified, u.record, $4 FROM UNNEST($1::text[], $2::bigint[], $3::text[]) \
                 AS u(id, modified, record) \
                 ON CONFLICT (id) DO UPDATE SET modified = excluded.modified, record = excluded.record, \
                 imported_at = excluded.imported_at",
            )
            .bind(&write_ids)
            .bind(&modified)
            .bind(&records)
            .bind(at)
            .execute(&mut *tx)
            .await
            .map_err(db_err)?;
            sqlx::query("DELETE FROM advisory_packages WHERE advisory_id = ANY($1)")
                .bind(&write_ids)
                .execute(&mut *tx)
                .await
                .map_err(db_err)?;
            sqlx::query(
                "INSERT INTO advisory_packages (ecosystem, name, advisory_id) \
                 SELECT * FROM UNNEST($1::text[], $2::text[], $3::text[]) ON CONFLICT DO NOTHING",
            )
            .bind(&pkg_ecosystems)
            .bind(&pkg_names)
            .bind(&pkg_ids)
            .execute(&mut *tx)
            .await
            .map_err(db_err)?;
        }
        if !withdrawn.is_empty() {
            let gone = sqlx::query("DELETE FROM advisories WHERE id = ANY($1)")
                .bind(withdrawn)
                .execute(&mut *tx)
                .await
                .map_err(db_err)?;
            counts.removed += gone.rows_affected();
        }
        tx.commit().await.map_err(db_err)?;
        Ok(counts)
    }

    async fn advisories_for(&self, packages: &[(String, String)]) -> Result<Vec<String>> {
        let ecosystems: Vec<&str> = packages.iter().map(|(e, _)| e.as_str()).collect();
        let names: Vec<&str> = packages.iter().map(|(_, n)| n.as_str()).collect();
        sqlx::query_scalar(
            "SELECT a.record FROM advisories a WHERE a.id IN ( \
             SELECT p.advisory_id FROM advisory_packages p \
             JOIN UNNEST($1::text[], $2::text[]) AS q(ecosystem, name) \
             ON p.ecosystem = q.ecosystem AND p.name = q.name) ORDER BY a.id",
        )
        .bind(&ecosystems)
        .bind(&names)
        .fetch_all(&self.pool)
        .await
        .map_err(db_err)
    }

    async fn advisory_stats(&self) -> Result<AdvisoryStats> {
        let row = sqlx::query("SELECT count(*) AS n, max(modified) AS newest FROM advisories")
            .fetch_one(&self.pool)
            .await
            .map_err(db_err)?;
        let n: i64 = get(&row, "n")?;
        let newest: Option<i64> = get(&row, "newest")?;
        let by_ecosystem = sqlx::query(
            "SELECT ecosystem, count(DISTINCT advisory_id) AS n FROM advisory_packages \
             GROUP BY ecosystem ORDER BY ecosystem",
        )
        .fetch_all(&self.pool)
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
