//! Parser for `git log --raw -z` output: for each blob, the first commit (in
//! the order git prints them) and path where it appears as a new blob id.

use std::collections::HashMap;
use std::collections::hash_map::Entry;
use std::io::{self, BufRead};

use palisade_domain::{BlobId, CommitInfo, Timestamp};

/// `git log` arguments whose output [`parse_log`] reads: every ref but the
/// clone cache's private ones (`refs/palisade/*`). Parents come before
/// children (`--topo-order --reverse`), merges are diffed against their first
/// parent only, root commits (and shallow boundaries) show every file as added,
/// and every field and path is NUL-terminated.
pub(crate) const LOG_ARGS: &[&str] = &[
    "log",
    // Pull request refs a clone cache fetched are not the repository's history.
    "--exclude=refs/palisade/*",
    "--all",
    "--topo-order",
    "--reverse",
    "--raw",
    "--root",
    "--no-renames",
    "--no-abbrev",
    "--no-relative",
    "--no-ext-diff",
    "--no-textconv",
    "-z",
    "--diff-merges=first-parent",
    "--format=%H%x00%an%x00%ae%x00%at",
];

/// Where a blob first appeared.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Introduction {
    /// Index into [`Introductions::commits`].
    pub(crate) commit: usize,
    /// Lossy UTF-8, `/`-separated, relative to the repository root.
    pub(crate) path: String,
}

/// The result of [`parse_log`].
#[derive(Debug, Default)]
pub(crate) struct Introductions {
    /// Commits that introduced at least one blob, oldest first.
    pub(crate) commits: Vec<CommitInfo>,
    pub(crate) first_seen: HashMap<BlobId, Introduction>,
}

/// Why [`parse_log`] failed.
#[derive(Debug, thiserror::Error)]
pub(crate) enum LogError {
    #[error("{0}")]
    Io(#[from] io::Error),
    #[error("{0}")]
    Malformed(String),
}

fn malformed(what: &str, token: &[u8]) -> LogError {
    let shown: String = String::from_utf8_lossy(token).chars().take(80).collect();
    LogError::Malformed(format!("{what}: {shown:?}"))
}

/// Reads NUL-terminated tokens into one reused buffer.
struct Tokens<R> {
    reader: R,
    buf: Vec<u8>,
}

impl<R: BufRead> Tokens<R> {
    /// Loads the next token into `self.buf` (without its NUL); false at end of input.
    fn advance(&mut self) -> Result<bool, io::Error> {
        self.buf.clear();
        let n = self.reader.read_until(0, &mut self.buf)?;
        if n == 0 {
            return Ok(false);
        }
        if self.buf.last() == Some(&0) {
            self.buf.pop();
        }
        Ok(true)
    }

