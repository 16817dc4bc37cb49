//! Git area: repositories, refs, commits, pull requests.

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};
use uuid::Uuid;

use super::{
    FIXED_DATE, TokenKind, href, page_skip, page_token, project_base, project_of, project_ref, user_ref,
    visible_projects,
};
use crate::error::{AdoError, AdoResult};
use crate::fixture::{Estate, Project, PullRequest, Repo, RepoRef};
use crate::git_http::{self, CommitInfo};
use crate::server::{Ctx, SimState, enc, json_response, list_response};

/// Finds a repository the caller can see: by name or id within the path's project, or by id
/// across all projects when the project segment is omitted.
pub(crate) fn find_repo<'a>(estate: &'a Estate, ctx: &Ctx, key: &str) -> AdoResult<(&'a Project, &'a Repo)> {
    if ctx.project.is_some() {
        let (_, p) = project_of(estate, ctx)?;
        return p
            .repo(key)
            .map(|r| (p, r))
            .ok_or_else(|| AdoError::repo_not_found(key));
    }
    let id = Uuid::parse_str(key).map_err(|_| AdoError::repo_not_found(key))?;
    for p in visible_projects(estate, ctx)? {
        if let Some(r) = p.repos.iter().find(|r| r.id == Some(id)) {
            return Ok((p, r));
        }
    }
    Err(AdoError::repo_not_found(key))
}

pub(crate) fn repo_url(ctx: &Ctx, p: &Project, r: &Repo) -> String {
    format!("{}/_apis/git/repositories/{}", project_base(ctx, p), r.guid())
}

pub(crate) fn repo_json(ctx: &Ctx, p: &Project, r: &Repo, links: bool) -> Value {
    let url = repo_url(ctx, p, r);
    let web = format!("{}/{}/_git/{}", ctx.base, enc(&p.name), enc(&r.name));
    let mut v = json!({
        "id": r.guid().to_string(),
        "name": r.name,
        "url": url,
        "project": project_ref(ctx, p),
        "size": r.size.unwrap_or(if r.branches.is_empty() { 0 } else { 1024 }),
        "remoteUrl": ctx.remote_url(&p.name, &r.name),
        "sshUrl": format!("git@ssh.dev.azure.com:v3/{}/{}/{}", enc(&ctx.org), enc(&p.name), enc(&r.name)),
        "webUrl": web,
        "isDisabled": r.is_disabled,
        "isInMaintenance": false,
    });
    if let Some(b) = &r.default_branch {
        v["defaultBranch"] = json!(b);
    }
    if r.is_fork {
        v["isFork"] = json!(true);
    }
    if links {
        v["_links"] = json!({
            "self": href(&url),
            "project": href(&format!("vstfs:///Classification/TeamProject/{}", p.guid())),
            "web": href(&web),
            "commits": href(&format!("{url}/commits")),
            "refs": href(&format!("{url}/refs")),
            "pullRequests": href(&format!("{url}/pullRequests")),
            "items": href(&format!("{url}/items")),
            "pushes": href(&format!("{url}/pushes")),
        });
    }
    v
}

pub(crate) fn repositories(state: &SimState, ctx: &Ctx) -> AdoResult<Response> {
    let estate = state.estate();
    let hidden = ctx.q_bool("includeHidden")?;
    let links = ctx.q_bool("includeLinks")?;
    let mut items = Vec::new();
    for p in visible_projects(&estate, ctx)? {
        for r in &p.repos {
            if r.hidden && !hidden {
                continue;
            }
            items.push(repo_json(ctx, p, r, links));
        }
    }
    Ok(list_response(items, None))
}

pub(crate) fn repository(state: &SimState, ctx: &Ctx, key: &str) -> AdoResult<Response> {
    let estate = state.estate();
    let (p, r) = find_repo(&estate, ctx, key)?;
    Ok(json_response(&repo_json(ctx, p, r, true)))
}

/// Clones what is needed out of the estate, so no lock is held across awaits.
fn repo_snapshot(state: &SimState, ctx: &Ctx, key: &str) -> AdoResult<(Project, Repo)> {
    let estate = state.estate();
    let (p, r) = find_repo(&estate, ctx, key)?;
    let p = Project {
        repos: Vec::new(),
        ..p.clone()
    };
    Ok((p, r.clone()))
}

