//! Walks one Azure DevOps organization through [`palisade_ado::AdoClient`]
//! and hands complete listings of resources to a [`DiscoverySink`].
//!
//! A [`Listing`] is "every resource of these kinds in this scope": the store
//! marks resources of those kinds in that scope that a listing did not return
//! as removed, and remembers the listing as done, so an interrupted run
//! restarted with the same run fetches only what is missing
//! ([`DiscoverySink::already_done`]).
//!
//! Order: the organization (connectionData's `instanceId` is the org id),
//! agent pools, projects, and all repositories in one org-level call; then,
//! per project and concurrently, one listing with the project's settings,
//! pipelines, branch policies, service connections, variable groups, secure
//! files, environments and pipeline permissions.
//!
//! A failed call (403, 404, 5xx after retries, a preview API the server does
//! not have) is recorded in the report and its kinds are left out of the
//! listing, so removals are never inferred from a failed call; the run goes
//! on. A bad credential (401, sign-in page) stops the run: every other call
//! would fail the same way.

mod map;

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use async_trait::async_trait;
use futures_util::StreamExt as _;
use futures_util::future::BoxFuture;
use futures_util::stream;
use palisade_ado::models::{BuildDefinition, GitRepository, TeamProject};
use palisade_ado::{AdoClient, AdoError, RateStats};
use palisade_domain::{OrgName, Resource, ResourceKind, Scope};

/// Every resource of `kinds` in `scope`.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Listing {
    pub scope: Scope,
    pub kinds: Vec<ResourceKind>,
}

/// The kinds one project listing holds.
pub const PROJECT_KINDS: [ResourceKind; 8] = [
    ResourceKind::ProjectSettings,
    ResourceKind::Pipeline,
    ResourceKind::BranchPolicy,
    ResourceKind::ServiceConnection,
    ResourceKind::VariableGroup,
    ResourceKind::SecureFile,
    ResourceKind::Environment,
    ResourceKind::PipelinePermission,
];

/// A store failed to take a listing.
#[derive(Debug, thiserror::Error)]
#[error("could not store discovery results: {0}")]
pub struct SinkError(pub String);

/// Where listings go (the inventory store).
#[async_trait]
pub trait DiscoverySink: Send + Sync {
    /// A complete listing and its resources, written atomically.
    async fn listing_done(&self, listing: &Listing, resources: Vec<Resource>) -> Result<(), SinkError>;
    /// Whether this listing was already done in this run (resume).
    async fn already_done(&self, listing: &Listing) -> bool;
}

/// Progress for a CLI bar.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Progress {
    pub projects_done: usize,
    pub projects_total: usize,
    /// Requests sent so far by the identity.
    pub requests: u64,
}

/// How discovery runs.
#[derive(Clone)]
pub struct DiscoveryOptions {
    /// Projects walked at once (the client's governor bounds requests).
    pub project_concurrency: usize,
    /// Pipeline-permission lookups at once within a project.
    pub permission_concurrency: usize,
    pub progress: Option<Arc<dyn Fn(Progress) + Send + Sync>>,
}

impl Default for DiscoveryOptions {
    fn default() -> Self {
        Self {
            project_concurrency: 16,
            permission_concurrency: 8,
            progress: None,
        }
    }
}

impl fmt::Debug for DiscoveryOptions {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("DiscoveryOptions")
            .field("project_concurrency", &self.project_concurrency)
            .field("permission_concurrency", &self.permission_concurrency)
            .field("progress", &self.progress.as_ref().map(|_| "callback"))
            .finish()
    }
}

/// One failed call; its listing was not marked done.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DiscoveryError {
    pub scope: Scope,
    pub kind: Option<ResourceKind>,
    pub message: String,
}

/// What a run did.
#[derive(Clone, Debug, Default)]
pub struct DiscoveryReport {
    pub org_id: String,
    pub counts: BTreeMap<ResourceKind, u64>,
    pub listings_done: u64,
    /// Listings skipped because they were already done (resume).
    pub listings_skipped: u64,
    pub errors: Vec<DiscoveryError>,
    pub rate: RateStats,
    pub elapsed: Duration,
}

