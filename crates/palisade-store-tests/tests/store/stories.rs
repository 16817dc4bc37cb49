//! The stories: each opens a fresh store from its harness and checks one
//! behaviour every backend must share.

use palisade_domain::{ScanStatus, Severity, Timestamp, TriageState};
use palisade_store::{FindingFilter, Store, StoreError, Triage};

use crate::fixtures::{
    OTHER_TARGET, SECRETS, T0, TARGET, finding, id_of, loc, loc_in_commit, rule, running, scan,
};
use crate::harness::Harness;

pub use crate::access::*;
pub use crate::connectors::*;
pub use crate::jobs::*;
pub use crate::kinds::*;
pub use crate::managed::*;
pub use crate::overview::*;
pub use crate::posture::*;

pub async fn round_trip<H: Harness>(h: &H) {
    let store = h.open().await;
    let first = scan(TARGET, 0);
    store.begin_scan(&running(&first)).await.expect("begin");
    assert_eq!(
        store.get_scan(&first.id).await.expect("get running").status,
        ScanStatus::Running
    );

    let a = finding(
        "github.pat",
        "ghp_aaaaaaaaaaaaaaaaaaaaaaaaaaaa",
        Severity::High,
        vec![loc_in_commit("src/main.rs", 3)],
    );
    let b = finding(
        "generic.password",
        "hunter2",
        Severity::Low,
        vec![loc("config.toml", 1)],
    );
    let out = store
        .record_scan(&first, &[a.clone(), b.clone()], SECRETS)
        .await
        .expect("record");
    let mut expected_new = vec![a.id, b.id];
    expected_new.sort();
    assert_eq!(out.new, expected_new);
    assert!(out.fixed.is_empty());
    assert_eq!(out.states.len(), 2);
    assert!(out.states.iter().all(|(_, st)| *st == TriageState::Open));

    assert_eq!(store.get_scan(&first.id).await.expect("get scan"), first);
    assert_eq!(
        store.list_scans(10).await.expect("list scans"),
        vec![first.clone()]
    );

    let got = store.get_finding(a.id).await.expect("get finding");
    assert_eq!(got.id, a.id);
    assert_eq!(got.rule_id, a.rule_id);
    assert_eq!(got.rule_name, a.rule_name);
    assert_eq!(got.severity, a.severity);
    assert_eq!(got.confidence, a.confidence);
    assert_eq!(got.preview, a.preview);
    assert_eq!(got.secret_hash, a.secret_hash);
    assert_eq!(got.state, TriageState::Open);
    assert_eq!(got.state_comment, None);
    assert_eq!(got.state_updated_at, None);
    assert_eq!(got.first_seen_at, first.started_at);
    assert_eq!(got.last_seen_at, first.started_at);
    assert_eq!(got.first_seen_scan, first.id);
    assert_eq!(got.last_seen_scan, first.id);
    assert_eq!(got.locations.len(), 1);
    let location = &got.locations[0];
    assert_eq!(location.target, TARGET);
    assert_eq!(location.location, a.locations[0]);
    assert_eq!(
        (location.first_seen_at, location.last_seen_at, location.gone_at),
        (first.started_at, first.started_at, None)
    );

    let got_b = store.get_finding(b.id).await.expect("get finding b");
    assert_eq!(got_b.locations[0].location, b.locations[0]);
    assert!(store.triage_history(a.id).await.expect("history").is_empty());
}

