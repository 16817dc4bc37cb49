//! The web UI's internal data providers (`POST _apis/Contribution/HierarchyQuery`): organization
//! policies and organization pipeline settings, which have no public REST API.

use axum::response::Response;
use serde_json::{Map, Value, json};

use super::build::GENERAL_DEFAULTS;
use super::{denied, org_of};
use crate::error::{AdoError, AdoResult};
use crate::fixture::Org;
use crate::server::{Ctx, SimState, json_response};

pub(crate) const POLICY_PROVIDER: &str = "ms.vss-org-web.collection-admin-policy-data-provider";
pub(crate) const PIPELINE_SETTINGS_PROVIDER: &str = "ms.vss-build-web.pipelines-org-settings-data-provider";

/// Policies of a new organization, by settings-page category.
const POLICY_DEFAULTS: &[(&str, &str, bool)] = &[
    (
        "applicationConnection",
        "Policy.DisallowOAuthAuthentication",
        true,
    ),
    ("applicationConnection", "Policy.DisallowSecureShell", false),
    ("security", "Policy.LogAuditEvents", false),
    ("security", "Policy.AllowAnonymousAccess", false),
    ("security", "Policy.ArtifactsExternalPackageProtectionToken", true),
    ("security", "Policy.EnforceAADConditionalAccess", false),
    ("user", "Policy.DisallowAadGuestUserAccess", false),
    ("user", "Policy.AllowTeamAdminsInvitationsAccessToken", true),
    ("user", "Policy.AllowRequestAccessToken", true),
];

fn policies(org: &Org) -> Value {
    let mut cats: Map<String, Value> = Map::new();
    for (cat, name, default) in POLICY_DEFAULTS {
        let value = org.policies.get(*name).copied().unwrap_or(*default);
        let entry = json!({
            "policy": {
                "name": name,
                "value": value,
                "effectiveValue": value,
                "isValueUndefined": !org.policies.contains_key(*name),
                "parentPolicy": null,
            },
            "learnMoreLink": "https://aka.ms/azure-devops-policies",
            "description": name.trim_start_matches("Policy."),
        });
        if let Some(list) = cats
            .entry((*cat).to_owned())
            .or_insert_with(|| json!([]))
            .as_array_mut()
        {
            list.push(entry);
        }
    }
    cats.entry("privacy".to_owned())
        .or_insert_with(|| Value::Array(Vec::new()));
    json!({ "policies": cats })
}

fn pipeline_settings(org: &Org) -> Value {
    let mut m = Map::new();
    for (k, v) in GENERAL_DEFAULTS {
        m.insert((*k).to_string(), json!(v));
    }
    m.insert("hasManagePipelinePoliciesPermission".into(), json!(true));
    for (k, v) in &org.pipeline_settings {
        m.insert(k.clone(), v.clone());
    }
    Value::Object(m)
}

pub(crate) fn hierarchy_query(state: &SimState, ctx: &Ctx) -> AdoResult<Response> {
    let estate = state.estate();
    let org = org_of(&estate, ctx)?;
    let body: Value = serde_json::from_slice(&ctx.body)
        .map_err(|_| AdoError::bad_request("VS403343: The request body is not valid JSON."))?;
    let ids: Vec<&str> = body
        .get("contributionIds")
        .and_then(Value::as_array)
        .ok_or_else(|| AdoError::bad_param("contributionIds"))?
        .iter()
        .filter_map(Value::as_str)
        .collect();
    let mut providers = Map::new();
    providers.insert("ms.vss-web.component-data".into(), json!({}));
    providers.insert("ms.vss-web.shared-data".into(), Value::Null);
    let mut exceptions = Map::new();
    for id in ids {
        let (source, data) = match id {
            POLICY_PROVIDER => ("org-policies", policies(org)),
            PIPELINE_SETTINGS_PROVIDER => ("org-pipeline-settings", pipeline_settings(org)),
            // Unknown contributions resolve to nothing.
            _ => continue,
        };
        if denied(state, org, source) {
            providers.insert(id.to_owned(), Value::Null);
            exceptions.insert(
                id.to_owned(),
                json!({
                    "exceptionType": "UnauthorizedAccessException",
                    "message": format!(
                        "VS402904: Access denied: User {} does not have the permissions to view the organization settings. Project Collection Administrator permission is required.",
                        ctx.identity.user.email
                    ),
                    "stackTrace": null,
                }),
            );
        } else {
            providers.insert(id.to_owned(), data);
        }
    }
    let mut answer = json!({"dataProviderSharedData": {}, "dataProviders": providers});
    if !exceptions.is_empty() {
        answer["dataProviderExceptions"] = Value::Object(exceptions);
    }
    Ok(json_response(&answer))
}
