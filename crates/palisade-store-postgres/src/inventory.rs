//! Connectors, discovery runs and the inventory in `PostgreSQL`.
//!
//! Uniqueness (names, organizations, one running run per connector) rests on
//! unique constraints: a write that loses a race to a concurrent one fails
//! on the constraint and is retried, and the checks then name the winner.
//! Listings of one connector are serialized with a transaction advisory
//! lock, and their rows are written with `UNNEST` of arrays, so a listing of
//! 10,000 resources is a handful of statements.

use std::collections::{BTreeMap, HashMap, HashSet};

use palisade_domain::{
    ConnectorConfig, OrgName, OrgSelection, Resource, ResourceKey, ResourceKind, Scope, Timestamp,
};
use palisade_store::{
    ConnectorId, ConnectorRecord, DiscoveryOutcome, DiscoveryRun, DiscoveryRunId, DiscoveryRunSummary,
    DiscoveryStatus, ExistingResource as Existing, ListingOutcome, ListingRow as RowJson, ResourceFilter,
    Result, StoreError, StoredResource, connector_not_found, kind_order_sql, listing_key, name_conflict,
    org_conflict, prepare_listing, run_not_found,
};
use sqlx::postgres::{PgConnection, PgPool, PgRow};
use sqlx::types::Json;
use sqlx::{Postgres, QueryBuilder};

use crate::managed::remove_connector;
use crate::{corrupt, db_err, get, get_opt_ts, get_ts, get_u64, now, push_in, to_i64};

/// Rows per statement when writing a listing.
const CHUNK: usize = 5_000;

const CONNECTOR_COLS: &str = "id, config, created_at, updated_at, credential_updated_at";

const RUN_COLS: &str = "r.id, r.connector_id, r.status, r.started_at, r.finished_at, r.counts, r.errors, \
     r.requests, r.throttled, r.rate, \
     (SELECT count(*) FROM discovery_listings l WHERE l.run_id = r.id) AS listings";

const RESOURCE_COLS: &str = "connector_id, key, kind, scope_key, name, project_id, resource, first_seen_at, \
     last_seen_at, removed_at";

fn strings(items: &[&str]) -> Vec<String> {
    items.iter().map(|s| (*s).to_owned()).collect()
}

/// Whether a write lost a race on a unique constraint.
pub(crate) fn raced(e: &sqlx::Error) -> bool {
    matches!(e, sqlx::Error::Database(d) if d.is_unique_violation())
}

fn run_from_row(row: &PgRow) -> Result<DiscoveryRunSummary> {
    let status: String = get(row, "status")?;
    let counts: Json<BTreeMap<String, u64>> = get(row, "counts")?;
    let errors: Json<Vec<String>> = get(row, "errors")?;
    let rate: Json<serde_json::Value> = get(row, "rate")?;
    Ok(DiscoveryRunSummary {
        id: DiscoveryRunId::from_stored(get(row, "id")?),
        connector: ConnectorId::from_stored(get(row, "connector_id")?),
        status: DiscoveryStatus::parse(&status).ok_or_else(|| corrupt("discovery status", &status))?,
        started_at: get_ts(row, "started_at")?,
        finished_at: get_opt_ts(row, "finished_at")?,
        counts: counts.0,
        errors: errors.0,
        requests: get_u64(row, "requests")?,
        throttled: get_u64(row, "throttled")?,
        rate: rate.0,
        listings: get_u64(row, "listings")?,
    })
}

async fn last_run(conn: &mut PgConnection, id: &ConnectorId) -> Result<Option<DiscoveryRunSummary>> {
    let sql = format!(
        "SELECT {RUN_COLS} FROM discovery_runs r WHERE r.connector_id = $1 \
         ORDER BY r.started_at DESC, r.id DESC LIMIT 1"
    );
    let row = sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(id.as_str())
        .fetch_optional(&mut *conn)
        .await
        .map_err(db_err)?;
    row.as_ref().map(run_from_row).transpose()
}

