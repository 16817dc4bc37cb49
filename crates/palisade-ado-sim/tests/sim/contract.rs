//! Contract tests: the simulator's answers have the shape of Microsoft's own response examples
//! (field names and JSON types, recursively), except for the listed, reasoned exceptions.

use serde_json::{Map, Value, json};

use crate::support::{contoso_sim, get, post_json};

/// Field paths (dot-joined, `[]` for array items) the simulator need not reproduce, with why.
const EXCEPTIONS: &[(&str, &str)] = &[
    (
        "value[].fields.",
        "work item fields depend on the process template and the item's history",
    ),
    ("value[].variables.", "variable names are data, not schema"),
    (
        "value[].data.",
        "service endpoint data keys depend on the endpoint type",
    ),
    (
        "value[].publisherInputs.",
        "publisher inputs depend on the event type (the examples subscribe to builds and work items)",
    ),
    ("publisherInputs.", "publisher inputs depend on the event type"),
    (
        "value[].consumerInputs.",
        "consumer inputs depend on the consumer (the examples use Jenkins, MyGet, Trello, ...)",
    ),
    ("consumerInputs.", "consumer inputs depend on the consumer"),
    (
        "value[].probationRetries",
        "only subscriptions on probation carry it",
    ),
    (
        "lastMergeCommit.",
        "the simulator makes no merge commits: lastMergeCommit is {commitId, url} of the source tip",
    ),
    (
        "value[].comments[].author.isContainer",
        "only group identities (system comments of ADO's service accounts) carry it",
    ),
    (
        "value[].properties.",
        "thread property names are data, not schema",
    ),
];

fn example(name: &str) -> Value {
    let path = format!("{}/tests/sim/contract/{name}", env!("CARGO_MANIFEST_DIR"));
    let text = std::fs::read_to_string(&path).unwrap();
    let text = text.strip_prefix('\u{feff}').unwrap_or(&text);
    let v: Value = serde_json::from_str(text).unwrap();
    v["responses"]["200"]["body"].clone()
}

/// Merges all items of arrays (recursively) so one shape describes every element.
fn merged(v: &Value) -> Value {
    match v {
        Value::Array(items) => {
            let mut acc = Value::Null;
            for i in items {
                acc = merge(acc, merged(i));
            }
            Value::Array(if acc.is_null() { vec![] } else { vec![acc] })
        }
        Value::Object(m) => Value::Object(m.iter().map(|(k, x)| (k.clone(), merged(x))).collect()),
        other => other.clone(),
    }
}

fn merge(a: Value, b: Value) -> Value {
    match (a, b) {
        (Value::Null, b) => b,
        (a, Value::Null) => a,
        (Value::Object(mut x), Value::Object(y)) => {
            for (k, v) in y {
                let cur = x.remove(&k).unwrap_or(Value::Null);
                x.insert(k, merge(cur, v));
            }
            Value::Object(x)
        }
        (Value::Array(x), Value::Array(y)) => {
            let a = x.into_iter().next().unwrap_or(Value::Null);
            let b = y.into_iter().next().unwrap_or(Value::Null);
            let m = merge(a, b);
            Value::Array(if m.is_null() { vec![] } else { vec![m] })
        }
        (a, _) => a,
    }
}

fn kind(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "bool",
        Value::Number(_) => "number",
        Value::String(_) => "string",
        Value::Array(_) => "array",
        Value::Object(_) => "object",
    }
}

fn excepted(path: &str) -> bool {
    EXCEPTIONS.iter().any(|(p, _)| path.starts_with(p))
}

fn compare(expected: &Value, actual: &Value, path: &str, errors: &mut Vec<String>) {
    match (expected, actual) {
        (Value::Null, _) => {}
        (Value::Object(e), Value::Object(a)) => {
            for (k, ev) in e {
                let p = if path.is_empty() {
                    k.clone()
                } else {
                    format!("{path}.{k}")
                };
                if excepted(&p) {
                    continue;
                }
                match a.get(k) {
                    None => errors.push(format!("missing {p}")),
                    Some(av) => compare(ev, av, &p, errors),
                }
            }
        }
        (Value::Array(e), Value::Array(a)) => {
            if let (Some(e0), Some(a0)) = (e.first(), a.first()) {
                compare(e0, a0, &format!("{path}[]"), errors);
            } else if !e.is_empty() {
                errors.push(format!("{path}: the simulator returned no items to compare"));
            }
        }
        (e, a) if kind(e) != kind(a) && !a.is_null() => {
            errors.push(format!("{path}: type {} expected, got {}", kind(e), kind(a)));
        }
        (e, Value::Null) if !e.is_null() => errors.push(format!("{path}: {} expected, got null", kind(e))),
        _ => {}
    }
}

