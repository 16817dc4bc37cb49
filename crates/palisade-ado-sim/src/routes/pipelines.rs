//! Pipelines area: pipelines list and pipeline permissions of protected resources.

use axum::response::Response;
use serde_json::{Value, json};

use super::{FIXED_DATE, TokenKind, denied, href, page_token, project_base, project_of, user_ref};
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

/// Check type ids by name (`pipelines/checks/configurations` `type.id`).
const CHECK_TYPES: &[(&str, &str)] = &[
    ("Approval", "8c6f20a7-a545-4486-9777-f762fafe0d4d"),
    ("Task Check", "fe1de3ee-a436-41b4-bb20-f6eb4cb879a7"),
    ("ExclusiveLock", "2ef31ad6-baa0-403a-8b45-2cbc9b4e5563"),
];

/// `(id, name)` of a check's resource, by the fixture's id or name.
fn check_resource(p: &crate::fixture::Project, kind: &str, key: &str) -> Option<(String, String)> {
    if kind.eq_ignore_ascii_case("endpoint") {
        p.service_endpoints
            .iter()
            .map(|e| (e.id.unwrap_or_default().to_string(), e.name.clone()))
            .find(|(id, name)| id.eq_ignore_ascii_case(key) || name.eq_ignore_ascii_case(key))
    } else if kind.eq_ignore_ascii_case("environment") {
        p.environments
            .iter()
            .map(|e| (e.id.to_string(), e.name.clone()))
            .find(|(id, name)| id == key || name.eq_ignore_ascii_case(key))
    } else {
        None
    }
}

pub(crate) fn check_configurations(state: &SimState, ctx: &Ctx) -> AdoResult<Response> {
    let estate = state.estate();
    let (org, p) = project_of(&estate, ctx)?;
    let kind = ctx
        .q("resourceType")
        .filter(|k| !k.is_empty())
        .ok_or_else(|| AdoError::bad_param("resourceType"))?
        .to_ascii_lowercase();
    let id = ctx
        .q("resourceId")
        .filter(|k| !k.is_empty() && k.len() <= 200)
        .ok_or_else(|| AdoError::bad_param("resourceId"))?;
    if !RESOURCE_TYPES.contains(&kind.as_str()) {
        return Err(AdoError::bad_param("resourceType"));
    }
    if denied(state, org, "checks") {
        return Err(AdoError::new(
            axum::http::StatusCode::FORBIDDEN,
            "AccessCheckException",
            format!(
                "VS402904: Access denied: User {} does not have permission to view checks of {kind} {id}.",
                ctx.identity.user.email
            ),
        ));
    }
    let expand = ctx
        .q("$expand")
        .is_some_and(|e| e.split(',').any(|x| x.trim().eq_ignore_ascii_case("settings")));
    let who = user_ref(&estate, ctx, None);
    let pb = project_base(ctx, p);
    let items: Vec<Value> = p
        .checks
        .iter()
        .filter(|c| c.resource_type.eq_ignore_ascii_case(&kind))
        .filter_map(|c| {
            let (rid, rname) = check_resource(p, &kind, &c.resource)?;
            rid.eq_ignore_ascii_case(id).then_some((c, rid, rname))
        })
        .map(|(c, rid, rname)| {
            let type_id = CHECK_TYPES
                .iter()
                .find(|(n, _)| n.eq_ignore_ascii_case(&c.kind))
                .map_or_else(
                    || crate::fixture::stable_id(&["check-type", &c.kind]).to_string(),
                    |(_, id)| (*id).to_string(),
                );
            let url = format!("{pb}/_apis/pipelines/checks/configurations/{}", c.id);
            let mut v = json!({
                "createdBy": who,
                "createdOn": FIXED_DATE,
                "modifiedBy": who,
                "modifiedOn": FIXED_DATE,
                "timeout": c.timeout.unwrap_or(43_200),
                "_links": {"self": href(&url)},
                "id": c.id,
                "type": {"id": type_id, "name": c.kind},
                "url": url,
                "resource": {"type": kind, "id": rid, "name": rname},
            });
            if expand {
                v["settings"] = if c.settings.is_null() {
                    json!({})
                } else {
                    c.settings.clone()
                };
            }
            v
        })
        .collect();
    Ok(list_response(items, None))
}
