//! The estate a simulator serves: organizations, projects, repositories (with real git contents),
//! pipelines, policies, service connections, library items, wikis, work items, users and credentials.
//!
//! Fixtures are YAML (or JSON) files deserialized into [`Estate`]. Most ids are optional in the
//! file: [`Estate::normalize`] fills missing GUIDs deterministically (`UUIDv5` of the names) so a
//! fixture stays short and ids are stable between runs. Secrets may appear in fixtures (it is a
//! simulator); the server nulls them out in responses the way ADO does.

use std::collections::BTreeMap;
use std::path::Path;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use uuid::Uuid;

/// Errors loading a fixture.
#[derive(Debug, thiserror::Error)]
pub enum FixtureError {
    #[error("cannot read fixture {path}: {source}")]
    Read { path: String, source: std::io::Error },
    #[error("invalid fixture YAML: {0}")]
    Yaml(String),
    #[error("invalid fixture JSON: {0}")]
    Json(#[from] serde_json::Error),
    #[error("invalid fixture: {0}")]
    Invalid(String),
}

/// Namespace for deterministic ids (`UUIDv5`).
const ID_NAMESPACE: Uuid = Uuid::from_u128(0x6a1c_0e2b_7f3d_4c55_9a8e_51d0_c0ff_ee01);

/// A deterministic GUID derived from a list of names.
pub fn stable_id(parts: &[&str]) -> Uuid {
    Uuid::new_v5(&ID_NAMESPACE, parts.join("/").as_bytes())
}

/// Everything the simulator serves.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct Estate {
    /// Entra tenant id used in `WWW-Authenticate` and as the default tenant.
    pub tenant: Option<Uuid>,
    pub orgs: Vec<Org>,
    pub users: Vec<User>,
    pub pats: Vec<Pat>,
    pub entra_apps: Vec<EntraApp>,
    pub oauth_users: Vec<OAuthUser>,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Deployment {
    /// Azure DevOps Services (dev.azure.com).
    #[default]
    Services,
    /// Azure DevOps Server (on premises); api-versions above `max_api_version` are refused.
    Server,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct Org {
    pub name: String,
    pub id: Option<Uuid>,
    pub deployment: Deployment,
    /// Newest api-version a `server` deployment accepts, e.g. `"6.0"`.
    pub max_api_version: Option<String>,
    pub projects: Vec<Project>,
    pub agent_pools: Vec<AgentPool>,
    /// Organization policies (`Policy.DisallowSecureShell`, ...) to their value; missing ones get
    /// the simulator's defaults for a new organization (served by the internal data provider).
    pub policies: BTreeMap<String, bool>,
    /// Organization-level pipeline settings (`enforceJobAuthScope`, ...); missing ones get the
    /// defaults of a new organization.
    pub pipeline_settings: BTreeMap<String, Value>,
    /// Data sources the caller may not read here, answered as ADO refuses them (see
    /// [`DENIABLE_SOURCES`]); also settable at runtime with the `denied` knob.
    pub denied: Vec<String>,
}

/// Data sources a fixture's `denied` list (or the `denied` knob) can refuse, each answered the
/// way ADO refuses it: `org-policies` and `org-pipeline-settings` (a `dataProviderExceptions`
/// entry, as for a caller who is not a Project Collection Administrator), `advanced-security`
/// (404 `VS800075`, as where Advanced Security is not available), `checks` (403), and
/// `general-settings` (401 `TF400813`, as for a token without the scope).
pub const DENIABLE_SOURCES: &[&str] = &[
    "org-policies",
    "org-pipeline-settings",
    "advanced-security",
    "checks",
    "general-settings",
];

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct Project {
    pub id: Option<Uuid>,
    pub name: String,
    pub description: Option<String>,
    /// `private` (default) or `public`.
    pub visibility: Option<String>,
    /// `wellFormed` (default), `createPending`, `deleting`, ...
    pub state: Option<String>,
    pub repos: Vec<Repo>,
    pub pipelines: Vec<Pipeline>,
    pub policies: Vec<Policy>,
    pub service_endpoints: Vec<ServiceEndpoint>,
    pub variable_groups: Vec<VariableGroup>,
    pub secure_files: Vec<SecureFile>,
    pub environments: Vec<Environment>,
    pub queues: Vec<Queue>,
    pub pipeline_permissions: Vec<PipelinePermission>,
    /// Approvals and checks on service connections and environments.
    pub checks: Vec<Check>,
    /// `build/generalsettings` fields (camelCase ADO names); missing ones get ADO's defaults.
    pub general_settings: BTreeMap<String, Value>,
    pub wikis: Vec<Wiki>,
    pub work_items: Vec<WorkItem>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct Repo {
    pub id: Option<Uuid>,
    pub name: String,
    /// e.g. `main` or `refs/heads/main`; absent means an empty repository.
    pub default_branch: Option<String>,
    pub is_disabled: bool,
    pub is_fork: bool,
    /// The repository this one is a fork of (same organization).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub fork_of: Option<RepoRef>,
    pub size: Option<u64>,
    /// Hidden repos back project wikis; listed only with `includeHidden=true`.
    pub hidden: bool,
    pub branches: Vec<Branch>,
    pub pull_requests: Vec<PullRequest>,
    /// Generated contents (a recipe streamed into `git fast-import` on first use) instead of
    /// `branches`; see [`crate::content`].
    #[serde(skip_serializing_if = "Option::is_none")]
    pub generated: Option<crate::content::RepoRecipe>,
    /// GitHub Advanced Security for Azure DevOps; absent = never enabled.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub advanced_security: Option<AdvancedSecurity>,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct AdvancedSecurity {
    pub enabled: bool,
    /// Secret push protection.
    pub block_pushes: bool,
}

/// An approval or check on a protected resource (`pipelines/checks/configurations`).
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct Check {
    pub id: i64,
    /// `endpoint` or `environment`.
    pub resource_type: String,
    /// The resource's id or name in the same project.
    pub resource: String,
    /// `Approval`, `Task Check` (branch control, business hours, ...) or `ExclusiveLock`.
    #[serde(rename = "type")]
    pub kind: String,
    /// The type's settings in ADO's shape (`approvers`, `definitionRef`, `inputs`, ...).
    pub settings: Value,
    pub timeout: Option<i64>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct Branch {
    pub name: String,
    /// Branch this one starts from (its tip at the end of that branch's commits); none = orphan.
    pub from: Option<String>,
    pub commits: Vec<Commit>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default)]
pub struct Commit {
    pub message: String,
    pub author: String,
    pub email: String,
    pub date: DateTime<Utc>,
    /// Files added or changed by this commit: path -> content.
    pub files: BTreeMap<String, String>,
    /// Paths deleted by this commit.
    pub delete: Vec<String>,
}

impl Default for Commit {
    fn default() -> Self {
        Self {
            message: "Update".into(),
            author: "Sim User".into(),
            email: "sim@example.invalid".into(),
            date: DateTime::<Utc>::from_timestamp(1_700_000_000, 0).unwrap_or_default(),
            files: BTreeMap::new(),
            delete: Vec::new(),
        }
    }
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct PullRequest {
    pub id: i64,
    pub title: String,
    pub description: String,
    /// Branch name (`feature/x` or `refs/heads/feature/x`).
    pub source: String,
    pub target: String,
    /// `active` (default), `completed`, `abandoned`.
    pub status: Option<String>,
    /// User name (see [`User::name`]).
    pub created_by: Option<String>,
    pub creation_date: Option<DateTime<Utc>>,
    pub is_draft: bool,
    pub reviewers: Vec<Reviewer>,
    /// Source branch tip at the last merge attempt; absent = the branch's current tip.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub last_merge_source_commit: Option<String>,
    /// Target branch tip at the last merge attempt; absent = the branch's current tip.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub last_merge_target_commit: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub closed_date: Option<DateTime<Utc>>,
    /// For a pull request from a fork: the fork holding `source` (same organization).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub fork_source: Option<RepoRef>,
    /// `succeeded` (default), `conflicts` (no `refs/pull/{id}/merge`) or `failure` (a branch is gone).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub merge_status: Option<String>,
    /// The commit `refs/pull/{id}/merge` points at (parents: target tip, source tip).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub last_merge_commit: Option<String>,
    /// One per creation and per push to the source branch (absent = one, from the current tips).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub iterations: Vec<PrIteration>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub threads: Vec<PrThread>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub statuses: Vec<PrStatus>,
}

/// A repository by project and repository name (or GUID), within one organization.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct RepoRef {
    pub project: String,
    pub repo: String,
}

/// A pull request iteration: the source and target commits after a creation or a push.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct PrIteration {
    pub id: i64,
    pub source_commit: String,
    pub target_commit: String,
    /// Merge base of source and target.
    pub common_commit: Option<String>,
    /// `create`, `push`, `forcePush`.
    pub reason: String,
    /// User name.
    pub author: Option<String>,
    pub push_id: Option<i64>,
    pub created: DateTime<Utc>,
}

/// A comment thread on a pull request.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct PrThread {
    pub id: i64,
    /// `active`, `fixed`, `wontFix`, `closed`, `byDesign`, `pending`; absent for system threads.
    pub status: Option<String>,
    /// `threadContext` in ADO's shape (`filePath`, `rightFileStart`, ...).
    pub context: Option<Value>,
    /// `pullRequestThreadContext` in ADO's shape.
    pub pr_context: Option<Value>,
    /// Properties in ADO's typed form (`{"$type": "System.String", "$value": "x"}`).
    pub properties: BTreeMap<String, Value>,
    pub comments: Vec<PrComment>,
    pub published: DateTime<Utc>,
    pub updated: DateTime<Utc>,
    pub is_deleted: bool,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct PrComment {
    pub id: i64,
    pub parent_comment_id: i64,
    /// User name (unknown names are shown as the build service).
    pub author: Option<String>,
    pub content: String,
    /// `text`, `codeChange`, `system`.
    pub comment_type: String,
    pub published: DateTime<Utc>,
    pub updated: DateTime<Utc>,
    pub content_updated: DateTime<Utc>,
    pub is_deleted: bool,
}

/// A status posted on a pull request (`pullRequests/{id}/statuses`).
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct PrStatus {
    pub id: i64,
    /// `notSet`, `pending`, `succeeded`, `failed`, `error`, `notApplicable`.
    pub state: String,
    pub description: Option<String>,
    pub context_name: String,
    pub context_genre: Option<String>,
    pub target_url: Option<String>,
    pub iteration_id: Option<i64>,
    /// User name.
    pub created_by: Option<String>,
    pub created: DateTime<Utc>,
    pub updated: DateTime<Utc>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct Reviewer {
    pub user: String,
    pub vote: i64,
    pub is_required: bool,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct Pipeline {
    pub id: i64,
    pub name: String,
    /// Folder, default `\`.
    pub path: Option<String>,
    /// `yaml` (default) or `classic` (designer).
    pub kind: Option<String>,
    pub yaml_filename: Option<String>,
    /// Repository name in the same project (or `owner/name` for an external repository).
    pub repository: Option<String>,
    /// `TfsGit` (default), `GitHub`, `GitHubEnterprise`, `Bitbucket`, `Git`, `Svn`: an external
    /// source is served as named, without a repository of the fixture behind it.
    pub repository_type: Option<String>,
    pub variables: BTreeMap<String, Variable>,
    pub variable_groups: Vec<i64>,
    /// Triggers in ADO's shape, e.g. `{triggerType: pullRequest, forks: {enabled: true, allowSecrets: false}}`.
    pub triggers: Vec<Value>,
    /// `projectCollection` (default) or `project`.
    pub job_authorization_scope: Option<String>,
    /// Queue id in the same project.
    pub queue: Option<i64>,
    /// Classic process phases/steps, emitted verbatim as `process.phases`.
    pub phases: Option<Value>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct Variable {
    pub value: Option<String>,
    pub is_secret: bool,
    pub allow_override: bool,
    pub is_read_only: bool,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct Policy {
    pub id: i64,
    /// Policy type GUID (ADO-API.md §5).
    pub type_id: Uuid,
    pub is_enabled: Option<bool>,
    pub is_blocking: Option<bool>,
    /// `settings` object in ADO's shape (including `scope`).
    pub settings: Value,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct ServiceEndpoint {
    pub id: Option<Uuid>,
    pub name: String,
    /// `azurerm`, `github`, `generic`, ...
    #[serde(rename = "type")]
    pub kind: String,
    pub url: String,
    pub description: String,
    /// Authorization scheme, e.g. `ServicePrincipal`, `Token`, `UsernamePassword`.
    pub scheme: String,
    /// Authorization parameters; secret ones (see [`SECRET_PARAMETERS`]) are nulled in responses.
    pub parameters: BTreeMap<String, String>,
    /// Extra parameter names to treat as secret.
    pub secret_parameters: Vec<String>,
    pub data: BTreeMap<String, String>,
    pub is_shared: bool,
}

/// Authorization parameter names ADO never returns (case-insensitive).
pub const SECRET_PARAMETERS: &[&str] = &[
    "serviceprincipalkey",
    "password",
    "apitoken",
    "accesstoken",
    "certificate",
    "certificatepassword",
    "privatekey",
    "key",
    "secret",
    "clientsecret",
    "nugetkey",
    "token",
];

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct VariableGroup {
    pub id: i64,
    pub name: String,
    pub description: String,
    /// `Vsts` (default) or `AzureKeyVault`.
    #[serde(rename = "type")]
    pub kind: Option<String>,
    pub variables: BTreeMap<String, Variable>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct SecureFile {
    pub id: Option<Uuid>,
    pub name: String,
    pub properties: BTreeMap<String, String>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct Environment {
    pub id: i64,
    pub name: String,
    pub description: String,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct AgentPool {
    pub id: i64,
    pub name: String,
    pub is_hosted: bool,
    /// `automation` (default) or `deployment`.
    pub pool_type: Option<String>,
    pub size: i64,
    pub auto_provision: bool,
    /// Agents update themselves (default true).
    pub auto_update: Option<bool>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct Queue {
    pub id: i64,
    pub name: String,
    pub pool_id: i64,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct PipelinePermission {
    /// `endpoint`, `variablegroup`, `securefile`, `queue`, `environment`, `repository`.
    pub resource_type: String,
    /// Resource id as ADO spells it in the URL (repository: `{projectId}.{repoId}`).
    pub resource_id: String,
    /// `Some(true)`: open to all pipelines.
    pub all_pipelines: Option<bool>,
    /// Pipeline ids explicitly authorized.
    pub pipelines: Vec<i64>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct Wiki {
    pub id: Option<Uuid>,
    pub name: String,
    /// `projectWiki` (default) or `codeWiki`.
    #[serde(rename = "type")]
    pub kind: Option<String>,
    /// Backing repository name (a hidden repo for project wikis).
    pub repository: Option<String>,
    pub pages: Vec<WikiPage>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct WikiPage {
    pub id: i64,
    /// e.g. `/Home`.
    pub path: String,
    pub content: String,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct WorkItem {
    pub id: i64,
    pub rev: Option<i64>,
    /// Field reference name -> value, e.g. `System.Title`, `System.State`, `System.WorkItemType`.
    pub fields: BTreeMap<String, Value>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct User {
    pub id: Option<Uuid>,
    /// Short name used as a reference elsewhere in the fixture.
    pub name: String,
    pub display_name: Option<String>,
    /// Sign-in name (`uniqueName`), e.g. `alice@contoso.com`.
    pub email: String,
    /// Organizations the user belongs to (by name); empty = all.
    pub orgs: Vec<String>,
    /// Project names the user may see; absent = all (others answer 404).
    pub projects: Option<Vec<String>>,
    /// A service principal (profile/accounts return nothing useful for it).
    pub service_principal: bool,
}

/// `orgs: all` or a list of organization names.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum OrgScope {
    All(AllOrgs),
    Some(Vec<String>),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum AllOrgs {
    All,
}

impl Default for OrgScope {
    fn default() -> Self {
        Self::All(AllOrgs::All)
    }
}

impl OrgScope {
    pub fn allows(&self, org: &str) -> bool {
        match self {
            Self::All(_) => true,
            Self::Some(list) => list.iter().any(|o| o.eq_ignore_ascii_case(org)),
        }
    }
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct Pat {
    pub token: String,
    /// User name.
    pub user: String,
    /// `vso.code`, `vso.build`, ... or `app_token` (full access).
    pub scopes: Vec<String>,
    pub orgs: OrgScope,
    pub expires_at: Option<DateTime<Utc>>,
    pub revoked: bool,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct FederatedCredential {
    pub issuer: String,
    pub subject: String,
    /// Default `api://AzureADTokenExchange`.
    pub audience: Option<String>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct EntraApp {
    /// Tenant GUID (or name) the app lives in; absent = the estate tenant.
    pub tenant: Option<String>,
    pub client_id: String,
    pub client_secret: Option<String>,
    pub federated: Vec<FederatedCredential>,
    /// User name of the identity the app acts as (client credentials).
    pub user: Option<String>,
    /// ADO scopes granted to tokens (default `app_token`, i.e. everything).
    pub scopes: Vec<String>,
    /// Allowed redirect URIs for the authorization-code flow (empty = any).
    pub redirect_uris: Vec<String>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct OAuthUser {
    /// User name.
    pub user: String,
    /// Used when `authorize` gets no `login_hint`.
    pub default: bool,
    /// ADO scopes granted (default `app_token`).
    pub scopes: Vec<String>,
}

impl Estate {
    /// Parses a YAML (or JSON, which is YAML) fixture and normalizes it.
    pub fn from_yaml_str(text: &str) -> Result<Self, FixtureError> {
        let mut estate: Self = serde_saphyr::from_str(text).map_err(|e| FixtureError::Yaml(e.to_string()))?;
        estate.normalize()?;
        Ok(estate)
    }

    /// Parses a JSON fixture and normalizes it.
    pub fn from_json_str(text: &str) -> Result<Self, FixtureError> {
        let mut estate: Self = serde_json::from_str(text)?;
        estate.normalize()?;
        Ok(estate)
    }

    /// Loads a fixture file (`.json` as JSON, anything else as YAML).
    pub fn load(path: &Path) -> Result<Self, FixtureError> {
        let text = std::fs::read_to_string(path).map_err(|source| FixtureError::Read {
            path: path.display().to_string(),
            source,
        })?;
        if path.extension().is_some_and(|e| e.eq_ignore_ascii_case("json")) {
            Self::from_json_str(&text)
        } else {
            Self::from_yaml_str(&text)
        }
    }

    /// Fills missing ids deterministically and checks references.
    pub fn normalize(&mut self) -> Result<(), FixtureError> {
        if self.tenant.is_none() {
            self.tenant = Some(stable_id(&["tenant"]));
        }
        for user in &mut self.users {
            if user.id.is_none() {
                user.id = Some(stable_id(&["user", &user.name]));
            }
        }
        let mut seen_orgs = std::collections::HashSet::new();
        for org in &mut self.orgs {
            if org.name.is_empty() || org.name.contains('/') {
                return Err(FixtureError::Invalid(format!(
                    "bad organization name {:?}",
                    org.name
                )));
            }
            if !seen_orgs.insert(org.name.to_ascii_lowercase()) {
                return Err(FixtureError::Invalid(format!(
                    "duplicate organization {}",
                    org.name
                )));
            }
            if let Some(bad) = org
                .denied
                .iter()
                .find(|d| !DENIABLE_SOURCES.iter().any(|s| s.eq_ignore_ascii_case(d)))
            {
                return Err(FixtureError::Invalid(format!(
                    "organization {}: unknown denied source {bad:?} (known: {})",
                    org.name,
                    DENIABLE_SOURCES.join(", ")
                )));
            }
            let on = org.name.clone();
            org.id.get_or_insert_with(|| stable_id(&["org", &on]));
            for p in &mut org.projects {
                let pn = p.name.clone();
                p.id.get_or_insert_with(|| stable_id(&["project", &on, &pn]));
                for r in &mut p.repos {
                    let rn = r.name.clone();
                    r.id.get_or_insert_with(|| stable_id(&["repo", &on, &pn, &rn]));
                    if r.default_branch.is_none() {
                        r.default_branch = match (&r.generated, r.branches.first()) {
                            (Some(recipe), _) => recipe.default_ref(),
                            (None, Some(first)) => Some(first.name.clone()),
                            (None, None) => None,
                        };
                    }
                    if r.size.is_none()
                        && let Some(recipe) = &r.generated
                    {
                        r.size = Some(recipe.approx_size());
                    }
                    if let Some(b) = &r.default_branch
                        && !b.starts_with("refs/")
                    {
                        r.default_branch = Some(format!("refs/heads/{b}"));
                    }
                }
                for e in &mut p.service_endpoints {
                    let en = e.name.clone();
                    e.id.get_or_insert_with(|| stable_id(&["endpoint", &on, &pn, &en]));
                }
                for s in &mut p.secure_files {
                    let sn = s.name.clone();
                    s.id.get_or_insert_with(|| stable_id(&["securefile", &on, &pn, &sn]));
                }
                for w in &mut p.wikis {
                    let wn = w.name.clone();
                    w.id.get_or_insert_with(|| stable_id(&["wiki", &on, &pn, &wn]));
                }
            }
        }
        for pat in &self.pats {
            if pat.token.is_empty() {
                return Err(FixtureError::Invalid("a PAT has an empty token".into()));
            }
        }
        Ok(())
    }

    /// Finds an organization by name (case-insensitive).
    pub fn org(&self, name: &str) -> Option<&Org> {
        self.orgs.iter().find(|o| o.name.eq_ignore_ascii_case(name))
    }

    /// Finds a user by fixture name.
    pub fn user(&self, name: &str) -> Option<&User> {
        self.users.iter().find(|u| u.name == name)
    }

    /// Total repository count (all orgs).
    pub fn repo_count(&self) -> usize {
        self.orgs
            .iter()
            .flat_map(|o| &o.projects)
            .map(|p| p.repos.len())
            .sum()
    }

    /// Total project count (all orgs).
    pub fn project_count(&self) -> usize {
        self.orgs.iter().map(|o| o.projects.len()).sum()
    }
}

impl Org {
    /// The organization GUID (filled by [`Estate::normalize`]).
    pub fn guid(&self) -> Uuid {
        self.id.unwrap_or_else(|| stable_id(&["org", &self.name]))
    }

    /// Finds a project by name (case-insensitive) or GUID.
    pub fn project(&self, key: &str) -> Option<&Project> {
        let as_id = Uuid::parse_str(key).ok();
        self.projects
            .iter()
            .find(|p| p.name.eq_ignore_ascii_case(key) || (as_id.is_some() && p.id == as_id))
    }

    /// The project and repository `r` names.
    pub fn repo_at(&self, r: &RepoRef) -> Option<(&Project, &Repo)> {
        let p = self.project(&r.project)?;
        p.repo(&r.repo).map(|repo| (p, repo))
    }
}

impl Project {
    pub fn guid(&self) -> Uuid {
        self.id.unwrap_or_else(|| stable_id(&["project", &self.name]))
    }

    /// Finds a repository by name (case-insensitive) or GUID.
    pub fn repo(&self, key: &str) -> Option<&Repo> {
        let key = key.strip_suffix(".git").unwrap_or(key);
        let as_id = Uuid::parse_str(key).ok();
        self.repos
            .iter()
            .find(|r| r.name.eq_ignore_ascii_case(key) || (as_id.is_some() && r.id == as_id))
    }
}

impl Org {
    /// Whether `source` (one of [`DENIABLE_SOURCES`]) is refused in this organization by the fixture.
    pub fn denies(&self, source: &str) -> bool {
        self.denied.iter().any(|d| d.eq_ignore_ascii_case(source))
    }
}

impl Repo {
    pub fn guid(&self) -> Uuid {
        self.id.unwrap_or_else(|| stable_id(&["repo", &self.name]))
    }
}
