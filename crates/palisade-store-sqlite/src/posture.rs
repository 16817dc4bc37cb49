//! Posture results, history, scores and exemptions in `SQLite`.

use std::collections::HashMap;
use std::str::FromStr;

use async_trait::async_trait;
use futures_util::TryStreamExt;
use palisade_domain::{
    ExemptionTarget, FindingKind, PostureStatus, ResourceKey, ResourceKind, Severity, Timestamp,
};
use palisade_store::{
    ConnectorId, Exemption, ExemptionAudit, NewExemption, PostureChanges, PostureEvaluation, PostureFilter,
    PostureResultRow, PostureStore, PostureTransition, Result, ScoreRow, StoreError, StoredPostureResult,
    StoredScore, StoredState, new_posture_id, plan_posture,
};
use sqlx::sqlite::SqliteRow;
use sqlx::{QueryBuilder, Sqlite};

use crate::{SqliteStore, corrupt, db_err, get, get_ts, get_u64, to_i64};

/// Rows per multi-row insert: 12 columns stay under `SQLite`'s 32,766 bound parameters.
const INSERT_CHUNK: usize = 2_500;

fn status_of(row: &SqliteRow, col: &str) -> Result<PostureStatus> {
    let s: String = get(row, col)?;
    PostureStatus::parse(&s).map_err(|e| corrupt(col, e))
}

fn severity_of(row: &SqliteRow) -> Result<Severity> {
    let s: String = get(row, "severity")?;
    Severity::from_str(&s).map_err(|e| corrupt("severity", e))
}

fn result_row(row: &SqliteRow) -> Result<StoredPostureResult> {
    let kind: String = get(row, "resource_kind")?;
    let connector: String = get(row, "connector_id")?;
    Ok(StoredPostureResult {
        row: PostureResultRow {
            check_id: get(row, "check_id")?,
            severity: severity_of(row)?,
            resource: ResourceKey::from_stored(get(row, "resource_key")?),
            resource_kind: ResourceKind::parse(&kind).ok_or_else(|| corrupt("resource_kind", &kind))?,
            resource_name: get(row, "resource_name")?,
            org_id: get(row, "org_id")?,
            project_id: get(row, "project_id")?,
            status: status_of(row, "status")?,
            reason: get(row, "reason")?,
        },
        connector: ConnectorId::from_stored(connector),
        status_since: get_ts(row, "status_since")?,
        first_seen_at: get_ts(row, "first_seen_at")?,
    })
}

fn exemption_row(row: &SqliteRow) -> Result<Exemption> {
    let kind: String = get(row, "target_kind")?;
    let target: String = get(row, "target")?;
    Ok(Exemption {
        id: get(row, "id")?,
        check_id: get(row, "check_id")?,
        target: ExemptionTarget::from_stored(&kind, target).ok_or_else(|| corrupt("target_kind", &kind))?,
        reason: get(row, "reason")?,
        author: get(row, "author")?,
        created_at: get_ts(row, "created_at")?,
        expires_at: get::<Option<i64>>(row, "expires_at")?.map(Timestamp::from_millis),
        revoked_at: get::<Option<i64>>(row, "revoked_at")?.map(Timestamp::from_millis),
        revoked_by: get(row, "revoked_by")?,
    })
}

fn evaluation_row(row: &SqliteRow) -> Result<PostureEvaluation> {
    Ok(PostureEvaluation {
        id: get(row, "id")?,
        connector: ConnectorId::from_stored(get(row, "connector_id")?),
        at: get_ts(row, "at")?,
        trigger: get(row, "trigger")?,
        checks: get_u64(row, "checks")?,
        results: get_u64(row, "results")?,
    })
}

