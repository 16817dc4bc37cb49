//! The calls palisade makes (docs/ADO-ENDPOINTS.md), one method each.

use palisade_domain::Deployment;
use reqwest::Method;
use serde_json::json;
use url::Url;

use crate::client::{AdoClient, CONNECTION_DATA, Endpoint, join_segments};
use crate::data_providers::{ORG_PIPELINE_SETTINGS, ORG_POLICIES};
use crate::error::{AdoError, scope_missing_message};
use crate::models::{
    Account, AdvSecEnablement, AgentPool, BuildDefinition, CheckConfiguration, Comment, CommentThreadStatus,
    ConnectionData, EnvironmentInstance, GeneralSettings, GitCommitRef, GitPullRequest,
    GitPullRequestCommentThread, GitPullRequestIteration, GitPullRequestStatus, GitRef, GitRepository, List,
    NewPullRequestStatus, NewSubscription, NewThread, PolicyConfiguration, Profile, PullRequestStatus,
    PullRequestUpdate, ResourcePipelinePermissions, SecureFile, ServiceEndpoint, Subscription, TeamProject,
    VariableGroup, WikiPage, WikiV2, WiqlResult, WorkItem,
};

const fn ep(name: &'static str, version: &'static str, scope: &'static str) -> Endpoint {
    Endpoint {
        name,
        version,
        scope: Some(scope),
    }
}

const PROFILE: Endpoint = ep("profile", "7.1", "vso.profile");
const ACCOUNTS: Endpoint = ep("accounts", "7.1", "vso.profile");
const PROJECTS: Endpoint = ep("projects", "7.1", "vso.project");
const GENERAL_SETTINGS: Endpoint = ep("pipeline general settings", "7.1", "vso.build");
const REPOSITORIES: Endpoint = ep("git repositories", "7.1", "vso.code");
const REFS: Endpoint = ep("git refs", "7.1", "vso.code");
const COMMITS: Endpoint = ep("git commits", "7.1", "vso.code");
const PULL_REQUESTS: Endpoint = ep("pull requests", "7.1", "vso.code");
const CREATE_PULL_REQUEST: Endpoint = ep("create pull request", "7.1", "vso.code_write");
const POLICIES: Endpoint = ep("policy configurations", "7.1", "vso.code");
const DEFINITIONS: Endpoint = ep("build definitions", "7.1", "vso.build");
const ENDPOINTS: Endpoint = ep("service connections", "7.1", "vso.serviceendpoint");
const VARIABLE_GROUPS: Endpoint = ep("variable groups", "7.1", "vso.variablegroups_read");
const SECURE_FILES: Endpoint = ep("secure files", "7.2-preview.1", "vso.securefiles_read");
const ENVIRONMENTS: Endpoint = ep("environments", "7.1", "vso.environment_manage");
const POOLS: Endpoint = ep("agent pools", "7.1", "vso.agentpools");
const PIPELINE_PERMISSIONS: Endpoint = ep("pipeline permissions", "7.1-preview.1", "vso.build");
const CHECK_CONFIGURATIONS: Endpoint = ep("check configurations", "7.1-preview.1", "vso.build");
const ADVSEC_ENABLEMENT: Endpoint = ep("Advanced Security enablement", "7.2-preview.1", "vso.advsec");
const WIKIS: Endpoint = ep("wikis", "7.1", "vso.wiki");
const WIKI_PAGE: Endpoint = ep("wiki page", "7.1", "vso.wiki");
const WIQL: Endpoint = ep("wiql query", "7.1", "vso.work");
const WORK_ITEMS: Endpoint = ep("work items", "7.1", "vso.work");
const PULL_REQUEST: Endpoint = ep("pull request", "7.1", "vso.code");
const UPDATE_PULL_REQUEST: Endpoint = ep("update pull request", "7.1", "vso.code_write");
const PR_ITERATIONS: Endpoint = ep("pull request iterations", "7.1", "vso.code");
const PR_THREADS: Endpoint = ep("pull request threads", "7.1", "vso.code");
const PR_THREAD_WRITE: Endpoint = ep("pull request thread", "7.1", "vso.code_write");
const PR_COMMENT_WRITE: Endpoint = ep("pull request comment", "7.1", "vso.code_write");
const PR_STATUSES: Endpoint = ep("pull request statuses", "7.1", "vso.code");
const CREATE_PR_STATUS: Endpoint = ep("create pull request status", "7.1", "vso.code_write");
const SUBSCRIPTIONS: Endpoint = ep("service hook subscriptions", "7.1", "vso.hooks");
const CREATE_SUBSCRIPTION: Endpoint = ep("create service hook subscription", "7.1", "vso.hooks_write");
const DELETE_SUBSCRIPTION: Endpoint = ep("delete service hook subscription", "7.1", "vso.hooks_write");