async fn connector_from_row(conn: &mut PgConnection, row: &PgRow) -> Result<ConnectorRecord> {
    let id = ConnectorId::from_stored(get(row, "id")?);
    let config: Json<ConnectorConfig> = get(row, "config")?;
    let config = config.0;
    let last_discovery = last_run(conn, &id).await?;
    Ok(ConnectorRecord {
        id,
        config,
        created_at: get_ts(row, "created_at")?,
        updated_at: get_ts(row, "updated_at")?,
        credential_updated_at: get_opt_ts(row, "credential_updated_at")?,
        last_discovery,
    })
}

async fn fetch_connector(conn: &mut PgConnection, id: &ConnectorId) -> Result<Option<ConnectorRecord>> {
    let sql = format!("SELECT {CONNECTOR_COLS} FROM connectors WHERE id = $1");
    let row = sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(id.as_str())
        .fetch_optional(&mut *conn)
        .await
        .map_err(db_err)?;
    match row {
        Some(row) => Ok(Some(connector_from_row(conn, &row).await?)),
        None => Ok(None),
    }
}

/// Refuses a name or an organization another connector (not `id`) has.
async fn check_unique(conn: &mut PgConnection, id: &ConnectorId, config: &ConnectorConfig) -> Result<()> {
    let taken = sqlx::query("SELECT name FROM connectors WHERE name_key = $1 AND id <> $2")
        .bind(config.name.key())
        .bind(id.as_str())
        .fetch_optional(&mut *conn)
        .await
        .map_err(db_err)?;
    if let Some(row) = taken {
        return Err(name_conflict(&get::<String>(&row, "name")?));
    }
    for org in config.claimed_orgs() {
        let taken = sqlx::query(
            "SELECT c.name FROM connector_orgs o JOIN connectors c ON c.id = o.connector_id \
             WHERE o.org_key = $1 AND o.connector_id <> $2",
        )
        .bind(org.key())
        .bind(id.as_str())
        .fetch_optional(&mut *conn)
        .await
        .map_err(db_err)?;
        if let Some(row) = taken {
            return Err(org_conflict(org.as_str(), &get::<String>(&row, "name")?));
        }
    }
    Ok(())
}

/// Replaces the configuration claims of connector `id`. `Ok(false)` when a
/// claim lost a race to another connector.
async fn write_claims(
    conn: &mut PgConnection,
    id: &ConnectorId,
    config: &ConnectorConfig,
    at: Timestamp,
) -> Result<bool> {
    let orgs = config.claimed_orgs();
    let keys: Vec<String> = orgs.iter().map(OrgName::key).collect();
    // Discovery claims only make sense while the connector follows future orgs.
    let drop_discovered = !matches!(config.orgs, OrgSelection::AllExistingAndFuture);
    sqlx::query(
        "DELETE FROM connector_orgs WHERE connector_id = $1 \
         AND (source = 'config' OR $2 OR org_key = ANY($3))",
    )
    .bind(id.as_str())
    .bind(drop_discovered)
    .bind(&keys)
    .execute(&mut *conn)
    .await
    .map_err(db_err)?;
    for org in &orgs {
        let inserted = sqlx::query(
            "INSERT INTO connector_orgs (org_key, org_name, connector_id, source, claimed_at) \
             VALUES ($1, $2, $3, 'config', $4)",
        )
        .bind(org.key())
        .bind(org.as_str())
        .bind(id.as_str())
        .bind(at.millis())
        .execute(&mut *conn)
        .await;
        match inserted {
            Ok(_) => {}
            Err(e) if raced(&e) => return Ok(false),
            Err(e) => return Err(db_err(e)),
        }
    }
    Ok(true)
}

