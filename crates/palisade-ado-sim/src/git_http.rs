//! Real git repositories behind the simulator: bare repos materialized (lazily, once) from
//! fixture contents with `git fast-import` and fixed dates (so commit ids are deterministic), and
//! smart HTTP (`info/refs`, `git-upload-pack`, `git-receive-pack`) served through
//! `git http-backend` as a CGI.

use std::collections::HashMap;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::sync::{Arc, Mutex};

use axum::body::{Body, Bytes};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use axum::response::{IntoResponse, Response};
use tokio::io::AsyncWriteExt;
use tokio::process::Command;

use crate::error::{AdoError, AdoResult};
use crate::fixture::{Commit, Repo};
use crate::server::{SimState, auth_failure, authenticate, lock};

/// Where bare repositories live, and which ones exist already.
#[derive(Debug)]
pub(crate) struct GitStore {
    root: PathBuf,
    _temp: Option<tempfile::TempDir>,
    /// One cell per repository: materialized once, in parallel across repositories.
    ready: Mutex<HashMap<uuid::Uuid, Arc<tokio::sync::OnceCell<PathBuf>>>>,
    /// Serializes ref updates (pushes, `/_sim` commits) per repository.
    locks: Mutex<HashMap<uuid::Uuid, Arc<tokio::sync::Mutex<()>>>>,
}

impl GitStore {
    pub fn new(dir: Option<PathBuf>) -> std::io::Result<Self> {
        let (root, temp) = if let Some(d) = dir {
            std::fs::create_dir_all(&d)?;
            (d, None)
        } else {
            let t = tempfile::Builder::new().prefix("palisade-ado-sim-").tempdir()?;
            (t.path().to_path_buf(), Some(t))
        };
        Ok(Self {
            root,
            _temp: temp,
            ready: Mutex::new(HashMap::new()),
            locks: Mutex::new(HashMap::new()),
        })
    }

    pub fn root(&self) -> &Path {
        &self.root
    }

    /// The bare repository for `repo`, creating it from the fixture (or its recipe) on first use.
    pub async fn ensure(&self, repo: &Repo) -> AdoResult<PathBuf> {
        let id = repo.guid();
        let dir = self.root.join(format!("{id}.git"));
        let cell = Arc::clone(lock(&self.ready).entry(id).or_default());
        let made = cell
            .get_or_try_init(|| async {
                if !dir.join("HEAD").exists() {
                    materialize(&dir, repo).await.map_err(|e| {
                        tracing::error!(repo = %repo.name, error = %e, "cannot materialize repository");
                        AdoError::server_error(StatusCode::INTERNAL_SERVER_ERROR)
                    })?;
                }
                Ok::<_, AdoError>(dir.clone())
            })
            .await?;
        Ok(made.clone())
    }

    /// The lock held while a repository's refs change.
    pub fn repo_lock(&self, id: uuid::Uuid) -> Arc<tokio::sync::Mutex<()>> {
        Arc::clone(lock(&self.locks).entry(id).or_default())
    }
}

pub(crate) fn git(dir: &Path) -> Command {
    let mut c = Command::new("git");
    c.arg("--git-dir").arg(dir);
    c.env("GIT_CONFIG_NOSYSTEM", "1")
        .env("GIT_CONFIG_GLOBAL", "/dev/null")
        .env("GIT_TERMINAL_PROMPT", "0");
    c.stdin(Stdio::null()).kill_on_drop(true);
    c
}

pub(crate) async fn run(mut cmd: Command) -> std::io::Result<Vec<u8>> {
    let out = cmd.stderr(Stdio::piped()).stdout(Stdio::piped()).output().await?;
    if !out.status.success() {
        return Err(std::io::Error::other(format!(
            "git failed: {}",
            String::from_utf8_lossy(&out.stderr).trim()
        )));
    }
    Ok(out.stdout)
}

