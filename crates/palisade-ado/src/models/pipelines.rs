use std::collections::BTreeMap;

use serde::Deserialize;

use super::{IdentityRef, ProjectRef};

/// `build/generalsettings`: flag name to value (only booleans are kept).
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(transparent)]
pub struct GeneralSettings(pub BTreeMap<String, serde_json::Value>);

impl GeneralSettings {
    pub fn flags(&self) -> BTreeMap<String, bool> {
        self.0
            .iter()
            .filter_map(|(k, v)| v.as_bool().map(|b| (k.clone(), b)))
            .collect()
    }
}

#[derive(Clone, Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PolicyTypeRef {
    pub id: String,
    #[serde(default)]
    pub display_name: Option<String>,
}

/// `policy/configurations`.
#[derive(Clone, Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PolicyConfiguration {
    pub id: i64,
    #[serde(default)]
    pub revision: Option<i64>,
    #[serde(rename = "type")]
    pub policy_type: PolicyTypeRef,
    #[serde(default)]
    pub is_enabled: bool,
    #[serde(default)]
    pub is_blocking: bool,
    #[serde(default)]
    pub is_deleted: bool,
    #[serde(default)]
    pub settings: serde_json::Value,
}

/// `process` of a build definition: `type` 1 designer (classic), 2 YAML.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct BuildProcess {
    #[serde(default, rename = "type")]
    pub process_type: Option<serde_json::Value>,
    #[serde(default)]
    pub yaml_filename: Option<String>,
}

impl BuildProcess {
    pub fn is_yaml(&self) -> bool {
        match &self.process_type {
            Some(serde_json::Value::Number(n)) => n.as_i64() == Some(2),
            Some(serde_json::Value::String(s)) => s.eq_ignore_ascii_case("yaml") || s == "2",
            _ => self.yaml_filename.is_some(),
        }
    }
}

#[derive(Clone, Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct BuildRepository {
    #[serde(default)]
    pub id: Option<String>,
    #[serde(default, rename = "type")]
    pub repository_type: Option<String>,
    #[serde(default)]
    pub name: Option<String>,
    #[serde(default)]
    pub default_branch: Option<String>,
}

/// A definition variable: the value is never read.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct BuildVariable {
    #[serde(default)]
    pub is_secret: bool,
    #[serde(default)]
    pub allow_override: bool,
}

#[derive(Clone, Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct DefinitionVariableGroup {
    pub id: i64,
    #[serde(default)]
    pub name: Option<String>,
}

#[derive(Clone, Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AgentQueueRef {
    #[serde(default)]
    pub id: Option<i64>,
    #[serde(default)]
    pub name: Option<String>,
}

#[derive(Clone, Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ForkSettingsJson {
    #[serde(default)]
    pub enabled: bool,
    #[serde(default)]
    pub allow_secrets: bool,
    #[serde(default)]
    pub allow_full_access_token: bool,
}

#[derive(Clone, Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct BuildTrigger {
    /// `continuousIntegration`, `pullRequest`, ... (a string; numbers are
    /// accepted too).
    #[serde(default)]
    pub trigger_type: Option<serde_json::Value>,
    #[serde(default)]
    pub forks: Option<ForkSettingsJson>,
    /// A team member must comment before a pull request (from a fork) is built.
    #[serde(default)]
    pub is_comment_required_for_pull_request: Option<bool>,
}

impl BuildTrigger {
    pub fn is_pull_request(&self) -> bool {
        match &self.trigger_type {
            Some(serde_json::Value::String(s)) => s.eq_ignore_ascii_case("pullRequest"),
            // DefinitionTriggerType flags: pullRequest = 64.
            Some(serde_json::Value::Number(n)) => n.as_i64() == Some(64),
            _ => false,
        }
    }
}

/// `build/definitions?includeAllProperties=true`.
#[derive(Clone, Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct BuildDefinition {
    pub id: i64,
    pub name: String,
    #[serde(default)]
    pub path: Option<String>,
    #[serde(default)]
    pub revision: Option<i64>,
    #[serde(default)]
    pub project: Option<ProjectRef>,
    #[serde(default)]
    pub process: Option<BuildProcess>,
    #[serde(default)]
    pub repository: Option<BuildRepository>,
    #[serde(default)]
    pub triggers: Vec<BuildTrigger>,
    #[serde(default)]
    pub variables: BTreeMap<String, BuildVariable>,
    #[serde(default)]
    pub variable_groups: Vec<DefinitionVariableGroup>,
    /// `projectCollection` or `project` (numbers 1/2 accepted).
    #[serde(default)]
    pub job_authorization_scope: Option<serde_json::Value>,
    #[serde(default)]
    pub queue: Option<AgentQueueRef>,
}

