//! ADO JSON (palisade-ado models) to domain resources. Secret values are
//! never read: variables keep names and `is_secret` only.

use std::collections::BTreeMap;

use palisade_ado::models as m;
use palisade_domain::{
    AdvancedSecurity, AgentPool, BranchPolicy, CheckConfiguration, Collected, Environment, ForkSettings,
    OrgName, Pipeline, PipelinePermission, PipelineProcess, PipelineVariable, PolicyScope, Project,
    ProjectSettings, Repository, Resource, SecureFile, ServiceConnection, VariableGroup,
    VariableGroupVariable,
};

pub(crate) fn agent_pool(p: &m::AgentPool) -> Resource {
    Resource::AgentPool(AgentPool {
        id: p.id,
        name: p.name.clone(),
        is_hosted: p.is_hosted,
        pool_type: p.pool_type.clone().unwrap_or_else(|| "automation".into()),
        auto_provision: p.auto_provision.unwrap_or(false),
        auto_update: p.auto_update,
    })
}

pub(crate) fn project(p: &m::TeamProject) -> Resource {
    Resource::Project(Project {
        id: p.id.clone(),
        name: p.name.clone(),
        visibility: p.visibility.clone().unwrap_or_else(|| "private".into()),
        state: p.state.clone().unwrap_or_else(|| "wellFormed".into()),
        description: p.description.clone(),
        last_update_time: p.last_update_time.clone(),
    })
}

/// `settings` None: the general settings could not be read (see `unread`).
pub(crate) fn project_settings(
    p: &m::TeamProject,
    settings: Option<&m::GeneralSettings>,
    unread: BTreeMap<String, String>,
    advanced_security: Collected<BTreeMap<String, AdvancedSecurity>>,
) -> Resource {
    Resource::ProjectSettings(ProjectSettings {
        project_id: p.id.clone(),
        project_name: p.name.clone(),
        pipeline_settings: settings.map(m::GeneralSettings::flags).unwrap_or_default(),
        unread,
        advanced_security,
    })
}

pub(crate) fn advanced_security(e: &m::AdvSecEnablement) -> AdvancedSecurity {
    AdvancedSecurity {
        enabled: e.enabled(),
        block_pushes: e.block_pushes(),
    }
}

/// Task Check inputs kept: branch control's. Other inputs (a REST check's headers, an Azure
/// Function check's key, ...) may hold secrets and are dropped.
const KEPT_CHECK_INPUTS: &[&str] = &[
    "allowedBranches",
    "ensureProtectionOfBranch",
    "allowUnknownStatusBranch",
];

pub(crate) fn check_configuration(c: &m::CheckConfiguration) -> CheckConfiguration {
    let mut settings = c.settings.clone();
    if let Some(inputs) = settings
        .get_mut("inputs")
        .and_then(serde_json::Value::as_object_mut)
    {
        inputs.retain(|k, _| KEPT_CHECK_INPUTS.iter().any(|kept| kept.eq_ignore_ascii_case(k)));
    }
    CheckConfiguration {
        id: c.id,
        type_id: c.check_type.id.clone().unwrap_or_default().to_ascii_lowercase(),
        type_name: c.check_type.name.clone().unwrap_or_default(),
        settings,
    }
}

/// `https://{org}@dev.azure.com/...` → `https://dev.azure.com/...`.
fn strip_user(url: &str) -> String {
    match url.split_once("://") {
        Some((scheme, rest)) => {
            let (authority, path) = rest.split_once('/').unwrap_or((rest, ""));
            let host = authority.rsplit_once('@').map_or(authority, |(_, h)| h);
            format!("{scheme}://{host}/{path}")
        }
        None => url.to_owned(),
    }
}

pub(crate) fn repository(r: &m::GitRepository, _org: &OrgName) -> Resource {
    let (project_id, project_name) = r
        .project
        .as_ref()
        .map(|p| (p.id.clone(), p.name.clone().unwrap_or_default()))
        .unwrap_or_default();
    let remote_url = r.remote_url.clone().unwrap_or_default();
    let web_url = r.web_url.clone().unwrap_or_else(|| {
        if remote_url.is_empty() {
            String::new()
        } else {
            strip_user(&remote_url)
        }
    });
    // ADO has no "hidden" flag: project wiki backing repositories (the ones
    // `includeHidden=true` adds) are named `{project}.wiki`.
    let is_hidden = !project_name.is_empty() && r.name.eq_ignore_ascii_case(&format!("{project_name}.wiki"));
    Resource::Repository(Repository {
        id: r.id.clone(),
        name: r.name.clone(),
        project_id,
        project_name,
        default_branch: r.default_branch.clone(),
        size: r.size.unwrap_or(0),
        is_disabled: r.is_disabled.unwrap_or(false),
        is_fork: r.is_fork.unwrap_or(false),
        is_hidden,
        web_url,
        remote_url,
    })
}