pub async fn rescan_keeps_triage<H: Harness>(h: &H) {
    let store = h.open().await;
    let a = finding(
        "generic.password",
        "hunter2",
        Severity::Medium,
        vec![loc("a.env", 1)],
    );
    let s1 = scan(TARGET, 0);
    store
        .record_scan(&s1, std::slice::from_ref(&a), SECRETS)
        .await
        .expect("record 1");
    let at = Timestamp::from_millis(T0 + 30_000);
    let triaged = store
        .triage(
            a.id,
            &Triage {
                state: TriageState::FalsePositive,
                comment: Some("test fixture".into()),
                at,
            },
        )
        .await
        .expect("triage");
    assert_eq!(triaged.state, TriageState::FalsePositive);
    assert_eq!(triaged.locations.len(), 1);

    let s2 = scan(TARGET, 1);
    let out = store
        .record_scan(&s2, std::slice::from_ref(&a), SECRETS)
        .await
        .expect("record 2");
    assert!(out.new.is_empty());
    assert_eq!(out.states, vec![(a.id, TriageState::FalsePositive)]);
    let got = store.get_finding(a.id).await.expect("get");
    assert_eq!(got.state, TriageState::FalsePositive);
    assert_eq!(got.state_comment.as_deref(), Some("test fixture"));
    assert_eq!(got.state_updated_at, Some(at));
    assert_eq!(got.first_seen_at, s1.started_at);
    assert_eq!(got.last_seen_at, s2.started_at);
    assert_eq!(got.last_seen_scan, s2.id);

    // Gone from a complete scan: the location is gone, the verdict stays.
    let s3 = scan(TARGET, 2);
    let out = store.record_scan(&s3, &[], SECRETS).await.expect("record 3");
    assert!(out.fixed.is_empty());
    let got = store.get_finding(a.id).await.expect("get");
    assert_eq!(got.state, TriageState::FalsePositive);
    assert_eq!(got.locations[0].gone_at, Some(s3.started_at));

    let history = store.triage_history(a.id).await.expect("history");
    assert_eq!(history.len(), 1);
    assert_eq!(history[0].state, TriageState::FalsePositive);
    assert_eq!(history[0].at, at);
}

pub async fn complete_rescan_marks_fixed_and_seeing_again_reopens<H: Harness>(h: &H) {
    let store = h.open().await;
    let a = finding(
        "aws.access-key",
        "AKIAAAAAAAAAAAAAAAAA",
        Severity::Critical,
        vec![loc("a.py", 1)],
    );
    let b = finding(
        "generic.password",
        "hunter2",
        Severity::Medium,
        vec![loc("b.py", 2)],
    );
    let s1 = scan(TARGET, 0);
    store
        .record_scan(&s1, &[a.clone(), b.clone()], SECRETS)
        .await
        .expect("record 1");

    let s2 = scan(TARGET, 1);
    let out = store
        .record_scan(&s2, std::slice::from_ref(&a), SECRETS)
        .await
        .expect("record 2");
    assert_eq!(out.fixed, vec![b.id]);
    assert_eq!(out.states, vec![(a.id, TriageState::Open)]);
    let got = store.get_finding(b.id).await.expect("get b");
    assert_eq!(got.state, TriageState::Fixed);
    assert_eq!(got.locations[0].gone_at, Some(s2.started_at));
    assert_eq!(got.last_seen_scan, s1.id);
    let history = store.triage_history(b.id).await.expect("history");
    assert_eq!(history.len(), 1);
    assert_eq!(history[0].state, TriageState::Fixed);
    let comment = history[0].comment.as_deref().expect("comment");
    assert!(comment.contains("no longer present in /src/app"), "{comment}");
    assert!(comment.contains(&s2.id), "{comment}");
    assert_eq!(
        store.get_finding(a.id).await.expect("get a").state,
        TriageState::Open
    );

    // Seen again: reopened, location present again.
    let s3 = scan(TARGET, 2);
    let out = store
        .record_scan(&s3, &[a.clone(), b.clone()], SECRETS)
        .await
        .expect("record 3");
    assert!(out.new.is_empty());
    assert!(out.fixed.is_empty());
    assert!(out.states.contains(&(b.id, TriageState::Open)));
    let got = store.get_finding(b.id).await.expect("get b");
    assert_eq!(got.state, TriageState::Open);
    assert_eq!(got.locations[0].gone_at, None);
    assert_eq!(got.locations[0].last_seen_at, s3.started_at);
    let history = store.triage_history(b.id).await.expect("history");
    assert_eq!(history.len(), 2);
    assert_eq!(history[1].state, TriageState::Open);
    assert_eq!(
        history[1].comment.as_deref(),
        Some(format!("reopened: seen again by scan {}", s3.id).as_str())
    );

    // A complete scan of another target does not touch this one.
    let out = store
        .record_scan(&scan(OTHER_TARGET, 3), &[], SECRETS)
        .await
        .expect("record other");
    assert!(out.fixed.is_empty());
    assert_eq!(
        store.get_finding(a.id).await.expect("get a").state,
        TriageState::Open
    );
}

