//! Small estates built in code, for check tests and benchmarks.
//!
//! Builders start from the secure choice (private project, every pipeline
//! setting enforced, workload identity federation, nothing open to all
//! pipelines); tests change the one attribute they are about.

use std::collections::BTreeMap;

use palisade_domain::{
    AgentPool, BranchPolicy, CheckConfiguration, Collected, Environment, Organization, Pipeline,
    PipelinePermission, PipelineProcess, PolicyScope, Project, ProjectSettings, Repository, Resource,
    ResourceKey, SecureFile, ServiceConnection, VariableGroup,
};

use crate::Inventory;

pub const ORG: &str = "0rg";
pub const PROJECT: &str = "p1";

/// Organization policies with their secure values.
pub const SECURE_ORG_POLICIES: &[(&str, bool)] = &[
    ("Policy.AllowAnonymousAccess", false),
    ("Policy.DisallowAadGuestUserAccess", true),
    ("Policy.DisallowOAuthAuthentication", true),
    ("Policy.DisallowSecureShell", true),
    ("Policy.EnforceAADConditionalAccess", true),
    ("Policy.AllowTeamAdminsInvitationsAccessToken", false),
    ("Policy.AllowRequestAccessToken", false),
    ("Policy.ArtifactsExternalPackageProtectionToken", true),
    ("Policy.LogAuditEvents", true),
];

/// Pipeline settings (organization or project) with their secure values.
pub const SECURE_PIPELINE_SETTINGS: &[(&str, bool)] = &[
    ("enforceJobAuthScope", true),
    ("enforceJobAuthScopeForReleases", true),
    ("enforceReferencedRepoScopedToken", true),
    ("enforceSettableVar", true),
    ("disableClassicPipelineCreation", true),
    ("disableClassicBuildPipelineCreation", true),
    ("disableClassicReleasePipelineCreation", true),
    ("statusBadgesArePrivate", true),
    ("enableShellTasksArgsSanitizing", true),
    ("buildsEnabledForForks", true),
    ("enforceJobAuthScopeForForks", true),
    ("enforceNoAccessToSecretsFromForks", true),
    ("isCommentRequiredForPullRequest", true),
    ("requireCommentsForNonTeamMembersOnly", false),
];

fn flags(pairs: &[(&str, bool)]) -> BTreeMap<String, bool> {
    pairs.iter().map(|(k, v)| ((*k).to_owned(), *v)).collect()
}

pub fn organization() -> Organization {
    Organization {
        id: ORG.into(),
        name: "contoso".into(),
        url: "https://dev.azure.com/contoso".into(),
        policies: Collected::Read(flags(SECURE_ORG_POLICIES)),
        pipeline_settings: Collected::Read(flags(SECURE_PIPELINE_SETTINGS)),
        unread: BTreeMap::new(),
    }
}

pub fn project(id: &str) -> Project {
    Project {
        id: id.into(),
        name: format!("project-{id}"),
        visibility: "private".into(),
        state: "wellFormed".into(),
        description: None,
        last_update_time: None,
    }
}

pub fn settings(project_id: &str) -> ProjectSettings {
    ProjectSettings {
        project_id: project_id.into(),
        project_name: format!("project-{project_id}"),
        pipeline_settings: flags(SECURE_PIPELINE_SETTINGS),
        unread: BTreeMap::new(),
        advanced_security: Collected::Read(BTreeMap::new()),
    }
}

pub fn repository(id: &str, project_id: &str) -> Repository {
    Repository {
        id: id.into(),
        name: format!("repo-{id}"),
        project_id: project_id.into(),
        project_name: format!("project-{project_id}"),
        default_branch: Some("refs/heads/main".into()),
        size: 1024,
        is_disabled: false,
        is_fork: false,
        is_hidden: false,
        web_url: format!("https://dev.azure.com/contoso/p/_git/repo-{id}"),
        remote_url: format!("https://dev.azure.com/contoso/p/_git/repo-{id}"),
    }
}

pub fn pipeline(id: i64, project_id: &str) -> Pipeline {
    Pipeline {
        id,
        name: format!("pipeline-{id}"),
        path: "\\".into(),
        project_id: project_id.into(),
        process: PipelineProcess::Yaml {
            yaml_filename: "azure-pipelines.yml".into(),
        },
        repository_id: None,
        repository_type: Some("TfsGit".into()),
        job_authorization_scope: Some("project".into()),
        variables: Vec::new(),
        variable_group_ids: Vec::new(),
        fork_builds: None,
        queue_name: Some("Azure Pipelines".into()),
    }
}

