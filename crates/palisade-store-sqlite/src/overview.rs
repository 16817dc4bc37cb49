//! Findings across the estate in `SQLite`: overview, trend, coverage and the
//! repository inventory, all read from `target_finding_counts` (kept by the
//! writes in `lib.rs`) and `managed_repos`, never from `locations`.

use std::collections::BTreeSet;

use async_trait::async_trait;
use palisade_domain::{Severity, Timestamp};
use palisade_store::rows::{self, StoredRow};
use palisade_store::{
    ConnectorId, Coverage, DayCounts, FindingOverview, GROUP_COLS, INVENTORY_COLS, OPEN_BY_TARGET_SQL,
    OverviewFilter, OverviewStore, PR_ANNOTATIONS_SQL, RepoGroupRow, RepoInventoryFilter, RepoInventoryPage,
    Result, SNAPSHOT_INSERT_SQL, coverage_sql, inventory_order_sql, trend_days, utc_day,
};
use sqlx::{QueryBuilder, Sqlite};

use crate::{Columns, SqliteStore, db_err, push_contains, push_in, push_scope};

/// Appends a condition keeping managed repositories `r` to those of
/// `connectors` (nothing for `None`, no row for an empty set).
fn push_repo_scope(q: &mut QueryBuilder<Sqlite>, connectors: Option<&BTreeSet<ConnectorId>>) {
    match connectors {
        None => {}
        Some(c) if c.is_empty() => {
            q.push(" AND 1 = 0");
        }
        Some(c) => push_in(q, "r.connector_id", c.iter().map(|c| c.as_str().to_owned())),
    }
}

/// Appends ` FROM managed_repos r LEFT JOIN (open findings per target) o
/// WHERE ...` for the inventory and its groups.
fn push_inventory_from(q: &mut QueryBuilder<Sqlite>, filter: &RepoInventoryFilter) {
    let scope = filter.connectors.as_ref();
    q.push(" FROM managed_repos r LEFT JOIN (")
        .push(OPEN_BY_TARGET_SQL);
    if !filter.kinds.is_empty() {
        push_in(q, "c.kind", filter.kinds.iter().map(|k| k.as_str()));
    }
    if filter.min_severity.is_some() {
        push_in(
            q,
            "c.severity",
            filter.severities().into_iter().map(Severity::as_str),
        );
    }
    // Only the targets in scope are summed.
    push_scope(q, "c.target", scope);
    q.push(" GROUP BY c.target) o ON o.target = r.target WHERE 1 = 1");
    push_repo_scope(q, scope);
    if let Some(org) = &filter.org {
        q.push(" AND r.org_key = ").push_bind(org.key());
    }
    if let Some(project) = &filter.project {
        q.push(" AND r.project = ").push_bind(project.clone());
    }
    if let Some(search) = &filter.search {
        q.push(" AND ");
        push_contains(q, "r.name", search);
    }
    if !filter.states.is_empty() {
        push_in(q, "r.state", filter.states.iter().map(|s| s.as_str()));
    }
    if filter.with_findings_only {
        q.push(" AND coalesce(o.total, 0) > 0");
    }
}

#[async_trait]
impl OverviewStore for SqliteStore {
    async fn finding_overview(&self, filter: &OverviewFilter) -> Result<FindingOverview> {
        let scope = filter.connectors.as_ref();
        let mut by_kind = QueryBuilder::<Sqlite>::new(
            "SELECT c.kind, c.severity, sum(c.n) AS n FROM target_finding_counts c WHERE c.state = 'open'",
        );
        push_scope(&mut by_kind, "c.target", scope);
        by_kind.push(" GROUP BY c.kind, c.severity");
        let mut repos = QueryBuilder::<Sqlite>::new(
            "SELECT count(DISTINCT c.target) AS n FROM target_finding_counts c WHERE c.state = 'open'",
        );
        push_scope(&mut repos, "c.target", scope);
        // One snapshot for both.
        let mut tx = self.pool.begin().await.map_err(db_err)?;
        let rows = by_kind.build().fetch_all(&mut *tx).await.map_err(db_err)?;
        let repos = repos.build().fetch_one(&mut *tx).await.map_err(db_err)?;
        tx.commit().await.map_err(db_err)?;
        rows::finding_overview(rows.iter().map(Columns), Columns(&repos).u64("n")?)
    }