pub(crate) fn pipeline(d: &m::BuildDefinition, project_id: &str) -> Resource {
    let process = match &d.process {
        Some(p) if p.is_yaml() => PipelineProcess::Yaml {
            yaml_filename: p.yaml_filename.clone().unwrap_or_default(),
        },
        _ => PipelineProcess::Classic,
    };
    let variables = d
        .variables
        .iter()
        .map(|(name, v)| PipelineVariable {
            name: name.clone(),
            is_secret: v.is_secret,
            allow_override: v.allow_override,
        })
        .collect();
    Resource::Pipeline(Pipeline {
        id: d.id,
        name: d.name.clone(),
        path: d.path.clone().unwrap_or_else(|| "\\".into()),
        project_id: d
            .project
            .as_ref()
            .map_or_else(|| project_id.to_owned(), |p| p.id.clone()),
        process,
        repository_id: d.repository.as_ref().and_then(|r| r.id.clone()),
        repository_type: d.repository.as_ref().and_then(|r| r.repository_type.clone()),
        job_authorization_scope: d.job_authorization_scope(),
        variables,
        variable_group_ids: d.variable_groups.iter().map(|g| g.id).collect(),
        fork_builds: d.fork_settings().map(|f| ForkSettings {
            enabled: f.enabled,
            allow_secrets: f.allow_secrets,
            allow_full_access_token: f.allow_full_access_token,
            comment_required: d.comment_required_for_pull_requests(),
        }),
        queue_name: d.queue.as_ref().and_then(|q| q.name.clone()),
    })
}

pub(crate) fn policy(p: &m::PolicyConfiguration, project_id: &str) -> Resource {
    let scopes = p
        .settings
        .get("scope")
        .and_then(serde_json::Value::as_array)
        .map(|arr| {
            arr.iter()
                .map(|s| {
                    let text = |k: &str| s.get(k).and_then(serde_json::Value::as_str).map(str::to_owned);
                    PolicyScope {
                        repository_id: text("repositoryId"),
                        ref_name: text("refName"),
                        match_kind: text("matchKind").map(|k| k.to_ascii_lowercase()),
                    }
                })
                .collect()
        })
        .unwrap_or_default();
    Resource::BranchPolicy(BranchPolicy {
        id: p.id,
        project_id: project_id.to_owned(),
        type_id: p.policy_type.id.clone(),
        type_name: p
            .policy_type
            .display_name
            .clone()
            .unwrap_or_else(|| p.policy_type.id.clone()),
        is_enabled: p.is_enabled,
        is_blocking: p.is_blocking,
        scopes,
        settings: p.settings.clone(),
    })
}

pub(crate) fn service_connection(e: &m::ServiceEndpoint, project_id: &str) -> Resource {
    Resource::ServiceConnection(ServiceConnection {
        id: e.id.clone(),
        name: e.name.clone(),
        project_id: project_id.to_owned(),
        endpoint_type: e.endpoint_type.clone(),
        auth_scheme: e
            .authorization
            .as_ref()
            .and_then(|a| a.scheme.clone())
            .unwrap_or_default(),
        // Generic endpoints may carry `user:token@` or `?token=`: keep neither.
        url: e
            .url
            .as_deref()
            .map(|u| strip_user(u.split(['?', '#']).next().unwrap_or(u))),
        is_shared: e.is_shared,
        is_ready: e.is_ready,
        project_ids: e
            .service_endpoint_project_references
            .iter()
            .map(|r| r.project_reference.id.clone())
            .collect(),
        azure_scope: e.azure_scope().map(str::to_owned),
        scope_level: e.scope_level().map(str::to_owned),
        checks: Collected::NotCollected,
    })
}

