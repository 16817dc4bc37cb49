//! One test per endpoint of docs/ADO-ENDPOINTS.md, against the contoso fixture.

use serde_json::json;

use crate::support::{contoso_sim, get, names, post_json};

#[tokio::test]
async fn connection_data_identifies_the_caller() {
    let sim = contoso_sim().await;
    let a = get(&sim, "/contoso/_apis/connectionData?api-version=7.1-preview.1").await;
    assert_eq!(a.status, 200, "{}", a.text);
    let v = a.json();
    assert_eq!(
        v["authenticatedUser"]["properties"]["Account"]["$value"],
        "alice@contoso.com"
    );
    assert_eq!(v["authorizedUser"]["id"], v["authenticatedUser"]["id"]);
    assert_eq!(v["instanceId"], "0a1b2c3d-0000-4000-8000-00000000c001");
    assert!(v["locationServiceData"].is_object());
}

#[tokio::test]
async fn profile_and_accounts() {
    let sim = contoso_sim().await;
    let me = get(&sim, "/_apis/profile/profiles/me?api-version=7.1")
        .await
        .json();
    assert_eq!(me["emailAddress"], "alice@contoso.com");
    let id = me["id"].as_str().unwrap().to_string();
    let acc = get(&sim, &format!("/_apis/accounts?memberId={id}&api-version=7.1")).await;
    assert_eq!(acc.status, 200);
    assert_eq!(names(&acc.json(), "accountName"), ["contoso", "fabrikam"]);
    let missing = get(&sim, "/_apis/accounts?api-version=7.1").await;
    assert_eq!(missing.status, 400);
    assert_eq!(missing.json()["typeKey"], "AccountException");
}

#[tokio::test]
async fn projects_and_general_settings() {
    let sim = contoso_sim().await;
    let p = get(&sim, "/contoso/_apis/projects?$top=100&api-version=7.1").await;
    assert_eq!(p.status, 200);
    let v = p.json();
    assert_eq!(v["count"], 4);
    assert_eq!(names(&v, "name"), ["Web", "Infra", "Payments", "Archive"]);
    assert!(
        v["value"][0]["url"]
            .as_str()
            .unwrap()
            .ends_with("/_apis/projects/6ce954b1-ce1f-45d1-b94d-e6bf2464ba2c")
    );
    assert!(p.header("x-ms-continuationtoken").is_none());
    let s = get(&sim, "/contoso/Web/_apis/build/generalsettings?api-version=7.1")
        .await
        .json();
    assert_eq!(s["enforceJobAuthScope"], false);
    assert_eq!(s["enforceSettableVar"], true);
}

#[tokio::test]
async fn repositories_hidden_and_single() {
    let sim = contoso_sim().await;
    let all = get(&sim, "/contoso/_apis/git/repositories?api-version=7.1")
        .await
        .json();
    let n = names(&all, "name");
    assert!(n.contains(&"terraform".to_string()) && n.contains(&"web-frontend".to_string()));
    assert!(!n.contains(&"Web.wiki".to_string()));
    let hidden = get(
        &sim,
        "/contoso/_apis/git/repositories?includeHidden=true&api-version=7.1",
    )
    .await
    .json();
    assert!(names(&hidden, "name").contains(&"Web.wiki".to_string()));
    let empty = all["value"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["name"] == "empty-repo")
        .unwrap();
    assert!(
        empty.get("defaultBranch").is_none(),
        "empty repos have no defaultBranch"
    );
    let one = get(
        &sim,
        "/contoso/Web/_apis/git/repositories/web-frontend?api-version=7.1",
    )
    .await;
    assert_eq!(one.status, 200);
    let v = one.json();
    assert_eq!(v["defaultBranch"], "refs/heads/main");
    let base = &sim.base_url;
    let host = base.trim_start_matches("http://");
    assert_eq!(
        v["remoteUrl"],
        format!("http://contoso@{host}/contoso/Web/_git/web-frontend")
    );
    assert!(
        v["url"]
            .as_str()
            .unwrap()
            .starts_with(&format!("{base}/contoso/6ce954b1-"))
    );
    let missing = get(&sim, "/contoso/Web/_apis/git/repositories/nope?api-version=7.1").await;
    assert_eq!(missing.status, 404);
    assert!(
        missing.json()["message"]
            .as_str()
            .unwrap()
            .starts_with("TF401019")
    );
    let no_project = get(&sim, "/contoso/Nope/_apis/git/repositories?api-version=7.1").await;
    assert_eq!(no_project.status, 404);
    assert!(
        no_project.json()["message"]
            .as_str()
            .unwrap()
            .starts_with("TF200016")
    );
}

