//! REST routes, split by ADO area. [`resolve`] maps a path (after the org and optional project)
//! to a handler together with the scopes it needs, its rate-limit class and whether it is a
//! preview-only resource.

use axum::http::Method;
use axum::response::Response;
use base64::Engine as _;
use serde_json::{Value, json};

use crate::error::{AdoError, AdoResult};
use crate::fixture::{Estate, Org, Project, User};
use crate::server::{Ctx, SimState};

pub(crate) mod advsec;
pub(crate) mod build;
pub(crate) mod connectiondata;
pub(crate) mod contribution;
pub(crate) mod core;
pub(crate) mod distributedtask;
pub(crate) mod git;
pub(crate) mod oauth;
pub(crate) mod pipelines;
pub(crate) mod policy;
pub(crate) mod profile;
pub(crate) mod pullrequest;
pub(crate) mod serviceendpoint;
pub(crate) mod wiki;
pub(crate) mod wit;

/// Fixed timestamp used for creation dates the fixture does not carry.
pub(crate) const FIXED_DATE: &str = "2024-01-15T10:00:00Z";

#[derive(Debug, Clone)]
pub(crate) enum H {
    ConnectionData,
    Projects,
    Project(String),
    ProjectProperties(String),
    GeneralSettings,
    Repos,
    Repo(String),
    Refs(String),
    Commits(String),
    PullRequests(Option<String>),
    CreatePr(String),
    /// `(repo, id)`; repo `None` for the project-level route.
    PullRequest(Option<String>, String),
    UpdatePr(String, String),
    PrIterations(String, String),
    PrThreads(String, String),
    CreatePrThread(String, String),
    UpdatePrThread(String, String, String),
    CreatePrComment(String, String, String),
    UpdatePrComment(String, String, String, String),
    PrStatuses(String, String),
    CreatePrStatus(String, String),
    Subscriptions,
    CreateSubscription,
    Subscription(String),
    DeleteSubscription(String),
    Policies,
    Definitions,
    Definition(String),
    Endpoints,
    VariableGroups,
    SecureFiles,
    Environments,
    Pools,
    Queues,
    Pipelines,
    PipelinePermissions(String, String),
    CheckConfigurations,
    HierarchyQuery,
    AdvSecEnablement(String),
    Wikis,
    WikiPage(String),
    Wiql,
    WorkItems,
    ProfileMe,
    Accounts,
}

#[derive(Debug, Clone)]
pub(crate) struct Route {
    pub handler: H,
    /// Any one of these scopes suffices.
    pub scopes: &'static [&'static str],
    pub class: &'static str,
    pub preview_only: bool,
    pub project: Option<String>,
}

#[derive(PartialEq, Eq)]
enum Where {
    Org,
    Project,
    Either,
}

const ANY: &[&str] = &["any"];
const CODE: &[&str] = &["vso.code"];
const CODE_WRITE: &[&str] = &["vso.code_write"];
const BUILD: &[&str] = &["vso.build"];
const PROJECT: &[&str] = &["vso.project", "vso.profile"];
const THREADS_READ: &[&str] = &["vso.code", "vso.threads_full"];
const THREADS_WRITE: &[&str] = &["vso.code_write", "vso.threads_full"];
const STATUS_READ: &[&str] = &["vso.code", "vso.code_status"];
const STATUS_WRITE: &[&str] = &["vso.code_write", "vso.code_status"];
/// ADO names the read scope `vso.hooks` (`vso.hooks_read` is the same scope to the simulator).
const HOOKS_READ: &[&str] = &["vso.hooks"];
const HOOKS_WRITE: &[&str] = &["vso.hooks_write"];