pub(crate) fn quote_path(p: &str) -> String {
    let mut s = String::from("\"");
    for ch in p.trim_start_matches('/').chars() {
        match ch {
            '"' => s.push_str("\\\""),
            '\\' => s.push_str("\\\\"),
            '\n' => s.push_str("\\n"),
            c => s.push(c),
        }
    }
    s.push('"');
    s
}

fn data(out: &mut Vec<u8>, bytes: &[u8]) {
    out.extend_from_slice(format!("data {}\n", bytes.len()).as_bytes());
    out.extend_from_slice(bytes);
    out.push(b'\n');
}

fn commit_stream(out: &mut Vec<u8>, branch: &str, mark: usize, from: Option<usize>, c: &Commit) {
    let ts = c.date.timestamp();
    let ident = |name: &str, email: &str| {
        format!(
            "{} <{}> {ts} +0000",
            name.replace(['<', '>', '\n'], ""),
            email.replace(['<', '>', '\n'], "")
        )
    };
    let mut head = String::new();
    let _ = writeln!(head, "commit refs/heads/{branch}");
    let _ = writeln!(head, "mark :{mark}");
    let _ = writeln!(head, "author {}", ident(&c.author, &c.email));
    let _ = writeln!(head, "committer {}", ident(&c.author, &c.email));
    out.extend_from_slice(head.as_bytes());
    data(out, c.message.as_bytes());
    if let Some(f) = from {
        out.extend_from_slice(format!("from :{f}\n").as_bytes());
    }
    for path in &c.delete {
        out.extend_from_slice(format!("D {}\n", quote_path(path)).as_bytes());
    }
    for (path, content) in &c.files {
        out.extend_from_slice(format!("M 100644 inline {}\n", quote_path(path)).as_bytes());
        data(out, content.as_bytes());
    }
    out.push(b'\n');
}

/// The `git fast-import` stream for a fixture repository.
fn import_stream(repo: &Repo) -> Vec<u8> {
    let mut out = Vec::new();
    let mut tips: HashMap<String, Option<usize>> = HashMap::new();
    let mut mark = 0usize;
    let mut pending: Vec<&crate::fixture::Branch> = repo.branches.iter().collect();
    // Branches whose base is known go first; repeat until nothing changes (cycles become orphans).
    while !pending.is_empty() {
        let before = pending.len();
        let mut rest = Vec::new();
        for b in pending {
            let base = match &b.from {
                None => Some(None),
                Some(f) => tips.get(f.strip_prefix("refs/heads/").unwrap_or(f)).copied(),
            };
            let Some(mut parent) = base else {
                rest.push(b);
                continue;
            };
            let name = b.name.strip_prefix("refs/heads/").unwrap_or(&b.name).to_string();
            if b.commits.is_empty()
                && let Some(p) = parent
            {
                out.extend_from_slice(format!("reset refs/heads/{name}\nfrom :{p}\n\n").as_bytes());
            }
            for c in &b.commits {
                mark += 1;
                commit_stream(&mut out, &name, mark, parent, c);
                parent = Some(mark);
            }
            tips.insert(name, parent);
        }
        if rest.len() == before {
            // Unresolvable bases: import them as orphans.
            for b in &rest {
                let name = b.name.strip_prefix("refs/heads/").unwrap_or(&b.name).to_string();
                let mut parent = None;
                for c in &b.commits {
                    mark += 1;
                    commit_stream(&mut out, &name, mark, parent, c);
                    parent = Some(mark);
                }
            }
            break;
        }
        pending = rest;
    }
    out.extend_from_slice(b"done\n");
    out
}

