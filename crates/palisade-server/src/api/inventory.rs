//! `/api/v1/inventory`: discovered resources, a page at a time, of the
//! connectors the caller may read.

use axum::extract::State;
use axum::routing::get;
use axum::{Json, Router};
use palisade_auth::Action;
use palisade_store::{ConnectorId, ResourceFilter, StoredResource};
use serde::Deserialize;
use utoipa::{IntoParams, OpenApi};

use super::{ApiError, ApiQuery, Caller, ErrorBody, limit, list};
use crate::AppState;

#[derive(OpenApi)]
#[openapi(paths(inventory))]
pub(super) struct Doc;

pub(super) fn routes() -> Router<AppState> {
    Router::new().route("/api/v1/inventory", get(inventory))
}

/// Query of `GET /api/v1/inventory`.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
struct InventoryQuery {
    /// Comma-separated resource kinds (`organization`, `project`, `repository`, `pipeline`, ...).
    kind: Option<String>,
    /// At most this many resources (1 to 10,000; default 1,000).
    limit: Option<u32>,
    /// Resources to skip.
    offset: Option<u32>,
}

/// Discovered resources of the connectors the caller may read, in a stable order.
#[utoipa::path(
    get,
    path = "/api/v1/inventory",
    tag = "inventory",
    params(InventoryQuery),
    responses(
        (status = 200, body = Vec<StoredResource>),
        (status = 400, body = ErrorBody),
        (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody),
    )
)]
async fn inventory(
    caller: Caller,
    State(state): State<AppState>,
    ApiQuery(q): ApiQuery<InventoryQuery>,
) -> Result<Json<Vec<StoredResource>>, ApiError> {
    let limit = limit(q.limit, 1000)?;
    let kinds = list(
        q.kind.as_deref(),
        palisade_domain::ResourceKind::parse,
        "resource kind",
    )?;
    let offset = q.offset.unwrap_or(0);
    let store = state.engine.store();
    let page = |connector: Option<ConnectorId>, limit: u32, offset: u32| ResourceFilter {
        connector,
        kinds: kinds.clone(),
        limit: Some(limit),
        offset,
        ..ResourceFilter::default()
    };
    let Some(connectors) = caller.connectors(Action::ReadInventory)? else {
        return Ok(Json(store.list_resources(&page(None, limit, offset)).await?));
    };
    // Few connectors per caller: their pages in connector order.
    let mut out = Vec::new();
    let mut skip = offset as usize;
    for id in connectors {
        let want = skip + limit as usize - out.len();
        let rows = store
            .list_resources(&page(Some(id), u32::try_from(want).unwrap_or(u32::MAX), 0))
            .await?;
        let n = rows.len();
        out.extend(rows.into_iter().skip(skip));
        skip = skip.saturating_sub(n);
        if out.len() >= limit as usize {
            break;
        }
    }
    out.truncate(limit as usize);
    Ok(Json(out))
}
