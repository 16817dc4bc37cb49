//! Spawning `git` safely: a fixed environment, stderr always drained, and
//! children always reaped.

use std::collections::HashMap;
use std::io::{self, BufRead, BufReader};
use std::path::Path;
use std::process::{Child, ChildStdin, ChildStdout, Command, ExitStatus, Stdio};
use std::thread::{self, JoinHandle};
use std::time::{Duration, Instant};

use crate::GitError;

/// Environment variables that would make git read another repository than the
/// one we name with `-C`, or see a rewritten view of it.
const REPO_LOCATION_VARS: &[&str] = &[
    "GIT_DIR",
    "GIT_WORK_TREE",
    "GIT_COMMON_DIR",
    "GIT_INDEX_FILE",
    "GIT_OBJECT_DIRECTORY",
    "GIT_ALTERNATE_OBJECT_DIRECTORIES",
    "GIT_NAMESPACE",
    "GIT_REPLACE_REF_BASE",
    "GIT_SHALLOW_FILE",
    "GIT_GRAFT_FILE",
    "GIT_QUARANTINE_PATH",
    "GIT_DEFAULT_HASH",
];

/// Longest stderr line kept, in characters.
const MAX_LINE_CHARS: usize = 400;
/// Most object ids remembered from one process's stderr.
const MAX_OID_MESSAGES: usize = 100_000;

/// A `git` invocation on one repository, with a printable form for errors.
pub(crate) struct GitCommand {
    command: Command,
    display: String,
}

impl GitCommand {
    /// `git -C <repo> <hardening options> <args>`.
    ///
    /// The options make the output independent of user and repository
    /// configuration that would change it (colors, pagers, signatures, relative
    /// paths, output encoding, replace refs) and keep git from prompting or
    /// fetching.
    pub(crate) fn new(repo: &Path, args: &[&str]) -> Self {
        Self::with_config(repo, &[], args)
    }

    /// [`GitCommand::new`] with `-c key=value` options (`config`) before the
    /// subcommand. They are not shown in the printable form.
    pub(crate) fn with_config(repo: &Path, config: &[&str], args: &[&str]) -> Self {
        let mut command = Command::new("git");
        command
            .arg("-C")
            .arg(repo)
            .args([
                "--no-pager",
                "--no-replace-objects",
                "-c",
                "color.ui=false",
                "-c",
                "log.showSignature=false",
                "-c",
                "i18n.logOutputEncoding=UTF-8",
            ])
            .args(config.iter().flat_map(|c| ["-c", c]))
            .args(args)
            .env("LC_ALL", "C")
            .env("GIT_TERMINAL_PROMPT", "0")
            .env("GIT_NO_LAZY_FETCH", "1")
            .env("GIT_OPTIONAL_LOCKS", "0")
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        for var in REPO_LOCATION_VARS {
            command.env_remove(var);
        }
        Self {
            command,
            display: format!("git {}", args.join(" ")),
        }
    }

    /// The underlying command, for callers that adjust its environment.
    pub(crate) fn command_mut(&mut self) -> &mut Command {
        &mut self.command
    }

    /// The printable form, `git <args>`.
    #[cfg(test)]
    pub(crate) fn display(&self) -> &str {
        &self.display
    }

