use palisade_domain::Timestamp;
use palisade_git::HistoryBlob;

use crate::support::{TestRepo, blob};

fn find<'a>(blobs: &'a [HistoryBlob], content: &[u8]) -> &'a HistoryBlob {
    let id = blob(content);
    let mut found = blobs.iter().filter(|b| b.id == id);
    let b = found.next().unwrap_or_else(|| panic!("{id} not listed"));
    assert!(found.next().is_none(), "{id} listed twice");
    b
}

#[test]
fn provenance_is_the_commit_that_introduced_the_blob() {
    let repo = TestRepo::new();
    repo.write("readme.md", b"v1\n");
    let c1 = repo.commit("Ann", 1_700_000_000);
    repo.write("config/secret.env", b"TOKEN=abc\n");
    let c2 = repo.commit("Bob", 1_700_000_100);
    repo.write("readme.md", b"v2\n");
    let c3 = repo.commit("Cat", 1_700_000_200);
    repo.commit("Dan", 1_700_000_300); // empty commit

    let blobs = repo.open().history_blobs().unwrap();
    assert_eq!(blobs.len(), 3);

    let secret = find(&blobs, b"TOKEN=abc\n");
    assert_eq!(secret.path, "config/secret.env");
    assert_eq!(secret.size, 10);
    let commit = secret.commit.as_ref().unwrap();
    assert_eq!(commit.id, c2);
    assert_eq!(commit.author_name, "Bob");
    assert_eq!(commit.author_email, "bob@example.com");
    assert_eq!(commit.date, Timestamp::from_unix_seconds(1_700_000_100));

    assert_eq!(find(&blobs, b"v1\n").commit.as_ref().unwrap().id, c1);
    assert_eq!(find(&blobs, b"v2\n").commit.as_ref().unwrap().id, c3);
    // Sorted by commit order.
    let order: Vec<_> = blobs
        .iter()
        .map(|b| b.commit.as_ref().unwrap().id.clone())
        .collect();
    assert_eq!(order, [c1, c2, c3]);
}

#[test]
fn deleted_blobs_are_still_found() {
    let repo = TestRepo::new();
    repo.write("keep.txt", b"keep");
    repo.write("leak.txt", b"password=hunter2");
    let c1 = repo.commit("Ann", 1_700_000_000);
    repo.remove("leak.txt");
    repo.commit("Ann", 1_700_000_100);

    let blobs = repo.open().history_blobs().unwrap();
    let leak = find(&blobs, b"password=hunter2");
    assert_eq!(leak.path, "leak.txt");
    assert_eq!(leak.commit.as_ref().unwrap().id, c1);
}

#[test]
fn blobs_on_side_branches_tags_and_other_refs_are_found() {
    let repo = TestRepo::new();
    repo.write("main.txt", b"main");
    repo.commit("Ann", 1_700_000_000);

    repo.git(&["checkout", "-q", "-b", "side"]);
    repo.write("side.txt", b"only on side");
    let side = repo.commit("Bob", 1_700_000_100);
    repo.git(&["checkout", "-q", "main"]);

    // A commit reachable only from an annotated tag.
    repo.git(&["checkout", "-q", "--detach"]);
    repo.write("tagged.txt", b"only on a tag");
    let tagged = repo.commit("Cat", 1_700_000_200);
    repo.git(&["tag", "-a", "-m", "release", "v1", &tagged]);
    // A commit reachable only from a custom ref.
    repo.write("custom.txt", b"only on a custom ref");
    let custom = repo.commit("Dan", 1_700_000_300);
    repo.git(&["update-ref", "refs/custom/thing", &custom]);
    repo.git(&["checkout", "-q", "main"]);
    // A blob that only a tag points at.
    let loose = repo.git(&["hash-object", "-w", "--stdin"]);
    repo.git(&["tag", "blob-tag", &loose]);

    let blobs = repo.open().history_blobs().unwrap();
    assert_eq!(find(&blobs, b"only on side").commit.as_ref().unwrap().id, side);
    assert_eq!(find(&blobs, b"only on a tag").commit.as_ref().unwrap().id, tagged);
    assert_eq!(
        find(&blobs, b"only on a custom ref").commit.as_ref().unwrap().id,
        custom
    );
    let tag_only = find(&blobs, b"");
    assert_eq!(tag_only.id.to_hex(), loose);
    assert_eq!(tag_only.commit, None);
    assert_eq!(
        blobs.last().unwrap().id,
        tag_only.id,
        "commit-less blobs sort last"
    );
}

