//! The discovered estate: what discovery writes and posture checks read.
//!
//! Each [`Resource`] has a stable [`ResourceKey`] (built from ADO's own ids,
//! never from names, so a rename is the same resource) and a scope: the
//! organization or project listing it came from. When a listing of a scope
//! completes, resources of that scope it did not return are marked removed.
//!
//! Secret values never enter the inventory: ADO returns them as null, and
//! discovery keeps only names and `is_secret` flags of variables.

use std::collections::BTreeMap;
use std::fmt;

use serde::{Deserialize, Serialize};

/// The kinds of resource discovery collects.
#[derive(
    Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, utoipa::ToSchema,
)]
#[serde(rename_all = "kebab-case")]
pub enum ResourceKind {
    Organization,
    Project,
    ProjectSettings,
    Repository,
    Pipeline,
    BranchPolicy,
    ServiceConnection,
    VariableGroup,
    SecureFile,
    Environment,
    AgentPool,
    PipelinePermission,
}

impl ResourceKind {
    pub const ALL: [ResourceKind; 12] = [
        Self::Organization,
        Self::Project,
        Self::ProjectSettings,
        Self::Repository,
        Self::Pipeline,
        Self::BranchPolicy,
        Self::ServiceConnection,
        Self::VariableGroup,
        Self::SecureFile,
        Self::Environment,
        Self::AgentPool,
        Self::PipelinePermission,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Organization => "organization",
            Self::Project => "project",
            Self::ProjectSettings => "project-settings",
            Self::Repository => "repository",
            Self::Pipeline => "pipeline",
            Self::BranchPolicy => "branch-policy",
            Self::ServiceConnection => "service-connection",
            Self::VariableGroup => "variable-group",
            Self::SecureFile => "secure-file",
            Self::Environment => "environment",
            Self::AgentPool => "agent-pool",
            Self::PipelinePermission => "pipeline-permission",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.as_str() == s)
    }
}

impl fmt::Display for ResourceKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Stable identity of a resource across discoveries:
/// `{org id}/{kind}/{id within the org}`, lowercase.
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, utoipa::ToSchema)]
#[schema(value_type = String, example = "0f5c.../repository/3b1e...")]
#[serde(transparent)]
pub struct ResourceKey(String);

impl ResourceKey {
    pub fn new(org_id: &str, kind: ResourceKind, id: &str) -> Self {
        Self(format!("{}/{}/{}", org_id, kind.as_str(), id).to_ascii_lowercase())
    }

    /// Rebuilds a key read back from storage.
    pub fn from_stored(s: String) -> Self {
        Self(s)
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for ResourceKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl fmt::Debug for ResourceKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "ResourceKey({})", self.0)
    }
}

/// The listing a resource came from. A complete listing of a scope marks the
/// scope's other resources of the same kinds removed.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub enum Scope {
    Organization { org_id: String },
    Project { org_id: String, project_id: String },
}

impl Scope {
    /// `{org id}` or `{org id}/{project id}`, lowercase.
    pub fn key(&self) -> String {
        match self {
            Self::Organization { org_id } => scope_key(org_id, None),
            Self::Project { org_id, project_id } => scope_key(org_id, Some(project_id)),
        }
    }
}

/// `{org id}` or `{org id}/{project id}`, lowercase: where a resource is
/// listed, scored and exempted.
pub fn scope_key(org_id: &str, project_id: Option<&str>) -> String {
    match project_id {
        Some(p) => format!("{org_id}/{p}").to_ascii_lowercase(),
        None => org_id.to_ascii_lowercase(),
    }
}

/// One discovered thing, with the attributes checks need.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "kebab-case")]
pub enum Resource {
    Organization(Organization),
    Project(Project),
    ProjectSettings(ProjectSettings),
    Repository(Repository),
    Pipeline(Pipeline),
    BranchPolicy(BranchPolicy),
    ServiceConnection(ServiceConnection),
    VariableGroup(VariableGroup),
    SecureFile(SecureFile),
    Environment(Environment),
    AgentPool(AgentPool),
    PipelinePermission(PipelinePermission),
}

