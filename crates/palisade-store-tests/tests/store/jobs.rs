//! Stories of the job queue: dedup, lease order, expiry and fencing,
//! attempts, cancel, retry, and concurrent workers.

use std::collections::BTreeSet;
use std::time::Duration;

use palisade_store::{
    CancelSelector, FailOutcome, JobFilter, JobId, JobQueue, JobState, LeaseToken, NewJob, Store, StoreError,
    new_connector_id, priority,
};

use crate::fixtures::minutes;
use crate::harness::Harness;

const MINUTE: Duration = Duration::from_mins(1);
const HOUR: Duration = Duration::from_hours(1);

fn job(kind: &str, dedup_key: Option<&str>) -> NewJob {
    NewJob {
        kind: kind.to_owned(),
        payload: serde_json::json!({ "repo": dedup_key.unwrap_or("none"), "n": 1 }),
        dedup_key: dedup_key.map(str::to_owned),
        priority: priority::FULL_SCAN,
        max_attempts: 3,
        run_after: minutes(0),
        connector: None,
    }
}

async fn enqueue(store: &impl Store, new: &NewJob) -> JobId {
    enqueue_at(store, new, 0).await
}

/// Enqueues a new job `n` minutes after T0 (its `created_at`).
async fn enqueue_at(store: &impl Store, new: &NewJob, n: i64) -> JobId {
    let (id, created) = store.enqueue(new, minutes(n)).await.expect("enqueue");
    assert!(created);
    id
}

fn not_found(err: &StoreError) -> &str {
    match err {
        StoreError::NotFound(msg) => msg,
        other => panic!("expected not found, got {other:?}"),
    }
}

pub async fn enqueue_dedups_active_jobs<H: Harness>(h: &H) {
    let store = h.open().await;
    let connector = new_connector_id();
    let new = NewJob {
        priority: priority::MANUAL_SCAN,
        max_attempts: 5,
        run_after: minutes(1),
        connector: Some(connector.clone()),
        ..job("full-scan", Some("repo-1"))
    };
    let (id, created) = store.enqueue(&new, minutes(0)).await.expect("enqueue");
    assert!(created);
    let got = store.get_job(&id).await.expect("get");
    assert_eq!(got.id, id);
    assert_eq!(got.kind, "full-scan");
    assert_eq!(got.payload, new.payload);
    assert_eq!(got.dedup_key.as_deref(), Some("repo-1"));
    assert_eq!(
        (got.priority, got.state),
        (priority::MANUAL_SCAN, JobState::Queued)
    );
    assert_eq!((got.attempts, got.max_attempts), (0, 5));
    assert_eq!(got.run_after, minutes(1));
    assert_eq!(got.connector, Some(connector));
    assert_eq!((got.created_at, got.updated_at), (minutes(0), minutes(0)));
    assert_eq!(
        (
            got.lease_owner,
            got.lease_expires_at,
            got.last_error,
            got.finished_at
        ),
        (None, None, None, None)
    );

    // Queued: the same key gives the same job.
    assert_eq!(
        store.enqueue(&new, minutes(0)).await.expect("again"),
        (id.clone(), false)
    );
    // Running: still the same job.
    let lease = store
        .lease_job("w1", &[], MINUTE, minutes(1))
        .await
        .expect("lease")
        .expect("due");
    assert_eq!(lease.job.id, id);
    assert_eq!(
        store.enqueue(&new, minutes(1)).await.expect("while running"),
        (id.clone(), false)
    );
    // Other keys, and no key, make new jobs.
    let other = enqueue(&store, &job("full-scan", Some("repo-2"))).await;
    let a = enqueue(&store, &job("full-scan", None)).await;
    let b = enqueue(&store, &job("full-scan", None)).await;
    assert_eq!(BTreeSet::from([&id, &other, &a, &b]).len(), 4);
    // Finished: the key is free again.
    assert!(
        store
            .complete_job(&id, &lease.token, minutes(2))
            .await
            .expect("complete")
    );
    let (again, created) = store.enqueue(&new, minutes(3)).await.expect("after finish");
    assert!(created);
    assert_ne!(again, id);

    // Unknown jobs are not found, by id in the message.
    let unknown = JobId::generate();
    let err = store.get_job(&unknown).await.expect_err("unknown");
    assert!(not_found(&err).contains(unknown.as_str()), "{err:?}");
    let err = store
        .heartbeat(&unknown, &LeaseToken::generate(), minutes(1))
        .await
        .expect_err("unknown heartbeat");
    not_found(&err);
    let err = store
        .retry_job(&unknown, minutes(1))
        .await
        .expect_err("unknown retry");
    not_found(&err);
    let bad = NewJob {
        max_attempts: 0,
        ..job("full-scan", None)
    };
    store.enqueue(&bad, minutes(0)).await.expect_err("no attempts");
}