/// Resolves an org-level path (segments after the org).
pub(crate) fn resolve(method: &Method, rest: &[String]) -> Option<Route> {
    let at = rest.iter().position(|s| s.eq_ignore_ascii_case("_apis"))?;
    let prefix = &rest[..at];
    if prefix.len() > 2 {
        return None;
    }
    let after = &rest[at + 1..];
    let lower: Vec<String> = after.iter().map(|s| s.to_ascii_lowercase()).collect();
    let l: Vec<&str> = lower.iter().map(String::as_str).collect();
    let arg = |i: usize| after.get(i).cloned().unwrap_or_default();
    let get = method == Method::GET;
    let post = method == Method::POST;
    let patch = method == Method::PATCH;
    let delete = method == Method::DELETE;
    let (handler, scopes, class, preview, place) = match l.as_slice() {
        ["connectiondata"] if get => (H::ConnectionData, ANY, "core", true, Where::Org),
        ["projects"] if get => (H::Projects, PROJECT, "core", false, Where::Org),
        ["projects", _] if get => (H::Project(arg(1)), PROJECT, "core", false, Where::Org),
        ["projects", _, "properties"] if get => {
            (H::ProjectProperties(arg(1)), PROJECT, "core", true, Where::Org)
        }
        ["build", "generalsettings"] if get => (
            H::GeneralSettings,
            &["vso.build", "vso.project"][..],
            "build",
            false,
            Where::Project,
        ),
        ["build", "definitions"] if get => (H::Definitions, BUILD, "build", false, Where::Project),
        ["build", "definitions", _] if get => (H::Definition(arg(2)), BUILD, "build", false, Where::Project),
        ["git", "repositories"] if get => (H::Repos, CODE, "git", false, Where::Either),
        ["git", "repositories", _] if get => (H::Repo(arg(2)), CODE, "git", false, Where::Either),
        ["git", "repositories", _, "refs"] if get => (H::Refs(arg(2)), CODE, "git", false, Where::Either),
        ["git", "repositories", _, "commits"] if get => {
            (H::Commits(arg(2)), CODE, "git", false, Where::Either)
        }
        ["git", "repositories", _, "pullrequests"] if get => {
            (H::PullRequests(Some(arg(2))), CODE, "git", false, Where::Either)
        }
        ["git", "repositories", _, "pullrequests"] if post => {
            (H::CreatePr(arg(2)), CODE_WRITE, "git", false, Where::Either)
        }
        ["git", "repositories", _, "pullrequests", _] if get => (
            H::PullRequest(Some(arg(2)), arg(4)),
            CODE,
            "git",
            false,
            Where::Either,
        ),
        ["git", "repositories", _, "pullrequests", _] if patch => (
            H::UpdatePr(arg(2), arg(4)),
            CODE_WRITE,
            "git",
            false,
            Where::Either,
        ),
        ["git", "repositories", _, "pullrequests", _, "iterations"] if get => {
            (H::PrIterations(arg(2), arg(4)), CODE, "git", false, Where::Either)
        }
        ["git", "repositories", _, "pullrequests", _, "threads"] if get => (
            H::PrThreads(arg(2), arg(4)),
            THREADS_READ,
            "git",
            false,
            Where::Either,
        ),
        ["git", "repositories", _, "pullrequests", _, "threads"] if post => (
            H::CreatePrThread(arg(2), arg(4)),
            THREADS_WRITE,
            "git",
            false,
            Where::Either,
        ),
        ["git", "repositories", _, "pullrequests", _, "threads", _] if patch => (
            H::UpdatePrThread(arg(2), arg(4), arg(6)),
            THREADS_WRITE,
            "git",
            false,
            Where::Either,
        ),
        [
            "git",
            "repositories",
            _,
            "pullrequests",
            _,
            "threads",
            _,
            "comments",
        ] if post => (
            H::CreatePrComment(arg(2), arg(4), arg(6)),
            THREADS_WRITE,
            "git",
            false,
            Where::Either,
        ),
        [
            "git",
            "repositories",
            _,
            "pullrequests",
            _,
            "threads",
            _,
            "comments",
            _,
        ] if patch => (
            H::UpdatePrComment(arg(2), arg(4), arg(6), arg(8)),
            THREADS_WRITE,
            "git",
            false,
            Where::Either,
        ),
        ["git", "repositories", _, "pullrequests", _, "statuses"] if get => (
            H::PrStatuses(arg(2), arg(4)),
            STATUS_READ,
            "git",
            false,
            Where::Either,
        ),
        ["git", "repositories", _, "pullrequests", _, "statuses"] if post => (
            H::CreatePrStatus(arg(2), arg(4)),
            STATUS_WRITE,
            "git",
            false,
            Where::Either,
        ),
        ["git", "pullrequests"] if get => (H::PullRequests(None), CODE, "git", false, Where::Project),
        ["git", "pullrequests", _] if get => {
            (H::PullRequest(None, arg(2)), CODE, "git", false, Where::Project)
        }
        ["hooks", "subscriptions"] if get => (H::Subscriptions, HOOKS_READ, "hooks", false, Where::Org),
        ["hooks", "subscriptions"] if post => {
            (H::CreateSubscription, HOOKS_WRITE, "hooks", false, Where::Org)
        }
        ["hooks", "subscriptions", _] if get => {
            (H::Subscription(arg(2)), HOOKS_READ, "hooks", false, Where::Org)
        }
        ["hooks", "subscriptions", _] if delete => (
            H::DeleteSubscription(arg(2)),
            HOOKS_WRITE,
            "hooks",
            false,
            Where::Org,
        ),
        ["policy", "configurations"] if get => (H::Policies, CODE, "policy", false, Where::Project),
        ["serviceendpoint", "endpoints"] if get => (
            H::Endpoints,
            &["vso.serviceendpoint"][..],
            "serviceendpoint",
            false,
            Where::Project,
        ),
        ["distributedtask", "variablegroups"] if get => (
            H::VariableGroups,
            &["vso.variablegroups_read"][..],
            "distributedtask",
            false,
            Where::Project,
        ),
        ["distributedtask", "securefiles"] if get => (
            H::SecureFiles,
            &["vso.securefiles_read"][..],
            "distributedtask",
            true,
            Where::Project,
        ),
        ["distributedtask", "environments"] if get => (
            H::Environments,
            &["vso.environment_manage"][..],
            "distributedtask",
            false,
            Where::Project,
        ),
        ["distributedtask", "pools"] if get => (
            H::Pools,
            &["vso.agentpools"][..],
            "distributedtask",
            false,
            Where::Org,
        ),
        ["distributedtask", "queues"] if get => (
            H::Queues,
            &["vso.agentpools", "vso.build"][..],
            "distributedtask",
            false,
            Where::Project,
        ),
        ["pipelines"] if get => (H::Pipelines, BUILD, "pipelines", false, Where::Project),
        ["pipelines", "pipelinepermissions", _, _] if get => (
            H::PipelinePermissions(arg(2), arg(3)),
            BUILD,
            "pipelines",
            true,
            Where::Project,
        ),
        ["pipelines", "checks", "configurations"] if get => {
            (H::CheckConfigurations, BUILD, "pipelines", true, Where::Project)
        }
        // Internal: the web UI's data providers (organization settings pages).
        ["contribution", "hierarchyquery"] if post => {
            (H::HierarchyQuery, ANY, "contribution", true, Where::Org)
        }
        // Served by `advsec.dev.azure.com` in ADO; here at the organization's base like every host.
        ["management", "repositories", _, "enablement"] if get => (
            H::AdvSecEnablement(arg(2)),
            &["vso.advsec"][..],
            "advsec",
            true,
            Where::Project,
        ),
        ["wiki", "wikis"] if get => (H::Wikis, &["vso.wiki"][..], "wiki", false, Where::Either),
        ["wiki", "wikis", _, "pages"] if get => (
            H::WikiPage(arg(2)),
            &["vso.wiki"][..],
            "wiki",
            false,
            Where::Project,
        ),
        ["wit", "wiql"] if post => (H::Wiql, &["vso.work"][..], "wit", false, Where::Project),
        ["wit", "workitems"] if get => (H::WorkItems, &["vso.work"][..], "wit", false, Where::Either),
        _ => return None,
    };
    // A team segment is only meaningful for WIQL.
    if prefix.len() == 2 && !matches!(handler, H::Wiql) {
        return None;
    }
    let project = prefix.first().cloned();
    match (place, project.is_some()) {
        (Where::Org, true) | (Where::Project, false) => return None,
        _ => {}
    }
    Some(Route {
        handler,
        scopes,
        class,
        preview_only: preview,
        project,
    })
}