pub(crate) async fn save_connector(
    pool: &PgPool,
    id: &ConnectorId,
    config: &ConnectorConfig,
    sealed: Option<&[u8]>,
    at: Timestamp,
    create: bool,
) -> Result<ConnectorRecord> {
    // A lost race on a unique constraint is retried: the checks then see
    // the winner and say who has the name or organization.
    for _ in 0..3 {
        let mut tx = pool.begin().await.map_err(db_err)?;
        let exists = sqlx::query("SELECT 1 FROM connectors WHERE id = $1")
            .bind(id.as_str())
            .fetch_optional(&mut *tx)
            .await
            .map_err(db_err)?
            .is_some();
        if create && exists {
            return Err(StoreError::Conflict(format!(
                "a connector with id {id} already exists"
            )));
        }
        if !create && !exists {
            return Err(connector_not_found(id.as_str()));
        }
        check_unique(&mut tx, id, config).await?;
        let json = Json(config);
        let written = if create {
            sqlx::query(
                "INSERT INTO connectors (id, name, name_key, auth_kind, config, credential, \
                 credential_updated_at, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $8)",
            )
            .bind(id.as_str())
            .bind(config.name.as_str())
            .bind(config.name.key())
            .bind(config.auth.kind())
            .bind(json)
            .bind(sealed)
            .bind(sealed.map(|_| at.millis()))
            .bind(at.millis())
            .execute(&mut *tx)
            .await
        } else {
            sqlx::query(
                "UPDATE connectors SET name = $2, name_key = $3, auth_kind = $4, config = $5, \
                 credential = coalesce($6::bytea, credential), \
                 credential_updated_at = CASE WHEN $6::bytea IS NULL THEN credential_updated_at ELSE $7 END, \
                 updated_at = GREATEST(created_at, $7) WHERE id = $1",
            )
            .bind(id.as_str())
            .bind(config.name.as_str())
            .bind(config.name.key())
            .bind(config.auth.kind())
            .bind(json)
            .bind(sealed)
            .bind(at.millis())
            .execute(&mut *tx)
            .await
        };
        match written {
            Ok(_) => {}
            Err(e) if raced(&e) => continue,
            Err(e) => return Err(db_err(e)),
        }
        if !write_claims(&mut tx, id, config, at).await? {
            continue;
        }
        let record = fetch_connector(&mut tx, id)
            .await?
            .ok_or_else(|| connector_not_found(id.as_str()))?;
        tx.commit().await.map_err(db_err)?;
        return Ok(record);
    }
    Err(StoreError::Conflict(format!(
        "connector {} could not be saved: another connector kept taking its name or organization; try again",
        config.name
    )))
}

pub(crate) async fn get_connector(pool: &PgPool, name_or_id: &str) -> Result<ConnectorRecord> {
    let mut conn = pool.acquire().await.map_err(db_err)?;
    let row = if let Some(id) = ConnectorId::parse(name_or_id) {
        let sql = format!("SELECT {CONNECTOR_COLS} FROM connectors WHERE id = $1");
        sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(id.as_str().to_owned())
            .fetch_optional(&mut *conn)
            .await
    } else {
        let sql = format!("SELECT {CONNECTOR_COLS} FROM connectors WHERE name_key = $1");
        sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(name_or_id.trim().to_ascii_lowercase())
            .fetch_optional(&mut *conn)
            .await
    }
    .map_err(db_err)?
    .ok_or_else(|| connector_not_found(name_or_id))?;
    connector_from_row(&mut conn, &row).await
}

pub(crate) async fn list_connectors(pool: &PgPool) -> Result<Vec<ConnectorRecord>> {
    let mut tx = pool.begin().await.map_err(db_err)?;
    let sql = format!("SELECT {CONNECTOR_COLS} FROM connectors ORDER BY name_key COLLATE \"C\"");
    let rows = sqlx::query(sqlx::AssertSqlSafe(sql))
        .fetch_all(&mut *tx)
        .await
        .map_err(db_err)?;
    let mut out = Vec::with_capacity(rows.len());
    for row in &rows {
        out.push(connector_from_row(&mut tx, row).await?);
    }
    tx.commit().await.map_err(db_err)?;
    Ok(out)
}

