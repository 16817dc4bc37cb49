//! One pull request and what hangs off it: get and update, iterations, comment threads and
//! comments, statuses; and the opening of pull requests shared by REST and the `/_sim` API.

use std::collections::BTreeMap;

use axum::http::StatusCode;
use axum::response::Response;
use chrono::{DateTime, SecondsFormat, Utc};
use serde_json::{Value, json};
use uuid::Uuid;

use super::git::{find_repo, full_ref, pr_json, repo_url};
use super::{href, user_ref};
use crate::error::{AdoError, AdoResult};
use crate::fixture::{
    Estate, PrComment, PrIteration, PrStatus, PrThread, Project, PullRequest, Repo, RepoRef, User,
};
use crate::git_http;
use crate::hooks::{self, Event, Message};
use crate::server::{Ctx, SimState, json_response, list_response};

fn date(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Millis, true)
}

pub(crate) fn pr_not_found(id: &str) -> AdoError {
    AdoError::new(
        StatusCode::NOT_FOUND,
        "GitPullRequestNotFoundException",
        format!("TF401180: The requested pull request {id} was not found."),
    )
    .git()
}

fn parse_id(id: &str, what: &str) -> AdoResult<i64> {
    id.trim()
        .parse::<i64>()
        .ok()
        .filter(|n| *n > 0 && *n <= i64::from(i32::MAX))
        .ok_or_else(|| AdoError::bad_param(what))
}

fn body_of(ctx: &Ctx) -> AdoResult<serde_json::Map<String, Value>> {
    match serde_json::from_slice::<Value>(&ctx.body) {
        Ok(Value::Object(m)) => Ok(m),
        _ => Err(AdoError::bad_request(
            "VS402904: The request body is not valid JSON or is missing.",
        )),
    }
}

/// Project (without its repos), repository and pull request, cloned out of the estate.
fn snapshot(
    state: &SimState,
    ctx: &Ctx,
    repo: Option<&str>,
    id: &str,
) -> AdoResult<(Project, Repo, PullRequest)> {
    let n = parse_id(id, "pullRequestId")?;
    let estate = state.estate();
    let (p, r) = if let Some(key) = repo {
        find_repo(&estate, ctx, key)?
    } else {
        let (_, p) = super::project_of(&estate, ctx)?;
        let r = p
            .repos
            .iter()
            .find(|r| r.pull_requests.iter().any(|x| x.id == n))
            .ok_or_else(|| pr_not_found(id))?;
        (p, r)
    };
    let pr = r
        .pull_requests
        .iter()
        .find(|x| x.id == n)
        .cloned()
        .ok_or_else(|| pr_not_found(id))?;
    let project = Project {
        repos: Vec::new(),
        ..p.clone()
    };
    Ok((project, r.clone(), pr))
}

/// Runs `f` on the pull request inside the estate (write-locked).
fn with_pr<T>(
    state: &SimState,
    ctx: &Ctx,
    repo: &str,
    id: &str,
    f: impl FnOnce(&mut PullRequest) -> AdoResult<T>,
) -> AdoResult<T> {
    let n = parse_id(id, "pullRequestId")?;
    let mut estate = state.estate_mut();
    let (pid, rid) = {
        let (p, r) = find_repo(&estate, ctx, repo)?;
        (p.id, r.id)
    };
    let pr = repo_mut(&mut estate, &ctx.org, pid, rid)
        .and_then(|r| r.pull_requests.iter_mut().find(|x| x.id == n))
        .ok_or_else(|| pr_not_found(id))?;
    f(pr)
}

pub(crate) fn repo_mut<'a>(
    estate: &'a mut Estate,
    org: &str,
    project: Option<Uuid>,
    repo: Option<Uuid>,
) -> Option<&'a mut Repo> {
    estate
        .orgs
        .iter_mut()
        .find(|o| o.name.eq_ignore_ascii_case(org))?
        .projects
        .iter_mut()
        .find(|p| p.id == project)?
        .repos
        .iter_mut()
        .find(|r| r.id == repo)
}

async fn tips(state: &SimState, r: &Repo) -> AdoResult<Vec<(String, String)>> {
    let dir = state.inner.git.ensure(r).await?;
    git_http::list_refs(&dir).await
}

