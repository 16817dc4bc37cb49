use crate::{Env, GH_TOKEN, git};

/// A secret committed, then deleted: still found, attributed to the commit
/// that introduced it, with author and date.
#[test]
fn deleted_secret_is_found_with_its_commit() {
    let env = Env::new();
    let repo = env.path("repo");
    std::fs::create_dir_all(&repo).unwrap();
    git(&repo, &["init", "-q", "-b", "main"]);
    env.write("repo/README.md", "hello\n");
    git(&repo, &["add", "."]);
    git(&repo, &["commit", "-q", "-m", "init"]);
    env.write("repo/deploy.sh", &format!("export GH={GH_TOKEN}\n"));
    git(&repo, &["add", "."]);
    git(&repo, &["commit", "-q", "-m", "add deploy"]);
    std::fs::remove_file(env.path("repo/deploy.sh")).unwrap();
    git(&repo, &["commit", "-q", "-am", "remove secret"]);

    // The working tree is clean...
    let (code, _) = env.scan_json(&["--no-store", repo.to_str().unwrap()]);
    assert_eq!(code, 0);
    // ...but history is not.
    let (code, json) = env.scan_json(&["--history", repo.to_str().unwrap()]);
    assert_eq!(code, 1, "{json:#}");
    let loc = &json["findings"][0]["locations"][0];
    assert_eq!(loc["path"], "deploy.sh");
    assert_eq!(loc["line"], 1);
    assert_eq!(loc["commit"]["author_name"], "Mallory Dev");
    assert_eq!(loc["commit"]["author_email"], "mallory@example.com");
    assert_eq!(loc["commit"]["date"], "2024-03-01T12:00:00.000Z");
    assert_eq!(loc["commit"]["id"].as_str().unwrap().len(), 40);
    assert_eq!(json["scan"]["kind"], "git-history");
    assert_eq!(json["scan"]["commit"].as_str().unwrap().len(), 40);
}

#[test]
fn uncommitted_files_are_scanned_with_history() {
    let env = Env::new();
    let repo = env.path("repo");
    std::fs::create_dir_all(&repo).unwrap();
    git(&repo, &["init", "-q", "-b", "main"]);
    env.write("repo/a.txt", "clean\n");
    git(&repo, &["add", "."]);
    git(&repo, &["commit", "-q", "-m", "init"]);
    env.write("repo/new.txt", &format!("{GH_TOKEN}\n"));
    let (code, json) = env.scan_json(&["--no-store", "--history", repo.to_str().unwrap()]);
    assert_eq!(code, 1, "{json:#}");
    let loc = &json["findings"][0]["locations"][0];
    assert_eq!(loc["path"], "new.txt");
    assert!(loc.get("commit").is_none());
}

#[test]
fn history_on_a_plain_folder_is_a_clear_error() {
    let env = Env::new();
    env.write("plain/a.txt", "x\n");
    let r = env.run(&["scan", "--history", env.path("plain").to_str().unwrap()]);
    assert_eq!(r.code, 2, "{r:?}");
    assert!(r.stderr.contains("not a git repository"), "{}", r.stderr);
    assert_eq!(r.stderr.trim().lines().count(), 1, "{}", r.stderr);
}

/// A subfolder scans the whole repository, with paths from its top; a bare
/// clone has no working tree to walk and still yields the history finding.
#[test]
fn subfolder_and_bare_clone() {
    let env = Env::new();
    let repo = env.path("repo");
    std::fs::create_dir_all(&repo).unwrap();
    git(&repo, &["init", "-q", "-b", "main"]);
    env.write("repo/src/app/config.py", &format!("T = \"{GH_TOKEN}\"\n"));
    git(&repo, &["add", "."]);
    git(&repo, &["commit", "-q", "-m", "init"]);
    let (code, json) = env.scan_json(&["--no-store", "--history", env.path("repo/src").to_str().unwrap()]);
    assert_eq!(code, 1, "{json:#}");
    let locs = json["findings"][0]["locations"].as_array().unwrap();
    assert_eq!(locs.len(), 1, "{json:#}");
    assert_eq!(locs[0]["path"], "src/app/config.py");

    git(env.dir.path(), &["clone", "-q", "--bare", "repo", "bare.git"]);
    let (code, json) = env.scan_json(&["--no-store", "--history", env.path("bare.git").to_str().unwrap()]);
    assert_eq!(code, 1, "{json:#}");
    assert_eq!(json["findings"][0]["locations"][0]["path"], "src/app/config.py");
    assert_eq!(json["scan"]["files"], 1, "only the history blob: {json:#}");
}
