//! Global profile (`/_apis/profile/profiles/me`) and accounts (`/_apis/accounts`).

use axum::response::Response;
use serde_json::{Value, json};
use uuid::Uuid;

use crate::error::{AdoError, AdoResult};
use crate::server::{Ctx, SimState, json_response, list_response};

pub(crate) fn me(ctx: &Ctx) -> Response {
    let u = &ctx.identity.user;
    let id = u.id.unwrap_or_default().to_string();
    json_response(&json!({
        "displayName": u.display_name.clone().unwrap_or_else(|| u.name.clone()),
        "publicAlias": id,
        "emailAddress": u.email,
        "coreRevision": 1,
        "timeStamp": "2024-01-15T10:00:00.000+00:00",
        "id": id,
        "revision": 1,
    }))
}

pub(crate) fn accounts(state: &SimState, ctx: &Ctx) -> AdoResult<Response> {
    let member = ctx
        .q("memberId")
        .or_else(|| ctx.q("ownerId"))
        .filter(|s| !s.is_empty());
    let Some(member) = member else {
        return Err(AdoError::account_params_missing());
    };
    let member = Uuid::parse_str(member).map_err(|_| AdoError::bad_param("memberId"))?;
    let u = &ctx.identity.user;
    if Some(member) != u.id || u.service_principal {
        return Ok(list_response(Vec::new(), None));
    }
    let estate = state.estate();
    let items: Vec<Value> = estate
        .orgs
        .iter()
        .filter(|o| u.orgs.is_empty() || u.orgs.iter().any(|n| n.eq_ignore_ascii_case(&o.name)))
        .map(|o| {
            json!({
                "accountId": o.guid().to_string(),
                "accountUri": format!("{}/{}/", ctx.root, o.name),
                "accountName": o.name,
                "properties": {},
            })
        })
        .collect();
    Ok(list_response(items, None))
}