fn full_pr_json(
    estate: &Estate,
    ctx: &Ctx,
    p: &Project,
    r: &Repo,
    pr: &PullRequest,
    tips: &[(String, String)],
) -> Value {
    let mut v = pr_json(estate, ctx, p, r, pr, tips, false);
    let url = v["url"].as_str().unwrap_or_default().to_string();
    let repo = repo_url(ctx, p, r);
    let mut links = json!({
        "self": href(&url),
        "repository": href(&repo),
        "workItems": href(&format!("{url}/workitems")),
        "sourceBranch": href(&format!("{repo}/refs")),
        "targetBranch": href(&format!("{repo}/refs")),
        "statuses": href(&format!("{url}/statuses")),
        "iterations": href(&format!("{url}/iterations")),
    });
    if let Some(c) = v["lastMergeSourceCommit"]["url"].as_str() {
        links["sourceCommit"] = href(c);
    }
    if let Some(c) = v["lastMergeTargetCommit"]["url"].as_str() {
        links["targetCommit"] = href(c);
    }
    if let Some(c) = v["createdBy"]["url"].as_str() {
        links["createdBy"] = href(c);
    }
    v["_links"] = links;
    v["artifactId"] = json!(format!(
        "vstfs:///Git/PullRequestId/{}%2f{}%2f{}",
        p.guid(),
        r.guid(),
        pr.id
    ));
    v
}

pub(crate) async fn get(state: &SimState, ctx: &Ctx, repo: Option<&str>, id: &str) -> AdoResult<Response> {
    let (p, r, pr) = snapshot(state, ctx, repo, id)?;
    let tips = tips(state, &r).await?;
    let estate = state.estate();
    Ok(json_response(&full_pr_json(&estate, ctx, &p, &r, &pr, &tips)))
}

pub(crate) async fn update(state: &SimState, ctx: &Ctx, repo: &str, id: &str) -> AdoResult<Response> {
    let body = body_of(ctx)?;
    let text = |k: &str| -> AdoResult<Option<String>> {
        match body.get(k) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::String(s)) => Ok(Some(s.clone())),
            Some(_) => Err(AdoError::bad_param(k)),
        }
    };
    let (title, description, status) = (text("title")?, text("description")?, text("status")?);
    if let Some(s) = &status
        && !["active", "abandoned", "completed"].contains(&s.as_str())
    {
        return Err(AdoError::bad_request(format!(
            "TF401182: The pull request status '{s}' is not valid; use active, abandoned or completed."
        )));
    }
    let is_draft = match body.get("isDraft") {
        None | Some(Value::Null) => None,
        Some(Value::Bool(b)) => Some(*b),
        Some(_) => return Err(AdoError::bad_param("isDraft")),
    };
    let (changed_status, changed_text) = with_pr(state, ctx, repo, id, |pr| {
        let current = pr.status.clone().unwrap_or_else(|| "active".into());
        let mut changed_status = None;
        if let Some(s) = &status
            && *s != current
        {
            if current == "completed" {
                return Err(AdoError::bad_request(
                    "TF401181: The pull request cannot be edited because it is completed.",
                ));
            }
            pr.status = Some(s.clone());
            pr.closed_date = (s != "active").then(Utc::now);
            changed_status = Some(s.clone());
        }
        let mut changed_text = false;
        if let Some(t) = title
            && t != pr.title
        {
            pr.title = t;
            changed_text = true;
        }
        if let Some(d) = description
            && d != pr.description
        {
            pr.description = d;
            changed_text = true;
        }
        if let Some(d) = is_draft {
            pr.is_draft = d;
        }
        Ok((changed_status, changed_text))
    })?;
    if changed_status.is_some() {
        // Closed: no merge ref; reactivated: a fresh one.
        let (p, r, pr) = snapshot(state, ctx, Some(repo), id)?;
        crate::merge::lock_and_refresh(state, &ctx.org, p.guid(), &r, pr.id).await?;
    }
    let (p, r, pr) = snapshot(state, ctx, Some(repo), id)?;
    let tips = tips(state, &r).await?;
    let who = ctx
        .identity
        .user
        .display_name
        .clone()
        .unwrap_or_else(|| ctx.identity.user.name.clone());
    if let Some(s) = &changed_status {
        let verb = match s.as_str() {
            "active" => "reactivated the pull request".to_string(),
            other => format!("marked the pull request as {other}"),
        };
        let text = format!("{who} {verb}");
        publish_pr(
            state,
            &ctx.org,
            &p,
            &r,
            &pr,
            hooks::PR_UPDATED,
            Some("StatusUpdateNotification"),
            &text,
        );
    } else if changed_text {
        let text = format!("{who} updated pull request {} ({})", pr.id, pr.title);
        publish_pr(state, &ctx.org, &p, &r, &pr, hooks::PR_UPDATED, None, &text);
    }
    let estate = state.estate();
    Ok(json_response(&full_pr_json(&estate, ctx, &p, &r, &pr, &tips)))
}

