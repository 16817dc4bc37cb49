//! Discovery against the simulator's contoso fixture: the data posture checks read, and what
//! a refused source leaves behind (a reason, never a panic, never a removal).

use std::collections::BTreeMap;
use std::sync::Mutex;

use async_trait::async_trait;
use palisade_ado::{AdoClient, Credential};
use palisade_ado_sim::{RunningSim, Sim, start};
use palisade_discovery::{DiscoveryOptions, DiscoverySink, Listing, SinkError, discover};
use palisade_domain::{Collected, Deployment, OrgName, Resource, ResourceKind};

const PAT: &str = "palisade-demo-pat-7Hq2Vx9LmC4RtB8nKz3W";

#[derive(Default)]
struct Sink(Mutex<Vec<(Listing, Vec<Resource>)>>);

#[async_trait]
impl DiscoverySink for Sink {
    async fn listing_done(&self, listing: &Listing, resources: Vec<Resource>) -> Result<(), SinkError> {
        self.0.lock().unwrap().push((listing.clone(), resources));
        Ok(())
    }

    async fn already_done(&self, _listing: &Listing) -> bool {
        false
    }
}

impl Sink {
    fn resources(&self) -> Vec<Resource> {
        self.0
            .lock()
            .unwrap()
            .iter()
            .flat_map(|(_, r)| r.clone())
            .collect()
    }
}

fn client(sim: &RunningSim, org: &str) -> AdoClient {
    let dep = Deployment::Cloud {
        api_url: sim.base_url.clone(),
        profile_url: sim.base_url.clone(),
        login_url: sim.base_url.clone(),
    };
    AdoClient::builder(dep, OrgName::parse(org).unwrap(), Credential::pat(PAT))
        .build()
        .unwrap()
}

async fn run(sim: &RunningSim) -> (Sink, palisade_discovery::DiscoveryReport) {
    let sink = Sink::default();
    let report = discover(
        &client(sim, "contoso"),
        &OrgName::parse("contoso").unwrap(),
        &DiscoveryOptions::default(),
        &sink,
    )
    .await
    .unwrap();
    (sink, report)
}

fn settings_of<'a>(rs: &'a [Resource], project: &str) -> &'a palisade_domain::ProjectSettings {
    rs.iter()
        .find_map(|r| match r {
            Resource::ProjectSettings(s) if s.project_name == project => Some(s),
            _ => None,
        })
        .unwrap()
}

#[tokio::test]
async fn contoso_yields_what_posture_checks_read() {
    let sim = start(Sim::new(palisade_ado_sim::contoso().unwrap()))
        .await
        .unwrap();
    let (sink, report) = run(&sim).await;
    assert!(report.errors.is_empty(), "{:?}", report.errors);
    let rs = sink.resources();

    let org = rs
        .iter()
        .find_map(|r| match r {
            Resource::Organization(o) => Some(o.clone()),
            _ => None,
        })
        .unwrap();
    let policies = org.policies.read().unwrap();
    assert!(policies["Policy.AllowAnonymousAccess"]);
    assert!(policies["Policy.DisallowOAuthAuthentication"]);
    assert_eq!(policies.len(), 9);
    let settings = org.pipeline_settings.read().unwrap();
    assert!(!settings["enforceJobAuthScope"]);
    assert!(!settings["disableClassicPipelineCreation"]);
    assert!(org.unread.is_empty());

    let pools: BTreeMap<_, _> = rs
        .iter()
        .filter_map(|r| match r {
            Resource::AgentPool(p) => Some((p.name.clone(), p.auto_update)),
            _ => None,
        })
        .collect();
    assert_eq!(pools["Default"], Some(false));
    assert_eq!(pools["Linux-Secure"], Some(true));

    let web = settings_of(&rs, "Web");
    assert!(web.unread.is_empty(), "{:?}", web.unread);
    let advsec = web.advanced_security.read().unwrap();
    let frontend = &advsec["5febef5a-833d-4e14-b9c0-14cb638f91e6"];
    assert!(frontend.enabled && frontend.block_pushes);
    assert_eq!(
        advsec.values().filter(|a| a.enabled && !a.block_pushes).count(),
        1
    );
    // web-frontend, web-api and empty-repo; not the disabled repository nor the wiki's.
    assert_eq!(advsec.len(), 3, "{advsec:?}");
    assert_eq!(advsec.values().filter(|a| a.enabled).count(), 2);
    let infra = settings_of(&rs, "Infra");
    assert!(infra.pipeline_settings["enableShellTasksArgsSanitizing"]);
    assert!(
        infra
            .advanced_security
            .read()
            .unwrap()
            .values()
            .all(|a| !a.enabled)
    );

    let conns: BTreeMap<_, _> = rs
        .iter()
        .filter_map(|r| match r {
            Resource::ServiceConnection(c) => Some((c.name.clone(), c.clone())),
            _ => None,
        })
        .collect();
    let rg = &conns["payments-azure-rg"];
    assert_eq!(
        rg.azure_scope.as_deref(),
        Some("/subscriptions/00000000-1111-2222-3333-555555555555/resourceGroups/rg-payments")
    );
    assert_eq!(rg.scope_level.as_deref(), Some("Subscription"));
    let checks = rg.checks.read().unwrap();
    assert_eq!(checks.len(), 2);
    assert!(
        checks
            .iter()
            .any(|c| c.type_name == "Approval" && c.type_id == "8c6f20a7-a545-4486-9777-f762fafe0d4d")
    );
    assert!(
        checks
            .iter()
            .any(|c| c.settings["definitionRef"]["name"] == "evaluatebranchProtection")
    );
    assert_eq!(conns["contoso-azure-prod"].checks, Collected::Read(Vec::new()));
    assert_eq!(
        conns["payments-azure-mg"].scope_level.as_deref(),
        Some("ManagementGroup")
    );

    let envs: Vec<_> = rs
        .iter()
        .filter_map(|r| match r {
            Resource::Environment(e) => Some(e.clone()),
            _ => None,
        })
        .collect();
    let prod_infra = envs.iter().find(|e| e.name == "prod-infra").unwrap();
    assert_eq!(prod_infra.checks.read().unwrap().len(), 2);

    let forks: BTreeMap<_, _> = rs
        .iter()
        .filter_map(|r| match r {
            Resource::Pipeline(p) => Some((p.name.clone(), p.fork_builds.clone())),
            _ => None,
        })
        .collect();
    assert_eq!(
        forks["payments-api-ci"].as_ref().unwrap().comment_required,
        Some(false)
    );
    assert_eq!(
        forks["payments-web-github"].as_ref().unwrap().comment_required,
        Some(true)
    );

    // Secrets never reach the inventory (endpoint keys, passwords, variable values).
    let all = serde_json::to_string(&rs).unwrap();
    for secret in [
        "sim-fake-sp-key",
        "sim-fake-classic",
        "sim-fake-acr",
        "not-a-real-token",
        "tenantid",
    ] {
        assert!(!all.contains(secret), "{secret} leaked");
    }
    sim.shutdown().await;
}

