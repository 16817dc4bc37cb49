//! Stories of what the console and the API show across the estate: the
//! findings counts kept per repository, the overview and its trend,
//! coverage, the repository inventory, the findings list's scope, search,
//! orders and pages, and bulk triage.

use std::collections::{BTreeMap, BTreeSet};

use palisade_domain::{
    ArchiveReason, Finding, FindingId, FindingKind, MANAGED_SCAN_LABEL, ManagedState, Severity, Timestamp,
    TriageState,
};
use palisade_store::{
    ConnectorId, Coverage, CoverageStatus, FindingFilter, FindingSort, MAX_TRIAGE_BATCH, ManagedRepo,
    ManagedStore, OverviewFilter, OverviewStore, RepoGroupRow, RepoInventoryFilter, RepoSort, SeverityCounts,
    Store, StoreError, Triage, new_connector_id,
};

use crate::fixtures::{SECRETS, T0, TARGET, finding, id_of, loc, minutes, org_name, scan};
use crate::harness::Harness;

const DAY: i64 = 86_400_000;

/// An enabled repository (full and PR scans on, scanned successfully at
/// minute 10) of `connector`; its target is `ado://{org}/{project}/{name}`.
fn repo(connector: Option<&ConnectorId>, org: &str, project: &str, name: &str) -> ManagedRepo {
    ManagedRepo {
        org: org_name(org),
        repo_id: format!("{project}-{name}").to_lowercase(),
        connector: connector.cloned(),
        project: project.to_owned(),
        project_id: format!("{}-id", project.to_lowercase()),
        name: name.to_owned(),
        remote_url: format!("https://dev.azure.com/{org}/{project}/_git/{name}"),
        web_url: format!("https://dev.azure.com/{org}/{project}/_git/{name}"),
        default_branch: Some("main".to_owned()),
        size: 4096,
        target: format!("ado://{org}/{project}/{name}").to_lowercase(),
        state: ManagedState::Enabled,
        archive_reason: None,
        full_scans: true,
        pr_scans: true,
        labels: vec![MANAGED_SCAN_LABEL.to_owned()],
        scanned_tips: Vec::new(),
        scanned_rules: None,
        last_scan_id: None,
        last_scan_at: Some(minutes(10)),
        last_status: Some(palisade_domain::ScanStatus::Completed),
        last_error: None,
        last_success_at: Some(minutes(10)),
        first_seen_at: minutes(0),
        updated_at: minutes(0),
    }
}

fn kind(mut f: Finding, kind: FindingKind) -> Finding {
    f.kind = kind;
    f
}

/// Records a scan of `target`, `n` minutes in, complete for secrets and
/// dependencies.
async fn record(store: &impl Store, target: &str, n: i64, findings: &[Finding]) {
    store
        .record_scan(
            &scan(target, n),
            findings,
            &[FindingKind::Secret, FindingKind::Dependency],
        )
        .await
        .expect("record scan");
}

fn triage(state: TriageState, n: i64) -> Triage {
    Triage {
        state,
        comment: Some("checked".to_owned()),
        at: minutes(n),
    }
}

fn set_of(connectors: &[&ConnectorId]) -> BTreeSet<ConnectorId> {
    connectors.iter().map(|c| (*c).clone()).collect()
}

fn overview_filter(connectors: &[&ConnectorId]) -> OverviewFilter {
    OverviewFilter {
        connectors: Some(set_of(connectors)),
    }
}

fn counts(pairs: &[(Severity, u64)]) -> SeverityCounts {
    let mut c = SeverityCounts::default();
    for (s, n) in pairs {
        c.add(*s, *n);
    }
    c
}

/// The overview and every inventory row against a count of the open
/// findings' present locations as `list_findings` reads them (a finding per
/// target).
async fn assert_counts_exact(store: &impl Store, step: &str) {
    let findings = store
        .list_findings(&FindingFilter::default())
        .await
        .expect("list findings");
    let mut by_kind: BTreeMap<FindingKind, SeverityCounts> = FindingKind::ALL
        .into_iter()
        .map(|k| (k, SeverityCounts::default()))
        .collect();
    let mut total = SeverityCounts::default();
    let mut per_target: BTreeMap<String, SeverityCounts> = BTreeMap::new();
    for f in findings.iter().filter(|f| f.state == TriageState::Open) {
        let targets: BTreeSet<&str> = f
            .locations
            .iter()
            .filter(|l| l.gone_at.is_none())
            .map(|l| l.target.as_str())
            .collect();
        for t in targets {
            by_kind.entry(f.kind).or_default().add(f.severity, 1);
            total.add(f.severity, 1);
            per_target.entry(t.to_owned()).or_default().add(f.severity, 1);
        }
    }
    let overview = store
        .finding_overview(&OverviewFilter::default())
        .await
        .expect("overview");
    assert_eq!(overview.by_kind, by_kind, "{step}");
    assert_eq!(overview.total, total, "{step}");
    assert_eq!(overview.repos_with_open, per_target.len() as u64, "{step}");
    let page = store
        .repo_inventory(&RepoInventoryFilter::default())
        .await
        .expect("inventory");
    assert!(!page.rows.is_empty(), "{step}");
    for row in &page.rows {
        assert_eq!(
            row.open,
            per_target.get(&row.target).copied().unwrap_or_default(),
            "{step}: {}",
            row.name
        );
    }
}