impl Resource {
    pub fn kind(&self) -> ResourceKind {
        match self {
            Self::Organization(_) => ResourceKind::Organization,
            Self::Project(_) => ResourceKind::Project,
            Self::ProjectSettings(_) => ResourceKind::ProjectSettings,
            Self::Repository(_) => ResourceKind::Repository,
            Self::Pipeline(_) => ResourceKind::Pipeline,
            Self::BranchPolicy(_) => ResourceKind::BranchPolicy,
            Self::ServiceConnection(_) => ResourceKind::ServiceConnection,
            Self::VariableGroup(_) => ResourceKind::VariableGroup,
            Self::SecureFile(_) => ResourceKind::SecureFile,
            Self::Environment(_) => ResourceKind::Environment,
            Self::AgentPool(_) => ResourceKind::AgentPool,
            Self::PipelinePermission(_) => ResourceKind::PipelinePermission,
        }
    }

    /// The id of the resource within its organization.
    fn local_id(&self) -> String {
        match self {
            Self::Organization(o) => o.id.clone(),
            Self::Project(p) => p.id.clone(),
            Self::ProjectSettings(s) => s.project_id.clone(),
            Self::Repository(r) => r.id.clone(),
            Self::Pipeline(p) => format!("{}/{}", p.project_id, p.id),
            Self::BranchPolicy(p) => format!("{}/{}", p.project_id, p.id),
            Self::ServiceConnection(s) => s.id.clone(),
            Self::VariableGroup(v) => format!("{}/{}", v.project_id, v.id),
            Self::SecureFile(s) => s.id.clone(),
            Self::Environment(e) => format!("{}/{}", e.project_id, e.id),
            Self::AgentPool(a) => a.id.to_string(),
            Self::PipelinePermission(p) => {
                format!("{}/{}/{}", p.project_id, p.resource_type, p.resource_id)
            }
        }
    }

    pub fn key(&self, org_id: &str) -> ResourceKey {
        ResourceKey::new(org_id, self.kind(), &self.local_id())
    }

    /// A name for people; ids where a resource has no name.
    pub fn name(&self) -> String {
        match self {
            Self::Organization(o) => o.name.clone(),
            Self::Project(p) => p.name.clone(),
            Self::ProjectSettings(s) => format!("{} settings", s.project_name),
            Self::Repository(r) => r.name.clone(),
            Self::Pipeline(p) => p.name.clone(),
            Self::BranchPolicy(p) => p.type_name.clone(),
            Self::ServiceConnection(s) => s.name.clone(),
            Self::VariableGroup(v) => v.name.clone(),
            Self::SecureFile(s) => s.name.clone(),
            Self::Environment(e) => e.name.clone(),
            Self::AgentPool(a) => a.name.clone(),
            Self::PipelinePermission(p) => format!("{} {}", p.resource_type, p.resource_id),
        }
    }

    /// The project the resource belongs to, if any.
    pub fn project_id(&self) -> Option<&str> {
        match self {
            Self::Organization(_) | Self::AgentPool(_) => None,
            Self::Project(p) => Some(&p.id),
            Self::ProjectSettings(s) => Some(&s.project_id),
            Self::Repository(r) => Some(&r.project_id),
            Self::Pipeline(p) => Some(&p.project_id),
            Self::BranchPolicy(p) => Some(&p.project_id),
            Self::ServiceConnection(s) => Some(&s.project_id),
            Self::VariableGroup(v) => Some(&v.project_id),
            Self::SecureFile(s) => Some(&s.project_id),
            Self::Environment(e) => Some(&e.project_id),
            Self::PipelinePermission(p) => Some(&p.project_id),
        }
    }
}

/// Data discovery tried to read: what it got, or why it could not. Posture
/// checks turn anything but `Read` into "unknown" with the reason, never a pass.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "status", content = "value", rename_all = "kebab-case")]
pub enum Collected<T> {
    Read(T),
    /// The call failed: missing permission, preview API not enabled, ...
    Unreadable(String),
    /// Not asked for (a discovery older than this field, or not applicable).
    #[default]
    NotCollected,
}