pub(crate) async fn refs(state: &SimState, ctx: &Ctx, key: &str) -> AdoResult<Response> {
    let (p, r) = repo_snapshot(state, ctx, key)?;
    let dir = state.inner.git.ensure(&r).await?;
    let all = git_http::list_refs_peeled(&dir).await?;
    let peel = ctx.q("peelTags").is_some_and(|v| v.eq_ignore_ascii_case("true"));
    let filter = ctx.q("filter").unwrap_or_default().trim_start_matches('/');
    let filter = filter.strip_prefix("refs/").unwrap_or(filter);
    let contains = ctx.q("filterContains").map(str::to_ascii_lowercase);
    let creator = {
        let estate = state.estate();
        user_ref(&estate, ctx, None)
    };
    let base = repo_url(ctx, &p, &r);
    let items: Vec<Value> = all
        .into_iter()
        .filter(|(name, ..)| name.strip_prefix("refs/").is_some_and(|n| n.starts_with(filter)))
        .filter(|(name, ..)| {
            contains
                .as_ref()
                .is_none_or(|c| name.to_ascii_lowercase().contains(c))
        })
        .map(|(name, oid, peeled)| {
            let short = name.strip_prefix("refs/").unwrap_or(&name).to_string();
            let mut item = json!({
                "name": name,
                "objectId": oid,
                "creator": creator,
                "url": format!("{base}/refs?filter={}", enc(&short)),
            });
            // ADO sends peeledObjectId only when asked, and only for annotated tags.
            if let (true, Some(p)) = (peel, peeled) {
                item["peeledObjectId"] = json!(p);
            }
            item
        })
        .collect();
    let (page, token) = page_token(ctx, items, TokenKind::Opaque, None, 1000)?;
    Ok(list_response(page, token))
}

fn commit_json(ctx: &Ctx, p: &Project, r: &Repo, c: &CommitInfo) -> Value {
    let url = format!("{}/commits/{}", repo_url(ctx, p, r), c.id);
    let truncated = c.message.chars().count() > 100;
    let comment: String = if truncated {
        c.message.chars().take(100).collect()
    } else {
        c.message.clone()
    };
    json!({
        "commitId": c.id,
        "author": {"name": c.author, "email": c.author_email, "date": c.author_date},
        "committer": {"name": c.committer, "email": c.committer_email, "date": c.committer_date},
        "comment": comment,
        "commentTruncated": truncated,
        "changeCounts": {"Add": c.adds, "Edit": c.edits, "Delete": c.deletes},
        "parents": c.parents,
        "url": url,
        "remoteUrl": format!("{}/{}/_git/{}/commit/{}", ctx.base, enc(&p.name), enc(&r.name), c.id),
    })
}

pub(crate) async fn commits(state: &SimState, ctx: &Ctx, key: &str) -> AdoResult<Response> {
    let (p, r) = repo_snapshot(state, ctx, key)?;
    let skip = ctx
        .q_usize("searchCriteria.$skip")?
        .or(ctx.q_usize("$skip")?)
        .unwrap_or(0);
    let top = ctx
        .q_usize("searchCriteria.$top")?
        .or(ctx.q_usize("$top")?)
        .unwrap_or(100);
    let version = ctx.qs("itemVersion.version").map(str::to_string);
    let vtype = ctx
        .qs("itemVersion.versionType")
        .unwrap_or("branch")
        .to_ascii_lowercase();
    let dir = state.inner.git.ensure(&r).await?;
    let rev = match (&version, vtype.as_str()) {
        (None, _) => match &r.default_branch {
            Some(b) => b.clone(),
            None => return Ok(list_response(Vec::new(), None)),
        },
        (Some(v), "branch") => format!("refs/heads/{}", v.strip_prefix("refs/heads/").unwrap_or(v)),
        (Some(v), "tag") => format!("refs/tags/{}", v.strip_prefix("refs/tags/").unwrap_or(v)),
        (Some(v), "commit") if v.len() == 40 && v.chars().all(|c| c.is_ascii_hexdigit()) => v.clone(),
        (Some(_), "commit") => {
            return Err(AdoError::bad_param("searchCriteria.itemVersion.version"));
        }
        _ => return Err(AdoError::bad_param("searchCriteria.itemVersion.versionType")),
    };
    let Some(list) = git_http::log(&dir, &rev, skip, top).await? else {
        if r.branches.is_empty() && version.is_none() {
            return Ok(list_response(Vec::new(), None));
        }
        return Err(AdoError::new(
            StatusCode::NOT_FOUND,
            "GitUnresolvableToCommitException",
            format!(
                "TF401175:The version descriptor <{}: {}> could not be resolved to a version on the repository {}",
                if vtype == "commit" { "Commit" } else { "Branch" },
                version.unwrap_or_default(),
                r.name
            ),
        ));
    };
    let items = list.iter().map(|c| commit_json(ctx, &p, &r, c)).collect();
    Ok(list_response(items, None))
}

pub(crate) fn full_ref(b: &str) -> String {
    if b.starts_with("refs/") {
        b.to_string()
    } else {
        format!("refs/heads/{b}")
    }
}

