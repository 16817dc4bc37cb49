//! The webhook endpoint under hostile input: forged, replayed, malformed and
//! flooding deliveries get clear answers and change nothing.

use base64::Engine as _;
use palisade_store::JobFilter;

use crate::harness::Ctx;

crate::stories!(
    health_and_readiness,
    forged_replayed_and_malformed_deliveries_change_nothing,
    a_flood_of_deliveries_is_answered_and_deduplicated,
);

async fn health_and_readiness(ctx: &Ctx) {
    let http = reqwest::Client::new();
    let r = http
        .get(format!("{}/healthz", ctx.server_url()))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let r = http
        .get(format!("{}/readyz", ctx.server_url()))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
}

async fn pr_jobs(ctx: &Ctx) -> usize {
    ctx.store
        .list_jobs(&JobFilter {
            kinds: vec!["pr-scan".into()],
            ..JobFilter::default()
        })
        .await
        .unwrap()
        .len()
}

/// The last PR-created delivery the simulator made, and where it went.
fn last_pr_delivery(ctx: &Ctx) -> palisade_ado_sim::HookDelivery {
    ctx.sim
        .state
        .hook_deliveries()
        .into_iter()
        .rev()
        .find(|d| d.event_type == "git.pullrequest.created")
        .expect("a PR delivery")
}

async fn forged_replayed_and_malformed_deliveries_change_nothing(ctx: &Ctx) {
    let record = ctx.connect(&["Web/web-frontend"]).await;
    ctx.drain().await;
    ctx.commit("feature/x", &[("x.txt", "hello\n")], &[]).await;
    ctx.open_pr("feature/x").await;
    ctx.settle().await;
    assert_eq!(pr_jobs(ctx).await, 1);
    let delivery = last_pr_delivery(ctx);
    assert!(
        delivery.attempts.iter().any(|a| a.status == Some(200)),
        "{delivery:?}"
    );
    let body = serde_json::to_vec(&delivery.payload).unwrap();
    let url = format!("{}/hooks/ado/{}", ctx.server_url(), record.id);
    let http = reqwest::Client::new();

    // Replayed by ADO (same event id): acknowledged, not queued again.
    ctx.sim.state.replay_delivery(Some(delivery.delivery_id)).unwrap();
    ctx.settle().await;
    assert_eq!(pr_jobs(ctx).await, 1);

    // No credentials, wrong password, wrong user, an unknown connector: 401, all alike.
    let basic = |user: &str, pw: &str| {
        format!(
            "Basic {}",
            base64::engine::general_purpose::STANDARD.encode(format!("{user}:{pw}"))
        )
    };
    for auth in [
        None,
        Some(basic("palisade", "guess")),
        Some(basic("admin", "guess")),
    ] {
        let mut req = http.post(&url).body(body.clone());
        if let Some(a) = auth {
            req = req.header("authorization", a);
        }
        let r = req.send().await.unwrap();
        assert_eq!(r.status(), 401);
    }
    let r = http
        .post(format!(
            "{}/hooks/ado/0190aaaa-0000-7000-8000-000000000000",
            ctx.server_url()
        ))
        .body(body.clone())
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 401);
    let r = http
        .post(format!("{}/hooks/ado/not-an-id", ctx.server_url()))
        .body(body.clone())
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 401);

    // Too large: refused before anything is read into the store.
    let r = http
        .post(&url)
        .body(vec![b' '; palisade_server::MAX_HOOK_BODY + 1])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 413);
    assert_eq!(pr_jobs(ctx).await, 1);
}

async fn a_flood_of_deliveries_is_answered_and_deduplicated(ctx: &Ctx) {
    let record = ctx.connect(&["Web/web-frontend"]).await;
    ctx.drain().await;
    ctx.commit("feature/flood", &[("f.txt", "flood\n")], &[]).await;
    ctx.open_pr("feature/flood").await;
    ctx.settle().await;
    let delivery = last_pr_delivery(ctx);
    // 200 replays at once of one captured delivery, with its real credentials
    // as the simulator sent them: every answer is 200 (duplicate) or 503 (shed).
    let mut handles = Vec::new();
    for _ in 0..200 {
        let state = ctx.sim.state.clone();
        let id = delivery.delivery_id;
        handles.push(tokio::spawn(async move { state.replay_delivery(Some(id)) }));
    }
    for h in handles {
        h.await.unwrap().unwrap();
    }
    ctx.settle().await;
    for d in ctx.sim.state.hook_deliveries().iter().filter(|d| d.replay) {
        let last = d.attempts.last().and_then(|a| a.status);
        assert!(matches!(last, Some(200 | 503)), "{d:?}");
    }
    assert_eq!(pr_jobs(ctx).await, 1, "one job however often it is delivered");
    let _ = record;
}