pub async fn lease_order_priority_then_run_after<H: Harness>(h: &H) {
    let store = h.open().await;
    let low = enqueue(&store, &job("full-scan", Some("low"))).await;
    let late = enqueue(
        &store,
        &NewJob {
            priority: priority::PR_SCAN,
            run_after: minutes(10),
            ..job("pr-scan", Some("late"))
        },
    )
    .await;
    let high_second = enqueue(
        &store,
        &NewJob {
            priority: priority::PR_SCAN,
            run_after: minutes(2),
            ..job("pr-scan", Some("high-2"))
        },
    )
    .await;
    let high_first = enqueue(
        &store,
        &NewJob {
            priority: priority::PR_SCAN,
            run_after: minutes(1),
            ..job("pr-scan", Some("high-1"))
        },
    )
    .await;
    let control = enqueue(
        &store,
        &NewJob {
            priority: priority::CONTROL,
            ..job("hooks", Some("control"))
        },
    )
    .await;
    let low_younger = enqueue_at(&store, &job("full-scan", Some("low-2")), 1).await;

    // Nothing of another kind.
    assert!(
        store
            .lease_job("w", &["nothing"], HOUR, minutes(5))
            .await
            .expect("lease")
            .is_none()
    );
    // Kinds filter: only full scans, oldest first.
    let first = store
        .lease_job("w", &["full-scan"], HOUR, minutes(5))
        .await
        .expect("lease")
        .expect("a full scan");
    assert_eq!(first.job.id, low);
    assert_eq!(first.job.state, JobState::Running);
    assert_eq!(first.job.attempts, 1);
    assert_eq!(first.job.lease_owner.as_deref(), Some("w"));
    assert_eq!(first.job.lease_expires_at, Some(minutes(65)));
    assert_eq!(first.job.updated_at, minutes(5));

    // All kinds at minute 5: priority, then run_after; `late` is not due.
    let mut order = Vec::new();
    while let Some(lease) = store.lease_job("w", &[], HOUR, minutes(5)).await.expect("lease") {
        order.push(lease.job.id);
    }
    assert_eq!(order, vec![high_first, high_second, control, low_younger]);
    // Due at minute 10 (the leases above still held), and it outranks the rest.
    let due = store
        .lease_job("w", &["pr-scan", "full-scan"], HOUR, minutes(10))
        .await
        .expect("lease")
        .expect("late is due");
    assert_eq!(due.job.id, late);
}

