//! The service hook event models: untrusted payloads are parsed with clear errors.

use palisade_ado::models::{HookEventType, ServiceHookEvent};
use serde_json::{Value, json};

const REPO: &str = "278d5cd2-584d-4b63-824a-2ba458937249";
const A: &str = "aad331d8d3b131fa9ae03cf5e53965b51942618a";
const B: &str = "33b55f7cb7e7e245323987634f960cf4a6e6bc74";

fn envelope(event_type: &str, resource: &Value) -> Value {
    json!({
        "subscriptionId": "00ca946b-2fe9-4f2a-ae2f-40d5c48001bc",
        "notificationId": 7,
        "id": "03c164c2-8912-4d5e-8009-3707d5f83734",
        "eventType": event_type,
        "publisherId": "tfs",
        "message": {"text": "Someone pushed"},
        "resource": resource,
        "resourceVersion": "1.0",
        "resourceContainers": {
            "collection": {"id": "c12d0eb8-e382-443b-9f9c-c52cba5014c2"},
            "account": {"id": "f844ec47-a9db-4511-8281-8b63f4eaf94e", "baseUrl": "https://dev.azure.com/fabrikam/"},
            "project": {"id": "be9b3917-87e6-42a4-a549-2bc06a7a878f"}
        },
        "createdDate": "2024-09-19T13:03:27.0379153Z"
    })
}

fn push(updates: &Value) -> Value {
    envelope(
        "git.push",
        &json!({
            "commits": [{"commitId": B, "author": {"name": "Jamal"}, "comment": "Fixed bug"}],
            "refUpdates": updates,
            "repository": {"id": REPO, "name": "Fabrikam-Fiber-Git", "project": {"id": "be9b3917-87e6-42a4-a549-2bc06a7a878f", "name": "Fabrikam"}},
            "pushedBy": {"displayName": "Jamal Hartnett", "uniqueName": "fabrikamfiber4@hotmail.com"},
            "pushId": 14,
        }),
    )
}

fn parse(v: &Value) -> Result<ServiceHookEvent, palisade_ado::models::EventError> {
    ServiceHookEvent::parse(v.to_string().as_bytes())
}

#[test]
fn a_push_event_parses_to_typed_ref_updates() {
    let e = parse(&push(
        &json!([{"name": "refs/heads/main", "oldObjectId": A, "newObjectId": B.to_uppercase()}]),
    ))
    .unwrap();
    assert_eq!(e.event_type, HookEventType::Push);
    assert_eq!(e.notification_id, Some(7));
    assert_eq!(e.message.as_deref(), Some("Someone pushed"));
    let acc = e.resource_containers.account.clone().unwrap();
    assert_eq!(acc.base_url.as_deref(), Some("https://dev.azure.com/fabrikam/"));
    let p = e.push().unwrap();
    assert_eq!(p.push_id, 14);
    assert_eq!(p.ref_updates[0].branch(), Some("main"));
    assert_eq!(p.ref_updates[0].new_object_id, B, "ids are lowercased");
    assert_eq!(p.commits[0].author_name.as_deref(), Some("Jamal"));
    assert_eq!(p.repository.project_name.as_deref(), Some("Fabrikam"));
    assert!(e.pull_request().is_err());
}

#[test]
fn missing_optional_fields_are_fine() {
    let minimal = json!({
        "id": "03c164c2-8912-4d5e-8009-3707d5f83734",
        "eventType": "git.pullrequest.updated",
        "resource": {
            "pullRequestId": 3,
            "sourceRefName": "refs/heads/topic",
            "targetRefName": "refs/heads/main",
            "repository": {"id": REPO}
        }
    });
    let e = parse(&minimal).unwrap();
    assert_eq!(e.subscription_id, None);
    assert_eq!(e.resource_containers.project, None);
    let pr = e.pull_request().unwrap();
    assert_eq!(pr.pull_request_id, 3);
    assert_eq!(pr.last_merge_source_commit, None);
    assert_eq!(pr.status, None);
    assert_eq!(pr.repository.name, None);
    // A subscription that sends no resource details.
    let bare = json!({"id": "03c164c2-8912-4d5e-8009-3707d5f83734", "eventType": "git.push"});
    let e = parse(&bare).unwrap();
    let err = e.push().unwrap_err();
    assert_eq!(err.path, "resource");
    // Unknown event types are kept, not refused.
    let other =
        parse(&json!({"id": "03c164c2-8912-4d5e-8009-3707d5f83734", "eventType": "build.complete"})).unwrap();
    assert_eq!(other.event_type, HookEventType::Other("build.complete".into()));
}

