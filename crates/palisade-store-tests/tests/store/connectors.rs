//! Stories of connectors, discovery runs and the inventory.

use std::collections::BTreeMap;

use palisade_domain::{
    AuthConfig, ConnectorConfig, ConnectorName, Deployment, OrgName, OrgSelection, Project, Repository,
    Resource, ResourceKind, Scope, Timestamp,
};
use palisade_store::{
    ConnectorId, DiscoveryOutcome, DiscoveryStatus, ListingOutcome, ResourceFilter, Store, StoreError,
    listing_key, new_connector_id,
};

use crate::fixtures::T0;
use crate::harness::Harness;

/// `n` minutes after [`T0`].
fn ts(n: i64) -> Timestamp {
    Timestamp::from_millis(T0 + n * 60_000)
}

fn org(name: &str) -> OrgName {
    OrgName::parse(name).expect("valid org")
}

fn connector(name: &str, organization: &str) -> ConnectorConfig {
    ConnectorConfig {
        name: ConnectorName::parse(name).expect("valid connector name"),
        organization: org(organization),
        deployment: Deployment::public_cloud(),
        auth: AuthConfig::Pat,
        orgs: OrgSelection::Chosen(Vec::new()),
    }
}

const ORG_ID: &str = "0000aaaa-org1";

fn project_scope(project: &str) -> Scope {
    Scope::Project {
        org_id: ORG_ID.to_owned(),
        project_id: project.to_owned(),
    }
}

fn repo(id: &str, name: &str, project: &str) -> Resource {
    Resource::Repository(Repository {
        id: id.to_owned(),
        name: name.to_owned(),
        project_id: project.to_owned(),
        project_name: format!("Project {project}"),
        default_branch: Some("refs/heads/main".to_owned()),
        size: 1024,
        is_disabled: false,
        is_fork: false,
        is_hidden: false,
        web_url: format!("https://dev.azure.com/contoso/{project}/_git/{name}"),
        remote_url: format!("https://contoso@dev.azure.com/contoso/{project}/_git/{name}"),
    })
}

fn project(id: &str, name: &str) -> Resource {
    Resource::Project(Project {
        id: id.to_owned(),
        name: name.to_owned(),
        visibility: "private".to_owned(),
        state: "wellFormed".to_owned(),
        description: None,
        last_update_time: None,
    })
}

fn outcome(added: u64, changed: u64, unchanged: u64, removed: u64, restored: u64) -> ListingOutcome {
    ListingOutcome {
        added,
        changed,
        unchanged,
        removed,
        restored,
    }
}

fn conflict(err: StoreError) -> String {
    match err {
        StoreError::Conflict(msg) => msg,
        other => panic!("expected a conflict, got {other:?}"),
    }
}

pub async fn connector_crud<H: Harness>(h: &H) {
    let store = h.open().await;
    let id = new_connector_id();
    let mut config = connector("ado-Contoso", "contoso");
    config.orgs = OrgSelection::Chosen(vec![org("fabrikam")]);
    let created = store
        .create_connector(&id, &config, Some(b"sealed-1"), ts(0))
        .await
        .expect("create");
    assert_eq!(created.id, id);
    assert_eq!(created.config, config);
    assert_eq!((created.created_at, created.updated_at), (ts(0), ts(0)));
    assert_eq!(created.credential_updated_at, Some(ts(0)));
    assert_eq!(created.last_discovery, None);

    // By id, by name ignoring case.
    assert_eq!(store.get_connector(id.as_str()).await.expect("by id"), created);
    assert_eq!(
        store.get_connector("ADO-contoso").await.expect("by name"),
        created
    );
    let err = store.get_connector("ado-nope").await.expect_err("unknown");
    assert!(
        matches!(&err, StoreError::NotFound(m) if m.contains("ado-nope")),
        "{err:?}"
    );
    let err = store
        .get_connector(new_connector_id().as_str())
        .await
        .expect_err("unknown id");
    assert!(matches!(err, StoreError::NotFound(_)));

    // Update: rename, other auth, same orgs; the credential stays.
    let mut changed = config.clone();
    changed.name = ConnectorName::parse("ado-main").expect("name");
    changed.auth = AuthConfig::ServicePrincipal {
        tenant: "t".into(),
        client_id: "c".into(),
    };
    let updated = store
        .update_connector(&id, &changed, None, ts(5))
        .await
        .expect("update");
    assert_eq!(updated.config, changed);
    assert_eq!((updated.created_at, updated.updated_at), (ts(0), ts(5)));
    assert_eq!(updated.credential_updated_at, Some(ts(0)));
    assert!(matches!(
        store.get_connector("ado-contoso").await,
        Err(StoreError::NotFound(_))
    ));

    let second = new_connector_id();
    store
        .create_connector(&second, &connector("Another", "northwind"), None, ts(1))
        .await
        .expect("create second");
    let names: Vec<String> = store
        .list_connectors()
        .await
        .expect("list")
        .into_iter()
        .map(|c| c.config.name.to_string())
        .collect();
    assert_eq!(names, ["ado-main", "Another"]);
    assert_eq!(
        store.connector_credential(&second).await.expect("no credential"),
        None
    );
    let err = store
        .update_connector(&new_connector_id(), &changed, None, ts(6))
        .await
        .expect_err("unknown");
    assert!(matches!(err, StoreError::NotFound(_)));
}

