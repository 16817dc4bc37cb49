//! What posture checks read: organization policies and pipeline settings (internal data
//! providers), check configurations, Advanced Security enablement, and the `denied` knob and
//! fixture list that make each of them refuse the way ADO does.

use serde_json::{Value, json};

use crate::support::{contoso_sim, get, names, post_json};

const POLICIES: &str = "ms.vss-org-web.collection-admin-policy-data-provider";
const PIPELINES: &str = "ms.vss-build-web.pipelines-org-settings-data-provider";

fn query(ids: &[&str]) -> Value {
    json!({
        "contributionIds": ids,
        "dataProviderContext": {"properties": {"sourcePage": {
            "url": "https://dev.azure.com/contoso/_settings/organizationPolicy",
            "routeId": "ms.vss-admin-web.collection-admin-hub-route",
            "routeValues": {"adminPivot": "organizationPolicy", "controller": "ContributedPage", "action": "Execute"},
        }}},
    })
}

const HQ: &str = "/contoso/_apis/Contribution/HierarchyQuery?api-version=5.0-preview.1";

fn policy(answer: &Value, name: &str) -> Value {
    answer["dataProviders"][POLICIES]["policies"]
        .as_object()
        .unwrap()
        .values()
        .flat_map(|l| l.as_array().unwrap())
        .find(|p| p["policy"]["name"] == name)
        .map_or(Value::Null, |p| p["policy"]["effectiveValue"].clone())
}

#[tokio::test]
async fn organization_policies_and_pipeline_settings_come_from_the_data_providers() {
    let sim = contoso_sim().await;
    let a = post_json(&sim, HQ, &query(&[POLICIES, PIPELINES])).await;
    assert_eq!(a.status, 200, "{}", a.text);
    let v = a.json();
    assert!(v.get("dataProviderExceptions").is_none());
    assert_eq!(policy(&v, "Policy.AllowAnonymousAccess"), true);
    assert_eq!(policy(&v, "Policy.DisallowOAuthAuthentication"), true);
    assert_eq!(policy(&v, "Policy.LogAuditEvents"), false);
    let settings = &v["dataProviders"][PIPELINES];
    assert_eq!(settings["enforceJobAuthScope"], false);
    assert_eq!(settings["disableClassicPipelineCreation"], false);
    // The other organization holds the opposite values.
    let f = post_json(
        &sim,
        "/fabrikam/_apis/Contribution/HierarchyQuery?api-version=5.0-preview.1",
        &query(&[POLICIES]),
    )
    .await
    .json();
    assert_eq!(policy(&f, "Policy.AllowAnonymousAccess"), false);
    assert_eq!(policy(&f, "Policy.LogAuditEvents"), true);
    // The data providers are an internal, preview-versioned API.
    let ga = post_json(
        &sim,
        "/contoso/_apis/Contribution/HierarchyQuery?api-version=5.0",
        &query(&[POLICIES]),
    )
    .await;
    assert_eq!(ga.status, 400);
    assert_eq!(ga.json()["typeKey"], "VssInvalidPreviewVersionException");
}

#[tokio::test]
async fn check_configurations_of_a_resource() {
    let sim = contoso_sim().await;
    let path = "/contoso/Infra/_apis/pipelines/checks/configurations?resourceType=environment&resourceId=1";
    let bare = get(&sim, &format!("{path}&api-version=7.1-preview.1"))
        .await
        .json();
    assert_eq!(bare["count"], 2);
    assert!(
        bare["value"][0].get("settings").is_none(),
        "settings only with $expand"
    );
    let full = get(
        &sim,
        &format!("{path}&$expand=settings&api-version=7.1-preview.1"),
    )
    .await
    .json();
    assert_eq!(
        full["value"][0]["type"]["id"],
        "8c6f20a7-a545-4486-9777-f762fafe0d4d"
    );
    assert_eq!(full["value"][0]["resource"]["name"], "prod-infra");
    assert_eq!(full["value"][1]["type"]["name"], "Task Check");
    assert_eq!(
        full["value"][1]["settings"]["definitionRef"]["name"],
        "evaluatebranchProtection"
    );
    // A connection named in the fixture is found by its id.
    let eps = get(
        &sim,
        "/contoso/Payments/_apis/serviceendpoint/endpoints?api-version=7.1",
    )
    .await
    .json();
    let rg = eps["value"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["name"] == "payments-azure-rg")
        .unwrap();
    assert_eq!(
        rg["authorization"]["parameters"]["scope"],
        "/subscriptions/00000000-1111-2222-3333-555555555555/resourceGroups/rg-payments"
    );
    assert_eq!(rg["data"]["scopeLevel"], "Subscription");
    let id = rg["id"].as_str().unwrap();
    let checks = get(
        &sim,
        &format!("/contoso/Payments/_apis/pipelines/checks/configurations?resourceType=endpoint&resourceId={id}&api-version=7.1-preview.1"),
    )
    .await
    .json();
    assert_eq!(names(&checks, "id").len(), 2);
    let none = get(
        &sim,
        "/contoso/Web/_apis/pipelines/checks/configurations?resourceType=environment&resourceId=1&api-version=7.1-preview.1",
    )
    .await
    .json();
    assert_eq!(none["count"], 0);
    let preview = get(&sim, &format!("{path}&api-version=7.1")).await;
    assert_eq!(preview.status, 400);
    let missing = get(
        &sim,
        "/contoso/Infra/_apis/pipelines/checks/configurations?api-version=7.1-preview.1",
    )
    .await;
    assert_eq!(missing.status, 400);
}

