//! What a change between two trees touched: files from `git diff-tree --raw
//! -z`, and the lines each one adds from `git diff-tree -p -U0`.
//!
//! The two outputs are joined by the new path. Raw output is NUL-separated
//! and never quoted; patch headers are C-quoted when a path needs it, so
//! [`parse_added_lines`] unquotes them to the same bytes.

use std::collections::HashMap;
use std::ops::RangeInclusive;

use palisade_domain::BlobId;

/// How a file changed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ChangeStatus {
    Added,
    /// Content, mode or type changed in place.
    Modified,
    Deleted,
    /// Moved from `from` (rename detection, `-M`), maybe with changes.
    Renamed {
        from: String,
    },
}

/// One file a change touched.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChangedFile {
    /// The path on the head side (the old path for a deletion), `/`-separated,
    /// relative to the repository root, invalid UTF-8 replaced by U+FFFD.
    pub path: String,
    /// The blob on the head side; `None` when the file was deleted.
    pub blob: Option<BlobId>,
    /// 1-based lines of the head version that the change adds or modifies,
    /// sorted, disjoint and not adjacent. Empty for deletions, pure renames,
    /// mode changes and binary files.
    pub added_lines: Vec<RangeInclusive<u32>>,
    pub status: ChangeStatus,
}

impl ChangedFile {
    /// True when `line` (1-based, head version) is one the change adds.
    pub fn is_added_line(&self, line: u32) -> bool {
        let i = self.added_lines.partition_point(|r| *r.end() < line);
        self.added_lines.get(i).is_some_and(|r| r.contains(&line))
    }
}

/// The `git diff-tree` arguments shared by the raw and the patch run, so both
/// see the same renames. Plumbing, so `diff.*` settings (external drivers,
/// prefixes, context) do not apply; the rest is pinned explicitly.
pub(crate) const DIFF_ARGS: &[&str] = &[
    "diff-tree",
    "-r",
    "-M",
    "--no-commit-id",
    "--no-abbrev",
    "--no-ext-diff",
    "--no-textconv",
    "--no-color",
    "--no-relative",
];

/// Extra arguments of the patch run.
pub(crate) const PATCH_ARGS: &[&str] = &[
    "-p",
    "-U0",
    "--inter-hunk-context=0",
    "--src-prefix=a/",
    "--dst-prefix=b/",
];

/// One entry of `--raw -z` output.
#[derive(Debug)]
pub(crate) struct RawEntry {
    pub(crate) status: ChangeStatus,
    pub(crate) path: Vec<u8>,
    pub(crate) blob: Option<BlobId>,
}

fn is_hex40(bytes: &[u8]) -> bool {
    bytes.len() == 40 && bytes.iter().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'))
}

fn shown(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).chars().take(80).collect()
}

/// Parses `git diff-tree -r -M --raw -z --no-abbrev` output. Submodule entries
/// (mode 160000 on both sides, or on the remaining side) are left out: they
/// are commits, not files.
pub(crate) fn parse_raw(out: &[u8]) -> Result<Vec<RawEntry>, String> {
    let mut tokens = out.split(|&b| b == 0);
    let mut entries = Vec::new();
    while let Some(meta) = tokens.next() {
        if meta.is_empty() {
            continue; // the empty token after the final NUL
        }
        let Some(meta) = meta.strip_prefix(b":") else {
            return Err(format!("expected a raw diff line, got {:?}", shown(meta)));
        };
        let fields: Vec<&[u8]> = meta.split(|&b| b == b' ').collect();
        let [old_mode, new_mode, _old_id, new_id, status] = fields[..] else {
            return Err(format!("expected a raw diff line, got {:?}", shown(meta)));
        };
        let Some(&letter) = status.first() else {
            return Err(format!("expected a change status, got {:?}", shown(meta)));
        };
        if !is_hex40(new_id) {
            return Err(format!("expected an object id, got {:?}", shown(new_id)));
        }
        let mut next_path = || {
            tokens
                .next()
                .filter(|p| !p.is_empty())
                .ok_or_else(|| format!("the output ends before the path of {:?}", shown(meta)))
        };
        let mut path = next_path()?;
        let mut from = None;
        if matches!(letter, b'R' | b'C') {
            from = Some(path);
            path = next_path()?;
        }
        let gitlink = |mode: &[u8]| mode == b"160000";
        let remaining_mode = if letter == b'D' { old_mode } else { new_mode };
        if gitlink(remaining_mode) {
            continue;
        }
        let blob = if letter == b'D' {
            None
        } else {
            // `is_hex40` checked the bytes, so both conversions succeed.
            std::str::from_utf8(new_id)
                .ok()
                .and_then(|hex| BlobId::from_hex(hex).ok())
        };
        let status = match letter {
            b'A' | b'C' => ChangeStatus::Added,
            b'D' => ChangeStatus::Deleted,
            b'R' => ChangeStatus::Renamed {
                from: String::from_utf8_lossy(from.unwrap_or_default()).into_owned(),
            },
            b'M' | b'T' => ChangeStatus::Modified,
            _ => return Err(format!("unknown change status {:?}", shown(status))),
        };
        entries.push(RawEntry {
            status,
            path: path.to_vec(),
            blob,
        });
    }
    Ok(entries)
}

