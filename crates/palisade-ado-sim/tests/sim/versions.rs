//! api-version enforcement.

use crate::support::{FULL_PAT, basic, client, contoso_sim, get, send};

#[tokio::test]
async fn missing_version_is_400() {
    let sim = contoso_sim().await;
    let a = get(&sim, "/contoso/_apis/projects").await;
    assert_eq!(a.status, 400);
    assert_eq!(a.json()["typeKey"], "VssVersionNotSpecifiedException");
    // The Accept header form works too.
    let b = send(
        client()
            .get(format!("{}/contoso/_apis/projects", sim.base_url))
            .header("Authorization", basic(FULL_PAT))
            .header("Accept", "application/json;api-version=7.1"),
    )
    .await;
    assert_eq!(b.status, 200);
}

#[tokio::test]
async fn preview_only_resources_reject_ga_versions() {
    let sim = contoso_sim().await;
    for path in [
        "/contoso/_apis/connectionData?api-version=7.1",
        "/contoso/Web/_apis/distributedtask/securefiles?api-version=7.1",
        "/contoso/Web/_apis/pipelines/pipelinePermissions/queue/1?api-version=7.1",
        "/contoso/_apis/projects/Web/properties?api-version=7.1",
    ] {
        let a = get(&sim, path).await;
        assert_eq!(a.status, 400, "{path}");
        assert_eq!(a.json()["typeKey"], "VssInvalidPreviewVersionException", "{path}");
    }
    assert_eq!(
        get(
            &sim,
            "/contoso/_apis/projects/Web/properties?api-version=7.1-preview.1"
        )
        .await
        .status,
        200
    );
}

#[tokio::test]
async fn server_deployment_rejects_newer_versions() {
    let sim = contoso_sim().await;
    let a = get(&sim, "/fabrikam/_apis/projects?api-version=7.1").await;
    assert_eq!(a.status, 400);
    let v = a.json();
    assert_eq!(v["typeKey"], "VssVersionOutOfRangeException");
    assert_eq!(
        v["message"],
        "The requested REST API version of 7.1 is out of range for this server. The latest REST API version this server supports is 6.0."
    );
    let ok = get(&sim, "/tfs/fabrikam/_apis/projects?api-version=6.0").await;
    assert_eq!(ok.status, 200);
    assert!(
        ok.json()["value"][0]["url"]
            .as_str()
            .unwrap()
            .contains("/tfs/fabrikam/_apis/projects/")
    );
}
