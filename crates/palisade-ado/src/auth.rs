//! Credentials: PATs and Entra ID access tokens.
//!
//! Secrets are [`SecretString`]s: they never appear in `Debug`, logs or
//! error messages. Entra tokens are cached and refreshed ahead of expiry
//! (5 minutes, or half the lifetime of a short-lived token) with
//! single-flight: concurrent callers share one refresh.

use std::fmt;
use std::path::PathBuf;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant, SystemTime};

use async_trait::async_trait;
use base64::Engine as _;
use secrecy::{ExposeSecret, SecretString};
use sha2::Digest as _;

/// The Azure DevOps resource id: tokens are requested for this audience.
pub const ADO_RESOURCE: &str = "499b84ac-1321-427f-aa17-267ca6975798";
/// `{ADO_RESOURCE}/.default`.
pub const ADO_SCOPE: &str = "499b84ac-1321-427f-aa17-267ca6975798/.default";

/// How a client authenticates.
#[derive(Clone)]
pub enum Credential {
    /// Personal access token, sent as `Authorization: Basic base64(":"+PAT)`.
    Pat(SecretString),
    /// An Entra access token from a [`TokenSource`], sent as `Bearer`.
    Bearer(Arc<dyn TokenSource>),
}

impl fmt::Debug for Credential {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Pat(_) => f.write_str("Credential::Pat([REDACTED])"),
            Self::Bearer(s) => f.debug_tuple("Credential::Bearer").field(s).finish(),
        }
    }
}

impl Credential {
    pub fn pat(pat: impl Into<String>) -> Self {
        Self::Pat(SecretString::from(pat.into()))
    }

    /// The `Authorization` header value.
    pub(crate) async fn header(&self) -> Result<SecretString, TokenError> {
        match self {
            Self::Pat(pat) => {
                if pat.expose_secret().is_empty() {
                    return Err(TokenError::NotConfigured);
                }
                let raw = format!(":{}", pat.expose_secret());
                Ok(SecretString::from(format!(
                    "Basic {}",
                    base64::engine::general_purpose::STANDARD.encode(raw)
                )))
            }
            Self::Bearer(src) => {
                let t = src.token().await?;
                Ok(SecretString::from(format!("Bearer {}", t.expose_secret())))
            }
        }
    }

    /// A key naming the identity (for the shared rate budget); never the
    /// secret itself: a PAT is hashed.
    pub fn identity_key(&self) -> String {
        match self {
            Self::Pat(pat) => {
                let h = sha2::Sha256::digest(pat.expose_secret().as_bytes());
                let hex: String = h.iter().take(8).fold(String::new(), |mut s, b| {
                    use std::fmt::Write as _;
                    let _ = write!(s, "{b:02x}");
                    s
                });
                format!("pat:{hex}")
            }
            Self::Bearer(src) => format!("entra:{}", src.identity()),
        }
    }
}

/// Gives a current access token.
#[async_trait]
pub trait TokenSource: Send + Sync + fmt::Debug {
    /// A token valid for a while yet (refreshed ahead of expiry).
    async fn token(&self) -> Result<SecretString, TokenError>;
    /// Who the tokens are for (tenant/client), for the rate budget key.
    fn identity(&self) -> String;
}

/// Why no token could be had.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum TokenError {
    #[error("Azure DevOps access token not configured. Please authenticate.")]
    NotConfigured,
    /// Entra refused: `AADSTS…` codes say why (e.g. AADSTS700082 expired
    /// refresh token, AADSTS7000215 invalid client secret).
    #[error("Entra ID refused the token request ({error}{}): {description}", code.as_deref().map(|c| format!(", {c}")).unwrap_or_default())]
    Entra {
        /// `invalid_grant`, `invalid_client`, ...
        error: String,
        /// `AADSTS700082`, ...
        code: Option<String>,
        description: String,
    },
    #[error(
        "could not reach the Entra ID token endpoint {url}: {detail}. Check the login URL and network access"
    )]
    Unreachable { url: String, detail: String },
    #[error("unexpected answer from the Entra ID token endpoint {url}: {detail}")]
    Malformed { url: String, detail: String },
    #[error("could not read the federated token file {path}: {detail}")]
    AssertionFile { path: String, detail: String },
}

