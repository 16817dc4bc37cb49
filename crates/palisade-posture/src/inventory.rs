//! The inventory as checks read it: resources indexed by organization and
//! project, and what discovery could not read.

use std::collections::HashMap;

use palisade_domain::{
    AgentPool, BranchPolicy, Environment, Organization, Pipeline, PipelinePermission, Project,
    ProjectSettings, RepoFindings, Repository, Resource, ResourceKey, ResourceKind, SecureFile,
    ServiceConnection, VariableGroup,
};

/// A resource as a check sees it: its value and where it lives.
#[derive(Debug)]
pub struct Item<'a, T> {
    pub key: &'a ResourceKey,
    pub kind: ResourceKind,
    pub name: String,
    pub org_id: &'a str,
    pub project_id: Option<&'a str>,
    pub value: &'a T,
}

struct Entry {
    key: ResourceKey,
    org_id: String,
    resource: Resource,
}

/// The discovered estate of one or more organizations, for checks.
#[derive(Default)]
pub struct Inventory {
    entries: Vec<Entry>,
    by_kind: HashMap<ResourceKind, Vec<usize>>,
    /// `(org, project)` lowercase → the project's settings entry.
    settings: HashMap<(String, String), usize>,
    /// `(org, project)` → the project entry.
    projects: HashMap<(String, String), usize>,
    orgs: HashMap<String, usize>,
    /// `(org, project, resource type, resource id)` lowercase → permission entry.
    permissions: HashMap<(String, String, String, String), usize>,
    /// `(org, project)` → branch policy entries.
    policies: HashMap<(String, String), Vec<usize>>,
    /// `(org, pool name)` lowercase → pool entry.
    pools: HashMap<(String, String), usize>,
    /// Repository id (lowercase) → what palisade's scans found in it.
    findings: HashMap<String, RepoFindings>,
}

impl std::fmt::Debug for Inventory {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Inventory")
            .field("resources", &self.entries.len())
            .finish_non_exhaustive()
    }
}

fn lower(s: &str) -> String {
    s.to_ascii_lowercase()
}

macro_rules! lister {
    ($fn:ident, $variant:ident, $ty:ty) => {
        pub fn $fn(&self) -> impl Iterator<Item = Item<'_, $ty>> {
            self.of(ResourceKind::$variant)
                .filter_map(|e| match &e.resource {
                    Resource::$variant(v) => Some(Self::item(e, v)),
                    _ => None,
                })
        }
    };
}

impl Inventory {
    /// Builds the index. Keys are `{org id}/{kind}/{id}` as discovery made them.
    pub fn new(resources: impl IntoIterator<Item = (ResourceKey, Resource)>) -> Self {
        let mut inv = Self::default();
        for (key, resource) in resources {
            let org_id = key.as_str().split('/').next().unwrap_or_default().to_owned();
            let idx = inv.entries.len();
            let kind = resource.kind();
            inv.by_kind.entry(kind).or_default().push(idx);
            let project = resource.project_id().map(lower);
            match &resource {
                Resource::Organization(_) => {
                    inv.orgs.insert(org_id.clone(), idx);
                }
                Resource::Project(_) => {
                    inv.projects
                        .insert((org_id.clone(), project.clone().unwrap_or_default()), idx);
                }
                Resource::ProjectSettings(_) => {
                    inv.settings
                        .insert((org_id.clone(), project.clone().unwrap_or_default()), idx);
                }
                Resource::PipelinePermission(p) => {
                    inv.permissions.insert(
                        (
                            org_id.clone(),
                            lower(&p.project_id),
                            lower(&p.resource_type),
                            lower(&p.resource_id),
                        ),
                        idx,
                    );
                }
                Resource::BranchPolicy(_) => {
                    inv.policies
                        .entry((org_id.clone(), project.clone().unwrap_or_default()))
                        .or_default()
                        .push(idx);
                }
                Resource::AgentPool(p) => {
                    inv.pools.insert((org_id.clone(), lower(&p.name)), idx);
                }
                _ => {}
            }
            inv.entries.push(Entry {
                key,
                org_id,
                resource,
            });
        }
        inv
    }

    /// Adds what palisade's scans found, by repository id; a repository
    /// missing from the map is one palisade does not scan.
    #[must_use]
    pub fn with_findings(mut self, findings: impl IntoIterator<Item = (String, RepoFindings)>) -> Self {
        self.findings = findings.into_iter().map(|(id, f)| (lower(&id), f)).collect();
        self
    }

    /// What palisade's scans found in a repository, if palisade scans it.
    pub fn findings_of(&self, repo_id: &str) -> Option<&RepoFindings> {
        self.findings.get(&lower(repo_id))
    }