#[async_trait]
impl PostureStore for SqliteStore {
    async fn record_posture(
        &self,
        evaluation: &PostureEvaluation,
        results: &[PostureResultRow],
        scores: &[ScoreRow],
    ) -> Result<PostureChanges> {
        let at = evaluation.at.millis();
        let connector = evaluation.connector.as_str();
        let mut tx = self.pool.begin_with("BEGIN IMMEDIATE").await.map_err(db_err)?;
        sqlx::query(
            "INSERT INTO posture_evaluations (id, connector_id, at, trigger, checks, results) \
             VALUES ($1, $2, $3, $4, $5, $6)",
        )
        .bind(&evaluation.id)
        .bind(connector)
        .bind(at)
        .bind(&evaluation.trigger)
        .bind(to_i64("checks", evaluation.checks)?)
        .bind(to_i64("results", evaluation.results)?)
        .execute(&mut *tx)
        .await
        .map_err(db_err)?;

        // Streamed: a large estate's stored results are never all in memory as rows.
        let mut stored = HashMap::new();
        let mut rows = sqlx::query(
            "SELECT check_id, resource_key, status, reason, severity, resource_name \
             FROM posture_results WHERE connector_id = $1",
        )
        .bind(connector)
        .fetch(&mut *tx);
        while let Some(row) = rows.try_next().await.map_err(db_err)? {
            let reason: &str = get(&row, "reason")?;
            let name: &str = get(&row, "resource_name")?;
            let state = StoredState::new(status_of(&row, "status")?, reason, severity_of(&row)?, name);
            stored.insert(
                (
                    get::<String>(&row, "check_id")?,
                    get::<String>(&row, "resource_key")?,
                ),
                state,
            );
        }
        drop(rows);
        let plan = plan_posture(stored, results);

        for chunk in plan.insert.chunks(INSERT_CHUNK) {
            let mut q = QueryBuilder::<Sqlite>::new(
                "INSERT INTO posture_results (check_id, resource_key, connector_id, resource_kind, \
                 resource_name, org_id, project_id, severity, status, reason, status_since, first_seen_at) ",
            );
            q.push_values(chunk, |mut b, r| {
                b.push_bind(&r.check_id)
                    .push_bind(r.resource.as_str())
                    .push_bind(connector)
                    .push_bind(r.resource_kind.as_str())
                    .push_bind(&r.resource_name)
                    .push_bind(&r.org_id)
                    .push_bind(&r.project_id)
                    .push_bind(r.severity.as_str())
                    .push_bind(r.status.as_str())
                    .push_bind(&r.reason)
                    .push_bind(at)
                    .push_bind(at);
            });
            // A result another connector recorded for the same resource key
            // (the org moved between connectors) is taken over.
            q.push(
                " ON CONFLICT (check_id, resource_key) DO UPDATE SET connector_id = excluded.connector_id, \
                 resource_kind = excluded.resource_kind, resource_name = excluded.resource_name, \
                 org_id = excluded.org_id, project_id = excluded.project_id, severity = excluded.severity, \
                 status = excluded.status, reason = excluded.reason, status_since = excluded.status_since",
            );
            q.build().execute(&mut *tx).await.map_err(db_err)?;
        }
        for r in &plan.status_changed {
            sqlx::query(
                "UPDATE posture_results SET status = $1, reason = $2, severity = $3, resource_name = $4, \
                 status_since = $5 WHERE check_id = $6 AND resource_key = $7",
            )
            .bind(r.status.as_str())
            .bind(&r.reason)
            .bind(r.severity.as_str())
            .bind(&r.resource_name)
            .bind(at)
            .bind(&r.check_id)
            .bind(r.resource.as_str())
            .execute(&mut *tx)
            .await
            .map_err(db_err)?;
        }
        for r in &plan.refreshed {
            sqlx::query(
                "UPDATE posture_results SET reason = $1, severity = $2, resource_name = $3 \
                 WHERE check_id = $4 AND resource_key = $5",
            )
            .bind(&r.reason)
            .bind(r.severity.as_str())
            .bind(&r.resource_name)
            .bind(&r.check_id)
            .bind(r.resource.as_str())
            .execute(&mut *tx)
            .await
            .map_err(db_err)?;
        }
        for (check, key) in &plan.remove {
            sqlx::query("DELETE FROM posture_results WHERE check_id = $1 AND resource_key = $2")
                .bind(check)
                .bind(key)
                .execute(&mut *tx)
                .await
                .map_err(db_err)?;
        }

        let transitions = plan
            .insert
            .iter()
            .chain(&plan.status_changed)
            .map(|r| {
                (
                    r.check_id.as_str(),
                    r.resource.as_str(),
                    Some(r.status.as_str()),
                    r.reason.as_str(),
                )
            })
            .chain(plan.remove.iter().map(|(c, k)| {
                (
                    c.as_str(),
                    k.as_str(),
                    None,
                    "the resource is no longer in the inventory",
                )
            }))
            .collect::<Vec<_>>();
        for chunk in transitions.chunks(INSERT_CHUNK) {
            let mut q = QueryBuilder::<Sqlite>::new(
                "INSERT INTO posture_history (check_id, resource_key, at, status, reason, evaluation_id) ",
            );
            q.push_values(chunk, |mut b, (check, key, status, reason)| {
                b.push_bind(*check)
                    .push_bind(*key)
                    .push_bind(at)
                    .push_bind(*status)
                    .push_bind(*reason)
                    .push_bind(&evaluation.id);
            });
            q.build().execute(&mut *tx).await.map_err(db_err)?;
        }
        let scores = scores
            .iter()
            .map(|s| {
                Ok((
                    s.scope_key.as_str(),
                    [
                        to_i64("score", s.passed_weight)?,
                        to_i64("score", s.applicable_weight)?,
                        to_i64("score", s.passed)?,
                        to_i64("score", s.failed)?,
                        to_i64("score", s.unknown)?,
                        to_i64("score", s.exempt)?,
                    ],
                ))
            })
            .collect::<Result<Vec<_>>>()?;
        for chunk in scores.chunks(INSERT_CHUNK) {
            let mut q = QueryBuilder::<Sqlite>::new(
                "INSERT INTO posture_scores (evaluation_id, scope_key, at, passed_weight, applicable_weight, \
                 passed, failed, unknown, exempt) ",
            );
            q.push_values(chunk, |mut b, (scope, n)| {
                b.push_bind(&evaluation.id).push_bind(*scope).push_bind(at);
                for v in n {
                    b.push_bind(*v);
                }
            });
            q.build().execute(&mut *tx).await.map_err(db_err)?;
        }
        tx.commit().await.map_err(db_err)?;
        Ok(plan.changes)
    }

