//! Walks one Azure DevOps organization through [`palisade_ado::AdoClient`]
//! and hands complete listings of resources to a [`DiscoverySink`].
//!
//! A [`Listing`] is "every resource of these kinds in this scope": the store
//! marks resources of those kinds in that scope that a listing did not return
//! as removed, and remembers the listing as done, so an interrupted run
//! restarted with the same run fetches only what is missing
//! ([`DiscoverySink::already_done`]).
//!
//! Order: connectionData (its `instanceId` is the org id); agent pools, the
//! organization policies and pipeline settings (internal data providers),
//! projects and all repositories in one org-level call, then the organization
//! resource (carrying the policies, the settings, and the org-level listings
//! that failed); then, per project and concurrently, one listing with the
//! project's settings, pipelines, branch policies, service connections (with
//! their checks), variable groups, secure files, environments (with their
//! checks), pipeline permissions, and Advanced Security per repository.
//!
//! A failed listing (403, 404, 5xx after retries, a preview API the server
//! does not have) is recorded in the report and its kinds are left out of the
//! listing, so removals are never inferred from a failed call; the project's
//! `ProjectSettings` (always written) names it in `unread` with the reason,
//! and the organization does so for org-level listings. Data that is not a
//! listing (policies, settings, checks, Advanced Security) is kept as
//! [`Collected::Unreadable`] with the reason. The run goes on. A bad
//! credential (401, sign-in page) stops the run: every other call would fail
//! the same way.

mod map;

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use async_trait::async_trait;
use futures_util::StreamExt as _;
use futures_util::future::BoxFuture;
use futures_util::stream;
use palisade_ado::models::{
    AdvSecEnablement, BuildDefinition, CheckConfiguration, GitRepository, ResourcePipelinePermissions,
    TeamProject,
};
use palisade_ado::{AdoClient, AdoError, RateStats};
use palisade_domain::{Collected, OrgName, Resource, ResourceKind, Scope};

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

/// The outcome of one listing call: auth failures abort; any other failure is
/// reported and comes back as its reason.
fn settle<T>(
    r: Result<T, AdoError>,
    scope: &Scope,
    kind: ResourceKind,
    errors: &mut Vec<DiscoveryError>,
) -> Result<Result<T, String>, DiscoverError> {
    match r {
        Ok(v) => Ok(Ok(v)),
        Err(e) if e.is_auth_failure() => Err(DiscoverError::Auth(e)),
        Err(e) => {
            tracing::warn!(scope = %scope.key(), %kind, error = %e, "listing failed");
            let message = e.to_string();
            errors.push(DiscoveryError {
                scope: scope.clone(),
                kind: Some(kind),
                message: message.clone(),
            });
            Ok(Err(message))
        }
    }
}

