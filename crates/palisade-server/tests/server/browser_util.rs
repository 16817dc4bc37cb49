//! Real headless Chromium for the console's browser tests: one chromedriver
//! per test on a free loopback port, a fresh browser profile, screenshots
//! kept as artefacts, and every process it started killed when the test
//! ends, passed or failed.

use std::io::Read as _;
use std::os::unix::process::CommandExt as _;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use fantoccini::actions::{InputSource as _, KeyAction, KeyActions};
use fantoccini::elements::Element;
use fantoccini::error::CmdError;
use fantoccini::key::Key;
use fantoccini::{Client, ClientBuilder, Locator};
use hyper_util::client::legacy::connect::HttpConnector;
use serde_json::{Value, json};

pub const CHROMIUM: &str = "/usr/bin/chromium";
pub const CHROMEDRIVER: &str = "/usr/bin/chromedriver";
/// How long a page may take to show what a test waits for.
pub const WAIT: Duration = Duration::from_secs(10);
const POLL: Duration = Duration::from_millis(50);

/// A chromedriver process group: chromedriver and the browsers it started.
/// Dropping it kills the whole group, so nothing outlives a failed test.
struct Driver {
    child: Child,
    log: PathBuf,
}

impl Driver {
    fn spawn(port: u16, dir: &Path) -> Self {
        let log = dir.join(format!("chromedriver-{port}.log"));
        let child = Command::new(CHROMEDRIVER)
            .arg(format!("--port={port}"))
            .arg(format!("--log-path={}", log.display()))
            .arg("--log-level=WARNING")
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            // A group of its own: the browser and its helpers join it, and
            // `Drop` ends them all by the group's id.
            .process_group(0)
            .spawn()
            .unwrap_or_else(|e| panic!("could not start {CHROMEDRIVER}: {e}; {}", install_hint()));
        Self { child, log }
    }

    fn log_tail(&self) -> String {
        let mut text = String::new();
        if let Ok(mut f) = std::fs::File::open(&self.log) {
            let _ = f.read_to_string(&mut text);
        }
        let start = text.len().saturating_sub(4000);
        text[text.floor_char_boundary(start)..].to_owned()
    }

    /// Waits until chromedriver answers `/status` as ready; `Err` when it
    /// exited (the port was taken) or never answered.
    async fn ready(&mut self, port: u16) -> Result<(), String> {
        let url = format!("http://127.0.0.1:{port}/status");
        let http = reqwest::Client::builder()
            .timeout(Duration::from_secs(2))
            .build()
            .unwrap();
        let start = Instant::now();
        while start.elapsed() < WAIT {
            if let Ok(Some(status)) = self.child.try_wait() {
                return Err(format!("chromedriver exited with {status}: {}", self.log_tail()));
            }
            if let Ok(resp) = http.get(&url).send().await
                && let Ok(body) = resp.json::<Value>().await
                && body["value"]["ready"] == json!(true)
            {
                return Ok(());
            }
            tokio::time::sleep(POLL).await;
        }
        Err(format!(
            "chromedriver did not answer {url} within {WAIT:?}: {}",
            self.log_tail()
        ))
    }
}

