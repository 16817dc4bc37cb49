//! Users, grants, API tokens and the audit log in `PostgreSQL`.
//!
//! Every change locks the row it changes (`FOR UPDATE`) and writes its audit
//! entry in the same transaction: a change is never without its record, nor
//! a record without its change. Names stay unique through the unique
//! constraint: a create that loses a race is a conflict like any other.

use std::collections::HashMap;

use async_trait::async_trait;
use palisade_domain::{Grant, Role, RoleScope, Timestamp, Username};
use palisade_store::{
    AccessStore, ApiTokenRecord, AuditEntry, AuditFilter, NewApiToken, NewAuditEntry, NewSession, NewUser,
    Result, SessionRecord, StoreError, UserRecord, new_posture_id,
};
use serde_json::json;
use sqlx::postgres::PgRow;
use sqlx::{PgConnection, Postgres, QueryBuilder};

use crate::{PostgresStore, corrupt, db_err, get, get_opt_ts, get_ts};

/// Audit entries read when the filter sets no limit.
const DEFAULT_AUDIT_LIMIT: u32 = 1000;

fn name_taken(existing: &str) -> StoreError {
    StoreError::Conflict(format!(
        "A user with this name already exists: {existing}. Choose a different name."
    ))
}

fn user_not_found(id: &str) -> StoreError {
    StoreError::NotFound(format!("user {id}"))
}

fn token_not_found(id: &str) -> StoreError {
    StoreError::NotFound(format!("API token {id}"))
}

/// Whether a write lost a race on a unique constraint.
fn is_unique_violation(e: &sqlx::Error) -> bool {
    matches!(e, sqlx::Error::Database(d) if d.is_unique_violation())
}

fn grant_row(row: &PgRow) -> Result<(String, Grant)> {
    let role: String = get(row, "role")?;
    let connector: Option<String> = get(row, "connector_id")?;
    Ok((
        get(row, "user_id")?,
        Grant {
            role: Role::parse(&role).ok_or_else(|| corrupt("role", &role))?,
            scope: connector.map_or(RoleScope::All, RoleScope::Connector),
        },
    ))
}

fn user_row(row: &PgRow, mut grants: Vec<Grant>) -> Result<UserRecord> {
    let name: String = get(row, "username")?;
    grants.sort();
    Ok(UserRecord {
        id: get(row, "id")?,
        username: Username::parse(&name).map_err(|e| corrupt("username", e))?,
        display_name: get(row, "display_name")?,
        password_hash: get(row, "password_hash")?,
        grants,
        created_at: get_ts(row, "created_at")?,
        disabled_at: get_opt_ts(row, "disabled_at")?,
    })
}

fn token_row(row: &PgRow) -> Result<ApiTokenRecord> {
    let hash: Vec<u8> = get(row, "secret_hash")?;
    Ok(ApiTokenRecord {
        id: get(row, "id")?,
        user_id: get(row, "user_id")?,
        name: get(row, "name")?,
        secret_hash: hash
            .try_into()
            .map_err(|h: Vec<u8>| corrupt("secret_hash", format_args!("{} bytes", h.len())))?,
        created_at: get_ts(row, "created_at")?,
        expires_at: get_opt_ts(row, "expires_at")?,
        revoked_at: get_opt_ts(row, "revoked_at")?,
        last_used_at: get_opt_ts(row, "last_used_at")?,
    })
}

fn audit_row(row: &PgRow) -> Result<AuditEntry> {
    Ok(AuditEntry {
        seq: get(row, "seq")?,
        at: get_ts(row, "at")?,
        actor: get(row, "actor")?,
        action: get(row, "action")?,
        target: get(row, "target")?,
        source: get(row, "source")?,
        details: get(row, "details")?,
    })
}