    /// Runs to completion like [`GitCommand::output`], but kills the process
    /// (and, on Unix, every process it started) at `deadline`, then fails
    /// with [`GitError::Timeout`], naming `budget`. Keeps the first
    /// [`MAX_CAPTURE`] bytes of stdout and of stderr.
    pub(crate) fn output_until(
        mut self,
        deadline: Instant,
        budget: Duration,
    ) -> Result<TimedOutput, GitError> {
        #[cfg(unix)]
        {
            use std::os::unix::process::CommandExt as _;
            // Its own process group, so a timeout reaches git's helpers
            // (`git-remote-https`, `index-pack`) too.
            self.command.process_group(0);
        }
        let timeout = || {
            GitError::Timeout(format!(
                "`{}` did not finish within {budget:?} and was killed",
                self.display
            ))
        };
        if Instant::now() >= deadline {
            return Err(timeout());
        }
        let mut child = self.command.spawn().map_err(|e| spawn_error(&self.display, e))?;
        let readers = (child.stdout.take(), child.stderr.take());
        let (Some(stdout), Some(stderr)) = readers else {
            kill_tree(&mut child);
            return Err(GitError::io(
                format!("starting `{}`", self.display),
                io::Error::other("output was not captured"),
            ));
        };
        let stdout = match spawn_capture("git-stdout", stdout) {
            Ok(handle) => handle,
            Err(e) => {
                kill_tree(&mut child);
                return Err(e);
            }
        };
        let stderr = match spawn_capture("git-stderr", stderr) {
            Ok(handle) => handle,
            Err(e) => {
                kill_tree(&mut child);
                let _ = stdout.join();
                return Err(e);
            }
        };
        let mut pause = Duration::from_millis(2);
        let status = loop {
            match child.try_wait() {
                Ok(Some(status)) => break Some(status),
                Ok(None) => {}
                Err(e) => {
                    kill_tree(&mut child);
                    let _ = (stdout.join(), stderr.join());
                    return Err(GitError::io(format!("waiting for `{}`", self.display), e));
                }
            }
            let now = Instant::now();
            if now >= deadline {
                kill_tree(&mut child);
                break None;
            }
            thread::sleep(pause.min(deadline - now));
            pause = (pause * 2).min(Duration::from_millis(50));
        };
        // The pipes close once every process of the group has exited.
        let stdout = join_capture(stdout);
        let stderr = join_capture(stderr);
        let Some(status) = status else {
            return Err(timeout());
        };
        Ok(TimedOutput {
            status,
            stdout,
            stderr,
            display: self.display,
        })
    }

    /// Runs to completion, capturing stdout and stderr.
    pub(crate) fn output(mut self) -> Result<Output, GitError> {
        let out = self.command.output().map_err(|e| spawn_error(&self.display, e))?;
        Ok(Output {
            status: out.status,
            stdout: out.stdout,
            stderr_first_line: first_line(&out.stderr),
            display: self.display,
        })
    }

    /// Starts the process with stdout piped for streaming. With `stdin`, the
    /// caller also gets the child's stdin.
    pub(crate) fn spawn(mut self, stdin: bool) -> Result<(Running, Option<ChildStdin>), GitError> {
        if stdin {
            self.command.stdin(Stdio::piped());
        }
        let mut child = self.command.spawn().map_err(|e| spawn_error(&self.display, e))?;
        let child_stdin = child.stdin.take();
        let stdout = child.stdout.take();
        let stderr = child.stderr.take();
        let collector = match stderr {
            Some(stderr) => {
                match thread::Builder::new()
                    .name("git-stderr".into())
                    .spawn(move || collect_stderr(stderr))
                {
                    Ok(handle) => Some(handle),
                    Err(e) => {
                        kill_and_reap(&mut child);
                        return Err(GitError::io("starting a thread to read git's stderr", e));
                    }
                }
            }
            None => None,
        };
        let Some(stdout) = stdout else {
            kill_and_reap(&mut child);
            return Err(GitError::io(
                format!("starting `{}`", self.display),
                io::Error::other("stdout was not captured"),
            ));
        };
        let running = Running {
            child,
            stdout: BufReader::with_capacity(1 << 20, stdout),
            stderr: collector,
            display: self.display,
            finished: false,
        };
        Ok((running, child_stdin))
    }
}

fn spawn_error(display: &str, e: io::Error) -> GitError {
    if e.kind() == io::ErrorKind::NotFound {
        GitError::GitNotFound
    } else {
        GitError::io(format!("starting `{display}`"), e)
    }
}

/// Most bytes of stdout or stderr [`GitCommand::output_until`] keeps.
pub(crate) const MAX_CAPTURE: usize = 1 << 20;