#[tokio::test]
async fn refs_and_commits_come_from_real_git() {
    let sim = contoso_sim().await;
    let refs = get(
        &sim,
        "/contoso/Web/_apis/git/repositories/web-frontend/refs?filter=heads/&api-version=7.1",
    )
    .await;
    assert_eq!(refs.status, 200, "{}", refs.text);
    let v = refs.json();
    assert_eq!(names(&v, "name"), ["refs/heads/feature/login", "refs/heads/main"]);
    let main_oid = v["value"][1]["objectId"].as_str().unwrap().to_string();
    assert_eq!(main_oid.len(), 40);
    let commits = get(
        &sim,
        "/contoso/Web/_apis/git/repositories/web-frontend/commits?searchCriteria.itemVersion.version=main&searchCriteria.$top=10&api-version=7.1",
    )
    .await
    .json();
    assert_eq!(commits["count"], 2);
    assert_eq!(commits["value"][0]["commitId"], main_oid.as_str());
    assert_eq!(commits["value"][0]["comment"], "Add deployment config");
    assert_eq!(commits["value"][0]["author"]["date"], "2024-02-01T14:30:00Z");
    assert_eq!(commits["value"][1]["changeCounts"]["Add"], 2);
    let skipped = get(
        &sim,
        "/contoso/Web/_apis/git/repositories/web-frontend/commits?searchCriteria.itemVersion.version=main&$top=1&$skip=1&api-version=7.1",
    )
    .await
    .json();
    assert_eq!(skipped["count"], 1);
    assert_eq!(skipped["value"][0]["comment"], "Initial commit");
    let bad = get(&sim, "/contoso/Web/_apis/git/repositories/web-frontend/commits?searchCriteria.itemVersion.version=nope&api-version=7.1").await;
    assert_eq!(bad.status, 404);
    // A second sim over the same fixture yields the same commit ids (fixed dates).
    let sim2 = contoso_sim().await;
    let refs2 = get(
        &sim2,
        "/contoso/Web/_apis/git/repositories/web-frontend/refs?filter=heads/main&api-version=7.1",
    )
    .await
    .json();
    assert_eq!(refs2["value"][0]["objectId"], main_oid.as_str());
}

#[tokio::test]
async fn pull_requests_list_and_create() {
    let sim = contoso_sim().await;
    let prs = get(
        &sim,
        "/contoso/Web/_apis/git/repositories/web-frontend/pullrequests?api-version=7.1",
    )
    .await
    .json();
    assert_eq!(prs["count"], 1);
    assert_eq!(prs["value"][0]["status"], "active");
    assert_eq!(prs["value"][0]["reviewers"][0]["vote"], 10);
    let path = "/contoso/Web/_apis/git/repositories/web-frontend/pullrequests?api-version=7.1";
    let dup = post_json(&sim, path, &json!({"sourceRefName": "refs/heads/feature/login", "targetRefName": "refs/heads/main", "title": "again"})).await;
    assert_eq!(dup.status, 409, "{}", dup.text);
    assert!(dup.json()["message"].as_str().unwrap().starts_with("TF401179"));
    let missing = post_json(
        &sim,
        path,
        &json!({"sourceRefName": "refs/heads/nope", "targetRefName": "refs/heads/main", "title": "x"}),
    )
    .await;
    assert_eq!(missing.status, 400);
    assert!(missing.json()["message"].as_str().unwrap().contains("TF401398"));
    let api = "/contoso/Web/_apis/git/repositories/web-api/pullrequests?api-version=7.1";
    let ok = post_json(&sim, api, &json!({"sourceRefName": "refs/heads/release/1.0", "targetRefName": "refs/heads/main", "title": "Release"})).await;
    assert_eq!(ok.status, 201, "{}", ok.text);
    assert_eq!(
        ok.json()["pullRequestId"],
        3,
        "ids are unique in the organization"
    );
    assert_eq!(ok.json()["createdBy"]["uniqueName"], "alice@contoso.com");
    let listed = get(&sim, api).await.json();
    assert_eq!(listed["count"], 1);
    let junk = post_json(&sim, api, &json!("nope")).await;
    assert_eq!(junk.status, 400);
}

