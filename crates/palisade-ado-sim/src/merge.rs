//! `refs/pull/{id}/merge`: ADO keeps, in the target repository of every active pull request, the
//! merge of the source into the target (parents: target tip, then source tip). It is how a client
//! gets the commits of a pull request from a fork, which no branch of the target reaches. There is
//! no such ref while the merge has conflicts (`mergeStatus: conflicts`) or once the pull request
//! is closed.
//!
//! A fork's commits are copied into the target repository without a ref of their own (ADO keeps
//! a fork network's objects together and shows no extra refs either): only the merge ref reaches
//! them, and they are copied again whenever a merge is rebuilt.

use std::path::Path;
use std::process::Stdio;

use axum::http::StatusCode;
use uuid::Uuid;

use crate::error::{AdoError, AdoResult};
use crate::fixture::{Project, PullRequest, Repo, RepoRef};
use crate::git_http::{self, git, run};
use crate::routes::git::full_ref;
use crate::routes::pullrequest::repo_mut;
use crate::server::SimState;

/// The merge ref of pull request `id`.
pub(crate) fn merge_ref(id: i64) -> String {
    format!("refs/pull/{id}/merge")
}

fn is_oid(s: &str) -> bool {
    s.len() == 40 && s.bytes().all(|b| b.is_ascii_hexdigit())
}

fn git_failed(what: &str, e: &std::io::Error) -> AdoError {
    tracing::error!(error = %e, "{what} failed");
    AdoError::server_error(StatusCode::INTERNAL_SERVER_ERROR)
}

/// Whether `commit` is in the repository at `dir`.
async fn has_commit(dir: &Path, commit: &str) -> bool {
    let mut cmd = git(dir);
    cmd.args(["cat-file", "-e", &format!("{commit}^{{commit}}")]);
    run(cmd).await.is_ok()
}

/// Copies `commit` and its history from the fork at `fork_dir` into `dir`, without a ref.
pub(crate) async fn copy_from_fork(dir: &Path, fork_dir: &Path, commit: &str) -> AdoResult<()> {
    if !is_oid(commit) {
        return Err(AdoError::server_error(StatusCode::INTERNAL_SERVER_ERROR));
    }
    if has_commit(dir, commit).await {
        return Ok(());
    }
    let mut cmd = git(dir);
    cmd.args([
        "fetch",
        "--quiet",
        "--no-tags",
        "--no-write-fetch-head",
        "--no-recurse-submodules",
        "--end-of-options",
    ])
    .arg(fork_dir)
    .arg(commit);
    run(cmd)
        .await
        .map(drop)
        .map_err(|e| git_failed("copying from a fork", &e))
}

/// The merge of `source` into `target` as a commit, or `None` when they conflict.
async fn merge_commit(dir: &Path, target: &str, source: &str, message: &str) -> AdoResult<Option<String>> {
    let mut cmd = git(dir);
    cmd.args(["merge-tree", "--write-tree", "--no-messages", target, source])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let out = cmd.output().await.map_err(|e| git_failed("merge-tree", &e))?;
    let tree = String::from_utf8_lossy(&out.stdout)
        .lines()
        .next()
        .unwrap_or_default()
        .trim()
        .to_string();
    // Exit 1 with a tree: conflicts; anything else but 0 is a failure.
    match out.status.code() {
        Some(0) if is_oid(&tree) => {}
        Some(1) if is_oid(&tree) => return Ok(None),
        _ => {
            let e = std::io::Error::other(String::from_utf8_lossy(&out.stderr).trim().to_string());
            return Err(git_failed("merge-tree", &e));
        }
    }
    let mut cmd = git(dir);
    cmd.args(["commit-tree", &tree, "-p", target, "-p", source, "-m", message])
        .env("GIT_AUTHOR_NAME", "Azure DevOps")
        .env("GIT_AUTHOR_EMAIL", "azuredevops@microsoft.com")
        .env("GIT_COMMITTER_NAME", "Azure DevOps")
        .env("GIT_COMMITTER_EMAIL", "azuredevops@microsoft.com");
    let out = run(cmd).await.map_err(|e| git_failed("commit-tree", &e))?;
    let id = String::from_utf8_lossy(&out).trim().to_string();
    if !is_oid(&id) {
        return Err(AdoError::server_error(StatusCode::INTERNAL_SERVER_ERROR));
    }
    Ok(Some(id))
}

/// Points `name` at `commit`, or deletes it (no error when it is already absent).
async fn set_ref(dir: &Path, name: &str, commit: Option<&str>) -> AdoResult<()> {
    let mut cmd = git(dir);
    match commit {
        Some(c) => cmd.args(["update-ref", name, c]),
        None => cmd.args(["update-ref", "-d", name]),
    };
    run(cmd).await.map(drop).map_err(|e| git_failed("update-ref", &e))
}