/// Publishes a pull request event; the resource is built per subscriber from the estate.
#[expect(clippy::too_many_arguments, reason = "an event names its whole subject")]
pub(crate) fn publish_pr(
    state: &SimState,
    org: &str,
    p: &Project,
    r: &Repo,
    pr: &PullRequest,
    event_type: &'static str,
    notification_type: Option<&'static str>,
    text: &str,
) {
    let (p2, r2, pr2, st) = (p.clone(), r.clone(), pr.clone(), state.clone());
    let merge_status = match pr.merge_status.as_deref() {
        Some("conflicts") => "Conflicts",
        Some("failure") => "Failure",
        _ => "Succeeded",
    };
    let detailed = format!(
        "{text}\r\n\r\n- Merge status: {merge_status}\r\n- Source: {}\r\n- Target: {}\r\n",
        pr.source, pr.target
    );
    let event = Event {
        event_type,
        org: org.to_string(),
        project_id: p.guid(),
        repo_id: r.guid(),
        branches: vec![full_ref(&pr.target)],
        notification_type,
        message: Message::plain(text),
        detailed: Message::plain(detailed),
        resource: Box::new(move |ctx: &Ctx| {
            let estate = st.estate();
            let mut v = pr_json(&estate, ctx, &p2, &r2, &pr2, &[], false);
            if let Some(b) = &r2.default_branch {
                v["repository"]["defaultBranch"] = json!(b);
            }
            v
        }),
    };
    hooks::publish(state, &event);
}

/// What opening a pull request needs.
#[derive(Debug, Clone)]
pub(crate) struct NewPr {
    pub source: String,
    pub target: String,
    pub title: String,
    pub description: String,
    pub is_draft: bool,
    /// The fork holding `source`, for a pull request from a fork.
    pub fork_source: Option<RepoRef>,
}

fn cannot_activate() -> AdoError {
    AdoError::new(
        StatusCode::BAD_REQUEST,
        "GitPullRequestCannotBeActivated",
        "TF401398: The pull request cannot be activated because the source and/or the target branch no longer exists, or the requested refs are not branches",
    )
}

/// Opens a pull request in `org` (repository by ids) for `actor`, builds its
/// `refs/pull/{id}/merge`, fires `git.pullrequest.created`, and returns the stored pull request
/// with the target's refs.
pub(crate) async fn open(
    state: &SimState,
    org: &str,
    project_id: Uuid,
    repo_id: Uuid,
    new: NewPr,
    actor: &User,
) -> AdoResult<(Project, Repo, PullRequest, Vec<(String, String)>)> {
    let (p, r) = {
        let estate = state.estate();
        let p = estate
            .org(org)
            .and_then(|o| o.projects.iter().find(|p| p.id == Some(project_id)))
            .ok_or_else(|| AdoError::project_not_found(&project_id.to_string()))?;
        let r = p
            .repos
            .iter()
            .find(|r| r.id == Some(repo_id))
            .ok_or_else(|| AdoError::repo_not_found(&repo_id.to_string()))?;
        (
            Project {
                repos: Vec::new(),
                ..p.clone()
            },
            r.clone(),
        )
    };
    let (source, target) = (full_ref(&new.source), full_ref(&new.target));
    let dir = state.inner.git.ensure(&r).await?;
    let fork = match &new.fork_source {
        None => None,
        Some(f) => {
            let (fp, fr, fork_dir) = crate::merge::fork_of(state, org, f).await?;
            if fr.is_disabled {
                return Err(cannot_activate());
            }
            // The target itself named as the fork: an ordinary pull request.
            (fr.guid() != r.guid()).then(|| {
                (
                    RepoRef {
                        project: fp.name.clone(),
                        repo: fr.name.clone(),
                    },
                    fork_dir,
                )
            })
        }
    };
    let repo_lock = state.inner.git.repo_lock(r.guid());
    let guard = repo_lock.lock().await;
    let tips = git_http::list_refs(&dir).await?;
    let source_tips = match &fork {
        Some((_, fork_dir)) => git_http::list_refs(fork_dir).await?,
        None => tips.clone(),
    };
    let tip = |list: &[(String, String)], b: &str| {
        list.iter()
            .find(|(n, _)| b.starts_with("refs/heads/") && n == b)
            .map(|(_, o)| o.clone())
    };
    let (Some(source_tip), Some(target_tip)) = (tip(&source_tips, &source), tip(&tips, &target)) else {
        return Err(cannot_activate());
    };
    if source == target && fork.is_none() {
        return Err(AdoError::bad_request(
            "TF401405: The source and target branches must be different.",
        ));
    }
    if let Some((_, fork_dir)) = &fork {
        crate::merge::copy_from_fork(&dir, fork_dir, &source_tip).await?;
    }
    let fork_source = fork.map(|(f, _)| f);
    let common = git_http::merge_base(&dir, &source_tip, &target_tip).await;
    let now = Utc::now();
    let id = {
        let mut estate = state.estate_mut();
        let next_id = estate.org(org).map_or(0, |o| {
            o.projects
                .iter()
                .flat_map(|p| &p.repos)
                .flat_map(|r| &r.pull_requests)
                .map(|pr| pr.id)
                .max()
                .unwrap_or(0)
        }) + 1;
        let repo = repo_mut(&mut estate, org, Some(project_id), Some(repo_id))
            .ok_or_else(|| AdoError::repo_not_found(&repo_id.to_string()))?;
        if repo.pull_requests.iter().any(|x| {
            x.status.as_deref().unwrap_or("active") == "active"
                && full_ref(&x.source) == source
                && full_ref(&x.target) == target
                && x.fork_source == fork_source
        }) {
            return Err(AdoError::new(
                StatusCode::CONFLICT,
                "GitPullRequestExistsException",
                "TF401179: An active pull request for the source and target branch already exists.",
            ));
        }
        repo.pull_requests.push(PullRequest {
            id: next_id,
            title: new.title,
            description: new.description,
            source: source.clone(),
            target: target.clone(),
            status: Some("active".into()),
            created_by: Some(actor.name.clone()),
            creation_date: Some(now),
            is_draft: new.is_draft,
            last_merge_source_commit: Some(source_tip.clone()),
            last_merge_target_commit: Some(target_tip.clone()),
            fork_source,
            iterations: vec![PrIteration {
                id: 1,
                source_commit: source_tip,
                target_commit: target_tip,
                common_commit: common,
                reason: "create".into(),
                author: Some(actor.name.clone()),
                push_id: None,
                created: now,
            }],
            ..PullRequest::default()
        });
        next_id
    };
    crate::merge::refresh(state, org, project_id, repo_id, &dir, id).await?;
    drop(guard);
    let pr = {
        let estate = state.estate();
        estate
            .org(org)
            .and_then(|o| o.projects.iter().find(|p| p.id == Some(project_id)))
            .and_then(|p| p.repos.iter().find(|r| r.id == Some(repo_id)))
            .and_then(|r| r.pull_requests.iter().find(|x| x.id == id))
            .cloned()
            .ok_or_else(|| pr_not_found(&id.to_string()))?
    };
    let who = actor.display_name.clone().unwrap_or_else(|| actor.name.clone());
    publish_pr(
        state,
        org,
        &p,
        &r,
        &pr,
        hooks::PR_CREATED,
        None,
        &format!("{who} created a new pull request"),
    );
    Ok((p, r, pr, tips))
}