#[tokio::test]
async fn policies_definitions_and_library() {
    let sim = contoso_sim().await;
    let pol = get(&sim, "/contoso/Web/_apis/policy/configurations?api-version=7.1")
        .await
        .json();
    assert_eq!(pol["count"], 3);
    assert_eq!(
        pol["value"][0]["type"]["id"],
        "fa4e907d-c16b-4a4c-9dfa-4906e5d171dd"
    );
    let defs = get(
        &sim,
        "/contoso/Web/_apis/build/definitions?includeAllProperties=true&api-version=7.1",
    )
    .await
    .json();
    assert_eq!(defs["count"], 2);
    let yaml = &defs["value"][0];
    assert_eq!(yaml["process"]["type"], 2);
    assert_eq!(yaml["process"]["yamlFilename"], "azure-pipelines.yml");
    assert!(
        yaml["variables"]["npmToken"]["value"].is_null(),
        "secret build variables are nulled"
    );
    assert_eq!(yaml["variables"]["npmToken"]["isSecret"], true);
    assert_eq!(yaml["triggers"][1]["forks"]["allowSecrets"], true);
    assert_eq!(defs["value"][1]["process"]["type"], 1);
    assert_eq!(defs["value"][1]["jobAuthorizationScope"], "project");
    let eps = get(
        &sim,
        "/contoso/Web/_apis/serviceendpoint/endpoints?api-version=7.1",
    )
    .await;
    assert!(
        !eps.text.contains("sim-fake-sp-key"),
        "endpoint secrets must not leak"
    );
    assert!(!eps.text.contains("ghp_Sim"));
    let eps = eps.json();
    assert!(eps["value"][0]["authorization"]["parameters"]["serviceprincipalkey"].is_null());
    assert_eq!(
        eps["value"][0]["authorization"]["parameters"]["tenantid"],
        "72f988bf-0000-4000-8000-00000000c0de"
    );
    let vg = get(
        &sim,
        "/contoso/Web/_apis/distributedtask/variablegroups?api-version=7.1",
    )
    .await;
    assert!(!vg.text.contains("Sim-Db-P@ss"));
    assert!(vg.json()["value"][0]["variables"]["dbPassword"]["value"].is_null());
    let sf = get(
        &sim,
        "/contoso/Web/_apis/distributedtask/securefiles?api-version=7.2-preview.1",
    )
    .await
    .json();
    assert_eq!(names(&sf, "name"), ["signing.pfx"]);
    let env = get(
        &sim,
        "/contoso/Web/_apis/distributedtask/environments?api-version=7.1",
    )
    .await
    .json();
    assert_eq!(names(&env, "name"), ["production"]);
    let pools = get(&sim, "/contoso/_apis/distributedtask/pools?api-version=7.1")
        .await
        .json();
    assert_eq!(
        names(&pools, "name"),
        ["Default", "Azure Pipelines", "Linux-Secure"]
    );
    assert_eq!(pools["value"][0]["autoUpdate"], false);
    assert_eq!(pools["value"][2]["autoUpdate"], true);
    let open = get(
        &sim,
        "/contoso/Web/_apis/pipelines/pipelinePermissions/endpoint/1e5c2a90-0000-4000-8000-0000000e0001?api-version=7.1-preview.1",
    )
    .await
    .json();
    assert_eq!(open["allPipelines"]["authorized"], true);
    let restricted = get(
        &sim,
        "/contoso/Web/_apis/pipelines/pipelinePermissions/variablegroup/1?api-version=7.1-preview.1",
    )
    .await
    .json();
    assert!(restricted.get("allPipelines").is_none());
    assert_eq!(restricted["pipelines"][0]["id"], 1);
    let never = get(
        &sim,
        "/contoso/Web/_apis/pipelines/pipelinePermissions/securefile/xyz?api-version=7.1-preview.1",
    )
    .await;
    assert_eq!(never.status, 200);
    assert_eq!(never.json()["pipelines"], json!([]));
}

#[tokio::test]
async fn wikis_and_pages() {
    let sim = contoso_sim().await;
    let w = get(&sim, "/contoso/Web/_apis/wiki/wikis?api-version=7.1")
        .await
        .json();
    assert_eq!(names(&w, "name"), ["Web.wiki"]);
    let page = get(
        &sim,
        "/contoso/Web/_apis/wiki/wikis/Web.wiki/pages?path=/Home&includeContent=true&api-version=7.1",
    )
    .await;
    assert_eq!(page.status, 200);
    assert!(page.header("etag").is_some());
    assert_eq!(page.json()["content"], "Welcome to the Web project.\n");
    let missing = get(
        &sim,
        "/contoso/Web/_apis/wiki/wikis/Web.wiki/pages?path=/Nope&api-version=7.1",
    )
    .await;
    assert_eq!(missing.status, 404);
}