/// Checks a value that travels in a header of its own (no line breaks, no control characters).
fn header_safe(what: &str, v: &str) -> Result<(), AdoError> {
    if v.chars().any(char::is_control) {
        return Err(AdoError::InvalidRequest(format!(
            "{what} must not contain line breaks or control characters"
        )));
    }
    Ok(())
}

/// A permission (OAuth/PAT scope) [`AdoClient::test_connection`] can check.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum ApiScope {
    Project,
    Code,
    Build,
    ServiceEndpoint,
    VariableGroups,
    SecureFiles,
    Environment,
    AgentPools,
    Wiki,
    Work,
    Profile,
    /// `vso.code_write`: pull request threads and statuses (managed pull-request scans).
    CodeWrite,
    /// `vso.hooks`: list service hook subscriptions.
    HooksRead,
    /// `vso.hooks_write`: create and delete service hook subscriptions.
    HooksWrite,
}

impl ApiScope {
    /// The scope string (`vso.code`).
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Project => "vso.project",
            Self::Code => "vso.code",
            Self::Build => "vso.build",
            Self::ServiceEndpoint => "vso.serviceendpoint",
            Self::VariableGroups => "vso.variablegroups_read",
            Self::SecureFiles => "vso.securefiles_read",
            Self::Environment => "vso.environment_manage",
            Self::AgentPools => "vso.agentpools",
            Self::Wiki => "vso.wiki",
            Self::Work => "vso.work",
            Self::Profile => "vso.profile",
            Self::CodeWrite => "vso.code_write",
            Self::HooksRead => "vso.hooks",
            Self::HooksWrite => "vso.hooks_write",
        }
    }

    /// What discovery needs.
    pub const DISCOVERY: [ApiScope; 8] = [
        Self::Project,
        Self::Code,
        Self::Build,
        Self::ServiceEndpoint,
        Self::VariableGroups,
        Self::SecureFiles,
        Self::Environment,
        Self::AgentPools,
    ];

    /// What managed scans with pull-request scans need on top of discovery's read scopes.
    pub const MANAGED_SCANS: [ApiScope; 4] = [Self::Code, Self::CodeWrite, Self::HooksRead, Self::HooksWrite];
}

/// What [`AdoClient::test_connection`] found.
#[derive(Clone, Debug)]
pub struct ConnectionTest {
    /// The organization (collection) id.
    pub org_id: String,
    pub user_id: String,
    pub display_name: Option<String>,
    pub sign_in_name: Option<String>,
    /// Scopes the credential lacks, with a message for each
    /// ("Token lacks Code.Read permission (vso.code)").
    pub missing: Vec<(ApiScope, String)>,
    /// Scopes that could not be checked (no project to check them in).
    pub unchecked: Vec<ApiScope>,
}

impl ConnectionTest {
    pub fn ok(&self) -> bool {
        self.missing.is_empty()
    }
}

/// `feature/x` → `refs/heads/feature/x`; `refs/...` unchanged.
pub fn normalize_branch(name: &str) -> String {
    let n = name.trim();
    if n.starts_with("refs/") {
        n.to_owned()
    } else {
        format!("refs/heads/{}", n.trim_start_matches('/'))
    }
}

fn q(k: &'static str, v: impl Into<String>) -> (&'static str, String) {
    (k, v.into())
}

impl AdoClient {
    fn profile_base(&self) -> Result<Url, AdoError> {
        match self.deployment() {
            Deployment::Cloud { profile_url, .. } => Url::parse(profile_url)
                .map_err(|e| AdoError::InvalidRequest(format!("bad profile URL {profile_url:?}: {e}"))),
            Deployment::Server { .. } => Err(AdoError::NotFound {
                what: "the global profile service: Azure DevOps Server has no profile or accounts API; \
                       list collections by name instead"
                    .into(),
            }),
        }
    }

    /// `GET {base}/_apis/connectionData`: reachable, and who the credential is.
    pub async fn connection_data(&self) -> Result<ConnectionData, AdoError> {
        let url = self.url(&["_apis", "connectionData"]);
        let cd: ConnectionData = self.get_json(&CONNECTION_DATA, &url, &[]).await?;
        self.mark_verified();
        Ok(cd)
    }

    /// The caller's profile, from the global profile host.
    pub async fn profile_me(&self) -> Result<Profile, AdoError> {
        let url = join_segments(&self.profile_base()?, &["_apis", "profile", "profiles", "me"]);
        self.get_json(&PROFILE, &url, &[]).await
    }

    /// Organizations `member_id` (a profile id) belongs to.
    pub async fn accounts(&self, member_id: &str) -> Result<Vec<Account>, AdoError> {
        let url = join_segments(&self.profile_base()?, &["_apis", "accounts"]);
        let list: List<Account> = self
            .get_json(&ACCOUNTS, &url, &[q("memberId", member_id)])
            .await?;
        Ok(list.value)
    }

