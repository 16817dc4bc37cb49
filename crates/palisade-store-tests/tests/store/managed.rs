//! Stories of managed scans: managed repositories, settings, scan logs,
//! pull-request state, webhook deliveries, subscriptions, statistics,
//! revoking a connector and job-bound scans.

use std::sync::Arc;
use std::time::Duration;

use palisade_domain::{
    ArchiveReason, MANAGED_SCAN_LABEL, ManagedState, OrgName, ScanError, ScanSettings, ScanStatus, Severity,
    Timestamp,
};
use palisade_store::{
    CancelSelector, ConnectorId, FindingFilter, HookSubscription, JobQueue, JobState, Lease, LogLine,
    ManagedRepo, ManagedRepoFilter, ManagedStore, NewJob, PrState, PrThread, ScanStats, ScannedUpTo, Store,
    StoreError, new_connector_id, priority,
};

use crate::fixtures::{
    SECRETS, TARGET, context, finding, loc, managed_scan, minutes, org_name, pat_connector, running, scan,
};
use crate::harness::Harness;

fn not_found(err: &StoreError) -> &str {
    match err {
        StoreError::NotFound(msg) => msg,
        other => panic!("expected not found, got {other:?}"),
    }
}

/// An offered repository `name` of `project` in `org`, for `connector`.
fn repo(org: &str, repo_id: &str, project: &str, name: &str, connector: Option<&ConnectorId>) -> ManagedRepo {
    ManagedRepo {
        org: org_name(org),
        repo_id: repo_id.to_owned(),
        connector: connector.cloned(),
        project: project.to_owned(),
        project_id: format!("{}-id", project.to_ascii_lowercase()),
        name: name.to_owned(),
        remote_url: format!("https://dev.azure.com/{org}/{project}/_git/{name}"),
        web_url: format!("https://dev.azure.com/{org}/{project}/_git/{name}"),
        default_branch: Some("main".to_owned()),
        size: 4096,
        target: format!("ado://{}/{repo_id}", org.to_ascii_lowercase()),
        state: ManagedState::Offered,
        archive_reason: None,
        full_scans: false,
        pr_scans: false,
        labels: Vec::new(),
        scanned_tips: Vec::new(),
        scanned_rules: None,
        last_scan_id: None,
        last_scan_at: None,
        last_status: None,
        last_error: None,
        last_success_at: None,
        first_seen_at: minutes(0),
        updated_at: minutes(0),
    }
}

fn enabled(mut r: ManagedRepo) -> ManagedRepo {
    r.state = ManagedState::Enabled;
    r.full_scans = true;
    r.pr_scans = true;
    r.labels = vec![MANAGED_SCAN_LABEL.to_owned()];
    r
}

async fn new_connector(store: &impl Store, name: &str, org: &str) -> ConnectorId {
    let id = new_connector_id();
    store
        .create_connector(&id, &pat_connector(name, org), Some(b"sealed-pat"), minutes(0))
        .await
        .expect("create connector");
    id
}

fn names(repos: &[ManagedRepo]) -> Vec<&str> {
    repos.iter().map(|r| r.name.as_str()).collect()
}