#[tokio::test]
async fn wiql_and_work_items() {
    let sim = contoso_sim().await;
    let q = json!({"query": "SELECT [System.Id] FROM WorkItems WHERE [System.TeamProject] = @project AND [System.State] = 'Active' ORDER BY [System.ChangedDate] DESC"});
    let a = post_json(&sim, "/contoso/Web/_apis/wit/wiql?api-version=7.1", &q).await;
    assert_eq!(a.status, 200, "{}", a.text);
    let ids: Vec<i64> = a.json()["workItems"]
        .as_array()
        .unwrap()
        .iter()
        .map(|w| w["id"].as_i64().unwrap())
        .collect();
    assert_eq!(ids, [3, 1]);
    let c = json!({"query": "SELECT [System.Id], [System.Title] FROM WorkItems WHERE [System.Title] CONTAINS 'login' AND [System.State] <> 'Closed'"});
    let ids: Vec<i64> = post_json(&sim, "/contoso/Web/_apis/wit/wiql?api-version=7.1", &c)
        .await
        .json()["workItems"]
        .as_array()
        .unwrap()
        .iter()
        .map(|w| w["id"].as_i64().unwrap())
        .collect();
    assert_eq!(ids, [1, 3]);
    let bad = post_json(
        &sim,
        "/contoso/Web/_apis/wit/wiql?api-version=7.1",
        &json!({"query": "DELETE FROM WorkItems"}),
    )
    .await;
    assert_eq!(bad.status, 400);
    assert!(bad.json()["typeKey"].is_string());
    let items = get(&sim, "/contoso/_apis/wit/workitems?ids=1,4&api-version=7.1")
        .await
        .json();
    assert_eq!(items["count"], 2);
    assert_eq!(items["value"][0]["fields"]["System.Title"], "Fix login bug");
    assert_eq!(items["value"][1]["fields"]["System.TeamProject"], "Infra");
    let many: Vec<String> = (1..=201).map(|i| i.to_string()).collect();
    let too_many = get(
        &sim,
        &format!(
            "/contoso/_apis/wit/workitems?ids={}&api-version=7.1",
            many.join(",")
        ),
    )
    .await;
    assert_eq!(too_many.status, 400);
    let junk = get(&sim, "/contoso/_apis/wit/workitems?ids=1,abc&api-version=7.1").await;
    assert_eq!(junk.status, 400);
}

#[tokio::test]
async fn url_forms_echo_the_request_host() {
    let sim = contoso_sim().await;
    let tfs = get(
        &sim,
        "/tfs/contoso/Web/_apis/git/repositories/web-frontend?api-version=7.1",
    )
    .await
    .json();
    assert!(
        tfs["url"]
            .as_str()
            .unwrap()
            .starts_with(&format!("{}/tfs/contoso/", sim.base_url))
    );
    let port = sim.addr.port();
    let legacy = crate::support::send(
        crate::support::client()
            .get(format!(
                "{}/Web/_apis/git/repositories/web-frontend?api-version=7.1",
                sim.base_url
            ))
            .header("Host", format!("contoso.visualstudio.localhost:{port}"))
            .header("Authorization", crate::support::basic(crate::support::FULL_PAT)),
    )
    .await;
    assert_eq!(legacy.status, 200, "{}", legacy.text);
    let url = legacy.json()["url"].as_str().unwrap().to_string();
    assert!(
        url.starts_with(&format!("http://contoso.visualstudio.localhost:{port}/6ce954b1")),
        "{url}"
    );
}

#[tokio::test]
async fn untrusted_inputs_give_400s_not_panics() {
    let sim = contoso_sim().await;
    for path in [
        "/contoso/_apis/projects?$top=99999999999999999999&api-version=7.1",
        "/contoso/_apis/projects?$top=-1&api-version=7.1",
        "/contoso/_apis/projects?continuationToken=junk&api-version=7.1",
        "/contoso/Web/_apis/git/repositories/web-frontend/refs?continuationToken=%%%&api-version=7.1",
        "/contoso/Web/_apis/distributedtask/variablegroups?continuationToken=abc&api-version=7.1",
        "/contoso/Web/_apis/build/definitions?definitionIds=x&api-version=7.1",
        "/contoso/_apis/projects?api-version=banana",
    ] {
        let a = get(&sim, path).await;
        assert_eq!(a.status, 400, "{path}: {}", a.text);
        assert!(a.json()["typeKey"].is_string(), "{path}");
    }
    for path in [
        "/contoso/%2e%2e/_apis/projects?api-version=7.1",
        "/nosuchorg/_apis/projects?api-version=7.1",
        "/contoso/_apis/nothing?api-version=7.1",
    ] {
        let a = get(&sim, path).await;
        assert!(a.status == 404 || a.status == 400, "{path}: {}", a.status);
    }
}
