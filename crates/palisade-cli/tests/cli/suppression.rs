use crate::{Env, GH_TOKEN, rule_ids};

fn sha256_hex(s: &str) -> String {
    let out = std::process::Command::new("sha256sum")
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .and_then(|mut c| {
            use std::io::Write;
            c.stdin.take().unwrap().write_all(s.as_bytes())?;
            c.wait_with_output()
        })
        .expect("sha256sum");
    String::from_utf8(out.stdout)
        .unwrap()
        .split_whitespace()
        .next()
        .unwrap()
        .to_owned()
}

#[test]
fn inline_comment_silences_one_line() {
    let env = Env::new();
    env.write("repo/a.py", &format!("A = \"{GH_TOKEN}\"  # palisade:ignore\n"));
    let (code, json) = env.scan_json(&["--no-store", env.path("repo").to_str().unwrap()]);
    assert_eq!(code, 0, "{json:#}");
    assert_eq!(json["scan"]["suppressed"], 1);
    env.write(
        "repo/a.py",
        &format!("A = \"{GH_TOKEN}\"  # palisade:ignore[aws.access-key-id]\n"),
    );
    let (code, _) = env.scan_json(&["--no-store", env.path("repo").to_str().unwrap()]);
    assert_eq!(code, 1, "an ignore naming another rule does not apply");
}

/// A fixture's fake key is silenced everywhere by its hash, without hiding a
/// different real key in the same folder.
#[test]
fn allowlist_by_secret_hash() {
    let env = Env::new();
    let other = concat!("ghp_", "Zz9Yy8Xx7Ww6Vv5Uu4Tt3Ss2Rr1Qq0PpOoNn");
    env.write("repo/fixtures/a.txt", &format!("{GH_TOKEN}\n"));
    env.write("repo/fixtures/b.txt", &format!("{other}\n"));
    env.write(
        "repo/palisade.toml",
        &format!("[allowlist]\nsecrets = [\"sha256:{}\"]\n", sha256_hex(GH_TOKEN)),
    );
    let (code, json) = env.scan_json(&["--no-store", env.path("repo").to_str().unwrap()]);
    assert_eq!(code, 1);
    let f = json["findings"].as_array().unwrap();
    assert_eq!(f.len(), 1, "{json:#}");
    assert_eq!(f[0]["locations"][0]["path"], "fixtures/b.txt");
    assert_eq!(json["scan"]["suppressed"], 1);
}

#[test]
fn config_excludes_paths_and_selects_rules() {
    let env = Env::new();
    env.write("repo/vendor/lib.js", &format!("{GH_TOKEN}\n"));
    env.write("repo/palisade.toml", "[scan]\nexclude = [\"vendor/**\"]\n");
    let (code, _) = env.scan_json(&["--no-store", env.path("repo").to_str().unwrap()]);
    assert_eq!(code, 0);
    env.write("repo/palisade.toml", "[rules]\ndisable = [\"github.*\"]\n");
    let (code, _) = env.scan_json(&["--no-store", env.path("repo").to_str().unwrap()]);
    assert_eq!(code, 0);
    env.write("repo/palisade.toml", "[rules]\nenable = [\"github.*\"]\n");
    let (code, json) = env.scan_json(&["--no-store", env.path("repo").to_str().unwrap()]);
    assert_eq!(code, 1);
    assert!(json["scan"]["rules_count"].as_u64().unwrap() < 20);
}

#[test]
fn baseline_round_trip() {
    let env = Env::new();
    env.write("repo/a.txt", &format!("{GH_TOKEN}\n"));
    let repo = env.path("repo");
    let baseline = env.path("baseline.json");
    let r = env.run(&[
        "scan",
        "--no-store",
        "--write-baseline",
        baseline.to_str().unwrap(),
        repo.to_str().unwrap(),
    ]);
    assert_eq!(r.code, 1, "{r:?}");
    let text = std::fs::read_to_string(&baseline).unwrap();
    assert!(!text.contains(GH_TOKEN), "baseline holds only hashes");
    assert!(text.contains("sha256:"));
    // The baselined secret moved to another line and file: still silenced.
    std::fs::remove_file(env.path("repo/a.txt")).unwrap();
    env.write("repo/b.txt", &format!("\n\nmoved {GH_TOKEN}\n"));
    let (code, json) = env.scan_json(&[
        "--no-store",
        "--baseline",
        baseline.to_str().unwrap(),
        repo.to_str().unwrap(),
    ]);
    assert_eq!(code, 0, "{json:#}");
    assert!(rule_ids(&json).is_empty());
    assert_eq!(json["scan"]["suppressed"], 1);
}
