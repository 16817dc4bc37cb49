//! Errors callers branch on.
//!
//! Every message names what went wrong and what to do about it. None of them
//! ever carries a credential: URLs in messages have no secrets (credentials
//! travel in headers only) and token endpoint errors keep Entra's own
//! description, which never echoes the secret.

use std::time::Duration;

/// What a call to Azure DevOps can fail with.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum AdoError {
    /// Azure DevOps answered with its HTML sign-in page (a 203 or another 2xx
    /// with a non-JSON body, or a redirect to sign-in): the credential is
    /// bad or expired.
    #[error(
        "Invalid or expired token: Azure DevOps answered {endpoint} with its sign-in page instead of \
         data. Create a new token (or sign in again) and update the connector"
    )]
    SignInPage { endpoint: String },

    /// 401: the credential is bad, expired or revoked.
    #[error(
        "Invalid or expired token: {message}. Create a new token (or sign in again) and update the connector"
    )]
    Unauthorized { message: String },

    /// 401 TF400813 for a credential that is otherwise valid: it lacks the
    /// scope this call needs.
    #[error("{message}")]
    ScopeMissing {
        /// The OAuth/PAT scope the call needs (`vso.code`, ...), when known.
        scope: Option<String>,
        message: String,
    },

    /// 403: the identity may not do this.
    #[error("Access denied: {message}")]
    Forbidden { message: String },

    /// 404: the resource does not exist, or the caller may not see it.
    #[error("Not found: {what}")]
    NotFound { what: String },

    /// 409, e.g. an active pull request for the same branches already exists.
    #[error("Conflict: {message}")]
    Conflict { message: String },

    /// 400 and other 4xx the caller should not retry.
    #[error("Azure DevOps refused the request ({}): {message}", type_key.as_deref().unwrap_or("bad request"))]
    BadRequest {
        type_key: Option<String>,
        message: String,
    },

    /// 429 after the retries were exhausted.
    #[error(
        "Azure DevOps rate limit reached and still throttled after retries{}; try again later",
        retry_after.map(|d| format!(" (retry after {}s)", d.as_secs())).unwrap_or_default()
    )]
    Throttled { retry_after: Option<Duration> },

    /// 5xx after the retries were exhausted.
    #[error("Azure DevOps server error {status}: {message}")]
    Server { status: u16, message: String },

    /// A body that is not the JSON the endpoint documents. Never a panic.
    #[error("unexpected response from {endpoint}: {detail}")]
    MalformedResponse { endpoint: String, detail: String },

    /// The server supports no api-version this client can use.
    #[error(
        "this Azure DevOps Server does not support the REST API version palisade needs ({requested}): {message}"
    )]
    VersionUnsupported { requested: String, message: String },

    /// The server could not be reached (DNS, TLS, connection, timeout).
    #[error("could not reach Azure DevOps at {url}: {detail}")]
    Network { url: String, detail: String },

    /// The token endpoint refused or could not be reached.
    #[error(transparent)]
    Token(#[from] crate::auth::TokenError),

    /// The request itself could not be built (a bad base URL, ...).
    #[error("invalid request: {0}")]
    InvalidRequest(String),
}

impl AdoError {
    /// Whether trying the same call again later may succeed.
    pub fn is_retryable(&self) -> bool {
        match self {
            Self::Throttled { .. } | Self::Server { .. } | Self::Network { .. } => true,
            Self::Token(t) => t.is_retryable(),
            _ => false,
        }
    }

    /// Whether the credential itself is bad (every other call would fail the
    /// same way), as opposed to one call being denied.
    pub fn is_auth_failure(&self) -> bool {
        match self {
            Self::SignInPage { .. } | Self::Unauthorized { .. } => true,
            Self::Token(t) => !t.is_retryable(),
            _ => false,
        }
    }
}

/// A human description of what a scope grants, for "Token lacks X permission".
pub fn scope_permission(scope: &str) -> &'static str {
    match scope {
        "vso.code" => "Code.Read",
        "vso.code_write" => "Code.Write",
        "vso.code_manage" => "Code.Manage",
        "vso.code_status" => "Code.Status",
        "vso.threads_full" => "PullRequestThreads.Full",
        "vso.hooks" => "ServiceHooks.Read",
        "vso.hooks_write" => "ServiceHooks.ReadWrite",
        "vso.project" => "Project.Read",
        "vso.build" => "Build.Read",
        "vso.serviceendpoint" => "ServiceEndpoints.Read",
        "vso.variablegroups_read" => "VariableGroups.Read",
        "vso.securefiles_read" => "SecureFiles.Read",
        "vso.environment_manage" => "Environment.Manage",
        "vso.agentpools" => "AgentPools.Read",
        "vso.wiki" => "Wiki.Read",
        "vso.work" => "WorkItems.Read",
        "vso.profile" => "Profile.Read",
        "vso.advsec" => "AdvancedSecurity.Read",
        _ => "the required",
    }
}

/// "Token lacks Code.Read permission (vso.code)".
pub fn scope_missing_message(scope: &str) -> String {
    format!("Token lacks {} permission ({scope})", scope_permission(scope))
}

/// ADO's error body (`WrappedException`).
#[derive(Debug, Default, serde::Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct WrappedException {
    #[serde(default)]
    pub message: Option<String>,
    #[serde(default)]
    pub type_key: Option<String>,
}

impl WrappedException {
    pub(crate) fn parse(body: &[u8]) -> Self {
        serde_json::from_slice(body).unwrap_or_default()
    }
}
