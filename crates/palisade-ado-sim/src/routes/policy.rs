//! Policy area: policy configurations (branch and repository policies).

use axum::response::Response;
use serde_json::{Value, json};
use uuid::Uuid;

use super::{FIXED_DATE, TokenKind, href, page_token, project_base, project_of, user_ref};
use crate::error::{AdoError, AdoResult};
use crate::server::{Ctx, SimState, list_response};

/// Display name of a policy type id (ADO-API.md §5).
pub(crate) fn type_name(id: Uuid) -> &'static str {
    match id.to_string().as_str() {
        "fa4e907d-c16b-4a4c-9dfa-4906e5d171dd" => "Minimum number of reviewers",
        "0609b952-1397-4640-95ec-e00a01b2c241" => "Build",
        "c6a1889d-b943-4856-b76f-9e46bb6b0df2" => "Comment requirements",
        "fd2167ab-b0be-447a-8ec8-39368250530e" => "Required reviewers",
        "40e92b44-2fe1-4dd6-b3d8-74a9c21d0c6e" => "Work item linking",
        "fa4e907d-c16b-4a4c-9dfa-4916e5d171ab" => "Require a merge strategy",
        "cbdc66da-9728-4af8-aada-9a5a32e4a226" => "Status",
        "2e26e725-8201-4edd-8bf5-978563c34a80" => "File size restriction",
        "7ed39669-655c-494e-b4a0-a08b4da0fcce" => "Git repository settings",
        _ => "Policy",
    }
}

pub(crate) fn configurations(state: &SimState, ctx: &Ctx) -> AdoResult<Response> {
    let estate = state.estate();
    let (_, p) = project_of(&estate, ctx)?;
    let filter = match ctx.q("policyType") {
        None => None,
        Some(t) => Some(Uuid::parse_str(t).map_err(|_| AdoError::bad_param("policyType"))?),
    };
    let pb = project_base(ctx, p);
    let mut list: Vec<_> = p
        .policies
        .iter()
        .filter(|c| filter.is_none_or(|t| t == c.type_id))
        .collect();
    list.sort_by_key(|c| c.id);
    let items: Vec<Value> = list
        .into_iter()
        .map(|c| {
            let url = format!("{pb}/_apis/policy/configurations/{}", c.id);
            let type_url = format!("{pb}/_apis/policy/types/{}", c.type_id);
            json!({
                "createdBy": user_ref(&estate, ctx, None),
                "createdDate": FIXED_DATE,
                "isEnabled": c.is_enabled.unwrap_or(true),
                "isBlocking": c.is_blocking.unwrap_or(true),
                "isDeleted": false,
                "isEnterpriseManaged": false,
                "settings": if c.settings.is_null() { json!({"scope": []}) } else { c.settings.clone() },
                "_links": {"self": href(&url), "type": href(&type_url)},
                "revision": 1,
                "id": c.id,
                "url": url,
                "type": {"id": c.type_id.to_string(), "url": type_url, "displayName": type_name(c.type_id)},
            })
        })
        .collect();
    let (page, token) = page_token(ctx, items, TokenKind::Opaque, None, 10_000)?;
    Ok(list_response(page, token))
}