pub async fn expired_lease_is_leased_again_and_old_token_fenced<H: Harness>(h: &H) {
    let store = h.open().await;
    let id = enqueue(&store, &job("full-scan", Some("r"))).await;
    let first = store
        .lease_job("w1", &[], MINUTE, minutes(0))
        .await
        .expect("lease")
        .expect("due");
    // Held: nobody else gets it; a heartbeat extends it.
    assert!(
        store
            .lease_job("w2", &[], MINUTE, minutes(0))
            .await
            .expect("lease")
            .is_none()
    );
    assert!(
        store
            .heartbeat(&id, &first.token, minutes(2))
            .await
            .expect("heartbeat")
    );
    assert_eq!(
        store.get_job(&id).await.expect("get").lease_expires_at,
        Some(minutes(2))
    );
    assert!(
        store
            .lease_job("w2", &[], MINUTE, minutes(2))
            .await
            .expect("lease")
            .is_none(),
        "a lease ending exactly now is not expired yet"
    );

    // w1 goes silent: after expiry w2 gets the job with a new token.
    let second = store
        .lease_job("w2", &[], MINUTE, minutes(3))
        .await
        .expect("lease")
        .expect("expired lease is due");
    assert_eq!(second.job.id, id);
    assert_ne!(second.token, first.token);
    assert_eq!(second.job.attempts, 2);
    assert_eq!(second.job.lease_owner.as_deref(), Some("w2"));
    assert!(
        second
            .job
            .last_error
            .as_deref()
            .is_some_and(|e| e.contains("lease expired")),
        "{:?}",
        second.job.last_error
    );

    // w1 comes back: every call with its token is refused and changes nothing.
    assert!(
        !store
            .heartbeat(&id, &first.token, minutes(9))
            .await
            .expect("heartbeat")
    );
    assert!(
        !store
            .complete_job(&id, &first.token, minutes(4))
            .await
            .expect("complete")
    );
    assert_eq!(
        store
            .fail_job(&id, &first.token, "boom", Some(minutes(5)), minutes(4))
            .await
            .expect("fail"),
        FailOutcome::LeaseLost
    );
    let got = store.get_job(&id).await.expect("get");
    assert_eq!(got.state, JobState::Running);
    assert_eq!(got.lease_expires_at, Some(minutes(4)));
    assert_eq!(got.lease_owner.as_deref(), Some("w2"));

    // w2's token works.
    assert!(
        store
            .heartbeat(&id, &second.token, minutes(5))
            .await
            .expect("heartbeat")
    );
    assert!(
        store
            .complete_job(&id, &second.token, minutes(4))
            .await
            .expect("complete")
    );
    let done = store.get_job(&id).await.expect("get");
    assert_eq!(done.state, JobState::Succeeded);
    assert_eq!(done.finished_at, Some(minutes(4)));
    assert_eq!(done.lease_expires_at, None);
    assert_eq!(done.lease_owner.as_deref(), Some("w2"));
    // Finished: the token no longer holds anything.
    assert!(
        !store
            .complete_job(&id, &second.token, minutes(5))
            .await
            .expect("again")
    );
    assert!(
        !store
            .heartbeat(&id, &second.token, minutes(6))
            .await
            .expect("heartbeat")
    );
}