/// Resolves a global (app.vssps) path, after `/_apis`.
pub(crate) fn resolve_global(method: &Method, rest: &[String]) -> Option<Route> {
    if method != Method::GET {
        return None;
    }
    let l: Vec<String> = rest.iter().map(|s| s.to_ascii_lowercase()).collect();
    let l: Vec<&str> = l.iter().map(String::as_str).collect();
    let handler = match l.as_slice() {
        ["profile", "profiles", "me"] => H::ProfileMe,
        ["accounts"] => H::Accounts,
        _ => return None,
    };
    Some(Route {
        handler,
        scopes: &["vso.profile"],
        class: "profile",
        preview_only: false,
        project: None,
    })
}

pub(crate) async fn call(state: &SimState, ctx: &Ctx, h: H) -> AdoResult<Response> {
    match h {
        H::ConnectionData => connectiondata::connection_data(state, ctx),
        H::Projects => core::projects(state, ctx),
        H::Project(p) => core::project(state, ctx, &p),
        H::ProjectProperties(p) => core::properties(state, ctx, &p),
        H::GeneralSettings => build::general_settings(state, ctx),
        H::Definitions => build::definitions(state, ctx),
        H::Definition(id) => build::definition(state, ctx, &id),
        H::Repos => git::repositories(state, ctx),
        H::Repo(r) => git::repository(state, ctx, &r),
        H::Refs(r) => git::refs(state, ctx, &r).await,
        H::Commits(r) => git::commits(state, ctx, &r).await,
        H::PullRequests(r) => git::pull_requests(state, ctx, r.as_deref()).await,
        H::CreatePr(r) => git::create_pull_request(state, ctx, &r).await,
        H::PullRequest(r, id) => pullrequest::get(state, ctx, r.as_deref(), &id).await,
        H::UpdatePr(r, id) => pullrequest::update(state, ctx, &r, &id).await,
        H::PrIterations(r, id) => pullrequest::iterations(state, ctx, &r, &id).await,
        H::PrThreads(r, id) => pullrequest::threads(state, ctx, &r, &id),
        H::CreatePrThread(r, id) => pullrequest::create_thread(state, ctx, &r, &id),
        H::UpdatePrThread(r, id, t) => pullrequest::update_thread(state, ctx, &r, &id, &t),
        H::CreatePrComment(r, id, t) => pullrequest::create_comment(state, ctx, &r, &id, &t),
        H::UpdatePrComment(r, id, t, c) => pullrequest::update_comment(state, ctx, &r, &id, &t, &c),
        H::PrStatuses(r, id) => pullrequest::statuses(state, ctx, &r, &id),
        H::CreatePrStatus(r, id) => pullrequest::create_status(state, ctx, &r, &id),
        H::Subscriptions => crate::hooks::list(state, ctx),
        H::CreateSubscription => crate::hooks::create(state, ctx),
        H::Subscription(id) => crate::hooks::get(state, ctx, &id),
        H::DeleteSubscription(id) => crate::hooks::delete(state, ctx, &id),
        H::Policies => policy::configurations(state, ctx),
        H::Endpoints => serviceendpoint::endpoints(state, ctx),
        H::VariableGroups => distributedtask::variable_groups(state, ctx),
        H::SecureFiles => distributedtask::secure_files(state, ctx),
        H::Environments => distributedtask::environments(state, ctx),
        H::Pools => distributedtask::pools(state, ctx),
        H::Queues => distributedtask::queues(state, ctx),
        H::Pipelines => pipelines::pipelines(state, ctx),
        H::PipelinePermissions(t, id) => pipelines::permissions(state, ctx, &t, &id),
        H::CheckConfigurations => pipelines::check_configurations(state, ctx),
        H::HierarchyQuery => contribution::hierarchy_query(state, ctx),
        H::AdvSecEnablement(r) => advsec::enablement(state, ctx, &r),
        H::Wikis => wiki::wikis(state, ctx),
        H::WikiPage(w) => wiki::page(state, ctx, &w),
        H::Wiql => wit::wiql(state, ctx),
        H::WorkItems => wit::work_items(state, ctx),
        H::ProfileMe => Ok(profile::me(ctx)),
        H::Accounts => profile::accounts(state, ctx),
    }
}