async fn materialize(dir: &Path, repo: &Repo) -> std::io::Result<()> {
    let tmp = dir.with_extension("tmp");
    let _ = tokio::fs::remove_dir_all(&tmp).await;
    let mut init = Command::new("git");
    init.args(["init", "--quiet", "--bare"]).arg(&tmp);
    init.env("GIT_CONFIG_NOSYSTEM", "1")
        .env("GIT_CONFIG_GLOBAL", "/dev/null");
    run(init).await?;
    let mut cfg = git(&tmp);
    cfg.args(["config", "http.receivepack", "true"]);
    run(cfg).await?;
    let stream = if let Some(recipe) = &repo.generated {
        let recipe = recipe.clone();
        let stream = tokio::task::spawn_blocking(move || recipe.fast_import_stream())
            .await
            .map_err(std::io::Error::other)?;
        (recipe_has_commits(repo)).then_some(stream)
    } else {
        (!repo.branches.is_empty()).then(|| import_stream(repo))
    };
    if let Some(stream) = stream {
        fast_import(&tmp, &stream).await?;
    }
    if let Some(head) = &repo.default_branch {
        let mut sym = git(&tmp);
        sym.args(["symbolic-ref", "HEAD", head]);
        run(sym).await?;
    }
    tokio::fs::rename(&tmp, dir).await?;
    Ok(())
}

fn recipe_has_commits(repo: &Repo) -> bool {
    repo.generated.as_ref().is_some_and(|r| r.commits > 0)
}

/// Runs `git fast-import` on `stream` (which ends with `done`).
pub(crate) async fn fast_import(dir: &Path, stream: &[u8]) -> std::io::Result<()> {
    {
        let mut cmd = git(dir);
        cmd.args(["fast-import", "--quiet", "--done"])
            .stdin(Stdio::piped())
            .stdout(Stdio::null())
            .stderr(Stdio::piped());
        let mut child = cmd.spawn()?;
        if let Some(mut stdin) = child.stdin.take() {
            stdin.write_all(stream).await?;
        }
        let out = child.wait_with_output().await?;
        if !out.status.success() {
            return Err(std::io::Error::other(format!(
                "fast-import failed: {}",
                String::from_utf8_lossy(&out.stderr).trim()
            )));
        }
    }
    Ok(())
}

/// All refs as `(refs/..., objectId)`, sorted by name.
pub(crate) async fn list_refs(dir: &Path) -> AdoResult<Vec<(String, String)>> {
    Ok(list_refs_peeled(dir)
        .await?
        .into_iter()
        .map(|(name, oid, _)| (name, oid))
        .collect())
}

/// Refs with, for annotated tags, the object the tag points at (the
/// refs API's `peeledObjectId` under `peelTags=true`).
pub(crate) async fn list_refs_peeled(dir: &Path) -> AdoResult<Vec<(String, String, Option<String>)>> {
    let mut cmd = git(dir);
    cmd.args(["for-each-ref", "--format=%(refname) %(objectname) %(*objectname)"]);
    let out = run(cmd).await.map_err(|e| {
        tracing::error!(error = %e, "for-each-ref failed");
        AdoError::server_error(StatusCode::INTERNAL_SERVER_ERROR)
    })?;
    let text = String::from_utf8_lossy(&out);
    Ok(text
        .lines()
        .filter_map(|l| {
            let mut parts = l.split(' ');
            let name = parts.next()?;
            let oid = parts.next()?;
            let peeled = parts.next().filter(|p| !p.is_empty()).map(str::to_string);
            Some((name.to_string(), oid.to_string(), peeled))
        })
        .collect())
}

/// One commit as the commits API needs it.
#[derive(Debug, Clone)]
pub(crate) struct CommitInfo {
    pub id: String,
    pub author: String,
    pub author_email: String,
    pub author_date: String,
    pub committer: String,
    pub committer_email: String,
    pub committer_date: String,
    pub parents: Vec<String>,
    pub message: String,
    pub adds: u64,
    pub edits: u64,
    pub deletes: u64,
}

