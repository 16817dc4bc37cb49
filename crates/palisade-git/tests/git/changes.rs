//! What a change touches: merge bases, changed files and their added lines.

use std::fmt::Write as _;

use palisade_git::{ChangeStatus, ChangedFile, EMPTY_TREE, GitError};

use crate::support::{TestRepo, blob};

fn numbered(lines: std::ops::RangeInclusive<u32>) -> String {
    lines.fold(String::new(), |mut out, i| {
        let _ = writeln!(out, "line {i}");
        out
    })
}

fn file<'a>(files: &'a [ChangedFile], path: &str) -> &'a ChangedFile {
    files
        .iter()
        .find(|f| f.path == path)
        .unwrap_or_else(|| panic!("{path} not in {files:#?}"))
}

#[test]
fn merge_base_finds_the_fork_point() {
    let repo = TestRepo::new();
    repo.write("a", b"a");
    let fork = repo.commit("Ann", 1_700_000_000);
    repo.git(&["checkout", "-q", "-b", "feature"]);
    repo.write("f", b"f");
    let feature = repo.commit("Bob", 1_700_000_100);
    repo.git(&["checkout", "-q", "main"]);
    repo.write("m", b"m");
    repo.commit("Ann", 1_700_000_200);
    repo.git(&["checkout", "-q", "--orphan", "unrelated"]);
    repo.write("u", b"u");
    repo.commit("Cat", 1_700_000_300);
    let git = repo.open();

    assert_eq!(git.merge_base("main", "feature").unwrap(), Some(fork.clone()));
    assert_eq!(
        git.merge_base("refs/heads/feature", &feature).unwrap(),
        Some(feature)
    );
    assert_eq!(git.merge_base("main", "unrelated").unwrap(), None);
    let err = git.merge_base("main", "deleted-branch").unwrap_err();
    assert!(
        matches!(err, GitError::UnknownRevision { ref rev } if rev == "deleted-branch"),
        "{err:?}"
    );
}

#[test]
fn changed_files_lists_statuses_blobs_and_added_lines() {
    let repo = TestRepo::new();
    repo.write("modified.txt", numbered(1..=20).as_bytes());
    repo.write("deleted.txt", b"bye\n");
    let moved = numbered(100..=130);
    repo.write("old/name.txt", moved.as_bytes());
    repo.write("image.bin", b"\0\x01\x02binary");
    repo.write("mode.sh", b"echo\n");
    let base = repo.commit("Ann", 1_700_000_000);

    let mut modified: Vec<String> = numbered(1..=20).lines().map(str::to_owned).collect();
    modified[2] = "changed 3".into(); // line 3
    modified.insert(10, "inserted".into()); // new line 11
    modified.insert(11, "inserted too".into()); // new line 12
    modified.remove(17); // a pure deletion adds nothing
    let modified = modified.join("\n") + "\n";
    repo.write("modified.txt", modified.as_bytes());
    repo.remove("deleted.txt");
    repo.remove("old/name.txt");
    let moved_changed = moved.replace("line 125\n", "line 125, edited\n");
    repo.write("new/name.txt", moved_changed.as_bytes());
    repo.write("added.txt", b"one\ntwo\n");
    repo.write("image.bin", b"\0\x01\x02binary, changed");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt as _;
        std::fs::set_permissions(repo.path.join("mode.sh"), std::fs::Permissions::from_mode(0o755)).unwrap();
    }
    let head = repo.commit("Bob", 1_700_000_100);

    let files = repo.open().changed_files(&base, &head).unwrap();
    let paths: Vec<&str> = files.iter().map(|f| f.path.as_str()).collect();
    let mut expected = vec![
        "added.txt",
        "deleted.txt",
        "image.bin",
        "modified.txt",
        "new/name.txt",
    ];
    if cfg!(unix) {
        expected.insert(3, "mode.sh");
        let mode = file(&files, "mode.sh");
        assert_eq!(mode.status, ChangeStatus::Modified);
        assert!(mode.added_lines.is_empty(), "a mode change adds no lines");
    }
    assert_eq!(paths, expected);

    let m = file(&files, "modified.txt");
    assert_eq!(m.status, ChangeStatus::Modified);
    assert_eq!(m.blob, Some(blob(modified.as_bytes())));
    assert_eq!(m.added_lines, vec![3..=3, 11..=12]);
    assert!(m.is_added_line(12) && !m.is_added_line(13) && !m.is_added_line(1));

    let a = file(&files, "added.txt");
    assert_eq!(
        (a.status.clone(), a.added_lines.clone()),
        (ChangeStatus::Added, vec![1..=2])
    );

    let d = file(&files, "deleted.txt");
    assert_eq!(
        (d.status.clone(), d.blob, d.added_lines.is_empty()),
        (ChangeStatus::Deleted, None, true)
    );

    let r = file(&files, "new/name.txt");
    assert_eq!(
        r.status,
        ChangeStatus::Renamed {
            from: "old/name.txt".into()
        }
    );
    assert_eq!(
        r.added_lines,
        vec![26..=26],
        "only the edited line of the moved file"
    );
    assert_eq!(r.blob, Some(blob(moved_changed.as_bytes())));

    let bin = file(&files, "image.bin");
    assert_eq!(bin.status, ChangeStatus::Modified);
    assert!(bin.added_lines.is_empty(), "binary files have no line ranges");
    assert!(bin.blob.is_some());
}

