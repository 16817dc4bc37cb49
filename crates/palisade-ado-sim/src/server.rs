//! The HTTP server: org routing (three URL forms), api-version checks, authentication, rate
//! limiting, fault injection, and the `/_sim` control endpoints.

use std::collections::{HashMap, VecDeque};
use std::fmt::Write as _;
use std::future::Future;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, RwLock};
use std::time::{Duration, Instant};

use axum::Router;
use axum::body::{Body, Bytes};
use axum::extract::{Request, State};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use base64::Engine as _;
use chrono::{DateTime, Utc};
use serde_json::{Value, json};
use tokio::sync::oneshot;

use crate::error::{AdoError, AdoResult};
use crate::fixture::{Estate, User};
use crate::git_http::GitStore;
use crate::knobs::{Knobs, SigninMode, SplitMix64, Stats};
use crate::routes;

/// Largest request body accepted (git pushes included).
const MAX_BODY: usize = 256 * 1024 * 1024;

/// Errors starting the simulator.
#[derive(Debug, thiserror::Error)]
pub enum SimError {
    #[error("i/o error: {0}")]
    Io(#[from] std::io::Error),
    #[error(transparent)]
    Fixture(#[from] crate::fixture::FixtureError),
}

/// What to run: an estate plus start-up knobs and where bare git repos go.
#[derive(Debug, Clone, Default)]
pub struct Sim {
    pub estate: Estate,
    pub knobs: Knobs,
    /// Where bare repos are materialized; `None` = a temp dir owned by the sim.
    pub data_dir: Option<PathBuf>,
}

impl Sim {
    pub fn new(estate: Estate) -> Self {
        Self {
            estate,
            knobs: Knobs::default(),
            data_dir: None,
        }
    }

    #[must_use]
    pub fn with_knobs(mut self, knobs: Knobs) -> Self {
        self.knobs = knobs;
        self
    }
}

/// A token minted by the Entra token endpoint.
#[derive(Debug, Clone)]
pub(crate) struct Minted {
    pub user: String,
    pub scopes: Vec<String>,
    pub expires: DateTime<Utc>,
}

/// Shared server state (cheap to clone).
#[derive(Clone, Debug)]
pub struct SimState {
    pub(crate) inner: Arc<Inner>,
}

#[derive(Debug)]
pub(crate) struct Inner {
    pub estate: RwLock<Estate>,
    pub knobs: RwLock<Knobs>,
    pub stats: Mutex<Stats>,
    pub rng: Mutex<SplitMix64>,
    pub rate: Mutex<HashMap<String, VecDeque<(Instant, u32)>>>,
    pub tokens: Mutex<HashMap<String, Minted>>,
    pub oauth: Mutex<routes::oauth::OAuthStore>,
    pub git: GitStore,
    pub counter: AtomicU64,
    pub hooks: Mutex<crate::hooks::HookStore>,
    /// Deliveries in flight (spawned tasks).
    pub hooks_inflight: AtomicUsize,
    /// HTTP client for service hook deliveries.
    pub http: reqwest::Client,
    /// Last push id per repository.
    pub push_ids: Mutex<HashMap<uuid::Uuid, i64>>,
}

impl SimState {
    pub fn new(sim: Sim) -> Result<Self, SimError> {
        let git = GitStore::new(sim.data_dir)?;
        let seed = sim.knobs.seed;
        Ok(Self {
            inner: Arc::new(Inner {
                estate: RwLock::new(sim.estate),
                knobs: RwLock::new(sim.knobs),
                stats: Mutex::new(Stats::default()),
                rng: Mutex::new(SplitMix64::new(seed)),
                rate: Mutex::new(HashMap::new()),
                tokens: Mutex::new(HashMap::new()),
                oauth: Mutex::new(routes::oauth::OAuthStore::default()),
                git,
                counter: AtomicU64::new(1),
                hooks: Mutex::new(crate::hooks::HookStore::default()),
                hooks_inflight: AtomicUsize::new(0),
                http: reqwest::Client::builder()
                    .redirect(reqwest::redirect::Policy::none())
                    .user_agent("VSServices/16.0 (palisade-ado-sim)")
                    .build()
                    .unwrap_or_default(),
                push_ids: Mutex::new(HashMap::new()),
            }),
        })
    }

    /// Current knobs.
    pub fn knobs(&self) -> Knobs {
        self.inner
            .knobs
            .read()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .clone()
    }

    /// Replaces the knobs (and reseeds the fault generator).
    pub fn set_knobs(&self, knobs: Knobs) {
        *lock(&self.inner.rng) = SplitMix64::new(knobs.seed);
        *self
            .inner
            .knobs
            .write()
            .unwrap_or_else(std::sync::PoisonError::into_inner) = knobs;
    }

    /// Current counters.
    pub fn stats(&self) -> Stats {
        lock(&self.inner.stats).clone()
    }

    pub fn reset_stats(&self) {
        *lock(&self.inner.stats) = Stats::default();
        lock(&self.inner.rate).clear();
    }

    /// Where bare repositories are materialized.
    pub fn data_dir(&self) -> PathBuf {
        self.inner.git.root().to_path_buf()
    }

    pub(crate) fn estate(&self) -> std::sync::RwLockReadGuard<'_, Estate> {
        self.inner
            .estate
            .read()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    pub(crate) fn estate_mut(&self) -> std::sync::RwLockWriteGuard<'_, Estate> {
        self.inner
            .estate
            .write()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    pub(crate) fn bump(&self, f: impl FnOnce(&mut Stats)) {
        f(&mut lock(&self.inner.stats));
    }

    /// A fresh random-looking string (not cryptographic; it is a simulator).
    pub(crate) fn random_token(&self, prefix: &str) -> String {
        let n = self.inner.counter.fetch_add(1, Ordering::Relaxed);
        let t = Utc::now().timestamp_nanos_opt().unwrap_or_default() as u64;
        let mut r = SplitMix64::new(t ^ n.rotate_left(32));
        format!("{prefix}{:016x}{:016x}", r.next_u64(), r.next_u64())
    }
}

pub(crate) fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}

/// The authenticated caller of a REST request.
#[derive(Debug, Clone)]
pub(crate) struct Identity {
    pub user: User,
    pub scopes: Vec<String>,
}

impl Identity {
    /// True when the credential carries `needed` (or a scope implying it).
    pub fn has_scope(&self, needed: &str) -> bool {
        if needed == "any" {
            return true;
        }
        self.scopes.iter().any(|s| scope_implies(s, needed))
    }