pub async fn managed_repos_upsert_list_and_record_scans<H: Harness>(h: &H) {
    let store = h.open().await;
    let c = new_connector_id();
    let other = new_connector_id();
    let web = enabled(repo("Contoso", "aaaa-1", "Payments", "web", Some(&c)));
    let api = repo("Contoso", "aaaa-2", "payments", "API", Some(&c));
    let tools = enabled(repo("Contoso", "aaaa-3", "Infra", "tools", Some(&other)));
    let fab = repo("fabrikam", "bbbb-1", "Core", "core", None);
    store
        .upsert_managed_repos(&[web.clone(), api.clone(), tools.clone(), fab.clone()])
        .await
        .expect("upsert");

    // By org (any case) and repo id (any case); the org as written.
    let got = store
        .get_managed_repo(&org_name("contoso"), "AAAA-1")
        .await
        .expect("get");
    assert_eq!(got, web);
    let err = store
        .get_managed_repo(&org_name("contoso"), "nope")
        .await
        .expect_err("unknown");
    assert!(not_found(&err).contains("nope"), "{err:?}");

    // Order: org, project, name, ignoring case.
    let all = store
        .list_managed_repos(&ManagedRepoFilter::default())
        .await
        .expect("list");
    assert_eq!(names(&all), vec!["tools", "API", "web", "core"]);
    let filtered = |f: ManagedRepoFilter| {
        let store = store.clone();
        async move { store.list_managed_repos(&f).await.expect("list") }
    };
    let of_c = filtered(ManagedRepoFilter {
        connector: Some(c.clone()),
        ..ManagedRepoFilter::default()
    })
    .await;
    assert_eq!(names(&of_c), vec!["API", "web"]);
    let of_org = filtered(ManagedRepoFilter {
        org: Some(org_name("FABRIKAM")),
        ..ManagedRepoFilter::default()
    })
    .await;
    assert_eq!(names(&of_org), vec!["core"]);
    let of_project = filtered(ManagedRepoFilter {
        project: Some("PAYMENTS".to_owned()),
        ..ManagedRepoFilter::default()
    })
    .await;
    assert_eq!(names(&of_project), vec!["API", "web"]);
    let on = filtered(ManagedRepoFilter {
        states: vec![ManagedState::Enabled],
        full_scans: Some(true),
        ..ManagedRepoFilter::default()
    })
    .await;
    assert_eq!(names(&on), vec!["tools", "web"]);
    let first = filtered(ManagedRepoFilter {
        limit: Some(1),
        ..ManagedRepoFilter::default()
    })
    .await;
    assert_eq!(names(&first), vec!["tools"]);

    // A successful scan records its tips.
    let tips = vec!["c".repeat(40), "d".repeat(40)];
    store
        .record_repo_scan(
            &web.org,
            &web.repo_id,
            "scan-1",
            ScanStatus::Completed,
            Some(ScannedUpTo {
                tips: &tips,
                rules_version: "rules-1",
            }),
            None,
            minutes(10),
        )
        .await
        .expect("record success");
    let got = store.get_managed_repo(&web.org, &web.repo_id).await.expect("get");
    assert_eq!(got.last_scan_id.as_deref(), Some("scan-1"));
    assert_eq!(got.last_scan_at, Some(minutes(10)));
    assert_eq!(got.last_status, Some(ScanStatus::Completed));
    assert_eq!(got.last_success_at, Some(minutes(10)));
    assert_eq!(got.scanned_tips, tips);
    assert_eq!(got.scanned_rules.as_deref(), Some("rules-1"));
    assert_eq!(got.last_error, None);
    assert_eq!(got.updated_at, minutes(10));

    // A failure keeps the tips and the last success, and says why.
    store
        .record_repo_scan(
            &web.org,
            &web.repo_id,
            "scan-2",
            ScanStatus::Failed,
            Some(ScannedUpTo {
                tips: &["e".repeat(40)],
                rules_version: "rules-2",
            }),
            Some("clone failed: 403"),
            minutes(20),
        )
        .await
        .expect("record failure");
    let got = store.get_managed_repo(&web.org, &web.repo_id).await.expect("get");
    assert_eq!(got.last_scan_id.as_deref(), Some("scan-2"));
    assert_eq!(got.last_status, Some(ScanStatus::Failed));
    assert_eq!(got.last_error.as_deref(), Some("clone failed: 403"));
    assert_eq!(got.last_success_at, Some(minutes(10)));
    assert_eq!(got.scanned_tips, tips);
    assert_eq!(
        got.scanned_rules.as_deref(),
        Some("rules-1"),
        "a failure read nothing"
    );

    // Success with errors counts as success and clears the error; without
    // tips, the tips stay.
    store
        .record_repo_scan(
            &web.org,
            &web.repo_id,
            "scan-3",
            ScanStatus::CompletedWithErrors,
            None,
            None,
            minutes(30),
        )
        .await
        .expect("record");
    let got = store.get_managed_repo(&web.org, &web.repo_id).await.expect("get");
    assert_eq!(got.last_error, None);
    assert_eq!(got.last_success_at, Some(minutes(10)), "no tips: not a full read");
    assert_eq!(got.scanned_tips, tips);
    assert_eq!(got.scanned_rules.as_deref(), Some("rules-1"));

    // Scanned since minute 25 or never: everything but web.
    let stale = filtered(ManagedRepoFilter {
        last_scan_before: Some(minutes(25)),
        ..ManagedRepoFilter::default()
    })
    .await;
    assert_eq!(names(&stale), vec!["tools", "API", "core"]);

    let err = store
        .record_repo_scan(
            &org_name("contoso"),
            "nope",
            "scan-x",
            ScanStatus::Completed,
            None,
            None,
            minutes(1),
        )
        .await
        .expect_err("unknown repo");
    not_found(&err);

    // Upsert replaces the whole row.
    let mut renamed = got.clone();
    "website".clone_into(&mut renamed.name);
    renamed.state = ManagedState::Archived;
    renamed.archive_reason = Some(ArchiveReason::Removed);
    renamed.labels = vec!["a".to_owned(), MANAGED_SCAN_LABEL.to_owned()];
    renamed.updated_at = minutes(40);
    store
        .upsert_managed_repos(&[renamed.clone()])
        .await
        .expect("replace");
    assert_eq!(
        store.get_managed_repo(&web.org, &web.repo_id).await.expect("get"),
        renamed
    );
    assert_eq!(
        store
            .list_managed_repos(&ManagedRepoFilter::default())
            .await
            .expect("list")
            .len(),
        4
    );
}