    pub fn len(&self) -> usize {
        self.entries.len()
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    fn of(&self, kind: ResourceKind) -> impl Iterator<Item = &Entry> {
        self.by_kind
            .get(&kind)
            .into_iter()
            .flatten()
            .map(|&i| &self.entries[i])
    }

    fn item<'a, T>(e: &'a Entry, value: &'a T) -> Item<'a, T> {
        Item {
            key: &e.key,
            kind: e.resource.kind(),
            name: e.resource.name(),
            org_id: &e.org_id,
            project_id: e.resource.project_id(),
            value,
        }
    }

    lister!(organizations, Organization, Organization);
    lister!(projects, Project, Project);
    lister!(all_project_settings, ProjectSettings, ProjectSettings);
    lister!(repositories, Repository, Repository);
    lister!(pipelines, Pipeline, Pipeline);
    lister!(branch_policies, BranchPolicy, BranchPolicy);
    lister!(service_connections, ServiceConnection, ServiceConnection);
    lister!(variable_groups, VariableGroup, VariableGroup);
    lister!(secure_files, SecureFile, SecureFile);
    lister!(environments, Environment, Environment);
    lister!(agent_pools, AgentPool, AgentPool);
    lister!(pipeline_permissions, PipelinePermission, PipelinePermission);

    pub fn organization(&self, org_id: &str) -> Option<&Organization> {
        match &self.entries[*self.orgs.get(&lower(org_id))?].resource {
            Resource::Organization(o) => Some(o),
            _ => None,
        }
    }

    pub fn project(&self, org_id: &str, project_id: &str) -> Option<&Project> {
        match &self.entries[*self.projects.get(&(lower(org_id), lower(project_id)))?].resource {
            Resource::Project(p) => Some(p),
            _ => None,
        }
    }

    pub fn project_settings(&self, org_id: &str, project_id: &str) -> Option<&ProjectSettings> {
        match &self.entries[*self.settings.get(&(lower(org_id), lower(project_id)))?].resource {
            Resource::ProjectSettings(s) => Some(s),
            _ => None,
        }
    }

    /// `Ok` when the last walk of the project read `listing` (a resource kind
    /// name or `project-settings`); otherwise why not, for an unknown result.
    pub fn readable(&self, org_id: &str, project_id: &str, listing: &str) -> Result<(), String> {
        let Some(settings) = self.project_settings(org_id, project_id) else {
            return Err("the project has not been discovered yet (run `palisade discover`)".into());
        };
        match settings.unread.get(listing) {
            Some(reason) => Err(format!("{} could not be read: {reason}", describe(listing))),
            None => Ok(()),
        }
    }

    /// The project's enabled branch policies, or why they are unknown.
    pub fn policies_of(&self, org_id: &str, project_id: &str) -> Result<Vec<&BranchPolicy>, String> {
        self.readable(org_id, project_id, ResourceKind::BranchPolicy.as_str())?;
        Ok(self
            .policies
            .get(&(lower(org_id), lower(project_id)))
            .into_iter()
            .flatten()
            .filter_map(|&i| match &self.entries[i].resource {
                Resource::BranchPolicy(p) => Some(p),
                _ => None,
            })
            .collect())
    }

    /// Who may use a protected resource (`endpoint`, `variablegroup`,
    /// `securefile`, `queue`, `environment`, `repository`), or why unknown.
    pub fn permission(
        &self,
        org_id: &str,
        project_id: &str,
        resource_type: &str,
        resource_id: &str,
    ) -> Result<&PipelinePermission, String> {
        let key = (
            lower(org_id),
            lower(project_id),
            lower(resource_type),
            lower(resource_id),
        );
        if let Some(&i) = self.permissions.get(&key)
            && let Resource::PipelinePermission(p) = &self.entries[i].resource
        {
            return Ok(p);
        }
        self.readable(org_id, project_id, ResourceKind::PipelinePermission.as_str())?;
        Err(format!(
            "the pipeline permissions of {resource_type} {resource_id} were not collected by the last discovery"
        ))
    }

    /// An agent pool of the organization by name.
    pub fn pool_named(&self, org_id: &str, name: &str) -> Option<&AgentPool> {
        match &self.entries[*self.pools.get(&(lower(org_id), lower(name)))?].resource {
            Resource::AgentPool(p) => Some(p),
            _ => None,
        }
    }

    /// Why an organization-level listing (`agent-pool`, `project`,
    /// `repository`) is unknown, if it is.
    pub fn org_unread(&self, org_id: &str, listing: &str) -> Option<String> {
        let org = self.organization(org_id)?;
        org.unread
            .get(listing)
            .map(|reason| format!("{} could not be read: {reason}", describe(listing)))
    }
}

fn describe(listing: &str) -> String {
    match ResourceKind::parse(listing) {
        Some(ResourceKind::ProjectSettings) => "the project's pipeline settings".into(),
        Some(ResourceKind::BranchPolicy) => "the project's branch policies".into(),
        Some(ResourceKind::PipelinePermission) => "the project's pipeline permissions".into(),
        Some(kind) => format!("the {kind} listing"),
        None => listing.replace('-', " "),
    }
}
