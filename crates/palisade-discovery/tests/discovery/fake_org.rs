use std::collections::HashSet;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use async_trait::async_trait;
use axum::body::Body;
use axum::extract::Request;
use axum::response::Response;
use palisade_ado::{AdoClient, Credential, RetryPolicy};
use palisade_discovery::{
    DiscoverError, DiscoveryOptions, DiscoverySink, Listing, PROJECT_KINDS, Progress, SinkError, discover,
    list_orgs,
};
use palisade_domain::{Deployment, OrgName, PipelineProcess, Resource, ResourceKind, Scope};

const GIT: &str = "6ce954b1-ce1f-45d1-b94d-e6bf2464ba2c";
const TFVC: &str = "eb6e4656-77fc-42a1-9181-4c6d8e9da5d1";
const TESTGIT: &str = "281f9a5b-af0d-49b4-a1df-fe6f5e5f84d0";
const ORG_ID: &str = "1be3fc5b-c58c-4173-8fd7-6647d11eccd1";

fn data(name: &str) -> String {
    let path = format!("{}/tests/discovery/data/{name}", env!("CARGO_MANIFEST_DIR"));
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
}

fn json(status: u16, body: String) -> Response {
    Response::builder()
        .status(status)
        .header("content-type", "application/json; charset=utf-8")
        .body(Body::from(body))
        .unwrap()
}

#[derive(Clone, Copy)]
enum Mode {
    Normal,
    /// Every request gets the HTML sign-in page.
    SignIn,
}

struct Fake {
    url: String,
    log: Arc<Mutex<Vec<String>>>,
}

impl Fake {
    fn paths(&self) -> Vec<String> {
        self.log.lock().unwrap().clone()
    }

    fn client(&self) -> AdoClient {
        let dep = Deployment::Cloud {
            api_url: self.url.clone(),
            profile_url: self.url.clone(),
            login_url: self.url.clone(),
        };
        AdoClient::builder(dep, org(), Credential::pat("test-pat"))
            .retry(RetryPolicy {
                max_attempts: 2,
                base_delay: Duration::from_millis(2),
                max_delay: Duration::from_millis(10),
            })
            .build()
            .unwrap()
    }
}

fn org() -> OrgName {
    OrgName::parse("fabrikam").unwrap()
}

fn route(path: &str, mode: Mode) -> Response {
    if matches!(mode, Mode::SignIn) && !path.ends_with("connectionData") {
        return Response::builder()
            .status(203)
            .header("content-type", "text/html")
            .body(Body::from("<html><title>Sign In</title></html>"))
            .unwrap();
    }
    let p = path.trim_start_matches("/fabrikam/");
    let tail = |s: &str| p.ends_with(s);
    let body = if p == "_apis/connectionData" {
        data("connection_data.json")
    } else if p == "_apis/distributedtask/pools" {
        data("pools.json")
    } else if p == "_apis/projects" {
        data("projects.json")
    } else if p == "_apis/git/repositories" {
        data("repositories.json")
    } else if path == "/_apis/profile/profiles/me" {
        data("profile.json")
    } else if path == "/_apis/accounts" {
        data("accounts.json")
    } else if tail("build/generalsettings") {
        data("general_settings.json")
    } else if tail("build/definitions") {
        data("build_definitions.json")
    } else if tail("policy/configurations") {
        data("policies.json")
    } else if tail("serviceendpoint/endpoints") {
        data("endpoints.json")
    } else if tail("distributedtask/variablegroups") {
        if p.starts_with(TESTGIT) {
            return json(
                500,
                r#"{"$id":"1","message":"VS000000: database unavailable","typeKey":"InternalServerErrorException","errorCode":0,"eventId":3000}"#.into(),
            );
        }
        data("variablegroups.json")
    } else if tail("distributedtask/securefiles") {
        data("secure_files.json")
    } else if tail("distributedtask/environments") {
        data("environments.json")
    } else if p.contains("/_apis/pipelines/pipelinePermissions/") {
        data("pipelinepermissions.json")
    } else {
        return json(404, r#"{"message":"no route"}"#.into());
    };
    json(200, body)
}

async fn serve(mode: Mode) -> Fake {
    let log = Arc::new(Mutex::new(Vec::new()));
    let log2 = Arc::clone(&log);
    let app = axum::Router::new().fallback(move |req: Request| {
        let log = Arc::clone(&log2);
        async move {
            let path = req.uri().path().to_owned();
            log.lock().unwrap().push(path.clone());
            route(&path, mode)
        }
    });
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        axum::serve(listener, app).await.ok();
    });
    Fake {
        url: format!("http://{addr}"),
        log,
    }
}