pub async fn scan_settings_and_webhook_secret<H: Harness>(h: &H) {
    let store = h.open().await;
    let c = new_connector(&store, "ado-settings", "contoso").await;
    assert_eq!(
        store.scan_settings(&c).await.expect("defaults"),
        ScanSettings::default()
    );
    let settings = ScanSettings {
        auto_enable_new_repos: true,
        full_scan_interval_hours: 6,
        pr_comments_off_projects: vec!["Payments".to_owned()],
        pr_fail_severity: Severity::Critical,
        ..ScanSettings::default()
    };
    store
        .set_scan_settings(&c, &settings, minutes(1))
        .await
        .expect("set");
    assert_eq!(store.scan_settings(&c).await.expect("get"), settings);
    let changed = ScanSettings {
        batch_size: 20,
        webhook_url: Some("https://palisade.example/hooks/ado".to_owned()),
        ..settings
    };
    store
        .set_scan_settings(&c, &changed, minutes(2))
        .await
        .expect("set again");
    assert_eq!(store.scan_settings(&c).await.expect("get"), changed);

    assert_eq!(store.webhook_secret(&c).await.expect("none yet"), None);
    store
        .set_webhook_secret(&c, Some(b"sealed-secret"), minutes(3))
        .await
        .expect("set secret");
    assert_eq!(
        store.webhook_secret(&c).await.expect("secret"),
        Some(b"sealed-secret".to_vec())
    );
    // Settings and secret live side by side.
    assert_eq!(store.scan_settings(&c).await.expect("get"), changed);
    store
        .set_webhook_secret(&c, None, minutes(4))
        .await
        .expect("clear secret");
    assert_eq!(store.webhook_secret(&c).await.expect("cleared"), None);
    assert_eq!(store.scan_settings(&c).await.expect("get"), changed);

    let unknown = new_connector_id();
    not_found(&store.scan_settings(&unknown).await.expect_err("unknown"));
    not_found(
        &store
            .set_scan_settings(&unknown, &ScanSettings::default(), minutes(1))
            .await
            .expect_err("unknown"),
    );
    not_found(&store.webhook_secret(&unknown).await.expect_err("unknown"));
    not_found(
        &store
            .set_webhook_secret(&unknown, Some(b"x"), minutes(1))
            .await
            .expect_err("unknown"),
    );
}

fn line(n: i64, level: &str, message: &str) -> LogLine {
    LogLine {
        at: minutes(n),
        level: level.to_owned(),
        message: message.to_owned(),
    }
}

pub async fn scan_logs_append_in_order<H: Harness>(h: &H) {
    let store = h.open().await;
    let err = store.scan_log("no-such-scan").await.expect_err("unknown");
    assert!(not_found(&err).contains("no-such-scan"), "{err:?}");
    let err = store
        .append_scan_log("no-such-scan", &[line(0, "info", "x")])
        .await
        .expect_err("unknown");
    not_found(&err);

    let s = scan(TARGET, 0);
    store.begin_scan(&running(&s)).await.expect("begin");
    assert!(store.scan_log(&s.id).await.expect("empty").is_empty());
    store.append_scan_log(&s.id, &[]).await.expect("nothing");
    let first = vec![line(0, "info", "cloning"), line(1, "warn", "large file skipped")];
    store.append_scan_log(&s.id, &first).await.expect("append");
    // Same times keep the order of appending.
    let second = vec![line(1, "error", "blob unreadable"), line(1, "info", "done")];
    store.append_scan_log(&s.id, &second).await.expect("append");
    let all: Vec<LogLine> = first.into_iter().chain(second).collect();
    assert_eq!(store.scan_log(&s.id).await.expect("log"), all);

    store
        .append_scan_log(&s.id, &[line(2, "debug", "nope")])
        .await
        .expect_err("unknown level");
    assert_eq!(store.scan_log(&s.id).await.expect("log").len(), 4);

    // Another scan's log is its own.
    let t = scan(TARGET, 5);
    store.begin_scan(&running(&t)).await.expect("begin");
    store
        .append_scan_log(&t.id, &[line(5, "info", "other")])
        .await
        .expect("append");
    assert_eq!(store.scan_log(&t.id).await.expect("log").len(), 1);
}

pub async fn pr_state_round_trip<H: Harness>(h: &H) {
    let store = h.open().await;
    let org = org_name("Contoso");
    assert_eq!(
        store.pr_state(&org, "aaaa-1", 7).await.expect("default"),
        PrState::default()
    );
    let state = PrState {
        summary_thread: Some(11),
        summary_comment: Some(12),
        threads: vec![
            PrThread {
                key: "f1:src/a.rs:3".to_owned(),
                thread_id: 21,
                resolved: false,
            },
            PrThread {
                key: "f2:src/b.rs:9".to_owned(),
                thread_id: 22,
                resolved: true,
            },
        ],
        last_head: Some("a".repeat(40)),
    };
    store
        .set_pr_state(&org, "AAAA-1", 7, &state, minutes(1))
        .await
        .expect("set");
    assert_eq!(
        store
            .pr_state(&org_name("contoso"), "aaaa-1", 7)
            .await
            .expect("get"),
        state
    );
    // Other pull requests and repositories are separate.
    assert_eq!(
        store.pr_state(&org, "aaaa-1", 8).await.expect("other pr"),
        PrState::default()
    );
    assert_eq!(
        store.pr_state(&org, "aaaa-2", 7).await.expect("other repo"),
        PrState::default()
    );
    let updated = PrState {
        threads: Vec::new(),
        last_head: Some("b".repeat(40)),
        ..state
    };
    store
        .set_pr_state(&org, "aaaa-1", 7, &updated, minutes(2))
        .await
        .expect("update");
    assert_eq!(store.pr_state(&org, "aaaa-1", 7).await.expect("get"), updated);
}

