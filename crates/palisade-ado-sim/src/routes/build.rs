//! Build area: project pipeline settings and build definitions (YAML and classic).

use axum::response::Response;
use serde_json::{Map, Value, json};

use super::{FIXED_DATE, TokenKind, href, page_token, project_base, project_of, project_ref, user_ref};
use crate::error::{AdoError, AdoResult};
use crate::fixture::{Estate, Pipeline, Project, Variable};
use crate::server::{Ctx, SimState, json_response, list_response};

/// ADO's defaults for `build/generalsettings` (a new project).
pub(crate) const GENERAL_DEFAULTS: &[(&str, bool)] = &[
    ("enforceJobAuthScope", true),
    ("enforceJobAuthScopeForReleases", true),
    ("enforceReferencedRepoScopedToken", true),
    ("enforceSettableVar", true),
    ("auditEnforceSettableVar", false),
    ("statusBadgesArePrivate", true),
    ("publishPipelineMetadata", false),
    ("disableClassicPipelineCreation", true),
    ("disableClassicBuildPipelineCreation", true),
    ("disableClassicReleasePipelineCreation", true),
    ("enableShellTasksArgsSanitizing", false),
    ("enableShellTasksArgsSanitizingAudit", false),
    ("forkProtectionEnabled", true),
    ("buildsEnabledForForks", true),
    ("enforceJobAuthScopeForForks", true),
    ("enforceNoAccessToSecretsFromForks", true),
    ("isCommentRequiredForPullRequest", false),
    ("requireCommentsForNonTeamMembersOnly", false),
    ("requireCommentsForNonTeamMemberAndNonContributors", false),
];

pub(crate) fn general_settings(state: &SimState, ctx: &Ctx) -> AdoResult<Response> {
    let estate = state.estate();
    let (org, p) = project_of(&estate, ctx)?;
    if super::denied(state, org, "general-settings") {
        return Err(AdoError::unauthorized(&ctx.identity.user.email));
    }
    let mut m = Map::new();
    for (k, v) in GENERAL_DEFAULTS {
        m.insert((*k).to_string(), json!(v));
    }
    for (k, v) in &p.general_settings {
        m.insert(k.clone(), v.clone());
    }
    Ok(json_response(&Value::Object(m)))
}

/// Build variables: secret values come back null.
pub(crate) fn variables_json(vars: &std::collections::BTreeMap<String, Variable>) -> Value {
    let mut m = Map::new();
    for (k, v) in vars {
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
        if v.allow_override {
            o.insert("allowOverride".into(), json!(true));
        }
        if v.is_read_only {
            o.insert("isReadOnly".into(), json!(true));
        }
        m.insert(k.clone(), Value::Object(o));
    }
    Value::Object(m)
}

