//! `git cat-file --batch-check` and `--batch`, fed by a writer thread and
//! restarted past any object that makes git fail.
//!
//! Requests are answered in order, so the index of the first unanswered id
//! always says where to resume. Every restart moves past at least one id, so
//! the loops end.

use std::io::{self, BufRead, BufWriter, Read, Write};
use std::path::Path;
use std::sync::Arc;
use std::thread::{self, JoinHandle};

use palisade_domain::BlobId;

use crate::command::{GitCommand, Running, Stderr};
use crate::{BlobContent, GitError};

/// How many fresh processes in a row may die before answering anything before
/// we stop blaming the objects and report git itself as failing.
const MAX_SILENT_DEATHS: usize = 3;

/// What `--batch-check` says about one id.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Check {
    Found { kind: String, size: u64 },
    Missing,
    Corrupt(String),
}

/// One `cat-file` process with a thread writing `ids[start..]` to its stdin.
struct Batch {
    running: Running,
    writer: Option<JoinHandle<()>>,
}

impl Batch {
    fn spawn(repo: &Path, mode: &str, ids: &Arc<[BlobId]>, start: usize) -> Result<Self, GitError> {
        let (running, stdin) = GitCommand::new(repo, &["cat-file", mode, "--buffer"]).spawn(true)?;
        let Some(stdin) = stdin else {
            return Err(GitError::io(
                "starting git cat-file",
                io::Error::other("stdin was not captured"),
            ));
        };
        let ids = Arc::clone(ids);
        let writer = thread::Builder::new()
            .name("git-cat-file-ids".into())
            .spawn(move || write_ids(stdin, &ids[start..]))
            .map_err(|e| GitError::io("starting a thread to feed git cat-file", e))?;
        Ok(Self {
            running,
            writer: Some(writer),
        })
    }

    /// Reads one header line into `line` (without the newline); false when
    /// the output ends before a complete line.
    fn read_line(&mut self, line: &mut Vec<u8>) -> Result<bool, GitError> {
        line.clear();
        self.running
            .stdout
            .read_until(b'\n', line)
            .map_err(|e| GitError::io("reading from git cat-file", e))?;
        Ok(line.pop() == Some(b'\n'))
    }

    /// Waits for a process whose output is exhausted.
    fn finish(mut self) -> Result<Stderr, GitError> {
        let writer = self.writer.take();
        let (status, stderr) = self.running.finish()?;
        join_writer(writer);
        if !status.success() {
            tracing::debug!(%status, "git cat-file exited with an error");
        }
        Ok(stderr)
    }

    /// Stops a process we no longer trust (or need).
    fn kill(mut self) -> Stderr {
        let writer = self.writer.take();
        let stderr = self.running.kill();
        join_writer(writer);
        stderr
    }
}

fn join_writer(writer: Option<JoinHandle<()>>) {
    if let Some(Err(panic)) = writer.map(JoinHandle::join) {
        std::panic::resume_unwind(panic);
    }
}

/// Writes one hex id per line. A write error means git exited; the reader
/// side notices and reports it, so it is not reported here.
fn write_ids(stdin: impl Write, ids: &[BlobId]) {
    let mut w = BufWriter::with_capacity(64 * 1024, stdin);
    for id in ids {
        if w.write_all(id.to_hex().as_bytes()).is_err() || w.write_all(b"\n").is_err() {
            return;
        }
    }
    let _ = w.flush();
}

/// Splits `<oid> <type> <size>` or `<oid> missing`.
enum Header<'a> {
    Object { oid: &'a [u8], kind: &'a str, size: u64 },
    Missing { oid: &'a [u8] },
}

fn parse_header(line: &[u8]) -> Option<Header<'_>> {
    let text = std::str::from_utf8(line).ok()?;
    let mut parts = text.split(' ');
    let oid = parts.next()?.as_bytes();
    let second = parts.next()?;
    match (second, parts.next(), parts.next()) {
        ("missing", None, None) => Some(Header::Missing { oid }),
        (kind, Some(size), None) => Some(Header::Object {
            oid,
            kind,
            size: size.parse().ok()?,
        }),
        _ => None,
    }
}

/// Tracks processes that die before answering anything.
struct DeathCounter {
    silent_in_a_row: usize,
}

impl DeathCounter {
    /// Records a death after `answered` answers; errors when git seems broken
    /// rather than the object.
    fn record(&mut self, answered: usize, stderr: &Stderr, command: &str) -> Result<(), GitError> {
        if answered > 0 {
            self.silent_in_a_row = 0;
            return Ok(());
        }
        self.silent_in_a_row += 1;
        if self.silent_in_a_row >= MAX_SILENT_DEATHS {
            return Err(GitError::CommandFailed {
                command: command.to_owned(),
                message: if stderr.first_line.is_empty() {
                    "git exited without answering".to_owned()
                } else {
                    stderr.first_line.clone()
                },
            });
        }
        Ok(())
    }
}