impl Drop for Driver {
    fn drop(&mut self) {
        // Only the group this guard started, by its id (chromedriver's).
        let group = rustix::process::Pid::from_child(&self.child);
        let _ = rustix::process::kill_process_group(group, rustix::process::Signal::KILL);
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn install_hint() -> String {
    format!(
        "the browser tests need Chromium ({CHROMIUM}) and chromedriver ({CHROMEDRIVER}): \
         install them with `apt-get install -y chromium chromium-driver` (scripts/test.sh does)"
    )
}

/// A free loopback port, as the kernel hands one out. Another process may
/// take it before chromedriver binds it; [`Browser::start`] then retries.
fn free_port() -> u16 {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    listener.local_addr().unwrap().port()
}

/// One headless Chromium session on the console at `base`.
pub struct Browser {
    pub client: Client,
    base: String,
    shots: PathBuf,
    // Dropped in this order: the session, the processes, then the profile.
    driver: Driver,
    _profile: tempfile::TempDir,
}

impl Browser {
    /// Starts chromedriver and a browser with a fresh profile; screenshots
    /// go to `target/browser-screenshots/<backend>/`.
    pub async fn start(base: &str, backend: &str) -> Self {
        for path in [CHROMIUM, CHROMEDRIVER] {
            assert!(Path::new(path).exists(), "{path} is missing: {}", install_hint());
        }
        let profile = tempfile::tempdir().unwrap();
        let mut tries = Vec::new();
        let (driver, port) = loop {
            let port = free_port();
            let mut driver = Driver::spawn(port, profile.path());
            match driver.ready(port).await {
                Ok(()) => break (driver, port),
                Err(e) if tries.len() < 2 => tries.push(e),
                Err(e) => panic!("chromedriver did not start: {tries:?} {e}"),
            }
        };
        let caps = json!({
            "browserName": "chrome",
            "goog:chromeOptions": {
                "binary": CHROMIUM,
                "args": [
                    "--headless=new",
                    "--no-sandbox",
                    "--disable-gpu",
                    "--disable-dev-shm-usage",
                    "--window-size=1280,900",
                    "--no-first-run",
                    "--no-default-browser-check",
                    format!("--user-data-dir={}", profile.path().join("profile").display()),
                ],
            },
        });
        let Value::Object(caps) = caps else {
            unreachable!("a JSON object")
        };
        let client = ClientBuilder::new(HttpConnector::new())
            .capabilities(caps)
            .connect(&format!("http://127.0.0.1:{port}"))
            .await
            .unwrap_or_else(|e| panic!("no browser session: {e}; {}", driver.log_tail()));
        let shots = Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../../target/browser-screenshots")
            .join(backend);
        std::fs::create_dir_all(&shots).unwrap();
        Self {
            client,
            base: base.trim_end_matches('/').to_owned(),
            shots,
            driver,
            _profile: profile,
        }
    }

    /// Ends the browser session cleanly; the processes end on drop either way.
    pub async fn close(self) {
        let Self { client, driver, .. } = self;
        let _ = client.close().await;
        drop(driver);
    }

    pub async fn goto(&self, path: &str) {
        self.client
            .goto(&format!("{}{path}", self.base))
            .await
            .unwrap_or_else(|e| panic!("{path}: {e}"));
    }

    /// The current page's path and query, e.g. `/inventory?q=web`.
    pub async fn here(&self) -> String {
        let url = self.client.current_url().await.unwrap();
        match url.query() {
            Some(q) => format!("{}?{q}", url.path()),
            None => url.path().to_owned(),
        }
    }

    /// Saves a screenshot of the viewport as `<name>.png`.
    pub async fn shot(&self, name: &str) {
        let png = self.client.screenshot().await.unwrap();
        std::fs::write(self.shots.join(format!("{name}.png")), png).unwrap();
    }

    /// Polls `check` until it gives a value, for up to [`WAIT`]; otherwise
    /// saves a `failed-...` screenshot and fails, naming `what`.
    pub async fn until<T>(&self, what: &str, mut check: impl AsyncFnMut() -> Option<T>) -> T {
        let start = Instant::now();
        loop {
            if let Some(v) = check().await {
                return v;
            }
            if start.elapsed() > WAIT {
                let name: String = what
                    .chars()
                    .map(|c| if c.is_ascii_alphanumeric() { c } else { '-' })
                    .take(60)
                    .collect();
                let _ = self
                    .client
                    .screenshot()
                    .await
                    .map(|png| std::fs::write(self.shots.join(format!("failed-{name}.png")), png));
                let at = self.client.current_url().await.map(|u| u.to_string());
                panic!("waited {WAIT:?} for {what}; the page is {at:?}");
            }
            tokio::time::sleep(POLL).await;
        }
    }

    /// The element `css` once it is on the page.
    pub async fn find(&self, css: &str) -> Element {
        self.until(&format!("`{css}`"), async || {
            self.client.find(Locator::Css(css)).await.ok()
        })
        .await
    }

    /// All elements matching `css` now (none is an answer).
    pub async fn all(&self, css: &str) -> Vec<Element> {
        self.client.find_all(Locator::Css(css)).await.unwrap()
    }

    /// The visible text of `css` once it is on the page.
    pub async fn text(&self, css: &str) -> String {
        // An element can go stale between finding and reading while a page loads.
        self.until(&format!("text of `{css}`"), async || {
            let el = self.client.find(Locator::Css(css)).await.ok()?;
            el.text().await.ok()
        })
        .await
    }

    /// Waits until the page's path (without the query) is `path`.
    pub async fn wait_path(&self, path: &str) {
        self.until(&format!("the path {path}"), async || {
            let url = self.client.current_url().await.ok()?;
            (url.path() == path).then_some(())
        })
        .await;
    }

    /// Types `text` into the input `css`, replacing what it held.
    pub async fn type_into(&self, css: &str, text: &str) {
        let el = self.find(css).await;
        el.clear().await.unwrap();
        el.send_keys(text).await.unwrap();
    }

    pub async fn click(&self, css: &str) {
        self.find(css).await.click().await.unwrap();
    }

    /// Presses and releases one key on whatever has focus.
    pub async fn press(&self, key: Key) {
        let keys = KeyActions::new("keyboard".into())
            .then(KeyAction::Down { value: key.into() })
            .then(KeyAction::Up { value: key.into() });
        self.client.perform_actions(keys).await.unwrap();
    }

    pub async fn script(&self, js: &str) -> Value {
        self.script_with(js, Vec::new()).await
    }

    /// Runs `js` with `arguments` bound to `args`.
    pub async fn script_with(&self, js: &str, args: Vec<Value>) -> Value {
        self.client
            .execute(js, args)
            .await
            .unwrap_or_else(|e: CmdError| panic!("{js}: {e}"))
    }

    /// Whether a person can see `css`: scrolled into view, it has a size and
    /// nothing else is painted over its centre.
    pub async fn visible(&self, css: &str) -> bool {
        self.find(css).await;
        let seen = self
            .script_with(
                "const el = document.querySelector(arguments[0]);
                 el.scrollIntoView({block: 'center', inline: 'center'});
                 const r = el.getBoundingClientRect();
                 const hit = document.elementFromPoint(r.left + r.width / 2, r.top + r.height / 2);
                 return r.width > 0 && r.height > 0 && hit !== null && el.contains(hit);",
                vec![json!(css)],
            )
            .await;
        seen == json!(true)
    }

    /// Whether the page fits the window's width: the document is no wider
    /// than the viewport less any scroll bar (a table may scroll in its box).
    pub async fn fits_width(&self) -> Result<(), String> {
        let widths = self
            .script(
                "const d = document.documentElement;
                 return [d.scrollWidth, d.clientWidth, window.innerWidth];",
            )
            .await;
        let [scroll, client, inner] = [0, 1, 2].map(|i| widths[i].as_u64().unwrap_or(u64::MAX));
        if scroll <= client && client <= inner {
            Ok(())
        } else {
            Err(format!(
                "the document is {scroll}px wide in a {client}px viewport (window {inner}px)"
            ))
        }
    }

    /// Resizes the window and waits until the page's viewport is `width` wide.
    pub async fn resize(&self, width: u32, height: u32) {
        self.client.set_window_size(width, height).await.unwrap();
        self.until(&format!("a viewport {width}px wide"), async || {
            let inner = self.script("return window.innerWidth").await;
            (inner.as_u64() == Some(u64::from(width))).then_some(())
        })
        .await;
    }
}