fn commit_ref(repo_url: &str, id: &str) -> Value {
    json!({"commitId": id, "url": format!("{repo_url}/commits/{id}")})
}

pub(crate) async fn iterations(state: &SimState, ctx: &Ctx, repo: &str, id: &str) -> AdoResult<Response> {
    let (p, r, pr) = snapshot(state, ctx, Some(repo), id)?;
    let mut list = pr.iterations.clone();
    if list.is_empty() {
        let dir = state.inner.git.ensure(&r).await?;
        let tips = git_http::list_refs(&dir).await?;
        let tip = |b: &str| {
            tips.iter()
                .find(|(n, _)| *n == full_ref(b))
                .map(|(_, o)| o.clone())
        };
        if let (Some(s), Some(t)) = (
            pr.last_merge_source_commit.clone().or_else(|| tip(&pr.source)),
            pr.last_merge_target_commit.clone().or_else(|| tip(&pr.target)),
        ) {
            let common = git_http::merge_base(&dir, &s, &t).await;
            list.push(PrIteration {
                id: 1,
                source_commit: s,
                target_commit: t,
                common_commit: common,
                reason: "create".into(),
                author: pr.created_by.clone(),
                push_id: None,
                created: pr.creation_date.unwrap_or_default(),
            });
        }
    }
    let estate = state.estate();
    let base = repo_url(ctx, &p, &r);
    let items = list
        .iter()
        .map(|it| {
            let author = user_ref(&estate, ctx, it.author.as_deref());
            let mut v = json!({
                "id": it.id,
                "description": if it.reason == "create" { pr.title.clone() } else { String::new() },
                "author": author,
                "createdDate": date(it.created),
                "updatedDate": date(it.created),
                "sourceRefCommit": commit_ref(&base, &it.source_commit),
                "targetRefCommit": commit_ref(&base, &it.target_commit),
                "hasMoreCommits": false,
                "reason": it.reason,
            });
            if let Some(c) = &it.common_commit {
                v["commonRefCommit"] = commit_ref(&base, c);
            }
            if let Some(push) = it.push_id {
                v["push"] = json!({
                    "pushId": push,
                    "date": date(it.created),
                    "pushedBy": user_ref(&estate, ctx, it.author.as_deref()),
                    "url": format!("{base}/pushes/{push}"),
                });
            }
            v
        })
        .collect();
    Ok(list_response(items, None))
}