    pub async fn projects(&self) -> Result<Vec<TeamProject>, AdoError> {
        let url = self.url(&["_apis", "projects"]);
        self.get_all_token(&PROJECTS, &url, &[q("$top", "100")]).await
    }

    pub async fn project_general_settings(&self, project: &str) -> Result<GeneralSettings, AdoError> {
        let url = self.url(&[project, "_apis", "build", "generalsettings"]);
        self.get_json(&GENERAL_SETTINGS, &url, &[]).await
    }

    /// Every repository of every project the caller can see, hidden (wiki)
    /// repositories included, in one call.
    pub async fn repositories(&self) -> Result<Vec<GitRepository>, AdoError> {
        let url = self.url(&["_apis", "git", "repositories"]);
        let list: List<GitRepository> = self
            .get_json(&REPOSITORIES, &url, &[q("includeHidden", "true")])
            .await?;
        Ok(list.value)
    }

    pub async fn repository(&self, project: &str, repo: &str) -> Result<GitRepository, AdoError> {
        let url = self.url(&[project, "_apis", "git", "repositories", repo]);
        self.get_json(&REPOSITORIES, &url, &[]).await
    }

    pub async fn branches(&self, project: &str, repo: &str) -> Result<Vec<GitRef>, AdoError> {
        self.refs(project, repo, "heads/").await
    }

    /// Branches and tags, annotated tags with the commit they point at
    /// (`peeledObjectId`): what a clone of the repository would hold.
    pub async fn branch_and_tag_tips(&self, project: &str, repo: &str) -> Result<Vec<GitRef>, AdoError> {
        let (mut heads, tags) = tokio::try_join!(
            self.refs_peeled(project, repo, "heads/"),
            self.refs_peeled(project, repo, "tags/")
        )?;
        heads.extend(tags);
        Ok(heads)
    }

    async fn refs(&self, project: &str, repo: &str, filter: &str) -> Result<Vec<GitRef>, AdoError> {
        let url = self.url(&[project, "_apis", "git", "repositories", repo, "refs"]);
        self.get_all_token(&REFS, &url, &[q("filter", filter)]).await
    }

    async fn refs_peeled(&self, project: &str, repo: &str, filter: &str) -> Result<Vec<GitRef>, AdoError> {
        let url = self.url(&[project, "_apis", "git", "repositories", repo, "refs"]);
        self.get_all_token(&REFS, &url, &[q("filter", filter), q("peelTags", "true")])
            .await
    }

    /// The newest `top` commits of `branch` (`main` or `refs/heads/main`).
    pub async fn commits(
        &self,
        project: &str,
        repo: &str,
        branch: &str,
        top: usize,
    ) -> Result<Vec<GitCommitRef>, AdoError> {
        let url = self.url(&[project, "_apis", "git", "repositories", repo, "commits"]);
        let short = branch.strip_prefix("refs/heads/").unwrap_or(branch);
        self.get_all_skip(
            &COMMITS,
            &url,
            &[
                q("searchCriteria.itemVersion.version", short),
                q("searchCriteria.itemVersion.versionType", "branch"),
            ],
            ("searchCriteria.$top", "searchCriteria.$skip"),
            top.clamp(1, 1000),
            Some(top),
        )
        .await
    }

    pub async fn pull_requests(
        &self,
        project: &str,
        repo: &str,
        status: PullRequestStatus,
    ) -> Result<Vec<GitPullRequest>, AdoError> {
        let url = self.url(&[project, "_apis", "git", "repositories", repo, "pullrequests"]);
        self.get_all_skip(
            &PULL_REQUESTS,
            &url,
            &[q("searchCriteria.status", status.as_str())],
            ("$top", "$skip"),
            100,
            None,
        )
        .await
    }

    /// Opens a pull request, after checking the source branch exists.
    pub async fn create_pull_request(
        &self,
        project: &str,
        repo: &str,
        source: &str,
        target: &str,
        title: &str,
        description: &str,
    ) -> Result<GitPullRequest, AdoError> {
        let source_ref = normalize_branch(source);
        let target_ref = normalize_branch(target);
        let filter = source_ref.trim_start_matches("refs/");
        let refs = self.refs(project, repo, filter).await?;
        if !refs.iter().any(|r| r.name == source_ref) {
            let short = source_ref.trim_start_matches("refs/heads/");
            return Err(AdoError::NotFound {
                what: format!("source branch '{short}' does not exist in repo '{repo}': push it first"),
            });
        }
        let url = self.url(&[project, "_apis", "git", "repositories", repo, "pullrequests"]);
        let body = json!({
            "sourceRefName": source_ref,
            "targetRefName": target_ref,
            "title": title,
            "description": description,
        });
        let reply = self
            .execute(&CREATE_PULL_REQUEST, Method::POST, &url, &[], Some(&body))
            .await?;
        Self::parse(&CREATE_PULL_REQUEST, &reply.body)
    }