pub async fn connector_conflicts<H: Harness>(h: &H) {
    let store = h.open().await;
    let first = new_connector_id();
    let mut config = connector("ado-contoso", "Contoso");
    config.orgs = OrgSelection::AllExisting(vec![org("fabrikam")]);
    store
        .create_connector(&first, &config, None, ts(0))
        .await
        .expect("create");

    // Same name in another case.
    let msg = conflict(
        store
            .create_connector(
                &new_connector_id(),
                &connector("ADO-CONTOSO", "other"),
                None,
                ts(1),
            )
            .await
            .expect_err("same name"),
    );
    assert!(
        msg.starts_with("A connector with this name already exists"),
        "{msg}"
    );
    assert!(
        msg.contains("ado-contoso") && msg.contains("Choose a different name"),
        "{msg}"
    );

    // Same organization (main or chosen), in another case.
    for org_name in ["CONTOSO", "Fabrikam"] {
        let msg = conflict(
            store
                .create_connector(&new_connector_id(), &connector("ado-two", org_name), None, ts(1))
                .await
                .expect_err("same org"),
        );
        assert!(
            msg.starts_with("A connector for this organization already exists"),
            "{msg}"
        );
        assert!(
            msg.contains("ado-contoso") && msg.contains("Edit the existing one or delete it first"),
            "{msg}"
        );
    }
    // Nothing was written by the refused creates.
    assert_eq!(store.list_connectors().await.expect("list").len(), 1);

    // An update is checked against the others, not itself.
    let second = new_connector_id();
    store
        .create_connector(&second, &connector("ado-two", "northwind"), None, ts(2))
        .await
        .expect("create second");
    store
        .update_connector(&second, &connector("ADO-two", "Northwind"), None, ts(3))
        .await
        .expect("itself is no conflict");
    let msg = conflict(
        store
            .update_connector(&second, &connector("ado-contoso", "northwind"), None, ts(3))
            .await
            .expect_err("name of the first"),
    );
    assert!(
        msg.starts_with("A connector with this name already exists"),
        "{msg}"
    );
    let msg = conflict(
        store
            .update_connector(&second, &connector("ado-two", "fabrikam"), None, ts(3))
            .await
            .expect_err("org of the first"),
    );
    assert!(
        msg.starts_with("A connector for this organization already exists"),
        "{msg}"
    );

    // Dropping an organization from the configuration frees it.
    config.orgs = OrgSelection::Chosen(Vec::new());
    store
        .update_connector(&first, &config, None, ts(4))
        .await
        .expect("drop fabrikam");
    store
        .update_connector(&second, &connector("ado-two", "fabrikam"), None, ts(5))
        .await
        .expect("fabrikam is free");
    // ... and northwind, which the second no longer names, is free too.
    store
        .create_connector(
            &new_connector_id(),
            &connector("ado-three", "northwind"),
            None,
            ts(6),
        )
        .await
        .expect("northwind is free");
}