/// `target_finding_counts` follows every write: new findings, a rescan that
/// marks one fixed, a rule whose severity changed, triage of a finding
/// present in two repositories (both move), a reopening seen in one of them
/// (the other moves too), bulk triage.
pub async fn finding_counts_stay_exact_through_scans_and_triage<H: Harness>(h: &H) {
    let store = h.open().await;
    let connector = new_connector_id();
    let web = repo(Some(&connector), "contoso", "Shop", "web");
    let api = repo(Some(&connector), "contoso", "Shop", "api");
    store
        .upsert_managed_repos(&[web.clone(), api.clone()])
        .await
        .expect("upsert");
    let shared = |severity| finding("github.pat", "ghp_shared", severity, vec![loc("web.env", 1)]);
    let a1 = finding("aws.key", "AKIA-a1", Severity::Critical, vec![loc("k.txt", 1)]);
    let a2 = finding("generic.password", "pw-a2", Severity::Low, vec![loc("c.ini", 2)]);
    let dep = kind(
        finding(
            "dependency.ghsa-1",
            "lodash",
            Severity::High,
            vec![loc("package-lock.json", 3)],
        ),
        FindingKind::Dependency,
    );
    let b1 = finding("slack.token", "xoxb-b1", Severity::Medium, vec![loc("s.txt", 3)]);

    record(
        &store,
        &web.target,
        0,
        &[shared(Severity::High), a1.clone(), a2.clone(), dep.clone()],
    )
    .await;
    assert_counts_exact(&store, "first scan of a").await;
    record(&store, &api.target, 1, &[shared(Severity::High), b1.clone()]).await;
    assert_counts_exact(&store, "first scan of b").await;
    let overview = store
        .finding_overview(&OverviewFilter::default())
        .await
        .expect("overview");
    // The shared secret counts once per repository.
    assert_eq!(overview.by_kind[&FindingKind::Secret].high, 2);
    assert_eq!(overview.by_kind[&FindingKind::Dependency].high, 1);
    assert_eq!(overview.repos_with_open, 2);

    // a2 gone from a: fixed.
    record(
        &store,
        &web.target,
        2,
        &[shared(Severity::High), a1.clone(), dep.clone()],
    )
    .await;
    assert_eq!(
        store.get_finding(a2.id).await.expect("a2").state,
        TriageState::Fixed
    );
    assert_counts_exact(&store, "a2 fixed").await;

    // The rule's severity changed, seen by a scan of b: a's count moves too.
    record(&store, &api.target, 3, &[shared(Severity::Critical), b1.clone()]).await;
    assert_counts_exact(&store, "severity changed").await;
    let web_row = store
        .repo_inventory(&RepoInventoryFilter {
            search: Some("web".to_owned()),
            ..RepoInventoryFilter::default()
        })
        .await
        .expect("web");
    assert_eq!(web_row.rows[0].open.critical, 2);

    // Triage of a finding present in both repositories moves both.
    let shared_id = shared(Severity::High).id;
    store
        .triage(shared_id, &triage(TriageState::Fixed, 4))
        .await
        .expect("triage");
    assert_counts_exact(&store, "shared marked fixed").await;

    // Seen again in a: reopened, so b counts it again too; a2 reopened.
    record(
        &store,
        &web.target,
        5,
        &[shared(Severity::Critical), a1.clone(), a2.clone(), dep.clone()],
    )
    .await;
    assert_eq!(
        store.get_finding(shared_id).await.expect("shared").state,
        TriageState::Open
    );
    assert_counts_exact(&store, "reopened").await;

    let n = store
        .triage_many(&[shared_id, b1.id], &triage(TriageState::AcceptedRisk, 6))
        .await
        .expect("triage many");
    assert_eq!(n, 2);
    assert_counts_exact(&store, "bulk triage").await;

    // An incomplete scan of b that sees nothing changes nothing.
    store
        .record_scan(&scan(&api.target, 7), &[], &[])
        .await
        .expect("empty scan");
    assert_counts_exact(&store, "empty incomplete scan").await;

    // A complete scan of b that sees nothing: its locations gone.
    record(&store, &api.target, 8, &[]).await;
    assert_counts_exact(&store, "b cleaned").await;
}

