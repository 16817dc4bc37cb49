//! `scan_repo`: history of a bare repository, in full or since earlier tips.

use palisade_git::Repo;
use palisade_scanner::{NoProgress, scan_history, scan_repo};

use crate::support::{KEY_A, KEY_B, KEY_C, Setup, TestRepo, finding, secrets};

#[test]
fn a_bare_repository_is_scanned_in_full_then_incrementally() {
    let setup = Setup::new();
    let work = TestRepo::new();
    work.write("config/aws.txt", &format!("aws_access_key_id = {KEY_A}\n"));
    let first = work.commit("Ann");
    work.git(&["checkout", "-q", "-b", "side"]);
    work.write("side.txt", &format!("key={KEY_B}\n"));
    work.commit("Bob");
    work.git(&["checkout", "-q", "main"]);
    let bare = Repo::open(&work.bare_clone()).unwrap();

    let full = scan_repo(&bare, &[], &setup.opts(), &NoProgress).unwrap();
    assert_eq!(secrets(&full.findings), [KEY_B, KEY_A]);
    assert_eq!(full.commit, Some(first.clone()), "HEAD, the default branch");
    let a = finding(&full.findings, KEY_A);
    assert_eq!(a.locations.len(), 1);
    assert_eq!(a.locations[0].path, "config/aws.txt");
    assert_eq!(a.locations[0].line, 1);
    assert_eq!(a.locations[0].commit.as_ref().unwrap().id, first);
    assert_eq!((full.files, full.blobs), (2, 2));
    assert!(full.errors.is_empty(), "{:?}", full.errors);

    // The same as a history scan of the bare repository (which has no working tree).
    let history = scan_history(bare.path(), &setup.opts(), &NoProgress).unwrap();
    assert_eq!(secrets(&history.findings), secrets(&full.findings));
    assert_eq!(
        (history.files, history.blobs, history.bytes),
        (full.files, full.blobs, full.bytes)
    );

    // Nothing new since the tips: nothing read.
    let tips: Vec<String> = bare.ref_tips().unwrap().into_iter().map(|(_, id)| id).collect();
    let nothing = scan_repo(&bare, &tips, &setup.opts(), &NoProgress).unwrap();
    assert!(nothing.findings.is_empty());
    assert_eq!((nothing.files, nothing.blobs, nothing.bytes), (0, 0, 0));

    // A new commit: only its blobs are read.
    work.write("later.txt", &format!("token {KEY_C}\n"));
    work.write(
        "config/aws.txt",
        &format!("aws_access_key_id = {KEY_A}\n# still here\n"),
    );
    let later = work.commit("Cat");
    let bare = Repo::open(&work.bare_clone()).unwrap();
    let since = scan_repo(&bare, &tips, &setup.opts(), &NoProgress).unwrap();
    assert_eq!(since.commit, Some(later.clone()));
    assert_eq!((since.files, since.blobs), (2, 2));
    // The modified file is a new blob, so its old secret is seen again, now
    // credited to the new commit; the side branch is not read again.
    assert_eq!(secrets(&since.findings), [KEY_A, KEY_C]);
    let c = finding(&since.findings, KEY_C);
    assert_eq!(c.locations[0].commit.as_ref().unwrap().id, later);

    // Tips that no longer exist (a rewritten history) mean a full scan.
    let gone = vec!["0123456789abcdef0123456789abcdef01234567".to_owned()];
    let again = scan_repo(&bare, &gone, &setup.opts(), &NoProgress).unwrap();
    assert_eq!(secrets(&again.findings), [KEY_B, KEY_A, KEY_C]);
}

#[test]
fn an_empty_repository_scans_to_nothing() {
    let setup = Setup::new();
    let work = TestRepo::new();
    let bare = Repo::open(&work.bare_clone()).unwrap();
    let out = scan_repo(&bare, &[], &setup.opts(), &NoProgress).unwrap();
    assert!(out.findings.is_empty());
    assert_eq!(out.commit, None);
    assert_eq!(out.files, 0);
}