/// Added-line ranges of one file, as [`parse_added_lines`] returns them.
pub type AddedLines = (Vec<u8>, Vec<RangeInclusive<u32>>);

/// Parses `git diff -U0` (or `diff-tree -p -U0`) output, with the default
/// `a/` and `b/` prefixes: for each file with hunks on the new side, its new
/// path (unquoted bytes, prefix removed) and the new-side line ranges the
/// hunks add, merged and sorted. A path may appear twice (a type change is
/// printed as a deletion and an addition).
///
/// Hunk bodies are counted against their headers, so an added line that
/// reads like a header (`+++ b/x`, `@@ ...`, `diff --git`) is never taken
/// for one. Errors describe the first line that does not fit; nothing
/// panics, whatever the input. Public for the fuzz target.
#[doc(hidden)]
pub fn parse_added_lines(patch: &[u8]) -> Result<Vec<AddedLines>, String> {
    let mut files: Vec<AddedLines> = Vec::new();
    // The current file: its new path (`None` after `+++ /dev/null`, or
    // before any `+++`) and whether a `+++` line was seen.
    let mut new_path: Option<Vec<u8>> = None;
    let mut seen_new_side = false;
    let mut ranges: Vec<RangeInclusive<u32>> = Vec::new();
    // Body lines still expected in the current hunk: (old side, new side).
    let mut pending = (0u64, 0u64);
    let mut in_file = false;

    let flush =
        |files: &mut Vec<AddedLines>, path: &mut Option<Vec<u8>>, ranges: &mut Vec<RangeInclusive<u32>>| {
            if let Some(p) = path.take()
                && !ranges.is_empty()
            {
                files.push((p, normalize(std::mem::take(ranges))));
            }
            ranges.clear();
        };

    let mut lines = patch.split(|&b| b == b'\n').enumerate().peekable();
    while let Some((number, line)) = lines.next() {
        if line.is_empty() && lines.peek().is_none() {
            break; // after the final newline
        }
        let at = || format!("line {}: {:?}", number + 1, shown(line));
        if pending != (0, 0) {
            match line.first() {
                Some(b'-') if pending.0 > 0 => pending.0 -= 1,
                Some(b'+') if pending.1 > 0 => pending.1 -= 1,
                Some(b' ') if pending.0 > 0 && pending.1 > 0 => {
                    pending.0 -= 1;
                    pending.1 -= 1;
                }
                Some(b'\\') => {}
                _ => return Err(format!("hunk shorter than its header says at {}", at())),
            }
            continue;
        }
        if line.starts_with(b"diff --git ") {
            flush(&mut files, &mut new_path, &mut ranges);
            in_file = true;
            seen_new_side = false;
        } else if line.first() == Some(&b'\\') {
            // "\ No newline at end of file" after a hunk's last line.
        } else if !in_file {
            // Anything before the first file header is not ours to judge.
        } else if let Some(rest) = line.strip_prefix(b"+++ ") {
            if seen_new_side {
                return Err(format!("second new-side header at {}", at()));
            }
            seen_new_side = true;
            new_path = new_side_path(rest).map_err(|e| format!("{e} at {}", at()))?;
        } else if line.starts_with(b"@@ ") {
            if !seen_new_side {
                return Err(format!("hunk before the file's +++ line at {}", at()));
            }
            let hunk = parse_hunk_header(line).ok_or_else(|| format!("bad hunk header at {}", at()))?;
            if let Some(added) = hunk.added {
                ranges.push(added);
            }
            pending = (u64::from(hunk.old_len), u64::from(hunk.new_len));
        } else if seen_new_side {
            // After the +++ line only hunks (and their bodies) may follow.
            return Err(format!("unexpected line in a file's hunks at {}", at()));
        }
        // Other extended header lines (index, mode, rename, similarity,
        // `---`, "Binary files ... differ") say nothing about added lines.
    }
    if pending != (0, 0) {
        return Err("the output ends inside a hunk".to_owned());
    }
    flush(&mut files, &mut new_path, &mut ranges);
    Ok(files)
}

