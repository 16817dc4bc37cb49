//! What follows a push (through `git-receive-pack` or a `/_sim` commit): the repository's default
//! branch when it was empty, pull requests whose source moved (new iteration, system thread,
//! `lastMergeSourceCommit`), here or, for a fork, in the repositories it has pull requests into,
//! their `refs/pull/{id}/merge`, and the `git.push` and `git.pullrequest.updated` events.
//! Also the simulator's own commit, pull request and fork helpers ([`SimState::commit`],
//! [`SimState::open_pull_request`], [`SimState::create_fork`]).

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use axum::http::StatusCode;
use chrono::{DateTime, SecondsFormat, Utc};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use uuid::Uuid;

use crate::error::{AdoError, AdoResult};
use crate::fixture::{PrIteration, Project, PullRequest, Repo, RepoRef, User};
use crate::git_http::{self, CommitInfo, list_refs, quote_path};
use crate::hooks::{self, Event, Message};
use crate::merge;
use crate::routes::git::{full_ref, repo_url};
use crate::routes::pullrequest::{NewPr, publish_pr, ref_update_thread, repo_mut};
use crate::routes::{actor, href, identity_ref, project_ref};
use crate::server::{Ctx, SimState, enc, lock};

const ZERO: &str = "0000000000000000000000000000000000000000";

/// One ref a push created, moved or deleted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct RefChange {
    pub name: String,
    pub old: Option<String>,
    pub new: Option<String>,
}

/// The refs that differ between two `for-each-ref` listings.
pub(crate) fn ref_changes(before: &[(String, String)], after: &[(String, String)]) -> Vec<RefChange> {
    let find = |list: &[(String, String)], n: &str| list.iter().find(|(x, _)| x == n).map(|(_, o)| o.clone());
    let names: BTreeSet<&String> = before.iter().chain(after).map(|(n, _)| n).collect();
    names
        .into_iter()
        .filter_map(|n| {
            let (old, new) = (find(before, n), find(after, n));
            (old != new).then(|| RefChange {
                name: n.clone(),
                old,
                new,
            })
        })
        .collect()
}

/// Project (without repos) and repository holding `repo_id` in `org`.
fn locate_by_id(state: &SimState, org: &str, repo_id: Uuid) -> Option<(String, Project, Repo)> {
    let estate = state.estate();
    let o = estate.org(org)?;
    o.projects.iter().find_map(|p| {
        p.repos.iter().find(|r| r.id == Some(repo_id)).map(|r| {
            (
                o.name.clone(),
                Project {
                    repos: Vec::new(),
                    ..p.clone()
                },
                r.clone(),
            )
        })
    })
}

struct PrUpdate {
    id: i64,
    branch: String,
    old_source: Option<String>,
    source: String,
    target: Option<String>,
    common: Option<String>,
    commits: usize,
}

/// Records a push to a pull request's source branch: a new iteration (after a first one for
/// the creation when there is none), the last merge commits and a system thread.
fn apply_update(pr: &mut PullRequest, u: &PrUpdate, pusher: &User, push_id: i64, now: DateTime<Utc>) {
    let target_tip = u
        .target
        .clone()
        .or_else(|| pr.last_merge_target_commit.clone())
        .unwrap_or_default();
    if pr.iterations.is_empty()
        && let Some(old) = u
            .old_source
            .clone()
            .or_else(|| pr.last_merge_source_commit.clone())
    {
        pr.iterations.push(PrIteration {
            id: 1,
            source_commit: old,
            target_commit: target_tip.clone(),
            common_commit: None,
            reason: "create".into(),
            author: pr.created_by.clone(),
            push_id: None,
            created: pr.creation_date.unwrap_or_default(),
        });
    }
    pr.iterations.push(PrIteration {
        id: pr.iterations.len() as i64 + 1,
        source_commit: u.source.clone(),
        target_commit: target_tip.clone(),
        common_commit: u.common.clone(),
        reason: "push".into(),
        author: Some(pusher.name.clone()),
        push_id: Some(push_id),
        created: now,
    });
    pr.last_merge_source_commit = Some(u.source.clone());
    pr.last_merge_target_commit = Some(target_tip);
    let thread = ref_update_thread(pr, &u.branch, &u.source, u.commits, pusher);
    pr.threads.push(thread);
}