// ---- threads and comments ----

const THREAD_STATUSES: &[&str] = &[
    "unknown", "active", "fixed", "wontFix", "closed", "byDesign", "pending",
];
const COMMENT_TYPES: &[&str] = &["unknown", "text", "codeChange", "system"];

/// An enum given by name (case-insensitive) or by number, as ADO accepts both.
fn enum_value(v: Option<&Value>, names: &[&str], field: &str, default: &str) -> AdoResult<String> {
    match v {
        None | Some(Value::Null) => Ok(default.to_string()),
        Some(Value::Number(n)) => n
            .as_u64()
            .and_then(|i| names.get(i as usize))
            .map(|s| (*s).to_string())
            .ok_or_else(|| AdoError::bad_param(field)),
        Some(Value::String(s)) => names
            .iter()
            .find(|n| n.eq_ignore_ascii_case(s.trim()))
            .map(|s| (*s).to_string())
            .ok_or_else(|| AdoError::bad_param(field)),
        Some(_) => Err(AdoError::bad_param(field)),
    }
}

fn position(v: Option<&Value>, field: &str) -> AdoResult<Option<Value>> {
    let Some(v) = v.filter(|v| !v.is_null()) else {
        return Ok(None);
    };
    let num = |k: &str, min: i64| {
        v.get(k)
            .and_then(Value::as_i64)
            .filter(|n| *n >= min && *n <= i64::from(i32::MAX))
            .ok_or_else(|| AdoError::bad_param(&format!("{field}.{k}")))
    };
    Ok(Some(
        json!({"line": num("line", 1)?, "offset": num("offset", 0)?}),
    ))
}

fn thread_context(v: Option<&Value>) -> AdoResult<Option<Value>> {
    let Some(v) = v.filter(|v| !v.is_null()) else {
        return Ok(None);
    };
    let path = v
        .get("filePath")
        .and_then(Value::as_str)
        .filter(|p| !p.trim().is_empty() && p.len() <= 4096 && !p.chars().any(char::is_control))
        .ok_or_else(|| AdoError::bad_param("threadContext.filePath"))?;
    let path = if path.starts_with('/') {
        path.to_string()
    } else {
        format!("/{path}")
    };
    let mut out = json!({"filePath": path});
    for k in ["leftFileStart", "leftFileEnd", "rightFileStart", "rightFileEnd"] {
        if let Some(p) = position(v.get(k), &format!("threadContext.{k}"))? {
            out[k] = p;
        }
    }
    Ok(Some(out))
}

/// Properties in ADO's typed form.
fn properties(v: Option<&Value>) -> AdoResult<BTreeMap<String, Value>> {
    let Some(v) = v.filter(|v| !v.is_null()) else {
        return Ok(BTreeMap::new());
    };
    let Value::Object(m) = v else {
        return Err(AdoError::bad_param("properties"));
    };
    m.iter()
        .map(|(k, v)| {
            let typed = match v {
                Value::Object(o) if o.contains_key("$type") && o.contains_key("$value") => v.clone(),
                Value::String(s) => json!({"$type": "System.String", "$value": s}),
                Value::Bool(b) => json!({"$type": "System.Boolean", "$value": b}),
                Value::Number(n) if n.as_i64().is_some_and(|i| i32::try_from(i).is_ok()) => {
                    json!({"$type": "System.Int32", "$value": n})
                }
                Value::Number(n) if n.is_i64() || n.is_u64() => json!({"$type": "System.Int64", "$value": n}),
                Value::Number(n) => json!({"$type": "System.Double", "$value": n}),
                _ => return Err(AdoError::bad_param(&format!("properties.{k}"))),
            };
            Ok((k.clone(), typed))
        })
        .collect()
}

fn content_of(v: Option<&Value>, field: &str) -> AdoResult<String> {
    match v {
        Some(Value::String(s)) if s.len() <= 150_000 => Ok(s.clone()),
        _ => Err(AdoError::bad_request(format!(
            "The comment {field} is required and must be a string of at most 150000 characters."
        ))),
    }
}

fn comment_json(estate: &Estate, ctx: &Ctx, thread_url: &str, c: &PrComment) -> Value {
    let mut v = json!({
        "id": c.id,
        "parentCommentId": c.parent_comment_id,
        "author": user_ref(estate, ctx, c.author.as_deref()),
        "content": c.content,
        "publishedDate": date(c.published),
        "lastUpdatedDate": date(c.updated),
        "lastContentUpdatedDate": date(c.content_updated),
        "isDeleted": c.is_deleted,
        "commentType": c.comment_type,
        "usersLiked": [],
        "_links": {
            "self": href(&format!("{thread_url}/comments/{}", c.id)),
        },
    });
    if c.is_deleted {
        v.as_object_mut().map(|m| m.remove("content"));
    }
    v
}

