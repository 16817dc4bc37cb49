use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::{IdentityRef, ProjectRef};

/// `git/repositories`.
#[derive(Clone, Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct GitRepository {
    pub id: String,
    pub name: String,
    #[serde(default)]
    pub url: Option<String>,
    #[serde(default)]
    pub project: Option<ProjectRef>,
    /// Absent for an empty repository.
    #[serde(default)]
    pub default_branch: Option<String>,
    #[serde(default)]
    pub size: Option<u64>,
    #[serde(default)]
    pub remote_url: Option<String>,
    #[serde(default)]
    pub ssh_url: Option<String>,
    #[serde(default)]
    pub web_url: Option<String>,
    #[serde(default)]
    pub is_disabled: Option<bool>,
    #[serde(default)]
    pub is_in_maintenance: Option<bool>,
    #[serde(default)]
    pub is_fork: Option<bool>,
}

/// `git/repositories/{r}/refs`.
#[derive(Clone, Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct GitRef {
    /// `refs/heads/main`.
    pub name: String,
    #[serde(default)]
    pub object_id: Option<String>,
    /// The commit an annotated tag points at (asked for with `peelTags=true`).
    #[serde(default)]
    pub peeled_object_id: Option<String>,
    #[serde(default)]
    pub is_locked: Option<bool>,
    #[serde(default)]
    pub creator: Option<IdentityRef>,
}

#[derive(Clone, Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct GitUserDate {
    #[serde(default)]
    pub name: Option<String>,
    #[serde(default)]
    pub email: Option<String>,
    #[serde(default)]
    pub date: Option<String>,
}

/// `git/repositories/{r}/commits`.
#[derive(Clone, Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct GitCommitRef {
    pub commit_id: String,
    #[serde(default)]
    pub comment: Option<String>,
    #[serde(default)]
    pub author: Option<GitUserDate>,
    #[serde(default)]
    pub committer: Option<GitUserDate>,
    #[serde(default)]
    pub url: Option<String>,
}

/// `searchCriteria.status` of a pull request listing.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PullRequestStatus {
    Active,
    Completed,
    Abandoned,
    All,
}

impl PullRequestStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Active => "active",
            Self::Completed => "completed",
            Self::Abandoned => "abandoned",
            Self::All => "all",
        }
    }
}

/// `git/repositories/{r}/pullrequests`.
#[derive(Clone, Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct GitPullRequest {
    pub pull_request_id: i64,
    #[serde(default)]
    pub status: Option<String>,
    #[serde(default)]
    pub title: Option<String>,
    #[serde(default)]
    pub description: Option<String>,
    #[serde(default)]
    pub source_ref_name: Option<String>,
    #[serde(default)]
    pub target_ref_name: Option<String>,
    #[serde(default)]
    pub created_by: Option<IdentityRef>,
    #[serde(default)]
    pub creation_date: Option<String>,
    #[serde(default)]
    pub merge_status: Option<String>,
    #[serde(default)]
    pub is_draft: Option<bool>,
    #[serde(default)]
    pub url: Option<String>,
    #[serde(default)]
    pub closed_date: Option<String>,
    #[serde(default)]
    pub repository: Option<GitRepository>,
    /// Source branch tip at the last merge attempt: what a pull-request scan checks out.
    #[serde(default)]
    pub last_merge_source_commit: Option<GitCommitRef>,
    /// Target branch tip at the last merge attempt.
    #[serde(default)]
    pub last_merge_target_commit: Option<GitCommitRef>,
    #[serde(default)]
    pub last_merge_commit: Option<GitCommitRef>,
}

impl GitPullRequest {
    /// `lastMergeSourceCommit`: the source tip a pull-request scan checks out.
    pub fn source_commit(&self) -> Option<&str> {
        self.last_merge_source_commit
            .as_ref()
            .map(|c| c.commit_id.as_str())
    }

    /// `lastMergeTargetCommit`: the target tip to diff against.
    pub fn target_commit(&self) -> Option<&str> {
        self.last_merge_target_commit
            .as_ref()
            .map(|c| c.commit_id.as_str())
    }
}

/// A pull request's state, as `update_pull_request` sets it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PullRequestState {
    Active,
    Abandoned,
    Completed,
}