/// A pull request from a fork whose source branch a push to the fork moved.
struct ForkMove {
    project_id: Uuid,
    /// The target repository.
    repo: Repo,
    pr_id: i64,
    target: String,
    change: RefChange,
    commits: usize,
}

/// What a push did.
pub(crate) struct Pushed {
    pub push_id: i64,
    /// Updates of pull requests from this repository (a fork) into others, running on their own:
    /// they take the targets' locks, which must never wait while the fork's is held.
    pub forks: Option<tokio::task::JoinHandle<()>>,
}

/// Pull requests of other repositories whose source is a branch of `fork` this push moved.
fn fork_moves(
    state: &SimState,
    org: &str,
    fork: &Repo,
    changes: &[RefChange],
    per_ref: &BTreeMap<String, usize>,
) -> Vec<ForkMove> {
    let estate = state.estate();
    let Some(o) = estate.org(org) else {
        return Vec::new();
    };
    let mut out = Vec::new();
    for p in &o.projects {
        for r in p.repos.iter().filter(|r| r.guid() != fork.guid()) {
            for pr in &r.pull_requests {
                let from_fork = pr
                    .fork_source
                    .as_ref()
                    .and_then(|f| o.repo_at(f))
                    .is_some_and(|(_, fr)| fr.guid() == fork.guid());
                if !from_fork || pr.status.as_deref().unwrap_or("active") != "active" {
                    continue;
                }
                let source = full_ref(&pr.source);
                if let Some(c) = changes.iter().find(|c| c.name == source && c.new.is_some()) {
                    out.push(ForkMove {
                        project_id: p.guid(),
                        repo: Repo {
                            pull_requests: Vec::new(),
                            ..r.clone()
                        },
                        pr_id: pr.id,
                        target: full_ref(&pr.target),
                        change: c.clone(),
                        commits: per_ref.get(&source).copied().unwrap_or(0),
                    });
                }
            }
        }
    }
    out
}

/// Brings pull requests from a fork up to date with a push to it: the fork's commits copied into
/// the target, a new iteration, the merge ref rebuilt, `git.pullrequest.updated`.
async fn update_fork_prs(
    state: SimState,
    org: String,
    fork_dir: PathBuf,
    pusher: User,
    push_id: i64,
    moves: Vec<ForkMove>,
) {
    let who = pusher.display_name.clone().unwrap_or_else(|| pusher.name.clone());
    for m in moves {
        let Some(new) = m.change.new.clone() else {
            continue;
        };
        let done = async {
            let dir = state.inner.git.ensure(&m.repo).await?;
            let repo_lock = state.inner.git.repo_lock(m.repo.guid());
            let _guard = repo_lock.lock().await;
            merge::copy_from_fork(&dir, &fork_dir, &new).await?;
            let target = list_refs(&dir)
                .await?
                .into_iter()
                .find(|(n, _)| *n == m.target)
                .map(|(_, o)| o);
            let common = match &target {
                Some(t) => git_http::merge_base(&dir, &new, t).await,
                None => None,
            };
            let u = PrUpdate {
                id: m.pr_id,
                branch: m.change.name.clone(),
                old_source: m.change.old.clone(),
                source: new.clone(),
                target,
                common,
                commits: m.commits,
            };
            {
                let mut estate = state.estate_mut();
                if let Some(pr) = repo_mut(&mut estate, &org, Some(m.project_id), Some(m.repo.guid()))
                    .and_then(|r| r.pull_requests.iter_mut().find(|x| x.id == m.pr_id))
                {
                    apply_update(pr, &u, &pusher, push_id, Utc::now());
                }
            }
            merge::refresh(&state, &org, m.project_id, m.repo.guid(), &dir, m.pr_id).await
        }
        .await;
        if let Err(e) = done {
            tracing::warn!(pr = m.pr_id, error = ?e, "cannot update a pull request from a fork");
            continue;
        }
        let Some((org_name, p, r)) = locate_by_id(&state, &org, m.repo.guid()) else {
            continue;
        };
        if let Some(pr) = r.pull_requests.iter().find(|x| x.id == m.pr_id) {
            let text = format!(
                "{who} updated the source branch of pull request {} ({})",
                pr.id, pr.title
            );
            publish_pr(
                &state,
                &org_name,
                &p,
                &r,
                pr,
                hooks::PR_UPDATED,
                Some("PushNotification"),
                &text,
            );
        }
    }
}