pub(crate) async fn delete_connectors(pool: &PgPool, ids: &[ConnectorId]) -> Result<u64> {
    let mut unique: Vec<&ConnectorId> = ids.iter().collect();
    unique.sort();
    unique.dedup();
    let at = now();
    let mut tx = pool.begin().await.map_err(db_err)?;
    let mut deleted = 0;
    for id in unique {
        // As revoking: managed repositories archived, jobs cancelled.
        if !remove_connector(&mut tx, id, at).await? {
            // Dropping the transaction rolls back the deletes before it.
            return Err(connector_not_found(id.as_str()));
        }
        deleted += 1;
    }
    tx.commit().await.map_err(db_err)?;
    Ok(deleted)
}

pub(crate) async fn connector_credential(pool: &PgPool, id: &ConnectorId) -> Result<Option<Vec<u8>>> {
    let row = sqlx::query("SELECT credential FROM connectors WHERE id = $1")
        .bind(id.as_str())
        .fetch_optional(pool)
        .await
        .map_err(db_err)?
        .ok_or_else(|| connector_not_found(id.as_str()))?;
    get(&row, "credential")
}

pub(crate) async fn set_connector_credential(
    pool: &PgPool,
    id: &ConnectorId,
    sealed: &[u8],
    at: Timestamp,
) -> Result<()> {
    let done = sqlx::query("UPDATE connectors SET credential = $2, credential_updated_at = $3 WHERE id = $1")
        .bind(id.as_str())
        .bind(sealed)
        .bind(at.millis())
        .execute(pool)
        .await
        .map_err(db_err)?;
    if done.rows_affected() == 0 {
        return Err(connector_not_found(id.as_str()));
    }
    Ok(())
}

pub(crate) async fn claim_org(pool: &PgPool, id: &ConnectorId, org: &OrgName, at: Timestamp) -> Result<bool> {
    let mut tx = pool.begin().await.map_err(db_err)?;
    if sqlx::query("SELECT 1 FROM connectors WHERE id = $1")
        .bind(id.as_str())
        .fetch_optional(&mut *tx)
        .await
        .map_err(db_err)?
        .is_none()
    {
        return Err(connector_not_found(id.as_str()));
    }
    sqlx::query(
        "INSERT INTO connector_orgs (org_key, org_name, connector_id, source, claimed_at) \
         VALUES ($1, $2, $3, 'discovery', $4) ON CONFLICT (org_key) DO NOTHING",
    )
    .bind(org.key())
    .bind(org.as_str())
    .bind(id.as_str())
    .bind(at.millis())
    .execute(&mut *tx)
    .await
    .map_err(db_err)?;
    let owner: String = get(
        &sqlx::query("SELECT connector_id FROM connector_orgs WHERE org_key = $1")
            .bind(org.key())
            .fetch_one(&mut *tx)
            .await
            .map_err(db_err)?,
        "connector_id",
    )?;
    tx.commit().await.map_err(db_err)?;
    Ok(owner == id.as_str())
}