/// A `pr-scan` job, queued and then leased until `at + lease_for`.
async fn running_pr_job(store: &impl Store, key: &str, lease_for: Duration, at: Timestamp) -> Lease {
    let new = NewJob {
        kind: "pr-scan".to_owned(),
        payload: serde_json::json!({ "pr": key }),
        dedup_key: Some(key.to_owned()),
        priority: priority::PR_SCAN,
        max_attempts: 3,
        run_after: at,
        connector: None,
    };
    let (id, created) = store.enqueue(&new, at).await.expect("enqueue");
    assert!(created);
    let lease = store
        .lease_job("worker", &["pr-scan"], lease_for, at)
        .await
        .expect("lease")
        .expect("a due job");
    assert_eq!(lease.job.id, id);
    lease
}

pub async fn pr_claim_lasts_while_its_job_runs<H: Harness>(h: &H) {
    const LEASE: Duration = Duration::from_mins(10);
    let store = h.open().await;
    let org = org_name("Contoso");
    let first = running_pr_job(&store, "pr-7:a", LEASE, minutes(0)).await;
    let second = running_pr_job(&store, "pr-7:b", LEASE, minutes(0)).await;

    assert!(
        store
            .claim_pr(&org, "AAAA-1", 7, &first.job.id, minutes(1))
            .await
            .expect("claim")
    );
    // The row it made reads as nothing posted yet.
    assert_eq!(
        store.pr_state(&org, "aaaa-1", 7).await.expect("state"),
        PrState::default()
    );
    assert!(
        !store
            .claim_pr(&org, "aaaa-1", 7, &second.job.id, minutes(1))
            .await
            .expect("refused")
    );
    assert!(
        store
            .claim_pr(&org, "aaaa-1", 7, &first.job.id, minutes(2))
            .await
            .expect("again")
    );
    // Other pull requests and repositories are claimed apart.
    assert!(
        store
            .claim_pr(&org, "aaaa-1", 8, &second.job.id, minutes(2))
            .await
            .expect("other pr")
    );
    assert!(
        store
            .claim_pr(&org, "aaaa-2", 7, &second.job.id, minutes(2))
            .await
            .expect("other repo")
    );

    // Saving the state keeps the claim; claiming keeps the state.
    let posted = PrState {
        summary_thread: Some(11),
        summary_comment: Some(12),
        last_head: Some("a".repeat(40)),
        ..PrState::default()
    };
    store
        .set_pr_state(&org, "aaaa-1", 7, &posted, minutes(3))
        .await
        .expect("set");
    assert!(
        !store
            .claim_pr(&org, "aaaa-1", 7, &second.job.id, minutes(3))
            .await
            .expect("still refused")
    );

    // Its job done, the claim lapses: nothing to release.
    assert!(
        store
            .complete_job(&first.job.id, &first.token, minutes(4))
            .await
            .expect("complete")
    );
    assert!(
        store
            .claim_pr(&org, "aaaa-1", 7, &second.job.id, minutes(4))
            .await
            .expect("taken over")
    );
    assert!(
        !store
            .claim_pr(&org, "aaaa-1", 7, &first.job.id, minutes(4))
            .await
            .expect("a finished job")
    );
    assert_eq!(store.pr_state(&org, "aaaa-1", 7).await.expect("state"), posted);

    // A failed attempt queued for a retry holds nothing either.
    let third = running_pr_job(&store, "pr-7:c", LEASE, minutes(4)).await;
    assert!(
        store
            .claim_pr(&org, "aaaa-1", 9, &third.job.id, minutes(4))
            .await
            .expect("claim 9")
    );
    store
        .fail_job(&third.job.id, &third.token, "boom", Some(minutes(30)), minutes(5))
        .await
        .expect("fail");
    assert!(
        store
            .claim_pr(&org, "aaaa-1", 9, &second.job.id, minutes(5))
            .await
            .expect("after a failure")
    );

    // A worker that died: its claim ends with its lease (second's runs to minute 10),
    // counted as the queue counts it (`lease_job` re-leases only after it).
    let fourth = running_pr_job(&store, "pr-7:d", LEASE, minutes(5)).await;
    assert!(
        !store
            .claim_pr(&org, "aaaa-1", 7, &fourth.job.id, minutes(10))
            .await
            .expect("lease not over")
    );
    let past = Timestamp::from_millis(minutes(10).millis() + 1);
    assert!(
        store
            .claim_pr(&org, "aaaa-1", 7, &fourth.job.id, past)
            .await
            .expect("lease expired")
    );
    assert!(
        !store
            .claim_pr(&org, "aaaa-1", 7, &second.job.id, past)
            .await
            .expect("the second lost it")
    );
}