/// Updates the estate after a push and raises its events.
pub(crate) async fn after_push(
    state: &SimState,
    org: &str,
    repo_id: Uuid,
    dir: &Path,
    pusher: &User,
    before: &[(String, String)],
    changes: Vec<RefChange>,
) -> Pushed {
    state.bump(|s| s.pushes += 1);
    let push_id = {
        let mut ids = lock(&state.inner.push_ids);
        let n = ids.entry(repo_id).or_insert(0);
        *n += 1;
        *n
    };
    let Some((org_name, p, r)) = locate_by_id(state, org, repo_id) else {
        return Pushed { push_id, forks: None };
    };
    let before_tips: Vec<String> = before.iter().map(|(_, o)| o.clone()).collect();
    let mut commits: Vec<CommitInfo> = Vec::new();
    let mut per_ref: BTreeMap<String, usize> = BTreeMap::new();
    for c in &changes {
        if let Some(new) = &c.new {
            let exclude = c.old.clone().map_or_else(|| before_tips.clone(), |o| vec![o]);
            let list = git_http::log_range(dir, new, &exclude, 100).await;
            per_ref.insert(c.name.clone(), list.len());
            for ci in list {
                if !commits.iter().any(|x| x.id == ci.id) {
                    commits.push(ci);
                }
            }
        }
    }
    let first_branch = if r.default_branch.is_none() {
        let created: Vec<&str> = changes
            .iter()
            .filter(|c| c.new.is_some() && c.name.starts_with("refs/heads/"))
            .map(|c| c.name.as_str())
            .collect();
        ["refs/heads/main", "refs/heads/master"]
            .into_iter()
            .find(|b| created.contains(b))
            .or(created.first().copied())
            .map(str::to_string)
    } else {
        None
    };
    if let Some(b) = &first_branch {
        git_http::set_head(dir, b).await;
    }
    let after = list_refs(dir).await.unwrap_or_default();
    let tip = |b: &str| {
        after
            .iter()
            .find(|(n, _)| *n == full_ref(b))
            .map(|(_, o)| o.clone())
    };
    let mut updates = Vec::new();
    for pr in r
        .pull_requests
        .iter()
        .filter(|pr| pr.status.as_deref().unwrap_or("active") == "active" && pr.fork_source.is_none())
    {
        let source = full_ref(&pr.source);
        let Some(change) = changes.iter().find(|c| c.name == source) else {
            continue;
        };
        let Some(new) = change.new.clone() else {
            continue;
        };
        let target = tip(&pr.target);
        let common = match &target {
            Some(t) => git_http::merge_base(dir, &new, t).await,
            None => None,
        };
        updates.push(PrUpdate {
            id: pr.id,
            branch: source.clone(),
            old_source: change.old.clone(),
            source: new,
            target,
            common,
            commits: per_ref.get(&source).copied().unwrap_or(0),
        });
    }
    let now = Utc::now();
    {
        let mut estate = state.estate_mut();
        if let Some(repo) = repo_mut(&mut estate, &org_name, p.id, r.id) {
            if let Some(b) = &first_branch {
                repo.default_branch = Some(b.clone());
            }
            for pr in &mut repo.pull_requests {
                if pr.status.as_deref().unwrap_or("active") != "active" {
                    continue;
                }
                let target = full_ref(&pr.target);
                if let Some(new) = changes
                    .iter()
                    .find(|c| c.name == target)
                    .and_then(|c| c.new.clone())
                {
                    pr.last_merge_target_commit = Some(new);
                }
                if let Some(u) = updates.iter().find(|u| u.id == pr.id) {
                    apply_update(pr, u, pusher, push_id, now);
                }
            }
        }
    }
    // Merge refs of the pull requests whose branches moved (the caller holds the lock).
    let moved: Vec<i64> = r
        .pull_requests
        .iter()
        .filter(|pr| pr.status.as_deref().unwrap_or("active") == "active")
        .filter(|pr| {
            updates.iter().any(|u| u.id == pr.id)
                || changes
                    .iter()
                    .any(|c| c.new.is_some() && c.name == full_ref(&pr.target))
        })
        .map(|pr| pr.id)
        .collect();
    for id in moved {
        if let Err(e) = merge::refresh(state, &org_name, p.guid(), r.guid(), dir, id).await {
            tracing::warn!(pr = id, error = ?e, "cannot refresh a merge ref");
        }
    }
    let Some((org_name, p, r)) = locate_by_id(state, org, repo_id) else {
        return Pushed { push_id, forks: None };
    };
    let who = pusher.display_name.clone().unwrap_or_else(|| pusher.name.clone());
    let from_fork = fork_moves(state, &org_name, &r, &changes, &per_ref);
    publish_push(state, &org_name, &p, &r, pusher, push_id, &changes, commits, &who);
    for u in &updates {
        if let Some(pr) = r.pull_requests.iter().find(|x| x.id == u.id) {
            let text = format!(
                "{who} updated the source branch of pull request {} ({})",
                pr.id, pr.title
            );
            publish_pr(
                state,
                &org_name,
                &p,
                &r,
                pr,
                hooks::PR_UPDATED,
                Some("PushNotification"),
                &text,
            );
        }
    }
    let forks = (!from_fork.is_empty()).then(|| {
        tokio::spawn(update_fork_prs(
            state.clone(),
            org_name.clone(),
            dir.to_path_buf(),
            pusher.clone(),
            push_id,
            from_fork,
        ))
    });
    Pushed { push_id, forks }
}

