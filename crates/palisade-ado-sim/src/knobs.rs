//! Runtime knobs (faults, latency, rate limits) and request statistics.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

/// How an unauthenticated request without `X-TFS-FedAuthRedirect: Suppress` is answered.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SigninMode {
    /// 203 Non-Authoritative Information with an HTML sign-in page.
    #[default]
    Page203,
    /// 302 to a sign-in URL.
    Redirect302,
}

/// Per-identity rate limiting (ADO's TSTU model, simplified to request counts).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct RateLimit {
    pub enabled: bool,
    /// Units allowed per window.
    pub limit: u32,
    /// Sliding window length.
    pub window_secs: u64,
    /// Headers start once usage exceeds this fraction of `limit`.
    pub warn_fraction: f64,
    /// Requests are answered 429 once usage exceeds this fraction of `limit`.
    pub block_fraction: f64,
    /// Delay applied to each request over the limit (and below the block threshold).
    pub delay_ms: u64,
    /// Cost per route class (`core`, `git`, `build`, ...); default 1.
    pub class_costs: BTreeMap<String, u32>,
}

impl Default for RateLimit {
    fn default() -> Self {
        Self {
            enabled: false,
            limit: 200,
            window_secs: 300,
            warn_fraction: 0.5,
            block_fraction: 1.25,
            delay_ms: 200,
            class_costs: BTreeMap::new(),
        }
    }
}

/// How service hook events are delivered.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct HookKnobs {
    /// Timeout of one delivery attempt.
    pub timeout_ms: u64,
    /// Attempts per delivery (the first one included).
    pub max_attempts: u32,
    /// Wait before the second attempt; doubled for each later one.
    pub backoff_ms: u64,
    /// Refuse loopback/private target URLs and basic auth over plain http, as ADO does
    /// (off by default so tests can receive on a loopback port).
    pub strict_targets: bool,
}

impl Default for HookKnobs {
    fn default() -> Self {
        Self {
            timeout_ms: 2000,
            max_attempts: 3,
            backoff_ms: 200,
            strict_targets: false,
        }
    }
}

/// Settable at start and at runtime (`POST /_sim/knobs` with a partial JSON object).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Knobs {
    /// Added to every REST request.
    pub latency_ms: u64,
    /// Fraction of REST requests answered 500/503 with an ADO error body.
    pub error_rate: f64,
    /// Fraction of REST requests answered 200 with truncated JSON.
    pub malformed_rate: f64,
    pub signin_mode: SigninMode,
    pub rate_limit: RateLimit,
    /// Every REST request answers 503.
    pub down: bool,
    /// The Entra token endpoint answers 503.
    pub token_endpoint_down: bool,
    /// Lifetime of access tokens minted by the token endpoint.
    pub token_lifetime_secs: u64,
    /// Seed for the random faults.
    pub seed: u64,
    /// Service hook deliveries.
    pub hooks: HookKnobs,
    /// Data sources refused per organization (name, lowercase, or `*` for all) on top of the
    /// fixture's `denied` lists: `org-policies`, `org-pipeline-settings`, `advanced-security`,
    /// `checks`, `general-settings` (see [`crate::fixture::DENIABLE_SOURCES`]).
    pub denied: BTreeMap<String, Vec<String>>,
}

impl Default for Knobs {
    fn default() -> Self {
        Self {
            latency_ms: 0,
            error_rate: 0.0,
            malformed_rate: 0.0,
            signin_mode: SigninMode::Page203,
            rate_limit: RateLimit::default(),
            down: false,
            token_endpoint_down: false,
            token_lifetime_secs: 3600,
            seed: 0x5eed,
            hooks: HookKnobs::default(),
            denied: BTreeMap::new(),
        }
    }
}

impl Knobs {
    /// Whether the knobs refuse `source` in `org`.
    pub fn denies(&self, org: &str, source: &str) -> bool {
        self.denied
            .iter()
            .filter(|(o, _)| o.as_str() == "*" || o.eq_ignore_ascii_case(org))
            .flat_map(|(_, list)| list)
            .any(|s| s.eq_ignore_ascii_case(source))
    }

    /// Applies a partial JSON object (recursively merged) on top of these knobs.
    pub fn merged(&self, patch: &serde_json::Value) -> Result<Self, serde_json::Error> {
        let mut current = serde_json::to_value(self)?;
        merge(&mut current, patch);
        serde_json::from_value(current)
    }
}

fn merge(base: &mut serde_json::Value, patch: &serde_json::Value) {
    match (base, patch) {
        (serde_json::Value::Object(b), serde_json::Value::Object(p)) => {
            for (k, v) in p {
                match b.get_mut(k) {
                    Some(slot) => merge(slot, v),
                    None => {
                        b.insert(k.clone(), v.clone());
                    }
                }
            }
        }
        (slot, v) => *slot = v.clone(),
    }
}

/// Counters served at `GET /_sim/stats`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Stats {
    pub total_requests: u64,
    pub per_class: BTreeMap<String, u64>,
    pub throttled_429: u64,
    pub delays_applied: u64,
    pub auth_failures: u64,
    pub faults_injected: u64,
    pub git_requests: u64,
    pub token_requests: u64,
    /// Service hook events raised (whether or not a subscription matched).
    pub hook_events: u64,
    /// HTTP attempts to deliver events (retries included).
    pub hook_delivery_attempts: u64,
    pub hook_deliveries_succeeded: u64,
    /// Deliveries that failed every attempt.
    pub hook_deliveries_failed: u64,
    /// Pushes seen (git receive-pack and `/_sim` commits).
    pub pushes: u64,
}

/// A tiny deterministic PRNG (splitmix64).
#[derive(Debug, Clone)]
pub struct SplitMix64(u64);

impl SplitMix64 {
    pub fn new(seed: u64) -> Self {
        Self(seed)
    }

    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform in `[0, 1)`.
    pub fn next_f64(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64
    }

    /// Uniform in `[0, n)`; `n` must be non-zero.
    pub fn below(&mut self, n: u64) -> u64 {
        self.next_u64() % n.max(1)
    }

    /// True with probability `p`.
    pub fn chance(&mut self, p: f64) -> bool {
        self.next_f64() < p
    }
}
