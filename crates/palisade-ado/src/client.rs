//! The request core: one organization (collection), its URL form, auth
//! headers, api-version negotiation, retries through the shared governor,
//! status mapping and paging.

use std::collections::HashSet;
use std::fmt;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, PoisonError};

use palisade_domain::{Deployment, OrgName};
use reqwest::header::{ACCEPT, AUTHORIZATION, HeaderMap, HeaderValue};
use reqwest::{Method, StatusCode};
use secrecy::ExposeSecret;
use serde::de::DeserializeOwned;
use url::Url;

use crate::auth::Credential;
use crate::error::{AdoError, WrappedException, scope_missing_message};
use crate::models::List;
use crate::rate::{RateGovernor, RateStats, RetryPolicy};

/// How an Azure DevOps Services organization URL is written.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum HostForm {
    /// `https://dev.azure.com/{org}` (or the deployment's `api_url`).
    #[default]
    Path,
    /// `https://{org}.visualstudio.com`.
    Legacy,
}

/// The organization (collection) base URL, without a trailing slash.
///
/// Cloud: `{api_url}/{org}` or `https://{org}.visualstudio.com`; Server:
/// `{server_url}/{collection}` (e.g. `https://host/tfs/DefaultCollection`).
pub fn org_base_url(deployment: &Deployment, org: &OrgName, form: HostForm) -> Result<Url, AdoError> {
    let s = match (deployment, form) {
        (Deployment::Cloud { .. }, HostForm::Legacy) => {
            format!("https://{}.visualstudio.com", org.as_str())
        }
        _ => deployment.org_url(org),
    };
    Url::parse(&s).map_err(|e| AdoError::InvalidRequest(format!("bad organization URL {s:?}: {e}")))
}

/// `base` with `segments` appended, each percent-encoded as one segment
/// (project and repository names may hold spaces and other characters).
pub fn join_segments(base: &Url, segments: &[&str]) -> Url {
    let mut u = base.clone();
    if let Ok(mut p) = u.path_segments_mut() {
        p.pop_if_empty().extend(segments);
    }
    u
}

/// An endpoint's identity for versions, scopes and messages.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Endpoint {
    /// For messages: "git repositories".
    pub name: &'static str,
    /// `7.1` or `7.1-preview.1`.
    pub version: &'static str,
    /// The scope a PAT/OAuth token needs (`vso.code`).
    pub scope: Option<&'static str>,
}

/// `major.minor`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) struct ApiVersion(pub u32, pub u32);

impl ApiVersion {
    pub(crate) fn parse(s: &str) -> Option<Self> {
        let (maj, min) = s.split_once('.')?;
        let min: String = min.chars().take_while(char::is_ascii_digit).collect();
        Some(Self(maj.trim().parse().ok()?, min.parse().ok()?))
    }
}

/// The api-version to send for `requested` when the server supports at most
/// `max`: the lower of the two, keeping any `-preview.N` suffix.
pub(crate) fn effective_version(requested: &str, max: Option<ApiVersion>) -> String {
    let (Some(max), Some(req)) = (max, ApiVersion::parse(requested)) else {
        return requested.to_owned();
    };
    if req <= max {
        return requested.to_owned();
    }
    let suffix = requested.find('-').map_or("", |i| &requested[i..]);
    format!("{}.{}{suffix}", max.0, max.1)
}

/// The version a `VssVersionOutOfRangeException` says the server supports.
pub(crate) fn supported_version(message: &str) -> Option<ApiVersion> {
    let tail = message
        .find("supports is")
        .map_or(message, |i| &message[i + "supports is".len()..]);
    tail.split(|c: char| !(c.is_ascii_digit() || c == '.'))
        .filter(|w| w.contains('.'))
        .find_map(|w| ApiVersion::parse(w.trim_matches('.')))
}

pub(crate) fn describe_reqwest(e: &reqwest::Error) -> String {
    use std::error::Error as _;
    let mut s = if e.is_timeout() {
        "timed out".to_owned()
    } else if e.is_connect() {
        "connection failed".to_owned()
    } else {
        "request failed".to_owned()
    };
    let mut src = e.source();
    while let Some(inner) = src {
        s.push_str(": ");
        s.push_str(&inner.to_string());
        src = inner.source();
    }
    s
}

/// A successful (2xx, JSON) answer.
#[derive(Debug)]
pub(crate) struct Reply {
    pub headers: HeaderMap,
    pub body: Vec<u8>,
}

