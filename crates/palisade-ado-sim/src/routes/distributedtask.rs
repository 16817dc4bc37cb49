//! Distributed task: variable groups, secure files, environments, agent pools and queues.

use axum::response::Response;
use serde_json::{Map, Value, json};

use super::{FIXED_DATE, TokenKind, org_of, page_token, project_of, user_ref};
use crate::error::{AdoError, AdoResult};
use crate::fixture::VariableGroup;
use crate::server::{Ctx, SimState, list_response};

fn group_json(
    estate: &crate::fixture::Estate,
    ctx: &Ctx,
    p: &crate::fixture::Project,
    g: &VariableGroup,
) -> Value {
    let mut vars = Map::new();
    for (k, v) in &g.variables {
        let mut o = Map::new();
        o.insert(
            "value".into(),
            if v.is_secret {
                Value::Null
            } else {
                json!(v.value.clone().unwrap_or_default())
            },
        );
        if v.is_secret {
            o.insert("isSecret".into(), json!(true));
        }
        if v.is_read_only {
            o.insert("isReadOnly".into(), json!(true));
        }
        vars.insert(k.clone(), Value::Object(o));
    }
    let who = user_ref(estate, ctx, None);
    json!({
        "variables": vars,
        "id": g.id,
        "type": g.kind.clone().unwrap_or_else(|| "Vsts".into()),
        "name": g.name,
        "description": g.description,
        "createdBy": who,
        "createdOn": FIXED_DATE,
        "modifiedBy": who,
        "modifiedOn": FIXED_DATE,
        "isShared": false,
        "variableGroupProjectReferences": [{
            "projectReference": {"id": p.guid().to_string(), "name": p.name},
            "name": g.name,
            "description": g.description,
        }],
    })
}

pub(crate) fn variable_groups(state: &SimState, ctx: &Ctx) -> AdoResult<Response> {
    let estate = state.estate();
    let (_, p) = project_of(&estate, ctx)?;
    let name = ctx.q("groupName").map(str::to_ascii_lowercase);
    let ids: Option<Vec<i64>> = match ctx.q("groupIds") {
        None => None,
        Some(s) => Some(
            s.split(',')
                .filter(|x| !x.trim().is_empty())
                .map(|x| {
                    x.trim()
                        .parse::<i64>()
                        .map_err(|_| AdoError::bad_param("groupIds"))
                })
                .collect::<AdoResult<_>>()?,
        ),
    };
    let order = ctx.q("queryOrder").unwrap_or("idDescending");
    let mut groups: Vec<&VariableGroup> = p.variable_groups.iter().collect();
    match order.to_ascii_lowercase().as_str() {
        "iddescending" => groups.sort_by_key(|g| std::cmp::Reverse(g.id)),
        "idascending" => groups.sort_by_key(|g| g.id),
        _ => return Err(AdoError::bad_param("queryOrder")),
    }
    let matches_name = |g: &VariableGroup| match &name {
        None => true,
        Some(n) => match n.strip_suffix('*') {
            Some(prefix) => g.name.to_ascii_lowercase().starts_with(prefix),
            None => g.name.to_ascii_lowercase() == *n,
        },
    };
    let items: Vec<Value> = groups
        .into_iter()
        .filter(|g| matches_name(g))
        .filter(|g| ids.as_ref().is_none_or(|ids| ids.contains(&g.id)))
        .map(|g| group_json(&estate, ctx, p, g))
        .collect();
    let (page, token) = page_token(ctx, items, TokenKind::Int, None, 10_000)?;
    Ok(list_response(page, token))
}

pub(crate) fn secure_files(state: &SimState, ctx: &Ctx) -> AdoResult<Response> {
    let estate = state.estate();
    let (_, p) = project_of(&estate, ctx)?;
    let who = user_ref(&estate, ctx, None);
    let items = p
        .secure_files
        .iter()
        .map(|f| {
            json!({
                "id": f.id.unwrap_or_default().to_string(),
                "name": f.name,
                "properties": f.properties,
                "createdBy": who,
                "createdOn": FIXED_DATE,
                "modifiedBy": who,
                "modifiedOn": FIXED_DATE,
            })
        })
        .collect();
    Ok(list_response(items, None))
}

pub(crate) fn environments(state: &SimState, ctx: &Ctx) -> AdoResult<Response> {
    let estate = state.estate();
    let (_, p) = project_of(&estate, ctx)?;
    let who = user_ref(&estate, ctx, None);
    let name = ctx.q("name").map(str::to_ascii_lowercase);
    let items: Vec<Value> = p
        .environments
        .iter()
        .filter(|e| name.as_ref().is_none_or(|n| e.name.to_ascii_lowercase() == *n))
        .map(|e| {
            json!({
                "id": e.id,
                "name": e.name,
                "description": e.description,
                "createdBy": who,
                "createdOn": FIXED_DATE,
                "lastModifiedBy": who,
                "lastModifiedOn": FIXED_DATE,
                "project": {"id": p.guid().to_string(), "name": p.name},
                "resources": [],
            })
        })
        .collect();
    let (page, token) = page_token(ctx, items, TokenKind::Opaque, Some(50), 1000)?;
    Ok(list_response(page, token))
}

pub(crate) fn pools(state: &SimState, ctx: &Ctx) -> AdoResult<Response> {
    let estate = state.estate();
    let org = org_of(&estate, ctx)?;
    let who = user_ref(&estate, ctx, None);
    let name = ctx.q("poolName").map(str::to_ascii_lowercase);
    let items = org
        .agent_pools
        .iter()
        .filter(|a| name.as_ref().is_none_or(|n| a.name.to_ascii_lowercase() == *n))
        .map(|a| {
            json!({
                "createdOn": FIXED_DATE,
                "autoProvision": a.auto_provision,
                "autoUpdate": a.auto_update.unwrap_or(true),
                "autoSize": true,
                "targetSize": null,
                "agentCloudId": null,
                "createdBy": who,
                "owner": who,
                "id": a.id,
                "scope": crate::fixture::stable_id(&["pool-scope", &org.name]).to_string(),
                "name": a.name,
                "isHosted": a.is_hosted,
                "poolType": a.pool_type.clone().unwrap_or_else(|| "automation".into()),
                "size": a.size,
                "isLegacy": false,
                "options": "none",
                "properties": {},
            })
        })
        .collect();
    Ok(list_response(items, None))
}

pub(crate) fn queues(state: &SimState, ctx: &Ctx) -> AdoResult<Response> {
    let estate = state.estate();
    let (org, p) = project_of(&estate, ctx)?;
    let items = p
        .queues
        .iter()
        .map(|q| {
            let pool = org.agent_pools.iter().find(|a| a.id == q.pool_id);
            json!({
                "id": q.id,
                "projectId": p.guid().to_string(),
                "name": q.name,
                "pool": {
                    "id": q.pool_id,
                    "scope": crate::fixture::stable_id(&["pool-scope", &org.name]).to_string(),
                    "name": pool.map_or_else(|| q.name.clone(), |a| a.name.clone()),
                    "isHosted": pool.is_some_and(|a| a.is_hosted),
                    "poolType": "automation",
                    "size": pool.map_or(0, |a| a.size),
                },
            })
        })
        .collect();
    Ok(list_response(items, None))
}