pub async fn concurrent_creates_one_org_one_wins<H: Harness>(h: &H) {
    for round in 0..4 {
        let org_name = format!("race-{round}");
        let mut tasks = Vec::new();
        for n in 0..2 {
            // Separate handles, as two processes would have.
            let store = h.open().await;
            let config = connector(&format!("racer-{round}-{n}"), &org_name);
            tasks.push(tokio::spawn(async move {
                store
                    .create_connector(&new_connector_id(), &config, Some(b"sealed"), ts(round))
                    .await
            }));
        }
        let mut won = 0;
        let mut lost = Vec::new();
        for task in tasks {
            match task.await.expect("task") {
                Ok(_) => won += 1,
                Err(e) => lost.push(conflict(e)),
            }
        }
        assert_eq!(won, 1, "round {round}: {lost:?}");
        assert_eq!(lost.len(), 1);
        assert!(
            lost[0].starts_with("A connector for this organization already exists"),
            "{}",
            lost[0]
        );
    }
    let store = h.open().await;
    assert_eq!(store.list_connectors().await.expect("list").len(), 4);
}

pub async fn connector_credentials<H: Harness>(h: &H) {
    let store = h.open().await;
    let id = new_connector_id();
    let sealed: Vec<u8> = (0..=255).collect();
    store
        .create_connector(&id, &connector("ado-creds", "contoso"), Some(&sealed), ts(0))
        .await
        .expect("create");
    assert_eq!(
        store.connector_credential(&id).await.expect("read"),
        Some(sealed.clone())
    );

    // An update without a credential keeps it; with one replaces it.
    let mut config = connector("ado-creds", "contoso");
    config.auth = AuthConfig::OAuth {
        tenant: "t".into(),
        client_id: "c".into(),
    };
    let kept = store
        .update_connector(&id, &config, None, ts(1))
        .await
        .expect("update");
    assert_eq!(kept.credential_updated_at, Some(ts(0)));
    assert_eq!(
        store.connector_credential(&id).await.expect("read"),
        Some(sealed.clone())
    );
    let replaced = store
        .update_connector(&id, &config, Some(b"sealed-2"), ts(2))
        .await
        .expect("update with credential");
    assert_eq!(replaced.credential_updated_at, Some(ts(2)));
    assert_eq!(
        store.connector_credential(&id).await.expect("read").as_deref(),
        Some(&b"sealed-2"[..])
    );

    // A rotated refresh token.
    store
        .set_connector_credential(&id, b"sealed-3", ts(3))
        .await
        .expect("rotate");
    assert_eq!(
        store.connector_credential(&id).await.expect("read").as_deref(),
        Some(&b"sealed-3"[..])
    );
    let record = store.get_connector(id.as_str()).await.expect("get");
    assert_eq!(record.credential_updated_at, Some(ts(3)));
    assert_eq!(record.updated_at, ts(2));
    // The record never carries the credential.
    let json = format!("{record:?}");
    assert!(
        !json.contains("sealed-3") && !json.contains("115, 101, 97, 108"),
        "{json}"
    );

    let unknown = new_connector_id();
    assert!(matches!(
        store.connector_credential(&unknown).await,
        Err(StoreError::NotFound(_))
    ));
    assert!(matches!(
        store.set_connector_credential(&unknown, b"x", ts(4)).await,
        Err(StoreError::NotFound(_))
    ));
}