#[expect(clippy::too_many_arguments, reason = "an event names its whole subject")]
fn publish_push(
    state: &SimState,
    org: &str,
    p: &Project,
    r: &Repo,
    pusher: &User,
    push_id: i64,
    changes: &[RefChange],
    commits: Vec<CommitInfo>,
    who: &str,
) {
    let short = |n: &str| {
        n.strip_prefix("refs/heads/")
            .or_else(|| n.strip_prefix("refs/"))
            .unwrap_or(n)
            .to_string()
    };
    let branch = changes.first().map(|c| short(&c.name)).unwrap_or_default();
    let text = format!(
        "{who} pushed updates to branch {branch} of repository {}.",
        r.name
    );
    let mut detailed = format!(
        "{who} pushed {} commit{} to branch {branch} of repository {}.",
        commits.len(),
        if commits.len() == 1 { "" } else { "s" },
        r.name
    );
    for c in commits.iter().take(10) {
        let subject = c.message.lines().next().unwrap_or_default();
        let _ = write!(detailed, "\n - {subject} {}", &c.id[..8.min(c.id.len())]);
    }
    let now = Utc::now();
    let (p2, r2, pusher2) = (p.clone(), r.clone(), pusher.clone());
    let updates: Vec<RefChange> = changes.to_vec();
    let event = Event {
        event_type: hooks::PUSH,
        org: org.to_string(),
        project_id: p.guid(),
        repo_id: r.guid(),
        branches: changes.iter().map(|c| c.name.clone()).collect(),
        notification_type: None,
        message: Message::plain(text),
        detailed: Message::plain(detailed),
        resource: Box::new(move |ctx: &Ctx| {
            let url = repo_url(ctx, &p2, &r2);
            let web = format!("{}/{}/_git/{}", ctx.base, enc(&p2.name), enc(&r2.name));
            let commits: Vec<Value> = commits
                .iter()
                .map(|c| {
                    json!({
                        "commitId": c.id,
                        "author": {"name": c.author, "email": c.author_email, "date": c.author_date},
                        "committer": {"name": c.committer, "email": c.committer_email, "date": c.committer_date},
                        "comment": c.message,
                        "url": format!("{web}/commit/{}", c.id),
                    })
                })
                .collect();
            let ref_updates: Vec<Value> = updates
                .iter()
                .map(|c| {
                    json!({
                        "name": c.name,
                        "oldObjectId": c.old.as_deref().unwrap_or(ZERO),
                        "newObjectId": c.new.as_deref().unwrap_or(ZERO),
                    })
                })
                .collect();
            let mut repository = json!({
                "id": r2.guid().to_string(),
                "name": r2.name,
                "url": url,
                "project": project_ref(ctx, &p2),
                "remoteUrl": ctx.remote_url(&p2.name, &r2.name),
            });
            if let Some(b) = &r2.default_branch {
                repository["defaultBranch"] = json!(b);
            }
            let push_url = format!("{url}/pushes/{push_id}");
            json!({
                "commits": commits,
                "refUpdates": ref_updates,
                "repository": repository,
                "pushedBy": identity_ref(ctx, &pusher2),
                "pushId": push_id,
                "date": now.to_rfc3339_opts(SecondsFormat::Micros, true),
                "url": push_url,
                "_links": {
                    "self": href(&push_url),
                    "repository": href(&url),
                    "commits": href(&format!("{push_url}/commits")),
                },
            })
        }),
    };
    hooks::publish(state, &event);
}

