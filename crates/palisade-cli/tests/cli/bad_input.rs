use crate::{Env, GH_TOKEN};

#[test]
fn missing_path_is_one_line_error() {
    let env = Env::new();
    let r = env.run(&["scan", env.path("nope").to_str().unwrap()]);
    assert_eq!(r.code, 2);
    assert_eq!(r.stderr.trim().lines().count(), 1, "{}", r.stderr);
    assert!(r.stderr.starts_with("error: cannot scan"), "{}", r.stderr);
}

#[test]
fn malformed_config_is_one_line_error() {
    let env = Env::new();
    env.write("repo/palisade.toml", "[scan\nexclude = 3\n");
    let r = env.run(&["scan", env.path("repo").to_str().unwrap()]);
    assert_eq!(r.code, 2, "{r:?}");
    assert_eq!(r.stderr.trim().lines().count(), 1, "{}", r.stderr);
    assert!(r.stderr.contains("palisade.toml"), "{}", r.stderr);
}

#[cfg(unix)]
#[test]
fn symlink_loop_is_reported_and_the_scan_goes_on() {
    let env = Env::new();
    env.write("repo/a.txt", &format!("{GH_TOKEN}\n"));
    std::fs::create_dir_all(env.path("repo/d")).unwrap();
    std::os::unix::fs::symlink("..", env.path("repo/d/loop")).unwrap();
    std::os::unix::fs::symlink("/nonexistent/target", env.path("repo/dangling")).unwrap();
    let (code, json) = env.scan_json(&[
        "--no-store",
        "--follow-symlinks",
        env.path("repo").to_str().unwrap(),
    ]);
    assert_eq!(code, 1, "findings still reported: {json:#}");
    let errors = json["scan"]["errors"].as_array().unwrap();
    assert!(!errors.is_empty(), "{json:#}");
    assert_eq!(json["scan"]["status"], "completed-with-errors");
}

#[test]
fn unreachable_database_fails_clearly_but_scan_still_reports() {
    let env = Env::new();
    env.write("repo/a.txt", &format!("{GH_TOKEN}\n"));
    let out = env
        .cmd()
        .env("PALISADE_DATABASE_URL", "postgres://nobody:pw@127.0.0.1:1/none")
        .args(["scan", env.path("repo").to_str().unwrap()])
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(stdout.contains("github.pat.classic"), "{stdout}");
    assert!(stderr.contains("error:"), "{stderr}");
    assert!(!stderr.contains(":pw@"), "password in message: {stderr}");
    assert_eq!(out.status.code(), Some(1));
}

#[test]
fn existing_store_data_survives_a_failed_scan() {
    let env = Env::new();
    env.write("repo/a.txt", &format!("{GH_TOKEN}\n"));
    assert_eq!(env.run(&["scan", env.path("repo").to_str().unwrap()]).code, 1);
    env.write("plain/x.txt", "x\n");
    assert_eq!(
        env.run(&["scan", "--history", env.path("plain").to_str().unwrap()])
            .code,
        2
    );
    let r = env.run(&["findings", "list", "--format", "json"]);
    let v: serde_json::Value = serde_json::from_str(&r.stdout).unwrap();
    assert_eq!(v.as_array().unwrap().len(), 1);
    let r = env.run(&["scans", "list", "--format", "json"]);
    let v: serde_json::Value = serde_json::from_str(&r.stdout).unwrap();
    assert_eq!(v[0]["status"], "failed");
    assert_eq!(v[1]["status"], "completed");
}

/// A 2 GB file (sparse, so the test costs no disk) is skipped by size
/// without being read, and counted.
#[test]
fn two_gigabyte_file_is_skipped_not_read() {
    let env = Env::new();
    env.write("repo/a.txt", &format!("{GH_TOKEN}\n"));
    let f = std::fs::File::create(env.path("repo/huge.log")).unwrap();
    f.set_len(2 << 30).unwrap();
    let (code, json) = env.scan_json(&["--no-store", env.path("repo").to_str().unwrap()]);
    assert_eq!(code, 1, "{json:#}");
    assert_eq!(json["scan"]["skipped_too_large"], 1);
    assert_eq!(json["scan"]["files"], 2);
}

/// A corrupt object fails alone: the error is listed, the other secrets in
/// history are still reported, and the exit code says findings.
#[test]
fn corrupt_git_object_fails_alone() {
    let env = Env::new();
    let repo = env.path("repo");
    std::fs::create_dir_all(&repo).unwrap();
    crate::git(&repo, &["init", "-q", "-b", "main"]);
    env.write("repo/good.txt", &format!("{GH_TOKEN}\n"));
    env.write("repo/victim.txt", "this blob will be corrupted\n");
    crate::git(&repo, &["add", "."]);
    crate::git(&repo, &["commit", "-q", "-m", "init"]);
    let out = std::process::Command::new("git")
        .current_dir(&repo)
        .args(["rev-parse", "HEAD:victim.txt"])
        .output()
        .unwrap();
    let id = String::from_utf8(out.stdout).unwrap().trim().to_owned();
    let obj = repo.join(".git/objects").join(&id[..2]).join(&id[2..]);
    let mut perms = std::fs::metadata(&obj).unwrap().permissions();
    #[allow(
        clippy::permissions_set_readonly_false,
        reason = "git makes objects read-only"
    )]
    perms.set_readonly(false);
    std::fs::set_permissions(&obj, perms).unwrap();
    std::fs::write(&obj, b"garbage, not zlib").unwrap();
    // Remove the working-tree copy so only the corrupt object holds that content.
    std::fs::remove_file(env.path("repo/victim.txt")).unwrap();
    let (code, json) = env.scan_json(&["--no-store", "--history", repo.to_str().unwrap()]);
    assert_eq!(code, 1, "{json:#}");
    assert_eq!(crate::rule_ids(&json), vec!["github.pat.classic"]);
    let errors = json["scan"]["errors"].as_array().unwrap();
    assert_eq!(errors.len(), 1, "{json:#}");
    assert!(errors[0]["subject"].as_str().unwrap().contains(&id), "{json:#}");
    assert_eq!(json["scan"]["status"], "completed-with-errors");
}