pub async fn concurrent_pr_claims_one_wins<H: Harness>(h: &H) {
    const JOBS: usize = 8;
    const PRS: i64 = 20;
    let store = h.open().await;
    let org = org_name("contoso");
    // Each claimer has its own handle, as another worker process would.
    let mut claimers = Vec::new();
    for n in 0..JOBS {
        let lease = running_pr_job(&store, &format!("job-{n}"), Duration::from_mins(10), minutes(0)).await;
        claimers.push((lease.job.id, h.open().await));
    }
    for pr in 1..=PRS {
        let start = Arc::new(tokio::sync::Barrier::new(JOBS));
        let mut racing = Vec::new();
        for (job, handle) in &claimers {
            let (store, org, job, start) = (handle.clone(), org.clone(), job.clone(), Arc::clone(&start));
            racing.push(tokio::spawn(async move {
                start.wait().await;
                let won = store
                    .claim_pr(&org, "aaaa-1", pr, &job, minutes(1))
                    .await
                    .expect("claim");
                (job, won)
            }));
        }
        let mut winners = Vec::new();
        for r in racing {
            let (job, won) = r.await.expect("claimer");
            if won {
                winners.push(job);
            }
        }
        assert_eq!(winners.len(), 1, "pull request {pr}: {winners:?} all won");
        for (job, _) in &claimers {
            assert_eq!(
                store
                    .claim_pr(&org, "aaaa-1", pr, job, minutes(2))
                    .await
                    .expect("check"),
                *job == winners[0],
                "pull request {pr}: only the winner holds it"
            );
        }
    }
}

pub async fn webhook_deliveries_dedup_and_prune<H: Harness>(h: &H) {
    let store = h.open().await;
    let keep = minutes(-60);
    assert!(
        store
            .record_delivery("d-1", minutes(0), keep)
            .await
            .expect("first")
    );
    assert!(
        !store
            .record_delivery("d-1", minutes(1), keep)
            .await
            .expect("replay")
    );
    assert!(
        store
            .record_delivery("d-2", minutes(1), keep)
            .await
            .expect("other")
    );
    // An hour later d-1 is forgotten (pruned): seen as new again.
    assert!(
        store
            .record_delivery("d-1", minutes(61), minutes(1))
            .await
            .expect("forgotten")
    );
    // d-2 (minute 1) is kept with the cut at minute 1.
    assert!(
        !store
            .record_delivery("d-2", minutes(61), minutes(1))
            .await
            .expect("still known")
    );
    assert!(
        !store
            .record_delivery("d-1", minutes(62), minutes(2))
            .await
            .expect("recorded again at 61")
    );
}

fn sub(id: &str, event_type: &str, project_id: &str, n: i64) -> HookSubscription {
    HookSubscription {
        id: id.to_owned(),
        org: "contoso".to_owned(),
        event_type: event_type.to_owned(),
        project_id: project_id.to_owned(),
        created_at: minutes(n),
    }
}

pub async fn hook_subscriptions_are_replaced<H: Harness>(h: &H) {
    let store = h.open().await;
    let c = new_connector(&store, "ado-hooks", "contoso").await;
    let d = new_connector(&store, "ado-hooks-2", "fabrikam").await;
    assert!(store.subscriptions(&c).await.expect("none").is_empty());
    let subs = vec![
        sub("s-1", "git.pullrequest.created", "p1", 1),
        sub("s-2", "git.pullrequest.updated", "p1", 2),
        sub("s-3", "git.push", "p1", 3),
    ];
    store.set_subscriptions(&c, &subs).await.expect("set");
    store
        .set_subscriptions(&d, &[sub("s-9", "git.push", "p9", 1)])
        .await
        .expect("set other");
    assert_eq!(store.subscriptions(&c).await.expect("list"), subs);
    let fewer = vec![subs[2].clone(), sub("s-4", "git.push", "p2", 4)];
    store.set_subscriptions(&c, &fewer).await.expect("replace");
    assert_eq!(store.subscriptions(&c).await.expect("list"), fewer);
    store.set_subscriptions(&c, &[]).await.expect("clear");
    assert!(store.subscriptions(&c).await.expect("list").is_empty());
    assert_eq!(store.subscriptions(&d).await.expect("other").len(), 1);

    let unknown = new_connector_id();
    not_found(&store.subscriptions(&unknown).await.expect_err("unknown"));
    not_found(
        &store
            .set_subscriptions(&unknown, &subs)
            .await
            .expect_err("unknown"),
    );
}