fn definition_json(estate: &Estate, ctx: &Ctx, p: &Project, d: &Pipeline, full: bool) -> Value {
    let url = format!(
        "{}/_apis/build/Definitions/{}?revision=1",
        project_base(ctx, p),
        d.id
    );
    let yaml = !d
        .kind
        .as_deref()
        .is_some_and(|k| k.eq_ignore_ascii_case("classic"));
    let queue = d.queue.and_then(|q| p.queues.iter().find(|x| x.id == q));
    let queue_json = queue.map(|q| {
        json!({
            "id": q.id,
            "name": q.name,
            "url": format!("{}/_apis/build/Queues/{}", ctx.base, q.id),
            "pool": {"id": q.pool_id, "name": q.name, "isHosted": false},
        })
    });
    let mut v = json!({
        "_links": {
            "self": href(&url),
            "web": href(&format!("{}/{}/_build/definition?definitionId={}", ctx.base, p.guid(), d.id)),
            "editor": href(&format!("{}/{}/_build/designer?id={}&_a=edit-build-definition", ctx.base, p.guid(), d.id)),
            "badge": href(&format!("{}/{}/_apis/build/status/{}", ctx.base, p.guid(), d.id)),
        },
        "quality": "definition",
        "authoredBy": user_ref(estate, ctx, None),
        "drafts": [],
        "id": d.id,
        "name": d.name,
        "url": url,
        "uri": format!("vstfs:///Build/Definition/{}", d.id),
        "path": d.path.clone().unwrap_or_else(|| "\\".into()),
        "type": "build",
        "queueStatus": "enabled",
        "revision": 1,
        "createdDate": FIXED_DATE,
        "project": project_ref(ctx, p),
    });
    if let Some(q) = &queue_json {
        v["queue"] = q.clone();
    }
    if !full {
        return v;
    }
    let repo = d.repository.as_deref().and_then(|r| p.repo(r));
    v["process"] = if yaml {
        json!({"yamlFilename": d.yaml_filename.clone().unwrap_or_else(|| "azure-pipelines.yml".into()), "type": 2})
    } else {
        json!({"phases": d.phases.clone().unwrap_or_else(|| json!([])), "type": 1})
    };
    let external = d
        .repository_type
        .as_deref()
        .filter(|t| !t.eq_ignore_ascii_case("TfsGit"));
    if let (Some(kind), Some(name)) = (external, d.repository.as_deref()) {
        v["repository"] = json!({
            "properties": {"connectedServiceId": crate::fixture::stable_id(&["external-connection", name]).to_string(), "reportBuildStatus": "true"},
            "id": name,
            "type": kind,
            "name": name,
            "url": format!("https://github.com/{name}.git"),
            "defaultBranch": "refs/heads/main",
            "clean": null,
            "checkoutSubmodules": false,
        });
    } else if let Some(r) = repo {
        v["repository"] = json!({
            "properties": {
                "cleanOptions": "0", "labelSources": "0", "reportBuildStatus": "true",
                "fetchDepth": "1", "skipSyncSource": "false", "checkoutNestedSubmodules": "false",
            },
            "id": r.guid().to_string(),
            "type": "TfsGit",
            "name": r.name,
            "url": ctx.remote_url(&p.name, &r.name),
            "defaultBranch": r.default_branch.clone().unwrap_or_else(|| "refs/heads/main".into()),
            "clean": null,
            "checkoutSubmodules": false,
        });
    }
    v["triggers"] = json!(d.triggers);
    v["variables"] = variables_json(&d.variables);
    v["variableGroups"] = json!(
        d.variable_groups
            .iter()
            .filter_map(|id| p.variable_groups.iter().find(|g| g.id == *id))
            .map(|g| json!({"variables": variables_json(&g.variables), "type": g.kind.clone().unwrap_or_else(|| "Vsts".into()), "name": g.name, "id": g.id}))
            .collect::<Vec<_>>()
    );
    v["jobAuthorizationScope"] = json!(
        d.job_authorization_scope
            .clone()
            .unwrap_or_else(|| "projectCollection".into())
    );
    v["jobTimeoutInMinutes"] = json!(60);
    v["jobCancelTimeoutInMinutes"] = json!(5);
    v["badgeEnabled"] = json!(false);
    v["options"] = json!([]);
    v["retentionRules"] = json!([]);
    v["properties"] = json!({});
    v["tags"] = json!([]);
    v
}

pub(crate) fn definitions(state: &SimState, ctx: &Ctx) -> AdoResult<Response> {
    let estate = state.estate();
    let (_, p) = project_of(&estate, ctx)?;
    let full = ctx.q_bool("includeAllProperties")?;
    let name = ctx.q("name").map(str::to_ascii_lowercase);
    let ids: Option<Vec<i64>> = match ctx.q("definitionIds") {
        None => None,
        Some(s) => Some(
            s.split(',')
                .filter(|x| !x.trim().is_empty())
                .map(|x| {
                    x.trim()
                        .parse::<i64>()
                        .map_err(|_| AdoError::bad_param("definitionIds"))
                })
                .collect::<AdoResult<_>>()?,
        ),
    };
    let mut defs: Vec<&Pipeline> = p.pipelines.iter().collect();
    defs.sort_by_key(|d| d.id);
    let items: Vec<Value> = defs
        .into_iter()
        .filter(|d| name.as_ref().is_none_or(|n| d.name.to_ascii_lowercase() == *n))
        .filter(|d| ids.as_ref().is_none_or(|ids| ids.contains(&d.id)))
        .map(|d| definition_json(&estate, ctx, p, d, full))
        .collect();
    let (page, token) = page_token(ctx, items, TokenKind::Opaque, None, 10_000)?;
    Ok(list_response(page, token))
}

pub(crate) fn definition(state: &SimState, ctx: &Ctx, id: &str) -> AdoResult<Response> {
    let estate = state.estate();
    let (_, p) = project_of(&estate, ctx)?;
    let id: i64 = id.parse().map_err(|_| AdoError::bad_param("definitionId"))?;
    let d = p.pipelines.iter().find(|d| d.id == id).ok_or_else(|| {
        AdoError::new(
            axum::http::StatusCode::NOT_FOUND,
            "DefinitionNotFoundException",
            format!("The requested build definition {id} cannot be found."),
        )
    })?;
    Ok(json_response(&definition_json(&estate, ctx, p, d, true)))
}