/// Two connectors each see only their repositories' findings, coverage,
/// inventory and trend; an empty set sees nothing; no scope sees local
/// targets and revoked repositories too.
pub async fn overview_coverage_inventory_and_trend_by_connector<H: Harness>(h: &H) {
    let store = h.open().await;
    let c1 = new_connector_id();
    let c2 = new_connector_id();
    let web = repo(Some(&c1), "contoso", "Shop", "web");
    let api = ManagedRepo {
        pr_scans: false,
        ..repo(Some(&c1), "contoso", "Shop", "api")
    };
    let empty = ManagedRepo {
        default_branch: None,
        last_success_at: None,
        ..repo(Some(&c1), "contoso", "Infra", "empty")
    };
    let old = ManagedRepo {
        state: ManagedState::Archived,
        archive_reason: Some(ArchiveReason::Removed),
        ..repo(Some(&c1), "contoso", "Infra", "old")
    };
    let gone = ManagedRepo {
        state: ManagedState::Archived,
        archive_reason: Some(ArchiveReason::Revoked),
        ..repo(None, "contoso", "Shop", "gone")
    };
    let core = ManagedRepo {
        last_success_at: Some(minutes(1)),
        ..repo(Some(&c2), "fabrikam", "Core", "core")
    };
    let tools = ManagedRepo {
        state: ManagedState::Offered,
        full_scans: false,
        pr_scans: false,
        labels: Vec::new(),
        last_scan_at: None,
        last_status: None,
        last_success_at: None,
        ..repo(Some(&c2), "fabrikam", "Core", "tools")
    };
    store
        .upsert_managed_repos(&[
            web.clone(),
            api.clone(),
            empty.clone(),
            old.clone(),
            gone.clone(),
            core.clone(),
            tools.clone(),
        ])
        .await
        .expect("upsert");

    let shared = finding("generic.password", "shared", Severity::Medium, vec![loc("a", 1)]);
    let s1 = finding("github.pat", "s1", Severity::Critical, vec![loc("b", 1)]);
    let d1 = kind(
        finding("dependency.ghsa-2", "d1", Severity::High, vec![loc("c", 1)]),
        FindingKind::Dependency,
    );
    let s4 = finding("aws.key", "s4", Severity::High, vec![loc("d", 1)]);
    record(&store, &web.target, 0, &[s1.clone(), d1.clone(), shared.clone()]).await;
    record(
        &store,
        &api.target,
        0,
        &[finding("x.low", "s2", Severity::Low, vec![loc("e", 1)])],
    )
    .await;
    record(
        &store,
        &old.target,
        0,
        &[finding("x.medium", "s3", Severity::Medium, vec![loc("f", 1)])],
    )
    .await;
    record(&store, &core.target, 0, &[s4.clone(), shared.clone()]).await;
    record(
        &store,
        &gone.target,
        0,
        &[finding("x.high", "s5", Severity::High, vec![loc("g", 1)])],
    )
    .await;
    record(
        &store,
        TARGET,
        0,
        &[finding("x.info", "s6", Severity::Info, vec![loc("h", 1)])],
    )
    .await;

    // ---- overview ----
    let all = store
        .finding_overview(&OverviewFilter::default())
        .await
        .expect("overview");
    assert_eq!(
        all.by_kind[&FindingKind::Secret],
        counts(&[
            (Severity::Critical, 1),
            (Severity::High, 2),
            (Severity::Medium, 3),
            (Severity::Low, 1),
            (Severity::Info, 1),
        ])
    );
    assert_eq!(
        all.by_kind[&FindingKind::Dependency],
        counts(&[(Severity::High, 1)])
    );
    assert_eq!(all.by_kind[&FindingKind::Iac], SeverityCounts::default());
    assert_eq!(all.total.total, 9);
    assert_eq!(all.repos_with_open, 6);

    let of_c1 = store
        .finding_overview(&overview_filter(&[&c1]))
        .await
        .expect("c1");
    assert_eq!(
        of_c1.by_kind[&FindingKind::Secret],
        counts(&[(Severity::Critical, 1), (Severity::Medium, 2), (Severity::Low, 1)])
    );
    assert_eq!(
        of_c1.by_kind[&FindingKind::Dependency],
        counts(&[(Severity::High, 1)])
    );
    assert_eq!(of_c1.repos_with_open, 3);
    let of_c2 = store
        .finding_overview(&overview_filter(&[&c2]))
        .await
        .expect("c2");
    assert_eq!(of_c2.total, counts(&[(Severity::High, 1), (Severity::Medium, 1)]));
    assert_eq!(of_c2.repos_with_open, 1);
    let both = store
        .finding_overview(&overview_filter(&[&c1, &c2]))
        .await
        .expect("both");
    assert_eq!(both.total.total, of_c1.total.total + of_c2.total.total);
    let nothing = store
        .finding_overview(&overview_filter(&[]))
        .await
        .expect("nothing");
    assert_eq!(nothing.total, SeverityCounts::default());
    assert_eq!(nothing.repos_with_open, 0);

    // ---- coverage ----
    let fresh_after = minutes(5);
    let coverage = |f: OverviewFilter| {
        let store = store.clone();
        async move { store.coverage(&f, fresh_after).await.expect("coverage") }
    };
    assert_eq!(
        coverage(OverviewFilter::default()).await,
        Coverage {
            repos: 5,
            on: 1,
            partial: 2,
            off: 1,
            not_applicable: 1,
            pr_annotations_on: 2,
            pr_annotations_off: 2,
        }
    );
    assert_eq!(
        coverage(overview_filter(&[&c1])).await,
        Coverage {
            repos: 3,
            on: 1,
            partial: 1,
            off: 0,
            not_applicable: 1,
            pr_annotations_on: 1,
            pr_annotations_off: 1,
        }
    );
    assert_eq!(
        coverage(overview_filter(&[&c2])).await,
        Coverage {
            repos: 2,
            on: 0,
            partial: 1,
            off: 1,
            not_applicable: 0,
            pr_annotations_on: 1,
            pr_annotations_off: 1,
        }
    );
    assert_eq!(coverage(overview_filter(&[])).await, Coverage::default());

    // ---- inventory ----
    let inventory = |f: RepoInventoryFilter| {
        let store = store.clone();
        async move { store.repo_inventory(&f).await.expect("inventory") }
    };
    let names = |rows: &[palisade_store::RepoInventoryRow]| -> Vec<String> {
        rows.iter().map(|r| r.name.clone()).collect()
    };
    let scoped = |connectors: &[&ConnectorId]| RepoInventoryFilter {
        connectors: Some(set_of(connectors)),
        fresh_after: Some(fresh_after),
        ..RepoInventoryFilter::default()
    };
    let page = inventory(scoped(&[&c1])).await;
    assert_eq!(page.total, 4);
    assert_eq!(names(&page.rows), ["api", "empty", "old", "web"]);
    let by_name: BTreeMap<&str, &palisade_store::RepoInventoryRow> =
        page.rows.iter().map(|r| (r.name.as_str(), r)).collect();
    assert_eq!(by_name["web"].coverage, CoverageStatus::On);
    assert_eq!(by_name["api"].coverage, CoverageStatus::Partial);
    assert_eq!(by_name["empty"].coverage, CoverageStatus::NotApplicable);
    assert_eq!(by_name["old"].coverage, CoverageStatus::NotApplicable);
    assert_eq!(
        by_name["web"].open,
        counts(&[
            (Severity::Critical, 1),
            (Severity::High, 1),
            (Severity::Medium, 1)
        ])
    );
    assert_eq!(by_name["web"].connector.as_ref(), Some(&c1));
    assert_eq!(by_name["web"].org.as_str(), "contoso");
    assert_eq!(by_name["web"].project, "Shop");
    assert_eq!(by_name["web"].target, web.target);
    assert_eq!(by_name["web"].repo_id, web.repo_id);
    assert_eq!(by_name["web"].last_success_at, web.last_success_at);
    assert_eq!(by_name["old"].state, ManagedState::Archived);
    let page = inventory(scoped(&[&c2])).await;
    assert_eq!(names(&page.rows), ["core", "tools"]);
    assert_eq!(page.rows[0].coverage, CoverageStatus::Partial);
    assert_eq!(page.rows[1].coverage, CoverageStatus::Off);
    let page = inventory(scoped(&[])).await;
    assert_eq!((page.total, page.rows.len()), (0, 0));
    let page = inventory(RepoInventoryFilter::default()).await;
    assert_eq!(
        names(&page.rows),
        ["api", "core", "empty", "gone", "old", "tools", "web"]
    );
    // Without fresh_after any successful scan counts: core is on.
    assert_eq!(page.rows[1].coverage, CoverageStatus::On);
    let page = inventory(RepoInventoryFilter {
        org: Some(org_name("FABRIKAM")),
        ..RepoInventoryFilter::default()
    })
    .await;
    assert_eq!(names(&page.rows), ["core", "tools"]);
    let page = inventory(RepoInventoryFilter {
        states: vec![ManagedState::Archived],
        ..RepoInventoryFilter::default()
    })
    .await;
    assert_eq!(names(&page.rows), ["gone", "old"]);

    // ---- groups ----
    let groups = store
        .repo_inventory_groups(&RepoInventoryFilter::default())
        .await
        .expect("groups");
    assert_eq!(
        groups,
        vec![
            RepoGroupRow {
                org: org_name("contoso"),
                project: "Infra".to_owned(),
                repos: 2,
                repos_with_open: 1,
                open: counts(&[(Severity::Medium, 1)]),
            },
            RepoGroupRow {
                org: org_name("contoso"),
                project: "Shop".to_owned(),
                repos: 3,
                repos_with_open: 3,
                open: counts(&[
                    (Severity::Critical, 1),
                    (Severity::High, 2),
                    (Severity::Medium, 1),
                    (Severity::Low, 1),
                ]),
            },
            RepoGroupRow {
                org: org_name("fabrikam"),
                project: "Core".to_owned(),
                repos: 2,
                repos_with_open: 1,
                open: counts(&[(Severity::High, 1), (Severity::Medium, 1)]),
            },
        ]
    );
    let groups = store
        .repo_inventory_groups(&RepoInventoryFilter {
            with_findings_only: true,
            ..scoped(&[&c1])
        })
        .await
        .expect("groups of c1");
    let shape: Vec<(&str, u64, u64)> = groups
        .iter()
        .map(|g| (g.project.as_str(), g.repos, g.open.total))
        .collect();
    assert_eq!(shape, [("Infra", 1, 1), ("Shop", 2, 4)]);
    assert!(
        store
            .repo_inventory_groups(&scoped(&[]))
            .await
            .expect("no groups")
            .is_empty()
    );

    // ---- trend ----
    let day1 = Timestamp::from_millis(T0);
    let day2 = Timestamp::from_millis(T0 + DAY);
    let day3 = Timestamp::from_millis(T0 + 2 * DAY);
    store.snapshot_finding_counts(day1).await.expect("snapshot 1");
    store
        .triage(s1.id, &triage(TriageState::FalsePositive, 20))
        .await
        .expect("triage s1");
    store.snapshot_finding_counts(day2).await.expect("snapshot 2");
    // A later snapshot the same day replaces the earlier one.
    store
        .triage(s4.id, &triage(TriageState::AcceptedRisk, 21))
        .await
        .expect("triage s4");
    store
        .snapshot_finding_counts(Timestamp::from_millis(T0 + DAY + 60_000))
        .await
        .expect("snapshot 2 again");
    let trend = |f: OverviewFilter| {
        let store = store.clone();
        async move { store.finding_trend(&f, 3, day3).await.expect("trend") }
    };
    let series = trend(OverviewFilter::default()).await;
    // Day 3 has no snapshot: left out, not zero.
    assert_eq!(
        series.iter().map(|d| d.day.as_str()).collect::<Vec<_>>(),
        ["2023-11-14", "2023-11-15"]
    );
    assert_eq!(
        series[0].open,
        counts(&[
            (Severity::Critical, 1),
            (Severity::High, 3),
            (Severity::Medium, 3),
            (Severity::Low, 1),
            (Severity::Info, 1),
        ])
    );
    let now = store
        .finding_overview(&OverviewFilter::default())
        .await
        .expect("overview now");
    assert_eq!(series[1].open, now.total);
    let series = trend(overview_filter(&[&c2])).await;
    assert_eq!(series.len(), 2);
    assert_eq!(
        series[0].open,
        counts(&[(Severity::High, 1), (Severity::Medium, 1)])
    );
    assert_eq!(series[1].open, counts(&[(Severity::Medium, 1)]));
    // By organization: contoso's revoked repository counts for c1.
    let series = trend(overview_filter(&[&c1])).await;
    assert_eq!(
        series[0].open,
        counts(&[
            (Severity::Critical, 1),
            (Severity::High, 2),
            (Severity::Medium, 2),
            (Severity::Low, 1),
        ])
    );
    let series = trend(overview_filter(&[])).await;
    assert_eq!(series.len(), 2);
    assert!(series.iter().all(|d| d.open == SeverityCounts::default()));
    assert!(
        store
            .finding_trend(&OverviewFilter::default(), 0, day3)
            .await
            .expect("no days")
            .is_empty()
    );
}