pub async fn bulk_delete_is_atomic_and_cascades<H: Harness>(h: &H) {
    let store = h.open().await;
    let a = new_connector_id();
    let b = new_connector_id();
    store
        .create_connector(&a, &connector("ado-a", "org-a"), Some(b"s"), ts(0))
        .await
        .expect("a");
    store
        .create_connector(&b, &connector("ado-b", "org-b"), None, ts(0))
        .await
        .expect("b");
    for id in [&a, &b] {
        let run = store.begin_discovery(id, ts(1)).await.expect("begin");
        store
            .record_listing(
                &run.id,
                id,
                &project_scope("p1"),
                &[ResourceKind::Repository],
                &[repo("r1", "web", "p1"), repo("r2", "api", "p1")],
                ORG_ID,
                ts(1),
            )
            .await
            .expect("record");
    }
    assert_eq!(
        store
            .list_resources(&ResourceFilter::default())
            .await
            .expect("list")
            .len(),
        4
    );

    // One unknown id: nothing is deleted.
    let err = store
        .delete_connectors(&[a.clone(), new_connector_id()])
        .await
        .expect_err("unknown id");
    assert!(matches!(err, StoreError::NotFound(_)), "{err:?}");
    assert_eq!(store.list_connectors().await.expect("list").len(), 2);
    assert_eq!(
        store
            .list_resources(&ResourceFilter::default())
            .await
            .expect("list")
            .len(),
        4
    );

    assert_eq!(
        store
            .delete_connectors(&[a.clone(), b.clone(), a.clone()])
            .await
            .expect("delete"),
        2
    );
    assert!(store.list_connectors().await.expect("list").is_empty());
    let all = ResourceFilter {
        include_removed: true,
        ..ResourceFilter::default()
    };
    assert!(store.list_resources(&all).await.expect("list").is_empty());
    assert!(store.resource_counts(None).await.expect("counts").is_empty());
    assert!(store.list_discovery_runs(&a, 10).await.expect("runs").is_empty());
    // Their organizations and names are free again.
    store
        .create_connector(&new_connector_id(), &connector("ado-a", "org-a"), None, ts(2))
        .await
        .expect("org-a is free");
}