    pub async fn policy_configurations(&self, project: &str) -> Result<Vec<PolicyConfiguration>, AdoError> {
        let url = self.url(&[project, "_apis", "policy", "configurations"]);
        self.get_all_token(&POLICIES, &url, &[]).await
    }

    /// Full definitions (`includeAllProperties=true`): process, repository,
    /// triggers, variables (names and secrecy), queue.
    pub async fn build_definitions(&self, project: &str) -> Result<Vec<BuildDefinition>, AdoError> {
        let url = self.url(&[project, "_apis", "build", "definitions"]);
        self.get_all_token(&DEFINITIONS, &url, &[q("includeAllProperties", "true")])
            .await
    }

    pub async fn service_endpoints(&self, project: &str) -> Result<Vec<ServiceEndpoint>, AdoError> {
        let url = self.url(&[project, "_apis", "serviceendpoint", "endpoints"]);
        let list: List<ServiceEndpoint> = self.get_json(&ENDPOINTS, &url, &[]).await?;
        Ok(list.value)
    }

    pub async fn variable_groups(&self, project: &str) -> Result<Vec<VariableGroup>, AdoError> {
        let url = self.url(&[project, "_apis", "distributedtask", "variablegroups"]);
        self.get_all_token(&VARIABLE_GROUPS, &url, &[]).await
    }

    pub async fn secure_files(&self, project: &str) -> Result<Vec<SecureFile>, AdoError> {
        let url = self.url(&[project, "_apis", "distributedtask", "securefiles"]);
        let list: List<SecureFile> = self.get_json(&SECURE_FILES, &url, &[]).await?;
        Ok(list.value)
    }

    pub async fn environments(&self, project: &str) -> Result<Vec<EnvironmentInstance>, AdoError> {
        let url = self.url(&[project, "_apis", "distributedtask", "environments"]);
        self.get_all_token(&ENVIRONMENTS, &url, &[]).await
    }

    pub async fn agent_pools(&self) -> Result<Vec<AgentPool>, AdoError> {
        let url = self.url(&["_apis", "distributedtask", "pools"]);
        let list: List<AgentPool> = self.get_json(&POOLS, &url, &[]).await?;
        Ok(list.value)
    }

    /// Which pipelines may use a resource. `resource_type`: `endpoint`,
    /// `variablegroup`, `securefile`, `queue`, `environment`, `repository`
    /// (whose id is `{projectId}.{repoId}`).
    pub async fn pipeline_permissions(
        &self,
        project: &str,
        resource_type: &str,
        resource_id: &str,
    ) -> Result<ResourcePipelinePermissions, AdoError> {
        let url = self.url(&[
            project,
            "_apis",
            "pipelines",
            "pipelinePermissions",
            resource_type,
            resource_id,
        ]);
        self.get_json(&PIPELINE_PERMISSIONS, &url, &[]).await
    }

    /// Approvals and checks on a protected resource. `resource_type`: `endpoint`,
    /// `environment`, `queue`, `variablegroup`, `securefile`, `repository`.
    pub async fn check_configurations(
        &self,
        project: &str,
        resource_type: &str,
        resource_id: &str,
    ) -> Result<Vec<CheckConfiguration>, AdoError> {
        let url = self.url(&[project, "_apis", "pipelines", "checks", "configurations"]);
        let list: List<CheckConfiguration> = self
            .get_json(
                &CHECK_CONFIGURATIONS,
                &url,
                &[
                    q("resourceType", resource_type),
                    q("resourceId", resource_id),
                    q("$expand", "settings"),
                ],
            )
            .await?;
        Ok(list.value)
    }

    /// The Advanced Security host of the organization: `https://advsec.dev.azure.com/{org}` for
    /// the public cloud (either URL form), the organization's own base for any other API host
    /// (the simulator serves every host at one address). Server has no Advanced Security.
    fn advsec_base(&self) -> Result<Url, AdoError> {
        match self.deployment() {
            Deployment::Cloud { api_url, .. } => {
                let public = Url::parse(api_url)
                    .ok()
                    .and_then(|u| u.host_str().map(str::to_ascii_lowercase))
                    .is_some_and(|h| h == "dev.azure.com");
                if public {
                    let s = format!("https://advsec.dev.azure.com/{}", self.org().as_str());
                    Url::parse(&s).map_err(|e| {
                        AdoError::InvalidRequest(format!("bad Advanced Security URL {s:?}: {e}"))
                    })
                } else {
                    Ok(self.base_url().clone())
                }
            }
            Deployment::Server { .. } => Err(AdoError::NotFound {
                what: "Advanced Security: Azure DevOps Server does not have it".into(),
            }),
        }
    }