/// A user by id or name (ignoring case), with their grants.
async fn find_user(conn: &mut PgConnection, id_or_name: &str) -> Result<Option<UserRecord>> {
    let Some(row) = sqlx::query("SELECT * FROM users WHERE id = $1 OR username_key = $2")
        .bind(id_or_name)
        .bind(id_or_name.trim().to_ascii_lowercase())
        .fetch_optional(&mut *conn)
        .await
        .map_err(db_err)?
    else {
        return Ok(None);
    };
    let id: String = get(&row, "id")?;
    let grants = sqlx::query("SELECT * FROM user_grants WHERE user_id = $1")
        .bind(&id)
        .fetch_all(&mut *conn)
        .await
        .map_err(db_err)?
        .iter()
        .map(|r| grant_row(r).map(|(_, g)| g))
        .collect::<Result<Vec<_>>>()?;
    user_row(&row, grants).map(Some)
}

/// A user by id; [`StoreError::NotFound`] when there is none.
async fn user_by_id(conn: &mut PgConnection, id: &str) -> Result<UserRecord> {
    match find_user(conn, id).await? {
        Some(u) if u.id == id => Ok(u),
        _ => Err(user_not_found(id)),
    }
}

/// Sorted, without duplicates: the unique index would refuse them.
fn normalized(grants: &[Grant]) -> Vec<Grant> {
    let mut grants = grants.to_vec();
    grants.sort();
    grants.dedup();
    grants
}

async fn insert_grants(conn: &mut PgConnection, user_id: &str, grants: &[Grant]) -> Result<()> {
    for g in grants {
        let connector = match &g.scope {
            RoleScope::All => None,
            RoleScope::Connector(c) => Some(c.as_str()),
        };
        sqlx::query("INSERT INTO user_grants (user_id, role, connector_id) VALUES ($1, $2, $3)")
            .bind(user_id)
            .bind(g.role.as_str())
            .bind(connector)
            .execute(&mut *conn)
            .await
            .map_err(db_err)?;
    }
    Ok(())
}

async fn insert_audit(conn: &mut PgConnection, e: &NewAuditEntry) -> Result<()> {
    sqlx::query(
        "INSERT INTO audit_log (at, actor, action, target, source, details) VALUES ($1, $2, $3, $4, $5, $6)",
    )
    .bind(e.at.millis())
    .bind(&e.actor)
    .bind(&e.action)
    .bind(&e.target)
    .bind(&e.source)
    .bind(&e.details)
    .execute(&mut *conn)
    .await
    .map_err(db_err)?;
    Ok(())
}

/// The audit entry of a change made through this store.
fn entry(
    at: Timestamp,
    actor: &str,
    action: &str,
    target: &str,
    details: serde_json::Value,
) -> NewAuditEntry {
    NewAuditEntry {
        at,
        actor: actor.to_owned(),
        action: action.to_owned(),
        target: target.to_owned(),
        source: None,
        details,
    }
}

async fn end_user_sessions(conn: &mut PgConnection, user_id: &str) -> Result<()> {
    sqlx::query("DELETE FROM sessions WHERE user_id = $1")
        .bind(user_id)
        .execute(&mut *conn)
        .await
        .map_err(db_err)?;
    Ok(())
}

fn session_row(row: &PgRow) -> Result<SessionRecord> {
    let hash: Vec<u8> = get(row, "id_hash")?;
    Ok(SessionRecord {
        id_hash: hash
            .try_into()
            .map_err(|h: Vec<u8>| corrupt("id_hash", format_args!("{} bytes", h.len())))?,
        user_id: get(row, "user_id")?,
        created_at: get_ts(row, "created_at")?,
        last_seen_at: get_ts(row, "last_seen_at")?,
        expires_at: get_ts(row, "expires_at")?,
        source: get(row, "source")?,
        user_agent: get(row, "user_agent")?,
    })
}

async fn session_by_hash(conn: &mut PgConnection, id_hash: &[u8; 32]) -> Result<SessionRecord> {
    sqlx::query("SELECT * FROM sessions WHERE id_hash = $1")
        .bind(id_hash.as_slice())
        .fetch_optional(&mut *conn)
        .await
        .map_err(db_err)?
        .as_ref()
        .map(session_row)
        .transpose()?
        .ok_or_else(|| StoreError::NotFound("session".into()))
}