pub async fn incomplete_scan_marks_nothing_gone<H: Harness>(h: &H) {
    let store = h.open().await;
    let a = finding("generic.password", "hunter2", Severity::Medium, vec![loc("a", 1)]);
    let b = finding(
        "generic.password",
        "swordfish",
        Severity::Medium,
        vec![loc("b", 1)],
    );
    store
        .record_scan(&scan(TARGET, 0), &[a.clone(), b.clone()], SECRETS)
        .await
        .expect("record 1");
    let mut partial = scan(TARGET, 1);
    partial.status = ScanStatus::CompletedWithErrors;
    let out = store
        .record_scan(&partial, std::slice::from_ref(&a), &[])
        .await
        .expect("record 2");
    assert!(out.fixed.is_empty());
    let got = store.get_finding(b.id).await.expect("get b");
    assert_eq!(got.state, TriageState::Open);
    assert_eq!(got.locations[0].gone_at, None);
    assert_eq!(
        store.get_scan(&partial.id).await.expect("scan").status,
        ScanStatus::CompletedWithErrors
    );
}

pub async fn one_finding_two_locations<H: Harness>(h: &H) {
    let store = h.open().await;
    let secret = "ghp_bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb";
    let a = finding(
        "github.pat",
        secret,
        Severity::High,
        vec![loc("one.rs", 1), loc("two.rs", 9)],
    );
    store
        .record_scan(&scan(TARGET, 0), std::slice::from_ref(&a), SECRETS)
        .await
        .expect("record");
    let all = store
        .list_findings(&FindingFilter::default())
        .await
        .expect("list");
    assert_eq!(all.len(), 1);
    let mut paths: Vec<_> = all[0].locations.iter().map(|l| l.location.path.clone()).collect();
    paths.sort();
    assert_eq!(paths, ["one.rs", "two.rs"]);

    // The same id reported twice in one scan (another target) is still one
    // finding; the same place seen again is still one location.
    let again = finding("github.pat", secret, Severity::High, vec![loc("one.rs", 1)]);
    let third = finding("github.pat", secret, Severity::High, vec![loc("three.rs", 4)]);
    let out = store
        .record_scan(&scan(OTHER_TARGET, 1), &[again, third], SECRETS)
        .await
        .expect("record 2");
    assert_eq!(out.states, vec![(a.id, TriageState::Open)]);
    let got = store.get_finding(a.id).await.expect("get");
    assert_eq!(got.locations.len(), 4);
    assert_eq!(
        got.locations.iter().filter(|l| l.target == OTHER_TARGET).count(),
        2
    );
    // Newest scan first.
    assert_eq!(got.locations[0].target, OTHER_TARGET);
}

pub async fn key_mismatch_refused<H: Harness>(h: &H) {
    let store = h.open().await;
    store
        .check_key("0123456789abcdef")
        .await
        .expect("first key binds");
    store.check_key("0123456789abcdef").await.expect("same key again");
    match store.check_key("fedcba9876543210").await {
        Err(StoreError::KeyMismatch { expected, actual }) => {
            assert_eq!(expected, "0123456789abcdef");
            assert_eq!(actual, "fedcba9876543210");
        }
        other => panic!("expected KeyMismatch, got {other:?}"),
    }
    // Another handle sees the same binding.
    let again = h.open().await;
    assert!(matches!(
        again.check_key("fedcba9876543210").await,
        Err(StoreError::KeyMismatch { .. })
    ));
}