/// The inventory's search takes `%`, `_` and `\` literally and ignores
/// case; each sort breaks ties by name; pages never overlap and a page past
/// the end is empty with the same total; kinds and severities select what
/// is counted.
pub async fn inventory_search_sort_and_paging<H: Harness>(h: &H) {
    let store = h.open().await;
    let c = new_connector_id();
    let with_scan = |name: &str, last: Option<i64>| ManagedRepo {
        last_scan_at: last.map(minutes),
        ..repo(Some(&c), "contoso", "Shop", name)
    };
    let a_b = with_scan("a_b", Some(1));
    let axb = with_scan("axb", Some(5));
    let pct = with_scan("100%", None);
    let slash = with_scan("back\\slash", Some(5));
    let zeta = ManagedRepo {
        project: "Other".to_owned(),
        ..with_scan("zeta", Some(3))
    };
    store
        .upsert_managed_repos(&[a_b.clone(), axb.clone(), pct.clone(), slash.clone(), zeta.clone()])
        .await
        .expect("upsert");
    let f = |secret: &str, severity| finding("generic.password", secret, severity, vec![loc("p", 1)]);
    record(
        &store,
        &a_b.target,
        0,
        &[
            f("1", Severity::Critical),
            f("2", Severity::High),
            f("3", Severity::Low),
        ],
    )
    .await;
    record(&store, &axb.target, 0, &[f("4", Severity::Medium)]).await;
    record(
        &store,
        &pct.target,
        0,
        &[
            kind(f("5", Severity::High), FindingKind::Dependency),
            f("6", Severity::Info),
        ],
    )
    .await;
    record(&store, &zeta.target, 0, &[f("7", Severity::Medium)]).await;

    let names = |f: RepoInventoryFilter| {
        let store = store.clone();
        async move {
            let page = store.repo_inventory(&f).await.expect("inventory");
            (
                page.total,
                page.rows.into_iter().map(|r| r.name).collect::<Vec<_>>(),
            )
        }
    };
    let search = |s: &str| RepoInventoryFilter {
        search: Some(s.to_owned()),
        ..RepoInventoryFilter::default()
    };
    assert_eq!(names(search("a_b")).await, (1, vec!["a_b".to_owned()]));
    assert_eq!(names(search("A_B")).await, (1, vec!["a_b".to_owned()]));
    assert_eq!(names(search("%")).await, (1, vec!["100%".to_owned()]));
    assert_eq!(names(search("\\")).await, (1, vec!["back\\slash".to_owned()]));
    assert_eq!(names(search("X")).await, (1, vec!["axb".to_owned()]));
    assert_eq!(names(search("nope")).await, (0, vec![]));

    let sorted = |sort| RepoInventoryFilter {
        sort,
        ..RepoInventoryFilter::default()
    };
    assert_eq!(
        names(sorted(RepoSort::Name)).await.1,
        ["100%", "a_b", "axb", "back\\slash", "zeta"]
    );
    assert_eq!(
        names(sorted(RepoSort::Findings)).await.1,
        ["a_b", "100%", "axb", "zeta", "back\\slash"]
    );
    assert_eq!(
        names(sorted(RepoSort::LastScanned)).await.1,
        ["axb", "back\\slash", "zeta", "a_b", "100%"]
    );

    // Pages of two, by findings.
    let mut seen = Vec::new();
    for offset in [0, 2, 4] {
        let (total, rows) = names(RepoInventoryFilter {
            limit: Some(2),
            offset,
            ..sorted(RepoSort::Findings)
        })
        .await;
        assert_eq!(total, 5);
        seen.extend(rows);
    }
    assert_eq!(seen, ["a_b", "100%", "axb", "zeta", "back\\slash"]);
    assert_eq!(
        names(RepoInventoryFilter {
            limit: Some(2),
            offset: 10,
            ..RepoInventoryFilter::default()
        })
        .await,
        (5, vec![])
    );

    // What is counted.
    let with_findings = RepoInventoryFilter {
        with_findings_only: true,
        ..sorted(RepoSort::Findings)
    };
    assert_eq!(names(with_findings.clone()).await.0, 4);
    let deps = RepoInventoryFilter {
        kinds: vec![FindingKind::Dependency],
        ..with_findings.clone()
    };
    assert_eq!(names(deps).await, (1, vec!["100%".to_owned()]));
    let high_up = store
        .repo_inventory(&RepoInventoryFilter {
            min_severity: Some(Severity::High),
            ..with_findings.clone()
        })
        .await
        .expect("high and up");
    let shape: Vec<(&str, u64)> = high_up
        .rows
        .iter()
        .map(|r| (r.name.as_str(), r.open.total))
        .collect();
    assert_eq!(shape, [("a_b", 2), ("100%", 1)]);
    assert_eq!(
        high_up.rows[0].open,
        counts(&[(Severity::Critical, 1), (Severity::High, 1)])
    );

    // Project, exactly.
    let project = |p: &str| RepoInventoryFilter {
        project: Some(p.to_owned()),
        ..RepoInventoryFilter::default()
    };
    assert_eq!(names(project("Other")).await, (1, vec!["zeta".to_owned()]));
    assert_eq!(names(project("other")).await.0, 0);
    assert_eq!(
        names(RepoInventoryFilter {
            org: Some(org_name("fabrikam")),
            ..RepoInventoryFilter::default()
        })
        .await
        .0,
        0
    );
}