impl BuildDefinition {
    pub fn job_authorization_scope(&self) -> Option<String> {
        match self.job_authorization_scope.as_ref()? {
            serde_json::Value::String(s) => Some(s.clone()),
            serde_json::Value::Number(n) => match n.as_i64() {
                Some(1) => Some("projectCollection".into()),
                Some(2) => Some("project".into()),
                _ => None,
            },
            _ => None,
        }
    }

    /// Fork settings of the pull request trigger, if any.
    pub fn fork_settings(&self) -> Option<&ForkSettingsJson> {
        self.pull_request_trigger().and_then(|t| t.forks.as_ref())
    }

    /// `isCommentRequiredForPullRequest` of the pull request trigger, when it says.
    pub fn comment_required_for_pull_requests(&self) -> Option<bool> {
        self.pull_request_trigger()?.is_comment_required_for_pull_request
    }

    /// The pull request trigger that carries fork settings (or the first one).
    fn pull_request_trigger(&self) -> Option<&BuildTrigger> {
        let mut prs = self.triggers.iter().filter(|t| t.is_pull_request());
        let first = prs.clone().next();
        prs.find(|t| t.forks.is_some()).or(first)
    }
}

#[derive(Clone, Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct EndpointAuthorization {
    #[serde(default)]
    pub scheme: Option<String>,
    /// Only `scope` is read; every other parameter is skipped unread (some hold secrets).
    #[serde(default)]
    pub parameters: Option<EndpointAuthParameters>,
}

/// The one authorization parameter palisade keeps: the Azure scope an `azurerm` connection
/// grants (`/subscriptions/{id}[/resourceGroups/{rg}]`, a management group, ...).
#[derive(Clone, Debug, Default, Deserialize)]
pub struct EndpointAuthParameters {
    #[serde(default, deserialize_with = "lenient_string")]
    pub scope: Option<String>,
}

/// `data` of a service endpoint: only `scopeLevel` is kept.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct EndpointData {
    /// `Subscription`, `ManagementGroup`, `AzureMLWorkspace`, ...
    #[serde(default, deserialize_with = "lenient_string")]
    pub scope_level: Option<String>,
}

/// A string, or nothing for any other JSON value (ADO puts numbers and nulls in these maps).
fn lenient_string<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
    let v = Option::<serde_json::Value>::deserialize(d)?;
    Ok(v.and_then(|v| v.as_str().map(str::to_owned)))
}

#[derive(Clone, Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct EndpointProjectReference {
    pub project_reference: ProjectRef,
    #[serde(default)]
    pub name: Option<String>,
}

/// `serviceendpoint/endpoints`.
#[derive(Clone, Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ServiceEndpoint {
    pub id: String,
    pub name: String,
    #[serde(rename = "type")]
    pub endpoint_type: String,
    #[serde(default)]
    pub url: Option<String>,
    #[serde(default)]
    pub authorization: Option<EndpointAuthorization>,
    #[serde(default)]
    pub is_shared: bool,
    #[serde(default)]
    pub is_ready: bool,
    #[serde(default)]
    pub owner: Option<String>,
    #[serde(default)]
    pub data: Option<EndpointData>,
    #[serde(default)]
    pub service_endpoint_project_references: Vec<EndpointProjectReference>,
}

impl ServiceEndpoint {
    /// `authorization.parameters.scope`, when set.
    pub fn azure_scope(&self) -> Option<&str> {
        self.authorization.as_ref()?.parameters.as_ref()?.scope.as_deref()
    }

    /// `data.scopeLevel`, when set.
    pub fn scope_level(&self) -> Option<&str> {
        self.data.as_ref()?.scope_level.as_deref()
    }
}

/// A variable group variable: the value is never read.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct VariableGroupVariable {
    #[serde(default)]
    pub is_secret: bool,
    #[serde(default)]
    pub is_read_only: bool,
}