    /// Whether Advanced Security (and secret push protection) is on for one repository.
    pub async fn advanced_security_enablement(
        &self,
        project: &str,
        repo_id: &str,
    ) -> Result<AdvSecEnablement, AdoError> {
        let url = join_segments(
            &self.advsec_base()?,
            &[
                project,
                "_apis",
                "management",
                "repositories",
                repo_id,
                "enablement",
            ],
        );
        // Without `includeAllProperties=true` ADO answers `blockPushes: null`.
        self.get_json(&ADVSEC_ENABLEMENT, &url, &[q("includeAllProperties", "true")])
            .await
    }

    /// Organization policies (`Policy.DisallowSecureShell`, ...) to their effective values.
    /// An internal API (a UI data provider): needs Project Collection Administrator.
    pub async fn organization_policies(&self) -> Result<std::collections::BTreeMap<String, bool>, AdoError> {
        let data = self.data_provider(&ORG_POLICIES).await?;
        crate::data_providers::policies(&data)
    }

    /// Organization-level pipeline settings (`enforceJobAuthScope`, ...). An internal API
    /// (a UI data provider): needs Project Collection Administrator.
    pub async fn organization_pipeline_settings(
        &self,
    ) -> Result<std::collections::BTreeMap<String, bool>, AdoError> {
        let data = self.data_provider(&ORG_PIPELINE_SETTINGS).await?;
        crate::data_providers::flags(&data)
    }

    pub async fn wikis(&self, project: &str) -> Result<Vec<WikiV2>, AdoError> {
        let url = self.url(&[project, "_apis", "wiki", "wikis"]);
        let list: List<WikiV2> = self.get_json(&WIKIS, &url, &[]).await?;
        Ok(list.value)
    }

    /// A page with its content; `etag` holds the page version.
    pub async fn wiki_page(&self, project: &str, wiki: &str, path: &str) -> Result<WikiPage, AdoError> {
        let url = self.url(&[project, "_apis", "wiki", "wikis", wiki, "pages"]);
        let path = if path.starts_with('/') {
            path.to_owned()
        } else {
            format!("/{path}")
        };
        let reply = self
            .execute(
                &WIKI_PAGE,
                Method::GET,
                &url,
                &[q("path", path), q("includeContent", "true")],
                None,
            )
            .await?;
        let mut page: WikiPage = Self::parse(&WIKI_PAGE, &reply.body)?;
        page.etag = reply
            .headers
            .get(reqwest::header::ETAG)
            .and_then(|v| v.to_str().ok())
            .map(|s| s.trim_matches('"').to_owned());
        Ok(page)
    }

    /// Runs a WIQL query; ADO returns ids only.
    pub async fn wiql(&self, project: &str, query: &str, top: Option<usize>) -> Result<WiqlResult, AdoError> {
        let url = self.url(&[project, "_apis", "wit", "wiql"]);
        let mut params = Vec::new();
        if let Some(t) = top {
            params.push(q("$top", t.to_string()));
        }
        let body = json!({ "query": query });
        let reply = self
            .execute(&WIQL, Method::POST, &url, &params, Some(&body))
            .await?;
        Self::parse(&WIQL, &reply.body)
    }

    /// Work items by id, 200 per request.
    pub async fn work_items(&self, ids: &[i64]) -> Result<Vec<WorkItem>, AdoError> {
        let url = self.url(&["_apis", "wit", "workitems"]);
        let mut out = Vec::with_capacity(ids.len());
        for chunk in ids.chunks(200) {
            let list: List<WorkItem> = self
                .get_json(
                    &WORK_ITEMS,
                    &url,
                    &[q(
                        "ids",
                        chunk.iter().map(i64::to_string).collect::<Vec<_>>().join(","),
                    )],
                )
                .await?;
            out.extend(list.value);
        }
        Ok(out)
    }