/// A branch policy of `type_id` on `refs/heads/main` of `repository_id`
/// (`None`: every repository of the project).
pub fn policy(
    id: i64,
    project_id: &str,
    type_id: &str,
    repository_id: Option<&str>,
    settings: serde_json::Value,
) -> BranchPolicy {
    let mut settings = settings;
    if let Some(obj) = settings.as_object_mut() {
        obj.insert(
            "scope".into(),
            serde_json::json!([{"repositoryId": repository_id, "refName": "refs/heads/main", "matchKind": "Exact"}]),
        );
    }
    BranchPolicy {
        id,
        project_id: project_id.into(),
        type_id: type_id.into(),
        type_name: type_id.into(),
        is_enabled: true,
        is_blocking: true,
        scopes: vec![PolicyScope {
            repository_id: repository_id.map(str::to_owned),
            ref_name: Some("refs/heads/main".into()),
            match_kind: Some("exact".into()),
        }],
        settings,
    }
}

pub fn service_connection(id: &str, project_id: &str) -> ServiceConnection {
    ServiceConnection {
        id: id.into(),
        name: format!("conn-{id}"),
        project_id: project_id.into(),
        endpoint_type: "azurerm".into(),
        auth_scheme: "WorkloadIdentityFederation".into(),
        url: Some("https://management.azure.com/".into()),
        is_shared: false,
        is_ready: true,
        project_ids: vec![project_id.into()],
        azure_scope: Some("/subscriptions/00000000-0000-0000-0000-000000000001/resourceGroups/app".into()),
        scope_level: Some("Subscription".into()),
        checks: Collected::Read(Vec::new()),
    }
}

pub fn variable_group(id: i64, project_id: &str) -> VariableGroup {
    VariableGroup {
        id,
        name: format!("group-{id}"),
        project_id: project_id.into(),
        group_type: "Vsts".into(),
        variables: Vec::new(),
    }
}

pub fn secure_file(id: &str, project_id: &str) -> SecureFile {
    SecureFile {
        id: id.into(),
        name: format!("file-{id}"),
        project_id: project_id.into(),
        modified_on: None,
    }
}

pub fn environment(id: i64, project_id: &str, name: &str) -> Environment {
    Environment {
        id,
        name: name.into(),
        project_id: project_id.into(),
        checks: Collected::Read(Vec::new()),
    }
}

/// An Approval check configuration.
pub fn approval(id: i64) -> CheckConfiguration {
    CheckConfiguration {
        id,
        type_id: "8c6f20a7-a545-4486-9777-f762fafe0d4d".into(),
        type_name: "Approval".into(),
        settings: serde_json::json!({"approvers": [{"displayName": "Release Approvers"}], "minRequiredApprovers": 1}),
    }
}

/// A branch-control check configuration (Task Check running `evaluatebranchProtection`).
pub fn branch_control(id: i64) -> CheckConfiguration {
    CheckConfiguration {
        id,
        type_id: "fe1de3ee-a436-41b4-bb20-f6eb4cb879a7".into(),
        type_name: "Task Check".into(),
        settings: serde_json::json!({
            "definitionRef": {"id": "86b05a0c-73e6-4f7d-b3cf-e38f3b39a75b", "name": "evaluatebranchProtection", "version": "0.0.1"},
            "displayName": "Branch control",
            "inputs": {"allowedBranches": "refs/heads/main", "ensureProtectionOfBranch": "true", "allowUnknownStatusBranch": "false"}
        }),
    }
}

pub fn agent_pool(id: i64, name: &str) -> AgentPool {
    AgentPool {
        id,
        name: name.into(),
        is_hosted: false,
        pool_type: "automation".into(),
        auto_provision: false,
        auto_update: Some(true),
    }
}

pub fn permission(
    project_id: &str,
    resource_type: &str,
    resource_id: &str,
    all: Option<bool>,
) -> PipelinePermission {
    PipelinePermission {
        project_id: project_id.into(),
        resource_type: resource_type.into(),
        resource_id: resource_id.into(),
        all_pipelines: all,
        pipeline_ids: Vec::new(),
    }
}

/// Resources of one organization, keyed as discovery keys them.
#[derive(Debug, Default)]
pub struct Estate {
    resources: Vec<Resource>,
    findings: Vec<(String, palisade_domain::RepoFindings)>,
}

