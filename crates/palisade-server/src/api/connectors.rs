//! `/api/v1/connectors`: connectors (created with a tested credential,
//! edited, tested again, revoked) and their discovery runs.
//!
//! Credentials are write-only: a PAT or client secret is accepted in a body,
//! tested, sealed by the engine and never returned; answers are built from
//! [`ConnectorView`], which has no field that could hold one. A connector the
//! caller may not read answers 404, as one that does not exist. Every change
//! is appended to the audit log with the caller as actor.

use std::collections::BTreeMap;

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use palisade_auth::Action;
use palisade_domain::{
    AuthConfig, ConnectorConfig, ConnectorName, Deployment, OrgName, OrgSelection, Timestamp,
};
use palisade_engine::{ConnectorInput, CreateOutcome, Credential, JobSpec, RevokeReport};
use palisade_store::{ConnectorId, ConnectorRecord, DiscoveryRunSummary, JobId};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, OpenApi, ToSchema};

use super::shared::{ApiPath, allowed, audit, connector_id, engine_error, readable};
use super::{ApiError, ApiJson, ApiQuery, Caller, ErrorBody, limit};
use crate::AppState;

#[derive(OpenApi)]
#[openapi(paths(
    list_connectors,
    get_connector,
    create_connector,
    edit_connector,
    delete_connector,
    delete_connectors,
    test_connector,
    start_discovery,
    discovery_runs,
))]
pub(super) struct Doc;

pub(super) fn routes() -> Router<AppState> {
    Router::new()
        .route("/api/v1/connectors", get(list_connectors).post(create_connector))
        .route("/api/v1/connectors/delete", post(delete_connectors))
        .route(
            "/api/v1/connectors/{id}",
            get(get_connector).patch(edit_connector).delete(delete_connector),
        )
        .route("/api/v1/connectors/{id}/test", post(test_connector))
        .route("/api/v1/connectors/{id}/discovery", post(start_discovery))
        .route("/api/v1/connectors/{id}/discovery-runs", get(discovery_runs))
}

// ---- what the API shows ----

/// A connector: its settings and state. Never its credential.
#[derive(Serialize, ToSchema)]
struct ConnectorView {
    id: ConnectorId,
    name: String,
    /// The organization the credential is tested against.
    organization: String,
    deployment: DeploymentView,
    auth: AuthView,
    orgs: OrgsView,
    /// A credential is stored (sealed; never returned).
    has_credential: bool,
    credential_updated_at: Option<Timestamp>,
    created_at: Timestamp,
    updated_at: Timestamp,
    /// The newest discovery run (running or ended).
    last_discovery: Option<DiscoveryRunView>,
}

/// Where the organization lives.
#[derive(Serialize, ToSchema)]
#[serde(tag = "kind", rename_all = "kebab-case")]
enum DeploymentView {
    /// Azure DevOps Services.
    Cloud {
        api_url: String,
        profile_url: String,
        login_url: String,
    },
    /// Azure DevOps Server.
    Server { server_url: String },
}

/// How the connector authenticates (the secret itself is never shown).
#[derive(Serialize, ToSchema)]
struct AuthView {
    /// `pat`, `oauth`, `service-principal` or `managed-identity`.
    kind: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    tenant: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    client_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    federated_token_file: Option<String>,
}

/// Which organizations discovery covers.
#[derive(Serialize, ToSchema)]
struct OrgsView {
    /// `chosen`, `all-existing` or `all-existing-and-future`.
    mode: &'static str,
    /// The organizations besides the connector's own (chosen), or those found when saved (all-existing).
    orgs: Vec<String>,
}