/// Why a run stopped.
#[derive(Debug, thiserror::Error)]
pub enum DiscoverError {
    /// The credential is bad (401, sign-in page, token endpoint refused):
    /// every call would fail.
    #[error("discovery stopped: {0}")]
    Auth(AdoError),
    /// The organization itself could not be read (connectionData).
    #[error("discovery could not start: {0}")]
    Org(AdoError),
    #[error(transparent)]
    Sink(#[from] SinkError),
}

/// The outcome of one call inside a listing: auth failures abort.
fn triage<T>(
    r: Result<T, AdoError>,
    scope: &Scope,
    kind: ResourceKind,
    errors: &mut Vec<DiscoveryError>,
) -> Result<Option<T>, DiscoverError> {
    match r {
        Ok(v) => Ok(Some(v)),
        Err(e) if e.is_auth_failure() => Err(DiscoverError::Auth(e)),
        Err(e) => {
            tracing::warn!(scope = %scope.key(), %kind, error = %e, "listing failed");
            errors.push(DiscoveryError {
                scope: scope.clone(),
                kind: Some(kind),
                message: e.to_string(),
            });
            Ok(None)
        }
    }
}

struct Run<'a> {
    sink: &'a dyn DiscoverySink,
    org_id: String,
    report: DiscoveryReport,
}

impl Run<'_> {
    async fn send(&mut self, listing: Listing, resources: Vec<Resource>) -> Result<(), DiscoverError> {
        for r in &resources {
            *self.report.counts.entry(r.kind()).or_default() += 1;
        }
        self.sink.listing_done(&listing, resources).await?;
        self.report.listings_done += 1;
        Ok(())
    }

    fn org_scope(&self) -> Scope {
        Scope::Organization {
            org_id: self.org_id.clone(),
        }
    }

    /// An org-level listing of one kind, unless already done.
    async fn org_listing<F, Fut>(&mut self, kind: ResourceKind, fetch: F) -> Result<(), DiscoverError>
    where
        F: FnOnce() -> Fut,
        Fut: Future<Output = Result<Vec<Resource>, AdoError>>,
    {
        let listing = Listing {
            scope: self.org_scope(),
            kinds: vec![kind],
        };
        if self.sink.already_done(&listing).await {
            self.report.listings_skipped += 1;
            return Ok(());
        }
        let scope = listing.scope.clone();
        if let Some(resources) = triage(fetch().await, &scope, kind, &mut self.report.errors)? {
            self.send(listing, resources).await?;
        }
        Ok(())
    }
}

/// Walks one organization. `client` must be for `org`.
pub async fn discover(
    client: &AdoClient,
    org: &OrgName,
    options: &DiscoveryOptions,
    sink: &dyn DiscoverySink,
) -> Result<DiscoveryReport, DiscoverError> {
    let started = Instant::now();
    let cd = client.connection_data().await.map_err(|e| {
        if e.is_auth_failure() {
            DiscoverError::Auth(e)
        } else {
            DiscoverError::Org(e)
        }
    })?;
    let org_id = cd.instance_id.to_ascii_lowercase();
    let mut run = Run {
        sink,
        org_id: org_id.clone(),
        report: DiscoveryReport {
            org_id: org_id.clone(),
            ..DiscoveryReport::default()
        },
    };

    let org_resource = Resource::Organization(palisade_domain::Organization {
        id: org_id.clone(),
        name: org.as_str().to_owned(),
        url: client.base_url().as_str().trim_end_matches('/').to_owned(),
        policies: palisade_domain::Collected::NotCollected,
        pipeline_settings: palisade_domain::Collected::NotCollected,
        unread: BTreeMap::new(),
    });
    run.org_listing(ResourceKind::Organization, || async { Ok(vec![org_resource]) })
        .await?;
    run.org_listing(ResourceKind::AgentPool, || async {
        Ok(client.agent_pools().await?.iter().map(map::agent_pool).collect())
    })
    .await?;

    // Projects are needed to walk them even when their listing is done.
    let org_scope = run.org_scope();
    let projects = triage(
        client.projects().await,
        &org_scope,
        ResourceKind::Project,
        &mut run.report.errors,
    )?;
    let Some(projects) = projects else {
        run.report.rate = client.stats();
        run.report.elapsed = started.elapsed();
        return Ok(run.report);
    };
    let projects_listing = Listing {
        scope: org_scope.clone(),
        kinds: vec![ResourceKind::Project],
    };
    if sink.already_done(&projects_listing).await {
        run.report.listings_skipped += 1;
    } else {
        let resources = projects.iter().map(map::project).collect();
        run.send(projects_listing, resources).await?;
    }

    // Which project listings remain.
    let mut todo: Vec<TeamProject> = Vec::new();
    for p in &projects {
        let listing = project_listing(&org_id, &p.id, PROJECT_KINDS.to_vec());
        if sink.already_done(&listing).await {
            run.report.listings_skipped += 1;
        } else {
            todo.push(p.clone());
        }
    }

    // All repositories in one org-level call (also needed for repository
    // pipeline permissions).
    let repos_listing = Listing {
        scope: org_scope.clone(),
        kinds: vec![ResourceKind::Repository],
    };
    let repos_done = sink.already_done(&repos_listing).await;
    let mut repos: Option<Vec<GitRepository>> = None;
    if !repos_done || !todo.is_empty() {
        repos = triage(
            client.repositories().await,
            &org_scope,
            ResourceKind::Repository,
            &mut run.report.errors,
        )?;
    }
    if repos_done {
        run.report.listings_skipped += 1;
    } else if let Some(repos) = &repos {
        let resources = repos.iter().map(|r| map::repository(r, org)).collect();
        run.send(repos_listing, resources).await?;
    }

    let total = projects.len();
    let done = Arc::new(AtomicUsize::new(total - todo.len()));
    let report_progress = |done: usize| {
        if let Some(cb) = &options.progress {
            cb(Progress {
                projects_done: done,
                projects_total: total,
                requests: client.stats().requests,
            });
        }
    };
    report_progress(done.load(Ordering::Relaxed));

    let repos = repos.as_deref();
    let walks = todo
        .into_iter()
        // Boxed as `Send` so callers can spawn the whole walk (a plain
        // closure-made future trips rustc's higher-ranked Send inference).
        .map(|p| -> BoxFuture<'_, _> {
            let org_id = org_id.clone();
            Box::pin(async move { walk_project(client, &org_id, &p, repos, options).await })
        })
        .collect::<Vec<_>>();
    let mut walks = stream::iter(walks).buffer_unordered(options.project_concurrency.max(1));
    while let Some(walked) = walks.next().await {
        let (listing, resources, errors) = walked?;
        run.report.errors.extend(errors);
        if !listing.kinds.is_empty() {
            run.send(listing, resources).await?;
        }
        report_progress(done.fetch_add(1, Ordering::Relaxed) + 1);
    }
    drop(walks);

    run.report.rate = client.stats();
    run.report.elapsed = started.elapsed();
    Ok(run.report)
}