/// The findings list: connector scope (locations outside it not shown),
/// severities, search (escaped, any case, rule id, rule name or path), every
/// order both ways, offsets, and counts that ignore paging.
pub async fn findings_list_scope_search_sort_and_paging<H: Harness>(h: &H) {
    let store = h.open().await;
    let c1 = new_connector_id();
    let c2 = new_connector_id();
    let w = repo(Some(&c1), "contoso", "Shop", "web");
    let k = repo(Some(&c2), "fabrikam", "Core", "core");
    store
        .upsert_managed_repos(&[w.clone(), k.clone()])
        .await
        .expect("upsert");
    let f1 = finding("github.pat", "f1", Severity::High, vec![loc("src/a_b.rs", 1)]);
    let f2 = finding(
        "aws.access-key",
        "f2",
        Severity::Critical,
        vec![loc("src/axb.rs", 1)],
    );
    let f3 = finding(
        "generic.password",
        "f3",
        Severity::Low,
        vec![loc("conf/100%.ini", 1)],
    );
    let f4 = finding("slack.token", "f4", Severity::Medium, vec![loc("x.txt", 1)]);
    // Incomplete scans: nothing goes, so times only widen.
    let rec = |target: &str, n: i64, f: &Finding| {
        let store = store.clone();
        let (target, f) = (target.to_owned(), f.clone());
        async move {
            store
                .record_scan(&scan(&target, n), &[f], &[])
                .await
                .expect("record");
        }
    };
    rec(&w.target, 0, &f1).await;
    rec(&k.target, 1, &f2).await;
    rec(&w.target, 2, &f3).await;
    rec(&k.target, 3, &f3).await;
    rec(TARGET, 4, &f4).await;
    rec(&w.target, 5, &f1).await;

    let list = |f: FindingFilter| {
        let store = store.clone();
        async move {
            let found = store.list_findings(&f).await.expect("list");
            let n = store.count_findings(&f).await.expect("count");
            (n, found.into_iter().map(|f| f.id).collect::<Vec<FindingId>>())
        }
    };
    let all = list(FindingFilter::default()).await;
    assert_eq!(all, (4, vec![f2.id, f1.id, f4.id, f3.id]));

    // Scope.
    let scoped = |connectors: &[&ConnectorId]| FindingFilter {
        connectors: Some(set_of(connectors)),
        ..FindingFilter::default()
    };
    assert_eq!(list(scoped(&[&c1])).await, (2, vec![f1.id, f3.id]));
    assert_eq!(list(scoped(&[&c2])).await, (2, vec![f2.id, f3.id]));
    assert_eq!(list(scoped(&[&c1, &c2])).await.0, 3);
    assert_eq!(list(scoped(&[])).await, (0, vec![]));
    let of_c1 = store.list_findings(&scoped(&[&c1])).await.expect("c1");
    let f3_in_c1 = of_c1.iter().find(|f| f.id == f3.id).expect("f3");
    assert_eq!(f3_in_c1.locations.len(), 1);
    assert_eq!(f3_in_c1.locations[0].target, w.target);
    let f3_everywhere = store.get_finding(f3.id).await.expect("f3");
    assert_eq!(f3_everywhere.locations.len(), 2);

    // Severities.
    assert_eq!(
        list(FindingFilter {
            severities: vec![Severity::Low, Severity::Critical],
            ..FindingFilter::default()
        })
        .await,
        (2, vec![f2.id, f3.id])
    );

    // Search.
    let search = |s: &str, connectors: Option<BTreeSet<ConnectorId>>| FindingFilter {
        search: Some(s.to_owned()),
        connectors,
        ..FindingFilter::default()
    };
    assert_eq!(list(search("a_b", None)).await, (1, vec![f1.id]));
    assert_eq!(list(search("%", None)).await, (1, vec![f3.id]));
    assert_eq!(list(search("AWS", None)).await, (1, vec![f2.id]));
    assert_eq!(list(search("rule GITHUB", None)).await, (1, vec![f1.id]));
    assert_eq!(list(search("axb", Some(set_of(&[&c1])))).await, (0, vec![]));
    assert_eq!(list(search("axb", Some(set_of(&[&c2])))).await, (1, vec![f2.id]));

    // Orders, both ways.
    let sorted = |sort, descending| FindingFilter {
        sort,
        descending,
        ..FindingFilter::default()
    };
    assert_eq!(
        list(sorted(FindingSort::Severity, false)).await.1,
        [f3.id, f4.id, f1.id, f2.id]
    );
    assert_eq!(
        list(sorted(FindingSort::LastSeen, true)).await.1,
        [f1.id, f4.id, f3.id, f2.id]
    );
    assert_eq!(
        list(sorted(FindingSort::LastSeen, false)).await.1,
        [f2.id, f3.id, f4.id, f1.id]
    );
    assert_eq!(
        list(sorted(FindingSort::FirstSeen, true)).await.1,
        [f4.id, f3.id, f2.id, f1.id]
    );
    assert_eq!(
        list(sorted(FindingSort::FirstSeen, false)).await.1,
        [f1.id, f2.id, f3.id, f4.id]
    );
    assert_eq!(
        list(sorted(FindingSort::Rule, false)).await.1,
        [f2.id, f3.id, f1.id, f4.id]
    );
    assert_eq!(
        list(sorted(FindingSort::Rule, true)).await.1,
        [f4.id, f1.id, f3.id, f2.id]
    );

    // Pages.
    let page = |limit, offset| FindingFilter {
        limit,
        offset,
        ..FindingFilter::default()
    };
    assert_eq!(list(page(Some(2), 1)).await, (4, vec![f1.id, f4.id]));
    assert_eq!(list(page(None, 3)).await, (4, vec![f3.id]));
    assert_eq!(list(page(Some(2), 4)).await, (4, vec![]));
}

