//! Pure domain types shared by every palisade crate.
//!
//! Nothing here does IO. Identifiers are newtypes that can only be built from
//! valid input ([`RuleId::parse`], [`BlobId::from_hex`]), so a value that exists
//! is a value that is valid.
//!
//! - [`BlobId`]: git-style content address of a file's bytes; each distinct
//!   content is scanned once.
//! - [`FindingId`]: keyed fingerprint of `(rule id, normalized secret)`, stable
//!   across rescans so triage survives them.
//! - [`Severity`], [`Confidence`], [`TriageState`]: closed vocabularies.
//! - [`Finding`] and [`Location`]: what a scan reports, secret already redacted.
//! - [`ConnectorConfig`], [`ConnectorName`], [`OrgName`]: a connector minus its
//!   credential, with the naming rules users know from the Azure portal.
//! - [`Resource`] and [`ResourceKey`]: the discovered estate (inventory).
//! - [`FindingKind`], [`StaticRule`], [`RuleMatch`]: the four kinds of findings and
//!   the shape of compiled-in IaC and pipeline rules.
//! - [`ScanSettings`], [`ManagedState`], [`ScanContext`]: managed scans.

mod access;
mod ado_url;
mod analysis;
mod blob;
mod connector;
mod finding;
mod fingerprint;
mod inventory;
mod managed;
mod posture;
mod rule_id;
mod scan;
mod severity;
mod time;
mod triage;

pub use access::{Grant, Role, RoleScope, Username, UsernameError};
pub use ado_url::{AdoTarget, AdoUrl, AdoUrlError, AdoUrlErrorKind, HostForm};
pub use analysis::{FindingKind, RuleMatch, StaticRule, UnknownFindingKind};
pub use blob::{BlobId, BlobIdError};
pub use connector::{
    AuthConfig, ConnectorConfig, ConnectorName, Deployment, NameError, OrgName, OrgSelection,
};
pub use finding::{CommitInfo, DependencyDetails, Finding, FindingDetails, Location, RuleDetails};
pub use fingerprint::{FindingId, FindingIdError, FingerprintKey, SecretHash, redact_preview};
pub use inventory::{
    AdvancedSecurity, AgentPool, BranchPolicy, CheckConfiguration, Collected, Environment, ForkSettings,
    Organization, Pipeline, PipelinePermission, PipelineProcess, PipelineVariable, PolicyScope, Project,
    ProjectSettings, Repository, Resource, ResourceKey, ResourceKind, Scope, SecureFile, ServiceConnection,
    VariableGroup, VariableGroupVariable, scope_key,
};
pub use managed::{ArchiveReason, MANAGED_SCAN_LABEL, ManagedState, ScanContext, ScanSettings, ScanTrigger};
pub use posture::{ExemptionTarget, PostureStatus, RepoFindings, UnknownPostureStatus};
pub use rule_id::{RuleId, RuleIdError};
pub use scan::{ScanError, ScanStatus, ScanSummary, TargetKind};
pub use severity::{Confidence, Severity, UnknownLevel};
pub use time::Timestamp;
pub use triage::{TriageState, UnknownTriageState};