async fn token_by_id(conn: &mut PgConnection, id: &str) -> Result<ApiTokenRecord> {
    sqlx::query("SELECT * FROM api_tokens WHERE id = $1")
        .bind(id)
        .fetch_optional(&mut *conn)
        .await
        .map_err(db_err)?
        .as_ref()
        .map(token_row)
        .transpose()?
        .ok_or_else(|| token_not_found(id))
}

/// Locks a row for the rest of the transaction (`sql` selects it by `$1`
/// with `FOR UPDATE` or `FOR SHARE`); a missing row locks nothing.
async fn lock(conn: &mut PgConnection, sql: &'static str, id: &str) -> Result<()> {
    sqlx::query(sql)
        .bind(id)
        .fetch_optional(&mut *conn)
        .await
        .map_err(db_err)?;
    Ok(())
}

const LOCK_USER: &str = "SELECT id FROM users WHERE id = $1 FOR UPDATE";

#[async_trait]
impl AccessStore for PostgresStore {
    async fn create_user(
        &self,
        user: &NewUser,
        grants: &[Grant],
        actor: &str,
        at: Timestamp,
    ) -> Result<UserRecord> {
        let id = new_posture_id();
        let grants = normalized(grants);
        let mut tx = self.pool.begin().await.map_err(db_err)?;
        if let Some(row) = sqlx::query("SELECT username FROM users WHERE username_key = $1")
            .bind(user.username.key())
            .fetch_optional(&mut *tx)
            .await
            .map_err(db_err)?
        {
            return Err(name_taken(&get::<String>(&row, "username")?));
        }
        sqlx::query(
            "INSERT INTO users (id, username, username_key, display_name, password_hash, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6)",
        )
        .bind(&id)
        .bind(user.username.as_str())
        .bind(user.username.key())
        .bind(&user.display_name)
        .bind(&user.password_hash)
        .bind(at.millis())
        .execute(&mut *tx)
        .await
        .map_err(|e| {
            if is_unique_violation(&e) {
                name_taken(user.username.as_str())
            } else {
                db_err(e)
            }
        })?;
        insert_grants(&mut tx, &id, &grants).await?;
        let details = json!({
            "id": id,
            "display_name": user.display_name,
            "password": user.password_hash.is_some(),
            "grants": grants,
        });
        insert_audit(
            &mut tx,
            &entry(at, actor, "user.create", user.username.as_str(), details),
        )
        .await?;
        let created = user_by_id(&mut tx, &id).await?;
        tx.commit().await.map_err(db_err)?;
        Ok(created)
    }

    async fn get_user(&self, id_or_name: &str) -> Result<UserRecord> {
        let mut conn = self.pool.acquire().await.map_err(db_err)?;
        find_user(&mut conn, id_or_name)
            .await?
            .ok_or_else(|| user_not_found(id_or_name))
    }

    async fn list_users(&self) -> Result<Vec<UserRecord>> {
        let mut conn = self.pool.acquire().await.map_err(db_err)?;
        let mut grants: HashMap<String, Vec<Grant>> = HashMap::new();
        for row in sqlx::query("SELECT * FROM user_grants")
            .fetch_all(&mut *conn)
            .await
            .map_err(db_err)?
        {
            let (user, grant) = grant_row(&row)?;
            grants.entry(user).or_default().push(grant);
        }
        sqlx::query("SELECT * FROM users ORDER BY username_key")
            .fetch_all(&mut *conn)
            .await
            .map_err(db_err)?
            .iter()
            .map(|row| {
                let id: String = get(row, "id")?;
                user_row(row, grants.remove(&id).unwrap_or_default())
            })
            .collect()
    }