/// Data that is not a listing (policies, checks, ...): auth failures abort;
/// any other failure is kept as the reason it could not be read.
fn collected<T>(r: Result<T, AdoError>, what: &str) -> Result<Collected<T>, DiscoverError> {
    match r {
        Ok(v) => Ok(Collected::Read(v)),
        Err(e) if e.is_auth_failure() => Err(DiscoverError::Auth(e)),
        Err(e) => {
            tracing::warn!(what, error = %e, "could not read");
            Ok(Collected::Unreadable(e.to_string()))
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

    let org_scope = run.org_scope();
    let listing = |kind| Listing {
        scope: org_scope.clone(),
        kinds: vec![kind],
    };
    let org_done = sink.already_done(&listing(ResourceKind::Organization)).await;
    let pools_done = sink.already_done(&listing(ResourceKind::AgentPool)).await;
    let projects_done = sink.already_done(&listing(ResourceKind::Project)).await;
    let repos_done = sink.already_done(&listing(ResourceKind::Repository)).await;

    // Pools are fetched for the organization's `unread` too; projects are
    // needed to walk them even when their listing is done.
    let (pools, policies, pipeline_settings, projects) = tokio::join!(
        async {
            if org_done && pools_done {
                None
            } else {
                Some(client.agent_pools().await)
            }
        },
        async {
            if org_done {
                None
            } else {
                Some(client.organization_policies().await)
            }
        },
        async {
            if org_done {
                None
            } else {
                Some(client.organization_pipeline_settings().await)
            }
        },
        client.projects(),
    );
    let errors = &mut run.report.errors;
    let mut unread: BTreeMap<String, String> = BTreeMap::new();
    let pools = match pools {
        Some(r) => match settle(r, &org_scope, ResourceKind::AgentPool, errors)? {
            Ok(p) => Some(p),
            Err(why) => {
                unread.insert(ResourceKind::AgentPool.as_str().to_owned(), why);
                None
            }
        },
        None => None,
    };
    let policies = match policies {
        Some(r) => collected(r, "organization policies")?,
        None => Collected::NotCollected,
    };
    let pipeline_settings = match pipeline_settings {
        Some(r) => collected(r, "organization pipeline settings")?,
        None => Collected::NotCollected,
    };
    let projects = match settle(projects, &org_scope, ResourceKind::Project, errors)? {
        Ok(p) => Some(p),
        Err(why) => {
            unread.insert(ResourceKind::Project.as_str().to_owned(), why);
            None
        }
    };

    // Which project listings remain.
    let mut todo: Vec<TeamProject> = Vec::new();
    for p in projects.iter().flatten() {
        let listing = project_listing(&org_id, &p.id, PROJECT_KINDS.to_vec());
        if sink.already_done(&listing).await {
            run.report.listings_skipped += 1;
        } else {
            todo.push(p.clone());
        }
    }

    // All repositories in one org-level call (also needed for repository
    // pipeline permissions and Advanced Security).
    let mut repos: Option<Vec<GitRepository>> = None;
    if !repos_done || !org_done || !todo.is_empty() {
        match settle(
            client.repositories().await,
            &org_scope,
            ResourceKind::Repository,
            &mut run.report.errors,
        )? {
            Ok(r) => repos = Some(r),
            Err(why) => {
                unread.insert(ResourceKind::Repository.as_str().to_owned(), why);
            }
        }
    }

    if org_done {
        run.report.listings_skipped += 1;
    } else {
        let org_resource = Resource::Organization(palisade_domain::Organization {
            id: org_id.clone(),
            name: org.as_str().to_owned(),
            url: client.base_url().as_str().trim_end_matches('/').to_owned(),
            policies,
            pipeline_settings,
            unread,
        });
        run.send(listing(ResourceKind::Organization), vec![org_resource])
            .await?;
    }
    if pools_done {
        run.report.listings_skipped += 1;
    } else if let Some(pools) = &pools {
        let resources = pools.iter().map(map::agent_pool).collect();
        run.send(listing(ResourceKind::AgentPool), resources).await?;
    }
    let Some(projects) = projects else {
        run.report.rate = client.stats();
        run.report.elapsed = started.elapsed();
        return Ok(run.report);
    };
    if projects_done {
        run.report.listings_skipped += 1;
    } else {
        let resources = projects.iter().map(map::project).collect();
        run.send(listing(ResourceKind::Project), resources).await?;
    }
    if repos_done {
        run.report.listings_skipped += 1;
    } else if let Some(repos) = &repos {
        let resources = repos.iter().map(|r| map::repository(r, org)).collect();
        run.send(listing(ResourceKind::Repository), resources).await?;
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

/// One lookup of a project's walk (several per resource; run with bounded concurrency).
enum Lookup {
    Permission(
        &'static str,
        String,
        Result<ResourcePipelinePermissions, AdoError>,
    ),
    Checks(ResourceKind, String, Result<Vec<CheckConfiguration>, AdoError>),
    /// `None`: skipped, an earlier repository of the project already failed.
    AdvSec(String, Option<Result<AdvSecEnablement, AdoError>>),
}

/// One project's listing: the kinds whose calls all succeeded, their
/// resources, and the failures. `ProjectSettings` is always in the listing:
/// it names the listings that failed (`unread`).
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
    let mut unread: BTreeMap<String, String> = BTreeMap::new();

    let (settings, defs, policies, endpoints, groups, files, envs) = tokio::join!(
        client.project_general_settings(pid),
        client.build_definitions(pid),
        client.policy_configurations(pid),
        client.service_endpoints(pid),
        client.variable_groups(pid),
        client.secure_files(pid),
        client.environments(pid),
    );
    let settings = listed(
        settings,
        &scope,
        ResourceKind::ProjectSettings,
        &mut unread,
        &mut errors,
    )?;
    kinds.insert(ResourceKind::ProjectSettings);

    // The permission listing is complete only if every source listing and
    // every permission lookup succeeded.
    let mut perms_missing: Option<String> = repos
        .is_none()
        .then(|| "the organization's repositories could not be listed".to_owned());
    let mut targets: Vec<(&'static str, String)> = Vec::new();
    let mut check_targets: Vec<(ResourceKind, String)> = Vec::new();
    let mut queue_ids: BTreeSet<i64> = BTreeSet::new();

    match listed(defs, &scope, ResourceKind::Pipeline, &mut unread, &mut errors)? {
        Some(defs) => {
            kinds.insert(ResourceKind::Pipeline);
            queue_ids.extend(defs.iter().filter_map(|d: &BuildDefinition| d.queue.as_ref()?.id));
            out.extend(defs.iter().map(|d| map::pipeline(d, pid)));
        }
        None => perms_missing = perms_missing.or_else(|| Some("the pipelines could not be listed".into())),
    }
    if let Some(policies) = listed(
        policies,
        &scope,
        ResourceKind::BranchPolicy,
        &mut unread,
        &mut errors,
    )? {
        kinds.insert(ResourceKind::BranchPolicy);
        out.extend(
            policies
                .iter()
                .filter(|p| !p.is_deleted)
                .map(|p| map::policy(p, pid)),
        );
    }
    match listed(
        endpoints,
        &scope,
        ResourceKind::ServiceConnection,
        &mut unread,
        &mut errors,
    )? {
        Some(eps) => {
            kinds.insert(ResourceKind::ServiceConnection);
            targets.extend(eps.iter().map(|e| ("endpoint", e.id.clone())));
            check_targets.extend(
                eps.iter()
                    .map(|e| (ResourceKind::ServiceConnection, e.id.clone())),
            );
            out.extend(eps.iter().map(|e| map::service_connection(e, pid)));
        }
        None => {
            perms_missing =
                perms_missing.or_else(|| Some("the service connections could not be listed".into()));
        }
    }
    match listed(
        groups,
        &scope,
        ResourceKind::VariableGroup,
        &mut unread,
        &mut errors,
    )? {
        Some(gs) => {
            kinds.insert(ResourceKind::VariableGroup);
            targets.extend(gs.iter().map(|g| ("variablegroup", g.id.to_string())));
            out.extend(gs.iter().map(|g| map::variable_group(g, pid)));
        }
        None => {
            perms_missing = perms_missing.or_else(|| Some("the variable groups could not be listed".into()));
        }
    }
    match listed(files, &scope, ResourceKind::SecureFile, &mut unread, &mut errors)? {
        Some(fs) => {
            kinds.insert(ResourceKind::SecureFile);
            targets.extend(fs.iter().map(|f| ("securefile", f.id.clone())));
            out.extend(fs.iter().map(|f| map::secure_file(f, pid)));
        }
        None => {
            perms_missing = perms_missing.or_else(|| Some("the secure files could not be listed".into()));
        }
    }
    match listed(envs, &scope, ResourceKind::Environment, &mut unread, &mut errors)? {
        Some(es) => {
            kinds.insert(ResourceKind::Environment);
            targets.extend(es.iter().map(|e| ("environment", e.id.to_string())));
            check_targets.extend(es.iter().map(|e| (ResourceKind::Environment, e.id.to_string())));
            out.extend(es.iter().map(|e| map::environment(e, pid)));
        }
        None => {
            perms_missing = perms_missing.or_else(|| Some("the environments could not be listed".into()));
        }
    }
    targets.extend(queue_ids.iter().map(|q| ("queue", q.to_string())));
    let project_repos: Vec<&GitRepository> = repos
        .unwrap_or_default()
        .iter()
        .filter(|r| r.project.as_ref().is_some_and(|p| p.id.eq_ignore_ascii_case(pid)))
        .collect();
    targets.extend(
        project_repos
            .iter()
            .map(|r| ("repository", format!("{pid}.{}", r.id))),
    );
    // Advanced Security: one call per repository that can have it (not
    // disabled ones, not project wiki backing repositories). Azure DevOps
    // Server has none.
    let advsec_repos: Vec<String> = if client.is_server() || repos.is_none() {
        Vec::new()
    } else {
        let wiki = format!("{}.wiki", project.name);
        project_repos
            .iter()
            .filter(|r| !r.is_disabled.unwrap_or(false) && !r.name.eq_ignore_ascii_case(&wiki))
            .map(|r| r.id.clone())
            .collect()
    };
    let mut advanced_security = if client.is_server() {
        Collected::NotCollected
    } else if repos.is_none() {
        Collected::Unreadable("the organization's repositories could not be listed".into())
    } else {
        Collected::Read(BTreeMap::new())
    };

    // Futures built up front (not by a closure inside the stream) so the
    // walk stays `Send` for callers that spawn it.
    let advsec_failed = Arc::new(AtomicBool::new(false));
    let mut lookups: Vec<BoxFuture<'_, Lookup>> = targets
        .into_iter()
        .map(|(rtype, rid)| -> BoxFuture<'_, Lookup> {
            Box::pin(async move {
                let r = client.pipeline_permissions(pid, rtype, &rid).await;
                Lookup::Permission(rtype, rid, r)
            })
        })
        .collect();
    lookups.extend(
        check_targets
            .into_iter()
            .map(|(kind, id)| -> BoxFuture<'_, Lookup> {
                let rtype = if kind == ResourceKind::Environment {
                    "environment"
                } else {
                    "endpoint"
                };
                Box::pin(async move {
                    let r = client.check_configurations(pid, rtype, &id).await;
                    Lookup::Checks(kind, id, r)
                })
            }),
    );
    lookups.extend(advsec_repos.into_iter().map(|repo| -> BoxFuture<'_, Lookup> {
        let failed = Arc::clone(&advsec_failed);
        Box::pin(async move {
            if failed.load(Ordering::Relaxed) {
                return Lookup::AdvSec(repo, None);
            }
            let r = client.advanced_security_enablement(pid, &repo).await;
            if r.is_err() {
                failed.store(true, Ordering::Relaxed);
            }
            Lookup::AdvSec(repo, Some(r))
        })
    }));
    let mut checks: BTreeMap<(ResourceKind, String), Collected<Vec<palisade_domain::CheckConfiguration>>> =
        BTreeMap::new();
    let mut lookups = stream::iter(lookups).buffer_unordered(options.permission_concurrency.max(1));
    while let Some(lookup) = lookups.next().await {
        match lookup {
            Lookup::Permission(rtype, rid, r) => match r {
                Ok(p) => out.push(map::pipeline_permission(&p, pid, rtype, &rid)),
                // A never-configured resource may answer 404 on some servers:
                // nothing is authorized.
                Err(AdoError::NotFound { .. }) => out.push(map::pipeline_permission(
                    &ResourcePipelinePermissions::default(),
                    pid,
                    rtype,
                    &rid,
                )),
                Err(e) => {
                    if let Err(why) =
                        settle::<()>(Err(e), &scope, ResourceKind::PipelinePermission, &mut errors)?
                    {
                        perms_missing = perms_missing.or(Some(why));
                    }
                }
            },
            Lookup::Checks(kind, id, r) => {
                let c = collected(r, "check configurations")?;
                let c = match c {
                    Collected::Read(list) => {
                        Collected::Read(list.iter().map(map::check_configuration).collect())
                    }
                    Collected::Unreadable(why) => Collected::Unreadable(why),
                    Collected::NotCollected => Collected::NotCollected,
                };
                checks.insert((kind, id), c);
            }
            // Skipped: an earlier failure already makes the map unreadable.
            Lookup::AdvSec(_, None) => {}
            Lookup::AdvSec(repo, Some(r)) => match collected(r, "Advanced Security")? {
                Collected::Read(e) => {
                    if let Collected::Read(m) = &mut advanced_security {
                        m.insert(repo, map::advanced_security(&e));
                    }
                }
                Collected::Unreadable(why) => {
                    if matches!(advanced_security, Collected::Read(_)) {
                        advanced_security = Collected::Unreadable(why);
                    }
                }
                Collected::NotCollected => {}
            },
        }
    }
    drop(lookups);

    for r in &mut out {
        match r {
            Resource::ServiceConnection(s) => {
                if let Some(c) = checks.remove(&(ResourceKind::ServiceConnection, s.id.clone())) {
                    s.checks = c;
                }
            }
            Resource::Environment(e) => {
                if let Some(c) = checks.remove(&(ResourceKind::Environment, e.id.to_string())) {
                    e.checks = c;
                }
            }
            _ => {}
        }
    }
    match perms_missing {
        None => {
            kinds.insert(ResourceKind::PipelinePermission);
        }
        Some(why) => {
            if !errors
                .iter()
                .any(|e| e.kind == Some(ResourceKind::PipelinePermission))
            {
                errors.push(DiscoveryError {
                    scope: scope.clone(),
                    kind: Some(ResourceKind::PipelinePermission),
                    message: format!("pipeline permissions incomplete: {why}"),
                });
            }
            unread.insert(ResourceKind::PipelinePermission.as_str().to_owned(), why);
        }
    }
    out.retain(|r| kinds.contains(&r.kind()));
    out.push(map::project_settings(
        project,
        settings.as_ref(),
        unread,
        advanced_security,
    ));
    let listing = project_listing(org_id, pid, kinds.into_iter().collect());
    Ok((listing, out, errors))
}

/// A listing's result; when it failed, its reason is recorded in `unread`
/// under the kind's name.
fn listed<T>(
    r: Result<T, AdoError>,
    scope: &Scope,
    kind: ResourceKind,
    unread: &mut BTreeMap<String, String>,
    errors: &mut Vec<DiscoveryError>,
) -> Result<Option<T>, DiscoverError> {
    Ok(match settle(r, scope, kind, errors)? {
        Ok(v) => Some(v),
        Err(why) => {
            unread.insert(kind.as_str().to_owned(), why);
            None
        }
    })
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