    async fn posture_results(&self, filter: &PostureFilter) -> Result<Vec<StoredPostureResult>> {
        let mut q = QueryBuilder::<Sqlite>::new("SELECT * FROM posture_results WHERE 1 = 1");
        if !filter.connectors.is_empty() {
            q.push(" AND connector_id IN (");
            let mut list = q.separated(", ");
            for c in &filter.connectors {
                list.push_bind(c.as_str().to_owned());
            }
            q.push(")");
        }
        if !filter.checks.is_empty() {
            q.push(" AND check_id IN (");
            let mut list = q.separated(", ");
            for c in &filter.checks {
                list.push_bind(c.clone());
            }
            q.push(")");
        }
        if !filter.statuses.is_empty() {
            q.push(" AND status IN (");
            let mut list = q.separated(", ");
            for s in &filter.statuses {
                list.push_bind(s.as_str());
            }
            q.push(")");
        }
        if !filter.severities.is_empty() {
            q.push(" AND severity IN (");
            let mut list = q.separated(", ");
            for s in &filter.severities {
                list.push_bind(s.as_str());
            }
            q.push(")");
        }
        if let Some(o) = &filter.org_id {
            q.push(" AND org_id = ").push_bind(o.to_ascii_lowercase());
        }
        if let Some(p) = &filter.project_id {
            q.push(" AND lower(project_id) = ")
                .push_bind(p.to_ascii_lowercase());
        }
        if let Some(r) = &filter.resource {
            q.push(" AND resource_key = ").push_bind(r.as_str().to_owned());
        }
        q.push(
            " ORDER BY CASE status WHEN 'fail' THEN 0 WHEN 'unknown' THEN 1 WHEN 'pass' THEN 2 ELSE 3 END, \
             CASE severity WHEN 'critical' THEN 0 WHEN 'high' THEN 1 WHEN 'medium' THEN 2 WHEN 'low' THEN 3 ELSE 4 END, \
             check_id, resource_key",
        );
        if filter.limit > 0 {
            q.push(" LIMIT ").push_bind(i64::from(filter.limit));
            if filter.offset > 0 {
                q.push(" OFFSET ").push_bind(i64::from(filter.offset));
            }
        }
        let mut conn = self.pool.acquire().await.map_err(db_err)?;
        q.build()
            .fetch_all(&mut *conn)
            .await
            .map_err(db_err)?
            .iter()
            .map(result_row)
            .collect()
    }

    async fn posture_history(
        &self,
        check_id: &str,
        resource: &ResourceKey,
    ) -> Result<Vec<PostureTransition>> {
        let mut conn = self.pool.acquire().await.map_err(db_err)?;
        sqlx::query(
            "SELECT at, status, reason, evaluation_id FROM posture_history \
             WHERE check_id = $1 AND resource_key = $2 ORDER BY at, rowid",
        )
        .bind(check_id)
        .bind(resource.as_str())
        .fetch_all(&mut *conn)
        .await
        .map_err(db_err)?
        .iter()
        .map(|row| {
            let status: Option<String> = get(row, "status")?;
            Ok(PostureTransition {
                at: get_ts(row, "at")?,
                status: status
                    .map(|s| PostureStatus::parse(&s).map_err(|e| corrupt("status", e)))
                    .transpose()?,
                reason: get(row, "reason")?,
                evaluation: get(row, "evaluation_id")?,
            })
        })
        .collect()
    }