/// Whether `source` (see [`crate::fixture::DENIABLE_SOURCES`]) is refused in `org`, by the
/// fixture or by the `denied` knob.
pub(crate) fn denied(state: &SimState, org: &Org, source: &str) -> bool {
    org.denies(source) || state.knobs().denies(&org.name, source)
}

/// The caller's organization.
pub(crate) fn org_of<'a>(estate: &'a Estate, ctx: &Ctx) -> AdoResult<&'a Org> {
    estate
        .org(&ctx.org)
        .ok_or_else(|| AdoError::not_found(format!("Organization {} not found.", ctx.org)))
}

/// The project named in the path, if the caller may see it (ADO hides others with a 404).
pub(crate) fn project_of<'a>(estate: &'a Estate, ctx: &Ctx) -> AdoResult<(&'a Org, &'a Project)> {
    let org = org_of(estate, ctx)?;
    let name = ctx.project.as_deref().unwrap_or_default();
    let p = find_project(org, ctx, name)?;
    Ok((org, p))
}

pub(crate) fn find_project<'a>(org: &'a Org, ctx: &Ctx, key: &str) -> AdoResult<&'a Project> {
    match org.project(key) {
        Some(p) if ctx.identity.can_see_project(&p.name) => Ok(p),
        _ => Err(AdoError::project_not_found(key)),
    }
}