impl PullRequestState {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Active => "active",
            Self::Abandoned => "abandoned",
            Self::Completed => "completed",
        }
    }
}

/// The fields `update_pull_request` changes (`None` = unchanged).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct PullRequestUpdate {
    pub title: Option<String>,
    pub description: Option<String>,
    pub status: Option<PullRequestState>,
}

/// A push in a pull request iteration (`GitPushRef`).
#[derive(Clone, Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct GitPushRef {
    #[serde(default)]
    pub push_id: Option<i64>,
    #[serde(default)]
    pub date: Option<String>,
    #[serde(default)]
    pub pushed_by: Option<IdentityRef>,
    #[serde(default)]
    pub url: Option<String>,
}

/// `pullRequests/{id}/iterations`: the source and target commits after each push.
#[derive(Clone, Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct GitPullRequestIteration {
    pub id: i64,
    #[serde(default)]
    pub description: Option<String>,
    #[serde(default)]
    pub author: Option<IdentityRef>,
    #[serde(default)]
    pub created_date: Option<String>,
    #[serde(default)]
    pub updated_date: Option<String>,
    #[serde(default)]
    pub source_ref_commit: Option<GitCommitRef>,
    #[serde(default)]
    pub target_ref_commit: Option<GitCommitRef>,
    /// Merge base of source and target: diff it against `source_ref_commit`.
    #[serde(default)]
    pub common_ref_commit: Option<GitCommitRef>,
    /// `create`, `push`, `forcePush`, `rebase`, ...
    #[serde(default)]
    pub reason: Option<String>,
    #[serde(default)]
    pub push: Option<GitPushRef>,
}

/// Status of a comment thread.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum CommentThreadStatus {
    Active,
    Fixed,
    WontFix,
    Closed,
    ByDesign,
    Pending,
    #[serde(other)]
    Unknown,
}

impl CommentThreadStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Active => "active",
            Self::Fixed => "fixed",
            Self::WontFix => "wontFix",
            Self::Closed => "closed",
            Self::ByDesign => "byDesign",
            Self::Pending => "pending",
            Self::Unknown => "unknown",
        }
    }
}

/// Type of a comment.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum CommentType {
    Text,
    CodeChange,
    System,
    #[serde(other)]
    Unknown,
}

/// A position in a file: 1-based line, offset in the line.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize, Serialize)]
pub struct CommentPosition {
    pub line: i64,
    pub offset: i64,
}

/// Where a thread is anchored: a file and, on its right (changed) or left (base) side, a range.
#[derive(Clone, Debug, Default, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct CommentThreadContext {
    /// `/src/app.rs` (leading slash).
    #[serde(default)]
    pub file_path: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub right_file_start: Option<CommentPosition>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub right_file_end: Option<CommentPosition>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub left_file_start: Option<CommentPosition>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub left_file_end: Option<CommentPosition>,
}

/// A comment in a thread.
#[derive(Clone, Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Comment {
    pub id: i64,
    #[serde(default)]
    pub parent_comment_id: i64,
    #[serde(default)]
    pub author: Option<IdentityRef>,
    /// Absent for a deleted comment.
    #[serde(default)]
    pub content: Option<String>,
    #[serde(default)]
    pub comment_type: Option<CommentType>,
    #[serde(default)]
    pub published_date: Option<String>,
    #[serde(default)]
    pub last_updated_date: Option<String>,
    #[serde(default)]
    pub is_deleted: bool,
}

/// `pullRequests/{id}/threads`: a comment thread (users' and system ones alike).
#[derive(Clone, Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct GitPullRequestCommentThread {
    pub id: i64,
    /// Absent for system threads.
    #[serde(default)]
    pub status: Option<CommentThreadStatus>,
    #[serde(default)]
    pub thread_context: Option<CommentThreadContext>,
    /// ADO's typed properties: `{"name": {"$type": "System.String", "$value": "x"}}`.
    #[serde(default)]
    pub properties: Option<BTreeMap<String, serde_json::Value>>,
    #[serde(default)]
    pub comments: Vec<Comment>,
    #[serde(default)]
    pub published_date: Option<String>,
    #[serde(default)]
    pub last_updated_date: Option<String>,
    #[serde(default)]
    pub is_deleted: bool,
}