/// `distributedtask/variablegroups`.
#[derive(Clone, Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct VariableGroup {
    pub id: i64,
    pub name: String,
    #[serde(default, rename = "type")]
    pub group_type: Option<String>,
    #[serde(default)]
    pub description: Option<String>,
    #[serde(default)]
    pub variables: BTreeMap<String, VariableGroupVariable>,
    #[serde(default)]
    pub is_shared: bool,
}

/// `distributedtask/securefiles`.
#[derive(Clone, Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SecureFile {
    pub id: String,
    pub name: String,
    #[serde(default)]
    pub created_on: Option<String>,
    #[serde(default)]
    pub modified_on: Option<String>,
    #[serde(default)]
    pub modified_by: Option<IdentityRef>,
}

/// `distributedtask/environments`.
#[derive(Clone, Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct EnvironmentInstance {
    pub id: i64,
    pub name: String,
    #[serde(default)]
    pub description: Option<String>,
    #[serde(default)]
    pub project: Option<ProjectRef>,
}

/// `distributedtask/pools`.
#[derive(Clone, Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AgentPool {
    pub id: i64,
    pub name: String,
    #[serde(default)]
    pub is_hosted: bool,
    /// `automation` or `deployment`.
    #[serde(default)]
    pub pool_type: Option<String>,
    #[serde(default)]
    pub size: Option<i64>,
    #[serde(default)]
    pub auto_provision: Option<bool>,
    #[serde(default)]
    pub auto_update: Option<bool>,
}

#[derive(Clone, Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PermissionedResource {
    #[serde(default, rename = "type")]
    pub resource_type: Option<String>,
    #[serde(default)]
    pub id: Option<String>,
}

#[derive(Clone, Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AllPipelines {
    #[serde(default)]
    pub authorized: bool,
    #[serde(default)]
    pub authorized_on: Option<String>,
}

#[derive(Clone, Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PipelinePermissionEntry {
    pub id: i64,
    #[serde(default)]
    pub authorized: bool,
    #[serde(default)]
    pub authorized_on: Option<String>,
}

/// `pipelines/pipelinePermissions/{type}/{id}`.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ResourcePipelinePermissions {
    #[serde(default)]
    pub resource: Option<PermissionedResource>,
    /// Absent: access is restricted to the listed pipelines.
    #[serde(default)]
    pub all_pipelines: Option<AllPipelines>,
    #[serde(default)]
    pub pipelines: Vec<PipelinePermissionEntry>,
}

/// `{id, name}` of a check type.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CheckType {
    #[serde(default)]
    pub id: Option<String>,
    #[serde(default)]
    pub name: Option<String>,
}

/// `pipelines/checks/configurations` (with `$expand=settings`).
#[derive(Clone, Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CheckConfiguration {
    pub id: i64,
    #[serde(default, rename = "type")]
    pub check_type: CheckType,
    /// The type's settings (approvers, the task a Task Check runs and its inputs, ...).
    #[serde(default)]
    pub settings: serde_json::Value,
    #[serde(default)]
    pub is_disabled: Option<bool>,
    #[serde(default)]
    pub timeout: Option<i64>,
}

/// Advanced Security enablement of one repository
/// (`advsec {project}/_apis/management/repositories/{id}/enablement`), read tolerantly: the
/// 2023 shape (`advSecEnabled`, `blockPushes`) and the newer per-plan shape
/// (`secretProtection {enabled, blockPushes}` / `codeSecurity {enabled}`) are both understood.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(transparent)]
pub struct AdvSecEnablement(pub serde_json::Value);

impl AdvSecEnablement {
    fn flag(&self, path: &[&str]) -> Option<bool> {
        let mut v = &self.0;
        for k in path {
            v = v.get(k)?;
        }
        v.as_bool()
    }

    /// Any Advanced Security plan is enabled on the repository.
    pub fn enabled(&self) -> bool {
        [
            &["advSecEnabled"][..],
            &["secretProtection", "enabled"],
            &["secretProtectionEnabled"],
            &["codeSecurity", "enabled"],
            &["codeSecurityEnabled"],
        ]
        .iter()
        .any(|p| self.flag(p) == Some(true))
    }

    /// Secret push protection blocks pushes that contain secrets.
    pub fn block_pushes(&self) -> bool {
        [
            &["blockPushes"][..],
            &["secretProtection", "blockPushes"],
            &["advSecEnablementFeatures", "blockPushes"],
        ]
        .iter()
        .any(|p| self.flag(p) == Some(true))
    }
}