    async fn posture_evaluations(
        &self,
        connector: Option<&ConnectorId>,
        limit: u32,
    ) -> Result<Vec<PostureEvaluation>> {
        let mut conn = self.pool.acquire().await.map_err(db_err)?;
        sqlx::query(
            "SELECT * FROM posture_evaluations WHERE ($1 IS NULL OR connector_id = $1) \
             ORDER BY at DESC, id DESC LIMIT $2",
        )
        .bind(connector.map(|c| c.as_str().to_owned()))
        .bind(i64::from(limit.max(1)))
        .fetch_all(&mut *conn)
        .await
        .map_err(db_err)?
        .iter()
        .map(evaluation_row)
        .collect()
    }

    async fn posture_scores(&self, scope_key: Option<&str>, limit: u32) -> Result<Vec<StoredScore>> {
        let mut conn = self.pool.acquire().await.map_err(db_err)?;
        sqlx::query(
            "SELECT * FROM (SELECT s.*, row_number() OVER (PARTITION BY scope_key ORDER BY at DESC, evaluation_id DESC) AS n \
             FROM posture_scores s WHERE ($1 IS NULL OR scope_key = $1)) WHERE n <= $2 \
             ORDER BY scope_key, at DESC, evaluation_id DESC",
        )
        .bind(scope_key.map(str::to_ascii_lowercase))
        .bind(i64::from(limit.max(1)))
        .fetch_all(&mut *conn)
        .await
        .map_err(db_err)?
        .iter()
        .map(|row| {
            Ok(StoredScore {
                evaluation: get(row, "evaluation_id")?,
                at: get_ts(row, "at")?,
                score: ScoreRow {
                    scope_key: get(row, "scope_key")?,
                    passed_weight: get_u64(row, "passed_weight")?,
                    applicable_weight: get_u64(row, "applicable_weight")?,
                    passed: get_u64(row, "passed")?,
                    failed: get_u64(row, "failed")?,
                    unknown: get_u64(row, "unknown")?,
                    exempt: get_u64(row, "exempt")?,
                },
            })
        })
        .collect()
    }

    async fn create_exemption(&self, e: &NewExemption, at: Timestamp) -> Result<Exemption> {
        let id = new_posture_id();
        let mut tx = self.pool.begin_with("BEGIN IMMEDIATE").await.map_err(db_err)?;
        sqlx::query(
            "INSERT INTO posture_exemptions (id, check_id, target_kind, target, reason, author, created_at, expires_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
        )
        .bind(&id)
        .bind(&e.check_id)
        .bind(e.target.kind_str())
        .bind(e.target.value())
        .bind(&e.reason)
        .bind(&e.author)
        .bind(at.millis())
        .bind(e.expires_at.map(Timestamp::millis))
        .execute(&mut *tx)
        .await
        .map_err(db_err)?;
        audit(&mut tx, &id, "created", &e.author, at, &e.reason).await?;
        let row = sqlx::query("SELECT * FROM posture_exemptions WHERE id = $1")
            .bind(&id)
            .fetch_one(&mut *tx)
            .await
            .map_err(db_err)?;
        let created = exemption_row(&row)?;
        tx.commit().await.map_err(db_err)?;
        Ok(created)
    }

    async fn revoke_exemption(
        &self,
        id: &str,
        actor: &str,
        reason: &str,
        at: Timestamp,
    ) -> Result<Exemption> {
        let mut tx = self.pool.begin_with("BEGIN IMMEDIATE").await.map_err(db_err)?;
        let Some(row) = sqlx::query("SELECT * FROM posture_exemptions WHERE id = $1")
            .bind(id)
            .fetch_optional(&mut *tx)
            .await
            .map_err(db_err)?
        else {
            return Err(StoreError::NotFound(format!("exemption {id}")));
        };
        if exemption_row(&row)?.revoked_at.is_some() {
            return Err(StoreError::Conflict(format!("exemption {id} is already revoked")));
        }
        sqlx::query("UPDATE posture_exemptions SET revoked_at = $1, revoked_by = $2 WHERE id = $3")
            .bind(at.millis())
            .bind(actor)
            .bind(id)
            .execute(&mut *tx)
            .await
            .map_err(db_err)?;
        audit(&mut tx, id, "revoked", actor, at, reason).await?;
        let row = sqlx::query("SELECT * FROM posture_exemptions WHERE id = $1")
            .bind(id)
            .fetch_one(&mut *tx)
            .await
            .map_err(db_err)?;
        let revoked = exemption_row(&row)?;
        tx.commit().await.map_err(db_err)?;
        Ok(revoked)
    }