pub async fn scan_stats_of_a_connector<H: Harness>(h: &H) {
    let store = h.open().await;
    let c = new_connector(&store, "ado-stats", "contoso").await;
    let other = new_connector(&store, "ado-other", "fabrikam").await;
    let mut scanned = enabled(repo("contoso", "r1", "P", "one", Some(&c)));
    scanned.last_success_at = Some(minutes(1));
    let mut archived = repo("contoso", "r5", "P", "five", Some(&c));
    archived.state = ManagedState::Archived;
    archived.archive_reason = Some(ArchiveReason::Removed);
    store
        .upsert_managed_repos(&[
            scanned,
            enabled(repo("contoso", "r2", "P", "two", Some(&c))),
            repo("contoso", "r3", "P", "three", Some(&c)),
            repo("contoso", "r4", "P", "four", Some(&c)),
            archived,
            enabled(repo("fabrikam", "r6", "P", "six", Some(&other))),
        ])
        .await
        .expect("upsert");

    let cid = c.as_str();
    let record = |s: palisade_domain::ScanSummary| {
        let store = store.clone();
        async move {
            store.record_scan(&s, &[], SECRETS).await.expect("record");
            s
        }
    };
    // Before `since`: not counted.
    record(managed_scan("/t/1", 0, context(cid, "r1", "P/one", None))).await;
    let ok = record(managed_scan("/t/1", 100, context(cid, "r1", "P/one", None))).await;
    let mut with_errors = managed_scan("/t/2", 110, context(cid, "r2", "P/two", None));
    with_errors.status = ScanStatus::CompletedWithErrors;
    with_errors.bytes = 5;
    record(with_errors).await;
    let mut failed = managed_scan("/t/2", 120, context(cid, "r2", "P/two", None));
    failed.status = ScanStatus::Failed;
    failed.bytes = 0;
    failed.errors = vec![
        ScanError {
            subject: "clone".to_owned(),
            message: "clone failed: 403".to_owned(),
        },
        ScanError {
            subject: "x".to_owned(),
            message: "second".to_owned(),
        },
    ];
    let failed = record(failed).await;
    let mut failed_quietly = managed_scan("/t/1", 130, context(cid, "r1", "P/one", None));
    failed_quietly.status = ScanStatus::Failed;
    failed_quietly.bytes = 0;
    failed_quietly.errors = Vec::new();
    let failed_quietly = record(failed_quietly).await;
    // Interrupted by a lost worker: a failure too.
    let lost = managed_scan("/t/3", 140, context(cid, "r3", "P/three", Some("job-9")));
    store.begin_scan(&running(&lost)).await.expect("begin");
    store
        .interrupt_job_scans("job-9", minutes(150))
        .await
        .expect("interrupt");
    // Other connectors' scans and local scans are not counted.
    record(managed_scan(
        "/t/6",
        100,
        context(other.as_str(), "r6", "P/six", None),
    ))
    .await;
    record(scan("/local", 100)).await;

    let stats = store.scan_stats(&c, minutes(50)).await.expect("stats");
    assert_eq!(
        stats,
        ScanStats {
            repos_enabled: 2,
            repos_offered: 2,
            repos_archived: 1,
            repos_scanned: 1,
            scans_finished: 5,
            scans_succeeded: 2,
            bytes_scanned: ok.bytes + 5,
            last_failures: vec![
                ("P/three".to_owned(), lost.id.clone(), minutes(150), String::new()),
                (
                    "P/one".to_owned(),
                    failed_quietly.id.clone(),
                    failed_quietly.finished_at.expect("finished"),
                    String::new()
                ),
                (
                    "P/two".to_owned(),
                    failed.id.clone(),
                    failed.finished_at.expect("finished"),
                    "clone failed: 403".to_owned()
                ),
            ],
        }
    );
    let all = store.scan_stats(&c, minutes(-10)).await.expect("stats");
    assert_eq!(all.scans_finished, 6);
    assert_eq!(all.scans_succeeded, 3);

    // Only the five most recent failures.
    for n in 0..6 {
        let mut f = managed_scan("/t/4", 200 + n, context(cid, "r4", "P/four", None));
        f.status = ScanStatus::Failed;
        record(f).await;
    }
    let stats = store.scan_stats(&c, minutes(50)).await.expect("stats");
    assert_eq!(stats.last_failures.len(), 5);
    assert!(stats.last_failures.iter().all(|f| f.0 == "P/four"));
    assert!(
        stats.last_failures.windows(2).all(|w| w[0].2 >= w[1].2),
        "newest first"
    );

    let empty = store.scan_stats(&other, minutes(1_000)).await.expect("stats");
    assert_eq!(empty.repos_enabled, 1);
    assert_eq!(empty.scans_finished, 0);
    not_found(
        &store
            .scan_stats(&new_connector_id(), minutes(0))
            .await
            .expect_err("unknown"),
    );
}