pub(crate) async fn begin_discovery(pool: &PgPool, id: &ConnectorId, at: Timestamp) -> Result<DiscoveryRun> {
    // Two concurrent begins race on discovery_runs_running: the loser
    // retries and takes up the winner's run.
    for _ in 0..3 {
        let mut tx = pool.begin().await.map_err(db_err)?;
        if sqlx::query("SELECT 1 FROM connectors WHERE id = $1")
            .bind(id.as_str())
            .fetch_optional(&mut *tx)
            .await
            .map_err(db_err)?
            .is_none()
        {
            return Err(connector_not_found(id.as_str()));
        }
        let running = sqlx::query(
            "SELECT id, started_at FROM discovery_runs WHERE connector_id = $1 AND status = 'running'",
        )
        .bind(id.as_str())
        .fetch_optional(&mut *tx)
        .await
        .map_err(db_err)?;
        if let Some(row) = running {
            return Ok(DiscoveryRun {
                id: DiscoveryRunId::from_stored(get(&row, "id")?),
                connector: id.clone(),
                started_at: get_ts(&row, "started_at")?,
                resumed: true,
            });
        }
        let run_id = DiscoveryRunId::generate();
        let inserted = sqlx::query(
            "INSERT INTO discovery_runs (id, connector_id, status, started_at) VALUES ($1, $2, 'running', $3)",
        )
        .bind(run_id.as_str())
        .bind(id.as_str())
        .bind(at.millis())
        .execute(&mut *tx)
        .await;
        match inserted {
            Ok(_) => {}
            Err(e) if raced(&e) => continue,
            Err(e) => return Err(db_err(e)),
        }
        tx.commit().await.map_err(db_err)?;
        return Ok(DiscoveryRun {
            id: run_id,
            connector: id.clone(),
            started_at: at,
            resumed: false,
        });
    }
    Err(StoreError::Other(format!(
        "could not begin a discovery of connector {id}: concurrent discoveries kept interfering; try again"
    )))
}

pub(crate) async fn listing_done(pool: &PgPool, run: &DiscoveryRunId, key: &str) -> Result<bool> {
    let row = sqlx::query(
        "SELECT EXISTS (SELECT 1 FROM discovery_runs WHERE id = $1) AS known, \
         EXISTS (SELECT 1 FROM discovery_listings WHERE run_id = $1 AND listing_key = $2) AS done",
    )
    .bind(run.as_str())
    .bind(key)
    .fetch_one(pool)
    .await
    .map_err(db_err)?;
    if !get::<bool>(&row, "known")? {
        return Err(run_not_found(run));
    }
    get(&row, "done")
}

/// Checks the run can take a listing of `connector`.
async fn check_run(conn: &mut PgConnection, run: &DiscoveryRunId, connector: &ConnectorId) -> Result<()> {
    let row = sqlx::query("SELECT connector_id, status FROM discovery_runs WHERE id = $1")
        .bind(run.as_str())
        .fetch_optional(&mut *conn)
        .await
        .map_err(db_err)?
        .ok_or_else(|| run_not_found(run))?;
    let owner: String = get(&row, "connector_id")?;
    if owner != connector.as_str() {
        return Err(StoreError::Other(format!(
            "discovery run {run} belongs to connector {owner}, not {connector}"
        )));
    }
    let status: String = get(&row, "status")?;
    if status != DiscoveryStatus::Running.as_str() {
        return Err(StoreError::Conflict(format!(
            "discovery run {run} already ended ({status}); begin a new one"
        )));
    }
    Ok(())
}

