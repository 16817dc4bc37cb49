//! The JSON of each endpoint palisade calls: only the fields palisade uses.
//!
//! ADO omits fields freely (`defaultBranch` is absent for an empty repo), so
//! anything not always present is an `Option` or has a default. Secret
//! values (variable values, endpoint auth parameters but the non-secret
//! `scope`) are never modelled, so they are never even read into memory as
//! typed data.

mod core;
pub mod git;
pub mod hooks;
mod pipelines;
mod work;

pub use self::core::{Account, ConnectionData, ConnectionUser, Profile, TeamProject};
pub use self::git::{
    Comment, CommentPosition, CommentThreadContext, CommentThreadStatus, CommentType, GitCommitRef,
    GitPullRequest, GitPullRequestCommentThread, GitPullRequestIteration, GitPullRequestStatus, GitPushRef,
    GitRef, GitRepository, GitStatusContext, GitStatusState, GitUserDate, NewPullRequestStatus, NewThread,
    PullRequestState, PullRequestStatus, PullRequestUpdate,
};
pub use self::hooks::{
    ConsumerInputs, EventCommit, EventError, EventRepository, HookEventType, NewSubscription,
    PublisherInputs, PullRequestResource, PushResource, RefUpdate, ResourceContainer, ResourceContainers,
    ServiceHookEvent, Subscription,
};
pub use self::pipelines::{
    AdvSecEnablement, AgentPool, AgentQueueRef, AllPipelines, BuildDefinition, BuildProcess, BuildRepository,
    BuildTrigger, BuildVariable, CheckConfiguration, CheckType, DefinitionVariableGroup,
    EndpointAuthParameters, EndpointAuthorization, EndpointData, EndpointProjectReference,
    EnvironmentInstance, ForkSettingsJson, GeneralSettings, PermissionedResource, PipelinePermissionEntry,
    PolicyConfiguration, PolicyTypeRef, ResourcePipelinePermissions, SecureFile, ServiceEndpoint,
    VariableGroup, VariableGroupVariable,
};
pub use self::work::{WikiPage, WikiV2, WiqlResult, WiqlWorkItem, WorkItem};

use serde::Deserialize;

/// ADO's list wrapper: `{count, value}`.
#[derive(Clone, Debug, Deserialize)]
pub struct List<T> {
    #[serde(default)]
    pub count: Option<u64>,
    pub value: Vec<T>,
}

/// `{id, displayName, uniqueName, ...}`.
#[derive(Clone, Debug, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct IdentityRef {
    #[serde(default)]
    pub id: Option<String>,
    #[serde(default)]
    pub display_name: Option<String>,
    #[serde(default)]
    pub unique_name: Option<String>,
}

/// A project reference inside another resource.
#[derive(Clone, Debug, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ProjectRef {
    pub id: String,
    #[serde(default)]
    pub name: Option<String>,
}