/// A commit made by the simulator itself (`POST /_sim/orgs/{org}/projects/{project}/repos/{repo}/commits`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct SimCommit {
    /// Branch to commit to (`feature/x` or `refs/heads/feature/x`); created when missing.
    pub branch: String,
    /// Where a new branch starts (its tip); absent = an orphan (the first commit of an empty repo).
    pub from_branch: Option<String>,
    pub message: String,
    /// Files to add or replace: path -> content.
    pub files: BTreeMap<String, String>,
    /// Paths to delete.
    pub delete: Vec<String>,
    /// Author name and email (default: the pusher).
    pub author: Option<String>,
    pub email: Option<String>,
    /// Fixture user name of the pusher (default: the build service).
    pub pusher: Option<String>,
    /// Commit date (default: now); fixed dates give stable commit ids.
    pub date: Option<DateTime<Utc>>,
}

/// What a [`SimCommit`] did.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SimPush {
    /// `refs/heads/...`.
    pub ref_name: String,
    pub commit_id: String,
    /// Previous tip; `None` when the branch was created.
    pub old_commit_id: Option<String>,
    pub push_id: i64,
}

/// A pull request opened through the simulator (`POST /_sim/.../pullrequests`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct SimPullRequest {
    pub source: String,
    pub target: String,
    pub title: String,
    pub description: String,
    /// Fixture user name of the creator (default: the build service).
    pub created_by: Option<String>,
    pub is_draft: bool,
    /// For a pull request from a fork: the fork (in the same organization) holding `source`.
    pub fork_source: Option<RepoRef>,
}

/// What [`SimState::open_pull_request`] opened.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SimPullRequestOpened {
    pub pull_request_id: i64,
    pub source_commit: String,
    pub target_commit: String,
    /// What `refs/pull/{id}/merge` points at; `None` when the branches conflict.
    pub merge_commit: Option<String>,
}

/// A fork of a repository (`POST /_sim/orgs/{org}/projects/{project}/repos/{repo}/forks`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct SimFork {
    /// Project of the fork (default: the parent's).
    pub project: Option<String>,
    /// Name of the fork (default: `{parent}-fork`).
    pub name: Option<String>,
}

/// What [`SimState::create_fork`] made.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SimForkCreated {
    pub id: Uuid,
    pub project: String,
    pub name: String,
}