pub(crate) fn pr_json(
    estate: &Estate,
    ctx: &Ctx,
    p: &Project,
    r: &Repo,
    pr: &PullRequest,
    tips: &[(String, String)],
    truncate: bool,
) -> Value {
    let repo_url = repo_url(ctx, p, r);
    let url = format!("{repo_url}/pullRequests/{}", pr.id);
    let source = full_ref(&pr.source);
    let target = full_ref(&pr.target);
    let tip = |name: &str| tips.iter().find(|(n, _)| n == name).map(|(_, o)| o.clone());
    let commit =
        |oid: Option<String>| oid.map(|o| json!({"commitId": o, "url": format!("{repo_url}/commits/{o}")}));
    let mut description = pr.description.clone();
    if truncate && description.chars().count() > 400 {
        description = description.chars().take(400).collect();
    }
    let reviewers: Vec<Value> = pr
        .reviewers
        .iter()
        .map(|rv| {
            let mut v = user_ref(estate, ctx, Some(&rv.user));
            let id = v["id"].as_str().unwrap_or_default().to_string();
            v["reviewerUrl"] = json!(format!("{url}/reviewers/{id}"));
            v["vote"] = json!(rv.vote);
            v["isRequired"] = json!(rv.is_required);
            v["hasDeclined"] = json!(false);
            v["isFlagged"] = json!(false);
            v["isContainer"] = json!(false);
            v
        })
        .collect();
    let status = pr.status.clone().unwrap_or_else(|| "active".into());
    let mut v = json!({
        "repository": {
            "id": r.guid().to_string(),
            "name": r.name,
            "url": repo_url,
            "project": project_ref(ctx, p),
            "remoteUrl": ctx.remote_url(&p.name, &r.name),
        },
        "pullRequestId": pr.id,
        "codeReviewId": pr.id,
        "status": status,
        "createdBy": user_ref(estate, ctx, pr.created_by.as_deref()),
        "creationDate": pr.creation_date.map_or_else(|| FIXED_DATE.to_string(), |d| d.to_rfc3339_opts(chrono::SecondsFormat::Millis, true)),
        "title": pr.title,
        "description": description,
        "sourceRefName": source,
        "targetRefName": target,
        "mergeStatus": pr.merge_status.as_deref().unwrap_or("succeeded"),
        "isDraft": pr.is_draft,
        "mergeId": crate::fixture::stable_id(&["merge", &r.guid().to_string(), &pr.id.to_string()]).to_string(),
        "reviewers": reviewers,
        "labels": [],
        "url": url,
        "supportsIterations": true,
    });
    let source_commit = match &pr.fork_source {
        // The fork's branch is not among the target's refs.
        Some(_) => pr.last_merge_source_commit.clone(),
        None => pr.last_merge_source_commit.clone().or_else(|| tip(&source)),
    };
    if let Some(c) = commit(source_commit.clone()) {
        v["lastMergeSourceCommit"] = c.clone();
        // Pull requests from the fixture have no merge commit yet: their source stands in.
        if pr.merge_status.is_none() {
            v["lastMergeCommit"] = c;
        }
    }
    if let Some(c) = commit(pr.last_merge_commit.clone()) {
        v["lastMergeCommit"] = c;
    }
    if let Some(f) = &pr.fork_source
        && let Some((fp, fr)) = estate.org(&ctx.org).and_then(|o| o.repo_at(f))
    {
        let fork_url = self::repo_url(ctx, fp, fr);
        let short = source.strip_prefix("refs/").unwrap_or(&source);
        let mut fork = json!({
            "name": source,
            "url": format!("{fork_url}/refs?filter={}", enc(short)),
            "repository": {
                "id": fr.guid().to_string(),
                "name": fr.name,
                "url": fork_url,
                "project": project_ref(ctx, fp),
                "remoteUrl": ctx.remote_url(&fp.name, &fr.name),
                "isFork": fr.is_fork,
            },
        });
        if let Some(c) = &source_commit {
            fork["objectId"] = json!(c);
        }
        v["forkSource"] = fork;
    }
    if let Some(c) = commit(pr.last_merge_target_commit.clone().or_else(|| tip(&target))) {
        v["lastMergeTargetCommit"] = c;
    }
    if status != "active" {
        v["closedDate"] = json!(pr.closed_date.map_or_else(
            || FIXED_DATE.to_string(),
            |d| d.to_rfc3339_opts(chrono::SecondsFormat::Millis, true)
        ));
    }
    v
}