fn thread_json(estate: &Estate, ctx: &Ctx, repo_url: &str, pr_id: i64, t: &PrThread) -> Value {
    let url = format!("{repo_url}/pullRequests/{pr_id}/threads/{}", t.id);
    let mut v = json!({
        "pullRequestThreadContext": t.pr_context,
        "id": t.id,
        "publishedDate": date(t.published),
        "lastUpdatedDate": date(t.updated),
        "comments": t.comments.iter().map(|c| comment_json(estate, ctx, &url, c)).collect::<Vec<_>>(),
        "threadContext": t.context,
        "properties": t.properties,
        "isDeleted": t.is_deleted,
        "_links": {"self": href(&url), "repository": href(repo_url)},
    });
    if let Some(s) = &t.status {
        v["status"] = json!(s);
    }
    v
}

fn thread_not_found(id: &str) -> AdoError {
    AdoError::new(
        StatusCode::NOT_FOUND,
        "GitPullRequestCommentThreadNotFoundException",
        format!("TF401202: The comment thread {id} does not exist for this pull request."),
    )
    .git()
}

pub(crate) fn threads(state: &SimState, ctx: &Ctx, repo: &str, id: &str) -> AdoResult<Response> {
    let (p, r, pr) = snapshot(state, ctx, Some(repo), id)?;
    let estate = state.estate();
    let base = repo_url(ctx, &p, &r);
    let items = pr
        .threads
        .iter()
        .map(|t| thread_json(&estate, ctx, &base, pr.id, t))
        .collect();
    Ok(list_response(items, None))
}

fn respond_thread(state: &SimState, ctx: &Ctx, repo: &str, id: &str, thread_id: i64) -> AdoResult<Response> {
    let (p, r, pr) = snapshot(state, ctx, Some(repo), id)?;
    let t = pr
        .threads
        .iter()
        .find(|t| t.id == thread_id)
        .ok_or_else(|| thread_not_found(&thread_id.to_string()))?;
    let estate = state.estate();
    Ok(json_response(&thread_json(
        &estate,
        ctx,
        &repo_url(ctx, &p, &r),
        pr.id,
        t,
    )))
}

pub(crate) fn create_thread(state: &SimState, ctx: &Ctx, repo: &str, id: &str) -> AdoResult<Response> {
    let body = body_of(ctx)?;
    let status = enum_value(body.get("status"), THREAD_STATUSES, "status", "active")?;
    let context = thread_context(body.get("threadContext"))?;
    let pr_context = body
        .get("pullRequestThreadContext")
        .filter(|v| v.is_object())
        .cloned();
    let mut props = properties(body.get("properties"))?;
    props
        .entry("Microsoft.TeamFoundation.Discussion.SupportsMarkdown".into())
        .or_insert_with(|| json!({"$type": "System.Int32", "$value": 1}));
    let comments = match body.get("comments") {
        Some(Value::Array(list)) if !list.is_empty() && list.len() <= 100 => list.clone(),
        _ => {
            return Err(AdoError::bad_request(
                "A new comment thread needs at least one comment.",
            ));
        }
    };
    let now = Utc::now();
    let author = ctx.identity.user.name.clone();
    let mut parsed = Vec::new();
    for (i, c) in comments.iter().enumerate() {
        parsed.push(PrComment {
            id: i as i64 + 1,
            parent_comment_id: c.get("parentCommentId").and_then(Value::as_i64).unwrap_or(0),
            author: Some(author.clone()),
            content: content_of(c.get("content"), "content")?,
            comment_type: enum_value(c.get("commentType"), COMMENT_TYPES, "commentType", "text")?,
            published: now,
            updated: now,
            content_updated: now,
            is_deleted: false,
        });
    }
    let thread_id = with_pr(state, ctx, repo, id, |pr| {
        let next = next_thread_id(pr);
        pr.threads.push(PrThread {
            id: next,
            status: Some(status),
            context,
            pr_context,
            properties: props,
            comments: parsed,
            published: now,
            updated: now,
            is_deleted: false,
        });
        Ok(next)
    })?;
    respond_thread(state, ctx, repo, id, thread_id)
}

pub(crate) fn next_thread_id(pr: &PullRequest) -> i64 {
    pr.threads.iter().map(|t| t.id).max().unwrap_or(0) + 1
}