#[expect(clippy::too_many_arguments, reason = "mirrors Store::record_listing")]
pub(crate) async fn record_listing(
    pool: &PgPool,
    run: &DiscoveryRunId,
    connector: &ConnectorId,
    scope: &Scope,
    kinds: &[ResourceKind],
    resources: &[Resource],
    org_id: &str,
    at: Timestamp,
) -> Result<ListingOutcome> {
    let prepared = prepare_listing(org_id, kinds, resources)?;
    let scope_key = scope.key();
    let done_key = listing_key(scope, kinds);
    let kind_names: Vec<&str> = kinds.iter().map(|k| k.as_str()).collect();
    let keys: Vec<&str> = prepared.iter().map(|p| p.key.as_str()).collect();
    let at_ms = at.millis();

    let mut tx = pool.begin().await.map_err(db_err)?;
    // One listing of a connector at a time: the classification below reads
    // what the writes after it change.
    sqlx::query("SELECT pg_advisory_xact_lock(hashtextextended('palisade-listing:' || $1, 0))")
        .bind(connector.as_str())
        .execute(&mut *tx)
        .await
        .map_err(db_err)?;
    check_run(&mut tx, run, connector).await?;
    let rows = sqlx::query(
        "SELECT key, content_hash, scope_key, kind, removed_at FROM resources WHERE connector_id = $1 \
         AND ((scope_key = $2 AND kind = ANY($3)) OR key = ANY($4))",
    )
    .bind(connector.as_str())
    .bind(&scope_key)
    .bind(strings(&kind_names))
    .bind(strings(&keys))
    .fetch_all(&mut *tx)
    .await
    .map_err(db_err)?;
    let mut existing: HashMap<String, Existing> = HashMap::with_capacity(rows.len());
    for row in &rows {
        existing.insert(
            get(row, "key")?,
            Existing {
                hash: get(row, "content_hash")?,
                scope: get(row, "scope_key")?,
                kind: get(row, "kind")?,
                removed: get::<Option<i64>>(row, "removed_at")?.is_some(),
            },
        );
    }

    let mut outcome = ListingOutcome::default();
    let mut inserts = Vec::new();
    let mut updates = Vec::new();
    let mut touches = Vec::new();
    for p in &prepared {
        match existing.get(&p.key) {
            None => {
                outcome.added += 1;
                inserts.push(RowJson::from(p));
            }
            Some(e) if e.removed => {
                outcome.restored += 1;
                updates.push(RowJson::from(p));
            }
            Some(e) if e.hash != p.hash || e.scope != scope_key => {
                outcome.changed += 1;
                updates.push(RowJson::from(p));
            }
            Some(_) => {
                outcome.unchanged += 1;
                touches.push(p.key.as_str());
            }
        }
    }
    let listed: HashSet<&str> = keys.iter().copied().collect();
    let removed: Vec<&str> = existing
        .iter()
        .filter(|(key, e)| {
            !e.removed
                && e.scope == scope_key
                && kind_names.contains(&e.kind.as_str())
                && !listed.contains(key.as_str())
        })
        .map(|(key, _)| key.as_str())
        .collect();
    outcome.removed = removed.len() as u64;

    for chunk in inserts.chunks(CHUNK) {
        sqlx::query(
            "INSERT INTO resources (connector_id, key, kind, scope_key, project_id, name, resource, \
             content_hash, first_seen_at, last_seen_at) \
             SELECT $1, u.key, u.kind, $2, u.project_id, u.name, u.json::jsonb, u.hash, $3, $3 \
             FROM UNNEST($4::text[], $5::text[], $6::text[], $7::text[], $8::text[], $9::text[]) \
                  AS u (key, kind, project_id, name, json, hash) \
             ON CONFLICT (connector_id, key) DO NOTHING",
        )
        .bind(connector.as_str())
        .bind(&scope_key)
        .bind(at_ms)
        .bind(chunk.iter().map(|r| r.key.to_owned()).collect::<Vec<_>>())
        .bind(chunk.iter().map(|r| r.kind.to_owned()).collect::<Vec<_>>())
        .bind(
            chunk
                .iter()
                .map(|r| r.project_id.map(str::to_owned))
                .collect::<Vec<_>>(),
        )
        .bind(chunk.iter().map(|r| r.name.to_owned()).collect::<Vec<_>>())
        .bind(chunk.iter().map(|r| r.json.to_owned()).collect::<Vec<_>>())
        .bind(chunk.iter().map(|r| r.hash.to_owned()).collect::<Vec<_>>())
        .execute(&mut *tx)
        .await
        .map_err(db_err)?;
    }
    for chunk in updates.chunks(CHUNK) {
        sqlx::query(
            "UPDATE resources SET kind = u.kind, scope_key = $2, project_id = u.project_id, name = u.name, \
             resource = u.json::jsonb, content_hash = u.hash, \
             last_seen_at = GREATEST(resources.last_seen_at, $3), removed_at = NULL \
             FROM UNNEST($4::text[], $5::text[], $6::text[], $7::text[], $8::text[], $9::text[]) \
                  AS u (key, kind, project_id, name, json, hash) \
             WHERE resources.connector_id = $1 AND resources.key = u.key",
        )
        .bind(connector.as_str())
        .bind(&scope_key)
        .bind(at_ms)
        .bind(chunk.iter().map(|r| r.key.to_owned()).collect::<Vec<_>>())
        .bind(chunk.iter().map(|r| r.kind.to_owned()).collect::<Vec<_>>())
        .bind(
            chunk
                .iter()
                .map(|r| r.project_id.map(str::to_owned))
                .collect::<Vec<_>>(),
        )
        .bind(chunk.iter().map(|r| r.name.to_owned()).collect::<Vec<_>>())
        .bind(chunk.iter().map(|r| r.json.to_owned()).collect::<Vec<_>>())
        .bind(chunk.iter().map(|r| r.hash.to_owned()).collect::<Vec<_>>())
        .execute(&mut *tx)
        .await
        .map_err(db_err)?;
    }
    for chunk in touches.chunks(CHUNK) {
        sqlx::query(
            "UPDATE resources SET last_seen_at = GREATEST(last_seen_at, $2) \
             WHERE connector_id = $1 AND key = ANY($3)",
        )
        .bind(connector.as_str())
        .bind(at_ms)
        .bind(strings(chunk))
        .execute(&mut *tx)
        .await
        .map_err(db_err)?;
    }
    for chunk in removed.chunks(CHUNK) {
        sqlx::query(
            "UPDATE resources SET removed_at = $2 \
             WHERE connector_id = $1 AND removed_at IS NULL AND key = ANY($3)",
        )
        .bind(connector.as_str())
        .bind(at_ms)
        .bind(strings(chunk))
        .execute(&mut *tx)
        .await
        .map_err(db_err)?;
    }
    sqlx::query(
        "INSERT INTO discovery_listings (run_id, listing_key, recorded_at) VALUES ($1, $2, $3) \
         ON CONFLICT (run_id, listing_key) DO NOTHING",
    )
    .bind(run.as_str())
    .bind(&done_key)
    .bind(at_ms)
    .execute(&mut *tx)
    .await
    .map_err(db_err)?;
    tx.commit().await.map_err(db_err)?;
    Ok(outcome)
}

