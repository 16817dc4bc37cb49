//! A tiny HTTP server in front of `git http-backend`, for clone cache tests:
//! one thread per connection, one response per connection, optional header
//! check (401 without it), and a switch that makes every request hang.

use std::collections::HashMap;
use std::ffi::OsStr;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use tempfile::TempDir;

use crate::support::{TestRepo, git_in};

#[derive(Default)]
struct State {
    /// The `Authorization` value every request must carry.
    required_auth: Option<String>,
    /// The `Authorization` value of each request, in order.
    seen_auth: Vec<Option<String>>,
    stall: bool,
}

/// Serves the bare repositories under its root at `http://127.0.0.1:<port>/<name>.git`.
pub struct GitServer {
    root: TempDir,
    addr: SocketAddr,
    state: Arc<Mutex<State>>,
    stop: Arc<AtomicBool>,
    accept: Option<JoinHandle<()>>,
}

impl GitServer {
    pub fn start() -> Self {
        let root = tempfile::tempdir().unwrap();
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = listener.local_addr().unwrap();
        let state = Arc::new(Mutex::new(State::default()));
        let stop = Arc::new(AtomicBool::new(false));
        let accept = {
            let (state, stop, project_root) =
                (Arc::clone(&state), Arc::clone(&stop), root.path().to_path_buf());
            std::thread::spawn(move || {
                for stream in listener.incoming() {
                    if stop.load(Ordering::SeqCst) {
                        break;
                    }
                    let Ok(stream) = stream else { continue };
                    let (state, stop, project_root) =
                        (Arc::clone(&state), Arc::clone(&stop), project_root.clone());
                    std::thread::spawn(move || {
                        let _ = handle(stream, &project_root, &state, &stop);
                    });
                }
            })
        };
        Self {
            root,
            addr,
            state,
            stop,
            accept: Some(accept),
        }
    }

    pub fn url(&self, name: &str) -> String {
        format!("http://{}/{name}.git", self.addr)
    }

    pub fn port(&self) -> u16 {
        self.addr.port()
    }

    pub fn repo_path(&self, name: &str) -> PathBuf {
        self.root.path().join(format!("{name}.git"))
    }

    /// Publishes `work` (all branches and tags) as `name`, replacing what was there.
    pub fn publish(&self, name: &str, work: &TestRepo) {
        let target = self.repo_path(name);
        if !target.exists() {
            git_in(
                self.root.path(),
                &[
                    OsStr::new("init"),
                    OsStr::new("-q"),
                    OsStr::new("--bare"),
                    target.as_os_str(),
                ],
            );
        }
        git_in(
            &work.path,
            &[
                OsStr::new("push"),
                OsStr::new("-q"),
                OsStr::new("--mirror"),
                target.as_os_str(),
            ],
        );
        // The default branch of a pushed-to bare repository stays whatever
        // `init` chose; point it at the work tree's current branch.
        let branch = work.git(&["symbolic-ref", "HEAD"]);
        git_in(
            &target,
            &[
                OsStr::new("symbolic-ref"),
                OsStr::new("HEAD"),
                OsStr::new(&branch),
            ],
        );
    }

    /// Creates an empty repository `name`.
    pub fn publish_empty(&self, name: &str) {
        let target = self.repo_path(name);
        git_in(
            self.root.path(),
            &[
                OsStr::new("init"),
                OsStr::new("-q"),
                OsStr::new("--bare"),
                target.as_os_str(),
            ],
        );
    }

    pub fn delete(&self, name: &str) {
        std::fs::remove_dir_all(self.repo_path(name)).unwrap();
    }

    pub fn require_auth(&self, value: &str) {
        self.state.lock().unwrap().required_auth = Some(value.to_owned());
    }

    pub fn stall(&self, stall: bool) {
        self.state.lock().unwrap().stall = stall;
    }

    pub fn seen_auth(&self) -> Vec<Option<String>> {
        self.state.lock().unwrap().seen_auth.clone()
    }
}

impl Drop for GitServer {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        // Wake the accept loop so it sees the flag.
        let _ = TcpStream::connect(self.addr);
        if let Some(accept) = self.accept.take() {
            let _ = accept.join();
        }
    }
}

struct Request {
    method: String,
    path: String,
    query: String,
    headers: HashMap<String, String>,
    body: Vec<u8>,
}

