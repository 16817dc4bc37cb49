//! GitHub Advanced Security for Azure DevOps: repository enablement (`advsec.dev.azure.com`).

use axum::response::Response;
use serde_json::json;

use super::{FIXED_DATE, denied, project_of};
use crate::error::{AdoError, AdoResult};
use crate::server::{Ctx, SimState, json_response};

pub(crate) fn enablement(state: &SimState, ctx: &Ctx, repo: &str) -> AdoResult<Response> {
    let estate = state.estate();
    let (org, p) = project_of(&estate, ctx)?;
    if denied(state, org, "advanced-security") {
        // Where Advanced Security is not available the advsec host has no such resource.
        return Err(AdoError::no_route(&format!(
            "/{}/_apis/management/repositories/{repo}/enablement",
            p.name
        )));
    }
    let r = p.repo(repo).ok_or_else(|| AdoError::repo_not_found(repo))?;
    let a = r.advanced_security.unwrap_or_default();
    // ADO fills `blockPushes` only with includeAllProperties=true.
    let all = ctx.q_bool("includeAllProperties")?;
    Ok(json_response(&json!({
        "projectId": p.guid().to_string(),
        "repositoryId": r.guid().to_string(),
        "advSecEnabled": a.enabled,
        "advSecEnablementLastChangedDate": r.advanced_security.map(|_| FIXED_DATE),
        "blockPushes": all.then_some(a.enabled && a.block_pushes),
    })))
}