pub(crate) struct Inner {
    pub http: reqwest::Client,
    pub deployment: Deployment,
    pub host_form: HostForm,
    pub org: OrgName,
    pub base: Url,
    pub credential: Credential,
    pub governor: Arc<RateGovernor>,
    pub retry: RetryPolicy,
    pub max_pages: usize,
    pub max_version: Mutex<Option<ApiVersion>>,
    pub verified: AtomicBool,
}

/// An async client for ONE Azure DevOps organization (or Server
/// collection). Cheap to clone; clones share the connection pool, the
/// negotiated api-version and the identity's rate budget.
#[derive(Clone)]
pub struct AdoClient {
    pub(crate) inner: Arc<Inner>,
}

impl fmt::Debug for AdoClient {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AdoClient")
            .field("base", &self.inner.base.as_str())
            .field("credential", &self.inner.credential)
            .finish_non_exhaustive()
    }
}

impl AdoClient {
    pub fn org(&self) -> &OrgName {
        &self.inner.org
    }

    pub fn deployment(&self) -> &Deployment {
        &self.inner.deployment
    }

    /// The organization base URL requests go to.
    pub fn base_url(&self) -> &Url {
        &self.inner.base
    }

    pub fn governor(&self) -> &Arc<RateGovernor> {
        &self.inner.governor
    }

    pub fn stats(&self) -> RateStats {
        self.inner.governor.stats()
    }

    pub fn is_server(&self) -> bool {
        matches!(self.inner.deployment, Deployment::Server { .. })
    }

    /// A client for another organization of the same deployment and
    /// identity (same credential, HTTP pool and rate budget).
    pub fn for_org(&self, org: OrgName) -> Result<Self, AdoError> {
        let i = &self.inner;
        let base = org_base_url(&i.deployment, &org, i.host_form)?;
        Ok(Self {
            inner: Arc::new(Inner {
                http: i.http.clone(),
                deployment: i.deployment.clone(),
                host_form: i.host_form,
                org,
                base,
                credential: i.credential.clone(),
                governor: Arc::clone(&i.governor),
                retry: i.retry.clone(),
                max_pages: i.max_pages,
                max_version: Mutex::new(None),
                verified: AtomicBool::new(false),
            }),
        })
    }

    /// The `Authorization` header value for git over HTTPS with this client's credential:
    /// `Basic base64(":" + PAT)` or `Bearer <token>` (an Entra token, refreshed ahead of expiry
    /// like for REST calls). Hand it to git without putting it on a command line, e.g. through
    /// `GIT_CONFIG_COUNT=1`, `GIT_CONFIG_KEY_0=http.extraHeader` and
    /// `GIT_CONFIG_VALUE_0="Authorization: <value>"` in git's environment.
    pub async fn git_auth_header(&self) -> Result<secrecy::SecretString, AdoError> {
        Ok(self.inner.credential.header().await?)
    }

    pub(crate) fn url(&self, segments: &[&str]) -> Url {
        join_segments(&self.inner.base, segments)
    }

    fn max_version(&self) -> Option<ApiVersion> {
        *self
            .inner
            .max_version
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
    }

    /// The api-version negotiated with a Server, if it had to be lowered.
    pub fn negotiated_version(&self) -> Option<String> {
        self.max_version().map(|v| format!("{}.{}", v.0, v.1))
    }

    pub(crate) fn mark_verified(&self) {
        self.inner.verified.store(true, Ordering::Relaxed);
    }