impl<T> Collected<T> {
    pub fn read(&self) -> Option<&T> {
        match self {
            Self::Read(v) => Some(v),
            _ => None,
        }
    }

    /// Why the value is missing, for an "unknown" result; `what` names it.
    pub fn why_missing(&self, what: &str) -> Option<String> {
        match self {
            Self::Read(_) => None,
            Self::Unreadable(reason) => Some(format!("{what} could not be read: {reason}")),
            Self::NotCollected => Some(format!("{what} was not collected by the last discovery")),
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Organization {
    pub id: String,
    pub name: String,
    pub url: String,
    /// Organization policies by ADO name (`Policy.DisallowSecureShell`, ...)
    /// to their effective value.
    #[serde(default)]
    pub policies: Collected<BTreeMap<String, bool>>,
    /// Organization-level pipeline settings (`enforceJobAuthScope`, ...).
    #[serde(default)]
    pub pipeline_settings: Collected<BTreeMap<String, bool>>,
    /// Organization-level listings that failed (resource kind name to reason).
    #[serde(default)]
    pub unread: BTreeMap<String, String>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Project {
    pub id: String,
    pub name: String,
    /// `private` or `public`.
    pub visibility: String,
    pub state: String,
    #[serde(default)]
    pub description: Option<String>,
    #[serde(default)]
    pub last_update_time: Option<String>,
}

/// Project-level pipeline settings (`build/generalsettings`): flag name to value.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProjectSettings {
    pub project_id: String,
    pub project_name: String,
    /// Empty when unread: see `unread["project-settings"]`.
    pub pipeline_settings: BTreeMap<String, bool>,
    /// Listings of this project's walk that failed (resource kind name, or
    /// `project-settings`, to the reason). Checks report "unknown" for them.
    #[serde(default)]
    pub unread: BTreeMap<String, String>,
    /// GitHub Advanced Security enablement per repository id.
    #[serde(default)]
    pub advanced_security: Collected<BTreeMap<String, AdvancedSecurity>>,
}

/// GitHub Advanced Security for Azure DevOps on one repository.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AdvancedSecurity {
    pub enabled: bool,
    /// Secret push protection.
    pub block_pushes: bool,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Repository {
    pub id: String,
    pub name: String,
    pub project_id: String,
    pub project_name: String,
    /// Absent for an empty repository.
    pub default_branch: Option<String>,
    pub size: u64,
    pub is_disabled: bool,
    pub is_fork: bool,
    /// Project wiki backing repositories are hidden from normal listings.
    pub is_hidden: bool,
    pub web_url: String,
    pub remote_url: String,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum PipelineProcess {
    Yaml { yaml_filename: String },
    Classic,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PipelineVariable {
    pub name: String,
    pub is_secret: bool,
    pub allow_override: bool,
}

/// Fork build settings of a pipeline's pull request trigger.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ForkSettings {
    pub enabled: bool,
    pub allow_secrets: bool,
    pub allow_full_access_token: bool,
    /// `isCommentRequiredForPullRequest` of the trigger: a team member must
    /// comment before a fork's PR is built.
    #[serde(default)]
    pub comment_required: Option<bool>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Pipeline {
    pub id: i64,
    pub name: String,
    pub path: String,
    pub project_id: String,
    pub process: PipelineProcess,
    pub repository_id: Option<String>,
    /// `TfsGit`, `GitHub`, `Bitbucket`, ...
    pub repository_type: Option<String>,
    /// `projectCollection` or `project`.
    pub job_authorization_scope: Option<String>,
    pub variables: Vec<PipelineVariable>,
    pub variable_group_ids: Vec<i64>,
    pub fork_builds: Option<ForkSettings>,
    pub queue_name: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PolicyScope {
    /// None: every repository of the project.
    pub repository_id: Option<String>,
    pub ref_name: Option<String>,
    /// `exact` or `prefix`.
    pub match_kind: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct BranchPolicy {
    pub id: i64,
    pub project_id: String,
    pub type_id: String,
    pub type_name: String,
    pub is_enabled: bool,
    pub is_blocking: bool,
    pub scopes: Vec<PolicyScope>,
    /// The policy type's own settings (reviewer counts, build ids, ...).
    pub settings: serde_json::Value,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ServiceConnection {
    pub id: String,
    pub name: String,
    /// The project it was discovered through.
    pub project_id: String,
    /// `azurerm`, `github`, `kubernetes`, ...
    pub endpoint_type: String,
    /// `ServicePrincipal`, `WorkloadIdentityFederation`, `UsernamePassword`, ...
    pub auth_scheme: String,
    pub url: Option<String>,
    pub is_shared: bool,
    pub is_ready: bool,
    /// Projects the connection is shared with.
    pub project_ids: Vec<String>,
    /// The Azure scope an `azurerm` connection grants (`/subscriptions/...`,
    /// `.../resourceGroups/...`, `/providers/Microsoft.Management/managementGroups/...`).
    #[serde(default)]
    pub azure_scope: Option<String>,
    /// `data.scopeLevel`: `Subscription`, `ManagementGroup`, `AzureMLWorkspace`, ...
    #[serde(default)]
    pub scope_level: Option<String>,
    /// Approvals and checks configured on the connection.
    #[serde(default)]
    pub checks: Collected<Vec<CheckConfiguration>>,
}

/// An approval or check on a protected resource (`pipelines/checks/configurations`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CheckConfiguration {
    pub id: i64,
    /// The check type's id (`8c6f20a7-...` is Approval).
    pub type_id: String,
    /// `Approval`, `Task Check`, `ExclusiveLock`, ...
    pub type_name: String,
    /// The type's own settings (approvers, the task a Task Check runs, ...).
    pub settings: serde_json::Value,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct VariableGroupVariable {
    pub name: String,
    pub is_secret: bool,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct VariableGroup {
    pub id: i64,
    pub name: String,
    pub project_id: String,
    /// `Vsts` or `AzureKeyVault`.
    pub group_type: String,
    /// Names and secrecy only: values are never kept.
    pub variables: Vec<VariableGroupVariable>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SecureFile {
    pub id: String,
    pub name: String,
    pub project_id: String,
    pub modified_on: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Environment {
    pub id: i64,
    pub name: String,
    pub project_id: String,
    /// Approvals and checks configured on the environment.
    #[serde(default)]
    pub checks: Collected<Vec<CheckConfiguration>>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AgentPool {
    pub id: i64,
    pub name: String,
    pub is_hosted: bool,
    /// `automation` or `deployment`.
    pub pool_type: String,
    pub auto_provision: bool,
    /// Agents update themselves; `None` when ADO did not say.
    #[serde(default)]
    pub auto_update: Option<bool>,
}

/// Which pipelines may use a protected resource.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PipelinePermission {
    pub project_id: String,
    /// `endpoint`, `variablegroup`, `securefile`, `queue`, `environment`, `repository`.
    pub resource_type: String,
    pub resource_id: String,
    /// `Some(true)`: open to every pipeline of the project.
    pub all_pipelines: Option<bool>,
    /// Pipelines explicitly authorized.
    pub pipeline_ids: Vec<i64>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_use_ids_and_are_case_insensitive() {
        let r = Resource::Repository(Repository {
            id: "ABC".into(),
            name: "web".into(),
            project_id: "P1".into(),
            project_name: "Shop".into(),
            default_branch: None,
            size: 0,
            is_disabled: false,
            is_fork: false,
            is_hidden: false,
            web_url: String::new(),
            remote_url: String::new(),
        });
        assert_eq!(r.key("ORG").as_str(), "org/repository/abc");
        assert_eq!(r.project_id(), Some("P1"));
        let json = serde_json::to_value(&r).unwrap();
        assert_eq!(json["kind"], "repository");
        let back: Resource = serde_json::from_value(json).unwrap();
        assert_eq!(back, r);
    }

    #[test]
    fn kinds_round_trip_through_their_names() {
        for k in ResourceKind::ALL {
            assert_eq!(ResourceKind::parse(k.as_str()), Some(k));
        }
        assert_eq!(ResourceKind::parse("nope"), None);
    }
}