pub async fn discovery_tracks_changes_removals_and_restores<H: Harness>(h: &H) {
    let store = h.open().await;
    let id = new_connector_id();
    store
        .create_connector(&id, &connector("ado-disc", "contoso"), None, ts(0))
        .await
        .expect("create");
    let run = store.begin_discovery(&id, ts(1)).await.expect("begin");
    assert!(!run.resumed);
    let scope = project_scope("P1");
    let kinds = [ResourceKind::Repository];
    let repos = vec![
        repo("R1", "web", "P1"),
        repo("R2", "api", "P1"),
        repo("R3", "docs", "P1"),
    ];
    let record = |resources: Vec<Resource>, at: Timestamp| {
        let store = store.clone();
        let (run, id, scope) = (run.id.clone(), id.clone(), scope.clone());
        async move {
            store
                .record_listing(&run, &id, &scope, &kinds, &resources, ORG_ID, at)
                .await
                .expect("record listing")
        }
    };

    assert_eq!(record(repos.clone(), ts(1)).await, outcome(3, 0, 0, 0, 0));
    // The same listing again: nothing changes but last_seen_at, no duplicates.
    assert_eq!(record(repos.clone(), ts(2)).await, outcome(0, 0, 3, 0, 0));
    let listed = store
        .list_resources(&ResourceFilter::default())
        .await
        .expect("list");
    assert_eq!(
        listed.iter().map(|r| r.name.as_str()).collect::<Vec<_>>(),
        ["api", "docs", "web"]
    );
    let web = listed.iter().find(|r| r.name == "web").expect("web");
    assert_eq!(web.key.as_str(), "0000aaaa-org1/repository/r1");
    assert_eq!(web.kind, ResourceKind::Repository);
    assert_eq!(web.connector, id);
    assert_eq!(web.scope, "0000aaaa-org1/p1");
    assert_eq!(web.project_id.as_deref(), Some("P1"));
    assert_eq!(web.resource, repos[0]);
    assert_eq!(
        (web.first_seen_at, web.last_seen_at, web.removed_at),
        (ts(1), ts(2), None)
    );

    // One changed, one dropped.
    let mut renamed = repos[0].clone();
    if let Resource::Repository(r) = &mut renamed {
        "website".clone_into(&mut r.name);
    }
    assert_eq!(
        record(vec![renamed.clone(), repos[1].clone()], ts(3)).await,
        outcome(0, 1, 1, 1, 0)
    );
    let present = store
        .list_resources(&ResourceFilter::default())
        .await
        .expect("list");
    assert_eq!(
        present.iter().map(|r| r.name.as_str()).collect::<Vec<_>>(),
        ["api", "website"]
    );
    let website = present.iter().find(|r| r.name == "website").expect("website");
    assert_eq!(website.resource, renamed);
    assert_eq!(website.first_seen_at, ts(1));
    let all = ResourceFilter {
        include_removed: true,
        ..ResourceFilter::default()
    };
    let with_removed = store.list_resources(&all).await.expect("list all");
    let docs = with_removed.iter().find(|r| r.name == "docs").expect("docs kept");
    assert_eq!((docs.last_seen_at, docs.removed_at), (ts(2), Some(ts(3))));
    // Dropping it again changes nothing.
    assert_eq!(
        record(vec![renamed.clone(), repos[1].clone()], ts(4)).await,
        outcome(0, 0, 2, 0, 0)
    );

    // Seen again: restored.
    assert_eq!(
        record(vec![renamed.clone(), repos[1].clone(), repos[2].clone()], ts(5)).await,
        outcome(0, 0, 2, 0, 1)
    );
    let docs = store
        .list_resources(&ResourceFilter::default())
        .await
        .expect("list")
        .into_iter()
        .find(|r| r.name == "docs")
        .expect("docs back");
    assert_eq!(
        (docs.first_seen_at, docs.last_seen_at, docs.removed_at),
        (ts(1), ts(5), None)
    );

    // Other scopes and other kinds are left alone by a listing.
    let other = project_scope("P2");
    store
        .record_listing(
            &run.id,
            &id,
            &other,
            &kinds,
            &[repo("R9", "other", "P2")],
            ORG_ID,
            ts(6),
        )
        .await
        .expect("other scope");
    let org_scope = Scope::Organization {
        org_id: ORG_ID.to_owned(),
    };
    assert_eq!(
        store
            .record_listing(
                &run.id,
                &id,
                &org_scope,
                &[ResourceKind::Project],
                &[project("P1", "Shop"), project("P2", "Tools")],
                ORG_ID,
                ts(6),
            )
            .await
            .expect("projects"),
        outcome(2, 0, 0, 0, 0)
    );
    assert_eq!(record(Vec::new(), ts(7)).await, outcome(0, 0, 0, 3, 0));
    let counts = store.resource_counts(Some(&id)).await.expect("counts");
    assert_eq!(
        counts,
        BTreeMap::from([(ResourceKind::Project, 2), (ResourceKind::Repository, 1)])
    );

    // Filters and order.
    let only_p2 = ResourceFilter {
        project_id: Some("P2".to_owned()),
        ..ResourceFilter::default()
    };
    let names: Vec<String> = store
        .list_resources(&only_p2)
        .await
        .expect("p2")
        .into_iter()
        .map(|r| r.name)
        .collect();
    assert_eq!(names, ["Tools", "other"]);
    let page = ResourceFilter {
        kinds: vec![ResourceKind::Repository],
        include_removed: true,
        limit: Some(2),
        offset: 1,
        connector: Some(id.clone()),
        ..ResourceFilter::default()
    };
    let names: Vec<String> = store
        .list_resources(&page)
        .await
        .expect("page")
        .into_iter()
        .map(|r| r.name)
        .collect();
    assert_eq!(names, ["docs", "other"]);

    // A resource outside the listing's kinds is a caller bug.
    assert!(
        store
            .record_listing(&run.id, &id, &scope, &kinds, &[project("P3", "x")], ORG_ID, ts(8))
            .await
            .is_err()
    );
}