#[tokio::test]
async fn refused_sources_leave_reasons_not_gaps() {
    let sim = start(Sim::new(palisade_ado_sim::contoso().unwrap()))
        .await
        .unwrap();
    let mut knobs = sim.state.knobs();
    knobs.denied.insert(
        "contoso".into(),
        [
            "org-policies",
            "org-pipeline-settings",
            "advanced-security",
            "checks",
            "general-settings",
        ]
        .map(String::from)
        .to_vec(),
    );
    sim.state.set_knobs(knobs);
    let (sink, report) = run(&sim).await;
    let written = sink.0.lock().unwrap().clone();
    let rs = sink.resources();

    let org = rs
        .iter()
        .find_map(|r| match r {
            Resource::Organization(o) => Some(o.clone()),
            _ => None,
        })
        .unwrap();
    let Collected::Unreadable(why) = &org.policies else {
        panic!("policies: {:?}", org.policies)
    };
    assert!(why.contains("UnauthorizedAccessException"), "{why}");
    assert!(matches!(org.pipeline_settings, Collected::Unreadable(_)));

    let web = settings_of(&rs, "Web");
    assert!(web.pipeline_settings.is_empty());
    assert!(
        web.unread["project-settings"].contains("Token lacks"),
        "{:?}",
        web.unread
    );
    let Collected::Unreadable(why) = &web.advanced_security else {
        panic!("{:?}", web.advanced_security)
    };
    assert!(why.contains("VS800075"), "{why}");
    for r in &rs {
        match r {
            Resource::ServiceConnection(c) => {
                assert!(matches!(c.checks, Collected::Unreadable(_)), "{c:?}");
            }
            Resource::Environment(e) => assert!(matches!(e.checks, Collected::Unreadable(_)), "{e:?}"),
            _ => {}
        }
    }
    // ProjectSettings is always complete; the general settings failure is reported.
    for (listing, _) in written.iter().filter(|(l, _)| l.kinds.len() > 1) {
        assert!(listing.kinds.contains(&ResourceKind::ProjectSettings));
    }
    assert!(
        report
            .errors
            .iter()
            .any(|e| e.kind == Some(ResourceKind::ProjectSettings) && e.message.contains("Token lacks"))
    );
    sim.shutdown().await;
}

#[tokio::test]
async fn a_failed_listing_is_named_in_the_project_settings() {
    let sim = start(Sim::new(palisade_ado_sim::contoso().unwrap()))
        .await
        .unwrap();
    // The bob PAT has no variable group, endpoint, secure file or environment scope.
    let dep = Deployment::Cloud {
        api_url: sim.base_url.clone(),
        profile_url: sim.base_url.clone(),
        login_url: sim.base_url.clone(),
    };
    let client = AdoClient::builder(
        dep,
        OrgName::parse("contoso").unwrap(),
        Credential::pat("palisade-bob-pat-Wq1Er5Ty9Ui3Op7A"),
    )
    .build()
    .unwrap();
    let sink = Sink::default();
    discover(
        &client,
        &OrgName::parse("contoso").unwrap(),
        &DiscoveryOptions::default(),
        &sink,
    )
    .await
    .unwrap();
    let written = sink.0.lock().unwrap().clone();
    let rs = sink.resources();
    let web = settings_of(&rs, "Web");
    for kind in [
        "variable-group",
        "service-connection",
        "secure-file",
        "environment",
        "pipeline-permission",
    ] {
        assert!(
            web.unread.contains_key(kind),
            "{kind} missing from {:?}",
            web.unread
        );
    }
    let (listing, _) = written
        .iter()
        .find(|(l, _)| l.kinds.contains(&ResourceKind::ProjectSettings))
        .unwrap();
    assert!(!listing.kinds.contains(&ResourceKind::VariableGroup));
    assert!(!listing.kinds.contains(&ResourceKind::PipelinePermission));
    let org = rs
        .iter()
        .find_map(|r| match r {
            Resource::Organization(o) => Some(o.clone()),
            _ => None,
        })
        .unwrap();
    assert!(org.unread.contains_key("agent-pool"), "{:?}", org.unread);
    sim.shutdown().await;
}