/// A discovery run.
#[derive(Serialize, ToSchema)]
pub(super) struct DiscoveryRunView {
    #[schema(value_type = String)]
    id: String,
    /// `running`, `finished`, `failed` or `partial`.
    status: &'static str,
    started_at: Timestamp,
    finished_at: Option<Timestamp>,
    /// Resources seen, per kind.
    counts: BTreeMap<String, u64>,
    errors: Vec<String>,
    /// HTTP requests made.
    requests: u64,
    /// Requests answered 429 or delayed by rate limiting.
    throttled: u64,
    /// Listings recorded so far.
    listings: u64,
}

impl From<&DiscoveryRunSummary> for DiscoveryRunView {
    fn from(r: &DiscoveryRunSummary) -> Self {
        Self {
            id: r.id.to_string(),
            status: r.status.as_str(),
            started_at: r.started_at,
            finished_at: r.finished_at,
            counts: r.counts.clone(),
            errors: r.errors.clone(),
            requests: r.requests,
            throttled: r.throttled,
            listings: r.listings,
        }
    }
}

impl From<&ConnectorRecord> for ConnectorView {
    fn from(r: &ConnectorRecord) -> Self {
        let c = &r.config;
        let deployment = match &c.deployment {
            Deployment::Cloud {
                api_url,
                profile_url,
                login_url,
            } => DeploymentView::Cloud {
                api_url: api_url.clone(),
                profile_url: profile_url.clone(),
                login_url: login_url.clone(),
            },
            Deployment::Server { server_url } => DeploymentView::Server {
                server_url: server_url.clone(),
            },
        };
        let mut auth = AuthView {
            kind: c.auth.kind(),
            tenant: None,
            client_id: None,
            federated_token_file: None,
        };
        match &c.auth {
            AuthConfig::Pat => {}
            AuthConfig::OAuth { tenant, client_id } | AuthConfig::ServicePrincipal { tenant, client_id } => {
                auth.tenant = Some(tenant.clone());
                auth.client_id = Some(client_id.clone());
            }
            AuthConfig::ManagedIdentity {
                tenant,
                client_id,
                federated_token_file,
            } => {
                auth.tenant = Some(tenant.clone());
                auth.client_id = Some(client_id.clone());
                auth.federated_token_file = Some(federated_token_file.clone());
            }
        }
        let names = |v: &[OrgName]| v.iter().map(ToString::to_string).collect();
        let orgs = match &c.orgs {
            OrgSelection::Chosen(v) => OrgsView {
                mode: "chosen",
                orgs: names(v),
            },
            OrgSelection::AllExisting(v) => OrgsView {
                mode: "all-existing",
                orgs: names(v),
            },
            OrgSelection::AllExistingAndFuture => OrgsView {
                mode: "all-existing-and-future",
                orgs: Vec::new(),
            },
        };
        Self {
            id: r.id.clone(),
            name: c.name.to_string(),
            organization: c.organization.to_string(),
            deployment,
            auth,
            orgs,
            has_credential: r.credential_updated_at.is_some(),
            credential_updated_at: r.credential_updated_at,
            created_at: r.created_at,
            updated_at: r.updated_at,
            last_discovery: r.last_discovery.as_ref().map(DiscoveryRunView::from),
        }
    }
}

/// A connector just saved or tested.
#[derive(Serialize, ToSchema)]
struct SavedView {
    connector: ConnectorView,
    /// Who the credential authenticates as (absent when the test was skipped).
    identity: Option<String>,
    /// Scopes discovery will miss: the connector works, with gaps.
    warnings: Vec<String>,
}

impl From<&CreateOutcome> for SavedView {
    fn from(o: &CreateOutcome) -> Self {
        Self {
            connector: ConnectorView::from(&o.record),
            identity: o.identity.clone(),
            warnings: o.warnings.clone(),
        }
    }
}

/// A connector revoked and deleted.
#[derive(Serialize, ToSchema)]
struct RevokedView {
    id: ConnectorId,
    name: String,
    /// Service-hook subscriptions deleted in Azure DevOps.
    subscriptions_removed: usize,
    /// Subscriptions that could not be deleted: remove them in Azure DevOps
    /// (Project settings > Service hooks).
    subscription_errors: Vec<String>,
}