/// Bulk triage is all or nothing: an unknown id is named and changes
/// nothing; too many ids are refused; repeated ids count once, each finding
/// gets one history entry.
pub async fn triage_many_with_unknown_id_changes_nothing<H: Harness>(h: &H) {
    let store = h.open().await;
    let c = new_connector_id();
    let w = repo(Some(&c), "contoso", "Shop", "web");
    store
        .upsert_managed_repos(std::slice::from_ref(&w))
        .await
        .expect("upsert");
    let f1 = finding("github.pat", "f1", Severity::High, vec![loc("a", 1)]);
    let f2 = finding("aws.key", "f2", Severity::Low, vec![loc("b", 1)]);
    store
        .record_scan(&scan(&w.target, 0), &[f1.clone(), f2.clone()], SECRETS)
        .await
        .expect("record");
    let before = store
        .finding_overview(&OverviewFilter::default())
        .await
        .expect("overview");

    let unknown = id_of("nope.rule", "never recorded");
    let err = store
        .triage_many(&[f1.id, unknown, f2.id], &triage(TriageState::FalsePositive, 1))
        .await
        .expect_err("unknown id");
    match &err {
        StoreError::NotFound(msg) => assert!(msg.contains(&unknown.to_string()), "{msg}"),
        other => panic!("expected not found, got {other:?}"),
    }
    for id in [f1.id, f2.id] {
        assert_eq!(store.get_finding(id).await.expect("get").state, TriageState::Open);
        assert!(store.triage_history(id).await.expect("history").is_empty());
    }
    assert_eq!(
        store
            .finding_overview(&OverviewFilter::default())
            .await
            .expect("overview"),
        before
    );

    let too_many = vec![f1.id; MAX_TRIAGE_BATCH + 1];
    let err = store
        .triage_many(&too_many, &triage(TriageState::FalsePositive, 1))
        .await
        .expect_err("too many");
    assert!(matches!(err, StoreError::Conflict(_)), "{err:?}");
    assert_eq!(
        store
            .triage_many(&[], &triage(TriageState::FalsePositive, 1))
            .await
            .expect("none"),
        0
    );

    let n = store
        .triage_many(&[f1.id, f2.id, f1.id], &triage(TriageState::AcceptedRisk, 2))
        .await
        .expect("triage many");
    assert_eq!(n, 2);
    for id in [f1.id, f2.id] {
        let got = store.get_finding(id).await.expect("get");
        assert_eq!(got.state, TriageState::AcceptedRisk);
        assert_eq!(got.state_comment.as_deref(), Some("checked"));
        assert_eq!(got.state_updated_at, Some(minutes(2)));
        let history = store.triage_history(id).await.expect("history");
        assert_eq!(history.len(), 1);
        assert_eq!(history[0].state, TriageState::AcceptedRisk);
    }
    let after = store
        .finding_overview(&OverviewFilter::default())
        .await
        .expect("overview");
    assert_eq!(after.total, SeverityCounts::default());
    assert_eq!(after.repos_with_open, 0);
}
