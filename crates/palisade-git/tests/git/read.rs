use palisade_domain::BlobId;
use palisade_git::{BlobContent, GitError};

use crate::support::{TestRepo, blob, content_of, read_all};

#[test]
fn reads_exact_bytes() {
    let repo = TestRepo::new();
    let binary: Vec<u8> = (0..=255u8).cycle().take(70_000).collect();
    let big: Vec<u8> = b"0123456789abcdef\n".repeat(200_000); // 3.4 MB, larger than any pipe buffer
    let contents: Vec<&[u8]> = vec![b"", b"\n", b"no newline", b"crlf\r\n", &binary, &big];
    for (i, c) in contents.iter().enumerate() {
        repo.write(format!("f{i}"), c);
    }
    repo.commit("Ann", 1_700_000_000);
    let git = repo.open();

    let ids: Vec<BlobId> = git.history_blobs().unwrap().iter().map(|b| b.id).collect();
    assert_eq!(ids.len(), contents.len());
    let results = read_all(&git, &ids, u64::MAX);
    assert_eq!(results.len(), ids.len());
    for c in &contents {
        match content_of(&results, blob(c)) {
            BlobContent::Bytes(bytes) => {
                assert_eq!(bytes.as_slice(), *c);
                assert_eq!(BlobId::compute(bytes), blob(c));
            }
            other => panic!("{other:?}"),
        }
    }
}

#[test]
fn blobs_over_the_limit_are_not_read() {
    let repo = TestRepo::new();
    repo.write("small", b"small");
    repo.write("large", &[b'x'; 5000]);
    repo.write("exact", &[b'y'; 100]);
    repo.commit("Ann", 1_700_000_000);
    let git = repo.open();

    let ids = [blob(b"small"), blob(&[b'x'; 5000]), blob(&[b'y'; 100])];
    let results = read_all(&git, &ids, 100);
    assert!(matches!(content_of(&results, ids[0]), BlobContent::Bytes(b) if b == b"small"));
    assert!(matches!(
        content_of(&results, ids[1]),
        BlobContent::TooLarge(5000)
    ));
    assert!(matches!(content_of(&results, ids[2]), BlobContent::Bytes(b) if b.len() == 100));
}

#[test]
fn unknown_ids_are_missing_and_trees_are_not_blobs() {
    let repo = TestRepo::new();
    repo.write("a", b"a");
    repo.commit("Ann", 1_700_000_000);
    let git = repo.open();
    let tree = BlobId::from_hex(&repo.git(&["rev-parse", "HEAD^{tree}"])).unwrap();
    let unknown = blob(b"never stored");

    // Duplicates are reported once.
    let results = read_all(&git, &[unknown, tree, blob(b"a"), unknown, blob(b"a")], u64::MAX);
    assert_eq!(results.len(), 3);
    assert!(matches!(content_of(&results, unknown), BlobContent::Missing));
    assert!(matches!(
        content_of(&results, tree),
        BlobContent::Error(GitError::NotABlob { kind, .. }) if kind == "tree"
    ));
    assert!(matches!(content_of(&results, blob(b"a")), BlobContent::Bytes(b) if b == b"a"));
    assert!(read_all(&git, &[], 10).is_empty());
}

#[test]
fn many_blobs_stream_without_deadlock() {
    let repo = TestRepo::new();
    let contents: Vec<Vec<u8>> = (0..3000)
        .map(|i| format!("content {i}\n").repeat(i % 50 + 1).into_bytes())
        .collect();
    for (i, c) in contents.iter().enumerate() {
        repo.write(format!("d{}/f{i}", i % 17), c);
    }
    repo.commit("Ann", 1_700_000_000);
    let git = repo.open();

    let blobs = git.history_blobs().unwrap();
    assert_eq!(blobs.len(), contents.len());
    let ids: Vec<BlobId> = blobs.iter().map(|b| b.id).collect();
    let mut count = 0;
    git.read_blobs(&ids, u64::MAX, |id, content| {
        let BlobContent::Bytes(bytes) = content else {
            panic!("{id}: {content:?}")
        };
        assert_eq!(BlobId::compute(&bytes), id);
        count += 1;
    })
    .unwrap();
    assert_eq!(count, contents.len());
    for b in &blobs {
        assert!(b.size > 0);
    }
}

#[test]
fn tree_files_lists_regular_files_of_a_commit() {
    let repo = TestRepo::new();
    repo.write("a.txt", b"one\n");
    repo.write("dir/b c.tf", b"two\n");
    repo.write("dir/caf\u{e9}.json", b"{}\n");
    #[cfg(unix)]
    std::os::unix::fs::symlink("a.txt", repo.path.join("link")).unwrap();
    let first = repo.commit("Ann", 1_700_000_000);
    repo.write("a.txt", b"changed\n");
    repo.commit("Ann", 1_700_000_100);
    let git = repo.open();

    let files = git.tree_files(&first).unwrap().expect("a commit");
    let listed: Vec<(&str, BlobId, u64)> = files.iter().map(|f| (f.path.as_str(), f.id, f.size)).collect();
    assert_eq!(
        listed,
        [
            ("a.txt", blob(b"one\n"), 4),
            ("dir/b c.tf", blob(b"two\n"), 4),
            ("dir/caf\u{e9}.json", blob(b"{}\n"), 3),
        ],
        "symbolic links are not files"
    );
    let head = git.tree_files("HEAD").unwrap().expect("HEAD");
    assert_eq!(head[0].id, blob(b"changed\n"));
    assert!(git.tree_files("refs/heads/nope").unwrap().is_none());
    assert!(git.tree_files("--output=/tmp/x").unwrap().is_none());
}