pub async fn discovery_resumes_unfinished_run<H: Harness>(h: &H) {
    let store = h.open().await;
    let id = new_connector_id();
    store
        .create_connector(&id, &connector("ado-resume", "contoso"), None, ts(0))
        .await
        .expect("create");
    let run = store.begin_discovery(&id, ts(1)).await.expect("begin");
    let scope = project_scope("p1");
    let kinds = [ResourceKind::Repository];
    let key = listing_key(&scope, &kinds);
    assert_eq!(key, "0000aaaa-org1/p1|repository");
    assert!(!store.listing_done(&run.id, &key).await.expect("done?"));
    store
        .record_listing(
            &run.id,
            &id,
            &scope,
            &kinds,
            &[repo("r1", "web", "p1")],
            ORG_ID,
            ts(1),
        )
        .await
        .expect("record");
    assert!(store.listing_done(&run.id, &key).await.expect("done?"));

    // The process is killed; the next discovery takes the run up again.
    let other_handle = h.open().await;
    let again = other_handle
        .begin_discovery(&id, ts(9))
        .await
        .expect("begin again");
    assert!(again.resumed);
    assert_eq!((again.id.clone(), again.started_at), (run.id.clone(), ts(1)));
    assert!(other_handle.listing_done(&again.id, &key).await.expect("done?"));
    assert!(
        !other_handle
            .listing_done(&again.id, &listing_key(&project_scope("p2"), &kinds))
            .await
            .expect("done?")
    );
    // Recording the listing again after a crash is exact.
    assert_eq!(
        other_handle
            .record_listing(
                &again.id,
                &id,
                &scope,
                &kinds,
                &[repo("r1", "web", "p1")],
                ORG_ID,
                ts(9)
            )
            .await
            .expect("record again"),
        outcome(0, 0, 1, 0, 0)
    );
    let record = other_handle.get_connector("ado-resume").await.expect("get");
    let last = record.last_discovery.expect("a run");
    assert_eq!((last.status, last.listings), (DiscoveryStatus::Running, 1));

    assert!(matches!(
        store
            .listing_done(&palisade_store::DiscoveryRunId::generate(), &key)
            .await,
        Err(StoreError::NotFound(_))
    ));
    assert!(matches!(
        store.begin_discovery(&new_connector_id(), ts(1)).await,
        Err(StoreError::NotFound(_))
    ));
}

pub async fn discovery_runs_finish_and_list<H: Harness>(h: &H) {
    let store = h.open().await;
    let id = new_connector_id();
    store
        .create_connector(&id, &connector("ado-runs", "contoso"), None, ts(0))
        .await
        .expect("create");
    let first = store.begin_discovery(&id, ts(1)).await.expect("begin");
    let done = DiscoveryOutcome {
        status: DiscoveryStatus::Partial,
        counts: BTreeMap::from([("repository".to_owned(), 3), ("project".to_owned(), 1)]),
        errors: vec!["project p2: 403 Forbidden".to_owned()],
        requests: 42,
        throttled: 2,
        rate_json: serde_json::json!({"remaining": 190, "reset_at": 1_700_000_000}),
    };
    let summary = store
        .finish_discovery(&first.id, &done, ts(2))
        .await
        .expect("finish");
    assert_eq!(summary.id, first.id);
    assert_eq!(summary.connector, id);
    assert_eq!(summary.status, DiscoveryStatus::Partial);
    assert_eq!((summary.started_at, summary.finished_at), (ts(1), Some(ts(2))));
    assert_eq!(summary.counts, done.counts);
    assert_eq!(summary.errors, done.errors);
    assert_eq!((summary.requests, summary.throttled), (42, 2));
    assert_eq!(summary.rate, done.rate_json);
    // Ended runs cannot be ended or recorded into again.
    assert!(matches!(
        store.finish_discovery(&first.id, &done, ts(3)).await,
        Err(StoreError::Conflict(_))
    ));
    assert!(matches!(
        store
            .record_listing(
                &first.id,
                &id,
                &project_scope("p1"),
                &[ResourceKind::Repository],
                &[],
                ORG_ID,
                ts(3)
            )
            .await,
        Err(StoreError::Conflict(_))
    ));

    // A new run after an ended one is new.
    let second = store.begin_discovery(&id, ts(4)).await.expect("begin");
    assert!(!second.resumed);
    assert_ne!(second.id, first.id);
    let finished = DiscoveryOutcome {
        status: DiscoveryStatus::Finished,
        counts: BTreeMap::new(),
        errors: Vec::new(),
        requests: 1,
        throttled: 0,
        rate_json: serde_json::json!({}),
    };
    store
        .finish_discovery(&second.id, &finished, ts(5))
        .await
        .expect("finish");
    let third = store.begin_discovery(&id, ts(6)).await.expect("begin");

    let runs = store.list_discovery_runs(&id, 10).await.expect("runs");
    assert_eq!(
        runs.iter().map(|r| (r.id.clone(), r.status)).collect::<Vec<_>>(),
        [
            (third.id.clone(), DiscoveryStatus::Running),
            (second.id.clone(), DiscoveryStatus::Finished),
            (first.id.clone(), DiscoveryStatus::Partial),
        ]
    );
    assert_eq!(store.list_discovery_runs(&id, 1).await.expect("runs").len(), 1);
    let record = store.get_connector(id.as_str()).await.expect("get");
    assert_eq!(record.last_discovery.map(|r| r.id), Some(third.id));
    assert!(matches!(
        store
            .finish_discovery(&palisade_store::DiscoveryRunId::generate(), &finished, ts(7))
            .await,
        Err(StoreError::NotFound(_))
    ));
}