/// History of `rev` (newest first); `None` when `rev` does not resolve.
pub(crate) async fn log(
    dir: &Path,
    rev: &str,
    skip: usize,
    top: usize,
) -> AdoResult<Option<Vec<CommitInfo>>> {
    if rev.starts_with('-') || rev.contains("..") {
        return Ok(None);
    }
    let mut check = git(dir);
    check
        .args(["rev-parse", "--verify", "--quiet", "--end-of-options"])
        .arg(format!("{rev}^{{commit}}"));
    if run(check).await.is_err() {
        return Ok(None);
    }
    let mut cmd = git(dir);
    cmd.args(["log", "--no-renames", "--name-status", LOG_FORMAT])
        .arg(format!("--skip={skip}"))
        .arg(format!("--max-count={top}"))
        .arg(rev)
        .arg("--");
    let out = run(cmd).await.map_err(|e| {
        tracing::error!(error = %e, "git log failed");
        AdoError::server_error(StatusCode::INTERNAL_SERVER_ERROR)
    })?;
    Ok(Some(parse_log(&out)))
}

const LOG_FORMAT: &str = "--format=%x1e%H%x1f%an%x1f%ae%x1f%aI%x1f%cn%x1f%ce%x1f%cI%x1f%P%x1f%B%x1f";

fn parse_log(out: &[u8]) -> Vec<CommitInfo> {
    let text = String::from_utf8_lossy(out);
    let mut list = Vec::new();
    for rec in text.split('\u{1e}').filter(|r| !r.trim().is_empty()) {
        let f: Vec<&str> = rec.split('\u{1f}').collect();
        if f.len() < 10 {
            continue;
        }
        let date = |s: &str| {
            chrono::DateTime::parse_from_rfc3339(s).map_or_else(
                |_| s.to_string(),
                |d| {
                    d.with_timezone(&chrono::Utc)
                        .to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
                },
            )
        };
        let (mut adds, mut edits, mut deletes) = (0, 0, 0);
        for line in f[9].lines() {
            match line.chars().next() {
                Some('A') => adds += 1,
                Some('M' | 'T') => edits += 1,
                Some('D') => deletes += 1,
                _ => {}
            }
        }
        list.push(CommitInfo {
            id: f[0].trim().to_string(),
            author: f[1].to_string(),
            author_email: f[2].to_string(),
            author_date: date(f[3]),
            committer: f[4].to_string(),
            committer_email: f[5].to_string(),
            committer_date: date(f[6]),
            parents: f[7].split_whitespace().map(str::to_string).collect(),
            message: f[8].trim_end().to_string(),
            adds,
            edits,
            deletes,
        });
    }
    list
}

fn is_oid(s: &str) -> bool {
    s.len() == 40 && s.bytes().all(|b| b.is_ascii_hexdigit())
}

/// Commits reachable from `tip` and from none of `exclude` (object ids), newest first.
pub(crate) async fn log_range(dir: &Path, tip: &str, exclude: &[String], max: usize) -> Vec<CommitInfo> {
    if !is_oid(tip) {
        return Vec::new();
    }
    let mut cmd = git(dir);
    cmd.args(["log", "--no-renames", "--name-status", LOG_FORMAT])
        .arg(format!("--max-count={max}"))
        .arg(tip);
    let excluded: Vec<&String> = exclude.iter().filter(|x| is_oid(x)).collect();
    if !excluded.is_empty() {
        cmd.arg("--not");
        cmd.args(excluded);
    }
    cmd.arg("--");
    match run(cmd).await {
        Ok(out) => parse_log(&out),
        Err(e) => {
            tracing::warn!(error = %e, "git log of a push failed");
            Vec::new()
        }
    }
}

/// The merge base of two commits, if any.
pub(crate) async fn merge_base(dir: &Path, a: &str, b: &str) -> Option<String> {
    if !is_oid(a) || !is_oid(b) {
        return None;
    }
    let mut cmd = git(dir);
    cmd.args(["merge-base", a, b]);
    let out = run(cmd).await.ok()?;
    let id = String::from_utf8_lossy(&out).trim().to_string();
    is_oid(&id).then_some(id)
}