pub async fn last_attempt_goes_dead<H: Harness>(h: &H) {
    let store = h.open().await;
    let two = NewJob {
        max_attempts: 2,
        ..job("full-scan", Some("expiring"))
    };
    let id = enqueue(&store, &two).await;
    // Two attempts lost to expired leases: the third lease finds it dead.
    store
        .lease_job("w1", &[], MINUTE, minutes(0))
        .await
        .expect("lease")
        .expect("attempt 1");
    let second = store
        .lease_job("w2", &[], MINUTE, minutes(2))
        .await
        .expect("lease")
        .expect("attempt 2");
    assert_eq!(second.job.attempts, 2);
    let other = enqueue(
        &store,
        &NewJob {
            priority: priority::FULL_SCAN - 1,
            ..job("full-scan", Some("other"))
        },
    )
    .await;
    // The dead job is skipped and the next due job is handed out.
    let next = store
        .lease_job("w3", &[], MINUTE, minutes(4))
        .await
        .expect("lease")
        .expect("the other job");
    assert_eq!(next.job.id, other);
    let dead = store.get_job(&id).await.expect("get");
    assert_eq!(dead.state, JobState::Dead);
    assert_eq!(dead.attempts, 2);
    assert_eq!(dead.finished_at, Some(minutes(4)));
    assert_eq!(dead.lease_expires_at, None);
    assert_eq!(
        dead.last_error.as_deref(),
        Some("lease expired (worker lost) after 2 attempts")
    );
    assert!(
        !store
            .heartbeat(&id, &second.token, minutes(5))
            .await
            .expect("fenced")
    );
    // Its key is free again.
    assert!(store.enqueue(&two, minutes(5)).await.expect("enqueue").1);

    // Failing the last attempt: dead even with a retry time.
    let failing = enqueue(
        &store,
        &NewJob {
            max_attempts: 2,
            ..job("pr-scan", Some("failing"))
        },
    )
    .await;
    let lease = store
        .lease_job("w", &["pr-scan"], MINUTE, minutes(10))
        .await
        .expect("lease")
        .expect("attempt 1");
    assert_eq!(
        store
            .fail_job(
                &failing,
                &lease.token,
                "clone failed",
                Some(minutes(11)),
                minutes(10)
            )
            .await
            .expect("fail"),
        FailOutcome::Retrying
    );
    let lease = store
        .lease_job("w", &["pr-scan"], MINUTE, minutes(11))
        .await
        .expect("lease")
        .expect("attempt 2");
    assert_eq!(
        store
            .fail_job(
                &failing,
                &lease.token,
                "clone failed again",
                Some(minutes(12)),
                minutes(11)
            )
            .await
            .expect("fail"),
        FailOutcome::Dead
    );
    let got = store.get_job(&failing).await.expect("get");
    assert_eq!(got.state, JobState::Dead);
    assert_eq!(got.last_error.as_deref(), Some("clone failed again"));
    assert_eq!(got.finished_at, Some(minutes(11)));

    // Not retryable: dead at once, attempts left or not.
    let fatal = enqueue(&store, &job("hooks", None)).await;
    let lease = store
        .lease_job("w", &["hooks"], MINUTE, minutes(20))
        .await
        .expect("lease")
        .expect("due");
    assert_eq!(
        store
            .fail_job(&fatal, &lease.token, "bad payload", None, minutes(20))
            .await
            .expect("fail"),
        FailOutcome::Dead
    );
    assert_eq!(store.get_job(&fatal).await.expect("get").attempts, 1);
}

pub async fn failed_attempt_retries_after_backoff<H: Harness>(h: &H) {
    let store = h.open().await;
    let id = enqueue(&store, &job("full-scan", Some("r"))).await;
    let lease = store
        .lease_job("w1", &[], MINUTE, minutes(0))
        .await
        .expect("lease")
        .expect("due");
    assert_eq!(
        store
            .fail_job(
                &id,
                &lease.token,
                "ADO answered 503",
                Some(minutes(5)),
                minutes(1)
            )
            .await
            .expect("fail"),
        FailOutcome::Retrying
    );
    let got = store.get_job(&id).await.expect("get");
    assert_eq!(got.state, JobState::Queued);
    assert_eq!(got.run_after, minutes(5));
    assert_eq!(got.attempts, 1);
    assert_eq!(got.last_error.as_deref(), Some("ADO answered 503"));
    assert_eq!((got.lease_expires_at, got.finished_at), (None, None));
    assert_eq!(got.updated_at, minutes(1));
    // The old token is gone with the lease.
    assert!(
        !store
            .heartbeat(&id, &lease.token, minutes(2))
            .await
            .expect("fenced")
    );
    // Not before the backoff.
    assert!(
        store
            .lease_job("w2", &[], MINUTE, minutes(4))
            .await
            .expect("lease")
            .is_none()
    );
    let again = store
        .lease_job("w2", &[], MINUTE, minutes(5))
        .await
        .expect("lease")
        .expect("due after backoff");
    assert_eq!(again.job.id, id);
    assert_eq!(again.job.attempts, 2);
    assert!(
        store
            .complete_job(&id, &again.token, minutes(6))
            .await
            .expect("complete")
    );
}