#[test]
fn odd_paths_and_lines_that_look_like_diff_syntax_survive() {
    let repo = TestRepo::new();
    let names = [
        "with space.txt",
        "ünïcödé/文件.txt",
        "new\nline.txt",
        "quote\"d 'and' \\back.txt",
        "tab\there.txt",
        " leading",
    ];
    for name in names {
        repo.write(name, b"same\n");
    }
    let base = repo.commit("Ann", 1_700_000_000);
    let tricky = "same\n++ b/evil.txt\n@@ -1 +100,5 @@\ndiff --git a/x b/x\n-- \n";
    for name in names {
        repo.write(name, tricky.as_bytes());
    }
    let head = repo.commit("Bob", 1_700_000_100);

    let files = repo.open().changed_files(&base, &head).unwrap();
    assert_eq!(files.len(), names.len(), "{files:#?}");
    for name in names {
        assert_eq!(file(&files, name).added_lines, vec![2..=5], "{name:?}");
    }
}

#[test]
fn the_empty_tree_as_base_adds_everything_and_submodules_are_skipped() {
    let repo = TestRepo::new();
    repo.write("a.txt", b"1\n2\n3\n");
    repo.write("empty.txt", b"");
    repo.git(&["add", "-A"]);
    repo.git(&[
        "update-index",
        "--add",
        "--cacheinfo",
        "160000,1234567890123456789012345678901234567890,vendor/lib",
    ]);
    let head = repo.commit("Ann", 1_700_000_000);
    let git = repo.open();

    let files = git.changed_files(EMPTY_TREE, &head).unwrap();
    let paths: Vec<&str> = files.iter().map(|f| f.path.as_str()).collect();
    assert_eq!(paths, ["a.txt", "empty.txt"]);
    assert_eq!(file(&files, "a.txt").added_lines, vec![1..=3]);
    assert!(file(&files, "empty.txt").added_lines.is_empty());
    assert!(git.changed_files(&head, &head).unwrap().is_empty());
    assert!(matches!(
        git.changed_files("nope", &head),
        Err(GitError::UnknownRevision { .. })
    ));
}

#[test]
fn the_fuzz_seeds_parse() {
    let seeds = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fuzz/seeds/diff_hunks");
    let read = |name: &str| std::fs::read(seeds.join(name)).unwrap();

    let mixed = palisade_git::parse_added_lines(&read("mixed.patch")).unwrap();
    let got: Vec<(String, Vec<std::ops::RangeInclusive<u32>>)> = mixed
        .into_iter()
        .map(|(path, ranges)| (String::from_utf8(path).unwrap(), ranges))
        .collect();
    let tricky = vec![2..=4];
    assert_eq!(
        got,
        vec![
            ("mod.txt".to_owned(), vec![3..=3, 11..=12, 32..=32]),
            ("new.txt".to_owned(), vec![26..=26]),
            ("tab\there".to_owned(), tricky.clone()),
            ("with space.txt".to_owned(), tricky.clone()),
            ("ünï \"q\".txt".to_owned(), tricky),
        ]
    );
    let from_empty = palisade_git::parse_added_lines(&read("from_empty_tree.patch")).unwrap();
    assert_eq!(from_empty.len(), 6, "every text file added");
}