/// The fork a pull request comes from, with its bare repository.
pub(crate) async fn fork_of(
    state: &SimState,
    org: &str,
    fork: &RepoRef,
) -> AdoResult<(Project, Repo, std::path::PathBuf)> {
    let (p, r) = {
        let estate = state.estate();
        let (p, r) = estate
            .org(org)
            .and_then(|o| o.repo_at(fork))
            .ok_or_else(|| AdoError::repo_not_found(&fork.repo))?;
        (
            Project {
                repos: Vec::new(),
                ..p.clone()
            },
            r.clone(),
        )
    };
    let dir = state.inner.git.ensure(&r).await?;
    Ok((p, r, dir))
}

/// The short name git and ADO use in merge messages.
fn short(branch: &str) -> &str {
    branch.strip_prefix("refs/heads/").unwrap_or(branch)
}

/// Brings `refs/pull/{id}/merge` of a pull request in line with it: rebuilt from its last merge
/// source and target commits while it is active, deleted otherwise; records `mergeStatus` and
/// `lastMergeCommit`. The caller holds the target repository's lock.
pub(crate) async fn refresh(
    state: &SimState,
    org: &str,
    project_id: Uuid,
    repo_id: Uuid,
    dir: &Path,
    pr_id: i64,
) -> AdoResult<()> {
    let pr: PullRequest = {
        let estate = state.estate();
        let Some(pr) = estate
            .org(org)
            .and_then(|o| o.projects.iter().find(|p| p.guid() == project_id))
            .and_then(|p| p.repos.iter().find(|r| r.guid() == repo_id))
            .and_then(|r| r.pull_requests.iter().find(|x| x.id == pr_id))
        else {
            return Ok(());
        };
        pr.clone()
    };
    let name = merge_ref(pr.id);
    let active = pr.status.as_deref().unwrap_or("active") == "active";
    let merged = if active {
        let tips = git_http::list_refs(dir).await?;
        let tip = |b: &str| {
            tips.iter()
                .find(|(n, _)| *n == full_ref(b))
                .map(|(_, o)| o.clone())
        };
        let target = pr.last_merge_target_commit.clone().or_else(|| tip(&pr.target));
        let source = match &pr.fork_source {
            None => pr.last_merge_source_commit.clone().or_else(|| tip(&pr.source)),
            Some(f) => {
                let (_, _, fork_dir) = fork_of(state, org, f).await?;
                let source = match pr.last_merge_source_commit.clone() {
                    Some(s) => Some(s),
                    None => git_http::list_refs(&fork_dir)
                        .await?
                        .into_iter()
                        .find(|(n, _)| *n == full_ref(&pr.source))
                        .map(|(_, o)| o),
                };
                if let Some(s) = &source {
                    copy_from_fork(dir, &fork_dir, s).await?;
                }
                source
            }
        };
        match (target, source) {
            (Some(t), Some(s)) if is_oid(&t) && is_oid(&s) => {
                let message = format!(
                    "Merge pull request {} from {} into {}",
                    pr.id,
                    short(&pr.source),
                    short(&pr.target)
                );
                Some(merge_commit(dir, &t, &s, &message).await?)
            }
            _ => None,
        }
    } else {
        None
    };
    let commit = merged.clone().flatten();
    set_ref(dir, &name, commit.as_deref()).await?;
    let mut estate = state.estate_mut();
    if let Some(x) = repo_mut(&mut estate, org, Some(project_id), Some(repo_id))
        .and_then(|r| r.pull_requests.iter_mut().find(|x| x.id == pr_id))
    {
        x.last_merge_commit = commit;
        x.merge_status = match merged {
            Some(Some(_)) => Some("succeeded".into()),
            Some(None) => Some("conflicts".into()),
            // A branch is gone: nothing to merge.
            None if active => Some("failure".into()),
            // A closed pull request keeps the status of its last merge.
            None => x.merge_status.clone(),
        };
    }
    Ok(())
}

/// [`refresh`] for callers that do not hold the repository's lock.
pub(crate) async fn lock_and_refresh(
    state: &SimState,
    org: &str,
    project_id: Uuid,
    repo: &Repo,
    pr_id: i64,
) -> AdoResult<()> {
    let dir = state.inner.git.ensure(repo).await?;
    let lock = state.inner.git.repo_lock(repo.guid());
    let _guard = lock.lock().await;
    refresh(state, org, project_id, repo.guid(), &dir, pr_id).await
}
