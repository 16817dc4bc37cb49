//! Knobs at runtime: rate limiting (headers, delay, 429), faults, outages, stats.

use serde_json::json;

use crate::support::{client, contoso_sim, get, send};

const PROJECTS: &str = "/contoso/_apis/projects?api-version=7.1";

async fn set(sim: &palisade_ado_sim::RunningSim, patch: serde_json::Value) -> serde_json::Value {
    let a = send(client().post(format!("{}/_sim/knobs", sim.base_url)).json(&patch)).await;
    assert_eq!(a.status, 200, "{}", a.text);
    a.json()
}

#[tokio::test]
async fn rate_limit_headers_then_delay_then_429() {
    let sim = contoso_sim().await;
    set(&sim, json!({"rate_limit": {"enabled": true, "limit": 4, "window_secs": 60, "warn_fraction": 0.5, "block_fraction": 1.5, "delay_ms": 50}})).await;
    // 1, 2: quiet.
    for _ in 0..2 {
        let a = get(&sim, PROJECTS).await;
        assert_eq!(a.status, 200);
        assert!(a.header("x-ratelimit-limit").is_none());
    }
    // 3, 4: headers, no delay yet.
    for _ in 0..2 {
        let a = get(&sim, PROJECTS).await;
        assert_eq!(a.status, 200);
        assert_eq!(a.header("x-ratelimit-limit").as_deref(), Some("4"));
        assert_eq!(a.header("x-ratelimit-resource").as_deref(), Some("Core"));
        assert!(a.header("x-ratelimit-reset").unwrap().parse::<u64>().unwrap() > 1_700_000_000);
        assert!(a.header("x-ratelimit-delay").is_none());
        assert!(a.header("retry-after").is_none());
    }
    // 5, 6: delayed.
    for _ in 0..2 {
        let a = get(&sim, PROJECTS).await;
        assert_eq!(a.status, 200);
        assert_eq!(a.header("x-ratelimit-delay").as_deref(), Some("0.050"));
        assert_eq!(a.header("x-ratelimit-remaining").as_deref(), Some("0"));
        assert!(a.header("retry-after").is_some());
    }
    // 7: blocked.
    let a = get(&sim, PROJECTS).await;
    assert_eq!(a.status, 429);
    assert!(a.header("retry-after").is_some());
    assert_eq!(
        a.json()["message"],
        "TF400733: The request has been canceled: Request was blocked due to exceeding usage of resource 'Core' in namespace 'User'."
    );
    let stats: serde_json::Value = send(client().get(format!("{}/_sim/stats", sim.base_url)))
        .await
        .json();
    assert_eq!(stats["throttled_429"], 1);
    assert_eq!(stats["delays_applied"], 2);
    assert_eq!(stats["total_requests"], 7);
    assert_eq!(stats["per_class"]["core"], 7);
    let r = send(client().post(format!("{}/_sim/stats/reset", sim.base_url))).await;
    assert_eq!(r.status, 204);
    assert_eq!(get(&sim, PROJECTS).await.status, 200, "reset clears the window");
}

#[tokio::test]
async fn knobs_change_at_runtime() {
    let sim = contoso_sim().await;
    let k = send(client().get(format!("{}/_sim/knobs", sim.base_url)))
        .await
        .json();
    assert_eq!(k["down"], false);
    set(&sim, json!({"down": true})).await;
    let a = get(&sim, PROJECTS).await;
    assert_eq!(a.status, 503);
    assert!(a.json()["typeKey"].is_string());
    set(&sim, json!({"down": false, "error_rate": 1.0})).await;
    let e = get(&sim, PROJECTS).await;
    assert!(e.status == 500 || e.status == 503);
    set(&sim, json!({"error_rate": 0.0, "malformed_rate": 1.0})).await;
    let m = get(&sim, PROJECTS).await;
    assert_eq!(m.status, 200);
    assert!(serde_json::from_str::<serde_json::Value>(&m.text).is_err());
    set(&sim, json!({"malformed_rate": 0.0, "latency_ms": 120})).await;
    let t = std::time::Instant::now();
    assert_eq!(get(&sim, PROJECTS).await.status, 200);
    assert!(t.elapsed().as_millis() >= 120);
    let bad = send(
        client()
            .post(format!("{}/_sim/knobs", sim.base_url))
            .body("{not json"),
    )
    .await;
    assert_eq!(bad.status, 400);
    assert_eq!(sim.state.knobs().latency_ms, 120);
}

#[tokio::test]
async fn faults_are_deterministic_for_a_seed() {
    async fn pattern() -> Vec<u16> {
        let sim = contoso_sim().await;
        set(&sim, json!({"error_rate": 0.5, "seed": 42})).await;
        let mut out = Vec::new();
        for _ in 0..20 {
            out.push(get(&sim, PROJECTS).await.status);
        }
        out
    }
    let a = pattern().await;
    assert_eq!(a, pattern().await);
    assert!(a.contains(&200) && a.iter().any(|s| *s >= 500));
}
