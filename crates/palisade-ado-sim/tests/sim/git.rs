//! Git over smart HTTP with the real `git` CLI.

use std::process::Command;

use base64::Engine as _;

use crate::support::{FULL_PAT, NOCODE_PAT, contoso_sim, get};

fn git(args: &[&str], dir: &std::path::Path) -> std::process::Output {
    Command::new("git")
        .args(args)
        .current_dir(dir)
        .env("GIT_TERMINAL_PROMPT", "0")
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .env("GIT_CONFIG_GLOBAL", "/dev/null")
        .output()
        .unwrap()
}

fn header(pat: &str) -> String {
    format!(
        "http.extraHeader=Authorization: Basic {}",
        base64::engine::general_purpose::STANDARD.encode(format!(":{pat}"))
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn clone_with_extra_header_finds_the_planted_key() {
    let sim = contoso_sim().await;
    let tmp = tempfile::tempdir().unwrap();
    let url = format!("{}/contoso/Web/_git/web-frontend", sim.base_url);
    let h = header(FULL_PAT);
    let out = tokio::task::spawn_blocking({
        let dir = tmp.path().to_path_buf();
        move || git(&["-c", &h, "clone", "--quiet", &url, "wf"], &dir)
    })
    .await
    .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let config = std::fs::read_to_string(tmp.path().join("wf/deploy/config.env")).unwrap();
    assert!(config.contains("AKIAQ7RZ4XK2M9TLBW3H"));
    let head = git(&["rev-parse", "HEAD"], &tmp.path().join("wf"));
    let head = String::from_utf8_lossy(&head.stdout).trim().to_string();
    let refs = get(
        &sim,
        "/contoso/Web/_apis/git/repositories/web-frontend/refs?filter=heads/main&api-version=7.1",
    )
    .await
    .json();
    assert_eq!(refs["value"][0]["objectId"], head.as_str(), "REST and git agree");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn clone_without_credentials_or_scope_fails() {
    let sim = contoso_sim().await;
    let url = format!(
        "{}/contoso/Web/_git/web-frontend.git/info/refs?service=git-upload-pack",
        sim.base_url
    );
    let a = crate::support::send(crate::support::client().get(&url)).await;
    assert_eq!(a.status, 401);
    assert!(a.header("www-authenticate").is_some());
    let tmp = tempfile::tempdir().unwrap();
    let h = header(NOCODE_PAT);
    let url = format!("{}/contoso/Web/_git/web-frontend", sim.base_url);
    let out = tokio::task::spawn_blocking({
        let dir = tmp.path().to_path_buf();
        move || git(&["-c", &h, "clone", "--quiet", &url, "x"], &dir)
    })
    .await
    .unwrap();
    assert!(!out.status.success());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn push_a_branch_then_see_it_in_refs() {
    let sim = contoso_sim().await;
    let tmp = tempfile::tempdir().unwrap();
    let url = format!("{}/contoso/Infra/_git/terraform", sim.base_url);
    let h = header(FULL_PAT);
    let dir = tmp.path().to_path_buf();
    let out = tokio::task::spawn_blocking(move || {
        let o = git(&["-c", &h, "clone", "--quiet", &url, "tf"], &dir);
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
        let repo = dir.join("tf");
        std::fs::write(repo.join("new.tf"), "# new\n").unwrap();
        for args in [
            &["checkout", "-q", "-b", "feature/x"][..],
            &["add", "."],
            &[
                "-c",
                "user.name=T",
                "-c",
                "user.email=t@example.invalid",
                "commit",
                "-q",
                "-m",
                "new",
            ],
        ] {
            assert!(git(args, &repo).status.success());
        }
        git(&["-c", &h, "push", "-q", "origin", "feature/x"], &repo)
    })
    .await
    .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let refs = get(
        &sim,
        "/contoso/Infra/_apis/git/repositories/terraform/refs?filter=heads/&api-version=7.1",
    )
    .await
    .json();
    assert_eq!(
        crate::support::names(&refs, "name"),
        [
            "refs/heads/feature/monitoring",
            "refs/heads/feature/x",
            "refs/heads/main"
        ]
    );
}
