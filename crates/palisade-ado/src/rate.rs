//! A shared request budget per identity.
//!
//! Azure DevOps limits each identity (not each connection) to 200 TSTUs per
//! sliding 5 minutes, first by delaying requests, then by 429s. Every client
//! built for the same identity shares one [`RateGovernor`] (through
//! [`GovernorRegistry`] or by passing the `Arc`), so:
//! - concurrency is bounded by one semaphore;
//! - once `X-RateLimit-Remaining` falls below a fraction of
//!   `X-RateLimit-Limit`, requests are spaced so the rest lasts until
//!   `X-RateLimit-Reset`;
//! - a `Retry-After` (on a 429 or even a 200) holds back *every* request of
//!   the identity until then, so one 429 does not turn into a storm.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use reqwest::header::HeaderMap;
use tokio::sync::{OwnedSemaphorePermit, Semaphore};

/// Tuning of a [`RateGovernor`].
#[derive(Clone, Debug)]
pub struct RateConfig {
    /// Requests in flight at once for the identity.
    pub max_concurrency: usize,
    /// Pace once `remaining < limit * pace_below`.
    pub pace_below: f64,
    /// The longest a single request is held back by pacing.
    pub max_pace_delay: Duration,
    /// The longest a `Retry-After` is honoured for (a safety cap).
    pub max_retry_after: Duration,
}

impl Default for RateConfig {
    fn default() -> Self {
        Self {
            max_concurrency: 16,
            pace_below: 0.2,
            max_pace_delay: Duration::from_secs(30),
            max_retry_after: Duration::from_mins(5),
        }
    }
}

/// When and how often to retry.
#[derive(Clone, Debug)]
pub struct RetryPolicy {
    /// Attempts in total, the first included.
    pub max_attempts: u32,
    /// Backoff before the first retry; doubled for each further one.
    pub base_delay: Duration,
    pub max_delay: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        Self {
            max_attempts: 6,
            base_delay: Duration::from_millis(500),
            max_delay: Duration::from_secs(30),
        }
    }
}

impl RetryPolicy {
    /// Jittered exponential backoff before retry number `retry` (1-based):
    /// between half and all of `base * 2^(retry-1)`, capped.
    pub fn backoff(&self, retry: u32) -> Duration {
        let exp = self
            .base_delay
            .saturating_mul(1u32 << retry.saturating_sub(1).min(16))
            .min(self.max_delay);
        let jitter = getrandom::u64().unwrap_or(0) % 1000;
        let half = exp / 2;
        half + half.mul_f64(jitter as f64 / 1000.0)
    }
}

/// Counters for "sync health".
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct RateStats {
    /// Requests sent (retries included).
    pub requests: u64,
    /// Retries (after 429, 5xx or a network error).
    pub retries: u64,
    /// 429 answers received.
    pub throttled_429: u64,
    /// Requests that were held back (pacing or `Retry-After`).
    pub delayed: u64,
    /// Total time requests were held back.
    pub waited_ms: u64,
    pub last_limit: Option<u64>,
    pub last_remaining: Option<u64>,
}

#[derive(Debug, Default)]
struct State {
    blocked_until: Option<Instant>,
    limit: Option<u64>,
    remaining: Option<u64>,
    reset_at: Option<Instant>,
    next_slot: Option<Instant>,
}

/// The budget of one identity. Cheap to share: always used through an `Arc`.
#[derive(Debug)]
pub struct RateGovernor {
    config: RateConfig,
    semaphore: Arc<Semaphore>,
    state: Mutex<State>,
    requests: AtomicU64,
    retries: AtomicU64,
    throttled: AtomicU64,
    delayed: AtomicU64,
    waited_ms: AtomicU64,
}

/// Held while a request is in flight.
#[derive(Debug)]
pub struct Permit {
    _permit: OwnedSemaphorePermit,
}

impl RateGovernor {
    pub fn new(config: RateConfig) -> Arc<Self> {
        Arc::new(Self {
            semaphore: Arc::new(Semaphore::new(config.max_concurrency.max(1))),
            config,
            state: Mutex::new(State::default()),
            requests: AtomicU64::new(0),
            retries: AtomicU64::new(0),
            throttled: AtomicU64::new(0),
            delayed: AtomicU64::new(0),
            waited_ms: AtomicU64::new(0),
        })
    }