async fn fetch_run(conn: &mut PgConnection, run: &DiscoveryRunId) -> Result<DiscoveryRunSummary> {
    let sql = format!("SELECT {RUN_COLS} FROM discovery_runs r WHERE r.id = $1");
    let row = sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(run.as_str())
        .fetch_optional(&mut *conn)
        .await
        .map_err(db_err)?
        .ok_or_else(|| run_not_found(run))?;
    run_from_row(&row)
}

pub(crate) async fn finish_discovery(
    pool: &PgPool,
    run: &DiscoveryRunId,
    outcome: &DiscoveryOutcome,
    at: Timestamp,
) -> Result<DiscoveryRunSummary> {
    if outcome.status == DiscoveryStatus::Running {
        return Err(StoreError::Other(
            "a discovery run ends finished, failed or partial, not running".into(),
        ));
    }
    let counts = Json(&outcome.counts);
    let errors = Json(&outcome.errors);
    let rate = Json(&outcome.rate_json);
    let mut tx = pool.begin().await.map_err(db_err)?;
    let current = fetch_run(&mut tx, run).await?;
    if current.status != DiscoveryStatus::Running {
        return Err(StoreError::Conflict(format!(
            "discovery run {run} already ended ({})",
            current.status
        )));
    }
    sqlx::query(
        "UPDATE discovery_runs SET status = $2, finished_at = GREATEST(started_at, $3), counts = $4, errors = $5, \
         requests = $6, throttled = $7, rate = $8 WHERE id = $1",
    )
    .bind(run.as_str())
    .bind(outcome.status.as_str())
    .bind(at.millis())
    .bind(counts)
    .bind(errors)
    .bind(to_i64("requests", outcome.requests)?)
    .bind(to_i64("throttled", outcome.throttled)?)
    .bind(rate)
    .execute(&mut *tx)
    .await
    .map_err(db_err)?;
    let summary = fetch_run(&mut tx, run).await?;
    tx.commit().await.map_err(db_err)?;
    Ok(summary)
}