#[test]
fn merged_side_branch_blob_is_credited_to_the_side_commit() {
    let repo = TestRepo::new();
    repo.write("a.txt", b"a");
    repo.commit("Ann", 1_700_000_000);
    repo.git(&["checkout", "-q", "-b", "side"]);
    repo.write("s.txt", b"side content");
    let side = repo.commit("Bob", 1_700_000_100);
    repo.git(&["checkout", "-q", "main"]);
    repo.write("m.txt", b"main content");
    repo.commit("Ann", 1_700_000_200);
    repo.git(&["merge", "-q", "--no-edit", "side"]);
    repo.git(&["branch", "-D", "side"]);

    let blobs = repo.open().history_blobs().unwrap();
    assert_eq!(blobs.len(), 3);
    assert_eq!(find(&blobs, b"side content").commit.as_ref().unwrap().id, side);
}

#[test]
fn same_content_at_two_paths_is_one_blob() {
    let repo = TestRepo::new();
    repo.write("b/copy.txt", b"same");
    repo.write("a/orig.txt", b"same");
    repo.commit("Ann", 1_700_000_000);
    repo.write("later/third.txt", b"same");
    repo.commit("Ann", 1_700_000_100);

    let blobs = repo.open().history_blobs().unwrap();
    assert_eq!(blobs.len(), 1);
    assert_eq!(blobs[0].path, "a/orig.txt");
}

#[test]
fn odd_paths_survive() {
    let repo = TestRepo::new();
    let names: [(&str, &[u8]); 5] = [
        ("with space.txt", b"1"),
        ("ünïcödé/文件.txt", b"2"),
        ("new\nline.txt", b"3"),
        ("quote\"d 'and' \\back.txt", b"4"),
        (" leading and trailing ", b"5"),
    ];
    for (name, content) in names {
        repo.write(name, content);
    }
    #[cfg(unix)]
    {
        use std::os::unix::ffi::OsStrExt;
        repo.write(std::ffi::OsStr::from_bytes(b"latin1-\xe9.txt"), b"6");
    }
    repo.commit("Ann", 1_700_000_000);

    let blobs = repo.open().history_blobs().unwrap();
    for (name, content) in names {
        assert_eq!(find(&blobs, content).path, name);
    }
    #[cfg(unix)]
    assert_eq!(find(&blobs, b"6").path, "latin1-\u{fffd}.txt");
}

#[test]
fn submodule_entries_are_skipped() {
    let repo = TestRepo::new();
    repo.write("a.txt", b"a");
    repo.git(&["add", "a.txt"]);
    repo.git(&[
        "update-index",
        "--add",
        "--cacheinfo",
        "160000,1234567890123456789012345678901234567890,vendor/lib",
    ]);
    repo.commit("Ann", 1_700_000_000);

    let blobs = repo.open().history_blobs().unwrap();
    assert_eq!(blobs.len(), 1);
    assert_eq!(blobs[0].path, "a.txt");
}

#[test]
fn empty_repository_has_no_blobs_and_no_head() {
    let repo = TestRepo::new();
    let opened = repo.open();
    assert_eq!(opened.head_commit().unwrap(), None);
    assert!(opened.history_blobs().unwrap().is_empty());
}

#[test]
fn head_commit_is_the_tip() {
    let repo = TestRepo::new();
    repo.write("a", b"a");
    let c1 = repo.commit("Ann", 1_700_000_000);
    assert_eq!(repo.open().head_commit().unwrap(), Some(c1));
}

#[test]
fn shallow_clone_credits_the_boundary_commit() {
    let repo = TestRepo::new();
    repo.write("old.txt", b"old");
    repo.commit("Ann", 1_700_000_000);
    repo.write("new.txt", b"new");
    let tip = repo.commit("Bob", 1_700_000_100);

    let shallow = palisade_git::Repo::open(&repo.shallow_clone()).unwrap();
    let blobs = shallow.history_blobs().unwrap();
    assert_eq!(blobs.len(), 2);
    for b in &blobs {
        assert_eq!(b.commit.as_ref().unwrap().id, tip);
    }
}

#[test]
fn bare_repository_works() {
    let repo = TestRepo::new();
    repo.write("a.txt", b"bare content");
    let c1 = repo.commit("Ann", 1_700_000_000);

    let bare = palisade_git::Repo::open(&repo.bare_clone()).unwrap();
    assert_eq!(bare.head_commit().unwrap(), Some(c1.clone()));
    let blobs = bare.history_blobs().unwrap();
    assert_eq!(find(&blobs, b"bare content").commit.as_ref().unwrap().id, c1);
}