    fn state(&self) -> std::sync::MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Waits for a concurrency slot, any `Retry-After` hold and the pacing
    /// slot, then counts the request as sent.
    pub async fn acquire(&self) -> Permit {
        let permit = Arc::clone(&self.semaphore)
            .acquire_owned()
            .await
            .unwrap_or_else(|_| unreachable!("the governor never closes its semaphore"));
        let mut waited = Duration::ZERO;
        // A Retry-After hold can be extended while we wait: re-check it.
        loop {
            let hold = self.hold_remaining(Instant::now());
            if hold.is_zero() {
                break;
            }
            waited += hold;
            tokio::time::sleep(hold).await;
        }
        // Pacing: one slot reserved per request.
        let pace = self.reserve(Instant::now());
        if !pace.is_zero() {
            waited += pace;
            tokio::time::sleep(pace).await;
        }
        if !waited.is_zero() {
            self.delayed.fetch_add(1, Ordering::Relaxed);
            self.waited_ms
                .fetch_add(waited.as_millis() as u64, Ordering::Relaxed);
        }
        self.requests.fetch_add(1, Ordering::Relaxed);
        Permit { _permit: permit }
    }

    fn hold_remaining(&self, now: Instant) -> Duration {
        let mut st = self.state();
        match st.blocked_until {
            Some(until) if until > now => until - now,
            Some(_) => {
                st.blocked_until = None;
                Duration::ZERO
            }
            None => Duration::ZERO,
        }
    }

    /// The pacing wait of a request starting `now` (after any hold).
    fn reserve(&self, now: Instant) -> Duration {
        let mut st = self.state();
        let (Some(limit), Some(remaining), Some(reset)) = (st.limit, st.remaining, st.reset_at) else {
            return Duration::ZERO;
        };
        if reset <= now || (remaining as f64) >= (limit as f64) * self.config.pace_below {
            st.next_slot = None;
            return Duration::ZERO;
        }
        let parts = u32::try_from(remaining).unwrap_or(u32::MAX).max(1);
        let interval = ((reset - now) / parts).min(self.config.max_pace_delay);
        let slot = st.next_slot.map_or(now, |s| s.max(now));
        st.next_slot = Some(slot + interval);
        // Count this request against the local estimate until the server
        // tells us better.
        st.remaining = Some(remaining.saturating_sub(1));
        (slot - now).min(self.config.max_pace_delay)
    }

    /// Reads the rate headers of any response (a 200 included).
    pub fn observe(&self, headers: &HeaderMap) {
        let num = |name: &str| -> Option<f64> {
            headers
                .get(name)?
                .to_str()
                .ok()?
                .trim()
                .parse::<f64>()
                .ok()
                .filter(|v| v.is_finite() && *v >= 0.0)
        };
        let now = Instant::now();
        let mut st = self.state();
        if let Some(l) = num("x-ratelimit-limit") {
            st.limit = Some(l as u64);
        }
        if let Some(r) = num("x-ratelimit-remaining") {
            st.remaining = Some(r as u64);
        }
        if let Some(reset) = num("x-ratelimit-reset") {
            let epoch_now = SystemTime::now()
                .duration_since(UNIX_EPOCH)
                .unwrap_or_default()
                .as_secs_f64();
            let ahead = (reset - epoch_now).clamp(0.0, 3600.0);
            st.reset_at = Some(now + Duration::from_secs_f64(ahead));
        }
        if let Some(secs) = num("retry-after") {
            // A hostile or broken server may send any number: cap before converting.
            let cap = self.config.max_retry_after;
            let hold = Duration::try_from_secs_f64(secs).map_or(cap, |d| d.min(cap));
            Self::hold_locked(&mut st, now + hold);
        }
    }

    /// Holds every request of the identity until `now + wait` (a 429 without
    /// `Retry-After`).
    pub fn hold_for(&self, wait: Duration) {
        let until = Instant::now() + wait.min(self.config.max_retry_after);
        Self::hold_locked(&mut self.state(), until);
    }

    fn hold_locked(st: &mut State, until: Instant) {
        if st.blocked_until.is_none_or(|b| b < until) {
            st.blocked_until = Some(until);
        }
    }

