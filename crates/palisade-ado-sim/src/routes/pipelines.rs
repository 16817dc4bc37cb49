//! Pipelines area: pipelines list and pipeline permissions of protected resources.

use axum::response::Response;
use serde_json::{Value, json};

use super::{FIXED_DATE, TokenKind, href, page_token, project_base, project_of, user_ref};
use crate::error::{AdoError, AdoResult};
use crate::server::{Ctx, SimState, json_response, list_response};

const RESOURCE_TYPES: &[&str] = &[
    "endpoint",
    "variablegroup",
    "securefile",
    "queue",
    "environment",
    "repository",
];

pub(crate) fn pipelines(state: &SimState, ctx: &Ctx) -> AdoResult<Response> {
    let estate = state.estate();
    let (_, p) = project_of(&estate, ctx)?;
    let pb = project_base(ctx, p);
    let mut list: Vec<_> = p.pipelines.iter().collect();
    list.sort_by_key(|d| d.id);
    let items: Vec<Value> = list
        .into_iter()
        .map(|d| {
            let url = format!("{pb}/_apis/pipelines/{}?revision=1", d.id);
            json!({
                "_links": {"self": href(&url), "web": href(&format!("{pb}/_build/definition?definitionId={}", d.id))},
                "url": url,
                "id": d.id,
                "revision": 1,
                "name": d.name,
                "folder": d.path.clone().unwrap_or_else(|| "\\".into()),
            })
        })
        .collect();
    let (page, token) = page_token(ctx, items, TokenKind::Opaque, None, 10_000)?;
    Ok(list_response(page, token))
}

pub(crate) fn permissions(state: &SimState, ctx: &Ctx, kind: &str, id: &str) -> AdoResult<Response> {
    let estate = state.estate();
    let (_, p) = project_of(&estate, ctx)?;
    let kind_l = kind.to_ascii_lowercase();
    if !RESOURCE_TYPES.contains(&kind_l.as_str()) {
        return Err(AdoError::bad_request(format!(
            "VS403310: The resource type '{kind}' is not supported for pipeline permissions."
        )));
    }
    if id.is_empty() || id.len() > 200 {
        return Err(AdoError::bad_param("resourceId"));
    }
    let who = user_ref(&estate, ctx, None);
    let entry = p
        .pipeline_permissions
        .iter()
        .find(|x| x.resource_type.eq_ignore_ascii_case(kind) && x.resource_id.eq_ignore_ascii_case(id));
    let mut v = json!({ "resource": {"type": kind_l, "id": id}, "pipelines": [] });
    if let Some(e) = entry {
        if let Some(all) = e.all_pipelines {
            v["allPipelines"] = json!({"authorized": all, "authorizedBy": who, "authorizedOn": FIXED_DATE});
        }
        v["pipelines"] = json!(
            e.pipelines
                .iter()
                .map(|pid| json!({"id": pid, "authorized": true, "authorizedBy": who, "authorizedOn": FIXED_DATE}))
                .collect::<Vec<_>>()
        );
    }
    Ok(json_response(&v))
}