    async fn finding_trend(
        &self,
        filter: &OverviewFilter,
        days: u32,
        at: Timestamp,
    ) -> Result<Vec<DayCounts>> {
        let days = trend_days(days, at);
        let (Some(first), Some(last)) = (days.first(), days.last()) else {
            return Ok(Vec::new());
        };
        // The scope is part of the join, so a day with nothing in scope
        // still reads as a day (of zeros).
        let mut q = QueryBuilder::<Sqlite>::new(
            "SELECT s.day, d.severity, sum(d.open_count) AS n FROM finding_count_snapshots s \
             LEFT JOIN finding_count_days d ON d.day = s.day",
        );
        match &filter.connectors {
            None => {}
            Some(c) if c.is_empty() => {
                q.push(" AND 1 = 0");
            }
            Some(c) => {
                q.push(" AND d.org IN (SELECT org_key FROM managed_repos WHERE 1 = 1");
                push_in(&mut q, "connector_id", c.iter().map(|c| c.as_str().to_owned()));
                q.push(")");
            }
        }
        q.push(" WHERE s.day >= ")
            .push_bind(first.clone())
            .push(" AND s.day <= ")
            .push_bind(last.clone())
            .push(" GROUP BY s.day, d.severity ORDER BY s.day, d.severity");
        let rows = q.build().fetch_all(&self.pool).await.map_err(db_err)?;
        rows::day_counts(rows.iter().map(Columns))
    }

    async fn snapshot_finding_counts(&self, at: Timestamp) -> Result<()> {
        let day = utc_day(at);
        let mut tx = self.pool.begin_with("BEGIN IMMEDIATE").await.map_err(db_err)?;
        sqlx::query("DELETE FROM finding_count_days WHERE day = $1")
            .bind(&day)
            .execute(&mut *tx)
            .await
            .map_err(db_err)?;
        sqlx::query(SNAPSHOT_INSERT_SQL)
            .bind(&day)
            .execute(&mut *tx)
            .await
            .map_err(db_err)?;
        sqlx::query(
            "INSERT INTO finding_count_snapshots (day, taken_at) VALUES ($1, $2) \
             ON CONFLICT (day) DO UPDATE SET taken_at = excluded.taken_at",
        )
        .bind(&day)
        .bind(at.millis())
        .execute(&mut *tx)
        .await
        .map_err(db_err)?;
        tx.commit().await.map_err(db_err)
    }

    async fn coverage(&self, filter: &OverviewFilter, fresh_after: Timestamp) -> Result<Coverage> {
        let mut q = QueryBuilder::<Sqlite>::new(format!(
            "SELECT coverage, pr_annotations, count(*) AS n FROM (SELECT {} AS coverage, \
             {PR_ANNOTATIONS_SQL} AS pr_annotations FROM managed_repos r WHERE r.state <> 'archived'",
            coverage_sql(Some(fresh_after))
        ));
        push_repo_scope(&mut q, filter.connectors.as_ref());
        q.push(") GROUP BY coverage, pr_annotations");
        let rows = q.build().fetch_all(&self.pool).await.map_err(db_err)?;
        rows::coverage(rows.iter().map(Columns))
    }

    async fn repo_inventory(&self, filter: &RepoInventoryFilter) -> Result<RepoInventoryPage> {
        let mut count = QueryBuilder::<Sqlite>::new("SELECT count(*) AS n");
        push_inventory_from(&mut count, filter);
        let mut page = QueryBuilder::<Sqlite>::new(format!(
            "SELECT {INVENTORY_COLS}, {} AS coverage",
            coverage_sql(filter.fresh_after)
        ));
        push_inventory_from(&mut page, filter);
        page.push(inventory_order_sql(filter.sort))
            .push(" LIMIT ")
            .push_bind(i64::from(filter.page_size()))
            .push(" OFFSET ")
            .push_bind(i64::from(filter.offset));
        // One snapshot for the total and the page.
        let mut tx = self.pool.begin().await.map_err(db_err)?;
        let total = count.build().fetch_one(&mut *tx).await.map_err(db_err)?;
        let rows = page.build().fetch_all(&mut *tx).await.map_err(db_err)?;
        tx.commit().await.map_err(db_err)?;
        Ok(RepoInventoryPage {
            total: Columns(&total).u64("n")?,
            rows: rows
                .iter()
                .map(|row| rows::repo_inventory_row(&Columns(row)))
                .collect::<Result<_>>()?,
        })
    }

    async fn repo_inventory_groups(&self, filter: &RepoInventoryFilter) -> Result<Vec<RepoGroupRow>> {
        let mut q = QueryBuilder::<Sqlite>::new(format!("SELECT {GROUP_COLS}"));
        push_inventory_from(&mut q, filter);
        q.push(" GROUP BY r.org_key, r.project ORDER BY r.org_key, lower(r.project), r.project");
        let rows = q.build().fetch_all(&self.pool).await.map_err(db_err)?;
        rows.iter()
            .map(|row| rows::repo_group_row(&Columns(row)))
            .collect()
    }
}