    /// Checks the credential: connectionData (reachable, identity valid),
    /// then one cheap call per required scope. A bad credential is an
    /// `Err`; missing scopes are listed in the result.
    pub async fn test_connection(&self, required: &[ApiScope]) -> Result<ConnectionTest, AdoError> {
        let cd = self.connection_data().await?;
        let mut test = ConnectionTest {
            org_id: cd.instance_id.clone(),
            user_id: cd.authenticated_user.id.clone(),
            display_name: cd.authenticated_user.provider_display_name.clone(),
            sign_in_name: cd.authenticated_user.sign_in_name().map(str::to_owned),
            missing: Vec::new(),
            unchecked: Vec::new(),
        };
        let mut project: Option<Option<String>> = None;
        for &scope in required {
            let needs_project = matches!(
                scope,
                ApiScope::Build
                    | ApiScope::ServiceEndpoint
                    | ApiScope::VariableGroups
                    | ApiScope::SecureFiles
                    | ApiScope::Environment
                    | ApiScope::Wiki
                    | ApiScope::Work
            );
            let p = if needs_project {
                if project.is_none() {
                    let url = self.url(&["_apis", "projects"]);
                    let first = match self
                        .get_json::<List<TeamProject>>(&PROJECTS, &url, &[q("$top", "1")])
                        .await
                    {
                        Ok(l) => l.value.into_iter().next().map(|p| p.id),
                        Err(_) => None,
                    };
                    project = Some(first);
                }
                let Some(p) = project.clone().flatten() else {
                    test.unchecked.push(scope);
                    continue;
                };
                Some(p)
            } else {
                None
            };
            let p = p.as_deref().unwrap_or_default();
            let result = match scope {
                ApiScope::Project => {
                    let url = self.url(&["_apis", "projects"]);
                    self.get_json::<List<TeamProject>>(&PROJECTS, &url, &[q("$top", "1")])
                        .await
                        .map(drop)
                }
                ApiScope::Code => self.repositories().await.map(drop),
                ApiScope::AgentPools => self.agent_pools().await.map(drop),
                ApiScope::Profile => self.profile_me().await.map(drop),
                ApiScope::Build => {
                    let url = self.url(&[p, "_apis", "build", "definitions"]);
                    self.get_json::<serde_json::Value>(&DEFINITIONS, &url, &[q("$top", "1")])
                        .await
                        .map(drop)
                }
                ApiScope::ServiceEndpoint => self.service_endpoints(p).await.map(drop),
                ApiScope::VariableGroups => {
                    let url = self.url(&[p, "_apis", "distributedtask", "variablegroups"]);
                    self.get_json::<serde_json::Value>(&VARIABLE_GROUPS, &url, &[q("$top", "1")])
                        .await
                        .map(drop)
                }
                ApiScope::SecureFiles => self.secure_files(p).await.map(drop),
                ApiScope::Environment => {
                    let url = self.url(&[p, "_apis", "distributedtask", "environments"]);
                    self.get_json::<serde_json::Value>(&ENVIRONMENTS, &url, &[q("$top", "1")])
                        .await
                        .map(drop)
                }
                ApiScope::Wiki => self.wikis(p).await.map(drop),
                ApiScope::Work => self
                    .wiql(
                        p,
                        "SELECT [System.Id] FROM WorkItems WHERE [System.Id] < 0",
                        Some(1),
                    )
                    .await
                    .map(drop),
                ApiScope::HooksRead => self.list_subscriptions().await.map(drop),
                // Writes are probed with requests that can never succeed: the scope check comes
                // first, so a 400 or 404 means the scope is there and nothing was written.
                ApiScope::HooksWrite => {
                    let url = self.url(&["_apis", "hooks", "subscriptions"]);
                    probe(
                        self.execute(&CREATE_SUBSCRIPTION, Method::POST, &url, &[], Some(&json!({})))
                            .await,
                    )
                }
                ApiScope::CodeWrite => {
                    let url = self.url(&[
                        "_apis",
                        "git",
                        "repositories",
                        "00000000-0000-0000-0000-000000000000",
                        "pullrequests",
                    ]);
                    probe(
                        self.execute(&CREATE_PULL_REQUEST, Method::POST, &url, &[], Some(&json!({})))
                            .await,
                    )
                }
            };
            match result {
                Ok(()) => {}
                Err(AdoError::ScopeMissing { message, .. }) => test.missing.push((scope, message)),
                Err(AdoError::Forbidden { message }) => test.missing.push((
                    scope,
                    format!("{} ({message})", scope_missing_message(scope.as_str())),
                )),
                Err(e) => return Err(e),
            }
        }
        Ok(test)
    }
}

/// A write probe's outcome: refused for its content (not for the credential) means allowed.
fn probe(result: Result<crate::client::Reply, AdoError>) -> Result<(), AdoError> {
    match result {
        Ok(_) | Err(AdoError::BadRequest { .. } | AdoError::NotFound { .. } | AdoError::Conflict { .. }) => {
            Ok(())
        }
        Err(e) => Err(e),
    }
}

impl AdoClient {
    // ---- service hooks ----

