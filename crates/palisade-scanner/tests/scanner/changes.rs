//! `scan_changes`: only the lines a change adds.

use palisade_git::{GitError, Repo};
use palisade_scanner::{NoProgress, ScanFailure, scan_changes};

use crate::support::{KEY_A, KEY_B, KEY_C, KEY_D, Setup, TestRepo, finding, secrets};

/// `main` holds `KEY_A` on line 2 of `app.cfg`; `feature` (forked from it)
/// adds `KEY_B` to `app.cfg` and `KEY_C` in a new file, and copies `KEY_A`
/// into `copy.cfg`; after the fork `main` gains `KEY_D`.
fn pull_request() -> (TestRepo, String) {
    let work = TestRepo::new();
    work.write(
        "app.cfg",
        &format!("name = app\naws_access_key_id = {KEY_A}\nport = 80\n"),
    );
    work.write("moved/old.cfg", &format!("key = {KEY_A}\n"));
    work.commit("Ann");
    work.git(&["checkout", "-q", "-b", "feature"]);
    work.write(
        "app.cfg",
        &format!("name = app\naws_access_key_id = {KEY_A}\nport = 8080\nbackup = {KEY_B}\n"),
    );
    work.write("new/creds.txt", &format!("first line\ntoken {KEY_C}\n"));
    work.write("copy.cfg", &format!("again = {KEY_A}\n"));
    std::fs::remove_file(work.path.join("moved/old.cfg")).unwrap();
    work.write("moved/new.cfg", &format!("key = {KEY_A}\n"));
    let head = work.commit("Bob");
    work.git(&["checkout", "-q", "main"]);
    work.write("main-only.txt", &format!("k = {KEY_D}\n"));
    work.commit("Cat");
    (work, head)
}

#[test]
fn only_secrets_on_added_lines_are_reported() {
    let setup = Setup::new();
    let (work, head) = pull_request();
    let bare = Repo::open(&work.bare_clone()).unwrap();

    let out = scan_changes(
        &bare,
        "refs/heads/main",
        "refs/heads/feature",
        &setup.opts(),
        &NoProgress,
    )
    .unwrap();
    assert_eq!(out.commit, Some(head.clone()));
    assert!(out.errors.is_empty(), "{:?}", out.errors);
    // KEY_D is on main only; KEY_A stays on an unchanged line of app.cfg and
    // in a renamed file, but is added to copy.cfg.
    assert_eq!(secrets(&out.findings), [KEY_B, KEY_A, KEY_C]);

    let a = finding(&out.findings, KEY_A);
    let paths: Vec<(&str, u32)> = a.locations.iter().map(|l| (l.path.as_str(), l.line)).collect();
    assert_eq!(
        paths,
        [("copy.cfg", 1)],
        "the unchanged line and the pure rename are not reported"
    );

    let b = finding(&out.findings, KEY_B);
    assert_eq!(
        (b.locations[0].path.as_str(), b.locations[0].line),
        ("app.cfg", 4)
    );
    let commit = b.locations[0].commit.as_ref().unwrap();
    assert_eq!(commit.id, head);
    assert_eq!(commit.author_name, "Bob");

    let c = finding(&out.findings, KEY_C);
    assert_eq!(
        (c.locations[0].path.as_str(), c.locations[0].line),
        ("new/creds.txt", 2)
    );

    // app.cfg, new/creds.txt, copy.cfg: the pure rename adds no line and is not read.
    assert_eq!((out.files, out.blobs), (3, 3));
    assert!(out.bytes > 0);
}

#[test]
fn a_secret_only_on_unchanged_lines_of_a_modified_file_is_not_reported() {
    let setup = Setup::new();
    let work = TestRepo::new();
    work.write(
        "settings.ini",
        &format!("[aws]\naws_access_key_id = {KEY_A}\nregion = eu\n"),
    );
    let base = work.commit("Ann");
    work.write(
        "settings.ini",
        &format!("[aws]\naws_access_key_id = {KEY_A}\nregion = us\n"),
    );
    let head = work.commit("Bob");
    let repo = Repo::open(&work.path).unwrap();

    let out = scan_changes(&repo, &base, &head, &setup.opts(), &NoProgress).unwrap();
    assert!(out.findings.is_empty(), "{:#?}", out.findings);
    assert_eq!(out.suppressed, 0, "filtered lines are not suppressions");
    assert_eq!((out.files, out.blobs), (1, 1), "the file was read");
}

#[test]
fn the_same_change_from_either_end_and_unknown_branches() {
    let setup = Setup::new();
    let (work, _) = pull_request();
    let repo = Repo::open(&work.path).unwrap();
    // Reversed, the pull request is main's new file against the fork point.
    let reversed = scan_changes(&repo, "feature", "main", &setup.opts(), &NoProgress).unwrap();
    assert_eq!(secrets(&reversed.findings), [KEY_D]);

    let err = scan_changes(&repo, "main", "gone", &setup.opts(), &NoProgress).unwrap_err();
    assert!(
        matches!(err, ScanFailure::Git(GitError::UnknownRevision { .. })),
        "{err:?}"
    );
    let err = scan_changes(&repo, "gone", "main", &setup.opts(), &NoProgress).unwrap_err();
    assert!(
        matches!(err, ScanFailure::Git(GitError::UnknownRevision { .. })),
        "{err:?}"
    );
}

#[test]
fn unrelated_histories_count_every_head_file_as_added() {
    let setup = Setup::new();
    let work = TestRepo::new();
    work.write("a.txt", "nothing\n");
    work.commit("Ann");
    work.git(&["checkout", "-q", "--orphan", "other"]);
    work.git(&["rm", "-q", "-r", "--cached", "."]);
    std::fs::remove_file(work.path.join("a.txt")).unwrap();
    work.write("b.txt", &format!("x\ny = {KEY_B}\n"));
    work.commit("Bob");
    let repo = Repo::open(&work.path).unwrap();
    let out = scan_changes(&repo, "main", "other", &setup.opts(), &NoProgress).unwrap();
    assert_eq!(secrets(&out.findings), [KEY_B]);
    assert_eq!(out.findings[0].locations[0].line, 2);
}