pub(crate) async fn list_discovery_runs(
    pool: &PgPool,
    connector: &ConnectorId,
    limit: u32,
) -> Result<Vec<DiscoveryRunSummary>> {
    let sql = format!(
        "SELECT {RUN_COLS} FROM discovery_runs r WHERE r.connector_id = $1 \
         ORDER BY r.started_at DESC, r.id DESC LIMIT $2"
    );
    let rows = sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(connector.as_str())
        .bind(i64::from(limit))
        .fetch_all(pool)
        .await
        .map_err(db_err)?;
    rows.iter().map(run_from_row).collect()
}

fn resource_from_row(row: &PgRow) -> Result<StoredResource> {
    let kind: String = get(row, "kind")?;
    let json: Json<Resource> = get(row, "resource")?;
    Ok(StoredResource {
        key: ResourceKey::from_stored(get(row, "key")?),
        kind: ResourceKind::parse(&kind).ok_or_else(|| corrupt("resource kind", &kind))?,
        connector: ConnectorId::from_stored(get(row, "connector_id")?),
        scope: get(row, "scope_key")?,
        name: get(row, "name")?,
        project_id: get(row, "project_id")?,
        resource: json.0,
        first_seen_at: get_ts(row, "first_seen_at")?,
        last_seen_at: get_ts(row, "last_seen_at")?,
        removed_at: get_opt_ts(row, "removed_at")?,
    })
}

pub(crate) async fn list_resources(pool: &PgPool, filter: &ResourceFilter) -> Result<Vec<StoredResource>> {
    let mut q = QueryBuilder::<Postgres>::new(format!("SELECT {RESOURCE_COLS} FROM resources WHERE 1 = 1"));
    if let Some(connector) = &filter.connector {
        q.push(" AND connector_id = ")
            .push_bind(connector.as_str().to_owned());
    }
    if !filter.kinds.is_empty() {
        push_in(&mut q, "kind", filter.kinds.iter().map(|k| k.as_str()));
    }
    if let Some(project) = &filter.project_id {
        q.push(" AND project_id = ").push_bind(project.clone());
    }
    if !filter.include_removed {
        q.push(" AND removed_at IS NULL");
    }
    q.push(format!(
        " ORDER BY {}, name COLLATE \"C\", key COLLATE \"C\"",
        kind_order_sql("kind")
    ));
    q.push(" LIMIT ")
        .push_bind(filter.limit.map(i64::from))
        .push(" OFFSET ")
        .push_bind(i64::from(filter.offset));
    let rows = q.build().fetch_all(pool).await.map_err(db_err)?;
    rows.iter().map(resource_from_row).collect()
}

pub(crate) async fn resource_counts(
    pool: &PgPool,
    connector: Option<&ConnectorId>,
) -> Result<BTreeMap<ResourceKind, u64>> {
    let rows = sqlx::query(
        "SELECT kind, count(*) AS n FROM resources WHERE removed_at IS NULL \
         AND ($1::text IS NULL OR connector_id = $1) GROUP BY kind",
    )
    .bind(connector.map(ConnectorId::as_str))
    .fetch_all(pool)
    .await
    .map_err(db_err)?;
    let mut out = BTreeMap::new();
    for row in &rows {
        let kind: String = get(row, "kind")?;
        out.insert(
            ResourceKind::parse(&kind).ok_or_else(|| corrupt("resource kind", &kind))?,
            get_u64(row, "n")?,
        );
    }
    Ok(out)
}
