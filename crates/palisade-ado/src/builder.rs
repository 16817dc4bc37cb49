//! Building an [`AdoClient`].

use std::net::SocketAddr;
use std::sync::atomic::AtomicBool;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use palisade_domain::{Deployment, OrgName};
use url::Url;

use crate::auth::Credential;
use crate::client::{AdoClient, HostForm, Inner, org_base_url};
use crate::error::AdoError;
use crate::rate::{GovernorRegistry, RateConfig, RateGovernor, RetryPolicy};

/// Options of an [`AdoClient`]; start with [`AdoClient::builder`].
#[derive(Debug)]
pub struct AdoClientBuilder {
    deployment: Deployment,
    org: OrgName,
    credential: Credential,
    host_form: HostForm,
    base_url: Option<Url>,
    timeout: Duration,
    user_agent: String,
    resolves: Vec<(String, SocketAddr)>,
    rate: RateConfig,
    governor: Option<Arc<RateGovernor>>,
    registry: Option<Arc<GovernorRegistry>>,
    retry: RetryPolicy,
    max_pages: usize,
}

impl AdoClient {
    pub fn builder(deployment: Deployment, org: OrgName, credential: Credential) -> AdoClientBuilder {
        AdoClientBuilder {
            deployment,
            org,
            credential,
            host_form: HostForm::Path,
            base_url: None,
            timeout: Duration::from_mins(1),
            user_agent: crate::USER_AGENT.to_owned(),
            resolves: Vec::new(),
            rate: RateConfig::default(),
            governor: None,
            registry: None,
            retry: RetryPolicy::default(),
            max_pages: 10_000,
        }
    }
}

impl AdoClientBuilder {
    /// Use `https://{org}.visualstudio.com` instead of `https://dev.azure.com/{org}`.
    #[must_use]
    pub fn legacy_host(mut self, legacy: bool) -> Self {
        self.host_form = if legacy { HostForm::Legacy } else { HostForm::Path };
        self
    }

    /// Send requests to this organization URL instead of the one the
    /// deployment gives (a simulator, a proxy).
    #[must_use]
    pub fn base_url(mut self, url: Url) -> Self {
        self.base_url = Some(url);
        self
    }

    /// Requests in flight at once for the identity (default 16). Ignored
    /// when a shared governor is given.
    #[must_use]
    pub fn max_concurrency(mut self, n: usize) -> Self {
        self.rate.max_concurrency = n.max(1);
        self
    }

    /// Per-request timeout (default 60 s).
    #[must_use]
    pub fn timeout(mut self, t: Duration) -> Self {
        self.timeout = t;
        self
    }

    /// Default `palisade/<version>`.
    #[must_use]
    pub fn user_agent(mut self, ua: impl Into<String>) -> Self {
        self.user_agent = ua.into();
        self
    }

    /// Resolve `host` to `addr` (tests reach `{org}.visualstudio.com` on a
    /// loopback simulator this way).
    #[must_use]
    pub fn resolve(mut self, host: impl Into<String>, addr: SocketAddr) -> Self {
        self.resolves.push((host.into(), addr));
        self
    }

    #[must_use]
    pub fn rate_config(mut self, config: RateConfig) -> Self {
        self.rate = config;
        self
    }

    /// Share this governor (the identity's budget) with other clients.
    #[must_use]
    pub fn governor(mut self, governor: Arc<RateGovernor>) -> Self {
        self.governor = Some(governor);
        self
    }

    /// Take the identity's governor from a registry (keyed by
    /// [`Credential::identity_key`]).
    #[must_use]
    pub fn governor_registry(mut self, registry: Arc<GovernorRegistry>) -> Self {
        self.registry = Some(registry);
        self
    }

    #[must_use]
    pub fn retry(mut self, retry: RetryPolicy) -> Self {
        self.retry = retry;
        self
    }

    /// The most pages one listing may take (a guard against a server that
    /// never stops paging).
    #[must_use]
    pub fn max_pages(mut self, n: usize) -> Self {
        self.max_pages = n.max(1);
        self
    }

    pub fn build(self) -> Result<AdoClient, AdoError> {
        let base = match self.base_url {
            Some(u) => u,
            None => org_base_url(&self.deployment, &self.org, self.host_form)?,
        };
        let mut http = reqwest::Client::builder()
            .timeout(self.timeout)
            .connect_timeout(self.timeout.min(Duration::from_secs(30)))
            .user_agent(self.user_agent)
            .redirect(reqwest::redirect::Policy::none());
        for (host, addr) in &self.resolves {
            http = http.resolve(host, *addr);
        }
        let http = http
            .build()
            .map_err(|e| AdoError::InvalidRequest(format!("HTTP client: {e}")))?;
        let governor = match (self.governor, self.registry) {
            (Some(g), _) => g,
            (None, Some(r)) => r.get(&self.credential.identity_key(), &self.rate),
            (None, None) => RateGovernor::new(self.rate),
        };
        Ok(AdoClient {
            inner: Arc::new(Inner {
                http,
                deployment: self.deployment,
                host_form: self.host_form,
                org: self.org,
                base,
                credential: self.credential,
                governor,
                retry: self.retry,
                max_pages: self.max_pages,
                max_version: Mutex::new(None),
                verified: AtomicBool::new(false),
            }),
        })
    }
}
