//! Local users, their roles, API tokens and the audit log of every change.
//!
//! Passwords arrive hashed (argon2id PHC strings from `palisade-auth`) and
//! API tokens as SHA-256 digests of their secret: the store never sees a
//! password or a token, and never returns a hash in a serialized record.

use async_trait::async_trait;
use palisade_domain::{Grant, Timestamp, Username};
use serde::Serialize;

use crate::Result;

/// A user to create.
#[derive(Clone, Debug)]
pub struct NewUser {
    pub username: Username,
    pub display_name: Option<String>,
    /// argon2id PHC string; `None` for a user who signs in only through OIDC.
    pub password_hash: Option<String>,
}

#[derive(Clone, Debug, Serialize, utoipa::ToSchema)]
pub struct UserRecord {
    /// UUIDv7.
    pub id: String,
    pub username: Username,
    pub display_name: Option<String>,
    #[serde(skip)]
    pub password_hash: Option<String>,
    pub grants: Vec<Grant>,
    pub created_at: Timestamp,
    pub disabled_at: Option<Timestamp>,
}

/// An API token to store: its public id and the digest of its secret.
#[derive(Clone, Debug)]
pub struct NewApiToken {
    /// Public part of the token (it is in the token text).
    pub id: String,
    pub user_id: String,
    /// What it is for, as its owner named it.
    pub name: String,
    /// SHA-256 of the secret part.
    pub secret_hash: [u8; 32],
    pub expires_at: Option<Timestamp>,
}

#[derive(Clone, Debug, Serialize, utoipa::ToSchema)]
pub struct ApiTokenRecord {
    pub id: String,
    pub user_id: String,
    pub name: String,
    #[serde(skip)]
    pub secret_hash: [u8; 32],
    pub created_at: Timestamp,
    pub expires_at: Option<Timestamp>,
    pub revoked_at: Option<Timestamp>,
    pub last_used_at: Option<Timestamp>,
}

impl ApiTokenRecord {
    /// Usable at `at`: not revoked, not expired.
    pub fn is_active(&self, at: Timestamp) -> bool {
        self.revoked_at.is_none() && self.expires_at.is_none_or(|e| e > at)
    }
}

/// A console sign-in to store: the digest of the cookie's secret, never the secret.
#[derive(Clone, Debug)]
pub struct NewSession {
    /// SHA-256 of the session cookie's secret.
    pub id_hash: [u8; 32],
    pub user_id: String,
    /// Absolute end, however active the session is.
    pub expires_at: Timestamp,
    /// The client address it was opened from.
    pub source: Option<String>,
    pub user_agent: Option<String>,
}

/// A console session as stored.
#[derive(Clone, Debug, Serialize)]
pub struct SessionRecord {
    #[serde(skip)]
    pub id_hash: [u8; 32],
    pub user_id: String,
    pub created_at: Timestamp,
    pub last_seen_at: Timestamp,
    pub expires_at: Timestamp,
    pub source: Option<String>,
    pub user_agent: Option<String>,
}

/// One change, as the audit log keeps it.
#[derive(Clone, Debug)]
pub struct NewAuditEntry {
    pub at: Timestamp,
    /// Who: a user name, `cli:{os user}`, `system`.
    pub actor: String,
    /// What: `user.create`, `token.revoke`, `connector.delete`, ...
    pub action: String,
    /// On what: a user name, a connector name, a finding id, ...
    pub target: String,
    /// From where: a client address, `cli`.
    pub source: Option<String>,
    /// The change (never a secret).
    pub details: serde_json::Value,
}

#[derive(Clone, Debug, PartialEq, Serialize, utoipa::ToSchema)]
pub struct AuditEntry {
    pub seq: i64,
    pub at: Timestamp,
    pub actor: String,
    pub action: String,
    pub target: String,
    pub source: Option<String>,
    pub details: serde_json::Value,
}

/// Which audit entries to read; newest first.
#[derive(Clone, Debug, Default)]
pub struct AuditFilter {
    pub actor: Option<String>,
    /// Actions starting with this (`user.`, `token.`).
    pub action_prefix: Option<String>,
    pub since: Option<Timestamp>,
    /// At most this many (0: 1000).
    pub limit: u32,
}

#[async_trait]
pub trait AccessStore: Send + Sync {
    /// Creates a user with grants, audited in the same transaction. A name
    /// taken (ignoring case) is a `Conflict`.
    async fn create_user(
        &self,
        user: &NewUser,
        grants: &[Grant],
        actor: &str,
        at: Timestamp,
    ) -> Result<UserRecord>;

    /// By id or name (ignoring case).
    async fn get_user(&self, id_or_name: &str) -> Result<UserRecord>;

    async fn list_users(&self) -> Result<Vec<UserRecord>>;

    /// Sets a password and ends the user's sessions; audited.
    async fn set_password(
        &self,
        user_id: &str,
        password_hash: &str,
        actor: &str,
        at: Timestamp,
    ) -> Result<()>;

    /// Replaces the user's grants; audited.
    async fn set_grants(
        &self,
        user_id: &str,
        grants: &[Grant],
        actor: &str,
        at: Timestamp,
    ) -> Result<UserRecord>;

    /// Disables a user, revokes their tokens and ends their sessions, in one
    /// transaction; audited.
    async fn disable_user(&self, user_id: &str, actor: &str, at: Timestamp) -> Result<UserRecord>;

    /// Stores a token; audited (without its secret).
    async fn create_api_token(
        &self,
        token: &NewApiToken,
        actor: &str,
        at: Timestamp,
    ) -> Result<ApiTokenRecord>;

    /// A token by its public id, with its digest, for authentication.
    async fn api_token(&self, id: &str) -> Result<ApiTokenRecord>;

    /// Tokens of a user (or all), newest first.
    async fn list_api_tokens(&self, user_id: Option<&str>) -> Result<Vec<ApiTokenRecord>>;

    /// Revokes a token; revoking a revoked one is a `Conflict`; audited.
    async fn revoke_api_token(&self, id: &str, actor: &str, at: Timestamp) -> Result<ApiTokenRecord>;

    /// Records a use (at most one write per token per minute is enough).
    async fn touch_api_token(&self, id: &str, at: Timestamp) -> Result<()>;

    async fn append_audit(&self, entry: &NewAuditEntry) -> Result<()>;

    /// Opens a console session for an enabled user; audited as
    /// `session.create` with its source.
    async fn create_session(&self, session: &NewSession, at: Timestamp) -> Result<SessionRecord>;

    /// A session by the digest of its cookie secret (expired ones too: the
    /// caller decides).
    async fn session(&self, id_hash: &[u8; 32]) -> Result<SessionRecord>;

    /// Records activity (at most one write per session per minute is enough).
    async fn touch_session(&self, id_hash: &[u8; 32], at: Timestamp) -> Result<()>;

    /// Signs a session out; audited as `session.end`. An unknown session is
    /// not an error (signing out twice is fine).
    async fn end_session(&self, id_hash: &[u8; 32], at: Timestamp) -> Result<()>;

    /// Deletes sessions whose absolute end is before `before`.
    async fn prune_sessions(&self, before: Timestamp) -> Result<u64>;

    async fn audit_log(&self, filter: &AuditFilter) -> Result<Vec<AuditEntry>>;
}