pub(crate) async fn pull_requests(state: &SimState, ctx: &Ctx, key: Option<&str>) -> AdoResult<Response> {
    let targets: Vec<(Project, Repo)> = {
        let estate = state.estate();
        if let Some(k) = key {
            let (p, r) = find_repo(&estate, ctx, k)?;
            vec![(
                Project {
                    repos: Vec::new(),
                    ..p.clone()
                },
                r.clone(),
            )]
        } else {
            let (_, p) = project_of(&estate, ctx)?;
            p.repos
                .iter()
                .filter(|r| !r.pull_requests.is_empty())
                .map(|r| {
                    (
                        Project {
                            repos: Vec::new(),
                            ..p.clone()
                        },
                        r.clone(),
                    )
                })
                .collect()
        }
    };
    let status = ctx.qs("status").unwrap_or("active").to_ascii_lowercase();
    if !["active", "completed", "abandoned", "all", "notset"].contains(&status.as_str()) {
        return Err(AdoError::bad_param("searchCriteria.status"));
    }
    let source = ctx.qs("sourceRefName").map(full_ref);
    let target = ctx.qs("targetRefName").map(full_ref);
    let mut items = Vec::new();
    for (p, r) in &targets {
        let tips = if r.pull_requests.is_empty() {
            Vec::new()
        } else {
            let dir = state.inner.git.ensure(r).await?;
            git_http::list_refs(&dir).await?
        };
        let estate = state.estate();
        let mut prs: Vec<&PullRequest> = r.pull_requests.iter().collect();
        prs.sort_by_key(|pr| std::cmp::Reverse(pr.id));
        for pr in prs {
            let st = pr.status.as_deref().unwrap_or("active");
            if status != "all" && !st.eq_ignore_ascii_case(&status) {
                continue;
            }
            if source.as_ref().is_some_and(|s| *s != full_ref(&pr.source))
                || target.as_ref().is_some_and(|t| *t != full_ref(&pr.target))
            {
                continue;
            }
            items.push(pr_json(&estate, ctx, p, r, pr, &tips, true));
        }
    }
    let page = page_skip(ctx, items, 101)?;
    Ok(list_response(page, None))
}

pub(crate) async fn create_pull_request(state: &SimState, ctx: &Ctx, key: &str) -> AdoResult<Response> {
    let body: Value = serde_json::from_slice(&ctx.body)
        .map_err(|_| AdoError::bad_request("VS402904: The request body is not valid JSON or is missing."))?;
    let text = |k: &str| body.get(k).and_then(Value::as_str).map(str::to_string);
    let (Some(source), Some(target)) = (text("sourceRefName"), text("targetRefName")) else {
        return Err(AdoError::bad_request(
            "TF401176: The source and target branches are required to create a pull request.",
        ));
    };
    let (project_id, repo_id) = {
        let estate = state.estate();
        let (p, r) = find_repo(&estate, ctx, key)?;
        (p.guid(), r.guid())
    };
    let fork_source = match body.get("forkSource") {
        None | Some(Value::Null) => None,
        Some(f) => Some(fork_source(state, ctx, f)?),
    };
    let new = super::pullrequest::NewPr {
        source,
        target,
        title: text("title").unwrap_or_default(),
        description: text("description").unwrap_or_default(),
        is_draft: body.get("isDraft").and_then(Value::as_bool).unwrap_or(false),
        fork_source,
    };
    let (p, r, pr, tips) =
        super::pullrequest::open(state, &ctx.org, project_id, repo_id, new, &ctx.identity.user).await?;
    let estate = state.estate();
    let v = pr_json(&estate, ctx, &p, &r, &pr, &tips, false);
    let mut resp = json_response(&v).into_response();
    *resp.status_mut() = StatusCode::CREATED;
    Ok(resp)
}

/// The fork a create request's `forkSource` names: `repository.id` (or `name`), within
/// `repository.project` when given, else across the projects the caller can see.
fn fork_source(state: &SimState, ctx: &Ctx, f: &Value) -> AdoResult<RepoRef> {
    let repo = &f["repository"];
    let key = repo["id"]
        .as_str()
        .or_else(|| repo["name"].as_str())
        .ok_or_else(|| AdoError::bad_param("forkSource.repository.id"))?;
    let project = repo["project"]["id"]
        .as_str()
        .or_else(|| repo["project"]["name"].as_str());
    let estate = state.estate();
    let org = super::org_of(&estate, ctx)?;
    let found = match project {
        Some(k) => org.project(k).into_iter().collect::<Vec<_>>(),
        None => org.projects.iter().collect(),
    }
    .into_iter()
    .filter(|p| ctx.identity.can_see_project(&p.name))
    .find_map(|p| p.repo(key).map(|r| (p, r)));
    let (p, r) = found.ok_or_else(|| AdoError::repo_not_found(key))?;
    Ok(RepoRef {
        project: p.name.clone(),
        repo: r.name.clone(),
    })
}
