//! Service connections. Secret authorization parameters come back null, as in ADO.

use axum::response::Response;
use serde_json::{Map, Value, json};

use super::{project_of, user_ref};
use crate::error::AdoResult;
use crate::fixture::{SECRET_PARAMETERS, ServiceEndpoint};
use crate::server::{Ctx, SimState, list_response};

fn is_secret(e: &ServiceEndpoint, name: &str) -> bool {
    SECRET_PARAMETERS.iter().any(|s| s.eq_ignore_ascii_case(name))
        || e.secret_parameters.iter().any(|s| s.eq_ignore_ascii_case(name))
}

pub(crate) fn endpoints(state: &SimState, ctx: &Ctx) -> AdoResult<Response> {
    let estate = state.estate();
    let (_, p) = project_of(&estate, ctx)?;
    let kind = ctx.q("type").map(str::to_ascii_lowercase);
    let items: Vec<Value> = p
        .service_endpoints
        .iter()
        .filter(|e| kind.as_ref().is_none_or(|k| e.kind.to_ascii_lowercase() == *k))
        .map(|e| {
            let mut params = Map::new();
            for (k, v) in &e.parameters {
                params.insert(k.clone(), if is_secret(e, k) { Value::Null } else { json!(v) });
            }
            let id = e.id.unwrap_or_default().to_string();
            json!({
                "data": e.data,
                "id": id,
                "name": e.name,
                "type": e.kind,
                "url": e.url,
                "createdBy": user_ref(&estate, ctx, None),
                "description": e.description,
                "authorization": {"parameters": params, "scheme": e.scheme},
                "isShared": e.is_shared,
                "isReady": true,
                "isOutdated": false,
                "owner": "Library",
                "operationStatus": {"state": "Ready", "statusMessage": ""},
                "serviceEndpointProjectReferences": [{
                    "projectReference": {"id": p.guid().to_string(), "name": p.name},
                    "name": e.name,
                    "description": e.description,
                }],
            })
        })
        .collect();
    Ok(list_response(items, None))
}