    pub fn can_see_project(&self, name: &str) -> bool {
        self.user
            .projects
            .as_ref()
            .is_none_or(|list| list.iter().any(|p| p.eq_ignore_ascii_case(name)))
    }
}

/// `vso.code_write` implies `vso.code`; `_manage` (and `_interact`, as in `vso.hooks_interact`)
/// implies `_write` and read; `vso.code_full` implies every `vso.code*`; `app_token` (full access)
/// implies everything. `vso.hooks_read` and `vso.hooks` are the same scope.
pub(crate) fn scope_implies(have: &str, needed: &str) -> bool {
    if have == needed || have == "app_token" {
        return true;
    }
    let (hb, hs) = split_scope(have);
    let (nb, ns) = split_scope(needed);
    // `vso.variablegroups_read` and friends: base names may themselves carry `_read`.
    if hb != nb {
        return false;
    }
    let rank = |s: &str| match s {
        "" | "read" => 0,
        "write" | "status" | "execute" => 1,
        "manage" | "interact" => 2,
        "full" => 3,
        _ => 99,
    };
    let (h, n) = (rank(hs), rank(ns));
    h != 99 && n != 99 && h >= n
}

fn split_scope(s: &str) -> (&str, &str) {
    match s.rsplit_once('_') {
        Some((base, suffix))
            if ["read", "write", "manage", "interact", "full", "status", "execute"].contains(&suffix) =>
        {
            (base, suffix)
        }
        _ => (s, ""),
    }
}

/// Everything a REST handler needs about its request.
#[derive(Debug)]
pub(crate) struct Ctx {
    /// Org (collection) base URL as the caller addressed it.
    pub base: String,
    /// `scheme://host` of the request.
    pub root: String,
    /// Path form used (`path`, `tfs`, `host`).
    pub form: UrlForm,
    pub org: String,
    pub project: Option<String>,
    pub query: Vec<(String, String)>,
    pub body: Bytes,
    pub identity: Identity,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum UrlForm {
    Path,
    Tfs,
    Host,
}

impl Ctx {
    /// Query parameter (case-insensitive name).
    pub fn q(&self, name: &str) -> Option<&str> {
        self.query
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    /// Query parameter, also accepting a `searchCriteria.` prefix.
    pub fn qs(&self, name: &str) -> Option<&str> {
        self.q(&format!("searchCriteria.{name}")).or_else(|| self.q(name))
    }

    pub fn q_bool(&self, name: &str) -> AdoResult<bool> {
        match self.q(name) {
            None => Ok(false),
            Some(v) if v.eq_ignore_ascii_case("true") => Ok(true),
            Some(v) if v.eq_ignore_ascii_case("false") => Ok(false),
            Some(_) => Err(AdoError::bad_param(name)),
        }
    }

    /// A non-negative integer parameter that fits an `i32` (ADO's `int`).
    pub fn q_usize(&self, name: &str) -> AdoResult<Option<usize>> {
        parse_count(self.qs(name), name)
    }

    /// Git clone URL (`{org}@` user info for the dev.azure.com path form, as ADO does).
    pub fn remote_url(&self, project: &str, repo: &str) -> String {
        let path = format!("{}/{}/_git/{}", self.base, enc(project), enc(repo));
        if self.form == UrlForm::Path
            && let Some((scheme, rest)) = path.split_once("://")
        {
            return format!("{scheme}://{}@{rest}", enc(&self.org));
        }
        path
    }
}

pub(crate) fn parse_count(value: Option<&str>, name: &str) -> AdoResult<Option<usize>> {
    match value {
        None => Ok(None),
        Some(v) => match v.trim().parse::<i32>() {
            Ok(n) if n >= 0 => Ok(Some(n as usize)),
            _ => Err(AdoError::bad_param(name)),
        },
    }
}

/// Percent-encodes a path segment.
pub(crate) fn enc(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || b"-._~".contains(&b) {
            out.push(b as char);
        } else {
            let _ = write!(out, "%{b:02X}");
        }
    }
    out
}

/// Percent-decodes (and `+` as space when `plus` is set). Invalid escapes are kept verbatim.
pub(crate) fn dec(s: &str, plus: bool) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'%' if i + 2 < bytes.len() => {
                let hex = std::str::from_utf8(&bytes[i + 1..i + 3])
                    .ok()
                    .and_then(|h| u8::from_str_radix(h, 16).ok());
                if let Some(v) = hex {
                    out.push(v);
                    i += 3;
                    continue;
                }
                out.push(b'%');
            }
            b'+' if plus => out.push(b' '),
            b => out.push(b),
        }
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

pub(crate) fn parse_query(q: Option<&str>) -> Vec<(String, String)> {
    q.unwrap_or_default()
        .split('&')
        .filter(|p| !p.is_empty())
        .map(|p| {
            let (k, v) = p.split_once('=').unwrap_or((p, ""));
            (dec(k, true), dec(v, true))
        })
        .collect()
}

/// Builds the router.
pub fn app(state: SimState) -> Router {
    Router::new()
        .route("/_sim/knobs", get(get_knobs).post(post_knobs))
        .route("/_sim/stats", get(get_stats))
        .route("/_sim/stats/reset", post(reset_stats))
        .route("/_sim/health", get(|| async { "ok" }))
        .route("/_sim/hooks/deliveries", get(get_deliveries))
        .route("/_sim/hooks/replay", post(post_replay))
        .route(
            "/_sim/orgs/{org}/projects/{project}/repos/{repo}/commits",
            post(post_commit),
        )
        .route(
            "/_sim/orgs/{org}/projects/{project}/repos/{repo}/pullrequests",
            post(post_pull_request),
        )
        .route(
            "/_sim/orgs/{org}/projects/{project}/repos/{repo}/forks",
            post(post_fork),
        )
        .fallback(dispatch)
        .with_state(state)
}

/// Serves `sim` on `listener` until `shutdown` resolves.
pub async fn serve(
    sim: Sim,
    listener: tokio::net::TcpListener,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> Result<(), SimError> {
    let state = SimState::new(sim)?;
    serve_state(state, listener, shutdown).await
}

/// Serves an existing state (so callers can keep a handle to change knobs).
pub async fn serve_state(
    state: SimState,
    listener: tokio::net::TcpListener,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> Result<(), SimError> {
    axum::serve(listener, app(state))
        .with_graceful_shutdown(shutdown)
        .await?;
    Ok(())
}

/// A simulator running on a loopback port (tests, benches, demos).
#[derive(Debug)]
pub struct RunningSim {
    /// `http://127.0.0.1:PORT`
    pub base_url: String,
    pub addr: SocketAddr,
    pub state: SimState,
    shutdown: Option<oneshot::Sender<()>>,
    task: Option<tokio::task::JoinHandle<Result<(), SimError>>>,
}

impl RunningSim {
    /// `http://127.0.0.1:PORT/{org}`
    pub fn org_url(&self, org: &str) -> String {
        format!("{}/{org}", self.base_url)
    }

    /// Stops the server and waits for it.
    pub async fn shutdown(mut self) {
        self.stop().await;
    }

    async fn stop(&mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
        if let Some(task) = self.task.take() {
            let _ = task.await;
        }
    }
}

impl Drop for RunningSim {
    fn drop(&mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
    }
}

/// Starts `sim` on `127.0.0.1:0`.
pub async fn start(sim: Sim) -> Result<RunningSim, SimError> {
    let listener = tokio::net::TcpListener::bind(("127.0.0.1", 0)).await?;
    let addr = listener.local_addr()?;
    let state = SimState::new(sim)?;
    let (tx, rx) = oneshot::channel::<()>();
    let task = tokio::spawn(serve_state(state.clone(), listener, async move {
        let _ = rx.await;
    }));
    Ok(RunningSim {
        base_url: format!("http://{addr}"),
        addr,
        state,
        shutdown: Some(tx),
        task: Some(task),
    })
}

async fn get_knobs(State(state): State<SimState>) -> Response {
    axum::Json(state.knobs()).into_response()
}

async fn post_knobs(State(state): State<SimState>, body: Bytes) -> Response {
    let patch: Value = match serde_json::from_slice(&body) {
        Ok(v) => v,
        Err(e) => return AdoError::bad_request(format!("invalid knobs JSON: {e}")).into_response(),
    };
    match state.knobs().merged(&patch) {
        Ok(k) => {
            tracing::info!(?k, "knobs changed");
            state.set_knobs(k.clone());
            axum::Json(k).into_response()
        }
        Err(e) => AdoError::bad_request(format!("invalid knobs: {e}")).into_response(),
    }
}

async fn get_stats(State(state): State<SimState>) -> Response {
    axum::Json(state.stats()).into_response()
}

async fn get_deliveries(State(state): State<SimState>) -> Response {
    axum::Json(state.hook_deliveries()).into_response()
}

/// `POST /_sim/hooks/replay` with an optional `{"delivery_id": n}` (default: the last delivery).
async fn post_replay(State(state): State<SimState>, body: Bytes) -> Response {
    let id = if body.iter().all(u8::is_ascii_whitespace) {
        None
    } else {
        match serde_json::from_slice::<Value>(&body) {
            Ok(v) => v.get("delivery_id").and_then(Value::as_u64),
            Err(e) => return AdoError::bad_request(format!("invalid JSON: {e}")).into_response(),
        }
    };
    match state.replay_delivery(id) {
        Some(d) => (StatusCode::ACCEPTED, axum::Json(d)).into_response(),
        None => AdoError::not_found("No delivery to replay.").into_response(),
    }
}

type RepoPath = axum::extract::Path<(String, String, String)>;

async fn post_commit(
    State(state): State<SimState>,
    axum::extract::Path((org, project, repo)): RepoPath,
    body: Bytes,
) -> Response {
    let commit: crate::push::SimCommit = match serde_json::from_slice(&body) {
        Ok(c) => c,
        Err(e) => return AdoError::bad_request(format!("invalid commit JSON: {e}")).into_response(),
    };
    match state.commit(&org, &project, &repo, &commit).await {
        Ok(p) => (StatusCode::CREATED, axum::Json(p)).into_response(),
        Err(e) => e.into_response(),
    }
}

async fn post_pull_request(
    State(state): State<SimState>,
    axum::extract::Path((org, project, repo)): RepoPath,
    body: Bytes,
) -> Response {
    let pr: crate::push::SimPullRequest = match serde_json::from_slice(&body) {
        Ok(c) => c,
        Err(e) => return AdoError::bad_request(format!("invalid pull request JSON: {e}")).into_response(),
    };
    match state.open_pull_request(&org, &project, &repo, &pr).await {
        Ok(p) => (StatusCode::CREATED, axum::Json(p)).into_response(),
        Err(e) => e.into_response(),
    }
}

async fn post_fork(
    State(state): State<SimState>,
    axum::extract::Path((org, project, repo)): RepoPath,
    body: Bytes,
) -> Response {
    let fork: crate::push::SimFork = if body.iter().all(u8::is_ascii_whitespace) {
        crate::push::SimFork::default()
    } else {
        match serde_json::from_slice(&body) {
            Ok(f) => f,
            Err(e) => return AdoError::bad_request(format!("invalid fork JSON: {e}")).into_response(),
        }
    };
    match state.create_fork(&org, &project, &repo, &fork).await {
        Ok(f) => (StatusCode::CREATED, axum::Json(f)).into_response(),
        Err(e) => e.into_response(),
    }
}

async fn reset_stats(State(state): State<SimState>) -> Response {
    state.reset_stats();
    StatusCode::NO_CONTENT.into_response()
}

/// Where a request is going, after looking at the host and the path.
enum Target {
    Global(Vec<String>),
    OAuth {
        tenant: String,
        action: String,
    },
    Org {
        org: String,
        base: String,
        form: UrlForm,
        rest: Vec<String>,
    },
}

fn is_host_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | ':' | '[' | ']' | '_')
}

fn classify(host: &str, root: &str, segs: &[String]) -> Option<Target> {
    let bare_host = host.rsplit_once(':').map_or(host, |(h, p)| {
        if p.chars().all(|c| c.is_ascii_digit()) {
            h
        } else {
            host
        }
    });
    let lower = bare_host.to_ascii_lowercase();
    let first = segs.first().map(String::as_str);
    if first == Some("_apis")
        && segs
            .get(1)
            .is_some_and(|s| s.eq_ignore_ascii_case("profile") || s.eq_ignore_ascii_case("accounts"))
    {
        return Some(Target::Global(segs[1..].to_vec()));
    }
    if segs.len() == 4 && segs[1] == "oauth2" && segs[2] == "v2.0" {
        return Some(Target::OAuth {
            tenant: segs[0].clone(),
            action: segs[3].clone(),
        });
    }
    for suffix in [".visualstudio.com", ".visualstudio.localhost"] {
        if let Some(org) = lower.strip_suffix(suffix)
            && !org.is_empty()
            && !org.contains('.')
        {
            return Some(Target::Org {
                org: org.to_string(),
                base: root.to_string(),
                form: UrlForm::Host,
                rest: segs.to_vec(),
            });
        }
    }
    if first.is_some_and(|s| s.eq_ignore_ascii_case("tfs")) && segs.len() >= 2 {
        let org = segs[1].clone();
        return Some(Target::Org {
            base: format!("{root}/tfs/{}", enc(&org)),
            org,
            form: UrlForm::Tfs,
            rest: segs[2..].to_vec(),
        });
    }
    let org = first?.to_string();
    if org.starts_with('_') {
        return None;
    }
    Some(Target::Org {
        base: format!("{root}/{}", enc(&org)),
        org,
        form: UrlForm::Path,
        rest: segs[1..].to_vec(),
    })
}

/// The one REST entry point (every path not under `/_sim`).
async fn dispatch(State(state): State<SimState>, req: Request) -> Response {
    let (parts, body) = req.into_parts();
    let Ok(body) = axum::body::to_bytes(body, MAX_BODY).await else {
        return AdoError::bad_request("The request body could not be read.").into_response();
    };
    let host = parts
        .headers
        .get(header::HOST)
        .and_then(|h| h.to_str().ok())
        .map(str::to_string)
        .or_else(|| parts.uri.authority().map(ToString::to_string))
        .unwrap_or_else(|| "localhost".into());
    if host.is_empty() || !host.chars().all(is_host_char) {
        return AdoError::bad_request("Invalid Host header.").into_response();
    }
    let scheme = match parts
        .headers
        .get("x-forwarded-proto")
        .and_then(|h| h.to_str().ok())
    {
        Some("https") => "https",
        _ => "http",
    };
    let root = format!("{scheme}://{host}");
    let segs: Vec<String> = parts
        .uri
        .path()
        .split('/')
        .filter(|s| !s.is_empty())
        .map(|s| dec(s, false))
        .collect();
    if segs.iter().any(|s| s == ".." || s.contains('\0')) {
        return AdoError::bad_request("Invalid path.").into_response();
    }
    let query = parse_query(parts.uri.query());
    match classify(&host, &root, &segs) {
        None => AdoError::no_route(parts.uri.path()).into_response(),
        Some(Target::OAuth { tenant, action }) => routes::oauth::handle(
            &state,
            &parts.method,
            &tenant,
            &action,
            &query,
            &parts.headers,
            &body,
            &root,
        ),
        Some(Target::Global(rest)) => {
            let req = RawReq {
                method: parts.method,
                headers: parts.headers,
                query,
                body,
            };
            rest_request(&state, req, None, &root, rest).await
        }
        Some(Target::Org {
            org,
            base,
            form,
            rest,
        }) => {
            let method = method_override(&parts.method, &parts.headers);
            if rest.iter().any(|s| s == "_git") {
                return crate::git_http::handle(
                    &state,
                    &parts.method,
                    &parts.headers,
                    &org,
                    &rest,
                    parts.uri.query(),
                    body,
                    &root,
                )
                .await;
            }
            let req = RawReq {
                method,
                headers: parts.headers,
                query,
                body,
            };
            rest_request(&state, req, Some((org, base, form)), &root, rest).await
        }
    }
}

/// `X-HTTP-Method-Override: PATCH` (or `DELETE`, `PUT`) on a POST is honoured, as ADO does.
fn method_override(method: &Method, headers: &HeaderMap) -> Method {
    if method != Method::POST {
        return method.clone();
    }
    match headers
        .get("x-http-method-override")
        .and_then(|h| h.to_str().ok())
        .map(|v| v.trim().to_ascii_uppercase())
        .as_deref()
    {
        Some("PATCH") => Method::PATCH,
        Some("DELETE") => Method::DELETE,
        Some("PUT") => Method::PUT,
        _ => Method::POST,
    }
}

struct RawReq {
    method: Method,
    headers: HeaderMap,
    query: Vec<(String, String)>,
    body: Bytes,
}

/// Credential check shared by REST and git: `Ok(identity)` or the reason it failed.
pub(crate) fn authenticate(
    state: &SimState,
    headers: &HeaderMap,
    org: Option<&str>,
) -> Result<Identity, String> {
    let auth = headers
        .get(header::AUTHORIZATION)
        .and_then(|h| h.to_str().ok())
        .ok_or("no credential")?;
    let estate = state.estate();
    let (user, scopes) = if let Some(b64) = auth
        .strip_prefix("Basic ")
        .or_else(|| auth.strip_prefix("basic "))
    {
        let raw = base64::engine::general_purpose::STANDARD
            .decode(b64.trim())
            .map_err(|_| "bad basic header")?;
        let raw = String::from_utf8(raw).map_err(|_| "bad basic header")?;
        let token = raw.split_once(':').map_or(raw.as_str(), |(_, p)| p);
        let pat = estate
            .pats
            .iter()
            .find(|p| p.token == token)
            .ok_or("unknown PAT")?;
        if pat.revoked {
            return Err(format!("revoked PAT of {}", pat.user));
        }
        if pat.expires_at.is_some_and(|e| e < Utc::now()) {
            return Err(format!("expired PAT of {}", pat.user));
        }
        let allowed = match org {
            Some(org) => pat.orgs.allows(org),
            // Global endpoints need a PAT for "all accessible organizations".
            None => matches!(pat.orgs, crate::fixture::OrgScope::All(_)),
        };
        if !allowed {
            return Err(format!("PAT of {} not valid for this organization", pat.user));
        }
        (pat.user.clone(), pat.scopes.clone())
    } else if let Some(tok) = auth
        .strip_prefix("Bearer ")
        .or_else(|| auth.strip_prefix("bearer "))
    {
        let minted = lock(&state.inner.tokens)
            .get(tok.trim())
            .cloned()
            .ok_or("unknown bearer token")?;
        if minted.expires < Utc::now() {
            return Err(format!("expired bearer token of {}", minted.user));
        }
        (minted.user, minted.scopes)
    } else {
        return Err("unsupported authorization scheme".into());
    };
    let user = estate
        .user(&user)
        .cloned()
        .ok_or("credential of an unknown user")?;
    if let Some(org) = org
        && !user.orgs.is_empty()
        && !user.orgs.iter().any(|o| o.eq_ignore_ascii_case(org))
    {
        return Err(format!("{} is not a member of {org}", user.name));
    }
    Ok(Identity { user, scopes })
}

/// The answer to a failed credential, as ADO gives it.
pub(crate) fn auth_failure(state: &SimState, headers: &HeaderMap, root: &str, git: bool) -> Response {
    state.bump(|s| s.auth_failures += 1);
    let tenant = state.estate().tenant.unwrap_or_default();
    let suppress = headers
        .get("x-tfs-fedauthredirect")
        .and_then(|h| h.to_str().ok())
        .is_some_and(|v| v.eq_ignore_ascii_case("suppress"));
    if suppress || git {
        let mut resp = AdoError::unauthorized("").into_response();
        *resp.status_mut() = StatusCode::UNAUTHORIZED;
        let h = resp.headers_mut();
        if let Ok(v) = HeaderValue::from_str(&format!("Bearer authorization_uri={root}/{tenant}")) {
            h.append(header::WWW_AUTHENTICATE, v);
        }
        if let Ok(v) = HeaderValue::from_str(&format!("Basic realm=\"{root}/\"")) {
            h.append(header::WWW_AUTHENTICATE, v);
        }
        h.insert(
            "x-tfs-processid",
            HeaderValue::from_static("00000000-0000-0000-0000-000000000000"),
        );
        return resp;
    }
    let signin = format!("{root}/_signin?realm={}&reply_to={}", enc(root), enc(root));
    match state.knobs().signin_mode {
        SigninMode::Redirect302 => {
            let mut resp = StatusCode::FOUND.into_response();
            if let Ok(v) = HeaderValue::from_str(&signin) {
                resp.headers_mut().insert(header::LOCATION, v);
            }
            resp
        }
        SigninMode::Page203 => {
            let html = format!(
                "<!DOCTYPE html><html><head><title>Azure DevOps Services | Sign In</title></head><body>\
                 <h1>Sign in</h1><p>You need to sign in to access this resource.</p>\
                 <a href=\"{signin}\">Sign in</a></body></html>"
            );
            let mut resp = (StatusCode::NON_AUTHORITATIVE_INFORMATION, html).into_response();
            resp.headers_mut().insert(
                header::CONTENT_TYPE,
                HeaderValue::from_static("text/html; charset=utf-8"),
            );
            resp
        }
    }
}

/// api-version as `(major, minor, preview)`.
fn parse_version(v: &str) -> Option<(u32, u32, bool)> {
    let (num, rest) = match v.split_once('-') {
        Some((n, r)) => (n, Some(r)),
        None => (v, None),
    };
    let (maj, min) = num.split_once('.')?;
    let maj = maj.parse().ok()?;
    let min = min.parse().ok()?;
    let preview = match rest {
        None => false,
        Some(r) => {
            let r = r.strip_prefix("preview")?;
            if !(r.is_empty() || r.strip_prefix('.').is_some_and(|n| n.parse::<u32>().is_ok())) {
                return None;
            }
            true
        }
    };
    Some((maj, min, preview))
}

fn api_version(headers: &HeaderMap, query: &[(String, String)]) -> Option<String> {
    if let Some((_, v)) = query.iter().find(|(k, _)| k.eq_ignore_ascii_case("api-version")) {
        return Some(v.trim().to_string());
    }
    let accept = headers.get(header::ACCEPT)?.to_str().ok()?;
    accept.split([';', ',']).find_map(|p| {
        let (k, v) = p.trim().split_once('=')?;
        k.trim()
            .eq_ignore_ascii_case("api-version")
            .then(|| v.trim().to_string())
    })
}

fn check_version(
    method: &Method,
    version: Option<&str>,
    preview_only: bool,
    max: Option<&str>,
) -> AdoResult<()> {
    let v = version.ok_or_else(|| AdoError::version_missing(method.as_str()))?;
    let (major, minor, preview) = parse_version(v).ok_or_else(|| AdoError::version_invalid(v))?;
    if let Some(max) = max {
        let (max_major, max_minor, _) = parse_version(max).unwrap_or((6, 0, false));
        if (major, minor) > (max_major, max_minor) {
            let shown = v.split('-').next().unwrap_or(v);
            return Err(AdoError::version_out_of_range(shown, max));
        }
    }
    if (major, minor) > (7, 2) {
        return Err(AdoError::version_out_of_range(&format!("{major}.{minor}"), "7.2"));
    }
    if !preview && (preview_only || (major, minor) > (7, 1)) {
        return Err(AdoError::preview_required(v));
    }
    Ok(())
}

/// Rate-limit outcome for one request.
struct RateDecision {
    headers: Vec<(&'static str, String)>,
    delay: Option<Duration>,
    blocked: Option<u64>,
}

fn rate_limit(state: &SimState, knobs: &Knobs, who: &str, class: &str) -> RateDecision {
    let rl = &knobs.rate_limit;
    let mut d = RateDecision {
        headers: Vec::new(),
        delay: None,
        blocked: None,
    };
    if !rl.enabled || rl.limit == 0 {
        return d;
    }
    let now = Instant::now();
    let window = Duration::from_secs(rl.window_secs.max(1));
    let cost = rl.class_costs.get(class).copied().unwrap_or(1);
    let mut map = lock(&state.inner.rate);
    let q = map.entry(who.to_string()).or_default();
    while q.front().is_some_and(|(t, _)| now.duration_since(*t) >= window) {
        q.pop_front();
    }
    q.push_back((now, cost));
    let used: u64 = q.iter().map(|(_, c)| u64::from(*c)).sum();
    let oldest = q.front().map_or(now, |(t, _)| *t);
    let reset_in = window.saturating_sub(now.duration_since(oldest)).as_secs().max(1);
    let limit = f64::from(rl.limit);
    if (used as f64) <= rl.warn_fraction * limit {
        return d;
    }
    let reset_epoch = Utc::now().timestamp() as u64 + reset_in;
    d.headers.push(("X-RateLimit-Resource", "Core".into()));
    d.headers.push(("X-RateLimit-Limit", rl.limit.to_string()));
    d.headers.push((
        "X-RateLimit-Remaining",
        u64::from(rl.limit).saturating_sub(used).to_string(),
    ));
    d.headers.push(("X-RateLimit-Reset", reset_epoch.to_string()));
    if used > u64::from(rl.limit) {
        d.headers.push(("Retry-After", reset_in.to_string()));
        if (used as f64) > rl.block_fraction * limit {
            d.blocked = Some(reset_in);
        } else {
            let ms = rl.delay_ms.min(30_000);
            d.delay = Some(Duration::from_millis(ms));
            d.headers
                .push(("X-RateLimit-Delay", format!("{:.3}", ms as f64 / 1000.0)));
        }
    }
    d
}

async fn rest_request(
    state: &SimState,
    req: RawReq,
    org: Option<(String, String, UrlForm)>,
    root: &str,
    rest: Vec<String>,
) -> Response {
    let knobs = state.knobs();
    // Resolve the route first so the class is known.
    let (org_name, base, form, max_version) = match &org {
        Some((name, base, form)) => {
            let estate = state.estate();
            let Some(o) = estate.org(name) else {
                drop(estate);
                state.bump(|s| s.total_requests += 1);
                return AdoError::new(
                    StatusCode::NOT_FOUND,
                    "AccountNotFoundException",
                    format!("VS800075: The organization '{name}' could not be found."),
                )
                .into_response();
            };
            let max = (o.deployment == crate::fixture::Deployment::Server)
                .then(|| o.max_api_version.clone().unwrap_or_else(|| "6.0".into()));
            (o.name.clone(), base.clone(), *form, max)
        }
        None => (String::new(), root.to_string(), UrlForm::Path, None),
    };
    let route = if org.is_some() {
        routes::resolve(&req.method, &rest)
    } else {
        routes::resolve_global(&req.method, &rest)
    };
    let class = route.as_ref().map_or("unknown", |r| r.class);
    state.bump(|s| {
        s.total_requests += 1;
        *s.per_class.entry(class.to_string()).or_default() += 1;
    });
    if knobs.down {
        state.bump(|s| s.faults_injected += 1);
        return AdoError::server_error(StatusCode::SERVICE_UNAVAILABLE).into_response();
    }
    if knobs.latency_ms > 0 {
        tokio::time::sleep(Duration::from_millis(knobs.latency_ms.min(60_000))).await;
    }
    let identity = match authenticate(state, &req.headers, org.as_ref().map(|(n, _, _)| n.as_str())) {
        Ok(i) => i,
        Err(why) => {
            tracing::debug!(reason = %why, "authentication failed");
            return auth_failure(state, &req.headers, root, false);
        }
    };
    tracing::debug!(user = %identity.user.name, method = %req.method, class, "request");
    let decision = rate_limit(state, &knobs, &identity.user.name, class);
    if let Some(retry) = decision.blocked {
        state.bump(|s| s.throttled_429 += 1);
        let (err, _) = AdoError::throttled(retry);
        let mut blocked = err.into_response();
        add_headers(&mut blocked, &decision.headers);
        return blocked;
    }
    if let Some(delay) = decision.delay {
        state.bump(|s| s.delays_applied += 1);
        tokio::time::sleep(delay).await;
    }
    let mut response = match route {
        None => AdoError::no_route(&format!("/{}", rest.join("/"))).into_response(),
        Some(route) => {
            let version = api_version(&req.headers, &req.query);
            if let Err(e) = check_version(
                &req.method,
                version.as_deref(),
                route.preview_only,
                max_version.as_deref(),
            ) {
                e.into_response()
            } else if !route.scopes.iter().any(|s| identity.has_scope(s)) {
                AdoError::unauthorized(&identity.user.email).into_response()
            } else if let Some(fault) = inject_fault(state, &knobs) {
                fault
            } else {
                let ctx = Ctx {
                    base,
                    root: root.to_string(),
                    form,
                    org: org_name,
                    project: route.project.clone(),
                    query: req.query,
                    body: req.body,
                    identity,
                };
                match routes::call(state, &ctx, route.handler).await {
                    Ok(r) => r,
                    Err(e) => e.into_response(),
                }
            }
        }
    };
    add_headers(&mut response, &decision.headers);
    response.headers_mut().insert(
        "x-vss-e2eid",
        HeaderValue::from_static("00000000-0000-0000-0000-000000000000"),
    );
    response
}

fn add_headers(resp: &mut Response, headers: &[(&'static str, String)]) {
    for (k, v) in headers {
        if let Ok(v) = HeaderValue::from_str(v) {
            resp.headers_mut().insert(*k, v);
        }
    }
}

fn inject_fault(state: &SimState, knobs: &Knobs) -> Option<Response> {
    if knobs.error_rate <= 0.0 && knobs.malformed_rate <= 0.0 {
        return None;
    }
    let (roll, which) = {
        let mut rng = lock(&state.inner.rng);
        (rng.next_f64(), rng.next_u64())
    };
    if roll < knobs.error_rate {
        state.bump(|s| s.faults_injected += 1);
        let status = if which % 2 == 0 {
            StatusCode::INTERNAL_SERVER_ERROR
        } else {
            StatusCode::SERVICE_UNAVAILABLE
        };
        return Some(AdoError::server_error(status).into_response());
    }
    if roll < knobs.error_rate + knobs.malformed_rate {
        state.bump(|s| s.faults_injected += 1);
        let mut resp = (StatusCode::OK, Body::from("{\"count\":3,\"value\":[{\"id\":\"")).into_response();
        resp.headers_mut().insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/json; charset=utf-8"),
        );
        return Some(resp);
    }
    None
}

/// JSON response helper.
pub(crate) fn json_response(value: &Value) -> Response {
    let mut resp = (StatusCode::OK, value.to_string()).into_response();
    resp.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json; charset=utf-8"),
    );
    resp
}

/// `{count, value}` with an optional continuation token header.
#[expect(
    clippy::needless_pass_by_value,
    reason = "handlers build the list only to hand it over"
)]
pub(crate) fn list_response(items: Vec<Value>, token: Option<String>) -> Response {
    let mut resp = json_response(&json!({ "count": items.len(), "value": items }));
    if let Some(t) = token
        && let Ok(v) = HeaderValue::from_str(&t)
    {
        resp.headers_mut().insert("x-ms-continuationtoken", v);
    }
    resp
}

#[cfg(test)]
mod tests {
    use super::scope_implies;

    #[test]
    fn hook_scopes() {
        assert!(scope_implies("vso.hooks_write", "vso.hooks"));
        assert!(scope_implies("vso.hooks_read", "vso.hooks"));
        assert!(scope_implies("vso.hooks", "vso.hooks_read"));
        assert!(scope_implies("vso.hooks_interact", "vso.hooks_write"));
        assert!(!scope_implies("vso.hooks", "vso.hooks_write"));
        assert!(!scope_implies("vso.code_write", "vso.hooks"));
    }
}