fn valid_branch(b: &str) -> bool {
    let name = b.strip_prefix("refs/heads/").unwrap_or(b);
    !name.is_empty()
        && name.len() <= 250
        && !name.starts_with(['-', '/', '.'])
        && !name.ends_with(['/', '.'])
        && !name.to_ascii_lowercase().ends_with(".lock")
        && !name.contains("..")
        && !name.contains("//")
        && !name.contains("@{")
        && !name
            .chars()
            .any(|c| c.is_control() || c.is_whitespace() || "~^:?*[\\".contains(c))
}

fn valid_path(p: &str) -> bool {
    !p.is_empty()
        && p.len() <= 4096
        && !p.starts_with('/')
        && !p.ends_with('/')
        && !p.chars().any(char::is_control)
        && p.split('/')
            .all(|seg| !seg.is_empty() && seg != "." && seg != ".." && seg != ".git")
}

/// `(org name, project id, repository)` by names (project and repository also by GUID).
fn locate(state: &SimState, org: &str, project: &str, repo: &str) -> AdoResult<(String, Uuid, Repo)> {
    let estate = state.estate();
    let o = estate
        .org(org)
        .ok_or_else(|| AdoError::not_found(format!("Organization {org} not found.")))?;
    let p = o
        .project(project)
        .ok_or_else(|| AdoError::project_not_found(project))?;
    let r = p.repo(repo).ok_or_else(|| AdoError::repo_not_found(repo))?;
    Ok((o.name.clone(), p.guid(), r.clone()))
}

impl SimState {
    /// Commits `c` to a branch of a repository (a real commit in the bare repo, through
    /// `git fast-import`), then treats it as a push: `git.push` and, for pull requests from that
    /// branch, a new iteration and `git.pullrequest.updated`.
    pub async fn commit(
        &self,
        org: &str,
        project: &str,
        repo: &str,
        c: &SimCommit,
    ) -> Result<SimPush, AdoError> {
        if !valid_branch(&c.branch) || c.from_branch.as_deref().is_some_and(|b| !valid_branch(b)) {
            return Err(AdoError::bad_param("branch"));
        }
        if let Some(bad) = c.files.keys().chain(&c.delete).find(|p| !valid_path(p)) {
            return Err(AdoError::bad_request(format!("Invalid path {bad:?}.")));
        }
        let (org_name, _, r) = locate(self, org, project, repo)?;
        if r.is_disabled {
            return Err(AdoError::new(
                StatusCode::FORBIDDEN,
                "GitRepositoryDisabledException",
                "TF401021: The repository is disabled.",
            ));
        }
        let pusher = actor(&self.estate(), &org_name, c.pusher.as_deref());
        let dir = self.inner.git.ensure(&r).await?;
        let repo_lock = self.inner.git.repo_lock(r.guid());
        let guard = repo_lock.lock().await;
        let before = list_refs(&dir).await?;
        let tip = |b: &str| {
            before
                .iter()
                .find(|(n, _)| *n == full_ref(b))
                .map(|(_, o)| o.clone())
        };
        let ref_name = full_ref(&c.branch);
        let parent = match (tip(&ref_name), &c.from_branch) {
            (Some(t), _) => Some(t),
            (None, Some(from)) => Some(tip(from).ok_or_else(|| {
                AdoError::new(
                    StatusCode::NOT_FOUND,
                    "GitUnresolvableToCommitException",
                    format!(
                        "TF401175: The branch {from} could not be resolved in repository {}.",
                        r.name
                    ),
                )
            })?),
            (None, None) => None,
        };
        let when = c.date.unwrap_or_else(Utc::now).timestamp();
        let clean = |s: &str| s.replace(['<', '>', '\n'], "");
        let name = clean(
            c.author
                .as_deref()
                .unwrap_or(pusher.display_name.as_deref().unwrap_or(&pusher.name)),
        );
        let email = clean(c.email.as_deref().unwrap_or(&pusher.email));
        let message = if c.message.is_empty() {
            "Update"
        } else {
            &c.message
        };
        let mut stream = Vec::new();
        let mut head = String::new();
        let _ = writeln!(head, "commit {ref_name}");
        let _ = writeln!(head, "author {name} <{email}> {when} +0000");
        let _ = writeln!(head, "committer {name} <{email}> {when} +0000");
        let _ = writeln!(head, "data {}", message.len());
        stream.extend_from_slice(head.as_bytes());
        stream.extend_from_slice(message.as_bytes());
        stream.push(b'\n');
        if let Some(p) = &parent {
            stream.extend_from_slice(format!("from {p}\n").as_bytes());
        }
        for path in &c.delete {
            stream.extend_from_slice(format!("D {}\n", quote_path(path)).as_bytes());
        }
        for (path, content) in &c.files {
            stream.extend_from_slice(
                format!("M 100644 inline {}\ndata {}\n", quote_path(path), content.len()).as_bytes(),
            );
            stream.extend_from_slice(content.as_bytes());
            stream.push(b'\n');
        }
        stream.extend_from_slice(b"\ndone\n");
        git_http::fast_import(&dir, &stream).await.map_err(|e| {
            tracing::error!(error = %e, "sim commit failed");
            AdoError::server_error(StatusCode::INTERNAL_SERVER_ERROR)
        })?;
        let after = list_refs(&dir).await?;
        let commit_id = after
            .iter()
            .find(|(n, _)| *n == ref_name)
            .map(|(_, o)| o.clone())
            .ok_or_else(|| AdoError::server_error(StatusCode::INTERNAL_SERVER_ERROR))?;
        let changes = ref_changes(&before, &after);
        let done = after_push(self, &org_name, r.guid(), &dir, &pusher, &before, changes).await;
        drop(guard);
        if let Some(forks) = done.forks {
            let _ = forks.await;
        }
        let push_id = done.push_id;
        Ok(SimPush {
            ref_name,
            commit_id,
            old_commit_id: parent.filter(|_| tip(&c.branch).is_some()),
            push_id,
        })
    }