impl From<&RevokeReport> for RevokedView {
    fn from(r: &RevokeReport) -> Self {
        Self {
            id: r.connector.id.clone(),
            name: r.connector.config.name.to_string(),
            subscriptions_removed: r.subscriptions_removed,
            subscription_errors: r.subscription_errors.clone(),
        }
    }
}

// ---- what the API accepts ----

/// Where the organization lives. Cloud URLs not given are the public cloud's.
#[derive(Deserialize, ToSchema)]
#[serde(tag = "kind", rename_all = "kebab-case", deny_unknown_fields)]
enum DeploymentBody {
    Cloud {
        /// `https://dev.azure.com` unless given.
        api_url: Option<String>,
        /// `https://app.vssps.visualstudio.com` unless given.
        profile_url: Option<String>,
        /// `https://login.microsoftonline.com` unless given.
        login_url: Option<String>,
    },
    Server {
        /// The collection root, e.g. `https://tfs.contoso.com/tfs`.
        server_url: String,
    },
}

/// How the connector authenticates. `oauth` (a browser sign-in) and
/// `managed-identity` (a file on the server) are set up with the CLI.
#[derive(Clone, Copy, Deserialize, ToSchema, PartialEq, Eq)]
#[serde(rename_all = "kebab-case")]
enum AuthKind {
    Pat,
    ServicePrincipal,
    #[serde(rename = "oauth")]
    OAuth,
    ManagedIdentity,
}

/// Which organizations discovery covers, besides the connector's own.
#[derive(Deserialize, ToSchema)]
#[serde(
    tag = "mode",
    content = "orgs",
    rename_all = "kebab-case",
    deny_unknown_fields
)]
enum OrgsBody {
    /// These organizations.
    Chosen(Vec<String>),
    /// Every organization the identity belongs to now.
    AllExisting,
    /// Every organization the identity belongs to at each discovery.
    AllExistingAndFuture,
}

/// Body of `POST /api/v1/connectors`. Secrets are write-only.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
struct CreateBody {
    /// Starts with a letter; letters, digits and hyphens; 3 to 32 characters.
    name: String,
    /// The part after `dev.azure.com/` (or the Server collection).
    organization: String,
    /// Absent: Azure DevOps Services in the public cloud.
    deployment: Option<DeploymentBody>,
    /// Absent: `pat`.
    auth: Option<AuthKind>,
    /// Entra tenant (service principal).
    tenant: Option<String>,
    /// Application (client) id (service principal).
    client_id: Option<String>,
    /// Absent: only `organization`.
    orgs: Option<OrgsBody>,
    /// The personal access token (auth `pat`). Never returned.
    #[schema(write_only, format = Password)]
    pat: Option<String>,
    /// The application's client secret (auth `service-principal`). Never returned.
    #[schema(write_only, format = Password)]
    client_secret: Option<String>,
    /// Save without testing the credential (for offline set-up).
    #[serde(default)]
    skip_test: bool,
}

/// Body of `PATCH /api/v1/connectors/{id}`: absent fields keep their value.
/// A new secret (or a new auth kind) is tested before it replaces the
/// stored one; changed URLs need the secret again.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
struct EditBody {
    name: Option<String>,
    organization: Option<String>,
    /// Cloud URLs not given keep their value.
    deployment: Option<DeploymentBody>,
    auth: Option<AuthKind>,
    tenant: Option<String>,
    client_id: Option<String>,
    orgs: Option<OrgsBody>,
    /// A new personal access token. Never returned.
    #[schema(write_only, format = Password)]
    pat: Option<String>,
    /// A new client secret. Never returned.
    #[schema(write_only, format = Password)]
    client_secret: Option<String>,
    #[serde(default)]
    skip_test: bool,
}