/// The path of a `+++ ` line: `None` for `/dev/null`, else unquoted and
/// without its `b/` prefix. A name containing a space is followed by a tab,
/// which git adds for patch tools; a tab in a name is always quoted, so a
/// raw trailing tab is never part of the name.
fn new_side_path(rest: &[u8]) -> Result<Option<Vec<u8>>, String> {
    if rest == b"/dev/null" {
        return Ok(None);
    }
    let rest = rest.strip_suffix(b"\t").unwrap_or(rest);
    let name = if rest.first() == Some(&b'"') {
        unquote(rest)?
    } else {
        rest.to_vec()
    };
    match name.strip_prefix(b"b/") {
        Some(path) if !path.is_empty() => Ok(Some(path.to_vec())),
        _ => Err("new-side path without the b/ prefix".to_owned()),
    }
}

/// Undoes git's C-style quoting of a path: `"..."` with `\a \b \t \n \v \f
/// \r \" \\` and three-digit octal escapes. The closing quote must end the input.
fn unquote(quoted: &[u8]) -> Result<Vec<u8>, String> {
    let bad = || "badly quoted path".to_owned();
    let inner = quoted.strip_prefix(b"\"").ok_or_else(bad)?;
    let mut out = Vec::with_capacity(inner.len());
    let mut bytes = inner.iter().copied();
    loop {
        match bytes.next().ok_or_else(bad)? {
            b'"' => {
                return if bytes.next().is_none() {
                    Ok(out)
                } else {
                    Err(bad())
                };
            }
            b'\\' => {
                let escaped = bytes.next().ok_or_else(bad)?;
                out.push(match escaped {
                    b'a' => 0x07,
                    b'b' => 0x08,
                    b't' => b'\t',
                    b'n' => b'\n',
                    b'v' => 0x0b,
                    b'f' => 0x0c,
                    b'r' => b'\r',
                    b'"' => b'"',
                    b'\\' => b'\\',
                    d @ b'0'..=b'3' => {
                        let mut value = u32::from(d - b'0');
                        for _ in 0..2 {
                            let digit = bytes
                                .next()
                                .filter(|b| matches!(b, b'0'..=b'7'))
                                .ok_or_else(bad)?;
                            value = value * 8 + u32::from(digit - b'0');
                        }
                        u8::try_from(value).map_err(|_| bad())?
                    }
                    _ => return Err(bad()),
                });
            }
            byte => out.push(byte),
        }
    }
}

struct Hunk {
    old_len: u32,
    new_len: u32,
    added: Option<RangeInclusive<u32>>,
}

/// `@@ -<start>[,<len>] +<start>[,<len>] @@[ context]`.
fn parse_hunk_header(line: &[u8]) -> Option<Hunk> {
    let rest = line.strip_prefix(b"@@ -")?;
    let end = rest.windows(3).position(|w| w == b" @@")?;
    let ranges = std::str::from_utf8(&rest[..end]).ok()?;
    let (old, new) = ranges.split_once(" +")?;
    let (_, old_len) = parse_range(old)?;
    let (new_start, new_len) = parse_range(new)?;
    let added = if new_len == 0 {
        None
    } else {
        // A non-empty new side starts at line 1 or later.
        if new_start == 0 {
            return None;
        }
        Some(new_start..=new_start.checked_add(new_len - 1)?)
    };
    Some(Hunk {
        old_len,
        new_len,
        added,
    })
}