#[test]
fn malformed_payloads_are_refused_with_the_field_named() {
    let cases: Vec<(Value, &str)> = vec![
        (
            push(
                &json!([{"name": "refs/heads/main", "oldObjectId": A, "newObjectId": "--upload-pack=touch /tmp/x"}]),
            ),
            "resource.refUpdates[0].newObjectId",
        ),
        (
            push(&json!([{"name": "--upload-pack=sh", "oldObjectId": A, "newObjectId": B}])),
            "resource.refUpdates[0].name",
        ),
        (
            push(&json!([{"name": "refs/heads/a..b", "oldObjectId": A, "newObjectId": B}])),
            "resource.refUpdates[0].name",
        ),
        (push(&json!([])), "resource.refUpdates"),
        (push(&json!("refs/heads/main")), "resource.refUpdates"),
        (
            push(&json!([{"name": "refs/heads/main", "oldObjectId": A}])),
            "resource.refUpdates[0].newObjectId",
        ),
    ];
    for (payload, path) in cases {
        let e = parse(&payload).unwrap();
        let err = e.push().unwrap_err();
        assert_eq!(err.path, path, "{err}");
        assert!(err.to_string().contains(path), "{err}");
    }
    let mut bad_repo = push(&json!([{"name": "refs/heads/main", "oldObjectId": A, "newObjectId": B}]));
    bad_repo["resource"]["repository"]["id"] = json!("../../etc");
    assert_eq!(
        parse(&bad_repo).unwrap().push().unwrap_err().path,
        "resource.repository.id"
    );
    let mut bad_pr = envelope(
        "git.pullrequest.created",
        &json!({"pullRequestId": "1", "sourceRefName": "refs/heads/x", "targetRefName": "refs/heads/main", "repository": {"id": REPO}}),
    );
    assert_eq!(
        parse(&bad_pr).unwrap().pull_request().unwrap_err().path,
        "resource.pullRequestId"
    );
    bad_pr["resource"]["pullRequestId"] = json!(-4);
    assert_eq!(
        parse(&bad_pr).unwrap().pull_request().unwrap_err().path,
        "resource.pullRequestId"
    );
    bad_pr["resource"]["pullRequestId"] = json!(4);
    bad_pr["resource"]["lastMergeSourceCommit"] = json!({"commitId": "abc"});
    assert_eq!(
        parse(&bad_pr).unwrap().pull_request().unwrap_err().path,
        "resource.lastMergeSourceCommit.commitId"
    );
    // The envelope itself.
    for (body, path) in [
        (b"not json".to_vec(), ""),
        (b"[1, 2]".to_vec(), ""),
        (br#"{"eventType": "git.push"}"#.to_vec(), "id"),
        (br#"{"id": "x", "eventType": "git.push"}"#.to_vec(), "id"),
        (br#"{"id": "03c164c2-8912-4d5e-8009-3707d5f83734", "eventType": "git push; rm"}"#.to_vec(), "eventType"),
        (br#"{"id": "03c164c2-8912-4d5e-8009-3707d5f83734", "eventType": "git.push", "notificationId": "7"}"#.to_vec(), "notificationId"),
        (br#"{"id": "03c164c2-8912-4d5e-8009-3707d5f83734", "eventType": "git.push", "resource": []}"#.to_vec(), "resource"),
    ] {
        let err = ServiceHookEvent::parse(&body).unwrap_err();
        assert_eq!(err.path, path, "{err}");
    }
    let huge = vec![b' '; ServiceHookEvent::MAX_BYTES + 1];
    assert!(ServiceHookEvent::parse(&huge).is_err());
}