pub(crate) fn update_thread(
    state: &SimState,
    ctx: &Ctx,
    repo: &str,
    id: &str,
    thread: &str,
) -> AdoResult<Response> {
    let body = body_of(ctx)?;
    let tid = parse_id(thread, "threadId")?;
    let status = match body.get("status") {
        None | Some(Value::Null) => None,
        v => Some(enum_value(v, THREAD_STATUSES, "status", "active")?),
    };
    let props = properties(body.get("properties"))?;
    with_pr(state, ctx, repo, id, |pr| {
        let t = pr
            .threads
            .iter_mut()
            .find(|t| t.id == tid)
            .ok_or_else(|| thread_not_found(thread))?;
        if let Some(s) = status {
            t.status = Some(s);
        }
        t.properties.extend(props);
        t.updated = Utc::now();
        Ok(())
    })?;
    respond_thread(state, ctx, repo, id, tid)
}

fn respond_comment(
    state: &SimState,
    ctx: &Ctx,
    repo: &str,
    id: &str,
    tid: i64,
    cid: i64,
) -> AdoResult<Response> {
    let (p, r, pr) = snapshot(state, ctx, Some(repo), id)?;
    let c = pr
        .threads
        .iter()
        .find(|t| t.id == tid)
        .and_then(|t| t.comments.iter().find(|c| c.id == cid))
        .ok_or_else(|| thread_not_found(&tid.to_string()))?;
    let estate = state.estate();
    let url = format!("{}/pullRequests/{}/threads/{tid}", repo_url(ctx, &p, &r), pr.id);
    Ok(json_response(&comment_json(&estate, ctx, &url, c)))
}

pub(crate) fn create_comment(
    state: &SimState,
    ctx: &Ctx,
    repo: &str,
    id: &str,
    thread: &str,
) -> AdoResult<Response> {
    let body = body_of(ctx)?;
    let tid = parse_id(thread, "threadId")?;
    let content = content_of(body.get("content"), "content")?;
    let comment_type = enum_value(body.get("commentType"), COMMENT_TYPES, "commentType", "text")?;
    let parent = body.get("parentCommentId").and_then(Value::as_i64).unwrap_or(0);
    let author = ctx.identity.user.name.clone();
    let cid = with_pr(state, ctx, repo, id, |pr| {
        let t = pr
            .threads
            .iter_mut()
            .find(|t| t.id == tid)
            .ok_or_else(|| thread_not_found(thread))?;
        if parent != 0 && !t.comments.iter().any(|c| c.id == parent) {
            return Err(AdoError::bad_param("parentCommentId"));
        }
        let now = Utc::now();
        let cid = t.comments.iter().map(|c| c.id).max().unwrap_or(0) + 1;
        t.comments.push(PrComment {
            id: cid,
            parent_comment_id: parent,
            author: Some(author),
            content,
            comment_type,
            published: now,
            updated: now,
            content_updated: now,
            is_deleted: false,
        });
        t.updated = now;
        Ok(cid)
    })?;
    respond_comment(state, ctx, repo, id, tid, cid)
}

pub(crate) fn update_comment(
    state: &SimState,
    ctx: &Ctx,
    repo: &str,
    id: &str,
    thread: &str,
    comment: &str,
) -> AdoResult<Response> {
    let body = body_of(ctx)?;
    let tid = parse_id(thread, "threadId")?;
    let cid = parse_id(comment, "commentId")?;
    let content = content_of(body.get("content"), "content")?;
    with_pr(state, ctx, repo, id, |pr| {
        let t = pr
            .threads
            .iter_mut()
            .find(|t| t.id == tid)
            .ok_or_else(|| thread_not_found(thread))?;
        let c = t
            .comments
            .iter_mut()
            .find(|c| c.id == cid && !c.is_deleted)
            .ok_or_else(|| {
                AdoError::new(
                    StatusCode::NOT_FOUND,
                    "CommentNotFoundException",
                    format!("The comment {cid} does not exist in thread {tid}."),
                )
            })?;
        let now = Utc::now();
        c.content = content;
        c.updated = now;
        c.content_updated = now;
        t.updated = now;
        Ok(())
    })?;
    respond_comment(state, ctx, repo, id, tid, cid)
}

// ---- statuses ----

const STATUS_STATES: &[&str] = &[
    "notSet",
    "pending",
    "succeeded",
    "failed",
    "error",
    "notApplicable",
];

fn status_json(estate: &Estate, ctx: &Ctx, repo_url: &str, pr_id: i64, s: &PrStatus) -> Value {
    let mut context = json!({"name": s.context_name});
    if let Some(g) = &s.context_genre {
        context["genre"] = json!(g);
    }
    let mut v = json!({
        "id": s.id,
        "state": s.state,
        "context": context,
        "creationDate": date(s.created),
        "updatedDate": date(s.updated),
        "createdBy": user_ref(estate, ctx, s.created_by.as_deref()),
        "_links": {
            "self": href(&format!("{repo_url}/pullRequests/{pr_id}/statuses/{}", s.id)),
            "repository": href(repo_url),
        },
    });
    if let Some(d) = &s.description {
        v["description"] = json!(d);
    }
    if let Some(u) = &s.target_url {
        v["targetUrl"] = json!(u);
    }
    if let Some(i) = s.iteration_id {
        v["iterationId"] = json!(i);
    }
    v
}