/// What [`GitCommand::output_until`] captured.
pub(crate) struct TimedOutput {
    pub(crate) status: ExitStatus,
    pub(crate) stdout: Vec<u8>,
    /// Raw: may hold secrets the caller must scrub before showing it.
    pub(crate) stderr: Vec<u8>,
    pub(crate) display: String,
}

fn spawn_capture(name: &str, pipe: impl io::Read + Send + 'static) -> Result<JoinHandle<Vec<u8>>, GitError> {
    thread::Builder::new()
        .name(name.into())
        .spawn(move || capture(pipe))
        .map_err(|e| GitError::io("starting a thread to read git's output", e))
}

fn join_capture(handle: JoinHandle<Vec<u8>>) -> Vec<u8> {
    handle
        .join()
        .unwrap_or_else(|panic| std::panic::resume_unwind(panic))
}

/// Reads a pipe to its end, keeping the first [`MAX_CAPTURE`] bytes (the
/// rest is drained so the writer never blocks).
fn capture(mut pipe: impl io::Read) -> Vec<u8> {
    let mut kept = Vec::new();
    let mut buf = [0u8; 8192];
    loop {
        match pipe.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => {
                let room = MAX_CAPTURE - kept.len();
                kept.extend_from_slice(&buf[..n.min(room)]);
            }
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(_) => break,
        }
    }
    kept
}

/// Kills a child started in its own process group, with everything it
/// started, and reaps it.
fn kill_tree(child: &mut Child) {
    #[cfg(unix)]
    {
        // std has no safe `killpg`; `kill` with a negative pid signals the
        // group. The child is not reaped yet, so its pid (the group id) cannot
        // have been reused.
        let _ = Command::new("kill")
            .args(["-s", "KILL", "--", &format!("-{}", child.id())])
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status();
    }
    kill_and_reap(child);
}

/// What a finished short command produced.
pub(crate) struct Output {
    pub(crate) status: ExitStatus,
    pub(crate) stdout: Vec<u8>,
    pub(crate) stderr_first_line: String,
    pub(crate) display: String,
}

impl Output {
    pub(crate) fn failure(&self) -> GitError {
        GitError::CommandFailed {
            command: self.display.clone(),
            message: failure_message(&self.stderr_first_line, self.status),
        }
    }
}

pub(crate) fn failure_message(stderr_first_line: &str, status: ExitStatus) -> String {
    if stderr_first_line.is_empty() {
        format!("git exited with {status}")
    } else {
        stderr_first_line.to_owned()
    }
}

/// A running git process. Dropping it kills and reaps the child and joins the
/// stderr thread, so no process or thread outlives it.
pub(crate) struct Running {
    child: Child,
    pub(crate) stdout: BufReader<ChildStdout>,
    stderr: Option<JoinHandle<Stderr>>,
    display: String,
    finished: bool,
}

impl Running {
    pub(crate) fn display(&self) -> &str {
        &self.display
    }

    /// Waits for the process to exit and returns its status and stderr.
    /// Call once stdout is exhausted (or no longer needed: then the child may
    /// block writing, so use [`Running::kill`]).
    pub(crate) fn finish(mut self) -> Result<(ExitStatus, Stderr), GitError> {
        self.finished = true;
        let status = self
            .child
            .wait()
            .map_err(|e| GitError::io(format!("waiting for `{}`", self.display), e))?;
        Ok((status, self.join_stderr()))
    }

    /// Kills the process, reaps it and returns what it wrote to stderr.
    pub(crate) fn kill(mut self) -> Stderr {
        self.finished = true;
        kill_and_reap(&mut self.child);
        self.join_stderr()
    }

    fn join_stderr(&mut self) -> Stderr {
        match self.stderr.take().map(JoinHandle::join) {
            Some(Ok(stderr)) => stderr,
            Some(Err(panic)) => std::panic::resume_unwind(panic),
            None => Stderr::default(),
        }
    }
}

impl Drop for Running {
    fn drop(&mut self) {
        if !self.finished {
            kill_and_reap(&mut self.child);
            // A panic in the stderr thread is not worth a double panic here.
            if let Some(handle) = self.stderr.take() {
                let _ = handle.join();
            }
        }
    }
}