impl TokenError {
    pub fn is_retryable(&self) -> bool {
        matches!(self, Self::Unreachable { .. })
    }

    /// The `AADSTS` code, when Entra gave one.
    pub fn aadsts(&self) -> Option<&str> {
        match self {
            Self::Entra { code, .. } => code.as_deref(),
            _ => None,
        }
    }
}

/// Tokens from the token endpoint.
#[derive(Clone)]
pub struct Tokens {
    pub access: SecretString,
    pub refresh: Option<SecretString>,
    pub expires_at: SystemTime,
}

impl fmt::Debug for Tokens {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Tokens")
            .field("access", &"[REDACTED]")
            .field("refresh", &self.refresh.as_ref().map(|_| "[REDACTED]"))
            .field("expires_at", &self.expires_at)
            .finish()
    }
}

/// An Entra token endpoint: `{login_url}/{tenant}/oauth2/v2.0/token`.
#[derive(Clone, Debug)]
pub struct TokenEndpoint {
    http: reqwest::Client,
    url: String,
    tenant: String,
    client_id: String,
}

impl TokenEndpoint {
    pub fn new(login_url: &str, tenant: &str, client_id: &str) -> Self {
        // No redirects: reqwest would re-POST secrets to wherever a 307 points.
        let http = reqwest::Client::builder()
            .timeout(Duration::from_secs(30))
            .redirect(reqwest::redirect::Policy::none())
            .user_agent(crate::USER_AGENT)
            .build()
            .unwrap_or_default();
        Self::with_http(http, login_url, tenant, client_id)
    }

    pub fn with_http(http: reqwest::Client, login_url: &str, tenant: &str, client_id: &str) -> Self {
        Self {
            http,
            url: format!("{}/{tenant}/oauth2/v2.0/token", login_url.trim_end_matches('/')),
            tenant: tenant.to_owned(),
            client_id: client_id.to_owned(),
        }
    }

    pub fn url(&self) -> &str {
        &self.url
    }

    fn identity(&self) -> String {
        format!("{}/{}", self.tenant, self.client_id)
    }

    /// Posts a form (with `client_id` added) and reads the tokens.
    async fn request(&self, fields: &[(&str, &str)]) -> Result<Tokens, TokenError> {
        let body = {
            let mut form = url::form_urlencoded::Serializer::new(String::new());
            form.append_pair("client_id", &self.client_id);
            for (k, v) in fields {
                form.append_pair(k, v);
            }
            form.finish()
        };
        let resp = self
            .http
            .post(&self.url)
            .header("content-type", "application/x-www-form-urlencoded")
            .header("accept", "application/json")
            .body(body)
            .send()
            .await
            .map_err(|e| TokenError::Unreachable {
                url: self.url.clone(),
                detail: crate::client::describe_reqwest(&e),
            })?;
        let status = resp.status();
        let bytes = crate::client::read_capped(resp, 1 << 20)
            .await
            .map_err(|e| TokenError::Unreachable {
                url: self.url.clone(),
                detail: crate::client::describe_reqwest(&e),
            })?;
        if status.is_success() {
            let ok: TokenOk = serde_json::from_slice(&bytes).map_err(|e| TokenError::Malformed {
                url: self.url.clone(),
                detail: format!("status {status}, {e}"),
            })?;
            // Entra sends a number; some emulators send a string.
            let secs = match ok.expires_in {
                Some(serde_json::Value::Number(n)) => n.as_u64().unwrap_or(3600),
                Some(serde_json::Value::String(s)) => s.parse().unwrap_or(3600),
                _ => 3600,
            };
            return Ok(Tokens {
                access: SecretString::from(ok.access_token),
                refresh: ok.refresh_token.map(SecretString::from),
                // At most a day, whatever the endpoint says.
                expires_at: SystemTime::now() + Duration::from_secs(secs.min(86_400)),
            });
        }
        match serde_json::from_slice::<TokenErr>(&bytes) {
            Ok(e) => {
                let description = e.error_description.unwrap_or_default();
                let code = aadsts_code(&description).or_else(|| {
                    e.error_codes
                        .and_then(|c| c.first().copied())
                        .map(|c| format!("AADSTS{c}"))
                });
                // Keep the first line: later lines are trace/correlation ids.
                let description = description.lines().next().unwrap_or_default().to_owned();
                Err(TokenError::Entra {
                    error: e.error,
                    code,
                    description,
                })
            }
            Err(_) if status.is_server_error() => Err(TokenError::Unreachable {
                url: self.url.clone(),
                detail: format!("status {status}"),
            }),
            Err(_) => Err(TokenError::Malformed {
                url: self.url.clone(),
                detail: format!("status {status} without an OAuth error body"),
            }),
        }
    }
}

