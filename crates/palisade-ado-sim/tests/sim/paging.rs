//! Continuation tokens walk every page; no token on the last page.

use palisade_ado_sim::{Estate, GenerateOptions, generated_pat};

use crate::support::{get_pat, sim_with};

#[tokio::test]
async fn continuation_tokens_walk_all_pages() {
    let opts = GenerateOptions {
        seed: 7,
        orgs: 1,
        projects: 250,
        repos_per_project: 1,
        ..GenerateOptions::default()
    };
    let sim = sim_with(Estate::generate(&opts)).await;
    let pat = generated_pat(7);
    // Projects: server caps pages at 100 even when $top asks for more.
    let mut seen = Vec::new();
    let mut token: Option<String> = None;
    let mut pages = 0;
    loop {
        let mut path = "/gen-org-0/_apis/projects?$top=500&api-version=7.1".to_string();
        if let Some(t) = &token {
            path.push_str(&format!("&continuationToken={t}"));
        }
        let a = get_pat(&sim, &path, &pat).await;
        assert_eq!(a.status, 200, "{}", a.text);
        let v = a.json();
        assert!(v["count"].as_u64().unwrap() <= 100);
        seen.extend(
            v["value"]
                .as_array()
                .unwrap()
                .iter()
                .map(|p| p["name"].as_str().unwrap().to_string()),
        );
        pages += 1;
        token = a.header("x-ms-continuationtoken");
        if token.is_none() {
            break;
        }
        assert!(
            token.as_ref().unwrap().parse::<u32>().is_ok(),
            "project tokens are integers"
        );
    }
    assert_eq!(pages, 3);
    assert_eq!(seen.len(), 250);
    seen.dedup();
    assert_eq!(seen.len(), 250);
}

#[tokio::test]
async fn refs_tokens_are_opaque_and_complete() {
    let sim = crate::support::contoso_sim().await;
    let mut names = Vec::new();
    let mut token: Option<String> = None;
    loop {
        let mut path =
            "/contoso/Web/_apis/git/repositories/web-frontend/refs?$top=1&api-version=7.1".to_string();
        if let Some(t) = &token {
            path.push_str(&format!("&continuationToken={t}"));
        }
        let a = crate::support::get(&sim, &path).await;
        assert_eq!(a.status, 200, "{}", a.text);
        names.extend(crate::support::names(&a.json(), "name"));
        token = a.header("x-ms-continuationtoken");
        if token.is_none() {
            break;
        }
    }
    assert_eq!(names, ["refs/heads/feature/login", "refs/heads/main"]);
}