pub async fn list_filters_and_order<H: Harness>(h: &H) {
    let store = h.open().await;
    let crit = finding(
        "aws.access-key",
        "AKIAAAAAAAAAAAAAAAAA",
        Severity::Critical,
        vec![loc("c", 1)],
    );
    let low = finding("generic.password", "hunter2", Severity::Low, vec![loc("l", 1)]);
    let info = finding("generic.password", "swordfish", Severity::Info, vec![loc("i", 1)]);
    let high_old = finding(
        "github.pat",
        "ghp_cccccccccccccccccccccccccccc",
        Severity::High,
        vec![loc("h1", 1)],
    );
    let high_new = finding(
        "github.pat",
        "ghp_dddddddddddddddddddddddddddd",
        Severity::High,
        vec![loc("h2", 1)],
    );
    store
        .record_scan(
            &scan(TARGET, 0),
            &[crit.clone(), low.clone(), info.clone(), high_old.clone()],
            &[],
        )
        .await
        .expect("record 1");
    store
        .record_scan(&scan(OTHER_TARGET, 1), std::slice::from_ref(&high_new), &[])
        .await
        .expect("record 2");
    let at = Timestamp::from_millis(T0 + 120_000);
    store
        .triage(
            low.id,
            &Triage {
                state: TriageState::AcceptedRisk,
                comment: None,
                at,
            },
        )
        .await
        .expect("triage");

    let ids = |v: Vec<palisade_store::StoredFinding>| v.into_iter().map(|f| f.id).collect::<Vec<_>>();
    let all = ids(store.list_findings(&FindingFilter::default()).await.expect("all"));
    assert_eq!(all, vec![crit.id, high_new.id, high_old.id, low.id, info.id]);

    let open = FindingFilter {
        states: vec![TriageState::Open],
        ..FindingFilter::default()
    };
    assert_eq!(
        ids(store.list_findings(&open).await.expect("open")),
        vec![crit.id, high_new.id, high_old.id, info.id]
    );
    let dismissed = FindingFilter {
        states: vec![TriageState::AcceptedRisk, TriageState::FalsePositive],
        ..FindingFilter::default()
    };
    assert_eq!(
        ids(store.list_findings(&dismissed).await.expect("dismissed")),
        vec![low.id]
    );

    let high_up = FindingFilter {
        min_severity: Some(Severity::High),
        ..FindingFilter::default()
    };
    assert_eq!(
        ids(store.list_findings(&high_up).await.expect("high+")),
        vec![crit.id, high_new.id, high_old.id]
    );

    let other = FindingFilter {
        target: Some(OTHER_TARGET.into()),
        ..FindingFilter::default()
    };
    let found = store.list_findings(&other).await.expect("target");
    assert_eq!(ids(found.clone()), vec![high_new.id]);
    assert_eq!(found[0].locations.len(), 1);

    let by_rule = FindingFilter {
        rule_id: Some(rule("github.pat")),
        limit: Some(1),
        ..FindingFilter::default()
    };
    assert_eq!(
        ids(store.list_findings(&by_rule).await.expect("rule")),
        vec![high_new.id]
    );

    let combined = FindingFilter {
        states: vec![TriageState::Open],
        min_severity: Some(Severity::Low),
        target: Some(TARGET.into()),
        ..FindingFilter::default()
    };
    assert_eq!(
        ids(store.list_findings(&combined).await.expect("combined")),
        vec![crit.id, high_old.id]
    );
}

pub async fn not_found_errors<H: Harness>(h: &H) {
    let store = h.open().await;
    let unknown = id_of("generic.password", "never-recorded");
    assert!(matches!(
        store.get_scan("no-such-scan").await,
        Err(StoreError::NotFound(_))
    ));
    assert!(matches!(
        store.get_finding(unknown).await,
        Err(StoreError::NotFound(_))
    ));
    let t = Triage {
        state: TriageState::FalsePositive,
        comment: None,
        at: Timestamp::from_millis(T0),
    };
    assert!(matches!(
        store.triage(unknown, &t).await,
        Err(StoreError::NotFound(_))
    ));
    assert!(matches!(
        store.triage_history(unknown).await,
        Err(StoreError::NotFound(_))
    ));
    assert!(store.list_scans(5).await.expect("list").is_empty());
    assert!(
        store
            .list_findings(&FindingFilter::default())
            .await
            .expect("list")
            .is_empty()
    );
}

