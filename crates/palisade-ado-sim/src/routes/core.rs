//! Core area: projects and project properties.

use axum::response::Response;
use serde_json::{Value, json};

use super::{TokenKind, find_project, href, org_of, page_token, project_ref};
use crate::error::{AdoError, AdoResult};
use crate::server::{Ctx, SimState, json_response, list_response};

/// Projects: ADO returns at most 100 per page.
const PROJECT_PAGE_CAP: usize = 100;

pub(crate) fn projects(state: &SimState, ctx: &Ctx) -> AdoResult<Response> {
    let estate = state.estate();
    let org = org_of(&estate, ctx)?;
    let filter = ctx.q("stateFilter").unwrap_or("wellFormed").to_ascii_lowercase();
    if ![
        "wellformed",
        "all",
        "createpending",
        "deleting",
        "new",
        "deleted",
        "unchanged",
    ]
    .contains(&filter.as_str())
    {
        return Err(AdoError::bad_param("stateFilter"));
    }
    let skip = ctx.q_usize("$skip")?.unwrap_or(0);
    let items: Vec<Value> = org
        .projects
        .iter()
        .filter(|p| ctx.identity.can_see_project(&p.name))
        .filter(|p| {
            filter == "all"
                || p.state
                    .as_deref()
                    .unwrap_or("wellFormed")
                    .eq_ignore_ascii_case(&filter)
        })
        .skip(skip)
        .map(|p| project_ref(ctx, p))
        .collect();
    let (page, token) = page_token(
        ctx,
        items,
        TokenKind::Int,
        Some(PROJECT_PAGE_CAP),
        PROJECT_PAGE_CAP,
    )?;
    Ok(list_response(page, token))
}

pub(crate) fn project(state: &SimState, ctx: &Ctx, key: &str) -> AdoResult<Response> {
    let estate = state.estate();
    let org = org_of(&estate, ctx)?;
    let p = find_project(org, ctx, key)?;
    let mut v = project_ref(ctx, p);
    let url = format!("{}/_apis/projects/{}", ctx.base, p.guid());
    v["_links"] = json!({
        "self": href(&url),
        "collection": href(&format!("{}/_apis/projectCollections/{}", ctx.base, org.guid())),
        "web": href(&format!("{}/{}", ctx.base, crate::server::enc(&p.name))),
    });
    if ctx.q_bool("includeCapabilities")? {
        v["capabilities"] = json!({
            "versioncontrol": {"sourceControlType": "Git", "gitEnabled": "true", "tfvcEnabled": "false"},
            "processTemplate": {"templateName": "Agile", "templateTypeId": "adcc42ab-9882-485e-a3ed-7678f01f66bc"},
        });
    }
    v["defaultTeam"] = json!({
        "id": crate::fixture::stable_id(&["team", &ctx.org, &p.name]).to_string(),
        "name": format!("{} Team", p.name),
        "url": format!("{}/_apis/projects/{}/teams/{}", ctx.base, p.guid(), crate::fixture::stable_id(&["team", &ctx.org, &p.name])),
    });
    Ok(json_response(&v))
}

pub(crate) fn properties(state: &SimState, ctx: &Ctx, key: &str) -> AdoResult<Response> {
    let estate = state.estate();
    let org = org_of(&estate, ctx)?;
    let p = find_project(org, ctx, key)?;
    let all = [
        (
            "System.CurrentProcessTemplateId",
            json!("adcc42ab-9882-485e-a3ed-7678f01f66bc"),
        ),
        ("System.Process Template", json!("Agile")),
        ("System.SourceControlGitEnabled", json!("True")),
        ("System.SourceControlTfvcEnabled", json!("False")),
        ("System.Wiki.Count", json!(p.wikis.len().to_string())),
    ];
    let keys: Vec<String> = ctx
        .q("keys")
        .map(|k| k.split(',').map(|s| s.trim().to_string()).collect())
        .unwrap_or_default();
    let matches = |name: &str| {
        keys.is_empty()
            || keys.iter().any(|k| match k.strip_suffix('*') {
                Some(prefix) => name.starts_with(prefix),
                None => k == name,
            })
    };
    let items = all
        .iter()
        .filter(|(n, _)| matches(n))
        .map(|(n, v)| json!({"name": n, "value": v}))
        .collect();
    Ok(list_response(items, None))
}
