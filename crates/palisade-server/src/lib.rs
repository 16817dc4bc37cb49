//! `palisade serve`: the HTTP server (ADO service-hook webhooks, health and
//! readiness) plus the scheduler and an in-process worker.
//!
//! Webhooks are answered fast: a delivery is verified, deduplicated and
//! turned into a job; the scan runs later on any worker. Floods are shed
//! before they reach the store: bodies are capped and at most
//! [`ServeOptions::max_inflight_hooks`] deliveries are handled at once, the
//! rest get `503` with `Retry-After` (ADO retries).

// utoipa's path macro writes qualified paths of `params(...)` types.
#[allow(unused_qualifications)]
mod api;
mod console;
mod scope;

pub use api::openapi;

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::body::Bytes;
use axum::extract::{DefaultBodyLimit, Path, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use palisade_engine::{Engine, WEBHOOK_SECRET_HEADER, WebhookAuth, WebhookError, WorkerOptions};
use tokio::sync::{Semaphore, watch};

/// Largest webhook body accepted (ADO's PR events are a few KiB).
pub const MAX_HOOK_BODY: usize = 1 << 20;

/// How `palisade serve` runs.
#[derive(Clone, Debug)]
pub struct ServeOptions {
    pub listen: SocketAddr,
    /// Run the scheduler in this process.
    pub scheduler: bool,
    pub schedule_every: Duration,
    /// In-process worker; `None`: leave the jobs to `palisade worker`s.
    pub worker: Option<WorkerOptions>,
    pub max_inflight_hooks: usize,
    /// Send the console's session cookie without `Secure`, for a console
    /// served over plain HTTP to hosts other than `localhost`.
    pub insecure_cookies: bool,
}

impl Default for ServeOptions {
    fn default() -> Self {
        Self {
            listen: SocketAddr::from(([127, 0, 0, 1], 8080)),
            scheduler: true,
            schedule_every: Duration::from_mins(1),
            worker: Some(WorkerOptions::default()),
            max_inflight_hooks: 64,
            insecure_cookies: false,
        }
    }
}

#[derive(Clone)]
struct AppState {
    engine: Engine,
    hooks: Arc<Semaphore>,
    console: Arc<console::session::ConsoleConfig>,
}

/// The HTTP routes.
fn router(engine: Engine, opts: &ServeOptions) -> Router {
    let state = AppState {
        engine,
        hooks: Arc::new(Semaphore::new(opts.max_inflight_hooks.max(1))),
        console: console::session::config(!opts.insecure_cookies),
    };
    Router::new()
        .route("/healthz", get(|| async { "ok\n" }))
        .route("/readyz", get(ready))
        .route(
            "/hooks/ado/{connector}",
            post(ado_hook).layer(DefaultBodyLimit::max(MAX_HOOK_BODY)),
        )
        .merge(api::routes())
        .merge(console::routes())
        .with_state(state)
}

async fn ready(State(state): State<AppState>) -> Response {
    match state.engine.store().job_counts().await {
        Ok(_) => (StatusCode::OK, "ready\n").into_response(),
        Err(e) => {
            tracing::warn!(error = %e, "not ready");
            (StatusCode::SERVICE_UNAVAILABLE, "database unavailable\n").into_response()
        }
    }
}

fn json_error(status: StatusCode, code: &str, message: &str) -> Response {
    (
        status,
        axum::Json(serde_json::json!({ "code": code, "message": message })),
    )
        .into_response()
}

async fn ado_hook(
    State(state): State<AppState>,
    Path(connector): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let Ok(_permit) = state.hooks.try_acquire() else {
        let mut r = json_error(
            StatusCode::SERVICE_UNAVAILABLE,
            "busy",
            "too many deliveries at once; retry later",
        );
        r.headers_mut()
            .insert(header::RETRY_AFTER, header::HeaderValue::from_static("5"));
        return r;
    };
    let text = |name: &str| headers.get(name).and_then(|v| v.to_str().ok()).map(str::to_owned);
    let auth = WebhookAuth {
        authorization: text(header::AUTHORIZATION.as_str()),
        secret_header: text(WEBHOOK_SECRET_HEADER),
    };
    match state.engine.receive_ado_webhook(&connector, &auth, &body).await {
        Ok(outcome) => (StatusCode::OK, axum::Json(outcome)).into_response(),
        // Unknown connector and bad credentials look the same from outside.
        Err(WebhookError::UnknownConnector | WebhookError::Unauthorized) => {
            let mut r = json_error(
                StatusCode::UNAUTHORIZED,
                "unauthorized",
                "missing or wrong webhook credentials",
            );
            r.headers_mut().insert(
                header::WWW_AUTHENTICATE,
                header::HeaderValue::from_static("Basic realm=\"palisade webhooks\""),
            );
            r
        }
        Err(WebhookError::BadRequest(m)) => json_error(StatusCode::BAD_REQUEST, "bad-request", &m),
        Err(WebhookError::Unavailable(m)) => {
            tracing::warn!(error = %m, "webhook delivery could not be handled");
            json_error(
                StatusCode::SERVICE_UNAVAILABLE,
                "unavailable",
                "temporarily unavailable; retry later",
            )
        }
    }
}

/// Serves until `stop` turns true: HTTP, scheduler and worker. Returns the
/// address bound (useful with port 0) through `bound`.
pub async fn serve(
    engine: Engine,
    opts: ServeOptions,
    stop: watch::Receiver<bool>,
    bound: Option<tokio::sync::oneshot::Sender<SocketAddr>>,
) -> std::io::Result<()> {
    let listener = tokio::net::TcpListener::bind(opts.listen).await?;
    let addr = listener.local_addr()?;
    tracing::info!(%addr, "palisade is listening");
    if let Some(tx) = bound {
        let _ = tx.send(addr);
    }
    let mut background = tokio::task::JoinSet::new();
    if opts.scheduler {
        let (e, rx, every) = (engine.clone(), stop.clone(), opts.schedule_every);
        background.spawn(async move { e.run_scheduler(every, rx).await });
    }
    if let Some(w) = opts.worker.clone() {
        let (e, rx) = (engine.clone(), stop.clone());
        background.spawn(async move {
            if let Err(err) = e.run_worker(&w, rx).await {
                tracing::error!(error = %err, "worker stopped");
            }
        });
    }
    let mut stop_http = stop.clone();
    let app = router(engine, &opts).into_make_service_with_connect_info::<SocketAddr>();
    axum::serve(listener, app)
        .with_graceful_shutdown(async move {
            while !*stop_http.borrow() {
                if stop_http.changed().await.is_err() {
                    break;
                }
            }
        })
        .await?;
    while background.join_next().await.is_some() {}
    Ok(())
}
