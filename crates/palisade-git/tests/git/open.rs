use palisade_git::{GitError, Repo, is_repository};

use crate::support::TestRepo;

#[test]
fn a_plain_folder_is_not_a_repository() {
    let dir = tempfile::tempdir().unwrap();
    let err = Repo::open(dir.path()).unwrap_err();
    assert!(matches!(err, GitError::NotARepository { .. }), "{err:?}");
    let message = err.to_string();
    assert!(message.contains("is not a git repository"), "{message}");
    assert!(!is_repository(dir.path()));
}

#[test]
fn a_missing_folder_or_a_file_is_not_a_repository() {
    let dir = tempfile::tempdir().unwrap();
    let missing = dir.path().join("nope");
    assert!(matches!(
        Repo::open(&missing),
        Err(GitError::NotARepository { .. })
    ));
    let file = dir.path().join("file");
    std::fs::write(&file, b"x").unwrap();
    assert!(matches!(Repo::open(&file), Err(GitError::NotARepository { .. })));
}

#[test]
fn a_repository_opens_from_an_odd_path() {
    let dir = tempfile::tempdir().unwrap();
    let odd = dir.path().join("spaced out 'quoted' ü");
    std::fs::create_dir(&odd).unwrap();
    crate::support::git_in(&odd, &["init".as_ref(), "-q".as_ref()]);
    assert!(is_repository(&odd));
    let repo = Repo::open(&odd).unwrap();
    assert!(repo.path().is_absolute());
    assert!(repo.history_blobs().unwrap().is_empty());
}

#[test]
fn a_subfolder_opens_its_repository() {
    let repo = TestRepo::new();
    repo.write("sub/a.txt", b"a");
    repo.commit("Ann", 1_700_000_000);
    let opened = Repo::open(&repo.path.join("sub")).unwrap();
    let blobs = opened.history_blobs().unwrap();
    assert_eq!(blobs.len(), 1);
    assert_eq!(
        blobs[0].path, "sub/a.txt",
        "paths are relative to the repository root"
    );
}