/// A connector with everything revoking touches: settings, secret,
/// subscriptions, repositories, jobs, and findings from a managed scan.
async fn busy_connector(store: &impl Store, name: &str, org: &str) -> (ConnectorId, Vec<ManagedRepo>) {
    let c = new_connector(store, name, org).await;
    store
        .set_scan_settings(&c, &ScanSettings::default(), minutes(1))
        .await
        .expect("settings");
    store
        .set_webhook_secret(&c, Some(b"sealed-hook-secret"), minutes(1))
        .await
        .expect("secret");
    store
        .set_subscriptions(&c, &[sub("s-1", "git.push", "p1", 1)])
        .await
        .expect("subscriptions");
    let mut off = enabled(repo(org, "r2", "P", "two", Some(&c)));
    off.state = ManagedState::Disabled;
    let repos = vec![
        enabled(repo(org, "r1", "P", "one", Some(&c))),
        off,
        repo(org, "r3", "P", "three", Some(&c)),
    ];
    store.upsert_managed_repos(&repos).await.expect("repos");
    let s = managed_scan(&repos[0].target, 10, context(c.as_str(), "r1", "P/one", None));
    let f = finding(
        "github.pat",
        &format!("ghp_{name}aaaaaaaaaaaaaaaaaaaaaaaaaaaa"),
        Severity::High,
        vec![loc("src/main.rs", 3)],
    );
    store.record_scan(&s, &[f], SECRETS).await.expect("record");
    (c, repos)
}

fn connector_job(c: &ConnectorId, key: &str) -> NewJob {
    NewJob {
        kind: "full-scan".to_owned(),
        payload: serde_json::json!({ "repo": key }),
        dedup_key: Some(key.to_owned()),
        priority: priority::FULL_SCAN,
        max_attempts: 3,
        run_after: minutes(0),
        connector: Some(c.clone()),
    }
}

async fn assert_retired(store: &impl Store, c: &ConnectorId, org: &OrgName, repos: &[ManagedRepo], at: i64) {
    for r in repos {
        let got = store.get_managed_repo(org, &r.repo_id).await.expect("kept");
        assert_eq!(got.state, ManagedState::Archived, "{}", r.name);
        assert_eq!(got.archive_reason, Some(ArchiveReason::Revoked));
        assert_eq!(got.connector, None);
        assert!(got.updated_at >= minutes(at));
        // Everything else stays: per-repository settings and labels.
        assert_eq!((got.full_scans, got.pr_scans), (r.full_scans, r.pr_scans));
        assert_eq!(got.labels, r.labels);
        assert_eq!(got.target, r.target);
    }
    not_found(&store.get_connector(c.as_str()).await.expect_err("connector gone"));
    not_found(&store.connector_credential(c).await.expect_err("credential gone"));
    not_found(&store.webhook_secret(c).await.expect_err("secret gone"));
    not_found(&store.subscriptions(c).await.expect_err("subscriptions gone"));
    not_found(&store.scan_settings(c).await.expect_err("settings gone"));
    // Findings and scans are kept.
    let findings = store
        .list_findings(&FindingFilter {
            target: Some(repos[0].target.clone()),
            ..FindingFilter::default()
        })
        .await
        .expect("findings");
    assert_eq!(findings.len(), 1);
    assert_eq!(
        store.repo_scans(&repos[0].target, 10).await.expect("scans").len(),
        1
    );
}

pub async fn revoke_archives_repos_and_destroys_secrets<H: Harness>(h: &H) {
    let store = h.open().await;
    let (c, repos) = busy_connector(&store, "ado-revoke", "contoso").await;
    let (keep, kept_repos) = busy_connector(&store, "ado-keep", "fabrikam").await;
    let (queued, _) = store
        .enqueue(&connector_job(&c, "q"), minutes(0))
        .await
        .expect("enqueue");
    let (running_job, _) = store
        .enqueue(&connector_job(&c, "r"), minutes(0))
        .await
        .expect("enqueue");
    let (other_job, _) = store
        .enqueue(&connector_job(&keep, "k"), minutes(1))
        .await
        .expect("enqueue");
    let lease = store
        .lease_job("w", &[], Duration::from_mins(10), minutes(1))
        .await
        .expect("lease")
        .expect("due");
    assert_eq!(lease.job.connector.as_ref(), Some(&c));

    store.revoke_connector(&c, minutes(20)).await.expect("revoke");
    assert_retired(&store, &c, &org_name("contoso"), &repos, 20).await;
    for id in [&queued, &running_job] {
        let got = store.get_job(id).await.expect("job kept");
        assert_eq!(got.state, JobState::Cancelled);
        assert_eq!(got.finished_at, Some(minutes(20)));
        assert_eq!(got.connector.as_ref(), Some(&c));
    }
    assert!(
        !store
            .heartbeat(&lease.job.id, &lease.token, minutes(21))
            .await
            .expect("fenced")
    );
    // The other connector is untouched.
    assert_eq!(
        store.get_job(&other_job).await.expect("job").state,
        JobState::Queued
    );
    assert_eq!(
        store.webhook_secret(&keep).await.expect("secret"),
        Some(b"sealed-hook-secret".to_vec())
    );
    assert_eq!(store.subscriptions(&keep).await.expect("subs").len(), 1);
    for r in &kept_repos {
        assert_eq!(
            store
                .get_managed_repo(&r.org, &r.repo_id)
                .await
                .expect("kept")
                .connector
                .as_ref(),
            Some(&keep)
        );
    }
    let err = store
        .revoke_connector(&c, minutes(21))
        .await
        .expect_err("already revoked");
    not_found(&err);

    // A new connector for the organization takes the repositories up again.
    let again = new_connector(&store, "ado-revoke", "contoso").await;
    let mut back = store
        .get_managed_repo(&org_name("contoso"), "r1")
        .await
        .expect("get");
    back.connector = Some(again.clone());
    back.state = ManagedState::Enabled;
    back.archive_reason = None;
    store.upsert_managed_repos(&[back]).await.expect("take up");
    let of_again = store
        .list_managed_repos(&ManagedRepoFilter {
            connector: Some(again),
            ..ManagedRepoFilter::default()
        })
        .await
        .expect("list");
    assert_eq!(names(&of_again), vec!["one"]);
}