/// `--batch-check` on every id: one result per id, in order.
pub(crate) fn check(repo: &Path, ids: &[BlobId]) -> Result<Vec<Check>, GitError> {
    let ids: Arc<[BlobId]> = ids.into();
    let mode = "--batch-check=%(objectname) %(objecttype) %(objectsize)";
    let command = format!("git cat-file {mode}");
    let mut results: Vec<Check> = Vec::with_capacity(ids.len());
    let mut deaths = DeathCounter { silent_in_a_row: 0 };
    let mut line = Vec::new();
    while results.len() < ids.len() {
        let start = results.len();
        let mut batch = Batch::spawn(repo, mode, &ids, start)?;
        // Indexes answered `missing` by this process: git reports unreadable
        // loose objects that way, and names them on stderr.
        let mut missing = Vec::new();
        let outcome = loop {
            let index = results.len();
            if index == ids.len() {
                break Outcome::Done;
            }
            let hex = ids[index].to_hex();
            if !batch.read_line(&mut line)? {
                break Outcome::Died { got_header: false };
            }
            match parse_header(&line) {
                Some(Header::Object { oid, kind, size }) if oid == hex.as_bytes() => {
                    results.push(Check::Found {
                        kind: kind.to_owned(),
                        size,
                    });
                }
                Some(Header::Missing { oid }) if oid == hex.as_bytes() => {
                    missing.push(index);
                    results.push(Check::Missing);
                }
                _ => {
                    let answer = String::from_utf8_lossy(&line);
                    results.push(Check::Corrupt(format!("unexpected answer {answer:?}")));
                    break Outcome::OutOfStep;
                }
            }
        };
        let stderr = match outcome {
            Outcome::Done => batch.finish()?,
            Outcome::OutOfStep => batch.kill(),
            Outcome::Died { .. } => {
                let stderr = batch.kill();
                let index = results.len();
                deaths.record(index - start, &stderr, &command)?;
                results.push(Check::Corrupt(stderr.message_for(
                    &ids[index].to_hex(),
                    "git cat-file exited while reading this object",
                )));
                stderr
            }
        };
        for index in missing {
            if let Some(message) = stderr.by_oid.get(&ids[index].to_hex()) {
                results[index] = Check::Corrupt(message.clone());
            }
        }
    }
    Ok(results)
}

/// Streams the contents of `ids` (all believed to be blobs of at most
/// `max_size` bytes) through `--batch`, verifying each against its id.
pub(crate) fn read(
    repo: &Path,
    ids: &[BlobId],
    max_size: u64,
    f: &mut dyn FnMut(BlobId, BlobContent),
) -> Result<(), GitError> {
    let ids: Arc<[BlobId]> = ids.into();
    let command = "git cat-file --batch";
    let mut next = 0;
    let mut deaths = DeathCounter { silent_in_a_row: 0 };
    let mut line = Vec::new();
    while next < ids.len() {
        let start = next;
        let mut batch = Batch::spawn(repo, "--batch", &ids, start)?;
        let mut missing = Vec::new();
        let outcome = loop {
            if next == ids.len() {
                break Outcome::Done;
            }
            let id = ids[next];
            if !batch.read_line(&mut line)? {
                break Outcome::Died { got_header: false };
            }
            let hex = id.to_hex();
            match parse_header(&line) {
                Some(Header::Missing { oid }) if oid == hex.as_bytes() => {
                    missing.push(id);
                    next += 1;
                }
                Some(Header::Object { oid, kind, size }) if oid == hex.as_bytes() => {
                    let kind = kind.to_owned();
                    match read_body(&mut batch, size, size <= max_size && kind == "blob")? {
                        Body::Complete(bytes) if BlobId::compute(&bytes) == id => {
                            f(id, BlobContent::Bytes(bytes));
                            next += 1;
                        }
                        Body::Complete(_) => {
                            f(id, corrupt(id, "its content does not hash to its id".to_owned()));
                            next += 1;
                            break Outcome::OutOfStep;
                        }
                        Body::Skipped if kind != "blob" => {
                            f(id, BlobContent::Error(GitError::NotABlob { id: hex, kind }));
                            next += 1;
                        }
                        Body::Skipped => {
                            f(id, BlobContent::TooLarge(size));
                            next += 1;
                        }
                        Body::Mangled => {
                            f(
                                id,
                                corrupt(id, format!("git sent a body that is not {size} bytes long")),
                            );
                            next += 1;
                            break Outcome::OutOfStep;
                        }
                        Body::Truncated => break Outcome::Died { got_header: true },
                    }
                }
                _ => {
                    let message = format!("unexpected answer {:?}", String::from_utf8_lossy(&line));
                    f(id, corrupt(id, message));
                    next += 1;
                    break Outcome::OutOfStep;
                }
            }
        };
        let stderr = match outcome {
            Outcome::Done => batch.finish()?,
            Outcome::OutOfStep => batch.kill(),
            Outcome::Died { got_header } => {
                let stderr = batch.kill();
                deaths.record(next - start + usize::from(got_header), &stderr, command)?;
                let id = ids[next];
                f(
                    id,
                    corrupt(
                        id,
                        stderr.message_for(&id.to_hex(), "git cat-file exited while reading this object"),
                    ),
                );
                next += 1;
                stderr
            }
        };
        for id in missing {
            match stderr.by_oid.get(&id.to_hex()) {
                Some(message) => f(id, corrupt(id, message.clone())),
                None => f(id, BlobContent::Missing),
            }
        }
    }
    Ok(())
}