/// Body of `POST /api/v1/connectors/delete`.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
struct DeleteBody {
    /// Connector ids (1 to 100). All are checked before any is deleted.
    ids: Vec<String>,
}

fn name(text: &str) -> Result<ConnectorName, ApiError> {
    ConnectorName::parse(text.trim()).map_err(|e| ApiError::bad_request(e.to_string()))
}

fn org(text: &str) -> Result<OrgName, ApiError> {
    OrgName::parse(text.trim()).map_err(|e| ApiError::bad_request(e.to_string()))
}

fn orgs(body: OrgsBody) -> Result<OrgSelection, ApiError> {
    Ok(match body {
        OrgsBody::Chosen(list) => {
            OrgSelection::Chosen(list.iter().map(|o| org(o)).collect::<Result<_, _>>()?)
        }
        OrgsBody::AllExisting => OrgSelection::AllExisting(Vec::new()),
        OrgsBody::AllExistingAndFuture => OrgSelection::AllExistingAndFuture,
    })
}

/// The deployment a body asks for; cloud URLs not given come from `old`
/// (a cloud deployment) or the public cloud.
fn deployment(body: DeploymentBody, old: Option<&Deployment>) -> Deployment {
    match body {
        DeploymentBody::Server { server_url } => {
            Deployment::with_urls(None, Some(&server_url), None, None, None)
        }
        // A cloud body never keeps a Server deployment: unnamed URLs come
        // from the old cloud ones, else the public cloud.
        DeploymentBody::Cloud {
            api_url,
            profile_url,
            login_url,
        } => Deployment::with_urls(
            old.filter(|d| matches!(d, Deployment::Cloud { .. })),
            None,
            api_url.as_deref(),
            profile_url.as_deref(),
            login_url.as_deref(),
        ),
    }
}

/// A required, non-blank text field.
fn needed(value: Option<String>, what: &str, field: &str) -> Result<String, ApiError> {
    value
        .map(|v| v.trim().to_owned())
        .filter(|v| !v.is_empty())
        .ok_or_else(|| ApiError::bad_request(format!("auth service-principal needs {what}: send `{field}`")))
}

/// The auth of a kind; ids not given come from `old`.
fn auth_config(
    kind: AuthKind,
    tenant: Option<String>,
    client_id: Option<String>,
    old: Option<&AuthConfig>,
) -> Result<AuthConfig, ApiError> {
    let (old_tenant, old_client) = match old {
        Some(
            AuthConfig::OAuth { tenant, client_id }
            | AuthConfig::ServicePrincipal { tenant, client_id }
            | AuthConfig::ManagedIdentity {
                tenant, client_id, ..
            },
        ) => (Some(tenant.clone()), Some(client_id.clone())),
        _ => (None, None),
    };
    match kind {
        AuthKind::Pat => Ok(AuthConfig::Pat),
        AuthKind::ServicePrincipal => Ok(AuthConfig::ServicePrincipal {
            tenant: needed(tenant.or(old_tenant), "the Entra tenant", "tenant")?,
            client_id: needed(
                client_id.or(old_client),
                "the application (client) id",
                "client_id",
            )?,
        }),
        AuthKind::OAuth => Err(ApiError::bad_request(
            "auth oauth needs a browser sign-in: create or edit the connector with \
             `palisade connector create|edit --auth oauth`",
        )),
        // The token file is read on the server: only its administrator names it.
        AuthKind::ManagedIdentity => Err(ApiError::bad_request(
            "auth managed-identity reads a token file on the server: set it up with \
             `palisade connector create|edit --auth managed-identity`",
        )),
    }
}