fn read_request(stream: &TcpStream) -> std::io::Result<Request> {
    let mut reader = BufReader::new(stream);
    let mut line = String::new();
    reader.read_line(&mut line)?;
    let mut parts = line.split_whitespace();
    let method = parts.next().unwrap_or_default().to_owned();
    let target = parts.next().unwrap_or_default().to_owned();
    let (path, query) = target.split_once('?').unwrap_or((&target, ""));
    let mut headers = HashMap::new();
    loop {
        let mut header = String::new();
        reader.read_line(&mut header)?;
        let header = header.trim_end();
        if header.is_empty() {
            break;
        }
        if let Some((name, value)) = header.split_once(':') {
            headers.insert(name.trim().to_ascii_lowercase(), value.trim().to_owned());
        }
    }
    let mut body = Vec::new();
    if headers
        .get("transfer-encoding")
        .is_some_and(|v| v.eq_ignore_ascii_case("chunked"))
    {
        loop {
            let mut size = String::new();
            reader.read_line(&mut size)?;
            let size = usize::from_str_radix(size.trim().split(';').next().unwrap_or("0"), 16).unwrap_or(0);
            let mut chunk = vec![0; size + 2];
            reader.read_exact(&mut chunk)?;
            if size == 0 {
                break;
            }
            body.extend_from_slice(&chunk[..size]);
        }
    } else if let Some(len) = headers
        .get("content-length")
        .and_then(|l| l.parse::<usize>().ok())
    {
        body.resize(len, 0);
        reader.read_exact(&mut body)?;
    }
    Ok(Request {
        method,
        path: path.to_owned(),
        query: query.to_owned(),
        headers,
        body,
    })
}

fn handle(
    mut stream: TcpStream,
    project_root: &Path,
    state: &Mutex<State>,
    stop: &AtomicBool,
) -> std::io::Result<()> {
    stream.set_read_timeout(Some(Duration::from_secs(20)))?;
    let request = read_request(&stream)?;
    let auth = request.headers.get("authorization").cloned();
    let (required, stall) = {
        let mut state = state.lock().unwrap();
        state.seen_auth.push(auth.clone());
        (state.required_auth.clone(), state.stall)
    };
    if stall {
        let until = Instant::now() + Duration::from_mins(1);
        while Instant::now() < until && !stop.load(Ordering::SeqCst) {
            std::thread::sleep(Duration::from_millis(20));
        }
        return Ok(());
    }
    if required.is_some() && auth != required {
        let body = b"authentication required\n";
        write!(
            stream,
            "HTTP/1.1 401 Unauthorized\r\nWWW-Authenticate: Basic realm=\"test\"\r\nContent-Type: text/plain\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
            body.len()
        )?;
        stream.write_all(body)?;
        return stream.flush();
    }

    let mut cgi = Command::new("git");
    cgi.arg("http-backend")
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .env("GIT_CONFIG_GLOBAL", "/dev/null")
        .env("GIT_PROJECT_ROOT", project_root)
        .env("GIT_HTTP_EXPORT_ALL", "1")
        .env("REQUEST_METHOD", &request.method)
        .env("PATH_INFO", &request.path)
        .env("QUERY_STRING", &request.query)
        .env("REMOTE_ADDR", "127.0.0.1")
        .env("CONTENT_LENGTH", request.body.len().to_string())
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::null());
    for (header, var) in [
        ("content-type", "CONTENT_TYPE"),
        ("git-protocol", "HTTP_GIT_PROTOCOL"),
        ("content-encoding", "HTTP_CONTENT_ENCODING"),
    ] {
        if let Some(value) = request.headers.get(header) {
            cgi.env(var, value);
        }
    }
    let mut child = cgi.spawn()?;
    let mut stdin = child.stdin.take().unwrap();
    let body = request.body;
    let writer = std::thread::spawn(move || {
        let _ = stdin.write_all(&body);
    });
    let out = child.wait_with_output()?;
    let _ = writer.join();

    let output = out.stdout;
    let split = output
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .map(|i| (i, i + 4))
        .or_else(|| output.windows(2).position(|w| w == b"\n\n").map(|i| (i, i + 2)))
        .unwrap_or((output.len(), output.len()));
    let head = String::from_utf8_lossy(&output[..split.0]).into_owned();
    let body = &output[split.1..];
    let mut status = "200 OK".to_owned();
    let mut response = String::new();
    for line in head.lines().map(str::trim).filter(|l| !l.is_empty()) {
        match line.split_once(':') {
            Some((name, value)) if name.eq_ignore_ascii_case("status") => {
                value.trim().clone_into(&mut status);
            }
            _ => {
                response.push_str(line);
                response.push_str("\r\n");
            }
        }
    }
    write!(
        stream,
        "HTTP/1.1 {status}\r\n{response}Content-Length: {}\r\nConnection: close\r\n\r\n",
        body.len()
    )?;
    stream.write_all(body)?;
    stream.flush()
}