    async fn set_password(
        &self,
        user_id: &str,
        password_hash: &str,
        actor: &str,
        at: Timestamp,
    ) -> Result<()> {
        let mut tx = self.pool.begin().await.map_err(db_err)?;
        lock(&mut tx, LOCK_USER, user_id).await?;
        let user = user_by_id(&mut tx, user_id).await?;
        sqlx::query("UPDATE users SET password_hash = $1 WHERE id = $2")
            .bind(password_hash)
            .bind(user_id)
            .execute(&mut *tx)
            .await
            .map_err(db_err)?;
        // A new password signs every browser out.
        end_user_sessions(&mut tx, user_id).await?;
        let details = json!({ "id": user_id });
        insert_audit(
            &mut tx,
            &entry(at, actor, "user.password", user.username.as_str(), details),
        )
        .await?;
        tx.commit().await.map_err(db_err)
    }

    async fn set_grants(
        &self,
        user_id: &str,
        grants: &[Grant],
        actor: &str,
        at: Timestamp,
    ) -> Result<UserRecord> {
        let grants = normalized(grants);
        let mut tx = self.pool.begin().await.map_err(db_err)?;
        lock(&mut tx, LOCK_USER, user_id).await?;
        let before = user_by_id(&mut tx, user_id).await?;
        sqlx::query("DELETE FROM user_grants WHERE user_id = $1")
            .bind(user_id)
            .execute(&mut *tx)
            .await
            .map_err(db_err)?;
        insert_grants(&mut tx, user_id, &grants).await?;
        let details = json!({ "id": user_id, "previous": before.grants, "grants": grants });
        insert_audit(
            &mut tx,
            &entry(at, actor, "user.grants", before.username.as_str(), details),
        )
        .await?;
        let after = user_by_id(&mut tx, user_id).await?;
        tx.commit().await.map_err(db_err)?;
        Ok(after)
    }

    async fn disable_user(&self, user_id: &str, actor: &str, at: Timestamp) -> Result<UserRecord> {
        let mut tx = self.pool.begin().await.map_err(db_err)?;
        lock(&mut tx, LOCK_USER, user_id).await?;
        let user = user_by_id(&mut tx, user_id).await?;
        if user.disabled_at.is_some() {
            return Err(StoreError::Conflict(format!(
                "user {} is already disabled",
                user.username
            )));
        }
        sqlx::query("UPDATE users SET disabled_at = $1 WHERE id = $2")
            .bind(at.millis())
            .bind(user_id)
            .execute(&mut *tx)
            .await
            .map_err(db_err)?;
        end_user_sessions(&mut tx, user_id).await?;
        let mut revoked = sqlx::query(
            "UPDATE api_tokens SET revoked_at = $1 \
             WHERE user_id = $2 AND revoked_at IS NULL AND (expires_at IS NULL OR expires_at > $1) \
             RETURNING id",
        )
        .bind(at.millis())
        .bind(user_id)
        .fetch_all(&mut *tx)
        .await
        .map_err(db_err)?
        .iter()
        .map(|row| get::<String>(row, "id"))
        .collect::<Result<Vec<_>>>()?;
        revoked.sort();
        let details = json!({ "id": user_id, "revoked_tokens": revoked });
        insert_audit(
            &mut tx,
            &entry(at, actor, "user.disable", user.username.as_str(), details),
        )
        .await?;
        let disabled = user_by_id(&mut tx, user_id).await?;
        tx.commit().await.map_err(db_err)?;
        Ok(disabled)
    }