#[derive(Default)]
struct MemorySink {
    done_before: HashSet<Listing>,
    written: Mutex<Vec<(Listing, Vec<Resource>)>>,
}

impl MemorySink {
    fn written(&self) -> Vec<(Listing, Vec<Resource>)> {
        self.written.lock().unwrap().clone()
    }

    fn resources(&self) -> Vec<Resource> {
        self.written().into_iter().flat_map(|(_, r)| r).collect()
    }
}

#[async_trait]
impl DiscoverySink for MemorySink {
    async fn listing_done(&self, listing: &Listing, resources: Vec<Resource>) -> Result<(), SinkError> {
        self.written.lock().unwrap().push((listing.clone(), resources));
        Ok(())
    }

    async fn already_done(&self, listing: &Listing) -> bool {
        self.done_before.contains(listing)
    }
}

fn project_scope(id: &str) -> Scope {
    Scope::Project {
        org_id: ORG_ID.into(),
        project_id: id.into(),
    }
}

#[tokio::test]
async fn a_fake_org_becomes_the_expected_resources() {
    let fake = serve(Mode::Normal).await;
    let sink = MemorySink::default();
    let progress: Arc<Mutex<Vec<Progress>>> = Arc::default();
    let p2 = Arc::clone(&progress);
    let options = DiscoveryOptions {
        progress: Some(Arc::new(move |p| p2.lock().unwrap().push(p))),
        ..DiscoveryOptions::default()
    };
    let report = discover(&fake.client(), &org(), &options, &sink).await.unwrap();

    assert_eq!(report.org_id, ORG_ID);
    assert_eq!(report.counts[&ResourceKind::Organization], 1);
    assert_eq!(report.counts[&ResourceKind::AgentPool], 2);
    assert_eq!(report.counts[&ResourceKind::Project], 3);
    assert_eq!(report.counts[&ResourceKind::Repository], 3);
    assert_eq!(report.counts[&ResourceKind::Pipeline], 6);
    assert_eq!(report.counts[&ResourceKind::ProjectSettings], 3);
    // Variable groups of TestGit failed: only two projects' groups.
    assert_eq!(report.counts[&ResourceKind::VariableGroup], 4);
    // Git: endpoint 1 + groups 2 + file 1 + env 1 + queues 2 + repos 2;
    // TFVC: the same without repositories; TestGit: incomplete, left out.
    assert_eq!(report.counts[&ResourceKind::PipelinePermission], 9 + 7);
    assert_eq!(report.listings_done, 4 + 3);
    assert_eq!(report.listings_skipped, 0);
    assert!(report.rate.requests > 20);

    let last = *progress.lock().unwrap().last().unwrap();
    assert_eq!((last.projects_done, last.projects_total), (3, 3));

    let resources = sink.resources();
    let repo = resources
        .iter()
        .find_map(|r| match r {
            Resource::Repository(r) if r.name == "AnotherRepository" => Some(r.clone()),
            _ => None,
        })
        .unwrap();
    assert_eq!(repo.default_branch, None);
    assert_eq!(repo.project_id, GIT);

    let pipeline = resources
        .iter()
        .find_map(|r| match r {
            Resource::Pipeline(p) if p.id == 6 && p.project_id == GIT => Some(p.clone()),
            _ => None,
        })
        .unwrap();
    assert_eq!(
        pipeline.process,
        PipelineProcess::Yaml {
            yaml_filename: "azure-pipelines.yml".into()
        }
    );
    let forks = pipeline.fork_builds.unwrap();
    assert!(forks.enabled && forks.allow_secrets && !forks.allow_full_access_token);
    assert_eq!(
        pipeline.job_authorization_scope.as_deref(),
        Some("projectCollection")
    );
    assert!(
        pipeline
            .variables
            .iter()
            .any(|v| v.name == "deployKey" && v.is_secret)
    );
    assert_eq!(pipeline.variable_group_ids, [1]);
    assert_eq!(pipeline.queue_name.as_deref(), Some("Azure Pipelines"));

    let queue_perm = resources
        .iter()
        .find_map(|r| match r {
            Resource::PipelinePermission(p)
                if p.project_id == GIT && p.resource_type == "queue" && p.resource_id == "1" =>
            {
                Some(p.clone())
            }
            _ => None,
        })
        .unwrap();
    assert_eq!(queue_perm.pipeline_ids, [6, 15, 16]);
    assert_eq!(queue_perm.all_pipelines, None, "restricted: no allPipelines");
    assert!(resources.iter().any(|r| matches!(r,
        Resource::PipelinePermission(p) if p.resource_type == "repository" && p.resource_id == format!("{GIT}.5febef5a-833d-4e14-b9c0-14cb638f91e6"))));

    // Secret values never enter the inventory (variable values are dropped).
    let all = serde_json::to_string(&resources).unwrap();
    assert!(!all.contains("value1") && !all.contains("\"release\""), "{all}");
    let group = resources
        .iter()
        .find_map(|r| match r {
            Resource::VariableGroup(g) if g.name == "TestVariableGroup1" => Some(g.clone()),
            _ => None,
        })
        .unwrap();
    assert!(group.variables.iter().any(|v| v.name == "key2" && v.is_secret));

    let policy = resources
        .iter()
        .find_map(|r| match r {
            Resource::BranchPolicy(p) if p.id == 17 => Some(p.clone()),
            _ => None,
        })
        .unwrap();
    assert_eq!(policy.type_name, "Required reviewers");
    assert_eq!(policy.scopes[0].match_kind.as_deref(), Some("exact"));
    assert_eq!(policy.scopes[0].repository_id, None);
}