#[derive(serde::Deserialize)]
struct TokenOk {
    access_token: String,
    #[serde(default)]
    refresh_token: Option<String>,
    #[serde(default)]
    expires_in: Option<serde_json::Value>,
}
#[derive(serde::Deserialize)]
struct TokenErr {
    error: String,
    #[serde(default)]
    error_description: Option<String>,
    #[serde(default)]
    error_codes: Option<Vec<u64>>,
}

fn aadsts_code(description: &str) -> Option<String> {
    let start = description.find("AADSTS")?;
    let digits: String = description[start + 6..]
        .chars()
        .take_while(char::is_ascii_digit)
        .collect();
    (!digits.is_empty()).then(|| format!("AADSTS{digits}"))
}

/// When a cached token is refreshed: `refresh_ahead` before expiry, but no
/// more than half the token's lifetime.
#[derive(Debug)]
struct Cache {
    refresh_ahead: Duration,
    slot: tokio::sync::Mutex<Option<(SecretString, Instant, Duration)>>,
}

impl Cache {
    fn new() -> Self {
        Self {
            refresh_ahead: Duration::from_mins(5),
            slot: tokio::sync::Mutex::new(None),
        }
    }

    /// The cached token if fresh, else `fetch()`; holding the lock during the
    /// fetch makes concurrent callers share it (single-flight).
    async fn get<F, Fut>(&self, fetch: F) -> Result<SecretString, TokenError>
    where
        F: FnOnce() -> Fut,
        Fut: Future<Output = Result<Tokens, TokenError>>,
    {
        let mut slot = self.slot.lock().await;
        if let Some((tok, expires, lifetime)) = slot.as_ref() {
            let margin = self.refresh_ahead.min(*lifetime / 2);
            if Instant::now() + margin < *expires {
                return Ok(tok.clone());
            }
        }
        let t = fetch().await?;
        let lifetime = t.expires_at.duration_since(SystemTime::now()).unwrap_or_default();
        *slot = Some((t.access.clone(), Instant::now() + lifetime, lifetime));
        Ok(t.access)
    }
}

/// Called with each new refresh token (Entra rotates them), so the caller
/// can persist it.
pub type RefreshTokenCallback = Arc<dyn Fn(SecretString) + Send + Sync>;

/// A user's delegated tokens (authorization code flow), kept fresh with the
/// refresh token.
pub struct OAuthRefresh {
    endpoint: TokenEndpoint,
    client_secret: Option<SecretString>,
    refresh_token: Mutex<SecretString>,
    on_new_refresh_token: Option<RefreshTokenCallback>,
    cache: Cache,
}

impl fmt::Debug for OAuthRefresh {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("OAuthRefresh")
            .field("endpoint", &self.endpoint.url)
            .field("refresh_token", &"[REDACTED]")
            .finish_non_exhaustive()
    }
}

impl OAuthRefresh {
    pub fn new(endpoint: TokenEndpoint, refresh_token: SecretString) -> Self {
        Self {
            endpoint,
            client_secret: None,
            refresh_token: Mutex::new(refresh_token),
            on_new_refresh_token: None,
            cache: Cache::new(),
        }
    }

    /// For confidential web apps that authenticate the refresh.
    #[must_use]
    pub fn client_secret(mut self, secret: SecretString) -> Self {
        self.client_secret = Some(secret);
        self
    }