/// The credential a body gives for `auth`; blank values count as absent.
fn credential(
    auth: &AuthConfig,
    pat: Option<String>,
    secret: Option<String>,
) -> Result<Credential, ApiError> {
    let given = |v: Option<String>| v.map(|s| s.trim().to_owned()).filter(|s| !s.is_empty());
    let (pat, secret) = (given(pat), given(secret));
    match auth {
        AuthConfig::Pat => {
            if secret.is_some() {
                return Err(ApiError::bad_request(
                    "client_secret is for auth service-principal; a PAT goes in `pat`",
                ));
            }
            pat.map(Credential::pat).ok_or_else(|| {
                ApiError::bad_request(
                    "Azure DevOps access token not configured. Please authenticate: send the \
                     personal access token in `pat`",
                )
            })
        }
        AuthConfig::ServicePrincipal { .. } => {
            if pat.is_some() {
                return Err(ApiError::bad_request(
                    "pat is for auth pat; a service principal's secret goes in `client_secret`",
                ));
            }
            secret.map(Credential::client_secret).ok_or_else(|| {
                ApiError::bad_request(
                    "Client secret not configured. Please authenticate: send the application's \
                     secret in `client_secret`",
                )
            })
        }
        AuthConfig::OAuth { .. } | AuthConfig::ManagedIdentity { .. } => Err(ApiError::bad_request(
            "this connector's auth is set up with the CLI: `palisade connector edit`",
        )),
    }
}

// ---- handlers ----

/// Connectors the caller may read.
#[utoipa::path(
    get,
    path = "/api/v1/connectors",
    tag = "connectors",
    responses(
        (status = 200, body = Vec<ConnectorView>),
        (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody),
    )
)]
async fn list_connectors(
    caller: Caller,
    State(state): State<AppState>,
) -> Result<Json<Vec<ConnectorView>>, ApiError> {
    let reach = caller.connectors(Action::ReadInventory)?;
    let all = state.engine.store().list_connectors().await?;
    Ok(Json(
        all.iter()
            .filter(|r| reach.as_ref().is_none_or(|ids| ids.contains(&r.id)))
            .map(ConnectorView::from)
            .collect(),
    ))
}

/// One connector; 404 also when the caller may not read it.
#[utoipa::path(
    get,
    path = "/api/v1/connectors/{id}",
    tag = "connectors",
    params(("id" = String, Path, description = "Connector id")),
    responses(
        (status = 200, body = ConnectorView),
        (status = 400, body = ErrorBody),
        (status = 401, body = ErrorBody),
        (status = 404, body = ErrorBody),
    )
)]
async fn get_connector(
    caller: Caller,
    State(state): State<AppState>,
    ApiPath(id): ApiPath<String>,
) -> Result<Json<ConnectorView>, ApiError> {
    let id = connector_id(&id)?;
    let record = readable(&state, &caller, &id).await?;
    Ok(Json(ConnectorView::from(&record)))
}

/// Creates a connector: the settings are validated and the credential
/// tested (organization reachable, identity valid, scopes granted) before
/// anything is saved. Needs `manage-connectors` over the whole installation.
#[utoipa::path(
    post,
    path = "/api/v1/connectors",
    tag = "connectors",
    request_body = CreateBody,
    responses(
        (status = 201, body = SavedView),
        (status = 400, body = ErrorBody, description = "A setting is invalid or the credential is missing"),
        (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody),
        (status = 409, body = ErrorBody, description = "A connector has this name or organization"),
        (status = 413, body = ErrorBody),
        (status = 415, body = ErrorBody),
        (status = 422, body = ErrorBody, description = "`credential-rejected`: the connection test failed; nothing was saved"),
        (status = 502, body = ErrorBody),
    )
)]
async fn create_connector(
    caller: Caller,
    State(state): State<AppState>,
    ApiJson(b): ApiJson<CreateBody>,
) -> Result<Response, ApiError> {
    caller.require(Action::ManageConnectors, None)?;
    let kind = b.auth.unwrap_or(AuthKind::Pat);
    let config = ConnectorConfig {
        name: name(&b.name)?,
        organization: org(&b.organization)?,
        deployment: b
            .deployment
            .map_or_else(Deployment::public_cloud, |d| deployment(d, None)),
        auth: auth_config(kind, b.tenant, b.client_id, None)?,
        orgs: b.orgs.map_or(Ok(OrgSelection::Chosen(Vec::new())), orgs)?,
    };
    let credential = credential(&config.auth, b.pat, b.client_secret)?;
    let outcome = state
        .engine
        .create_connector(ConnectorInput {
            config,
            credential: Some(credential),
            skip_test: b.skip_test,
        })
        .await
        .map_err(engine_error)?;
    let r = &outcome.record;
    audit(
        &state,
        &caller,
        "connector.create",
        r.config.name.as_str(),
        serde_json::json!({
            "id": r.id,
            "organization": r.config.organization,
            "auth": r.config.auth.kind(),
            "tested": !b.skip_test,
        }),
    )
    .await?;
    Ok((StatusCode::CREATED, Json(SavedView::from(&outcome))).into_response())
}