/// Projects visible to the caller, optionally limited to the path's project.
pub(crate) fn visible_projects<'a>(estate: &'a Estate, ctx: &Ctx) -> AdoResult<Vec<&'a Project>> {
    if ctx.project.is_some() {
        return Ok(vec![project_of(estate, ctx)?.1]);
    }
    let org = org_of(estate, ctx)?;
    Ok(org
        .projects
        .iter()
        .filter(|p| ctx.identity.can_see_project(&p.name))
        .collect())
}

/// An identity ref (`IdentityRef`) for a fixture user.
pub(crate) fn identity_ref(ctx: &Ctx, user: &User) -> Value {
    let id = user.id.unwrap_or_default();
    let descriptor = descriptor(user);
    json!({
        "displayName": user.display_name.clone().unwrap_or_else(|| user.name.clone()),
        "url": format!("{}/_apis/Identities/{id}", ctx.base),
        "_links": {"avatar": {"href": format!("{}/_apis/GraphProfile/MemberAvatars/{descriptor}", ctx.base)}},
        "id": id.to_string(),
        "uniqueName": user.email,
        "imageUrl": format!("{}/_api/_common/identityImage?id={id}", ctx.base),
        "descriptor": descriptor,
    })
}

pub(crate) fn descriptor(user: &User) -> String {
    let kind = if user.service_principal { "aadsp" } else { "aad" };
    let b64 =
        base64::engine::general_purpose::STANDARD_NO_PAD.encode(user.id.unwrap_or_default().to_string());
    format!("{kind}.{b64}")
}

/// Identity ref for a user name from the fixture; unknown or absent names get a build-service identity.
pub(crate) fn user_ref(estate: &Estate, ctx: &Ctx, name: Option<&str>) -> Value {
    identity_ref(ctx, &actor(estate, &ctx.org, name))
}