pub(crate) fn variable_group(g: &m::VariableGroup, project_id: &str) -> Resource {
    Resource::VariableGroup(VariableGroup {
        id: g.id,
        name: g.name.clone(),
        project_id: project_id.to_owned(),
        group_type: g.group_type.clone().unwrap_or_else(|| "Vsts".into()),
        variables: g
            .variables
            .iter()
            .map(|(name, v)| VariableGroupVariable {
                name: name.clone(),
                is_secret: v.is_secret,
            })
            .collect(),
    })
}

pub(crate) fn secure_file(f: &m::SecureFile, project_id: &str) -> Resource {
    Resource::SecureFile(SecureFile {
        id: f.id.clone(),
        name: f.name.clone(),
        project_id: project_id.to_owned(),
        modified_on: f.modified_on.clone(),
    })
}

pub(crate) fn environment(e: &m::EnvironmentInstance, project_id: &str) -> Resource {
    Resource::Environment(Environment {
        id: e.id,
        name: e.name.clone(),
        project_id: project_id.to_owned(),
        checks: Collected::NotCollected,
    })
}

pub(crate) fn pipeline_permission(
    p: &m::ResourcePipelinePermissions,
    project_id: &str,
    resource_type: &str,
    resource_id: &str,
) -> Resource {
    Resource::PipelinePermission(PipelinePermission {
        project_id: project_id.to_owned(),
        resource_type: resource_type.to_owned(),
        resource_id: resource_id.to_owned(),
        all_pipelines: p.all_pipelines.as_ref().map(|a| a.authorized),
        pipeline_ids: p
            .pipelines
            .iter()
            .filter(|e| e.authorized)
            .map(|e| e.id)
            .collect(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn user_is_stripped_from_remote_urls() {
        assert_eq!(
            strip_user("https://fabrikam@dev.azure.com/fabrikam/P/_git/r"),
            "https://dev.azure.com/fabrikam/P/_git/r"
        );
        assert_eq!(
            strip_user("https://x.visualstudio.com/_git/r"),
            "https://x.visualstudio.com/_git/r"
        );
    }

    #[test]
    fn service_connection_urls_lose_credentials_and_queries() {
        let e: m::ServiceEndpoint = serde_json::from_value(serde_json::json!({
            "id": "e1", "name": "nexus", "type": "generic",
            "url": "https://deploy:hunter2@nexus.contoso.com/repo?token=abc#x"
        }))
        .unwrap();
        let Resource::ServiceConnection(sc) = service_connection(&e, "p1") else {
            panic!("a service connection")
        };
        assert_eq!(sc.url.as_deref(), Some("https://nexus.contoso.com/repo"));
    }

    #[test]
    fn only_the_scope_of_an_endpoint_authorization_is_kept() {
        let e: m::ServiceEndpoint = serde_json::from_value(serde_json::json!({
            "id": "e1", "name": "prod", "type": "azurerm",
            "authorization": {"scheme": "ServicePrincipal", "parameters": {
                "scope": "/subscriptions/s1/resourcegroups/rg1",
                "serviceprincipalkey": "hunter2", "tenantid": "t1"}},
            "data": {"scopeLevel": "Subscription", "subscriptionId": "s1"}
        }))
        .unwrap();
        let Resource::ServiceConnection(sc) = service_connection(&e, "p1") else {
            panic!("a service connection")
        };
        assert_eq!(
            sc.azure_scope.as_deref(),
            Some("/subscriptions/s1/resourcegroups/rg1")
        );
        assert_eq!(sc.scope_level.as_deref(), Some("Subscription"));
        let all = serde_json::to_string(&sc).unwrap();
        assert!(!all.contains("hunter2") && !all.contains("t1"), "{all}");
    }

    #[test]
    fn check_inputs_that_may_hold_secrets_are_dropped() {
        let c: m::CheckConfiguration = serde_json::from_value(serde_json::json!({
            "id": 3, "type": {"id": "FE1DE3EE-A436-41B4-BB20-F6EB4CB879A7", "name": "Task Check"},
            "settings": {"definitionRef": {"name": "evaluatebranchProtection"},
                "inputs": {"allowedBranches": "refs/heads/main", "key": "function-key-123"}}
        }))
        .unwrap();
        let c = check_configuration(&c);
        assert_eq!(c.type_id, "fe1de3ee-a436-41b4-bb20-f6eb4cb879a7");
        assert_eq!(c.settings["inputs"]["allowedBranches"], "refs/heads/main");
        assert!(c.settings["inputs"].get("key").is_none());
    }
}