/// Edits a connector. Changing its organization, organizations or URLs
/// changes which estate it reaches, so that needs `manage-connectors` over
/// the whole installation, as creating one does.
#[utoipa::path(
    patch,
    path = "/api/v1/connectors/{id}",
    tag = "connectors",
    params(("id" = String, Path, description = "Connector id")),
    request_body = EditBody,
    responses(
        (status = 200, body = SavedView),
        (status = 400, body = ErrorBody),
        (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody),
        (status = 409, body = ErrorBody),
        (status = 413, body = ErrorBody),
        (status = 415, body = ErrorBody),
        (status = 422, body = ErrorBody, description = "`credential-rejected`: the connection test failed; nothing was saved"),
        (status = 502, body = ErrorBody),
    )
)]
async fn edit_connector(
    caller: Caller,
    State(state): State<AppState>,
    ApiPath(id): ApiPath<String>,
    ApiJson(b): ApiJson<EditBody>,
) -> Result<Json<SavedView>, ApiError> {
    let id = connector_id(&id)?;
    let existing = allowed(&state, &caller, &id, Action::ManageConnectors).await?;
    let old = &existing.config;
    if b.organization.is_some() || b.orgs.is_some() || b.deployment.is_some() {
        caller.require(Action::ManageConnectors, None)?;
    }
    let touches_auth = b.auth.is_some() || b.tenant.is_some() || b.client_id.is_some();
    let auth = if touches_auth {
        let kind = b.auth.unwrap_or(match old.auth {
            AuthConfig::Pat => AuthKind::Pat,
            AuthConfig::ServicePrincipal { .. } => AuthKind::ServicePrincipal,
            AuthConfig::OAuth { .. } => AuthKind::OAuth,
            AuthConfig::ManagedIdentity { .. } => AuthKind::ManagedIdentity,
        });
        auth_config(kind, b.tenant, b.client_id, Some(&old.auth))?
    } else {
        old.auth.clone()
    };
    let config = ConnectorConfig {
        name: b.name.as_deref().map_or_else(|| Ok(old.name.clone()), name)?,
        organization: b
            .organization
            .as_deref()
            .map_or_else(|| Ok(old.organization.clone()), org)?,
        deployment: b.deployment.map_or_else(
            || old.deployment.clone(),
            |d| deployment(d, Some(&old.deployment)),
        ),
        auth,
        orgs: b.orgs.map_or_else(|| Ok(old.orgs.clone()), orgs)?,
    };
    let new_secret = b.pat.is_some() || b.client_secret.is_some();
    let credential = if new_secret || config.auth.kind() != old.auth.kind() {
        Some(credential(&config.auth, b.pat, b.client_secret)?)
    } else {
        None
    };
    let mut changed: Vec<&str> = Vec::new();
    for (field, differs) in [
        ("name", config.name != old.name),
        ("organization", config.organization != old.organization),
        ("deployment", config.deployment != old.deployment),
        ("auth", config.auth != old.auth),
        ("orgs", config.orgs != old.orgs),
        ("credential", credential.is_some()),
    ] {
        if differs {
            changed.push(field);
        }
    }
    let outcome = state
        .engine
        .update_connector(
            id.as_str(),
            ConnectorInput {
                config,
                credential,
                skip_test: b.skip_test,
            },
        )
        .await
        .map_err(engine_error)?;
    audit(
        &state,
        &caller,
        "connector.update",
        outcome.record.config.name.as_str(),
        serde_json::json!({ "id": id, "changed": changed, "tested": !b.skip_test }),
    )
    .await?;
    Ok(Json(SavedView::from(&outcome)))
}

