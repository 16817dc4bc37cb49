//! Posture results with their history, scores for trends, and exemptions
//! that expire on their own with an audit trail.

use palisade_domain::{ExemptionTarget, PostureStatus, ResourceKey, ResourceKind, Severity};
use palisade_store::{
    NewExemption, PostureEvaluation, PostureFilter, PostureResultRow, PostureStore, ScoreRow, Store,
    StoreError, new_connector_id, new_posture_id,
};

use crate::fixtures::{minutes, pat_connector};
use crate::harness::Harness;

fn row(check: &str, resource: &str, status: PostureStatus) -> PostureResultRow {
    PostureResultRow {
        check_id: check.into(),
        severity: Severity::High,
        resource: ResourceKey::from_stored(format!("org1/repository/{resource}")),
        resource_kind: ResourceKind::Repository,
        resource_name: format!("repo {resource}"),
        org_id: "org1".into(),
        project_id: Some("p1".into()),
        status,
        reason: format!("{check} is {status}"),
    }
}

fn evaluation(connector: &palisade_store::ConnectorId, minute: i64) -> PostureEvaluation {
    PostureEvaluation {
        id: new_posture_id(),
        connector: connector.clone(),
        at: minutes(minute),
        trigger: "manual".into(),
        checks: 2,
        results: 0,
    }
}

async fn connector<S: Store>(store: &S) -> palisade_store::ConnectorId {
    let id = new_connector_id();
    store
        .create_connector(
            &id,
            &pat_connector("posture", "contoso"),
            Some(b"sealed"),
            minutes(0),
        )
        .await
        .expect("create connector");
    id
}

/// A control that starts failing and is fixed has both moments in its
/// history; unchanged results write no history; a resource that leaves the
/// inventory leaves the current results with a last transition.
pub async fn posture_results_keep_their_history<H: Harness>(h: &H) {
    let store = h.open().await;
    let c = connector(&store).await;
    let two_reviewers = "ado.repo.fewer-than-two-reviewers";

    let first = [
        row(two_reviewers, "r1", PostureStatus::Pass),
        row(two_reviewers, "r2", PostureStatus::Fail),
    ];
    let changes = store
        .record_posture(&evaluation(&c, 1), &first, &[])
        .await
        .expect("store call succeeds");
    assert_eq!((changes.added, changes.newly_failing), (2, 1));

    // Same results again: nothing changes.
    let changes = store
        .record_posture(&evaluation(&c, 2), &first, &[])
        .await
        .expect("store call succeeds");
    assert_eq!((changes.added, changes.changed, changes.unchanged), (0, 0, 2));

    // r1 starts failing, r2 is fixed.
    let second = [
        row(two_reviewers, "r1", PostureStatus::Fail),
        row(two_reviewers, "r2", PostureStatus::Pass),
    ];
    let changes = store
        .record_posture(&evaluation(&c, 3), &second, &[])
        .await
        .expect("store call succeeds");
    assert_eq!((changes.changed, changes.newly_failing, changes.fixed), (2, 1, 1));

    let r1 = ResourceKey::from_stored("org1/repository/r1".into());
    let history = store
        .posture_history(two_reviewers, &r1)
        .await
        .expect("store call succeeds");
    let statuses: Vec<_> = history.iter().map(|t| (t.at, t.status)).collect();
    assert_eq!(
        statuses,
        [
            (minutes(1), Some(PostureStatus::Pass)),
            (minutes(3), Some(PostureStatus::Fail))
        ]
    );

    let failing = store
        .posture_results(&PostureFilter {
            statuses: vec![PostureStatus::Fail],
            ..PostureFilter::default()
        })
        .await
        .expect("store call succeeds");
    assert_eq!(failing.len(), 1);
    assert_eq!(failing[0].row.resource, r1);
    assert_eq!(
        failing[0].status_since,
        minutes(3),
        "failing since the evaluation that saw it fail"
    );
    assert_eq!(failing[0].first_seen_at, minutes(1));

    // r2 leaves the inventory.
    let changes = store
        .record_posture(&evaluation(&c, 4), &second[..1], &[])
        .await
        .expect("store call succeeds");
    assert_eq!(changes.removed, 1);
    let r2 = ResourceKey::from_stored("org1/repository/r2".into());
    let last = store
        .posture_history(two_reviewers, &r2)
        .await
        .expect("store call succeeds");
    assert_eq!(last.last().expect("a transition").status, None);
    let all = store
        .posture_results(&PostureFilter::default())
        .await
        .expect("store call succeeds");
    assert_eq!(all.len(), 1);

    // Filters.
    let none = store
        .posture_results(&PostureFilter {
            severities: vec![Severity::Low],
            ..PostureFilter::default()
        })
        .await
        .expect("store call succeeds");
    assert!(none.is_empty());
    let by_project = store
        .posture_results(&PostureFilter {
            org_id: Some("ORG1".into()),
            project_id: Some("P1".into()),
            checks: vec![two_reviewers.into()],
            connectors: vec![c.clone()],
            ..PostureFilter::default()
        })
        .await
        .expect("store call succeeds");
    assert_eq!(by_project.len(), 1);

    let evaluations = store
        .posture_evaluations(Some(&c), 10)
        .await
        .expect("store call succeeds");
    assert_eq!(evaluations.len(), 4);
    assert!(evaluations[0].at > evaluations[3].at, "newest first");
}