    async fn create_api_token(
        &self,
        token: &NewApiToken,
        actor: &str,
        at: Timestamp,
    ) -> Result<ApiTokenRecord> {
        let mut tx = self.pool.begin().await.map_err(db_err)?;
        // Shared: a concurrent disable waits, or sees this token to revoke.
        lock(
            &mut tx,
            "SELECT id FROM users WHERE id = $1 FOR SHARE",
            &token.user_id,
        )
        .await?;
        let user = user_by_id(&mut tx, &token.user_id).await?;
        if user.disabled_at.is_some() {
            return Err(StoreError::Conflict(format!(
                "user {} is disabled and cannot have a new API token",
                user.username
            )));
        }
        sqlx::query(
            "INSERT INTO api_tokens (id, user_id, name, secret_hash, created_at, expires_at) \
             VALUES ($1, $2, $3, $4, $5, $6)",
        )
        .bind(&token.id)
        .bind(&token.user_id)
        .bind(&token.name)
        .bind(token.secret_hash.as_slice())
        .bind(at.millis())
        .bind(token.expires_at.map(Timestamp::millis))
        .execute(&mut *tx)
        .await
        .map_err(|e| {
            if is_unique_violation(&e) {
                StoreError::Conflict(format!("An API token with id {} already exists.", token.id))
            } else {
                db_err(e)
            }
        })?;
        let details = json!({
            "user": user.username,
            "user_id": token.user_id,
            "name": token.name,
            "expires_at": token.expires_at,
        });
        insert_audit(&mut tx, &entry(at, actor, "token.create", &token.id, details)).await?;
        let created = token_by_id(&mut tx, &token.id).await?;
        tx.commit().await.map_err(db_err)?;
        Ok(created)
    }

    async fn api_token(&self, id: &str) -> Result<ApiTokenRecord> {
        let mut conn = self.pool.acquire().await.map_err(db_err)?;
        token_by_id(&mut conn, id).await
    }

    async fn list_api_tokens(&self, user_id: Option<&str>) -> Result<Vec<ApiTokenRecord>> {
        let mut conn = self.pool.acquire().await.map_err(db_err)?;
        sqlx::query(
            "SELECT * FROM api_tokens WHERE ($1::text IS NULL OR user_id = $1) \
             ORDER BY created_at DESC, id DESC",
        )
        .bind(user_id)
        .fetch_all(&mut *conn)
        .await
        .map_err(db_err)?
        .iter()
        .map(token_row)
        .collect()
    }

    async fn revoke_api_token(&self, id: &str, actor: &str, at: Timestamp) -> Result<ApiTokenRecord> {
        let mut tx = self.pool.begin().await.map_err(db_err)?;
        lock(&mut tx, "SELECT id FROM api_tokens WHERE id = $1 FOR UPDATE", id).await?;
        let token = token_by_id(&mut tx, id).await?;
        if token.revoked_at.is_some() {
            return Err(StoreError::Conflict(format!("API token {id} is already revoked")));
        }
        sqlx::query("UPDATE api_tokens SET revoked_at = $1 WHERE id = $2")
            .bind(at.millis())
            .bind(id)
            .execute(&mut *tx)
            .await
            .map_err(db_err)?;
        let details = json!({ "user_id": token.user_id, "name": token.name });
        insert_audit(&mut tx, &entry(at, actor, "token.revoke", id, details)).await?;
        let revoked = token_by_id(&mut tx, id).await?;
        tx.commit().await.map_err(db_err)?;
        Ok(revoked)
    }

    async fn touch_api_token(&self, id: &str, at: Timestamp) -> Result<()> {
        let mut conn = self.pool.acquire().await.map_err(db_err)?;
        // Never backwards: concurrent requests may report out of order.
        let done =
            sqlx::query("UPDATE api_tokens SET last_used_at = greatest(last_used_at, $1) WHERE id = $2")
                .bind(at.millis())
                .bind(id)
                .execute(&mut *conn)
                .await
                .map_err(db_err)?;
        if done.rows_affected() == 0 {
            return Err(token_not_found(id));
        }
        Ok(())
    }

    async fn append_audit(&self, entry: &NewAuditEntry) -> Result<()> {
        let mut conn = self.pool.acquire().await.map_err(db_err)?;
        insert_audit(&mut conn, entry).await
    }