/// Revokes one connector: webhooks removed in Azure DevOps, credential and
/// webhook secret destroyed, queued scans cancelled, inventory deleted;
/// findings and triage kept.
#[utoipa::path(
    delete,
    path = "/api/v1/connectors/{id}",
    tag = "connectors",
    params(("id" = String, Path, description = "Connector id")),
    responses(
        (status = 200, body = RevokedView),
        (status = 400, body = ErrorBody),
        (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody),
    )
)]
async fn delete_connector(
    caller: Caller,
    State(state): State<AppState>,
    ApiPath(id): ApiPath<String>,
) -> Result<Json<RevokedView>, ApiError> {
    let id = connector_id(&id)?;
    allowed(&state, &caller, &id, Action::ManageConnectors).await?;
    let mut revoked = revoke(&state, &caller, vec![id]).await?;
    revoked
        .pop()
        .map(Json)
        .ok_or_else(|| ApiError::not_found("the connector is gone already"))
}

/// Revokes several connectors, only if the caller may delete every one of
/// them (otherwise none is touched).
#[utoipa::path(
    post,
    path = "/api/v1/connectors/delete",
    tag = "connectors",
    request_body = DeleteBody,
    responses(
        (status = 200, body = Vec<RevokedView>),
        (status = 400, body = ErrorBody),
        (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody, description = "The caller may not delete one of them: none was deleted"),
        (status = 404, body = ErrorBody, description = "One of them does not exist: none was deleted"),
        (status = 413, body = ErrorBody),
        (status = 415, body = ErrorBody),
    )
)]
async fn delete_connectors(
    caller: Caller,
    State(state): State<AppState>,
    ApiJson(b): ApiJson<DeleteBody>,
) -> Result<Json<Vec<RevokedView>>, ApiError> {
    if b.ids.is_empty() || b.ids.len() > 100 {
        return Err(ApiError::bad_request("ids must name 1 to 100 connectors"));
    }
    let mut ids = Vec::with_capacity(b.ids.len());
    for text in &b.ids {
        let id = connector_id(text)?;
        if !ids.contains(&id) {
            ids.push(id);
        }
    }
    for id in &ids {
        allowed(&state, &caller, id, Action::ManageConnectors).await?;
    }
    Ok(Json(revoke(&state, &caller, ids).await?))
}

async fn revoke(
    state: &AppState,
    caller: &Caller,
    ids: Vec<ConnectorId>,
) -> Result<Vec<RevokedView>, ApiError> {
    let names: Vec<String> = ids.iter().map(ToString::to_string).collect();
    let reports = state
        .engine
        .delete_connectors(&names)
        .await
        .map_err(engine_error)?;
    for r in &reports {
        audit(
            state,
            caller,
            "connector.delete",
            r.connector.config.name.as_str(),
            serde_json::json!({
                "id": r.connector.id,
                "subscriptions_removed": r.subscriptions_removed,
                "subscription_errors": r.subscription_errors.len(),
            }),
        )
        .await?;
    }
    Ok(reports.iter().map(RevokedView::from).collect())
}