    /// Creates a web-hook subscription (`tfs` publisher, `webHooks`/`httpRequest` consumer)
    /// sending all resource details and no messages.
    pub async fn create_subscription(&self, sub: &NewSubscription) -> Result<Subscription, AdoError> {
        use secrecy::ExposeSecret as _;
        let mut publisher = serde_json::Map::new();
        publisher.insert("projectId".into(), json!(sub.project_id));
        if let Some(r) = &sub.repository {
            publisher.insert("repository".into(), json!(r));
        }
        if let Some(b) = &sub.branch {
            publisher.insert("branch".into(), json!(b));
        }
        if let Some(t) = &sub.notification_type {
            publisher.insert("notificationType".into(), json!(t));
        }
        let mut consumer = serde_json::Map::new();
        consumer.insert("url".into(), json!(sub.url));
        consumer.insert("resourceDetailsToSend".into(), json!("all"));
        consumer.insert("messagesToSend".into(), json!("none"));
        consumer.insert("detailedMessagesToSend".into(), json!("none"));
        if let Some((user, password)) = &sub.basic_auth {
            header_safe("the basic auth user name", user)?;
            header_safe("the basic auth password", password.expose_secret())?;
            consumer.insert("basicAuthUsername".into(), json!(user));
            consumer.insert("basicAuthPassword".into(), json!(password.expose_secret()));
        }
        if !sub.http_headers.is_empty() {
            let mut lines = Vec::with_capacity(sub.http_headers.len());
            for (name, value) in &sub.http_headers {
                if name.is_empty()
                    || !name
                        .bytes()
                        .all(|b| b.is_ascii_alphanumeric() || b"-_".contains(&b))
                {
                    return Err(AdoError::InvalidRequest(format!(
                        "invalid HTTP header name {name:?}"
                    )));
                }
                header_safe("an HTTP header value", value.expose_secret())?;
                lines.push(format!("{name}:{}", value.expose_secret()));
            }
            consumer.insert("httpHeaders".into(), json!(lines.join("\n")));
        }
        let body = json!({
            "publisherId": "tfs",
            "eventType": sub.event_type.as_str(),
            "resourceVersion": "1.0",
            "consumerId": "webHooks",
            "consumerActionId": "httpRequest",
            "publisherInputs": publisher,
            "consumerInputs": consumer,
        });
        let url = self.url(&["_apis", "hooks", "subscriptions"]);
        let reply = self
            .execute(&CREATE_SUBSCRIPTION, Method::POST, &url, &[], Some(&body))
            .await?;
        Self::parse(&CREATE_SUBSCRIPTION, &reply.body)
    }

    /// Every service hook subscription of the organization.
    pub async fn list_subscriptions(&self) -> Result<Vec<Subscription>, AdoError> {
        let url = self.url(&["_apis", "hooks", "subscriptions"]);
        let list: List<Subscription> = self.get_json(&SUBSCRIPTIONS, &url, &[]).await?;
        Ok(list.value)
    }

    pub async fn subscription(&self, id: &str) -> Result<Subscription, AdoError> {
        let url = self.url(&["_apis", "hooks", "subscriptions", id]);
        self.get_json(&SUBSCRIPTIONS, &url, &[]).await
    }

    pub async fn delete_subscription(&self, id: &str) -> Result<(), AdoError> {
        let url = self.url(&["_apis", "hooks", "subscriptions", id]);
        self.execute(&DELETE_SUBSCRIPTION, Method::DELETE, &url, &[], None)
            .await
            .map(drop)
    }

    // ---- one pull request ----

    fn pr_url(&self, project: &str, repo: &str, id: i64, tail: &[&str]) -> Url {
        let id = id.to_string();
        let mut segs = vec![
            project,
            "_apis",
            "git",
            "repositories",
            repo,
            "pullRequests",
            id.as_str(),
        ];
        segs.extend_from_slice(tail);
        self.url(&segs)
    }

    /// One pull request, with `lastMergeSourceCommit`/`lastMergeTargetCommit`.
    pub async fn pull_request(&self, project: &str, repo: &str, id: i64) -> Result<GitPullRequest, AdoError> {
        let url = self.pr_url(project, repo, id, &[]);
        self.get_json(&PULL_REQUEST, &url, &[]).await
    }

    pub async fn update_pull_request(
        &self,
        project: &str,
        repo: &str,
        id: i64,
        update: &PullRequestUpdate,
    ) -> Result<GitPullRequest, AdoError> {
        let mut body = serde_json::Map::new();
        if let Some(t) = &update.title {
            body.insert("title".into(), json!(t));
        }
        if let Some(d) = &update.description {
            body.insert("description".into(), json!(d));
        }
        if let Some(s) = update.status {
            body.insert("status".into(), json!(s.as_str()));
        }
        let url = self.pr_url(project, repo, id, &[]);
        let reply = self
            .execute(
                &UPDATE_PULL_REQUEST,
                Method::PATCH,
                &url,
                &[],
                Some(&serde_json::Value::Object(body)),
            )
            .await?;
        Self::parse(&UPDATE_PULL_REQUEST, &reply.body)
    }

    /// The iterations of a pull request (one per push to its source branch).
    pub async fn pr_iterations(
        &self,
        project: &str,
        repo: &str,
        id: i64,
    ) -> Result<Vec<GitPullRequestIteration>, AdoError> {
        let url = self.pr_url(project, repo, id, &["iterations"]);
        let list: List<GitPullRequestIteration> = self.get_json(&PR_ITERATIONS, &url, &[]).await?;
        Ok(list.value)
    }

    /// Every thread of a pull request, system threads included
    /// ([`GitPullRequestCommentThread::is_system`]).
    pub async fn pr_threads(
        &self,
        project: &str,
        repo: &str,
        pr: i64,
    ) -> Result<Vec<GitPullRequestCommentThread>, AdoError> {
        let url = self.pr_url(project, repo, pr, &["threads"]);
        let list: List<GitPullRequestCommentThread> = self.get_json(&PR_THREADS, &url, &[]).await?;
        Ok(list.value)
    }