pub async fn cancel_queued_and_running_jobs<H: Harness>(h: &H) {
    let store = h.open().await;
    let queued = enqueue(&store, &job("full-scan", Some("q"))).await;
    let running = enqueue_at(&store, &job("full-scan", Some("r")), 1).await;
    let lease = store
        .lease_job("w", &[], MINUTE, minutes(0))
        .await
        .expect("lease")
        .expect("due");
    assert_eq!(lease.job.id, queued, "oldest first");
    let other = store
        .lease_job("w", &[], MINUTE, minutes(0))
        .await
        .expect("lease")
        .expect("due");
    assert_eq!(other.job.id, running);
    assert!(
        store
            .complete_job(&queued, &lease.token, minutes(1))
            .await
            .expect("complete")
    );
    let waiting = enqueue_at(&store, &job("full-scan", Some("w")), 1).await;

    // Finished jobs and unknown ids are not counted.
    let n = store
        .cancel_jobs(
            &CancelSelector::Ids(vec![
                queued.clone(),
                running.clone(),
                waiting.clone(),
                JobId::generate(),
            ]),
            minutes(2),
        )
        .await
        .expect("cancel");
    assert_eq!(n, 2);
    assert_eq!(
        store.get_job(&queued).await.expect("get").state,
        JobState::Succeeded
    );
    for id in [&running, &waiting] {
        let got = store.get_job(id).await.expect("get");
        assert_eq!(got.state, JobState::Cancelled);
        assert_eq!(got.finished_at, Some(minutes(2)));
        assert_eq!(got.lease_expires_at, None);
    }
    // The running job's worker learns at its next heartbeat.
    assert!(
        !store
            .heartbeat(&running, &other.token, minutes(3))
            .await
            .expect("heartbeat")
    );
    assert!(
        !store
            .complete_job(&running, &other.token, minutes(3))
            .await
            .expect("complete")
    );
    assert!(
        store
            .lease_job("w", &[], MINUTE, minutes(5))
            .await
            .expect("lease")
            .is_none()
    );

    // By connector: only that connector's active jobs.
    let mine = new_connector_id();
    let theirs = new_connector_id();
    let a = enqueue(
        &store,
        &NewJob {
            connector: Some(mine.clone()),
            ..job("full-scan", Some("a"))
        },
    )
    .await;
    let b = enqueue(
        &store,
        &NewJob {
            connector: Some(theirs),
            ..job("full-scan", Some("b"))
        },
    )
    .await;
    assert_eq!(
        store
            .cancel_jobs(&CancelSelector::Connector(mine), minutes(6))
            .await
            .expect("cancel"),
        1
    );
    assert_eq!(store.get_job(&a).await.expect("get").state, JobState::Cancelled);
    assert_eq!(store.get_job(&b).await.expect("get").state, JobState::Queued);
}