/// Scores are kept per evaluation and scope, newest first, for trends.
pub async fn posture_scores_make_a_trend<H: Harness>(h: &H) {
    let store = h.open().await;
    let c = connector(&store).await;
    for (minute, passed) in [(1, 3), (2, 6), (3, 9)] {
        let scores = [
            ScoreRow {
                scope_key: "org1".into(),
                passed_weight: passed,
                applicable_weight: 12,
                passed: passed / 3,
                failed: 4 - passed / 3,
                unknown: 1,
                exempt: 0,
            },
            ScoreRow {
                scope_key: "org1/p1".into(),
                passed_weight: passed,
                applicable_weight: 12,
                ..ScoreRow::default()
            },
        ];
        store
            .record_posture(&evaluation(&c, minute), &[], &scores)
            .await
            .expect("store call succeeds");
    }
    let org = store
        .posture_scores(Some("ORG1"), 2)
        .await
        .expect("store call succeeds");
    let trend: Vec<_> = org.iter().map(|s| s.score.passed_weight).collect();
    assert_eq!(trend, [9, 6], "newest first, limited per scope");
    let all = store.posture_scores(None, 1).await.expect("store call succeeds");
    assert_eq!(all.len(), 2, "one per scope");
}

/// Exemptions apply until they expire or are revoked; every change is audited.
pub async fn exemptions_expire_and_are_audited<H: Harness>(h: &H) {
    let store = h.open().await;
    let check = "ado.service-connection.open-to-all-pipelines";
    let scoped = store
        .create_exemption(
            &NewExemption {
                check_id: check.into(),
                target: ExemptionTarget::Scope("org1/p1".into()),
                reason: "sandbox project, no production access".into(),
                author: "alice".into(),
                expires_at: Some(minutes(60)),
            },
            minutes(0),
        )
        .await
        .expect("store call succeeds");
    let forever = store
        .create_exemption(
            &NewExemption {
                check_id: check.into(),
                target: ExemptionTarget::Resource(ResourceKey::from_stored(
                    "org1/service-connection/s9".into(),
                )),
                reason: "break-glass connection, reviewed quarterly".into(),
                author: "bob".into(),
                expires_at: None,
            },
            minutes(1),
        )
        .await
        .expect("store call succeeds");
    let key = ResourceKey::from_stored("org1/service-connection/s1".into());
    assert!(scoped.covers(check, &key, "org1/p1", minutes(30)));
    assert!(
        !scoped.covers(check, &key, "org1/p1", minutes(61)),
        "expired on its own"
    );
    assert!(!scoped.covers("ado.other", &key, "org1/p1", minutes(30)));

    let active = store
        .list_exemptions(false, minutes(30))
        .await
        .expect("store call succeeds");
    assert_eq!(active.len(), 2);
    let active = store
        .list_exemptions(false, minutes(61))
        .await
        .expect("store call succeeds");
    assert_eq!(
        active.iter().map(|e| e.id.as_str()).collect::<Vec<_>>(),
        [forever.id.as_str()]
    );

    let revoked = store
        .revoke_exemption(&forever.id, "carol", "connection now restricted", minutes(70))
        .await
        .expect("store call succeeds");
    assert_eq!(revoked.revoked_by.as_deref(), Some("carol"));
    assert!(!revoked.is_active(minutes(71)));
    assert!(matches!(
        store
            .revoke_exemption(&forever.id, "carol", "again", minutes(71))
            .await,
        Err(StoreError::Conflict(_))
    ));
    assert!(matches!(
        store
            .revoke_exemption("0190a0a0-0000-7000-8000-000000000000", "carol", "x", minutes(71))
            .await,
        Err(StoreError::NotFound(_))
    ));
    assert!(
        store
            .list_exemptions(false, minutes(71))
            .await
            .expect("store call succeeds")
            .is_empty()
    );
    assert_eq!(
        store
            .list_exemptions(true, minutes(71))
            .await
            .expect("store call succeeds")
            .len(),
        2
    );

    let audit = store.exemption_audit(None).await.expect("store call succeeds");
    let trail: Vec<_> = audit
        .iter()
        .map(|a| (a.action.as_str(), a.actor.as_str()))
        .collect();
    assert_eq!(
        trail,
        [("created", "alice"), ("created", "bob"), ("revoked", "carol")]
    );
    assert_eq!(
        store
            .exemption_audit(Some(&forever.id))
            .await
            .expect("store call succeeds")
            .len(),
        2
    );

    // Bad input is refused by the schema, not stored.
    let empty_reason = store
        .create_exemption(
            &NewExemption {
                check_id: check.into(),
                target: ExemptionTarget::Scope("org1".into()),
                reason: String::new(),
                author: "alice".into(),
                expires_at: None,
            },
            minutes(80),
        )
        .await;
    assert!(empty_reason.is_err());
}

/// Ten thousand results are recorded and re-recorded in one transaction each.
pub async fn posture_records_many_results<H: Harness>(h: &H) {
    let store = h.open().await;
    let c = connector(&store).await;
    let rows: Vec<_> = (0..10_000)
        .map(|i| {
            row(
                "ado.repo.no-build-validation",
                &format!("r{i}"),
                PostureStatus::Fail,
            )
        })
        .collect();
    let changes = store
        .record_posture(&evaluation(&c, 1), &rows, &[])
        .await
        .expect("store call succeeds");
    assert_eq!(changes.added, 10_000);
    let mut fixed = rows.clone();
    for r in fixed.iter_mut().take(100) {
        r.status = PostureStatus::Pass;
    }
    let changes = store
        .record_posture(&evaluation(&c, 2), &fixed, &[])
        .await
        .expect("store call succeeds");
    assert_eq!((changes.fixed, changes.unchanged), (100, 9_900));
}