/// `<start>[,<len>]`, the length defaulting to 1.
fn parse_range(text: &str) -> Option<(u32, u32)> {
    let number = |s: &str| {
        if s.is_empty() || !s.bytes().all(|b| b.is_ascii_digit()) {
            None
        } else {
            s.parse::<u32>().ok()
        }
    };
    match text.split_once(',') {
        Some((start, len)) => Some((number(start)?, number(len)?)),
        None => Some((number(text)?, 1)),
    }
}

/// Sorts ranges and merges overlapping and adjacent ones.
fn normalize(mut ranges: Vec<RangeInclusive<u32>>) -> Vec<RangeInclusive<u32>> {
    ranges.sort_by_key(|r| (*r.start(), *r.end()));
    let mut out: Vec<RangeInclusive<u32>> = Vec::with_capacity(ranges.len());
    for r in ranges {
        if let Some(last) = out.last_mut()
            && *r.start() <= last.end().saturating_add(1)
        {
            if r.end() > last.end() {
                *last = *last.start()..=*r.end();
            }
            continue;
        }
        out.push(r);
    }
    out
}

/// Joins raw entries with the added lines of the patch, by new path.
pub(crate) fn join(raw: Vec<RawEntry>, added: Vec<AddedLines>) -> Vec<ChangedFile> {
    let mut by_path: HashMap<Vec<u8>, Vec<RangeInclusive<u32>>> = HashMap::new();
    for (path, ranges) in added {
        by_path.entry(path).or_default().extend(ranges);
    }
    raw.into_iter()
        .map(|entry| {
            let added_lines = if entry.status == ChangeStatus::Deleted {
                Vec::new()
            } else {
                by_path.remove(&entry.path).map(normalize).unwrap_or_default()
            };
            ChangedFile {
                path: String::from_utf8_lossy(&entry.path).into_owned(),
                blob: entry.blob,
                added_lines,
                status: entry.status,
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    const Z: &str = "0000000000000000000000000000000000000000";
    const B1: &str = "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa";
    const B2: &str = "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb";

    fn files(patch: &str) -> Vec<(String, Vec<RangeInclusive<u32>>)> {
        parse_added_lines(patch.as_bytes())
            .unwrap()
            .into_iter()
            .map(|(p, r)| (String::from_utf8(p).unwrap(), r))
            .collect()
    }

    #[test]
    fn hunks_give_added_ranges() {
        let patch = "\
diff --git a/src/a.rs b/src/a.rs
index 1111111..2222222 100644
--- a/src/a.rs
+++ b/src/a.rs
@@ -3 +3 @@ fn main() {
-old
+new
@@ -10,0 +11,2 @@
+one
+two
@@ -20,3 +21,0 @@
-gone
-gone
-gone
@@ -30,0 +30,1 @@
+adjacent? no: 30 after 21..=22
\\ No newline at end of file
diff --git a/new file.txt b/new file.txt
new file mode 100644
--- /dev/null
+++ b/new file.txt\t
@@ -0,0 +1,3 @@
+a
+b
+c
diff --git a/gone.txt b/gone.txt
deleted file mode 100644
--- a/gone.txt
+++ /dev/null
@@ -1,2 +0,0 @@
-x
-y
diff --git a/img.png b/img.png
index 1111111..2222222 100644
Binary files a/img.png and b/img.png differ
";
        assert_eq!(
            files(patch),
            vec![
                ("src/a.rs".to_owned(), vec![3..=3, 11..=12, 30..=30]),
                ("new file.txt".to_owned(), vec![1..=3]),
            ]
        );
    }

    #[test]
    fn body_lines_that_look_like_headers_are_counted_as_body() {
        let patch = "\
diff --git a/x b/x
--- a/x
+++ b/x
@@ -1,0 +1,4 @@
++++ b/evil
+@@ -1 +100,5 @@
+diff --git a/y b/y
+\"quoted\"
";
        assert_eq!(files(patch), vec![("x".to_owned(), vec![1..=4])]);
    }

    #[test]
    fn quoted_paths_are_unquoted() {
        let patch = "\
diff --git \"a/t\\303\\244b\\tx\" \"b/t\\303\\244b\\tx\"
--- \"a/t\\303\\244b\\tx\"
+++ \"b/t\\303\\244b\\tx\"
@@ -1 +1 @@
-a
+b
diff --git \"a/q\\\" \\\\\" \"b/q\\\" \\\\\"
--- \"a/q\\\" \\\\\"\t
+++ \"b/q\\\" \\\\\"\t
@@ -0,0 +1 @@
+b
";
        assert_eq!(
            files(patch),
            vec![
                ("täb\tx".to_owned(), vec![1..=1]),
                ("q\" \\".to_owned(), vec![1..=1])
            ]
        );
    }

    #[test]
    fn malformed_patches_are_errors() {
        let cases = [
            "diff --git a/x b/x\n+++ b/x\n@@ -1 +1,2 @@\n+only one\n",
            "diff --git a/x b/x\n@@ -1 +1 @@\n-a\n+b\n",
            "diff --git a/x b/x\n+++ b/x\n@@ -1 +0,1 @@\n-a\n+b\n",
            "diff --git a/x b/x\n+++ b/x\n@@ -1 +4294967295,2 @@\n+a\n+b\n",
            "diff --git a/x b/x\n+++ b/x\n@@ -a +1 @@\n+a\n",
            "diff --git a/x b/x\n+++ b/x\n@@ -1 +1 @\n",
            "diff --git a/x b/x\n+++ x\n",
            "diff --git a/x b/x\n+++ \"b/x\n",
            "diff --git a/x b/x\n+++ \"b/x\\9\"\n",
            "diff --git a/x b/x\n+++ \"b/x\\777\"\n",
            "diff --git a/x b/x\n+++ \"b/x\" trailing\n",
            "diff --git a/x b/x\n+++ b/x\n+++ b/x\n",
            "diff --git a/x b/x\n+++ b/x\n@@ -0,0 +1 @@\n+a\nstray\n",
        ];
        for case in cases {
            assert!(parse_added_lines(case.as_bytes()).is_err(), "{case:?}");
        }
    }

    #[test]
    fn empty_and_hunkless_patches_have_no_files() {
        assert!(files("").is_empty());
        assert!(files("diff --git a/x b/y\nsimilarity index 100%\nrename from x\nrename to y\n").is_empty());
        assert!(files("diff --git a/x b/x\nold mode 100644\nnew mode 100755\n").is_empty());
    }

    #[test]
    fn raw_entries_are_parsed() {
        let raw = format!(
            ":000000 100644 {Z} {B1} A\0new\0\
             :100644 100644 {B1} {B2} M\0mod\0\
             :100644 000000 {B1} {Z} D\0del\0\
             :100644 100644 {B1} {B2} R087\0old name\0new\nname\0\
             :160000 160000 {B1} {B2} M\0submodule\0\
             :100644 120000 {B1} {B2} T\0link\0"
        );
        let entries = parse_raw(raw.as_bytes()).unwrap();
        let got: Vec<(String, Option<String>, ChangeStatus)> = entries
            .into_iter()
            .map(|e| {
                (
                    String::from_utf8(e.path).unwrap(),
                    e.blob.map(|b| b.to_hex()),
                    e.status,
                )
            })
            .collect();
        assert_eq!(
            got,
            vec![
                ("new".into(), Some(B1.into()), ChangeStatus::Added),
                ("mod".into(), Some(B2.into()), ChangeStatus::Modified),
                ("del".into(), None, ChangeStatus::Deleted),
                (
                    "new\nname".into(),
                    Some(B2.into()),
                    ChangeStatus::Renamed {
                        from: "old name".into()
                    }
                ),
                ("link".into(), Some(B2.into()), ChangeStatus::Modified),
            ]
        );
        for bad in [
            "garbage\0".to_owned(),
            format!(":100644 100644 {B1} {B2} M\0"),
            format!(":100644 100644 {B1} {B2} R100\0only-one\0"),
            format!(":100644 100644 {B1} nothex M\0p\0"),
            format!(":100644 100644 {B1} {B2} X\0p\0"),
            format!(":100644 100644 {B1} {B2} \0p\0"),
        ] {
            assert!(parse_raw(bad.as_bytes()).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn ranges_are_normalized_and_queried() {
        assert_eq!(
            normalize(vec![5..=6, 1..=2, 3..=3, 10..=12, 11..=11, 7..=7]),
            vec![1..=3, 5..=7, 10..=12]
        );
        let file = ChangedFile {
            path: "x".into(),
            blob: None,
            added_lines: vec![2..=3, 7..=7],
            status: ChangeStatus::Modified,
        };
        let added: Vec<u32> = (0..10).filter(|&l| file.is_added_line(l)).collect();
        assert_eq!(added, [2, 3, 7]);
    }

    mod properties {
        use std::fmt::Write as _;

        use proptest::prelude::*;

        use super::super::*;

        /// A patch for one file with `hunks` as (old length, new start, new length).
        fn render(path: &str, hunks: &[(u32, u32, u32)]) -> String {
            let mut out = format!("diff --git a/{path} b/{path}\n--- a/{path}\n+++ b/{path}\n");
            for &(old_len, new_start, new_len) in hunks {
                let _ = writeln!(out, "@@ -{new_start},{old_len} +{new_start},{new_len} @@");
                for _ in 0..old_len {
                    out.push_str("-removed\n");
                }
                for i in 0..new_len {
                    // Content that mimics structure lines.
                    out.push_str(
                        [
                            "++++ b/x\n",
                            "+@@ -1 +1 @@\n",
                            "+diff --git a/b b/b\n",
                            "+plain\n",
                        ][i as usize % 4],
                    );
                }
            }
            out
        }

        proptest! {
            #[test]
            fn rendered_hunks_round_trip(
                raw_hunks in proptest::collection::vec((0u32..4, 0u32..5, 1u32..20), 0..12),
            ) {
                // Lay hunks out in increasing, non-overlapping order.
                let mut next = 1u32;
                let mut hunks = Vec::new();
                let mut expected = Vec::new();
                for (old_len, new_len, gap) in raw_hunks {
                    let start = next + gap;
                    hunks.push((old_len, start, new_len));
                    if new_len > 0 {
                        expected.push(start..=start + new_len - 1);
                    }
                    next = start + new_len;
                }
                let patch = render("dir/file.txt", &hunks);
                let parsed = parse_added_lines(patch.as_bytes()).unwrap();
                let expected = normalize(expected);
                if expected.is_empty() {
                    prop_assert!(parsed.is_empty());
                } else {
                    prop_assert_eq!(parsed, vec![(b"dir/file.txt".to_vec(), expected)]);
                }
            }

            #[test]
            fn arbitrary_input_never_panics_and_ranges_are_sane(input in proptest::collection::vec(any::<u8>(), 0..400)) {
                if let Ok(files) = parse_added_lines(&input) {
                    for (_, ranges) in files {
                        let mut previous_end = 0u32;
                        for r in ranges {
                            prop_assert!(*r.start() >= 1 && r.start() <= r.end());
                            prop_assert!(*r.start() > previous_end.saturating_add(1) || previous_end == 0);
                            previous_end = *r.end();
                        }
                    }
                }
                let _ = parse_raw(&input);
            }

            #[test]
            fn structured_noise_never_panics(
                lines in proptest::collection::vec(
                    prop_oneof![
                        Just("diff --git a/x b/x".to_owned()),
                        Just("+++ b/x".to_owned()),
                        Just("+++ /dev/null".to_owned()),
                        Just("--- a/x".to_owned()),
                        Just("\\ No newline at end of file".to_owned()),
                        "@@ -[0-9]{1,3}(,[0-9]{1,2})? \\+[0-9]{1,10}(,[0-9]{1,10})? @@".prop_map(|s| s),
                        "[-+ ][a-z@+ ]{0,8}".prop_map(|s| s),
                        "\\+\\+\\+ \"b/[a-z\\\\0-7\"]{0,6}\"?".prop_map(|s| s),
                    ],
                    0..40,
                ),
            ) {
                let patch = lines.join("\n");
                let _ = parse_added_lines(patch.as_bytes());
            }
        }
    }
}