pub async fn retry_job_requeues_dead_and_cancelled<H: Harness>(h: &H) {
    let store = h.open().await;
    let id = enqueue(&store, &job("full-scan", Some("r"))).await;
    let conflict = |err: StoreError| match err {
        StoreError::Conflict(msg) => msg,
        other => panic!("expected a conflict, got {other:?}"),
    };
    let msg = conflict(store.retry_job(&id, minutes(0)).await.expect_err("queued"));
    assert!(
        msg.contains("queued") && msg.contains("dead or cancelled"),
        "{msg}"
    );

    let lease = store
        .lease_job("w", &[], MINUTE, minutes(0))
        .await
        .expect("lease")
        .expect("due");
    let msg = conflict(store.retry_job(&id, minutes(0)).await.expect_err("running"));
    assert!(msg.contains("running"), "{msg}");
    assert_eq!(
        store
            .fail_job(&id, &lease.token, "fatal", None, minutes(1))
            .await
            .expect("fail"),
        FailOutcome::Dead
    );

    let retried = store.retry_job(&id, minutes(10)).await.expect("retry dead");
    assert_eq!(retried.state, JobState::Queued);
    assert_eq!(retried.attempts, 0);
    assert_eq!(retried.run_after, minutes(10));
    assert_eq!(retried.finished_at, None);
    assert_eq!(retried.updated_at, minutes(10));
    assert!(
        store
            .lease_job("w", &[], MINUTE, minutes(9))
            .await
            .expect("lease")
            .is_none()
    );
    let lease = store
        .lease_job("w", &[], MINUTE, minutes(10))
        .await
        .expect("lease")
        .expect("due again");
    assert_eq!(lease.job.attempts, 1);
    assert!(
        store
            .complete_job(&id, &lease.token, minutes(11))
            .await
            .expect("complete")
    );
    let msg = conflict(store.retry_job(&id, minutes(12)).await.expect_err("succeeded"));
    assert!(msg.contains("succeeded"), "{msg}");

    // Cancelled jobs come back too, unless their key is taken meanwhile.
    let cancelled = enqueue(&store, &job("full-scan", Some("c"))).await;
    store
        .cancel_jobs(&CancelSelector::Ids(vec![cancelled.clone()]), minutes(13))
        .await
        .expect("cancel");
    let newer = enqueue(&store, &job("full-scan", Some("c"))).await;
    let msg = conflict(
        store
            .retry_job(&cancelled, minutes(14))
            .await
            .expect_err("key taken"),
    );
    assert!(msg.contains(newer.as_str()), "{msg}");
    store
        .cancel_jobs(&CancelSelector::Ids(vec![newer]), minutes(15))
        .await
        .expect("cancel");
    assert_eq!(
        store
            .retry_job(&cancelled, minutes(16))
            .await
            .expect("retry cancelled")
            .state,
        JobState::Queued
    );
}

pub async fn list_count_and_prune_jobs<H: Harness>(h: &H) {
    let store = h.open().await;
    let connector = new_connector_id();
    let mut ids = Vec::new();
    for (n, kind) in ["full-scan", "pr-scan", "full-scan", "hooks"]
        .into_iter()
        .enumerate()
    {
        let new = NewJob {
            connector: (kind == "full-scan").then(|| connector.clone()),
            ..job(kind, None)
        };
        let (id, _) = store.enqueue(&new, minutes(n as i64)).await.expect("enqueue");
        ids.push(id);
    }
    let all = store.list_jobs(&JobFilter::default()).await.expect("list");
    let listed: Vec<JobId> = all.iter().map(|j| j.id.clone()).collect();
    let mut newest_first = ids.clone();
    newest_first.reverse();
    assert_eq!(listed, newest_first);

    let full = store
        .list_jobs(&JobFilter {
            kinds: vec!["full-scan".to_owned()],
            ..JobFilter::default()
        })
        .await
        .expect("list");
    assert_eq!(full.len(), 2);
    let of_connector = store
        .list_jobs(&JobFilter {
            connector: Some(connector.clone()),
            limit: Some(1),
            ..JobFilter::default()
        })
        .await
        .expect("list");
    assert_eq!(of_connector.len(), 1);
    assert_eq!(of_connector[0].id, ids[2]);

    // Finish some: pr-scan succeeds, hooks is cancelled, a full scan dies.
    let lease = store
        .lease_job("w", &["pr-scan"], MINUTE, minutes(10))
        .await
        .expect("lease")
        .expect("due");
    assert!(
        store
            .complete_job(&ids[1], &lease.token, minutes(10))
            .await
            .expect("complete")
    );
    store
        .cancel_jobs(&CancelSelector::Ids(vec![ids[3].clone()]), minutes(20))
        .await
        .expect("cancel");
    let lease = store
        .lease_job("w", &["full-scan"], MINUTE, minutes(10))
        .await
        .expect("lease")
        .expect("due");
    store
        .fail_job(&lease.job.id, &lease.token, "fatal", None, minutes(10))
        .await
        .expect("fail");

    let finished = store
        .list_jobs(&JobFilter {
            states: vec![JobState::Succeeded, JobState::Cancelled, JobState::Dead],
            ..JobFilter::default()
        })
        .await
        .expect("list");
    assert_eq!(finished.len(), 3);
    assert_eq!(
        store.job_counts().await.expect("counts"),
        vec![
            ("full-scan".to_owned(), JobState::Queued, 1),
            ("full-scan".to_owned(), JobState::Dead, 1),
            ("hooks".to_owned(), JobState::Cancelled, 1),
            ("pr-scan".to_owned(), JobState::Succeeded, 1),
        ]
    );

    // Prune: succeeded and cancelled jobs finished before the cut; dead and
    // queued jobs stay.
    assert_eq!(store.prune_jobs(minutes(15)).await.expect("prune"), 1);
    store.get_job(&ids[1]).await.expect_err("pruned");
    assert_eq!(store.prune_jobs(minutes(100)).await.expect("prune"), 1);
    let left = store.list_jobs(&JobFilter::default()).await.expect("list");
    assert_eq!(left.len(), 2);
    assert!(
        left.iter()
            .all(|j| matches!(j.state, JobState::Queued | JobState::Dead))
    );
}