fn project_listing(org_id: &str, project_id: &str, kinds: Vec<ResourceKind>) -> Listing {
    Listing {
        scope: Scope::Project {
            org_id: org_id.to_owned(),
            project_id: project_id.to_ascii_lowercase(),
        },
        kinds,
    }
}

/// One project's listing: the kinds whose calls all succeeded, their
/// resources, and the failures.
async fn walk_project(
    client: &AdoClient,
    org_id: &str,
    project: &TeamProject,
    repos: Option<&[GitRepository]>,
    options: &DiscoveryOptions,
) -> Result<(Listing, Vec<Resource>, Vec<DiscoveryError>), DiscoverError> {
    let pid = project.id.as_str();
    let scope = project_listing(org_id, pid, Vec::new()).scope;
    let mut errors = Vec::new();
    let mut kinds: BTreeSet<ResourceKind> = BTreeSet::new();
    let mut out: Vec<Resource> = Vec::new();

    let (settings, defs, policies, endpoints, groups, files, envs) = tokio::join!(
        client.project_general_settings(pid),
        client.build_definitions(pid),
        client.policy_configurations(pid),
        client.service_endpoints(pid),
        client.variable_groups(pid),
        client.secure_files(pid),
        client.environments(pid),
    );
    // The permission listing is complete only if every source listing and
    // every permission lookup succeeded.
    let mut perms_complete = repos.is_some();

    if let Some(s) = triage(settings, &scope, ResourceKind::ProjectSettings, &mut errors)? {
        kinds.insert(ResourceKind::ProjectSettings);
        out.push(map::project_settings(project, &s));
    }
    let mut queue_ids: BTreeSet<i64> = BTreeSet::new();
    if let Some(defs) = triage(defs, &scope, ResourceKind::Pipeline, &mut errors)? {
        kinds.insert(ResourceKind::Pipeline);
        queue_ids.extend(defs.iter().filter_map(|d: &BuildDefinition| d.queue.as_ref()?.id));
        out.extend(defs.iter().map(|d| map::pipeline(d, pid)));
    } else {
        perms_complete = false;
    }
    if let Some(policies) = triage(policies, &scope, ResourceKind::BranchPolicy, &mut errors)? {
        kinds.insert(ResourceKind::BranchPolicy);
        out.extend(
            policies
                .iter()
                .filter(|p| !p.is_deleted)
                .map(|p| map::policy(p, pid)),
        );
    }

    let mut targets: Vec<(&'static str, String)> = Vec::new();
    match triage(endpoints, &scope, ResourceKind::ServiceConnection, &mut errors)? {
        Some(eps) => {
            kinds.insert(ResourceKind::ServiceConnection);
            targets.extend(eps.iter().map(|e| ("endpoint", e.id.clone())));
            out.extend(eps.iter().map(|e| map::service_connection(e, pid)));
        }
        None => perms_complete = false,
    }
    match triage(groups, &scope, ResourceKind::VariableGroup, &mut errors)? {
        Some(gs) => {
            kinds.insert(ResourceKind::VariableGroup);
            targets.extend(gs.iter().map(|g| ("variablegroup", g.id.to_string())));
            out.extend(gs.iter().map(|g| map::variable_group(g, pid)));
        }
        None => perms_complete = false,
    }
    match triage(files, &scope, ResourceKind::SecureFile, &mut errors)? {
        Some(fs) => {
            kinds.insert(ResourceKind::SecureFile);
            targets.extend(fs.iter().map(|f| ("securefile", f.id.clone())));
            out.extend(fs.iter().map(|f| map::secure_file(f, pid)));
        }
        None => perms_complete = false,
    }
    match triage(envs, &scope, ResourceKind::Environment, &mut errors)? {
        Some(es) => {
            kinds.insert(ResourceKind::Environment);
            targets.extend(es.iter().map(|e| ("environment", e.id.to_string())));
            out.extend(es.iter().map(|e| map::environment(e, pid)));
        }
        None => perms_complete = false,
    }
    targets.extend(queue_ids.iter().map(|q| ("queue", q.to_string())));
    if let Some(repos) = repos {
        targets.extend(
            repos
                .iter()
                .filter(|r| r.project.as_ref().is_some_and(|p| p.id.eq_ignore_ascii_case(pid)))
                .map(|r| ("repository", format!("{pid}.{}", r.id))),
        );
    }

    // Futures built up front (not by a closure inside the stream) so the
    // walk stays `Send` for callers that spawn it.
    let lookups: Vec<BoxFuture<'_, _>> = targets
        .into_iter()
        .map(|(rtype, rid)| -> BoxFuture<'_, _> {
            Box::pin(async move {
                let r = client.pipeline_permissions(pid, rtype, &rid).await;
                (rtype, rid, r)
            })
        })
        .collect();
    let mut lookups = stream::iter(lookups).buffer_unordered(options.permission_concurrency.max(1));
    while let Some((rtype, rid, r)) = lookups.next().await {
        match r {
            Ok(p) => out.push(map::pipeline_permission(&p, pid, rtype, &rid)),
            // A never-configured resource may answer 404 on some servers:
            // nothing is authorized.
            Err(AdoError::NotFound { .. }) => out.push(map::pipeline_permission(
                &palisade_ado::models::ResourcePipelinePermissions::default(),
                pid,
                rtype,
                &rid,
            )),
            Err(e) => {
                if triage::<()>(Err(e), &scope, ResourceKind::PipelinePermission, &mut errors)?.is_none() {
                    perms_complete = false;
                }
            }
        }
    }
    if perms_complete {
        kinds.insert(ResourceKind::PipelinePermission);
    } else if !errors
        .iter()
        .any(|e| e.kind == Some(ResourceKind::PipelinePermission))
    {
        errors.push(DiscoveryError {
            scope: scope.clone(),
            kind: Some(ResourceKind::PipelinePermission),
            message: "pipeline permissions incomplete: a listing they depend on failed".into(),
        });
    }
    out.retain(|r| kinds.contains(&r.kind()));
    let listing = project_listing(org_id, pid, kinds.into_iter().collect());
    Ok((listing, out, errors))
}

/// Organizations the identity belongs to (profile me + accounts), for
/// `OrgSelection::AllExisting*`. `client` may be for any organization of
/// the deployment: only its profile host and credential are used.
pub async fn list_orgs(client: &AdoClient) -> Result<Vec<OrgName>, AdoError> {
    let me = client.profile_me().await?;
    let accounts = client.accounts(&me.id).await?;
    let mut out: Vec<OrgName> = accounts
        .iter()
        .filter_map(|a| match OrgName::parse(&a.account_name) {
            Ok(o) => Some(o),
            Err(e) => {
                tracing::warn!(account = %a.account_name, error = %e, "skipping an organization with an unexpected name");
                None
            }
        })
        .collect();
    out.sort_by_key(OrgName::key);
    out.dedup_by_key(|o| o.key());
    Ok(out)
}
