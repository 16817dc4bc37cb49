//! Credentials: 401 with Suppress, 203 sign-in page or 302 otherwise, scopes, other orgs, hidden projects.

use serde_json::json;

use crate::support::{
    BOB_PAT, EXPIRED_PAT, FABRIKAM_PAT, NOCODE_PAT, REVOKED_PAT, basic, client, contoso_sim, get_pat, send,
};

const PROJECTS: &str = "/contoso/_apis/projects?api-version=7.1";

#[tokio::test]
async fn bad_credentials_with_suppress_get_401_and_challenges() {
    let sim = contoso_sim().await;
    for pat in [EXPIRED_PAT, REVOKED_PAT, "not-a-pat"] {
        let a = get_pat(&sim, PROJECTS, pat).await;
        assert_eq!(a.status, 401, "{pat}");
        let challenges: Vec<String> = a
            .headers
            .get_all("www-authenticate")
            .iter()
            .map(|v| v.to_str().unwrap().to_string())
            .collect();
        assert!(
            challenges
                .iter()
                .any(|c| c.starts_with("Bearer authorization_uri=")),
            "{challenges:?}"
        );
        assert!(
            challenges.iter().any(|c| c.starts_with("Basic realm=")),
            "{challenges:?}"
        );
    }
    let stats = sim.state.stats();
    assert_eq!(stats.auth_failures, 3);
}

#[tokio::test]
async fn bad_credentials_without_suppress_get_a_sign_in_page() {
    let sim = contoso_sim().await;
    let url = format!("{}{PROJECTS}", sim.base_url);
    let a = send(client().get(&url).header("Authorization", basic(EXPIRED_PAT))).await;
    assert_eq!(a.status, 203);
    assert!(a.header("content-type").unwrap().starts_with("text/html"));
    assert!(serde_json::from_str::<serde_json::Value>(&a.text).is_err());
    let none = send(client().get(&url)).await;
    assert_eq!(none.status, 203);
    let k = send(
        client()
            .post(format!("{}/_sim/knobs", sim.base_url))
            .json(&json!({"signin_mode": "redirect302"})),
    )
    .await;
    assert_eq!(k.status, 200);
    let r = send(client().get(&url)).await;
    assert_eq!(r.status, 302);
    assert!(r.header("location").unwrap().contains("_signin"));
}

#[tokio::test]
async fn missing_scope_is_tf400813() {
    let sim = contoso_sim().await;
    let a = get_pat(
        &sim,
        "/contoso/_apis/git/repositories?api-version=7.1",
        NOCODE_PAT,
    )
    .await;
    assert_eq!(a.status, 401);
    let v = a.json();
    assert!(
        v["message"]
            .as_str()
            .unwrap()
            .starts_with("TF400813: The user 'alice@contoso.com'")
    );
    assert_eq!(v["typeKey"], "UnauthorizedRequestException");
    assert_eq!(get_pat(&sim, PROJECTS, NOCODE_PAT).await.status, 200);
    // vso.code_full implies vso.code and vso.code_write.
    let f = get_pat(
        &sim,
        "/fabrikam/Legacy/_apis/git/repositories?api-version=6.0",
        FABRIKAM_PAT,
    )
    .await;
    assert_eq!(f.status, 200, "{}", f.text);
}

#[tokio::test]
async fn pat_for_another_org_is_401() {
    let sim = contoso_sim().await;
    assert_eq!(get_pat(&sim, PROJECTS, FABRIKAM_PAT).await.status, 401);
    // Org-scoped PATs fail on the global profile endpoints.
    assert_eq!(
        get_pat(&sim, "/_apis/profile/profiles/me?api-version=7.1", NOCODE_PAT)
            .await
            .status,
        401
    );
}

#[tokio::test]
async fn hidden_projects_answer_404() {
    let sim = contoso_sim().await;
    let p = get_pat(&sim, PROJECTS, BOB_PAT).await.json();
    assert_eq!(crate::support::names(&p, "name"), ["Web"]);
    let a = get_pat(
        &sim,
        "/contoso/Infra/_apis/git/repositories?api-version=7.1",
        BOB_PAT,
    )
    .await;
    assert_eq!(a.status, 404);
    let all = get_pat(&sim, "/contoso/_apis/git/repositories?api-version=7.1", BOB_PAT)
        .await
        .json();
    assert!(!crate::support::names(&all, "name").contains(&"terraform".to_string()));
}