    async fn list_exemptions(&self, all: bool, at: Timestamp) -> Result<Vec<Exemption>> {
        let mut conn = self.pool.acquire().await.map_err(db_err)?;
        sqlx::query(
            "SELECT * FROM posture_exemptions WHERE $1 OR (revoked_at IS NULL AND (expires_at IS NULL OR expires_at > $2)) \
             ORDER BY created_at DESC, id DESC",
        )
        .bind(all)
        .bind(at.millis())
        .fetch_all(&mut *conn)
        .await
        .map_err(db_err)?
        .iter()
        .map(exemption_row)
        .collect()
    }

    async fn open_findings_by_target(&self, targets: &[String]) -> Result<Vec<(String, FindingKind, u64)>> {
        open_findings(&self.pool, targets).await
    }

    async fn exemption_audit(&self, exemption: Option<&str>) -> Result<Vec<ExemptionAudit>> {
        let mut conn = self.pool.acquire().await.map_err(db_err)?;
        // Exemption changes are entries of the one audit log.
        sqlx::query(
            "SELECT * FROM audit_log WHERE action IN ('exemption.create', 'exemption.revoke') \
             AND ($1 IS NULL OR target = $1) ORDER BY seq",
        )
        .bind(exemption)
        .fetch_all(&mut *conn)
        .await
        .map_err(db_err)?
        .iter()
        .map(|row| {
            let details: serde_json::Value = serde_json::from_str(&get::<String>(row, "details")?)
                .map_err(|e| corrupt("audit details", e))?;
            let action: String = get(row, "action")?;
            Ok(ExemptionAudit {
                exemption: get(row, "target")?,
                action: if action == "exemption.create" {
                    "created"
                } else {
                    "revoked"
                }
                .to_owned(),
                actor: get(row, "actor")?,
                at: get_ts(row, "at")?,
                reason: details
                    .get("reason")
                    .and_then(serde_json::Value::as_str)
                    .unwrap_or_default()
                    .to_owned(),
            })
        })
        .collect()
    }
}

async fn open_findings(
    pool: &sqlx::Pool<Sqlite>,
    targets: &[String],
) -> Result<Vec<(String, FindingKind, u64)>> {
    let mut out = Vec::new();
    let mut conn = pool.acquire().await.map_err(db_err)?;
    for chunk in targets.chunks(INSERT_CHUNK) {
        let mut q = QueryBuilder::<Sqlite>::new(
            "SELECT l.target, f.kind, count(DISTINCT f.id) AS n FROM findings f \
             JOIN locations l ON l.finding_id = f.id WHERE f.state = 'open' AND l.target IN (",
        );
        let mut list = q.separated(", ");
        for t in chunk {
            list.push_bind(t.clone());
        }
        q.push(") GROUP BY l.target, f.kind");
        for row in q.build().fetch_all(&mut *conn).await.map_err(db_err)? {
            let kind: String = get(&row, "kind")?;
            out.push((
                get::<String>(&row, "target")?,
                FindingKind::from_str(&kind).map_err(|e| corrupt("kind", e))?,
                get_u64(&row, "n")?,
            ));
        }
    }
    Ok(out)
}

/// Records an exemption change in the audit log, in the change's transaction.
async fn audit(
    tx: &mut sqlx::Transaction<'_, Sqlite>,
    id: &str,
    action: &str,
    actor: &str,
    at: Timestamp,
    reason: &str,
) -> Result<()> {
    sqlx::query(
        "INSERT INTO audit_log (at, actor, action, target, source, details) VALUES ($1, $2, $3, $4, NULL, $5)",
    )
    .bind(at.millis())
    .bind(actor)
    .bind(if action == "created" { "exemption.create" } else { "exemption.revoke" })
    .bind(id)
    .bind(serde_json::json!({ "reason": reason }).to_string())
    .execute(&mut **tx)
    .await
    .map_err(db_err)?;
    Ok(())
}