    pub async fn create_pr_thread(
        &self,
        project: &str,
        repo: &str,
        pr: i64,
        thread: &NewThread,
    ) -> Result<GitPullRequestCommentThread, AdoError> {
        let properties: serde_json::Map<String, serde_json::Value> = thread
            .properties
            .iter()
            .map(|(k, v)| (k.clone(), json!({"$type": "System.String", "$value": v})))
            .collect();
        let mut body = json!({
            "comments": [{"parentCommentId": 0, "content": thread.content, "commentType": "text"}],
            "status": thread.status.as_str(),
            "properties": properties,
        });
        if let Some(c) = &thread.context {
            body["threadContext"] = serde_json::to_value(c)
                .map_err(|e| AdoError::InvalidRequest(format!("thread context: {e}")))?;
        }
        let url = self.pr_url(project, repo, pr, &["threads"]);
        let reply = self
            .execute(&PR_THREAD_WRITE, Method::POST, &url, &[], Some(&body))
            .await?;
        Self::parse(&PR_THREAD_WRITE, &reply.body)
    }

    pub async fn update_pr_thread_status(
        &self,
        project: &str,
        repo: &str,
        pr: i64,
        thread_id: i64,
        status: CommentThreadStatus,
    ) -> Result<GitPullRequestCommentThread, AdoError> {
        let tid = thread_id.to_string();
        let url = self.pr_url(project, repo, pr, &["threads", &tid]);
        let body = json!({"status": status.as_str()});
        let reply = self
            .execute(&PR_THREAD_WRITE, Method::PATCH, &url, &[], Some(&body))
            .await?;
        Self::parse(&PR_THREAD_WRITE, &reply.body)
    }

    /// Adds a reply to a thread (`parent_comment_id` 0: to the thread itself).
    pub async fn add_pr_comment(
        &self,
        project: &str,
        repo: &str,
        pr: i64,
        thread_id: i64,
        content: &str,
        parent_comment_id: i64,
    ) -> Result<Comment, AdoError> {
        let tid = thread_id.to_string();
        let url = self.pr_url(project, repo, pr, &["threads", &tid, "comments"]);
        let body = json!({"content": content, "parentCommentId": parent_comment_id, "commentType": "text"});
        let reply = self
            .execute(&PR_COMMENT_WRITE, Method::POST, &url, &[], Some(&body))
            .await?;
        Self::parse(&PR_COMMENT_WRITE, &reply.body)
    }

    pub async fn update_pr_comment(
        &self,
        project: &str,
        repo: &str,
        pr: i64,
        thread_id: i64,
        comment_id: i64,
        content: &str,
    ) -> Result<Comment, AdoError> {
        let (tid, cid) = (thread_id.to_string(), comment_id.to_string());
        let url = self.pr_url(project, repo, pr, &["threads", &tid, "comments", &cid]);
        let body = json!({"content": content});
        let reply = self
            .execute(&PR_COMMENT_WRITE, Method::PATCH, &url, &[], Some(&body))
            .await?;
        Self::parse(&PR_COMMENT_WRITE, &reply.body)
    }

    pub async fn create_pr_status(
        &self,
        project: &str,
        repo: &str,
        pr: i64,
        status: &NewPullRequestStatus,
    ) -> Result<GitPullRequestStatus, AdoError> {
        let mut context = json!({"name": status.context.name});
        if let Some(g) = &status.context.genre {
            context["genre"] = json!(g);
        }
        let mut body = json!({"state": status.state.as_str(), "context": context});
        if let Some(d) = &status.description {
            body["description"] = json!(d);
        }
        if let Some(u) = &status.target_url {
            body["targetUrl"] = json!(u);
        }
        if let Some(i) = status.iteration_id {
            body["iterationId"] = json!(i);
        }
        let url = self.pr_url(project, repo, pr, &["statuses"]);
        let reply = self
            .execute(&CREATE_PR_STATUS, Method::POST, &url, &[], Some(&body))
            .await?;
        Self::parse(&CREATE_PR_STATUS, &reply.body)
    }

    pub async fn pr_statuses(
        &self,
        project: &str,
        repo: &str,
        pr: i64,
    ) -> Result<Vec<GitPullRequestStatus>, AdoError> {
        let url = self.pr_url(project, repo, pr, &["statuses"]);
        let list: List<GitPullRequestStatus> = self.get_json(&PR_STATUSES, &url, &[]).await?;
        Ok(list.value)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn branches_are_normalised() {
        assert_eq!(normalize_branch("feature/x"), "refs/heads/feature/x");
        assert_eq!(normalize_branch("refs/heads/main"), "refs/heads/main");
        assert_eq!(normalize_branch("/main"), "refs/heads/main");
    }
}