    /// Sends one call with retries; returns only 2xx JSON answers.
    pub(crate) async fn execute(
        &self,
        ep: &Endpoint,
        method: Method,
        url: &Url,
        query: &[(&str, String)],
        body: Option<&serde_json::Value>,
    ) -> Result<Reply, AdoError> {
        let inner = &self.inner;
        let mut attempt = 0u32;
        let mut negotiated = false;
        loop {
            attempt += 1;
            let version = effective_version(ep.version, self.max_version());
            let auth = inner.credential.header().await?;
            let mut auth_value = HeaderValue::from_str(auth.expose_secret()).map_err(|_| {
                AdoError::InvalidRequest("the credential holds characters not allowed in a header".into())
            })?;
            auth_value.set_sensitive(true);
            let mut req = inner
                .http
                .request(method.clone(), url.clone())
                .query(query)
                .query(&[("api-version", version.as_str())])
                .header(AUTHORIZATION, auth_value)
                .header(ACCEPT, "application/json")
                .header("X-TFS-FedAuthRedirect", "Suppress")
                .header("X-VSS-ForceMsaPassThrough", "true");
            if let Some(b) = body {
                req = req.json(b);
            }
            let permit = inner.governor.acquire().await;
            tracing::debug!(endpoint = ep.name, %url, %version, attempt, "ado request");
            let sent = req.send().await;
            let resp = match sent {
                Ok(r) => r,
                Err(e) => {
                    drop(permit);
                    let detail = describe_reqwest(&e);
                    if attempt < inner.retry.max_attempts {
                        tracing::warn!(endpoint = ep.name, %detail, attempt, "network error; retrying");
                        inner.governor.count_retry();
                        tokio::time::sleep(inner.retry.backoff(attempt)).await;
                        continue;
                    }
                    return Err(AdoError::Network {
                        url: strip_query(url),
                        detail,
                    });
                }
            };
            let status = resp.status();
            let headers = resp.headers().clone();
            let body_bytes = match read_capped(resp, MAX_BODY_BYTES).await {
                Ok(b) => b,
                Err(e) => {
                    drop(permit);
                    if attempt < inner.retry.max_attempts {
                        inner.governor.count_retry();
                        tokio::time::sleep(inner.retry.backoff(attempt)).await;
                        continue;
                    }
                    return Err(AdoError::Network {
                        url: strip_query(url),
                        detail: describe_reqwest(&e),
                    });
                }
            };
            drop(permit);
            inner.governor.observe(&headers);

            if status == StatusCode::NON_AUTHORITATIVE_INFORMATION {
                return Err(AdoError::SignInPage {
                    endpoint: ep.name.to_owned(),
                });
            }
            if status.is_success() {
                if !body_bytes.is_empty() && !looks_like_json(&headers, &body_bytes) {
                    return Err(AdoError::SignInPage {
                        endpoint: ep.name.to_owned(),
                    });
                }
                return Ok(Reply {
                    headers,
                    body: body_bytes,
                });
            }
            if status.is_redirection() {
                let location = headers
                    .get(reqwest::header::LOCATION)
                    .and_then(|v| v.to_str().ok())
                    .unwrap_or_default()
                    .to_ascii_lowercase();
                if location.is_empty()
                    || ["signin", "login", "oauth", "_signedin", "authorize"]
                        .iter()
                        .any(|k| location.contains(k))
                {
                    return Err(AdoError::SignInPage {
                        endpoint: ep.name.to_owned(),
                    });
                }
                return Err(AdoError::MalformedResponse {
                    endpoint: ep.name.to_owned(),
                    detail: format!("unexpected redirect ({status}) to {location}"),
                });
            }
            let err = WrappedException::parse(&body_bytes);
            let message = err
                .message
                .clone()
                .unwrap_or_else(|| format!("HTTP {status} from {}", ep.name));
            match status.as_u16() {
                429 => {
                    inner.governor.count_429();
                    let retry_after = retry_after(&headers);
                    if retry_after.is_none() {
                        inner.governor.hold_for(inner.retry.backoff(attempt));
                    }
                    if attempt < inner.retry.max_attempts {
                        tracing::warn!(endpoint = ep.name, ?retry_after, "throttled (429); waiting");
                        inner.governor.count_retry();
                        continue;
                    }
                    return Err(AdoError::Throttled { retry_after });
                }
                500..=599 => {
                    if attempt < inner.retry.max_attempts {
                        tracing::warn!(endpoint = ep.name, %status, "server error; retrying");
                        inner.governor.count_retry();
                        if !inner.governor.held() {
                            tokio::time::sleep(inner.retry.backoff(attempt)).await;
                        }
                        continue;
                    }
                    return Err(AdoError::Server {
                        status: status.as_u16(),
                        message,
                    });
                }
                400 if err.type_key.as_deref() == Some("VssVersionOutOfRangeException") => {
                    let supported = supported_version(&message);
                    match supported {
                        Some(v) if !negotiated && ApiVersion::parse(&version).is_some_and(|cur| v < cur) => {
                            tracing::info!(endpoint = ep.name, supported = ?v, "server supports an older api-version; retrying");
                            *inner.max_version.lock().unwrap_or_else(PoisonError::into_inner) = Some(v);
                            negotiated = true;
                            attempt -= 1;
                        }
                        _ => {
                            return Err(AdoError::VersionUnsupported {
                                requested: version,
                                message,
                            });
                        }
                    }
                }
                400 => {
                    return Err(AdoError::BadRequest {
                        type_key: err.type_key,
                        message,
                    });
                }
                401 => {
                    if message.contains("TF400813")
                        && ep.name != CONNECTION_DATA.name
                        && self.identity_ok().await
                    {
                        {
                            let scope = ep.scope.map(str::to_owned);
                            let text = scope.as_deref().map_or_else(
                                || format!("The token may not call {}: {message}", ep.name),
                                scope_missing_message,
                            );
                            return Err(AdoError::ScopeMissing { scope, message: text });
                        }
                    }
                    return Err(AdoError::Unauthorized {
                        message: err
                            .message
                            .unwrap_or_else(|| "Azure DevOps rejected the credential (401)".to_owned()),
                    });
                }
                403 => return Err(AdoError::Forbidden { message }),
                404 => {
                    return Err(AdoError::NotFound {
                        what: format!("{} at {} ({message})", ep.name, strip_query(url)),
                    });
                }
                409 => return Err(AdoError::Conflict { message }),
                _ => {
                    return Err(AdoError::BadRequest {
                        type_key: err.type_key.or_else(|| Some(format!("HTTP {}", status.as_u16()))),
                        message,
                    });
                }
            }
        }
    }