    /// Whether a hold is in force (so a failed request need not add its own
    /// backoff on top).
    pub fn held(&self) -> bool {
        self.state().blocked_until.is_some_and(|b| b > Instant::now())
    }

    pub(crate) fn count_retry(&self) {
        self.retries.fetch_add(1, Ordering::Relaxed);
    }

    pub(crate) fn count_429(&self) {
        self.throttled.fetch_add(1, Ordering::Relaxed);
    }

    pub fn stats(&self) -> RateStats {
        let st = self.state();
        RateStats {
            requests: self.requests.load(Ordering::Relaxed),
            retries: self.retries.load(Ordering::Relaxed),
            throttled_429: self.throttled.load(Ordering::Relaxed),
            delayed: self.delayed.load(Ordering::Relaxed),
            waited_ms: self.waited_ms.load(Ordering::Relaxed),
            last_limit: st.limit,
            last_remaining: st.remaining,
        }
    }
}

/// One governor per identity key, for clients built independently.
#[derive(Debug, Default)]
pub struct GovernorRegistry {
    map: Mutex<HashMap<String, Arc<RateGovernor>>>,
}

impl GovernorRegistry {
    pub fn new() -> Arc<Self> {
        Arc::new(Self::default())
    }

    /// The governor of `identity`, created with `config` on first use.
    pub fn get(&self, identity: &str, config: &RateConfig) -> Arc<RateGovernor> {
        let mut map = self.map.lock().unwrap_or_else(PoisonError::into_inner);
        Arc::clone(
            map.entry(identity.to_owned())
                .or_insert_with(|| RateGovernor::new(config.clone())),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn absurd_rate_headers_are_capped_not_fatal() {
        let g = RateGovernor::new(RateConfig::default());
        let mut h = HeaderMap::new();
        let far = SystemTime::now().duration_since(UNIX_EPOCH).unwrap().as_secs() + 60;
        h.insert("retry-after", "1e20".parse().unwrap());
        h.insert("x-ratelimit-limit", "99999999999999".parse().unwrap());
        h.insert("x-ratelimit-remaining", "4294967296".parse().unwrap());
        h.insert("x-ratelimit-reset", far.to_string().parse().unwrap());
        g.observe(&h);
        let _ = g.reserve(Instant::now());
        h.insert("x-ratelimit-remaining", "1".parse().unwrap());
        g.observe(&h);
        assert!(g.reserve(Instant::now()) <= RateConfig::default().max_pace_delay);
    }

    #[test]
    fn backoff_grows_and_is_capped() {
        let p = RetryPolicy {
            max_attempts: 6,
            base_delay: Duration::from_millis(100),
            max_delay: Duration::from_secs(1),
        };
        let b1 = p.backoff(1);
        assert!(b1 >= Duration::from_millis(50) && b1 <= Duration::from_millis(100));
        let b10 = p.backoff(10);
        assert!(b10 <= Duration::from_secs(1) && b10 >= Duration::from_millis(500));
    }

    #[test]
    fn low_budget_spaces_requests_until_reset() {
        let g = RateGovernor::new(RateConfig::default());
        let now = Instant::now();
        {
            let mut st = g.state();
            st.limit = Some(200);
            st.remaining = Some(4);
            st.reset_at = Some(now + Duration::from_secs(8));
        }
        let w1 = g.reserve(now);
        let w2 = g.reserve(now);
        let w3 = g.reserve(now);
        assert_eq!(w1, Duration::ZERO);
        assert!(w2 > w1 && w3 > w2, "{w1:?} {w2:?} {w3:?}");
    }

    #[test]
    fn plenty_of_budget_means_no_wait() {
        let g = RateGovernor::new(RateConfig::default());
        let mut h = HeaderMap::new();
        h.insert(
            "x-ratelimit-limit",
            "200".parse().unwrap_or_else(|_| unreachable!()),
        );
        h.insert(
            "x-ratelimit-remaining",
            "150".parse().unwrap_or_else(|_| unreachable!()),
        );
        g.observe(&h);
        assert_eq!(g.reserve(Instant::now()), Duration::ZERO);
        assert_eq!(g.stats().last_remaining, Some(150));
    }
}
