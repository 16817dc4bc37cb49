//! # palisade-ado-sim: an Azure DevOps simulator
//!
//! Real Azure DevOps (ADO) cannot be reached from our test machines, so this crate serves ADO's
//! own wire format (see `docs/ADO-ENDPOINTS.md` and the shared `ADO-API.md`) from an in-memory
//! [`Estate`]: a YAML/JSON fixture ([`Estate::load`]) or a seeded, deterministic generator
//! ([`Estate::generate`]) that builds estates of thousands of projects and repositories.
//!
//! ## URL forms
//! Every organization is served at three bases, and every `url`/`_links`/`remoteUrl` in a
//! response echoes the form (host and scheme) the request came in on:
//! - `http://HOST/{org}/...` (the `dev.azure.com` form),
//! - `http://HOST/tfs/{org}/...` (Azure DevOps Server form),
//! - `Host: {org}.visualstudio.com[:port]` or `{org}.visualstudio.localhost` with org-rooted
//!   paths (legacy form; clients reach it by overriding DNS resolution).
//!
//! Global endpoints live at the root: `/_apis/profile/profiles/me`, `/_apis/accounts`, and the
//! Entra endpoints `/{tenant}/oauth2/v2.0/authorize` and `/{tenant}/oauth2/v2.0/token`.
//! Git smart HTTP is at `/{org}/{project}/_git/{repo}` (served by `git http-backend`; bare repos
//! are materialized lazily from fixture contents with fixed dates, so commit ids are stable).
//!
//! ## Behaviour
//! `{count, value}` lists, `x-ms-continuationtoken` paging, `api-version` enforcement (including
//! preview-only resources and the `VssVersionOutOfRangeException` of `deployment: server` orgs),
//! ADO's `WrappedException` error bodies, PAT (Basic) and Bearer authentication with scope checks,
//! 401-with-`WWW-Authenticate` versus 203 sign-in pages, per-identity rate limiting (headers, then
//! delays, then 429 `TF400733`), and secrets nulled out in responses as ADO does.
//!
//! ## Pull requests, pushes and service hooks
//! Pull requests track the source and target commits of the real bare repos
//! (`lastMergeSourceCommit`, `lastMergeTargetCommit`, iterations with the merge base) and keep
//! ADO's `refs/pull/{id}/merge` in the target repository while active (none on conflicts); a pull
//! request may come from a fork (`forkSource`; [`SimState::create_fork`]), whose commits reach the
//! target only through that ref. Threads, comments and statuses are stored per pull request. Web-hook subscriptions
//! (`_apis/hooks/subscriptions`) receive `git.pullrequest.created`, `git.pullrequest.updated` and
//! `git.push` events, delivered asynchronously with retries, when a pull request is opened or
//! updated (REST `PATCH`), and on every push, through `git-receive-pack` or the simulator's own
//! commit helper ([`SimState::commit`], `POST /_sim/orgs/{org}/projects/{project}/repos/{repo}/commits`).
//! Deliveries are listed at `GET /_sim/hooks/deliveries` ([`SimState::hook_deliveries`]) and sent
//! again with `POST /_sim/hooks/replay` ([`SimState::replay_delivery`]).
//!
//! ## Knobs and stats
//! [`Knobs`] (latency, error and malformed-response rates, sign-in mode, rate limits, outage,
//! token endpoint outage, token lifetime, fault seed, hook delivery) are set at start and changed at runtime
//! with `POST /_sim/knobs` (a partial JSON object) and read with `GET /_sim/knobs`.
//! `GET /_sim/stats` returns [`Stats`]; `POST /_sim/stats/reset` clears them.
//!
//! ## Starting it
//! ```no_run
//! # async fn demo() -> Result<(), Box<dyn std::error::Error>> {
//! use palisade_ado_sim::{Estate, Sim, start};
//! let estate = Estate::load(std::path::Path::new("crates/palisade-ado-sim/fixtures/contoso.yaml"))?;
//! let sim = start(Sim::new(estate)).await?;
//! println!("contoso at {}", sim.org_url("contoso"));
//! sim.shutdown().await;
//! # Ok(()) }
//! ```
//! For a long-running server use [`serve`] with your own listener and shutdown future, or
//! [`app`] to get the axum [`axum::Router`] (e.g. for `oneshot` tests).

pub mod content;
mod error;
pub mod fixture;
pub mod generate;
mod git_http;
mod hooks;
pub mod knobs;
mod merge;
mod push;
mod routes;
mod server;

pub use content::{PlantedSecret, RepoRecipe};
pub use error::AdoError;
pub use fixture::{Estate, FixtureError, RepoRef};
pub use generate::{GenerateOptions, RepoContent, generated_pat};
pub use hooks::{DeliveryAttempt, DeliveryState, HookDelivery};
pub use knobs::{HookKnobs, Knobs, RateLimit, SigninMode, Stats};
pub use push::{SimCommit, SimFork, SimForkCreated, SimPullRequest, SimPullRequestOpened, SimPush};
pub use routes::oauth::ADO_RESOURCE;
pub use server::{RunningSim, Sim, SimError, SimState, app, serve, serve_state, start};

/// The example fixture (two organizations) shipped with the crate, as YAML text.
pub const CONTOSO_FIXTURE: &str = include_str!("../fixtures/contoso.yaml");

/// Loads the shipped example fixture.
pub fn contoso() -> Result<Estate, FixtureError> {
    Estate::from_yaml_str(CONTOSO_FIXTURE)
}