    /// Whether the credential is valid for connectionData (so a 401 TF400813
    /// elsewhere means a missing scope, not a bad credential).
    async fn identity_ok(&self) -> bool {
        if self.inner.verified.load(Ordering::Relaxed) {
            return true;
        }
        Box::pin(self.connection_data()).await.is_ok()
    }

    pub(crate) fn parse<T: DeserializeOwned>(ep: &Endpoint, body: &[u8]) -> Result<T, AdoError> {
        let body = body.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(body);
        serde_json::from_slice(body).map_err(|e| AdoError::MalformedResponse {
            endpoint: ep.name.to_owned(),
            detail: e.to_string(),
        })
    }

    /// One GET, parsed.
    pub(crate) async fn get_json<T: DeserializeOwned>(
        &self,
        ep: &Endpoint,
        url: &Url,
        query: &[(&str, String)],
    ) -> Result<T, AdoError> {
        Ok(self.get_parsed(ep, url, query).await?.0)
    }

    /// A GET whose body must parse. A body that does not (a reply cut short)
    /// is fetched again: GETs are idempotent, and two more tries are cheap
    /// next to losing a listing.
    async fn get_parsed<T: DeserializeOwned>(
        &self,
        ep: &Endpoint,
        url: &Url,
        query: &[(&str, String)],
    ) -> Result<(T, Reply), AdoError> {
        let mut tries = 0;
        loop {
            tries += 1;
            let reply = self.execute(ep, Method::GET, url, query, None).await?;
            match Self::parse(ep, &reply.body) {
                Ok(v) => return Ok((v, reply)),
                Err(e) if tries < 3 => {
                    tracing::warn!(endpoint = ep.name, error = %e, "malformed reply; fetching again");
                }
                Err(e) => return Err(e),
            }
        }
    }

    /// A `{count, value}` list, following `x-ms-continuationtoken` to the
    /// end. A token seen twice or too many pages is an error, never a loop.
    pub(crate) async fn get_all_token<T: DeserializeOwned>(
        &self,
        ep: &Endpoint,
        url: &Url,
        query: &[(&str, String)],
    ) -> Result<Vec<T>, AdoError> {
        let mut out = Vec::new();
        let mut token: Option<String> = None;
        let mut seen = HashSet::new();
        for _page in 0..self.inner.max_pages {
            let mut q = query.to_vec();
            if let Some(t) = &token {
                q.push(("continuationToken", t.clone()));
            }
            let (list, reply): (List<T>, _) = self.get_parsed(ep, url, &q).await?;
            out.extend(list.value);
            let next = reply
                .headers
                .get("x-ms-continuationtoken")
                .and_then(|v| v.to_str().ok())
                .map(str::trim)
                .filter(|t| !t.is_empty())
                .map(str::to_owned);
            match next {
                None => return Ok(out),
                Some(t) => {
                    if !seen.insert(t.clone()) {
                        return Err(AdoError::MalformedResponse {
                            endpoint: ep.name.to_owned(),
                            detail: format!(
                                "the server returned the continuation token {t:?} twice; stopping instead of looping"
                            ),
                        });
                    }
                    token = Some(t);
                }
            }
        }
        Err(self.too_many_pages(ep))
    }