impl Estate {
    /// The organization and one private project with secure settings.
    pub fn new() -> Self {
        Self::default()
            .with(Resource::Organization(organization()))
            .with(Resource::Project(project(PROJECT)))
            .with(Resource::ProjectSettings(settings(PROJECT)))
    }

    #[must_use]
    pub fn with(mut self, r: Resource) -> Self {
        self.resources.push(r);
        self
    }

    /// Applies `f` to every resource (to make data unreadable, ...).
    #[must_use]
    pub fn map(mut self, f: impl Fn(&mut Resource)) -> Self {
        self.resources.iter_mut().for_each(f);
        self
    }

    pub fn resources(&self) -> &[Resource] {
        &self.resources
    }

    /// What palisade's scans found in repository `repo_id`.
    #[must_use]
    pub fn with_findings(mut self, repo_id: &str, findings: palisade_domain::RepoFindings) -> Self {
        self.findings.push((repo_id.to_owned(), findings));
        self
    }

    pub fn inventory(&self) -> Inventory {
        Inventory::new(
            self.resources
                .iter()
                .map(|r| (r.key(ORG), r.clone()))
                .collect::<Vec<(ResourceKey, Resource)>>(),
        )
        .with_findings(self.findings.iter().cloned())
    }

    /// One resource of every kind, each open to attack in the ways checks
    /// look for: a check finds something to fail on here.
    pub fn of_every_kind() -> Self {
        Self::new()
            .with(Resource::Repository(repository("r1", PROJECT)))
            .with(Resource::Pipeline(pipeline(1, PROJECT)))
            .with(Resource::ServiceConnection(service_connection("s1", PROJECT)))
            .with(Resource::VariableGroup(variable_group(1, PROJECT)))
            .with(Resource::SecureFile(secure_file("f1", PROJECT)))
            .with(Resource::Environment(environment(1, PROJECT, "production")))
            .with(Resource::AgentPool(agent_pool(1, "Default")))
            .with(Resource::PipelinePermission(permission(
                PROJECT,
                "endpoint",
                "s1",
                Some(false),
            )))
            .with(Resource::PipelinePermission(permission(
                PROJECT,
                "variablegroup",
                "1",
                Some(false),
            )))
            .with(Resource::PipelinePermission(permission(
                PROJECT,
                "securefile",
                "f1",
                Some(false),
            )))
            .with(Resource::PipelinePermission(permission(
                PROJECT,
                "environment",
                "1",
                Some(false),
            )))
            .with(Resource::PipelinePermission(permission(
                PROJECT,
                "queue",
                "1",
                Some(false),
            )))
            .with(Resource::PipelinePermission(permission(
                PROJECT,
                "repository",
                &format!("{PROJECT}.r1"),
                Some(false),
            )))
    }

    /// As [`Estate::of_every_kind`], but with nothing discovery could read
    /// beyond the resources themselves: every listing and every collected
    /// value unreadable, and no permissions or policies.
    pub fn unreadable() -> Self {
        const WHY: &str = "HTTP 401: TF400813: the identity lacks the permission";
        Self::of_every_kind()
            .map(|r| match r {
                Resource::Organization(o) => {
                    o.policies = Collected::Unreadable(WHY.into());
                    o.pipeline_settings = Collected::Unreadable(WHY.into());
                    for k in ["agent-pool", "project", "repository"] {
                        o.unread.insert(k.into(), WHY.into());
                    }
                }
                Resource::ProjectSettings(s) => {
                    s.pipeline_settings.clear();
                    for k in palisade_domain::ResourceKind::ALL {
                        s.unread.insert(k.as_str().into(), WHY.into());
                    }
                    s.advanced_security = Collected::Unreadable(WHY.into());
                }
                Resource::ServiceConnection(c) => c.checks = Collected::Unreadable(WHY.into()),
                Resource::Environment(e) => e.checks = Collected::Unreadable(WHY.into()),
                Resource::AgentPool(p) => p.auto_update = None,
                _ => {}
            })
            .retain_kinds(|k| {
                !matches!(
                    k,
                    palisade_domain::ResourceKind::PipelinePermission
                        | palisade_domain::ResourceKind::BranchPolicy
                )
            })
    }

    fn retain_kinds(mut self, keep: impl Fn(palisade_domain::ResourceKind) -> bool) -> Self {
        self.resources.retain(|r| keep(r.kind()));
        self
    }
}