enum Outcome {
    /// Every id answered.
    Done,
    /// The process ended before answering `ids[next]`, maybe after its header.
    Died { got_header: bool },
    /// The stream cannot be trusted past the last answer.
    OutOfStep,
}

fn corrupt(id: BlobId, message: String) -> BlobContent {
    BlobContent::Error(GitError::CorruptObject {
        id: id.to_hex(),
        message,
    })
}

enum Body {
    Complete(Vec<u8>),
    /// Read and thrown away (too large, or not a blob).
    Skipped,
    /// The output ended inside the body.
    Truncated,
    /// The byte after the body is not the newline: the header's size was wrong.
    Mangled,
}

/// Largest buffer reserved up front; larger bodies grow as they are read.
const MAX_RESERVE: u64 = 64 << 20;

/// Reads `size` bytes and the newline after them; keeps them only if `keep`.
fn read_body(batch: &mut Batch, size: u64, keep: bool) -> Result<Body, GitError> {
    let reader = &mut batch.running.stdout;
    let read_err = |e| GitError::io("reading from git cat-file", e);
    if !keep {
        let want = size.saturating_add(1);
        let got = io::copy(&mut reader.by_ref().take(want), &mut io::sink()).map_err(read_err)?;
        return Ok(if got < want {
            Body::Truncated
        } else {
            Body::Skipped
        });
    }
    let mut bytes = Vec::with_capacity(usize::try_from(size.min(MAX_RESERVE)).unwrap_or(0));
    let got = reader
        .by_ref()
        .take(size)
        .read_to_end(&mut bytes)
        .map_err(read_err)?;
    if (got as u64) < size {
        return Ok(Body::Truncated);
    }
    let mut separator = [0u8; 1];
    match reader.read_exact(&mut separator) {
        Ok(()) if separator == *b"\n" => Ok(Body::Complete(bytes)),
        Ok(()) => Ok(Body::Mangled),
        Err(e) if e.kind() == io::ErrorKind::UnexpectedEof => Ok(Body::Truncated),
        Err(e) => Err(read_err(e)),
    }
}

/// The commit each of `ids` (full hex object ids) peels to: itself for a
/// commit, the tagged commit for a tag; `None` for an unknown id or one that
/// is not (and does not point at) a commit. One `--batch-check` process.
pub(crate) fn peel_to_commits(repo: &Path, ids: &[String]) -> Result<Vec<Option<String>>, GitError> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let mode = "--batch-check=%(objectname) %(objecttype)";
    let (mut running, stdin) = GitCommand::new(repo, &["cat-file", mode]).spawn(true)?;
    let Some(stdin) = stdin else {
        return Err(GitError::io(
            "starting git cat-file",
            io::Error::other("stdin was not captured"),
        ));
    };
    let requests: Vec<String> = ids.iter().map(|id| format!("{id}^{{commit}}\n")).collect();
    let writer = thread::Builder::new()
        .name("git-cat-file-revs".into())
        .spawn(move || {
            let mut w = BufWriter::new(stdin);
            for request in requests {
                if w.write_all(request.as_bytes()).is_err() {
                    return;
                }
            }
            let _ = w.flush();
        })
        .map_err(|e| GitError::io("starting a thread to feed git cat-file", e))?;
    let command = format!("git cat-file {mode}");
    let mut out = Vec::with_capacity(ids.len());
    let mut line = Vec::new();
    while out.len() < ids.len() {
        line.clear();
        running
            .stdout
            .read_until(b'\n', &mut line)
            .map_err(|e| GitError::io("reading from git cat-file", e))?;
        if line.pop() != Some(b'\n') {
            let stderr = running.kill();
            join_writer(Some(writer));
            return Err(GitError::CommandFailed {
                command,
                message: if stderr.first_line.is_empty() {
                    "git exited without answering".to_owned()
                } else {
                    stderr.first_line
                },
            });
        }
        let text = String::from_utf8_lossy(&line);
        out.push(match text.rsplit_once(' ') {
            Some((id, "commit")) if id.len() == 40 && id.bytes().all(|b| b.is_ascii_hexdigit()) => {
                Some(id.to_owned())
            }
            _ => None,
        });
    }
    let (status, stderr) = running.finish()?;
    join_writer(Some(writer));
    if !status.success() {
        tracing::debug!(%status, message = %stderr.first_line, "git cat-file exited with an error");
    }
    Ok(out)
}