    async fn audit_log(&self, filter: &AuditFilter) -> Result<Vec<AuditEntry>> {
        let mut q = QueryBuilder::<Postgres>::new("SELECT * FROM audit_log WHERE 1 = 1");
        if let Some(actor) = &filter.actor {
            q.push(" AND actor = ").push_bind(actor.clone());
        }
        if let Some(prefix) = &filter.action_prefix {
            // Not LIKE: `_` and `%` in a prefix are literal.
            q.push(" AND substr(action, 1, length(")
                .push_bind(prefix.clone())
                .push(")) = ")
                .push_bind(prefix.clone());
        }
        if let Some(since) = filter.since {
            q.push(" AND at >= ").push_bind(since.millis());
        }
        let limit = if filter.limit == 0 {
            DEFAULT_AUDIT_LIMIT
        } else {
            filter.limit
        };
        q.push(" ORDER BY seq DESC LIMIT ").push_bind(i64::from(limit));
        let mut conn = self.pool.acquire().await.map_err(db_err)?;
        q.build()
            .fetch_all(&mut *conn)
            .await
            .map_err(db_err)?
            .iter()
            .map(audit_row)
            .collect()
    }

    async fn create_session(&self, session: &NewSession, at: Timestamp) -> Result<SessionRecord> {
        let mut tx = self.pool.begin().await.map_err(db_err)?;
        let user = user_by_id(&mut tx, &session.user_id).await?;
        if user.disabled_at.is_some() {
            return Err(StoreError::Conflict(format!(
                "user {} is disabled",
                user.username
            )));
        }
        sqlx::query(
            "INSERT INTO sessions (id_hash, user_id, created_at, last_seen_at, expires_at, source, user_agent) \
             VALUES ($1, $2, $3, $3, $4, $5, $6)",
        )
        .bind(session.id_hash.as_slice())
        .bind(&session.user_id)
        .bind(at.millis())
        .bind(session.expires_at.millis())
        .bind(&session.source)
        .bind(&session.user_agent)
        .execute(&mut *tx)
        .await
        .map_err(db_err)?;
        let mut e = entry(
            at,
            user.username.as_str(),
            "session.create",
            user.username.as_str(),
            json!({ "expires_at": session.expires_at }),
        );
        e.source.clone_from(&session.source);
        insert_audit(&mut tx, &e).await?;
        let created = session_by_hash(&mut tx, &session.id_hash).await?;
        tx.commit().await.map_err(db_err)?;
        Ok(created)
    }

    async fn session(&self, id_hash: &[u8; 32]) -> Result<SessionRecord> {
        let mut conn = self.pool.acquire().await.map_err(db_err)?;
        session_by_hash(&mut conn, id_hash).await
    }

    async fn touch_session(&self, id_hash: &[u8; 32], at: Timestamp) -> Result<()> {
        sqlx::query("UPDATE sessions SET last_seen_at = $1 WHERE id_hash = $2 AND last_seen_at < $1")
            .bind(at.millis())
            .bind(id_hash.as_slice())
            .execute(&self.pool)
            .await
            .map_err(db_err)?;
        Ok(())
    }

    async fn end_session(&self, id_hash: &[u8; 32], at: Timestamp) -> Result<()> {
        let mut tx = self.pool.begin().await.map_err(db_err)?;
        let ended = sqlx::query("DELETE FROM sessions WHERE id_hash = $1 RETURNING user_id, source")
            .bind(id_hash.as_slice())
            .fetch_optional(&mut *tx)
            .await
            .map_err(db_err)?;
        if let Some(row) = ended {
            let user_id: String = get(&row, "user_id")?;
            let user = user_by_id(&mut tx, &user_id).await?;
            let mut e = entry(
                at,
                user.username.as_str(),
                "session.end",
                user.username.as_str(),
                json!({}),
            );
            e.source = get(&row, "source")?;
            insert_audit(&mut tx, &e).await?;
        }
        tx.commit().await.map_err(db_err)
    }

    async fn prune_sessions(&self, before: Timestamp) -> Result<u64> {
        let done = sqlx::query("DELETE FROM sessions WHERE expires_at < $1")
            .bind(before.millis())
            .execute(&self.pool)
            .await
            .map_err(db_err)?;
        Ok(done.rows_affected())
    }
}