    /// A `{count, value}` list paged with `$top`/`$skip` (names given, as
    /// some routes prefix them with `searchCriteria.`), up to `limit` items.
    pub(crate) async fn get_all_skip<T: DeserializeOwned>(
        &self,
        ep: &Endpoint,
        url: &Url,
        query: &[(&str, String)],
        (top_name, skip_name): (&'static str, &'static str),
        page_size: usize,
        limit: Option<usize>,
    ) -> Result<Vec<T>, AdoError> {
        let mut out: Vec<T> = Vec::new();
        for _page in 0..self.inner.max_pages {
            let want = limit.map_or(page_size, |l| page_size.min(l - out.len()));
            let mut q = query.to_vec();
            q.push((top_name, want.to_string()));
            q.push((skip_name, out.len().to_string()));
            let (list, _reply): (List<T>, _) = self.get_parsed(ep, url, &q).await?;
            let n = list.value.len();
            out.extend(list.value);
            if n < want || n == 0 || limit.is_some_and(|l| out.len() >= l) {
                return Ok(out);
            }
        }
        Err(self.too_many_pages(ep))
    }

    fn too_many_pages(&self, ep: &Endpoint) -> AdoError {
        AdoError::MalformedResponse {
            endpoint: ep.name.to_owned(),
            detail: format!(
                "more than {} pages; stopping (raise the client's page limit if this is expected)",
                self.inner.max_pages
            ),
        }
    }
}

pub(crate) const CONNECTION_DATA: Endpoint = Endpoint {
    name: "connectionData",
    version: "7.1-preview.1",
    scope: None,
};

fn strip_query(url: &Url) -> String {
    let mut u = url.clone();
    u.set_query(None);
    u.to_string()
}

fn looks_like_json(headers: &HeaderMap, body: &[u8]) -> bool {
    let ct = headers
        .get(reqwest::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_ascii_lowercase();
    if ct.contains("html") {
        return false;
    }
    let first = body
        .strip_prefix(b"\xEF\xBB\xBF")
        .unwrap_or(body)
        .iter()
        .find(|b| !b.is_ascii_whitespace());
    !matches!(first, Some(b'<'))
}

fn retry_after(headers: &HeaderMap) -> Option<std::time::Duration> {
    let v = headers
        .get("retry-after")?
        .to_str()
        .ok()?
        .trim()
        .parse::<f64>()
        .ok()?;
    // At most a day: a larger value is a broken or hostile server, not a plan.
    (v.is_finite() && v >= 0.0).then(|| std::time::Duration::from_secs_f64(v.min(86_400.0)))
}

/// The largest reply body read: a 10,000-repository listing is about 10 MiB.
pub(crate) const MAX_BODY_BYTES: usize = 256 << 20;

/// Reads a body, refusing one larger than `cap` (a hostile or broken server
/// must not make palisade hold gigabytes).
pub(crate) async fn read_capped(mut resp: reqwest::Response, cap: usize) -> Result<Vec<u8>, reqwest::Error> {
    let mut out = Vec::with_capacity(resp.content_length().map_or(0, |n| (n as usize).min(cap)));
    while let Some(chunk) = resp.chunk().await? {
        if out.len() + chunk.len() > cap {
            // Treated as a cut reply: the caller's retry and error paths apply.
            out.extend_from_slice(&chunk[..cap - out.len()]);
            break;
        }
        out.extend_from_slice(&chunk);
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn versions_are_lowered_keeping_preview() {
        let six = ApiVersion::parse("6.0");
        assert_eq!(effective_version("7.1", six), "6.0");
        assert_eq!(effective_version("7.1-preview.1", six), "6.0-preview.1");
        assert_eq!(effective_version("7.2-preview.1", six), "6.0-preview.1");
        assert_eq!(effective_version("5.1", six), "5.1");
        assert_eq!(effective_version("7.1", None), "7.1");
    }

    #[test]
    fn supported_version_is_read_from_the_message() {
        let m = "The requested REST API version of 7.1 is out of range for this server. \
                 The latest REST API version this server supports is 6.0.";
        assert_eq!(supported_version(m), Some(ApiVersion(6, 0)));
        assert_eq!(supported_version("nothing here"), None);
    }
}