    /// Opens a pull request as `created_by` and fires `git.pullrequest.created`.
    pub async fn open_pull_request(
        &self,
        org: &str,
        project: &str,
        repo: &str,
        pr: &SimPullRequest,
    ) -> Result<SimPullRequestOpened, AdoError> {
        let (org_name, project_id, r) = locate(self, org, project, repo)?;
        let who = actor(&self.estate(), &org_name, pr.created_by.as_deref());
        let new = NewPr {
            source: pr.source.clone(),
            target: pr.target.clone(),
            title: pr.title.clone(),
            description: pr.description.clone(),
            is_draft: pr.is_draft,
            fork_source: pr.fork_source.clone(),
        };
        let (_, _, opened, _) =
            crate::routes::pullrequest::open(self, &org_name, project_id, r.guid(), new, &who).await?;
        Ok(SimPullRequestOpened {
            pull_request_id: opened.id,
            source_commit: opened.last_merge_source_commit.unwrap_or_default(),
            target_commit: opened.last_merge_target_commit.unwrap_or_default(),
            merge_commit: opened.last_merge_commit,
        })
    }

    /// Forks a repository: a new repository (`isFork: true`) in the same organization whose
    /// git contents are a copy of the parent's branches and tags.
    pub async fn create_fork(
        &self,
        org: &str,
        project: &str,
        repo: &str,
        fork: &SimFork,
    ) -> Result<SimForkCreated, AdoError> {
        let (org_name, _, parent) = locate(self, org, project, repo)?;
        let parent_project = {
            let estate = self.estate();
            estate
                .org(&org_name)
                .and_then(|o| {
                    o.projects
                        .iter()
                        .find(|p| p.repos.iter().any(|r| r.guid() == parent.guid()))
                })
                .map(|p| p.name.clone())
                .unwrap_or_default()
        };
        let name = fork
            .name
            .clone()
            .unwrap_or_else(|| format!("{}-fork", parent.name));
        if name.trim().is_empty()
            || name.len() > 256
            || name
                .chars()
                .any(|c| c.is_control() || "/\\?:*\"<>|#%".contains(c))
        {
            return Err(AdoError::bad_param("name"));
        }
        let target_project = fork.project.clone().unwrap_or(parent_project.clone());
        let parent_dir = self.inner.git.ensure(&parent).await?;
        let (project_id, new_repo) = {
            let estate = self.estate();
            let p = estate
                .org(&org_name)
                .and_then(|o| o.project(&target_project))
                .ok_or_else(|| AdoError::project_not_found(&target_project))?;
            if p.repo(&name).is_some() {
                return Err(AdoError::new(
                    StatusCode::CONFLICT,
                    "GitRepositoryNameAlreadyExistsException",
                    format!("TF400948: A Git repository with the name {name} already exists."),
                ));
            }
            let repo = Repo {
                id: Some(crate::fixture::stable_id(&["repo", &org_name, &p.name, &name])),
                name: name.clone(),
                default_branch: parent.default_branch.clone(),
                is_fork: true,
                fork_of: Some(RepoRef {
                    project: parent_project,
                    repo: parent.name.clone(),
                }),
                size: parent.size,
                ..Repo::default()
            };
            (p.guid(), repo)
        };
        // An empty bare repository (no branches in the fixture), then the parent's refs.
        let dir = self.inner.git.ensure(&new_repo).await?;
        let mut copy = git_http::git(&dir);
        copy.args([
            "fetch",
            "--quiet",
            "--no-tags",
            "--no-write-fetch-head",
            "--end-of-options",
        ])
        .arg(&parent_dir)
        .args(["+refs/heads/*:refs/heads/*", "+refs/tags/*:refs/tags/*"]);
        git_http::run(copy).await.map_err(|e| {
            tracing::error!(error = %e, "cannot copy a fork");
            AdoError::server_error(StatusCode::INTERNAL_SERVER_ERROR)
        })?;
        let created = SimForkCreated {
            id: new_repo.guid(),
            project: target_project,
            name: name.clone(),
        };
        let mut estate = self.estate_mut();
        let p = estate
            .orgs
            .iter_mut()
            .find(|o| o.name.eq_ignore_ascii_case(&org_name))
            .and_then(|o| o.projects.iter_mut().find(|p| p.guid() == project_id))
            .ok_or_else(|| AdoError::project_not_found(&created.project))?;
        if p.repo(&name).is_some() {
            return Err(AdoError::new(
                StatusCode::CONFLICT,
                "GitRepositoryNameAlreadyExistsException",
                format!("TF400948: A Git repository with the name {name} already exists."),
            ));
        }
        p.repos.push(new_repo);
        Ok(created)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn changes_between_listings() {
        let a = |n: &str, o: &str| (n.to_string(), o.to_string());
        let before = vec![a("refs/heads/main", "1"), a("refs/heads/old", "2")];
        let after = vec![a("refs/heads/main", "3"), a("refs/heads/new", "4")];
        let c = ref_changes(&before, &after);
        assert_eq!(c.len(), 3);
        assert_eq!(c[0].name, "refs/heads/main");
        assert_eq!(
            (c[1].name.as_str(), c[1].old.as_deref(), c[1].new.as_deref()),
            ("refs/heads/new", None, Some("4"))
        );
        assert_eq!(c[2].new, None);
    }

    #[test]
    fn branch_and_path_checks() {
        for ok in ["main", "feature/x-1", "refs/heads/release/1.0"] {
            assert!(valid_branch(ok), "{ok}");
        }
        for bad in ["", "-x", "a..b", "a b", "x.lock", "a:b", "/x"] {
            assert!(!valid_branch(bad), "{bad}");
        }
        assert!(valid_path("src/a.rs"));
        for bad in ["/abs", "a/../b", ".git/config", "a\nb", ""] {
            assert!(!valid_path(bad), "{bad:?}");
        }
    }
}