    #[must_use]
    pub fn on_new_refresh_token(mut self, f: RefreshTokenCallback) -> Self {
        self.on_new_refresh_token = Some(f);
        self
    }

    /// Refresh this long before expiry (default 5 minutes).
    #[must_use]
    pub fn refresh_ahead(mut self, d: Duration) -> Self {
        self.cache.refresh_ahead = d;
        self
    }

    async fn refresh(&self) -> Result<Tokens, TokenError> {
        let rt = self
            .refresh_token
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone();
        if rt.expose_secret().is_empty() {
            return Err(TokenError::NotConfigured);
        }
        let scope = format!("{ADO_SCOPE} offline_access");
        let mut fields = vec![
            ("grant_type", "refresh_token"),
            ("refresh_token", rt.expose_secret()),
            ("scope", scope.as_str()),
        ];
        if let Some(s) = &self.client_secret {
            fields.push(("client_secret", s.expose_secret()));
        }
        let t = self.endpoint.request(&fields).await?;
        if let Some(new) = &t.refresh
            && new.expose_secret() != rt.expose_secret()
        {
            *self.refresh_token.lock().unwrap_or_else(PoisonError::into_inner) = new.clone();
            if let Some(cb) = &self.on_new_refresh_token {
                cb(new.clone());
            }
        }
        Ok(t)
    }
}

#[async_trait]
impl TokenSource for OAuthRefresh {
    async fn token(&self) -> Result<SecretString, TokenError> {
        self.cache.get(|| self.refresh()).await
    }

    fn identity(&self) -> String {
        format!("oauth:{}", self.endpoint.identity())
    }
}

/// An Entra application with a client secret (client credentials grant).
pub struct ClientSecret {
    endpoint: TokenEndpoint,
    secret: SecretString,
    cache: Cache,
}

impl fmt::Debug for ClientSecret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ClientSecret")
            .field("endpoint", &self.endpoint.url)
            .field("secret", &"[REDACTED]")
            .finish_non_exhaustive()
    }
}

impl ClientSecret {
    pub fn new(endpoint: TokenEndpoint, secret: SecretString) -> Self {
        Self {
            endpoint,
            secret,
            cache: Cache::new(),
        }
    }
}

#[async_trait]
impl TokenSource for ClientSecret {
    async fn token(&self) -> Result<SecretString, TokenError> {
        self.cache
            .get(|| async {
                self.endpoint
                    .request(&[
                        ("grant_type", "client_credentials"),
                        ("client_secret", self.secret.expose_secret()),
                        ("scope", ADO_SCOPE),
                    ])
                    .await
            })
            .await
    }

    fn identity(&self) -> String {
        format!("app:{}", self.endpoint.identity())
    }
}

/// A managed or workload identity: client credentials with a federated
/// assertion read from a file at every token request (the file is rotated by
/// the platform, as `AZURE_FEDERATED_TOKEN_FILE`).
#[derive(Debug)]
pub struct FederatedAssertion {
    endpoint: TokenEndpoint,
    assertion_file: PathBuf,
    cache: Cache,
}

impl FederatedAssertion {
    pub fn new(endpoint: TokenEndpoint, assertion_file: impl Into<PathBuf>) -> Self {
        Self {
            endpoint,
            assertion_file: assertion_file.into(),
            cache: Cache::new(),
        }
    }

    async fn fetch(&self) -> Result<Tokens, TokenError> {
        let assertion = tokio::fs::read_to_string(&self.assertion_file)
            .await
            .map_err(|e| TokenError::AssertionFile {
                path: self.assertion_file.display().to_string(),
                detail: e.to_string(),
            })?;
        let assertion = SecretString::from(assertion.trim().to_owned());
        self.endpoint
            .request(&[
                ("grant_type", "client_credentials"),
                (
                    "client_assertion_type",
                    "urn:ietf:params:oauth:client-assertion-type:jwt-bearer",
                ),
                ("client_assertion", assertion.expose_secret()),
                ("scope", ADO_SCOPE),
            ])
            .await
    }
}