pub async fn concurrent_record_scan_loses_nothing<H: Harness>(h: &H) {
    let store = h.open().await;
    let shared = finding(
        "generic.password",
        "hunter2",
        Severity::Medium,
        vec![loc("shared.env", 1)],
    );
    let mut tasks = Vec::new();
    let mut expected = vec![shared.id];
    for (n, target) in ["/w/one", "/w/two", "/w/three", "/w/four"]
        .into_iter()
        .enumerate()
    {
        let mut findings = vec![shared.clone()];
        for i in 0..20 {
            let f = finding(
                "generic.password",
                &format!("secret-{n}-{i}"),
                Severity::Low,
                vec![loc("f", i + 1)],
            );
            expected.push(f.id);
            findings.push(f);
        }
        let s = scan(target, n as i64);
        let store = store.clone();
        tasks.push(tokio::spawn(async move {
            store.begin_scan(&running(&s)).await.expect("begin");
            store.record_scan(&s, &findings, SECRETS).await.expect("record");
            s
        }));
    }
    let mut scans = Vec::new();
    for t in tasks {
        scans.push(t.await.expect("task"));
    }
    expected.sort();
    let mut all: Vec<_> = store
        .list_findings(&FindingFilter::default())
        .await
        .expect("list")
        .into_iter()
        .map(|f| f.id)
        .collect();
    all.sort();
    assert_eq!(all, expected);
    let got = store.get_finding(shared.id).await.expect("shared");
    assert_eq!(got.locations.len(), 4);
    assert!(got.locations.iter().all(|l| l.gone_at.is_none()));
    assert_eq!(got.state, TriageState::Open);
    for s in &scans {
        assert_eq!(&store.get_scan(&s.id).await.expect("scan"), s);
    }
    assert_eq!(store.list_scans(10).await.expect("scans").len(), 4);
}

pub async fn crash_recovery<H: Harness>(h: &H) {
    let first = h.open().await;
    let a = finding("generic.password", "hunter2", Severity::Medium, vec![loc("a", 1)]);
    let done = scan(TARGET, 0);
    first
        .record_scan(&done, std::slice::from_ref(&a), SECRETS)
        .await
        .expect("record");

    // A scan whose recording fails half-way leaves nothing of it behind.
    let crashed = scan(TARGET, 1);
    first.begin_scan(&running(&crashed)).await.expect("begin");
    let mut bad_loc = loc("b", 1);
    bad_loc.commit = Some(palisade_domain::CommitInfo {
        id: "x".into(), // too short: refused by a CHECK after the finding row went in
        author_name: String::new(),
        author_email: String::new(),
        date: Timestamp::from_millis(0),
    });
    let b = finding("generic.password", "swordfish", Severity::Medium, vec![bad_loc]);
    assert!(
        first
            .record_scan(&crashed, &[a.clone(), b.clone()], SECRETS)
            .await
            .is_err()
    );
    assert!(matches!(
        first.get_finding(b.id).await,
        Err(StoreError::NotFound(_))
    ));
    assert_eq!(first.get_finding(a.id).await.expect("a").last_seen_scan, done.id);

    // The process "dies": the handle goes away without recording, and another
    // process opens the same database.
    drop(first);
    let second = h.open().await;
    let later = scan(TARGET, 10);
    second.begin_scan(&running(&later)).await.expect("begin later");
    let recovered = second
        .recover_interrupted(Timestamp::from_millis(T0 + 5 * 60_000))
        .await
        .expect("recover");
    assert_eq!(recovered, 1);
    assert_eq!(
        second.get_scan(&crashed.id).await.expect("crashed").status,
        ScanStatus::Interrupted
    );
    assert_eq!(
        second.get_scan(&later.id).await.expect("later").status,
        ScanStatus::Running
    );
    assert_eq!(second.get_scan(&done.id).await.expect("done"), done);
    let got = second.get_finding(a.id).await.expect("a survives");
    assert_eq!(got.state, TriageState::Open);
    assert_eq!(got.locations[0].gone_at, None);
    assert_eq!(
        second
            .recover_interrupted(Timestamp::from_millis(T0 + 5 * 60_000))
            .await
            .expect("again"),
        0
    );
}