/// Tests the stored credential again.
#[utoipa::path(
    post,
    path = "/api/v1/connectors/{id}/test",
    tag = "connectors",
    params(("id" = String, Path, description = "Connector id")),
    responses(
        (status = 200, body = SavedView),
        (status = 400, body = ErrorBody),
        (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody),
        (status = 422, body = ErrorBody, description = "`credential-rejected`, `credential-missing` or `credential-unreadable`"),
        (status = 502, body = ErrorBody),
    )
)]
async fn test_connector(
    caller: Caller,
    State(state): State<AppState>,
    ApiPath(id): ApiPath<String>,
) -> Result<Json<SavedView>, ApiError> {
    let id = connector_id(&id)?;
    let record = allowed(&state, &caller, &id, Action::ManageConnectors).await?;
    let result = state.engine.test_connector(id.as_str()).await;
    audit(
        &state,
        &caller,
        "connector.test",
        record.config.name.as_str(),
        serde_json::json!({ "id": id, "passed": result.is_ok() }),
    )
    .await?;
    Ok(Json(SavedView::from(&result.map_err(engine_error)?)))
}

/// A discovery run queued.
#[derive(Serialize, ToSchema)]
struct DiscoveryQueued {
    /// The job that runs it: `GET /api/v1/jobs/{job}`.
    job: JobId,
    /// `false` when the same discovery was already waiting (this is its job).
    queued: bool,
    /// Where the run shows up once a worker starts it.
    runs: String,
}

/// Starts a discovery run as a background job (then the connector's managed
/// repositories are synced and posture evaluated). Poll the job or the runs.
#[utoipa::path(
    post,
    path = "/api/v1/connectors/{id}/discovery",
    tag = "connectors",
    params(("id" = String, Path, description = "Connector id")),
    responses(
        (status = 202, body = DiscoveryQueued),
        (status = 400, body = ErrorBody),
        (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody),
    )
)]
async fn start_discovery(
    caller: Caller,
    State(state): State<AppState>,
    ApiPath(id): ApiPath<String>,
) -> Result<Response, ApiError> {
    let id = connector_id(&id)?;
    let record = allowed(&state, &caller, &id, Action::RunDiscovery).await?;
    let (job, queued) = state
        .engine
        .queue_job_for(
            JobSpec::Discover {
                connector: id.to_string(),
            },
            Some(id.clone()),
            None,
        )
        .await
        .map_err(engine_error)?;
    audit(
        &state,
        &caller,
        "discovery.start",
        record.config.name.as_str(),
        serde_json::json!({ "id": id, "job": job, "queued": queued }),
    )
    .await?;
    let body = DiscoveryQueued {
        job,
        queued,
        runs: format!("/api/v1/connectors/{id}/discovery-runs"),
    };
    Ok((StatusCode::ACCEPTED, Json(body)).into_response())
}

/// Query of `GET /api/v1/connectors/{id}/discovery-runs`.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
struct RunsQuery {
    /// At most this many runs, newest first (1 to 10,000; default 20).
    limit: Option<u32>,
}

/// Recent discovery runs of a connector, newest first: status, counts, errors.
#[utoipa::path(
    get,
    path = "/api/v1/connectors/{id}/discovery-runs",
    tag = "connectors",
    params(("id" = String, Path, description = "Connector id"), RunsQuery),
    responses(
        (status = 200, body = Vec<DiscoveryRunView>),
        (status = 400, body = ErrorBody),
        (status = 401, body = ErrorBody),
        (status = 404, body = ErrorBody),
    )
)]
async fn discovery_runs(
    caller: Caller,
    State(state): State<AppState>,
    ApiPath(id): ApiPath<String>,
    ApiQuery(q): ApiQuery<RunsQuery>,
) -> Result<Json<Vec<DiscoveryRunView>>, ApiError> {
    let limit = limit(q.limit, 20)?;
    let id = connector_id(&id)?;
    readable(&state, &caller, &id).await?;
    let runs = state.engine.store().list_discovery_runs(&id, limit).await?;
    Ok(Json(runs.iter().map(DiscoveryRunView::from).collect()))
}
