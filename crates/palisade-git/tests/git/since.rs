//! Incremental history: ref tips, and blobs not reachable from earlier tips.

use palisade_git::{GitError, Repo};

use crate::support::{TestRepo, blob};

fn contents(repo: &Repo, exclude: &[String]) -> Vec<String> {
    let mut found: Vec<String> = repo
        .history_blobs_since(exclude)
        .unwrap()
        .into_iter()
        .map(|b| b.path)
        .collect();
    found.sort();
    found
}

fn tip_ids(repo: &Repo) -> Vec<String> {
    repo.ref_tips().unwrap().into_iter().map(|(_, id)| id).collect()
}

#[test]
fn only_blobs_new_since_the_tips_are_listed() {
    let repo = TestRepo::new();
    repo.write("a.txt", b"a1");
    repo.commit("Ann", 1_700_000_000);
    repo.git(&["checkout", "-q", "-b", "side"]);
    repo.write("s.txt", b"s1");
    repo.commit("Ann", 1_700_000_050);
    repo.git(&["checkout", "-q", "main"]);
    let git = repo.open();
    let before = tip_ids(&git);
    assert_eq!(contents(&git, &before), Vec::<String>::new());
    assert_eq!(
        git.history_blobs_since(&[]).unwrap(),
        git.history_blobs().unwrap()
    );

    repo.write("a.txt", b"a2");
    repo.write("b.txt", b"b1");
    let c2 = repo.commit("Bob", 1_700_000_100);
    repo.git(&["checkout", "-q", "side"]);
    repo.write("s.txt", b"s2");
    repo.commit("Cat", 1_700_000_200);
    repo.git(&["checkout", "-q", "main"]);

    assert_eq!(contents(&git, &before), ["a.txt", "b.txt", "s.txt"]);
    let new = git.history_blobs_since(&before).unwrap();
    let b = new.iter().find(|b| b.id == blob(b"b1")).unwrap();
    assert_eq!(
        b.commit.as_ref().unwrap().id,
        c2,
        "credited to the commit that introduced it"
    );
    assert!(new.iter().all(|b| b.id != blob(b"a1") && b.id != blob(b"s1")));
    // Excluding the current tips leaves nothing.
    assert!(contents(&git, &tip_ids(&git)).is_empty());
}

#[test]
fn excluded_commits_that_are_gone_or_malformed_are_ignored() {
    let repo = TestRepo::new();
    repo.write("a.txt", b"first");
    repo.commit("Ann", 1_700_000_000);
    repo.write("b.txt", b"second");
    let rewritten = repo.commit("Ann", 1_700_000_100);
    // Force-push style rewrite: the old tip is amended away and collected.
    repo.write("b.txt", b"second, amended");
    repo.git(&["commit", "-q", "--amend", "-a", "-m", "amended"]);
    repo.git(&["reflog", "expire", "--expire=now", "--all"]);
    repo.git(&["gc", "-q", "--prune=now"]);
    let git = repo.open();
    assert!(!git.commit_exists(&rewritten).unwrap());

    let all = contents(&git, &[]);
    assert_eq!(all, ["a.txt", "b.txt"]);
    let unknown = "0123456789abcdef0123456789abcdef01234567".to_owned();
    for exclude in [
        vec![rewritten.clone()],
        vec![unknown.clone()],
        vec!["not-a-commit".to_owned(), "--all".to_owned(), String::new()],
        vec![rewritten, unknown, "HEAD".to_owned()],
    ] {
        assert_eq!(contents(&git, &exclude), all, "{exclude:?}");
    }
    // A tree or blob id is not a commit either.
    let tree = repo.git(&["rev-parse", "HEAD^{tree}"]);
    assert_eq!(contents(&git, &[tree]), all);
    // A tag id counts as the commit it points at.
    repo.git(&["tag", "-a", "-m", "t", "v1"]);
    let tag = repo.git(&["rev-parse", "v1"]);
    assert!(contents(&git, &[tag]).is_empty());
}

#[test]
fn ref_tips_lists_branches_and_tags_peeled_to_commits() {
    let repo = TestRepo::new();
    repo.write("a", b"a");
    let c1 = repo.commit("Ann", 1_700_000_000);
    repo.write("b", b"b");
    let c2 = repo.commit("Ann", 1_700_000_100);
    repo.git(&["branch", "old", &c1]);
    repo.git(&["tag", "light", &c1]);
    repo.git(&["tag", "-a", "-m", "annotated", "annotated", &c2]);
    repo.git(&["tag", "-a", "-m", "nested", "nested", "annotated"]);
    let loose = repo.git(&["rev-parse", "HEAD:a"]);
    repo.git(&["tag", "blob-tag", &loose]);
    repo.git(&["update-ref", "refs/custom/x", &c1]);
    repo.git(&["update-ref", "refs/pull/1/merge", &c1]);

    let tips = repo.open().ref_tips().unwrap();
    let expected: Vec<(String, String)> = [
        ("refs/heads/main", &c2),
        ("refs/heads/old", &c1),
        ("refs/tags/annotated", &c2),
        ("refs/tags/light", &c1),
        ("refs/tags/nested", &c2),
    ]
    .into_iter()
    .map(|(name, id)| (name.to_owned(), id.clone()))
    .collect();
    assert_eq!(tips, expected);
    assert!(TestRepo::new().open().ref_tips().unwrap().is_empty());
}

#[test]
fn commits_resolve_and_exist() {
    let repo = TestRepo::new();
    repo.write("a", b"a");
    let c1 = repo.commit("Ann", 1_700_000_000);
    let git = repo.open();
    assert!(git.commit_exists(&c1).unwrap());
    assert!(
        !git.commit_exists("0123456789abcdef0123456789abcdef01234567")
            .unwrap()
    );
    assert!(!git.commit_exists("HEAD").unwrap(), "only full ids");
    assert!(!git.commit_exists(&c1[..12]).unwrap(), "only full ids");
    assert!(
        !git.commit_exists(&repo.git(&["rev-parse", "HEAD^{tree}"]))
            .unwrap()
    );
    assert!(!git.commit_exists("--all").unwrap());

    assert_eq!(git.resolve_commit("main").unwrap(), Some(c1.clone()));
    assert_eq!(git.resolve_commit("refs/heads/main").unwrap(), Some(c1.clone()));
    assert_eq!(git.resolve_commit("nope").unwrap(), None);
    assert_eq!(git.resolve_commit("--output=/tmp/x").unwrap(), None);

    let info = git.commit_info("main").unwrap().unwrap();
    assert_eq!(info.id, c1);
    assert_eq!(info.author_name, "Ann");
    assert_eq!(info.author_email, "ann@example.com");
    assert_eq!(
        info.date,
        palisade_domain::Timestamp::from_unix_seconds(1_700_000_000)
    );
    assert_eq!(git.commit_info("nope").unwrap(), None);
    let _: Option<GitError> = None;
}