fn check(name: &str, actual: &Value) {
    let expected = merged(&example(name));
    let actual = merged(actual);
    let mut errors = Vec::new();
    compare(&expected, &actual, "", &mut errors);
    assert!(errors.is_empty(), "{name}: {errors:#?}\nactual: {actual:#}");
}

#[tokio::test]
async fn rest_answers_match_the_spec_examples() {
    let sim = contoso_sim().await;
    let me = get(&sim, "/_apis/profile/profiles/me?api-version=7.1")
        .await
        .json();
    let member = me["id"].as_str().unwrap().to_string();
    let cases: Vec<(&str, String)> = vec![
        ("core__GET__projects.json", "/contoso/_apis/projects?api-version=7.1".into()),
        ("git__GET__git_repositories.json", "/contoso/_apis/git/repositories?api-version=7.1".into()),
        ("git__GET__git_repositories__repositoryId_.json", "/contoso/Web/_apis/git/repositories/web-frontend?api-version=7.1".into()),
        ("git__GET__git_repositories__repositoryId__refs_heads.json", "/contoso/Web/_apis/git/repositories/web-frontend/refs?filter=heads/&api-version=7.1".into()),
        ("git__GET__git_repositories__repositoryId__commits_branch.json", "/contoso/Web/_apis/git/repositories/web-frontend/commits?searchCriteria.itemVersion.version=main&api-version=7.1".into()),
        ("git__GET__git_repositories__repositoryId__pullRequests.json", "/contoso/Web/_apis/git/repositories/web-frontend/pullrequests?api-version=7.1".into()),
        ("policy__GET__policy_configurations.json", "/contoso/Web/_apis/policy/configurations?api-version=7.1".into()),
        ("serviceEndpoint__GET__ServiceEndpoints.json", "/contoso/Web/_apis/serviceendpoint/endpoints?api-version=7.1".into()),
        ("distributedTask__GET_VariableGroupsByIds.json", "/contoso/Web/_apis/distributedtask/variablegroups?api-version=7.1".into()),
        ("approvalsAndChecks__GET__GetPipelinePermissionsForResource.json", "/contoso/Web/_apis/pipelines/pipelinePermissions/environment/1?api-version=7.1-preview.1".into()),
        ("approvalsAndChecks__GET__CheckConfigurationsOnResource.json", "/contoso/Infra/_apis/pipelines/checks/configurations?resourceType=environment&resourceId=1&api-version=7.1-preview.1".into()),
        ("wiki__GET_wikis_queryInProject.json", "/contoso/Web/_apis/wiki/wikis?api-version=7.1".into()),
        ("wiki__GET_wiki_page_JSON_withContent.json", "/contoso/Web/_apis/wiki/wikis/Web.wiki/pages?path=/Home&includeContent=true&api-version=7.1".into()),
        ("wit__GET__wit_WorkItems_ids-_ids_.json", "/contoso/_apis/wit/workitems?ids=1,2,3&api-version=7.1".into()),
        ("profile__GET__profile_profiles_me.json", "/_apis/profile/profiles/me?api-version=7.1".into()),
        ("account__GET__Accounts_memberId-_userId_.json", format!("/_apis/accounts?memberId={member}&api-version=7.1")),
    ];
    for (name, path) in cases {
        let a = get(&sim, &path).await;
        assert_eq!(a.status, 200, "{path}: {}", a.text);
        check(name, &a.json());
    }
    let wiql = post_json(
        &sim,
        "/contoso/Web/_apis/wit/wiql?api-version=7.1",
        &json!({"query": "SELECT [System.Id], [System.Title], [System.State] FROM WorkItems WHERE [System.WorkItemType] <> 'Epic' ORDER BY [System.ChangedDate] DESC"}),
    )
    .await;
    assert_eq!(wiql.status, 200, "{}", wiql.text);
    check("wit__GET__wit_get_id_workitems.json", &wiql.json());
}

