//! Async Azure DevOps REST client for palisade.
//!
//! One [`AdoClient`] talks to one organization (or Azure DevOps Server
//! collection) in ADO's real wire format (docs/ADO-ENDPOINTS.md):
//!
//! - URL forms: `https://dev.azure.com/{org}`, `https://{org}.visualstudio.com`
//!   ([`AdoClientBuilder::legacy_host`]), Server `https://host[/tfs]/{collection}`.
//! - Credentials ([`Credential`]): a PAT (basic auth) or Entra tokens from a
//!   [`TokenSource`] ([`OAuthRefresh`], [`ClientSecret`], [`FederatedAssertion`]),
//!   refreshed ahead of expiry with single-flight. Secrets stay in
//!   [`secrecy::SecretString`].
//! - api-version: 7.1 (and the preview versions preview-only resources need);
//!   a Server that answers `VssVersionOutOfRangeException` is retried at the
//!   version it names, remembered for the client.
//! - A shared budget per identity ([`RateGovernor`]): bounded concurrency,
//!   pacing on low `X-RateLimit-Remaining`, a hold on `Retry-After`/429, and
//!   jittered retries of 429/5xx/network errors.
//! - Paging by continuation token (guarded against a repeated token) and by
//!   `$top`/`$skip`.
//! - Errors callers branch on ([`AdoError`]).

mod api;
pub mod auth;
mod builder;
mod client;
mod data_providers;
mod error;
pub mod models;
pub mod rate;

pub use api::{ApiScope, ConnectionTest, normalize_branch};
pub use auth::{
    ClientSecret, Credential, FederatedAssertion, OAuthRefresh, Pkce, TokenEndpoint, TokenError, TokenSource,
    Tokens, authorize_url, exchange_code,
};
pub use builder::AdoClientBuilder;
pub use client::{AdoClient, HostForm, join_segments, org_base_url};
pub use error::{AdoError, scope_missing_message};
pub use rate::{GovernorRegistry, RateConfig, RateGovernor, RateStats, RetryPolicy};

/// `palisade/<version>`.
pub const USER_AGENT: &str = concat!("palisade/", env!("CARGO_PKG_VERSION"));
