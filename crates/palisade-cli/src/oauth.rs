//! `--auth oauth`: the Entra authorization code flow with PKCE, through a
//! loopback redirect (`http://127.0.0.1:PORT/callback`) served here.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use anyhow::{Context, bail};
use palisade_ado::{Pkce, TokenEndpoint, authorize_url, exchange_code};
use palisade_vault::Credential;
use secrecy::SecretString;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

/// Signs in in the browser and returns the credential to store.
pub async fn sign_in(
    login_url: &str,
    tenant: &str,
    client_id: &str,
    client_secret: Option<&SecretString>,
    timeout: Duration,
) -> anyhow::Result<Credential> {
    let listener = TcpListener::bind("127.0.0.1:0")
        .await
        .context("cannot listen on a loopback port for the sign-in redirect")?;
    let port = listener.local_addr()?.port();
    let redirect = format!("http://127.0.0.1:{port}/callback");
    let pkce = Pkce::generate().map_err(|e| anyhow::anyhow!("no randomness for PKCE: {e}"))?;
    let mut state_bytes = [0u8; 16];
    getrandom::fill(&mut state_bytes)
        .map_err(|e| anyhow::anyhow!("no randomness for the sign-in state: {e}"))?;
    let state = hex::encode(state_bytes);
    let url = authorize_url(login_url, tenant, client_id, &redirect, &state, &pkce.challenge)
        .with_context(|| format!("--login-url {login_url} does not give a valid authorize URL"))?;
    anstream::eprintln!("Open this URL to authorize palisade: {url}");
    let forged = std::sync::atomic::AtomicUsize::new(0);
    let code = tokio::time::timeout(timeout, wait_for_code(&listener, &state, &forged))
        .await
        .map_err(|_| {
            let n = forged.load(std::sync::atomic::Ordering::Relaxed);
            let ignored = if n > 0 {
                format!(" ({n} redirect(s) with the wrong state, stale or forged, were ignored)")
            } else {
                String::new()
            };
            anyhow::anyhow!(
                "no sign-in within {} s (--auth-timeout){ignored}: nothing was saved",
                timeout.as_secs()
            )
        })??;
    let endpoint = TokenEndpoint::new(login_url, tenant, client_id);
    let tokens = exchange_code(&endpoint, client_secret, &redirect, &code, &pkce.verifier)
        .await
        .context("Entra ID did not redeem the authorization code")?;
    let refresh_token = tokens
        .refresh
        .context("Entra ID returned no refresh token: the application must allow the offline_access scope")?;
    let expires_at = tokens
        .expires_at
        .duration_since(UNIX_EPOCH)
        .ok()
        .map(|d| d.as_millis() as i64)
        .or_else(|| {
            SystemTime::now()
                .duration_since(UNIX_EPOCH)
                .ok()
                .map(|d| d.as_millis() as i64)
        });
    Ok(Credential::OAuth {
        refresh_token,
        access_token: Some(tokens.access),
        expires_at,
        client_secret: client_secret.cloned(),
    })
}

/// Serves the loopback listener until `/callback` brings a code with our state.
/// A request with the wrong state is answered 400 and ignored: any local
/// process could send one, and it must not end a sign-in in progress.
async fn wait_for_code(
    listener: &TcpListener,
    state: &str,
    forged: &std::sync::atomic::AtomicUsize,
) -> anyhow::Result<SecretString> {
    loop {
        let (mut stream, _) = listener.accept().await?;
        let Some(target) = read_request_target(&mut stream).await else {
            respond(&mut stream, "400 Bad Request", "Bad request.").await;
            continue;
        };
        let (path, query) = target.split_once('?').unwrap_or((target.as_str(), ""));
        if path != "/callback" {
            respond(&mut stream, "404 Not Found", "Not found.").await;
            continue;
        }
        let params: Vec<(String, String)> = url::form_urlencoded::parse(query.as_bytes())
            .map(|(k, v)| (k.into_owned(), v.into_owned()))
            .collect();
        let get = |k: &str| params.iter().find(|(n, _)| n == k).map(|(_, v)| v.as_str());
        if get("state") != Some(state) {
            respond(
                &mut stream,
                "400 Bad Request",
                "The sign-in state does not match: start again from palisade.",
            )
            .await;
            forged.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
            tracing::warn!("ignored a sign-in redirect with the wrong state");
            continue;
        }
        if let Some(err) = get("error") {
            let desc = get("error_description").unwrap_or_default().to_owned();
            respond(
                &mut stream,
                "400 Bad Request",
                "Sign-in failed; see palisade's output.",
            )
            .await;
            bail!("sign-in failed: {err}: {desc}");
        }
        let Some(code) = get("code").filter(|c| !c.is_empty()) else {
            respond(&mut stream, "400 Bad Request", "No authorization code.").await;
            bail!("the sign-in redirect carried no authorization code");
        };
        let code = SecretString::from(code.to_owned());
        respond(
            &mut stream,
            "200 OK",
            "palisade is authorized. You can close this window.",
        )
        .await;
        return Ok(code);
    }
}

/// The target of `GET <target> HTTP/1.1`, reading at most 16 KiB of head.
async fn read_request_target(stream: &mut TcpStream) -> Option<String> {
    let mut buf = Vec::with_capacity(1024);
    let mut chunk = [0u8; 1024];
    while !buf.windows(4).any(|w| w == b"\r\n\r\n") {
        let n = tokio::time::timeout(Duration::from_secs(10), stream.read(&mut chunk))
            .await
            .ok()?
            .ok()?;
        if n == 0 {
            break;
        }
        buf.extend_from_slice(&chunk[..n]);
        if buf.len() > 16 * 1024 {
            return None;
        }
    }
    let head = std::str::from_utf8(&buf).ok()?;
    let mut parts = head.lines().next()?.split(' ');
    (parts.next()? == "GET").then_some(())?;
    parts.next().map(str::to_owned)
}

async fn respond(stream: &mut TcpStream, status: &str, body: &str) {
    let msg = format!(
        "HTTP/1.1 {status}\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    );
    let _ = stream.write_all(msg.as_bytes()).await;
    let _ = stream.shutdown().await;
}