#[async_trait]
impl TokenSource for FederatedAssertion {
    async fn token(&self) -> Result<SecretString, TokenError> {
        self.cache.get(|| self.fetch()).await
    }

    fn identity(&self) -> String {
        format!("app:{}", self.endpoint.identity())
    }
}

/// A PKCE pair (RFC 7636, S256).
pub struct Pkce {
    pub verifier: SecretString,
    pub challenge: String,
}

impl fmt::Debug for Pkce {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Pkce")
            .field("verifier", &"[REDACTED]")
            .field("challenge", &self.challenge)
            .finish()
    }
}

impl Pkce {
    /// A random 43-character verifier and its S256 challenge.
    pub fn generate() -> Result<Self, getrandom::Error> {
        let mut bytes = [0u8; 32];
        getrandom::fill(&mut bytes)?;
        let verifier = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes);
        Ok(Self {
            challenge: pkce_challenge(&verifier),
            verifier: SecretString::from(verifier),
        })
    }
}

/// `base64url(sha256(verifier))`, no padding.
pub fn pkce_challenge(verifier: &str) -> String {
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(sha2::Sha256::digest(verifier.as_bytes()))
}

/// The Entra authorize URL the user's browser is sent to.
pub fn authorize_url(
    login_url: &str,
    tenant: &str,
    client_id: &str,
    redirect_uri: &str,
    state: &str,
    pkce_challenge: &str,
) -> Result<url::Url, url::ParseError> {
    let mut u = url::Url::parse(&format!(
        "{}/{tenant}/oauth2/v2.0/authorize",
        login_url.trim_end_matches('/')
    ))?;
    u.query_pairs_mut()
        .append_pair("client_id", client_id)
        .append_pair("response_type", "code")
        .append_pair("redirect_uri", redirect_uri)
        .append_pair("response_mode", "query")
        .append_pair("scope", &format!("{ADO_SCOPE} offline_access"))
        .append_pair("state", state)
        .append_pair("code_challenge", pkce_challenge)
        .append_pair("code_challenge_method", "S256");
    Ok(u)
}

/// Redeems an authorization code (with its PKCE verifier) for tokens.
pub async fn exchange_code(
    endpoint: &TokenEndpoint,
    client_secret: Option<&SecretString>,
    redirect_uri: &str,
    code: &SecretString,
    pkce_verifier: &SecretString,
) -> Result<Tokens, TokenError> {
    let scope = format!("{ADO_SCOPE} offline_access");
    let mut fields = vec![
        ("grant_type", "authorization_code"),
        ("code", code.expose_secret()),
        ("redirect_uri", redirect_uri),
        ("code_verifier", pkce_verifier.expose_secret()),
        ("scope", scope.as_str()),
    ];
    if let Some(s) = client_secret {
        fields.push(("client_secret", s.expose_secret()));
    }
    endpoint.request(&fields).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pkce_matches_rfc7636_example() {
        assert_eq!(
            pkce_challenge("dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"),
            "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"
        );
        let p = Pkce::generate().unwrap_or_else(|_| unreachable!());
        assert_eq!(p.verifier.expose_secret().len(), 43);
        assert!(!format!("{p:?}").contains(p.verifier.expose_secret()));
    }

    #[test]
    fn aadsts_codes_are_found() {
        assert_eq!(
            aadsts_code("AADSTS700082: The refresh token has expired").as_deref(),
            Some("AADSTS700082")
        );
        assert_eq!(aadsts_code("nothing"), None);
    }

    #[test]
    fn authorize_url_carries_pkce_and_scope() {
        let u = authorize_url(
            "https://login.microsoftonline.com/",
            "contoso.onmicrosoft.com",
            "cid",
            "http://localhost:8080/cb",
            "st",
            "chal",
        )
        .unwrap_or_else(|_| unreachable!());
        let s = u.as_str();
        assert!(
            s.starts_with("https://login.microsoftonline.com/contoso.onmicrosoft.com/oauth2/v2.0/authorize?")
        );
        assert!(s.contains("code_challenge_method=S256"));
        assert!(s.contains("499b84ac-1321-427f-aa17-267ca6975798%2F.default"));
    }
}