#[tokio::test]
async fn a_failing_listing_is_reported_and_not_marked_done() {
    let fake = serve(Mode::Normal).await;
    let sink = MemorySink::default();
    let report = discover(&fake.client(), &org(), &DiscoveryOptions::default(), &sink)
        .await
        .unwrap();
    let errs: Vec<_> = report
        .errors
        .iter()
        .filter(|e| e.scope == project_scope(TESTGIT))
        .collect();
    assert!(
        errs.iter()
            .any(|e| e.kind == Some(ResourceKind::VariableGroup) && e.message.contains("500")),
        "{errs:?}"
    );
    let written = sink.written();
    let testgit = written
        .iter()
        .find(|(l, _)| l.scope == project_scope(TESTGIT))
        .unwrap();
    assert!(!testgit.0.kinds.contains(&ResourceKind::VariableGroup));
    assert!(!testgit.0.kinds.contains(&ResourceKind::PipelinePermission));
    assert!(testgit.0.kinds.contains(&ResourceKind::Pipeline));
    assert!(testgit.1.iter().all(|r| testgit.0.kinds.contains(&r.kind())));
    let git = written
        .iter()
        .find(|(l, _)| l.scope == project_scope(GIT))
        .unwrap();
    assert_eq!(git.0.kinds, PROJECT_KINDS.to_vec(), "a complete project listing");
}

#[tokio::test]
async fn resume_skips_listings_already_done() {
    let fake = serve(Mode::Normal).await;
    let first = MemorySink::default();
    discover(&fake.client(), &org(), &DiscoveryOptions::default(), &first)
        .await
        .unwrap();
    let before = fake.paths().len();

    let second = MemorySink {
        done_before: first.written().into_iter().map(|(l, _)| l).collect(),
        ..MemorySink::default()
    };
    let report = discover(&fake.client(), &org(), &DiscoveryOptions::default(), &second)
        .await
        .unwrap();
    // Everything but TestGit's partial project listing was done.
    assert_eq!(report.listings_skipped, 4 + 2);
    let written = second.written();
    assert_eq!(written.len(), 1, "only the unfinished project is fetched again");
    assert_eq!(written[0].0.scope, project_scope(TESTGIT));
    let again: Vec<String> = fake.paths()[before..].to_vec();
    assert!(
        again.iter().all(|p| !p.contains(GIT) && !p.contains(TFVC)),
        "{again:?}"
    );
    assert!(!again.iter().any(|p| p.ends_with("distributedtask/pools")));
}

#[tokio::test]
async fn a_bad_credential_stops_the_run() {
    let fake = serve(Mode::SignIn).await;
    let sink = MemorySink::default();
    let err = discover(&fake.client(), &org(), &DiscoveryOptions::default(), &sink)
        .await
        .unwrap_err();
    assert!(matches!(err, DiscoverError::Auth(_)), "{err:?}");
    assert!(err.to_string().contains("Invalid or expired token"), "{err}");
    // The run stopped before writing anything.
    assert!(sink.written().is_empty(), "{:?}", sink.written());
}

#[tokio::test]
async fn organizations_are_listed_from_the_profile() {
    let fake = serve(Mode::Normal).await;
    let orgs = list_orgs(&fake.client()).await.unwrap();
    let names: Vec<_> = orgs.iter().map(OrgName::as_str).collect();
    assert_eq!(names, ["Fabrikam-Fiber-Inc", "NormalPaulk"]);
}