/// Points `HEAD` at `branch` (a full ref).
pub(crate) async fn set_head(dir: &Path, branch: &str) {
    let mut cmd = git(dir);
    cmd.args(["symbolic-ref", "HEAD", branch]);
    if let Err(e) = run(cmd).await {
        tracing::warn!(error = %e, "cannot set HEAD");
    }
}

/// Smart HTTP for `{org}/{project}/_git/{repo}[.git]/...` (or `{org}/_git/{repo}`).
#[expect(clippy::too_many_arguments, reason = "a CGI bridge needs the whole request")]
pub(crate) async fn handle(
    state: &SimState,
    method: &Method,
    headers: &HeaderMap,
    org: &str,
    rest: &[String],
    query: Option<&str>,
    body: Bytes,
    root: &str,
) -> Response {
    state.bump(|s| {
        s.total_requests += 1;
        s.git_requests += 1;
        *s.per_class.entry("git_http".into()).or_default() += 1;
    });
    let Some(at) = rest.iter().position(|s| s == "_git") else {
        return AdoError::no_route("_git").into_response();
    };
    let project = rest[..at].first().cloned();
    let Some(repo_name) = rest.get(at + 1).cloned() else {
        return AdoError::no_route("_git").into_response();
    };
    let tail = rest[at + 2..].join("/");
    let service = match (method, tail.as_str()) {
        (&Method::GET, "info/refs") => {
            match crate::server::parse_query(query)
                .iter()
                .find(|(k, _)| k == "service")
                .map(|(_, v)| v.as_str())
            {
                Some("git-upload-pack") => "upload",
                Some("git-receive-pack") => "receive",
                _ => return (StatusCode::FORBIDDEN, "dumb HTTP is not supported").into_response(),
            }
        }
        (&Method::POST, "git-upload-pack") => "upload",
        (&Method::POST, "git-receive-pack") => "receive",
        _ => return AdoError::no_route(&tail).into_response(),
    };
    let identity = match authenticate(state, headers, Some(org)) {
        Ok(i) => i,
        Err(why) => {
            tracing::debug!(reason = %why, "git authentication failed");
            return auth_failure(state, headers, root, true);
        }
    };
    let needed = if service == "receive" {
        "vso.code_write"
    } else {
        "vso.code"
    };
    if !identity.has_scope(needed) {
        return AdoError::unauthorized(&identity.user.email).into_response();
    }
    let repo = {
        let estate = state.estate();
        let Some(o) = estate.org(org) else {
            return AdoError::not_found(format!("Organization {org} not found.")).into_response();
        };
        let repo_key = repo_name.strip_suffix(".git").unwrap_or(&repo_name);
        let found = match &project {
            Some(p) => o
                .project(p)
                .filter(|p| identity.can_see_project(&p.name))
                .and_then(|p| p.repo(repo_key)),
            None => o
                .projects
                .iter()
                .filter(|p| identity.can_see_project(&p.name))
                .find_map(|p| p.repo(repo_key)),
        };
        match found {
            Some(r) if !r.is_disabled => r.clone(),
            Some(_) => {
                return AdoError::new(
                    StatusCode::FORBIDDEN,
                    "GitRepositoryDisabledException",
                    "TF401021: The repository is disabled.",
                )
                .into_response();
            }
            None => return AdoError::repo_not_found(&repo_name).into_response(),
        }
    };
    tracing::debug!(user = %identity.user.name, repo = %repo.name, service, "git http");
    let dir = match state.inner.git.ensure(&repo).await {
        Ok(d) => d,
        Err(e) => return e.into_response(),
    };
    let dir_name = dir
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let path_info = format!("/{dir_name}/{tail}");
    // A push changes refs: serialize it with other ref updates, and raise its events.
    let pushing = service == "receive" && method == Method::POST;
    let repo_lock = state.inner.git.repo_lock(repo.guid());
    let _guard = if pushing {
        Some(repo_lock.lock().await)
    } else {
        None
    };
    let before = if pushing {
        list_refs(&dir).await.unwrap_or_default()
    } else {
        Vec::new()
    };
    let answer = match cgi(
        state,
        method,
        headers,
        &path_info,
        query.unwrap_or_default(),
        body,
        &identity.user.name,
    )
    .await
    {
        Ok(r) => r,
        Err(e) => {
            tracing::error!(error = %e, "git http-backend failed");
            return AdoError::server_error(StatusCode::INTERNAL_SERVER_ERROR).into_response();
        }
    };
    if pushing {
        let after = list_refs(&dir).await.unwrap_or_default();
        let changes = crate::push::ref_changes(&before, &after);
        if !changes.is_empty() {
            crate::push::after_push(state, org, repo.guid(), &dir, &identity.user, &before, changes).await;
        }
    }
    answer
}