pub async fn discovered_orgs_are_claimed_once<H: Harness>(h: &H) {
    let store = h.open().await;
    let a = new_connector_id();
    let b = new_connector_id();
    let mut all = connector("ado-all", "contoso");
    all.orgs = OrgSelection::AllExistingAndFuture;
    store.create_connector(&a, &all, None, ts(0)).await.expect("a");
    store
        .create_connector(&b, &connector("ado-b", "fabrikam"), None, ts(0))
        .await
        .expect("b");
    assert!(store.claim_org(&a, &org("NewOrg"), ts(1)).await.expect("claim"));
    assert!(store.claim_org(&a, &org("neworg"), ts(2)).await.expect("again"));
    assert!(!store.claim_org(&a, &org("Fabrikam"), ts(1)).await.expect("taken"));
    assert!(!store.claim_org(&b, &org("neworg"), ts(1)).await.expect("taken"));
    let msg = conflict(
        store
            .create_connector(&new_connector_id(), &connector("ado-c", "neworg"), None, ts(3))
            .await
            .expect_err("claimed by discovery"),
    );
    assert!(msg.contains("ado-all"), "{msg}");
    assert!(matches!(
        store.claim_org(&new_connector_id(), &org("x"), ts(1)).await,
        Err(StoreError::NotFound(_))
    ));
}

pub async fn ten_thousand_resources<H: Harness>(h: &H) {
    let store = h.open().await;
    let id: ConnectorId = new_connector_id();
    store
        .create_connector(&id, &connector("ado-big", "contoso"), None, ts(0))
        .await
        .expect("create");
    let run = store.begin_discovery(&id, ts(1)).await.expect("begin");
    let scope = Scope::Organization {
        org_id: ORG_ID.to_owned(),
    };
    let kinds = [ResourceKind::Repository];
    let mut repos: Vec<Resource> = (0..10_000)
        .map(|i| {
            repo(
                &format!("repo-{i:05}"),
                &format!("repository {i:05}"),
                &format!("p{}", i % 50),
            )
        })
        .collect();
    let first = store
        .record_listing(&run.id, &id, &scope, &kinds, &repos, ORG_ID, ts(1))
        .await
        .expect("first");
    assert_eq!(first, outcome(10_000, 0, 0, 0, 0));
    let again = store
        .record_listing(&run.id, &id, &scope, &kinds, &repos, ORG_ID, ts(2))
        .await
        .expect("again");
    assert_eq!(again, outcome(0, 0, 10_000, 0, 0));

    // Change 10, drop 100.
    for r in repos.iter_mut().take(10) {
        if let Resource::Repository(repo) = r {
            repo.size += 1;
        }
    }
    repos.truncate(9_900);
    let third = store
        .record_listing(&run.id, &id, &scope, &kinds, &repos, ORG_ID, ts(3))
        .await
        .expect("third");
    assert_eq!(third, outcome(0, 10, 9_890, 100, 0));
    assert_eq!(
        store.resource_counts(Some(&id)).await.expect("counts"),
        BTreeMap::from([(ResourceKind::Repository, 9_900)])
    );
    let all = ResourceFilter {
        include_removed: true,
        ..ResourceFilter::default()
    };
    assert_eq!(store.list_resources(&all).await.expect("all").len(), 10_000);
}
