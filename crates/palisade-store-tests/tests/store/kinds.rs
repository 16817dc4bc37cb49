//! Findings of every kind in one table, and the advisories dependency scans read.

use palisade_domain::{
    DependencyDetails, FindingDetails, FindingKind, RuleDetails, Severity, Timestamp, TriageState,
};
use palisade_store::{AdvisoryRow, AdvisoryStore, FindingFilter, ImportCounts, Store};

use crate::fixtures::{SECRETS, T0, TARGET, finding, loc, scan};
use crate::harness::Harness;

fn dependency(package: &str, version: &str) -> palisade_domain::Finding {
    let mut f = finding(
        "dependency.ghsa-35jh-r3h4-6jhm",
        &format!("npm\0{package}\0{version}"),
        Severity::High,
        vec![loc("package-lock.json", 12)],
    );
    f.kind = FindingKind::Dependency;
    f.preview = format!("{package}@{version}");
    f.details = Some(FindingDetails::Dependency(DependencyDetails {
        ecosystem: "npm".into(),
        package: package.into(),
        version: version.into(),
        advisory: "GHSA-35jh-r3h4-6jhm".into(),
        aliases: vec!["CVE-2021-23337".into()],
        summary: Some("Command injection in lodash".into()),
        cvss: Some("CVSS:3.1/AV:N/AC:L/PR:H/UI:N/S:U/C:H/I:H/A:H".into()),
        score: Some(7.2),
        fixed: Some("4.17.21".into()),
        direct: Some(true),
    }));
    f
}

fn iac(subject: &str) -> palisade_domain::Finding {
    let mut f = finding(
        "iac.azurerm.storage-account-https-only",
        &format!("main.tf\0{subject}"),
        Severity::Medium,
        vec![loc("main.tf", 4)],
    );
    f.kind = FindingKind::Iac;
    f.details = Some(FindingDetails::Rule(RuleDetails {
        message: "Storage account accepts plain HTTP".into(),
        subject: Some(subject.into()),
        cwe: vec![319],
        checkov: vec!["CKV_AZURE_3".into()],
        tool: None,
    }));
    f
}

/// Kind and details round-trip; `--kind` filters; a scan complete for one
/// kind never closes another kind's findings.
pub async fn kinds_share_one_table_and_close_only_their_own<H: Harness>(h: &H) {
    let store = h.open().await;
    let secret = finding(
        "github.pat",
        "ghp_aaaaaaaaaaaaaaaaaaaaaaaaaaaa",
        Severity::High,
        vec![loc("a.env", 1)],
    );
    let dep = dependency("lodash", "4.17.20");
    let misconfig = iac("azurerm_storage_account.logs");
    let s1 = scan(TARGET, 0);
    store
        .record_scan(
            &s1,
            &[secret.clone(), dep.clone(), misconfig.clone()],
            &FindingKind::ALL,
        )
        .await
        .expect("record all kinds");

    let got = store.get_finding(dep.id).await.expect("get dependency");
    assert_eq!(got.kind, FindingKind::Dependency);
    assert_eq!(got.details, dep.details);
    assert_eq!(got.preview, "lodash@4.17.20");
    let got = store.get_finding(secret.id).await.expect("get secret");
    assert_eq!((got.kind, got.details), (FindingKind::Secret, None));

    let only = |kinds: Vec<FindingKind>| FindingFilter {
        kinds,
        ..FindingFilter::default()
    };
    let deps = store
        .list_findings(&only(vec![FindingKind::Dependency]))
        .await
        .expect("list");
    assert_eq!(deps.iter().map(|f| f.id).collect::<Vec<_>>(), vec![dep.id]);
    let two = store
        .list_findings(&only(vec![FindingKind::Iac, FindingKind::Secret]))
        .await
        .expect("list");
    assert_eq!(two.len(), 2);

    // A secrets-only scan that sees nothing closes the secret, not the others.
    let s2 = scan(TARGET, 1);
    let out = store
        .record_scan(&s2, &[], SECRETS)
        .await
        .expect("record secrets only");
    assert_eq!(out.fixed, vec![secret.id]);
    for f in [&dep, &misconfig] {
        assert_eq!(
            store.get_finding(f.id).await.expect("get").state,
            TriageState::Open
        );
    }
    // A dependency scan that no longer sees lodash closes it; IaC stays open.
    let s3 = scan(TARGET, 2);
    let out = store
        .record_scan(&s3, &[], &[FindingKind::Dependency])
        .await
        .expect("record dependencies");
    assert_eq!(out.fixed, vec![dep.id]);
    assert_eq!(
        store.get_finding(misconfig.id).await.expect("get").state,
        TriageState::Open
    );
}

fn advisory(id: &str, modified_ms: i64, package: &str) -> AdvisoryRow {
    AdvisoryRow {
        id: id.to_owned(),
        modified: Timestamp::from_millis(modified_ms),
        packages: vec![("npm".to_owned(), package.to_owned())],
        record: format!(
            r#"{{"id":"{id}","modified":"x","affected":[{{"package":{{"ecosystem":"npm","name":"{package}"}}}}]}}"#
        ),
    }
}

/// Imports are incremental (only newer records replace stored ones),
/// withdrawn records go, and lookups return each record once.
pub async fn advisories_import_incrementally<H: Harness>(h: &H) {
    let store = h.open().await;
    let batch = [
        advisory("GHSA-aaaa-aaaa-aaaa", T0, "lodash"),
        advisory("GHSA-bbbb-bbbb-bbbb", T0, "minimist"),
        advisory("GHSA-cccc-cccc-cccc", T0, "lodash"),
    ];
    let counts = store.import_advisories(&batch, &[]).await.expect("import");
    assert_eq!(
        counts,
        ImportCounts {
            added: 3,
            ..ImportCounts::default()
        }
    );
    let again = store.import_advisories(&batch, &[]).await.expect("import again");
    assert_eq!(
        again,
        ImportCounts {
            unchanged: 3,
            ..ImportCounts::default()
        }
    );

    let mut newer = advisory("GHSA-aaaa-aaaa-aaaa", T0 + 1, "lodash-es");
    newer.packages.push(("npm".into(), "lodash".into()));
    let counts = store
        .import_advisories(
            &[newer, advisory("GHSA-bbbb-bbbb-bbbb", T0 - 1, "minimist")],
            &["GHSA-cccc-cccc-cccc".into()],
        )
        .await
        .expect("update");
    assert_eq!(
        counts,
        ImportCounts {
            updated: 1,
            unchanged: 1,
            removed: 1,
            ..ImportCounts::default()
        }
    );

    let found = store
        .advisories_for(&[
            ("npm".into(), "lodash".into()),
            ("npm".into(), "lodash-es".into()),
        ])
        .await
        .expect("lookup");
    assert_eq!(
        found.len(),
        1,
        "one record per advisory, however many of its packages match"
    );
    assert!(
        found[0].contains("lodash-es"),
        "the newer record replaced the old one"
    );
    assert!(
        store
            .advisories_for(&[("PyPI".into(), "lodash".into())])
            .await
            .expect("lookup")
            .is_empty()
    );
    assert!(store.advisories_for(&[]).await.expect("empty lookup").is_empty());

    let stats = store.advisory_stats().await.expect("stats");
    assert_eq!(stats.advisories, 2);
    assert_eq!(stats.newest, Some(Timestamp::from_millis(T0 + 1)));
    assert_eq!(stats.by_ecosystem, vec![("npm".to_owned(), 2)]);
}