#[tokio::test]
async fn advanced_security_enablement_per_repository() {
    let sim = contoso_sim().await;
    let path = "/contoso/Web/_apis/management/repositories/web-frontend/enablement";
    let full = get(
        &sim,
        &format!("{path}?includeAllProperties=true&api-version=7.2-preview.1"),
    )
    .await
    .json();
    assert_eq!(full["advSecEnabled"], true);
    assert_eq!(full["blockPushes"], true);
    assert_eq!(full["repositoryId"], "5febef5a-833d-4e14-b9c0-14cb638f91e6");
    let short = get(&sim, &format!("{path}?api-version=7.2-preview.1"))
        .await
        .json();
    assert!(
        short["blockPushes"].is_null(),
        "blockPushes needs includeAllProperties"
    );
    let off = get(
        &sim,
        "/contoso/Infra/_apis/management/repositories/terraform/enablement?includeAllProperties=true&api-version=7.2-preview.1",
    )
    .await
    .json();
    assert_eq!(off["advSecEnabled"], false);
    assert_eq!(off["blockPushes"], false);
    let ga = get(&sim, &format!("{path}?api-version=7.1")).await;
    assert_eq!(ga.status, 400);
}

#[tokio::test]
async fn denied_sources_answer_as_ado_refuses_them() {
    let sim = contoso_sim().await;
    let mut knobs = sim.state.knobs();
    knobs.denied.insert(
        "contoso".into(),
        ["org-policies", "advanced-security", "checks", "general-settings"]
            .map(String::from)
            .to_vec(),
    );
    sim.state.set_knobs(knobs);

    let v = post_json(&sim, HQ, &query(&[POLICIES, PIPELINES])).await;
    assert_eq!(v.status, 200, "a data provider fails inside a successful answer");
    let v = v.json();
    assert!(v["dataProviders"][POLICIES].is_null());
    assert_eq!(
        v["dataProviderExceptions"][POLICIES]["exceptionType"],
        "UnauthorizedAccessException"
    );
    assert!(v["dataProviders"][PIPELINES].is_object(), "not denied");

    let advsec = get(
        &sim,
        "/contoso/Web/_apis/management/repositories/web-frontend/enablement?api-version=7.2-preview.1",
    )
    .await;
    assert_eq!(advsec.status, 404);
    assert!(advsec.json()["message"].as_str().unwrap().contains("VS800075"));

    let checks = get(
        &sim,
        "/contoso/Infra/_apis/pipelines/checks/configurations?resourceType=environment&resourceId=1&api-version=7.1-preview.1",
    )
    .await;
    assert_eq!(checks.status, 403, "{}", checks.text);

    let settings = get(&sim, "/contoso/Web/_apis/build/generalsettings?api-version=7.1").await;
    assert_eq!(settings.status, 401);
    assert!(settings.json()["message"].as_str().unwrap().contains("TF400813"));

    // Other organizations are not affected.
    let fab = get(
        &sim,
        "/fabrikam/Legacy/_apis/build/generalsettings?api-version=6.0",
    )
    .await;
    assert_eq!(fab.status, 200, "{}", fab.text);
}

#[tokio::test]
async fn a_fixture_can_deny_sources_and_rejects_unknown_ones() {
    let text = palisade_ado_sim::CONTOSO_FIXTURE.replace("    denied: []", "    denied: [checks, nonsense]");
    let err = palisade_ado_sim::Estate::from_yaml_str(&text).unwrap_err();
    assert!(err.to_string().contains("nonsense"), "{err}");
    let text =
        palisade_ado_sim::CONTOSO_FIXTURE.replace("    denied: []", "    denied: [org-pipeline-settings]");
    let estate = palisade_ado_sim::Estate::from_yaml_str(&text).unwrap();
    let sim = crate::support::sim_with(estate).await;
    let v = post_json(&sim, HQ, &query(&[PIPELINES])).await.json();
    assert!(v["dataProviderExceptions"][PIPELINES].is_object());
}