#[tokio::test]
async fn pull_request_and_service_hook_answers_match_the_spec_examples() {
    let sim = contoso_sim().await;
    let project = get(&sim, "/contoso/_apis/projects/Web?api-version=7.1")
        .await
        .json();
    let project_id = project["id"].as_str().unwrap().to_string();
    let sub = post_json(
        &sim,
        "/contoso/_apis/hooks/subscriptions?api-version=7.1",
        &json!({
            "publisherId": "tfs", "eventType": "git.pullrequest.created", "resourceVersion": "1.0",
            "consumerId": "webHooks", "consumerActionId": "httpRequest",
            "publisherInputs": {"projectId": project_id},
            "consumerInputs": {"url": "https://hooks.contoso.example/ado"},
        }),
    )
    .await;
    assert_eq!(sub.status, 200, "{}", sub.text);
    check("hooks__POST__hooks_subscriptions.json", &sub.json());
    let id = sub.json()["id"].as_str().unwrap().to_string();
    let one = get(
        &sim,
        &format!("/contoso/_apis/hooks/subscriptions/{id}?api-version=7.1"),
    )
    .await;
    check(
        "hooks__GET__hooks_subscriptions__subscriptionId_.json",
        &one.json(),
    );
    let list = get(&sim, "/contoso/_apis/hooks/subscriptions?api-version=7.1").await;
    check("hooks__GET__hooks_subscriptions_.json", &list.json());

    let pr = "/contoso/Web/_apis/git/repositories/web-frontend/pullRequests/1";
    let a = get(&sim, &format!("{pr}?api-version=7.1")).await;
    assert_eq!(a.status, 200, "{}", a.text);
    check(
        "git__GET__git_repositories__repositoryId__pullRequests__pullRequestId_.json",
        &a.json(),
    );
    let patched = crate::support::send(
        crate::support::client()
            .patch(format!("{}{pr}?api-version=7.1", sim.base_url))
            .header("Authorization", crate::support::basic(crate::support::FULL_PAT))
            .json(&json!({"title": "Updated pull request title"})),
    )
    .await;
    assert_eq!(patched.status, 200, "{}", patched.text);
    check(
        "git__PATCH__git_repositories__repositoryId__pullRequests__pullRequestId_.json",
        &patched.json(),
    );

    let thread = post_json(
        &sim,
        &format!("{pr}/threads?api-version=7.1"),
        &json!({
            "comments": [{"parentCommentId": 0, "content": "Should we add a comment about what this value means?", "commentType": 1}],
            "status": 1,
            "threadContext": {"filePath": "/src/login.html", "leftFileEnd": null, "leftFileStart": null,
                "rightFileEnd": {"line": 1, "offset": 13}, "rightFileStart": {"line": 1, "offset": 1}},
            "pullRequestThreadContext": {"changeTrackingId": 1, "iterationContext": {"firstComparingIteration": 1, "secondComparingIteration": 1}},
        }),
    )
    .await;
    assert_eq!(thread.status, 200, "{}", thread.text);
    check(
        "git__POST__git_repositories__repositoryId__pullRequests__pullRequestId__threads2.json",
        &thread.json(),
    );
    let tid = thread.json()["id"].as_i64().unwrap();
    let reply = post_json(
        &sim,
        &format!("{pr}/threads/{tid}/comments?api-version=7.1"),
        &json!({"content": "Good idea", "parentCommentId": 1, "commentType": 1}),
    )
    .await;
    assert_eq!(reply.status, 200, "{}", reply.text);
    check(
        "git__POST__git_repositories__repositoryId__pullRequests__pullRequestId__threads__threadId__comments.json",
        &reply.json(),
    );
    let threads = get(&sim, &format!("{pr}/threads?api-version=7.1")).await;
    check(
        "git__GET__git_repositories__repositoryId__pullRequests__pullRequestId__threads.json",
        &threads.json(),
    );

    let status = post_json(
        &sim,
        &format!("{pr}/statuses?api-version=7.1"),
        &json!({"state": "succeeded", "description": "Sample status succeeded",
            "context": {"name": "sample-status-4", "genre": "vsts-samples"},
            "targetUrl": "http://fabrikam-fiber-inc.com/CI/builds/1"}),
    )
    .await;
    assert_eq!(status.status, 200, "{}", status.text);
    check("git__POST_git_pullRequestStatuses_status.json", &status.json());
    let statuses = get(&sim, &format!("{pr}/statuses?api-version=7.1")).await;
    check("git__GET_git_pullRequestStatuses_statuses.json", &statuses.json());
}

#[test]
fn the_comparison_catches_missing_fields_and_wrong_types() {
    let expected = json!({"value": [{"id": "x", "n": 1, "o": {"a": true}}]});
    let mut errors = Vec::new();
    compare(
        &merged(&expected),
        &merged(&json!({"value": [{"id": 1, "o": {}}]})),
        "",
        &mut errors,
    );
    assert_eq!(errors.len(), 3, "{errors:?}");
    let _ = Map::<String, Value>::new();
}
