//! Shared helpers: start the contoso fixture, make authenticated requests.

use base64::Engine as _;
use palisade_ado_sim::{Estate, RunningSim, Sim, start};
use reqwest::header::HeaderMap;
use serde_json::Value;

pub const FULL_PAT: &str = "palisade-demo-pat-7Hq2Vx9LmC4RtB8nKz3W";
pub const EXPIRED_PAT: &str = "palisade-expired-pat-Qm4Tz8Lr2Xc6Vb1N";
pub const REVOKED_PAT: &str = "palisade-revoked-pat-Jd7Ks3Pw9Fh2Gm5Y";
pub const NOCODE_PAT: &str = "palisade-nocode-pat-Ur6Ye2Io8Pa4Sd1F";
pub const FABRIKAM_PAT: &str = "palisade-fabrikam-pat-Zx5Cv9Bn3Ml7Kj2H";
pub const BOB_PAT: &str = "palisade-bob-pat-Wq1Er5Ty9Ui3Op7A";

pub async fn contoso_sim() -> RunningSim {
    start(Sim::new(palisade_ado_sim::contoso().unwrap()))
        .await
        .unwrap()
}

pub async fn sim_with(estate: Estate) -> RunningSim {
    start(Sim::new(estate)).await.unwrap()
}

pub fn basic(pat: &str) -> String {
    format!(
        "Basic {}",
        base64::engine::general_purpose::STANDARD.encode(format!("user:{pat}"))
    )
}

pub fn client() -> reqwest::Client {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
}

pub struct Answer {
    pub status: u16,
    pub headers: HeaderMap,
    pub text: String,
}

impl Answer {
    pub fn json(&self) -> Value {
        serde_json::from_str(&self.text).unwrap_or_else(|e| panic!("not JSON ({e}): {}", self.text))
    }

    pub fn header(&self, name: &str) -> Option<String> {
        self.headers.get(name).map(|v| v.to_str().unwrap().to_string())
    }
}

pub async fn send(req: reqwest::RequestBuilder) -> Answer {
    let resp = req.send().await.unwrap();
    let status = resp.status().as_u16();
    let headers = resp.headers().clone();
    let text = resp.text().await.unwrap();
    Answer {
        status,
        headers,
        text,
    }
}

/// GET `{base_url}{path}` with a PAT and `X-TFS-FedAuthRedirect: Suppress`.
pub async fn get_pat(sim: &RunningSim, path: &str, pat: &str) -> Answer {
    send(
        client()
            .get(format!("{}{path}", sim.base_url))
            .header("Authorization", basic(pat))
            .header("X-TFS-FedAuthRedirect", "Suppress"),
    )
    .await
}

pub async fn get(sim: &RunningSim, path: &str) -> Answer {
    get_pat(sim, path, FULL_PAT).await
}

pub async fn post_json(sim: &RunningSim, path: &str, body: &Value) -> Answer {
    send(
        client()
            .post(format!("{}{path}", sim.base_url))
            .header("Authorization", basic(FULL_PAT))
            .header("X-TFS-FedAuthRedirect", "Suppress")
            .json(body),
    )
    .await
}

pub fn names(v: &Value, key: &str) -> Vec<String> {
    v["value"]
        .as_array()
        .unwrap()
        .iter()
        .map(|x| x[key].as_str().unwrap_or_default().to_string())
        .collect()
}

/// A web-hook receiver on a loopback port: records every request, answers `status`.
pub struct Receiver {
    pub url: String,
    pub seen: std::sync::Arc<std::sync::Mutex<Vec<(HeaderMap, Value)>>>,
    pub status: std::sync::Arc<std::sync::atomic::AtomicU16>,
}

pub async fn receiver() -> Receiver {
    use std::sync::atomic::{AtomicU16, Ordering};
    use std::sync::{Arc, Mutex};
    let seen: Arc<Mutex<Vec<(HeaderMap, Value)>>> = Arc::default();
    let status = Arc::new(AtomicU16::new(200));
    let (log, code) = (Arc::clone(&seen), Arc::clone(&status));
    let app = axum::Router::new().fallback(move |req: axum::extract::Request| {
        let (log, code) = (Arc::clone(&log), Arc::clone(&code));
        async move {
            let (parts, body) = req.into_parts();
            let body = axum::body::to_bytes(body, 64 << 20).await.unwrap_or_default();
            let v = serde_json::from_slice(&body).unwrap_or(Value::Null);
            log.lock().unwrap().push((parts.headers, v));
            axum::http::StatusCode::from_u16(code.load(Ordering::SeqCst)).unwrap()
        }
    });
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        axum::serve(listener, app).await.ok();
    });
    Receiver {
        url: format!("http://{addr}/hooks/ado"),
        seen,
        status,
    }
}

impl Receiver {
    pub fn events(&self) -> Vec<(HeaderMap, Value)> {
        self.seen.lock().unwrap().clone()
    }

    /// Waits (up to 10 s) until `n` requests came in.
    pub async fn wait_for(&self, n: usize) -> Vec<(HeaderMap, Value)> {
        for _ in 0..1000 {
            let e = self.events();
            if e.len() >= n {
                return e;
            }
            tokio::time::sleep(std::time::Duration::from_millis(10)).await;
        }
        panic!("{n} deliveries expected, got {:#?}", self.events());
    }

    pub fn of_type(&self, event_type: &str) -> Vec<Value> {
        self.events()
            .into_iter()
            .map(|(_, v)| v)
            .filter(|v| v["eventType"] == event_type)
            .collect()
    }
}

pub async fn send_json(
    sim: &RunningSim,
    method: reqwest::Method,
    path: &str,
    pat: &str,
    body: &Value,
) -> Answer {
    send(
        client()
            .request(method, format!("{}{path}", sim.base_url))
            .header("Authorization", basic(pat))
            .header("X-TFS-FedAuthRedirect", "Suppress")
            .json(body),
    )
    .await
}