pub async fn delete_connectors_archives_repos_like_revoke<H: Harness>(h: &H) {
    let store = h.open().await;
    let (c, repos) = busy_connector(&store, "ado-delete", "contoso").await;
    let (job, _) = store
        .enqueue(&connector_job(&c, "q"), minutes(0))
        .await
        .expect("enqueue");
    assert_eq!(
        store
            .delete_connectors(std::slice::from_ref(&c))
            .await
            .expect("delete"),
        1
    );
    assert_retired(&store, &c, &org_name("contoso"), &repos, 20).await;
    assert_eq!(store.get_job(&job).await.expect("job").state, JobState::Cancelled);
    assert_eq!(
        store
            .cancel_jobs(&CancelSelector::Connector(c), minutes(30))
            .await
            .expect("nothing left"),
        0
    );
}

pub async fn interrupt_job_scans_marks_only_that_jobs_running_scans<H: Harness>(h: &H) {
    let store = h.open().await;
    let c = new_connector_id();
    let cid = c.as_str();
    let a = managed_scan("/t/a", 0, context(cid, "r1", "P/one", Some("job-1")));
    let b = managed_scan("/t/b", 1, context(cid, "r2", "P/two", Some("job-1")));
    let other = managed_scan("/t/c", 2, context(cid, "r3", "P/three", Some("job-2")));
    let done = managed_scan("/t/d", 3, context(cid, "r4", "P/four", Some("job-1")));
    let local = scan("/t/e", 4);
    for s in [&a, &b, &other, &local] {
        store.begin_scan(&running(s)).await.expect("begin");
    }
    store.record_scan(&done, &[], SECRETS).await.expect("record");

    assert_eq!(
        store
            .interrupt_job_scans("job-1", minutes(10))
            .await
            .expect("interrupt"),
        2
    );
    for s in [&a, &b] {
        let got = store.get_scan(&s.id).await.expect("get");
        assert_eq!(got.status, ScanStatus::Interrupted);
        assert_eq!(got.finished_at, Some(minutes(10)));
        assert_eq!(got.context, s.context);
    }
    assert_eq!(
        store.get_scan(&other.id).await.expect("get").status,
        ScanStatus::Running
    );
    assert_eq!(
        store.get_scan(&local.id).await.expect("get").status,
        ScanStatus::Running
    );
    assert_eq!(store.get_scan(&done.id).await.expect("get"), done);
    assert_eq!(
        store
            .interrupt_job_scans("job-1", minutes(11))
            .await
            .expect("again"),
        0
    );
    assert_eq!(
        store
            .interrupt_job_scans("no-job", minutes(11))
            .await
            .expect("none"),
        0
    );
}

pub async fn repo_scans_lists_managed_scans_newest_first<H: Harness>(h: &H) {
    let store = h.open().await;
    let c = new_connector_id();
    let ctx = context(c.as_str(), "r1", "P/one", Some("job-1"));
    let old = managed_scan(TARGET, 0, ctx.clone());
    let local = scan(TARGET, 5);
    let mut pr = managed_scan(TARGET, 10, ctx.clone());
    if let Some(ctx) = pr.context.as_mut() {
        ctx.trigger = palisade_domain::ScanTrigger::PullRequest;
        ctx.pull_request = Some(42);
        ctx.incremental = true;
        ctx.job = None;
    }
    let newest = managed_scan(TARGET, 20, ctx);
    let elsewhere = managed_scan("/elsewhere", 30, context(c.as_str(), "r2", "P/two", None));
    for s in [&old, &local, &pr, &newest, &elsewhere] {
        store.record_scan(s, &[], SECRETS).await.expect("record");
    }
    assert_eq!(
        store.repo_scans(TARGET, 10).await.expect("scans"),
        vec![newest.clone(), pr.clone(), old.clone()]
    );
    assert_eq!(
        store.repo_scans(TARGET, 2).await.expect("scans"),
        vec![newest.clone(), pr.clone()]
    );
    assert!(store.repo_scans("/nothing", 10).await.expect("none").is_empty());
    // The context round-trips everywhere scans are read.
    assert_eq!(store.get_scan(&pr.id).await.expect("get"), pr);
    assert_eq!(store.get_scan(&local.id).await.expect("get").context, None);
    assert_eq!(store.list_scans(10).await.expect("list").len(), 5);
}