    /// The next token, which must exist.
    fn required(&mut self, what: &str) -> Result<&[u8], LogError> {
        if self.advance()? {
            Ok(&self.buf)
        } else {
            Err(LogError::Malformed(format!("input ends before {what}")))
        }
    }
}

/// Headers and raw-diff lines may be preceded by the newline that separates a
/// commit's header from its diff.
fn trim_newlines(token: &[u8]) -> &[u8] {
    let start = token.iter().position(|&b| b != b'\n').unwrap_or(token.len());
    &token[start..]
}

fn is_hex40(bytes: &[u8]) -> bool {
    bytes.len() == 40 && bytes.iter().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'))
}

/// Parses the output of `git log` run with [`LOG_ARGS`].
pub(crate) fn parse_log<R: BufRead>(reader: R) -> Result<Introductions, LogError> {
    let mut tokens = Tokens {
        reader,
        buf: Vec::new(),
    };
    let mut out = Introductions::default();
    let mut have_token = tokens.advance()?;
    while have_token {
        let header = trim_newlines(&tokens.buf);
        if header.is_empty() {
            // Trailing separator at the end of the output.
            have_token = tokens.advance()?;
            continue;
        }
        if !is_hex40(header) {
            return Err(malformed("expected a commit id", header));
        }
        let id = String::from_utf8_lossy(header).into_owned();
        let author_name = String::from_utf8_lossy(tokens.required("the author name")?).into_owned();
        let author_email = String::from_utf8_lossy(tokens.required("the author email")?).into_owned();
        let time = tokens.required("the author date")?;
        let seconds = std::str::from_utf8(time)
            .ok()
            .and_then(|t| t.trim().parse::<i64>().ok())
            .ok_or_else(|| malformed("expected a unix time", time))?;
        let mut commit = Some(CommitInfo {
            id,
            author_name,
            author_email,
            date: Timestamp::from_unix_seconds(seconds),
        });
        let mut commit_index = None;

        loop {
            have_token = tokens.advance()?;
            if !have_token {
                break;
            }
            let meta = trim_newlines(&tokens.buf);
            if !meta.starts_with(b":") {
                break; // the next commit's header, or the trailing separator
            }
            let change = RawChange::parse(meta)?;
            let path = tokens.required("a path")?;
            let path = if change.two_paths {
                // Renames and copies (not requested, but harmless): the second path is the new one.
                tokens.required("the destination path")?
            } else {
                path
            };
            let Some(blob) = change.new_blob else {
                continue;
            };
            if let Entry::Vacant(slot) = out.first_seen.entry(blob) {
                let index = *commit_index.get_or_insert_with(|| {
                    out.commits.extend(commit.take());
                    out.commits.len() - 1
                });
                slot.insert(Introduction {
                    commit: index,
                    path: String::from_utf8_lossy(path).into_owned(),
                });
            }
        }
    }
    Ok(out)
}

/// One `:<old mode> <new mode> <old id> <new id> <status>` line.
struct RawChange {
    /// The blob on the new side, if there is one (not a deletion, submodule or tree).
    new_blob: Option<BlobId>,
    two_paths: bool,
}

impl RawChange {
    fn parse(meta: &[u8]) -> Result<Self, LogError> {
        let fields: Vec<&[u8]> = meta[1..].split(|&b| b == b' ').collect();
        let [_old_mode, new_mode, _old_id, new_id, status] = fields[..] else {
            return Err(malformed("expected a raw diff line", meta));
        };
        if !is_hex40(new_id) || new_mode.len() != 6 || !new_mode.iter().all(u8::is_ascii_digit) {
            return Err(malformed("expected a raw diff line", meta));
        }
        let Some(&status_letter) = status.first() else {
            return Err(malformed("expected a change status", meta));
        };
        let not_a_blob = matches!(new_mode, b"000000" | b"040000" | b"160000");
        let deleted = status_letter == b'D' || new_id.iter().all(|&b| b == b'0');
        let new_blob = if not_a_blob || deleted {
            None
        } else {
            let hex = std::str::from_utf8(new_id).map_err(|_| malformed("expected a blob id", new_id))?;
            Some(BlobId::from_hex(hex).map_err(|_| malformed("expected a blob id", new_id))?)
        };
        Ok(Self {
            new_blob,
            two_paths: matches!(status_letter, b'R' | b'C'),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const C1: &str = "1111111111111111111111111111111111111111";
    const C2: &str = "2222222222222222222222222222222222222222";
    const C3: &str = "3333333333333333333333333333333333333333";
    const B1: &str = "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa";
    const B2: &str = "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb";
    const ZERO: &str = "0000000000000000000000000000000000000000";

    fn header(id: &str, name: &str, time: &str) -> Vec<u8> {
        format!("{id}\0{name}\0{name}@example.com\0{time}\0").into_bytes()
    }

    fn entry(old_mode: &str, new_mode: &str, old: &str, new: &str, status: &str, path: &[u8]) -> Vec<u8> {
        let mut v = format!("\n:{old_mode} {new_mode} {old} {new} {status}\0").into_bytes();
        v.extend_from_slice(path);
        v.push(0);
        v
    }

    fn parse(input: &[u8]) -> Result<Introductions, LogError> {
        parse_log(input)
    }

    fn blob(hex: &str) -> BlobId {
        BlobId::from_hex(hex).unwrap()
    }

    #[test]
    fn records_first_commit_and_path() {
        let mut input = header(C1, "Ann", "100");
        input.extend(entry("000000", "100644", ZERO, B1, "A", b"dir/a b.txt"));
        input.extend(header(C2, "Bob", "200")); // empty commit
        input.extend(header(C3, "Cat", "300"));
        input.extend(entry("100644", "100644", B1, B2, "M", b"odd\npath\xff"));
        input.extend(entry("000000", "100644", ZERO, B1, "A", b"copy.txt"));

        let got = parse(&input).unwrap();
        assert_eq!(
            got.commits.len(),
            2,
            "only commits that introduced something are kept"
        );
        assert_eq!(got.commits[0].id, C1);
        assert_eq!(got.commits[0].author_name, "Ann");
        assert_eq!(got.commits[0].author_email, "Ann@example.com");
        assert_eq!(got.commits[0].date, Timestamp::from_unix_seconds(100));
        assert_eq!(got.commits[1].id, C3);
        assert_eq!(
            got.first_seen[&blob(B1)],
            Introduction {
                commit: 0,
                path: "dir/a b.txt".into()
            }
        );
        assert_eq!(got.first_seen[&blob(B2)].commit, 1);
        assert_eq!(got.first_seen[&blob(B2)].path, "odd\npath\u{fffd}");
    }

    #[test]
    fn skips_deletions_submodules_and_handles_renames() {
        let mut input = header(C1, "Ann", "100");
        input.extend(entry("100644", "000000", B1, ZERO, "D", b"gone"));
        input.extend(entry("000000", "160000", ZERO, B2, "A", b"submodule"));
        let mut rename = b"\n:100644 100644 ".to_vec();
        rename.extend(format!("{B2} {B1} R100\0old\0new\0").as_bytes());
        input.extend(rename);
        let got = parse(&input).unwrap();
        assert_eq!(got.first_seen.len(), 1);
        assert_eq!(got.first_seen[&blob(B1)].path, "new");
    }

    #[test]
    fn empty_input_is_empty() {
        let got = parse(b"").unwrap();
        assert!(got.commits.is_empty() && got.first_seen.is_empty());
        assert!(parse(&header(C1, "x", "1")).unwrap().first_seen.is_empty());
    }

    #[test]
    fn garbage_is_an_error_not_a_panic() {
        let mut truncated_entry = header(C1, "Ann", "100");
        truncated_entry.extend(format!("\n:000000 100644 {ZERO} {B1} A").as_bytes());
        let cases: Vec<Vec<u8>> = vec![
            b"hello world".to_vec(),
            b"\0\0\0:".to_vec(),
            format!("{C1}\0name").into_bytes(),
            format!("{C1}\0n\0e\0not-a-time\0").into_bytes(),
            [header(C1, "n", "1"), b":1 2 3\0p\0".to_vec()].concat(),
            [header(C1, "n", "1"), b":\0".to_vec()].concat(),
            [
                header(C1, "n", "1"),
                format!(":100644 100644 {ZERO} {B1} \0p\0").into_bytes(),
            ]
            .concat(),
            [
                header(C1, "n", "1"),
                format!(":100644 10064x {ZERO} {B1} A\0p\0").into_bytes(),
            ]
            .concat(),
            [
                header(C1, "n", "1"),
                format!(":100644 100644 {ZERO} {} A\0p\0", "é".repeat(20)).into_bytes(),
            ]
            .concat(),
            truncated_entry,
            vec![0xff; 100],
        ];
        for case in cases {
            assert!(
                matches!(parse(&case), Err(LogError::Malformed(_))),
                "{:?}",
                String::from_utf8_lossy(&case)
            );
        }
    }

    #[test]
    fn arbitrary_bytes_never_panic() {
        // A cheap deterministic fuzz: every prefix of a valid stream, and byte flips.
        let mut input = header(C1, "Ann", "100");
        input.extend(entry("000000", "100644", ZERO, B1, "A", b"a"));
        input.extend(header(C2, "Bob", "200"));
        input.extend(entry("100644", "100644", B1, B2, "M", b"b"));
        for end in 0..=input.len() {
            let _ = parse(&input[..end]);
        }
        for i in 0..input.len() {
            for byte in [0u8, b'\n', b':', b' ', b'a', 0xff] {
                let mut copy = input.clone();
                copy[i] = byte;
                let _ = parse(&copy);
            }
        }
    }
}
