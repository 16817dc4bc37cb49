//! Helpers every API module shares: typed path parameters, connector
//! lookups that hide what the caller may not read, engine errors as API
//! errors, and audit entries for changes made through the API.

use axum::extract::rejection::PathRejection;
use axum::extract::{FromRequestParts, Path};
use axum::http::StatusCode;
use axum::http::request::Parts;
use palisade_auth::Action;
use palisade_engine::EngineError;
use palisade_store::{ConnectorId, ConnectorRecord, NewAuditEntry, StoreError};
use serde::de::DeserializeOwned;

use super::{ApiError, Caller, now};
use crate::AppState;

/// Path parameters whose every rejection is a typed 400 (they are
/// untrusted: each handler parses them further).
#[derive(Debug)]
pub(crate) struct ApiPath<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned + Send> FromRequestParts<S> for ApiPath<T> {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        match Path::<T>::from_request_parts(parts, state).await {
            Ok(Path(v)) => Ok(Self(v)),
            Err(e @ PathRejection::FailedToDeserializePathParams(_)) => {
                Err(ApiError::bad_request(e.body_text()))
            }
            Err(_) => Err(ApiError::bad_request("the path parameters cannot be read")),
        }
    }
}

/// The connector id of a path, or a 400 (never a lookup by name: ids only).
pub(crate) fn connector_id(text: &str) -> Result<ConnectorId, ApiError> {
    ConnectorId::parse(text).ok_or_else(|| {
        ApiError::bad_request(format!(
            "{:?} is not a connector id (a UUID, as GET /api/v1/connectors shows)",
            shown(text)
        ))
    })
}

/// At most 60 characters of untrusted text, for messages.
pub(crate) fn shown(text: &str) -> String {
    text.chars().take(60).collect()
}

/// The answer for a connector that does not exist or that the caller may
/// not read: the same, so existence is not revealed.
pub(crate) fn no_connector(id: &ConnectorId) -> ApiError {
    ApiError::not_found(format!("no connector {id} that you may see"))
}

/// The connector, if the caller may read it (404 otherwise, as for one that
/// does not exist).
pub(crate) async fn readable(
    state: &AppState,
    caller: &Caller,
    id: &ConnectorId,
) -> Result<ConnectorRecord, ApiError> {
    if !palisade_auth::allows(&caller.grants, Action::ReadInventory, Some(id.as_str())) {
        return Err(no_connector(id));
    }
    match state.engine.store().get_connector(id.as_str()).await {
        Ok(r) => Ok(r),
        Err(StoreError::NotFound(_)) => Err(no_connector(id)),
        Err(e) => Err(e.into()),
    }
}

/// The connector, if the caller may read it (404) and do `action` on it (403).
pub(crate) async fn allowed(
    state: &AppState,
    caller: &Caller,
    id: &ConnectorId,
    action: Action,
) -> Result<ConnectorRecord, ApiError> {
    let record = readable(state, caller, id).await?;
    caller.require(action, Some(id.as_str()))?;
    Ok(record)
}

/// An engine error as the API answers it.
pub(crate) fn engine_error(e: EngineError) -> ApiError {
    match e {
        EngineError::Invalid(m) => ApiError::bad_request(m),
        EngineError::Conflict(m) => ApiError::new(StatusCode::CONFLICT, "conflict", m),
        e @ EngineError::CredentialTest(_) => ApiError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "credential-rejected",
            e.to_string(),
        ),
        EngineError::NoCredential(name) => ApiError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "credential-missing",
            format!(
                "Azure DevOps access token not configured. Please authenticate: connector {name} has no \
                 stored credential; send one with PATCH /api/v1/connectors/{{id}} (pat or client_secret)"
            ),
        ),
        e @ EngineError::Vault { .. } => ApiError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "credential-unreadable",
            e.to_string(),
        ),
        EngineError::Ado(a) if a.is_auth_failure() => ApiError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "credential-rejected",
            format!("Azure DevOps refused the connector's credential: {a}"),
        ),
        EngineError::Ado(a) => ApiError::new(
            StatusCode::BAD_GATEWAY,
            "upstream-error",
            format!("Azure DevOps did not answer as expected: {a}; retry later"),
        ),
        EngineError::Store(s) => s.into(),
    }
}

/// Appends a change to the audit log. The change is already made: a failed
/// write is reported as such, so the caller knows the log missed it.
pub(crate) async fn audit(
    state: &AppState,
    caller: &Caller,
    action: &str,
    target: &str,
    details: serde_json::Value,
) -> Result<(), ApiError> {
    let entry = NewAuditEntry {
        at: now(),
        actor: caller.username.to_string(),
        action: action.to_owned(),
        target: target.to_owned(),
        source: Some("api".to_owned()),
        details,
    };
    state.engine.store().append_audit(&entry).await.map_err(|e| {
        tracing::error!(error = %e, action, target, "a change made through the API was not audited");
        ApiError::new(
            StatusCode::SERVICE_UNAVAILABLE,
            "unavailable",
            format!("the change was made but could not be written to the audit log ({action} {target}); retry later"),
        )
    })
}