/// The fixture user `name`, or the organization's build service identity.
pub(crate) fn actor(estate: &Estate, org: &str, name: Option<&str>) -> User {
    if let Some(u) = name.and_then(|n| estate.user(n)) {
        return u.clone();
    }
    let id = crate::fixture::stable_id(&["build-service", org]);
    User {
        id: Some(id),
        name: "Project Collection Build Service".into(),
        display_name: Some(format!("Project Collection Build Service ({org})")),
        email: format!("Build\\{id}"),
        service_principal: true,
        ..User::default()
    }
}

/// A `TeamProjectReference`.
pub(crate) fn project_ref(ctx: &Ctx, p: &Project) -> Value {
    json!({
        "id": p.guid().to_string(),
        "name": p.name,
        "description": p.description.clone().unwrap_or_default(),
        "url": format!("{}/_apis/projects/{}", ctx.base, p.guid()),
        "state": p.state.clone().unwrap_or_else(|| "wellFormed".into()),
        "revision": 1,
        "visibility": p.visibility.clone().unwrap_or_else(|| "private".into()),
        "lastUpdateTime": FIXED_DATE,
    })
}

/// How a list API spells its continuation token.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum TokenKind {
    /// A plain integer (projects, variable groups).
    Int,
    /// Opaque (base64 of an index).
    Opaque,
}

fn decode_token(token: &str, kind: TokenKind) -> AdoResult<usize> {
    let bad = || AdoError::bad_param("continuationToken");
    match kind {
        TokenKind::Int => token.trim().parse::<u32>().map(|n| n as usize).map_err(|_| bad()),
        TokenKind::Opaque => {
            let raw = base64::engine::general_purpose::URL_SAFE_NO_PAD
                .decode(token.trim())
                .map_err(|_| bad())?;
            let s = String::from_utf8(raw).map_err(|_| bad())?;
            s.strip_prefix("sim:")
                .and_then(|n| n.parse::<u32>().ok())
                .map(|n| n as usize)
                .ok_or_else(bad)
        }
    }
}

fn encode_token(index: usize, kind: TokenKind) -> String {
    match kind {
        TokenKind::Int => index.to_string(),
        TokenKind::Opaque => base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(format!("sim:{index}")),
    }
}

/// Continuation-token paging: `$top` (capped at `cap`, default `default_top`) and `continuationToken`.
pub(crate) fn page_token(
    ctx: &Ctx,
    items: Vec<Value>,
    kind: TokenKind,
    default_top: Option<usize>,
    cap: usize,
) -> AdoResult<(Vec<Value>, Option<String>)> {
    let start = match ctx.q("continuationToken") {
        Some(t) if !t.is_empty() => decode_token(t, kind)?,
        _ => 0,
    };
    let top = ctx
        .q_usize("$top")?
        .or(default_top)
        .unwrap_or(usize::MAX)
        .min(cap);
    let top = if top == 0 { cap } else { top };
    let total = items.len();
    let page: Vec<Value> = items.into_iter().skip(start).take(top).collect();
    let next = start.saturating_add(page.len());
    let token = (next < total && !page.is_empty()).then(|| encode_token(next, kind));
    Ok((page, token))
}

/// `$top`/`$skip` paging.
pub(crate) fn page_skip(ctx: &Ctx, items: Vec<Value>, default_top: usize) -> AdoResult<Vec<Value>> {
    let skip = ctx.q_usize("$skip")?.unwrap_or(0);
    let top = ctx.q_usize("$top")?.unwrap_or(default_top);
    Ok(items.into_iter().skip(skip).take(top).collect())
}

/// Link object helper.
pub(crate) fn href(url: &str) -> Value {
    json!({ "href": url })
}

/// Project-scoped URL prefix with the project GUID, as ADO builds it.
pub(crate) fn project_base(ctx: &Ctx, p: &Project) -> String {
    format!("{}/{}", ctx.base, p.guid())
}
