use serde::Deserialize;

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
}
