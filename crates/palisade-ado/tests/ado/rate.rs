use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use palisade_ado::{AdoError, Credential, GovernorRegistry, RateConfig};

use crate::support::{PAT, data, json, json_with, serve};

fn epoch_in(secs: u64) -> String {
    (SystemTime::now().duration_since(UNIX_EPOCH).unwrap().as_secs() + secs).to_string()
}

#[tokio::test]
async fn one_429_holds_every_request_instead_of_a_storm() {
    // The first request opens a 1-second throttle window: everything that
    // arrives in it gets 429 + Retry-After: 1.
    let window: Arc<Mutex<Option<Instant>>> = Arc::new(Mutex::new(None));
    let body = data("pools.json");
    let srv = serve(move |_| {
        let mut w = window.lock().unwrap();
        let now = Instant::now();
        let until = *w.get_or_insert(now + Duration::from_secs(1));
        if now < until {
            json_with(
                429,
                r#"{"$id":"1","message":"TF400733: The request has been canceled: Request was blocked due to exceeding usage of resource 'Core' in namespace 'User'.","typeKey":"RequestBlockedException","errorCode":0,"eventId":3000}"#,
                &[("retry-after", "1".to_owned()), ("x-ratelimit-remaining", "0".to_owned())],
            )
        } else {
            json(200, body.clone())
        }
    })
    .await;
    let c = srv
        .builder(Credential::pat(PAT))
        .max_concurrency(4)
        .build()
        .unwrap();
    let calls: Vec<_> = (0..12).map(|_| c.agent_pools()).collect();
    for r in futures_util::future::join_all(calls).await {
        assert_eq!(r.unwrap().len(), 2);
    }
    let stats = c.stats();
    // At most the 4 requests in flight when the window opened see a 429;
    // everyone else waits for Retry-After.
    assert!(stats.throttled_429 <= 4, "{stats:?}");
    assert!(srv.requests().len() <= 12 + 4, "{}", srv.requests().len());
    assert!(
        stats.delayed >= 4,
        "requests queued behind the hold waited: {stats:?}"
    );
}

#[tokio::test]
async fn a_persistent_429_ends_as_throttled() {
    let srv = serve(|_| json_with(429, "{}", &[("retry-after", "0".to_owned())])).await;
    let e = srv.client().agent_pools().await.unwrap_err();
    assert!(matches!(e, AdoError::Throttled { .. }), "{e:?}");
    assert!(e.is_retryable());
    assert_eq!(srv.requests().len(), 4);
}

#[tokio::test]
async fn retry_after_on_a_200_delays_the_next_request() {
    let body = data("pools.json");
    let n = Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let srv = serve(move |_| {
        if n.fetch_add(1, std::sync::atomic::Ordering::SeqCst) == 0 {
            json_with(200, body.clone(), &[("retry-after", "0.2".to_owned())])
        } else {
            json(200, body.clone())
        }
    })
    .await;
    let c = srv.client();
    c.agent_pools().await.unwrap();
    assert_eq!(c.stats().delayed, 0);
    c.agent_pools().await.unwrap();
    c.agent_pools().await.unwrap();
    let stats = c.stats();
    assert_eq!(stats.requests, 3);
    assert_eq!(
        stats.delayed, 1,
        "only the request after the hint waited: {stats:?}"
    );
    assert!(stats.waited_ms > 0);
}

#[tokio::test]
async fn a_low_remaining_budget_paces_requests() {
    let body = data("pools.json");
    let srv = serve(move |_| {
        json_with(
            200,
            body.clone(),
            &[
                ("x-ratelimit-limit", "200".to_owned()),
                ("x-ratelimit-remaining", "3".to_owned()),
                ("x-ratelimit-reset", epoch_in(2)),
                ("x-ratelimit-resource", "Core".to_owned()),
            ],
        )
    })
    .await;
    let c = srv
        .builder(Credential::pat(PAT))
        .rate_config(RateConfig {
            max_pace_delay: Duration::from_millis(40),
            ..RateConfig::default()
        })
        .build()
        .unwrap();
    c.agent_pools().await.unwrap();
    assert_eq!(c.stats().delayed, 0, "no budget is known before the first answer");
    for _ in 0..4 {
        c.agent_pools().await.unwrap();
    }
    let stats = c.stats();
    assert_eq!(stats.last_limit, Some(200));
    assert!(stats.delayed >= 3, "{stats:?}");
    assert!(stats.waited_ms > 0, "{stats:?}");
}

#[tokio::test]
async fn plenty_of_budget_is_not_paced() {
    let body = data("pools.json");
    let srv = serve(move |_| {
        json_with(
            200,
            body.clone(),
            &[
                ("x-ratelimit-limit", "200".to_owned()),
                ("x-ratelimit-remaining", "180".to_owned()),
                ("x-ratelimit-reset", epoch_in(60)),
            ],
        )
    })
    .await;
    let c = srv.client();
    for _ in 0..5 {
        c.agent_pools().await.unwrap();
    }
    assert_eq!(c.stats().delayed, 0);
    assert_eq!(c.stats().last_remaining, Some(180));
}

#[tokio::test]
async fn clients_of_one_identity_share_a_governor() {
    let srv = serve(|_| json(200, data("pools.json"))).await;
    let reg = GovernorRegistry::new();
    let a = srv
        .builder(Credential::pat(PAT))
        .governor_registry(Arc::clone(&reg))
        .build()
        .unwrap();
    let b = srv
        .builder(Credential::pat(PAT))
        .governor_registry(Arc::clone(&reg))
        .build()
        .unwrap();
    let other = srv
        .builder(Credential::pat("another-pat"))
        .governor_registry(reg)
        .build()
        .unwrap();
    assert!(Arc::ptr_eq(a.governor(), b.governor()));
    assert!(!Arc::ptr_eq(a.governor(), other.governor()));
    a.agent_pools().await.unwrap();
    b.agent_pools().await.unwrap();
    assert_eq!(a.stats().requests, 2);
    let fabrikam2 = a
        .for_org(palisade_domain::OrgName::parse("contoso").unwrap())
        .unwrap();
    assert!(Arc::ptr_eq(a.governor(), fabrikam2.governor()));
}