pub async fn concurrent_workers_lease_each_job_once<H: Harness>(h: &H) {
    const JOBS: usize = 200;
    const WORKERS: usize = 8;
    let store = h.open().await;
    for n in 0..JOBS {
        let new = NewJob {
            priority: (n % 3) as i32,
            ..job("full-scan", Some(&format!("repo-{n}")))
        };
        enqueue(&store, &new).await;
    }
    let mut workers = Vec::new();
    for w in 0..WORKERS {
        // Each worker has its own handle, as another process would.
        let store = h.open().await;
        workers.push(tokio::spawn(async move {
            let worker = format!("worker-{w}");
            let mut leased = Vec::new();
            while let Some(lease) = store
                .lease_job(&worker, &["full-scan"], 10 * MINUTE, minutes(1))
                .await
                .expect("lease")
            {
                assert!(
                    store
                        .complete_job(&lease.job.id, &lease.token, minutes(2))
                        .await
                        .expect("complete"),
                    "{worker} lost the lease of {}",
                    lease.job.id
                );
                leased.push(lease.job.id);
            }
            leased
        }));
    }
    let mut all = Vec::new();
    for w in workers {
        all.extend(w.await.expect("worker"));
    }
    assert_eq!(all.len(), JOBS, "every job leased exactly once");
    assert_eq!(all.iter().collect::<BTreeSet<_>>().len(), JOBS);
    assert_eq!(
        store.job_counts().await.expect("counts"),
        vec![("full-scan".to_owned(), JobState::Succeeded, JOBS as u64)]
    );
}

pub async fn concurrent_enqueues_of_one_key_make_one_job<H: Harness>(h: &H) {
    const CALLERS: usize = 8;
    let store = h.open().await;
    let mut callers = Vec::new();
    for _ in 0..CALLERS {
        let store = h.open().await;
        callers.push(tokio::spawn(async move {
            store
                .enqueue(&job("pr-scan", Some("pr-42")), minutes(0))
                .await
                .expect("enqueue")
        }));
    }
    let mut outcomes = Vec::new();
    for c in callers {
        outcomes.push(c.await.expect("caller"));
    }
    assert_eq!(outcomes.iter().filter(|(_, created)| *created).count(), 1);
    let ids: BTreeSet<&JobId> = outcomes.iter().map(|(id, _)| id).collect();
    assert_eq!(ids.len(), 1, "everyone got the one job");
    assert_eq!(
        store.list_jobs(&JobFilter::default()).await.expect("list").len(),
        1
    );
}