async fn cgi(
    state: &SimState,
    method: &Method,
    headers: &HeaderMap,
    path_info: &str,
    query: &str,
    body: Bytes,
    user: &str,
) -> std::io::Result<Response> {
    let mut cmd = Command::new("git");
    cmd.arg("http-backend")
        .env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .env("GIT_CONFIG_GLOBAL", "/dev/null")
        .env("GIT_PROJECT_ROOT", state.inner.git.root())
        .env("GIT_HTTP_EXPORT_ALL", "1")
        .env("PATH_INFO", path_info)
        .env("QUERY_STRING", query)
        .env("REQUEST_METHOD", method.as_str())
        .env("REMOTE_USER", user)
        .env("REMOTE_ADDR", "127.0.0.1")
        .env("CONTENT_LENGTH", body.len().to_string())
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .kill_on_drop(true);
    for (name, env) in [
        (header::CONTENT_TYPE.as_str(), "CONTENT_TYPE"),
        ("content-encoding", "HTTP_CONTENT_ENCODING"),
        ("git-protocol", "GIT_PROTOCOL"),
    ] {
        if let Some(v) = headers.get(name).and_then(|v| v.to_str().ok()) {
            cmd.env(env, v);
        }
    }
    let mut child = cmd.spawn()?;
    let stdin = child.stdin.take();
    let writer = tokio::spawn(async move {
        if let Some(mut stdin) = stdin {
            let _ = stdin.write_all(&body).await;
        }
    });
    let out = child.wait_with_output().await?;
    let _ = writer.await;
    if !out.status.success() && out.stdout.is_empty() {
        return Err(std::io::Error::other(
            String::from_utf8_lossy(&out.stderr).trim().to_string(),
        ));
    }
    parse_cgi(&out.stdout)
}

fn parse_cgi(out: &[u8]) -> std::io::Result<Response> {
    let split = out
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .map(|i| (i, 4))
        .or_else(|| out.windows(2).position(|w| w == b"\n\n").map(|i| (i, 2)))
        .ok_or_else(|| std::io::Error::other("CGI output without headers"))?;
    let head = String::from_utf8_lossy(&out[..split.0]);
    let body = out[split.0 + split.1..].to_vec();
    let mut status = StatusCode::OK;
    let mut resp_headers = Vec::new();
    for line in head.lines() {
        let Some((k, v)) = line.split_once(':') else {
            continue;
        };
        let v = v.trim();
        if k.eq_ignore_ascii_case("status") {
            if let Some(code) = v.split_whitespace().next().and_then(|c| c.parse::<u16>().ok()) {
                status = StatusCode::from_u16(code).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
            }
        } else {
            resp_headers.push((k.trim().to_string(), v.to_string()));
        }
    }
    let mut resp = (status, Body::from(body)).into_response();
    for (k, v) in resp_headers {
        if let (Ok(k), Ok(v)) = (
            header::HeaderName::from_bytes(k.as_bytes()),
            HeaderValue::from_str(&v),
        ) {
            resp.headers_mut().append(k, v);
        }
    }
    Ok(resp)
}