fn kill_and_reap(child: &mut Child) {
    // `kill` fails only when the child has already exited; reaping is what matters.
    let _ = child.kill();
    let _ = child.wait();
}

/// What a process wrote to stderr, reduced to what errors need.
#[derive(Debug, Default)]
pub(crate) struct Stderr {
    /// The first non-empty line.
    pub(crate) first_line: String,
    /// For each 40-hex object id mentioned, the first line mentioning it.
    pub(crate) by_oid: HashMap<String, String>,
}

impl Stderr {
    /// The message git gave about `oid`, else its first line, else `fallback`.
    pub(crate) fn message_for(&self, oid: &str, fallback: &str) -> String {
        if let Some(line) = self.by_oid.get(oid) {
            line.clone()
        } else if !self.first_line.is_empty() {
            self.first_line.clone()
        } else {
            fallback.to_owned()
        }
    }
}

fn collect_stderr(stderr: impl io::Read) -> Stderr {
    let mut reader = BufReader::new(stderr);
    let mut out = Stderr::default();
    let mut buf = Vec::new();
    loop {
        buf.clear();
        match reader.read_until(b'\n', &mut buf) {
            Ok(0) | Err(_) => break,
            Ok(_) => {}
        }
        let line = clean_line(&buf);
        if line.is_empty() {
            continue;
        }
        if out.by_oid.len() < MAX_OID_MESSAGES {
            for oid in hex_oids(&line) {
                out.by_oid.entry(oid).or_insert_with(|| line.clone());
            }
        }
        if out.first_line.is_empty() {
            out.first_line = line;
        }
    }
    out
}

/// The first non-empty line of `bytes`, trimmed and shortened.
pub(crate) fn first_line(bytes: &[u8]) -> String {
    bytes
        .split(|&b| b == b'\n')
        .map(clean_line)
        .find(|l| !l.is_empty())
        .unwrap_or_default()
}

fn clean_line(bytes: &[u8]) -> String {
    let text = String::from_utf8_lossy(bytes);
    let text = text.trim();
    let mut out: String = text
        .chars()
        .take(MAX_LINE_CHARS)
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect();
    if text.chars().count() > MAX_LINE_CHARS {
        out.push('…');
    }
    out
}

fn is_lower_hex(word: &str, len: usize) -> bool {
    word.len() == len && word.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'))
}

/// Object ids named in `line`: runs of exactly 40 lowercase hex digits, and
/// loose object paths (`…/ab/<38 hex digits>`).
fn hex_oids(line: &str) -> Vec<String> {
    let mut out = Vec::new();
    for word in line.split(|c: char| !(c.is_ascii_hexdigit() || c == '/')) {
        let parts: Vec<&str> = word.split('/').collect();
        for (i, part) in parts.iter().enumerate() {
            if is_lower_hex(part, 40) {
                out.push((*part).to_owned());
            } else if is_lower_hex(part, 38) && i > 0 && is_lower_hex(parts[i - 1], 2) {
                out.push(format!("{}{part}", parts[i - 1]));
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_oids_in_stderr_lines() {
        let line = "error: unable to unpack 61780798228d17af2d34fce4cfbdf35556832472 header";
        assert_eq!(hex_oids(line), ["61780798228d17af2d34fce4cfbdf35556832472"]);
        let line = "error: object file .git/objects/28/ce6a8b26aa170e1de65536fe8abe1832bd3242 is empty";
        assert_eq!(hex_oids(line), ["28ce6a8b26aa170e1de65536fe8abe1832bd3242"]);
        assert!(hex_oids("deadbeef and 12 and ab/cd").is_empty());
    }

    #[test]
    fn first_line_skips_blanks_and_controls() {
        assert_eq!(first_line(b"\n  \nfatal: bad\x1b[31m\nnext"), "fatal: bad [31m");
        assert_eq!(first_line(b""), "");
    }
}