impl GitPullRequestCommentThread {
    /// A property's value as text (`$value` of the typed form, or a plain value).
    pub fn property(&self, name: &str) -> Option<String> {
        let v = self.properties.as_ref()?.get(name)?;
        let v = v.get("$value").unwrap_or(v);
        match v {
            serde_json::Value::String(s) => Some(s.clone()),
            serde_json::Value::Null => None,
            other => Some(other.to_string()),
        }
    }

    /// The id of the thread's first comment (the one to edit to update the thread's text).
    pub fn first_comment_id(&self) -> Option<i64> {
        self.comments
            .iter()
            .find(|c| c.parent_comment_id == 0)
            .map(|c| c.id)
    }

    /// Votes, pushes, merge attempts: threads ADO writes itself.
    pub fn is_system(&self) -> bool {
        self.property("CodeReviewThreadType").is_some()
            || self
                .comments
                .first()
                .is_some_and(|c| c.comment_type == Some(CommentType::System))
    }
}

/// A new thread: its first comment, status, anchor and properties.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NewThread {
    pub content: String,
    pub status: CommentThreadStatus,
    pub context: Option<CommentThreadContext>,
    /// Stored as `System.String` properties (e.g. a finding id, to find the thread again).
    pub properties: BTreeMap<String, String>,
}

impl NewThread {
    /// An active thread without a file anchor.
    pub fn general(content: impl Into<String>) -> Self {
        Self {
            content: content.into(),
            status: CommentThreadStatus::Active,
            context: None,
            properties: BTreeMap::new(),
        }
    }

    /// An active thread on lines `start..=end` of `path` in the pull request's changes.
    pub fn on_lines(content: impl Into<String>, path: &str, start: i64, end: i64) -> Self {
        let path = if path.starts_with('/') {
            path.to_owned()
        } else {
            format!("/{path}")
        };
        Self {
            context: Some(CommentThreadContext {
                file_path: Some(path),
                right_file_start: Some(CommentPosition {
                    line: start.max(1),
                    offset: 1,
                }),
                right_file_end: Some(CommentPosition {
                    line: end.max(start).max(1),
                    offset: 1,
                }),
                left_file_start: None,
                left_file_end: None,
            }),
            ..Self::general(content)
        }
    }

    #[must_use]
    pub fn with_property(mut self, name: impl Into<String>, value: impl Into<String>) -> Self {
        self.properties.insert(name.into(), value.into());
        self
    }
}

/// State of a status posted on a pull request.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum GitStatusState {
    Pending,
    Succeeded,
    Failed,
    Error,
    NotApplicable,
    #[serde(other)]
    NotSet,
}

impl GitStatusState {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Pending => "pending",
            Self::Succeeded => "succeeded",
            Self::Failed => "failed",
            Self::Error => "error",
            Self::NotApplicable => "notApplicable",
            Self::NotSet => "notSet",
        }
    }
}

/// What a status is about: `genre/name`, e.g. `palisade/secrets`.
#[derive(Clone, Debug, Default, PartialEq, Eq, Deserialize)]
pub struct GitStatusContext {
    pub name: String,
    #[serde(default)]
    pub genre: Option<String>,
}

/// `pullRequests/{id}/statuses`.
#[derive(Clone, Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct GitPullRequestStatus {
    pub id: i64,
    pub state: GitStatusState,
    #[serde(default)]
    pub description: Option<String>,
    pub context: GitStatusContext,
    #[serde(default)]
    pub target_url: Option<String>,
    #[serde(default)]
    pub iteration_id: Option<i64>,
    #[serde(default)]
    pub created_by: Option<IdentityRef>,
    #[serde(default)]
    pub creation_date: Option<String>,
    #[serde(default)]
    pub updated_date: Option<String>,
}

/// A status to post on a pull request.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NewPullRequestStatus {
    pub state: GitStatusState,
    pub description: Option<String>,
    pub context: GitStatusContext,
    /// Where the details are (palisade's page of the scan).
    pub target_url: Option<String>,
    /// Ties the status to one iteration (it then goes stale on the next push).
    pub iteration_id: Option<i64>,
}