pub(crate) fn statuses(state: &SimState, ctx: &Ctx, repo: &str, id: &str) -> AdoResult<Response> {
    let (p, r, pr) = snapshot(state, ctx, Some(repo), id)?;
    let estate = state.estate();
    let base = repo_url(ctx, &p, &r);
    let items = pr
        .statuses
        .iter()
        .map(|s| status_json(&estate, ctx, &base, pr.id, s))
        .collect();
    Ok(list_response(items, None))
}

pub(crate) fn create_status(state: &SimState, ctx: &Ctx, repo: &str, id: &str) -> AdoResult<Response> {
    let body = body_of(ctx)?;
    let state_name = enum_value(body.get("state"), STATUS_STATES, "state", "notSet")?;
    let context = body.get("context").filter(|v| v.is_object());
    let short = |v: Option<&Value>, field: &str, max: usize| -> AdoResult<Option<String>> {
        match v {
            None | Some(Value::Null) => Ok(None),
            Some(Value::String(s)) if s.len() <= max => Ok(Some(s.clone())),
            _ => Err(AdoError::bad_param(field)),
        }
    };
    let name = short(context.and_then(|c| c.get("name")), "context.name", 256)?
        .filter(|n| !n.trim().is_empty())
        .ok_or_else(|| AdoError::bad_request("The status context name is required."))?;
    let genre = short(context.and_then(|c| c.get("genre")), "context.genre", 256)?;
    let description = short(body.get("description"), "description", 4000)?;
    let target_url = short(body.get("targetUrl"), "targetUrl", 2048)?;
    if let Some(u) = &target_url
        && !(u.starts_with("https://") || u.starts_with("http://"))
    {
        return Err(AdoError::bad_param("targetUrl"));
    }
    let iteration_id = match body.get("iterationId") {
        None | Some(Value::Null) => None,
        Some(v) => Some(
            v.as_i64()
                .filter(|n| *n > 0)
                .ok_or_else(|| AdoError::bad_param("iterationId"))?,
        ),
    };
    let author = ctx.identity.user.name.clone();
    let (p, r, _) = snapshot(state, ctx, Some(repo), id)?;
    let made = with_pr(state, ctx, repo, id, |pr| {
        let iterations = pr.iterations.len().max(1) as i64;
        if iteration_id.is_some_and(|i| i > iterations) {
            return Err(AdoError::bad_param("iterationId"));
        }
        let now = Utc::now();
        let s = PrStatus {
            id: pr.statuses.iter().map(|s| s.id).max().unwrap_or(0) + 1,
            state: state_name,
            description,
            context_name: name,
            context_genre: genre,
            target_url,
            iteration_id,
            created_by: Some(author),
            created: now,
            updated: now,
        };
        pr.statuses.push(s.clone());
        Ok((pr.id, s))
    })?;
    let estate = state.estate();
    Ok(json_response(&status_json(
        &estate,
        ctx,
        &repo_url(ctx, &p, &r),
        made.0,
        &made.1,
    )))
}

/// A system thread noting a push to the source branch, as ADO adds one.
pub(crate) fn ref_update_thread(
    pr: &PullRequest,
    branch: &str,
    new: &str,
    count: usize,
    who: &User,
) -> PrThread {
    let now = Utc::now();
    let s = |v: &str| json!({"$type": "System.String", "$value": v});
    let mut properties = BTreeMap::new();
    properties.insert("CodeReviewThreadType".into(), s("RefUpdate"));
    properties.insert("CodeReviewRefName".into(), s(branch));
    properties.insert("CodeReviewRefNewHeadCommit".into(), s(new));
    properties.insert(
        "CodeReviewRefNewCommitsCount".into(),
        json!({"$type": "System.Int32", "$value": count}),
    );
    properties.insert("CodeReviewRefUpdatedBy".into(), s(&who.email));
    PrThread {
        id: next_thread_id(pr),
        status: None,
        context: None,
        pr_context: None,
        properties,
        comments: vec![PrComment {
            id: 1,
            parent_comment_id: 0,
            author: None,
            content: format!("The reference {branch} was updated."),
            comment_type: "system".into(),
            published: now,
            updated: now,
            content_updated: now,
            is_deleted: false,
        }],
        published: now,
        updated: now,
        is_deleted: false,
    }
}
