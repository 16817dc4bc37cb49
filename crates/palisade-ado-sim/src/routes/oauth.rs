//! Entra ID (v2.0) endpoints: `authorize` (authorization code, auto-consent) and `token`
//! (`authorization_code` with PKCE, rotating `refresh_token`, `client_credentials` with a secret or
//! a federated JWT assertion). Tokens are JWT-shaped but unsigned; the simulator remembers them.

use std::collections::HashMap;

use axum::body::Bytes;
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use axum::response::{IntoResponse, Response};
use base64::Engine as _;
use chrono::{Duration, Utc};
use serde_json::{Value, json};
use sha2::Digest as _;

use crate::fixture::EntraApp;
use crate::server::{Minted, SimState, enc, lock, parse_query};

/// Azure DevOps' resource id (audience of its Entra tokens).
pub const ADO_RESOURCE: &str = "499b84ac-1321-427f-aa17-267ca6975798";

#[derive(Debug, Clone)]
struct CodeGrant {
    client_id: String,
    redirect_uri: String,
    user: String,
    scope: String,
    challenge: Option<(String, String)>,
    expires: chrono::DateTime<Utc>,
}

#[derive(Debug, Clone)]
struct RefreshGrant {
    client_id: String,
    user: String,
    scope: String,
}

/// Outstanding codes and refresh tokens.
#[derive(Debug, Default)]
pub(crate) struct OAuthStore {
    codes: HashMap<String, CodeGrant>,
    refresh: HashMap<String, RefreshGrant>,
}

fn entra_error(status: StatusCode, error: &str, code: u32, text: &str) -> Response {
    let body = json!({
        "error": error,
        "error_description": format!("AADSTS{code}: {text}\r\nTrace ID: 00000000-0000-0000-0000-000000000000\r\nCorrelation ID: 00000000-0000-0000-0000-000000000000\r\nTimestamp: {}", Utc::now().format("%Y-%m-%d %H:%M:%SZ")),
        "error_codes": [code],
        "timestamp": Utc::now().format("%Y-%m-%d %H:%M:%SZ").to_string(),
        "trace_id": "00000000-0000-0000-0000-000000000000",
        "correlation_id": "00000000-0000-0000-0000-000000000000",
    });
    let mut resp = (status, body.to_string()).into_response();
    resp.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json; charset=utf-8"),
    );
    resp
}

fn tenant_matches(app: &EntraApp, tenant: &str, estate_tenant: &str) -> bool {
    let app_tenant = app.tenant.clone().unwrap_or_else(|| estate_tenant.to_string());
    ["common", "organizations"].contains(&tenant) || app_tenant.eq_ignore_ascii_case(tenant)
}

#[expect(clippy::too_many_arguments, reason = "raw request parts")]
pub(crate) fn handle(
    state: &SimState,
    method: &Method,
    tenant: &str,
    action: &str,
    query: &[(String, String)],
    _headers: &HeaderMap,
    body: &Bytes,
    _root: &str,
) -> Response {
    state.bump(|s| s.token_requests += 1);
    match (method, action) {
        (&Method::GET, "authorize") => authorize(state, tenant, query),
        (&Method::POST, "token") => {
            if state.knobs().token_endpoint_down {
                return entra_error(
                    StatusCode::SERVICE_UNAVAILABLE,
                    "temporarily_unavailable",
                    50_196,
                    "The server is temporarily unavailable.",
                );
            }
            let form = parse_query(std::str::from_utf8(body).ok());
            token(state, tenant, &form)
        }
        _ => entra_error(
            StatusCode::NOT_FOUND,
            "invalid_request",
            90_002,
            "Unsupported endpoint.",
        ),
    }
}

fn get<'a>(q: &'a [(String, String)], k: &str) -> Option<&'a str> {
    q.iter()
        .find(|(n, _)| n == k)
        .map(|(_, v)| v.as_str())
        .filter(|v| !v.is_empty())
}

fn authorize(state: &SimState, tenant: &str, q: &[(String, String)]) -> Response {
    let estate = state.estate();
    let et = estate.tenant.unwrap_or_default().to_string();
    let Some(client_id) = get(q, "client_id") else {
        return entra_error(
            StatusCode::BAD_REQUEST,
            "invalid_request",
            900_144,
            "The request body must contain the following parameter: 'client_id'.",
        );
    };
    let Some(app) = estate
        .entra_apps
        .iter()
        .find(|a| a.client_id == client_id && tenant_matches(a, tenant, &et))
    else {
        return entra_error(
            StatusCode::BAD_REQUEST,
            "unauthorized_client",
            700_016,
            &format!("Application with identifier '{client_id}' was not found in the directory '{tenant}'."),
        );
    };
    if get(q, "response_type") != Some("code") {
        return entra_error(
            StatusCode::BAD_REQUEST,
            "unsupported_response_type",
            70_000,
            "The response_type must be 'code'.",
        );
    }
    let Some(redirect) = get(q, "redirect_uri") else {
        return entra_error(
            StatusCode::BAD_REQUEST,
            "invalid_request",
            900_144,
            "The request body must contain the following parameter: 'redirect_uri'.",
        );
    };
    if !(redirect.starts_with("http://") || redirect.starts_with("https://"))
        || (!app.redirect_uris.is_empty() && !app.redirect_uris.iter().any(|r| r == redirect))
    {
        return entra_error(
            StatusCode::BAD_REQUEST,
            "invalid_request",
            50_011,
            "The redirect URI specified in the request does not match the redirect URIs configured for the application.",
        );
    }
    let hint = get(q, "login_hint");
    let user = match hint {
        Some(h) => estate.oauth_users.iter().find(|o| {
            o.user == h
                || estate
                    .user(&o.user)
                    .is_some_and(|u| u.email.eq_ignore_ascii_case(h))
        }),
        None => estate
            .oauth_users
            .iter()
            .find(|o| o.default)
            .or(estate.oauth_users.first()),
    };
    let Some(user) = user else {
        return entra_error(
            StatusCode::BAD_REQUEST,
            "invalid_grant",
            50_034,
            "The user account does not exist in this directory.",
        );
    };
    let challenge = get(q, "code_challenge").map(|c| {
        (
            c.to_string(),
            get(q, "code_challenge_method").unwrap_or("plain").to_string(),
        )
    });
    let code = state.random_token("simcode-");
    lock(&state.inner.oauth).codes.insert(
        code.clone(),
        CodeGrant {
            client_id: client_id.to_string(),
            redirect_uri: redirect.to_string(),
            user: user.user.clone(),
            scope: get(q, "scope").unwrap_or_default().to_string(),
            challenge,
            expires: Utc::now() + Duration::minutes(10),
        },
    );
    tracing::info!(user = %user.user, "authorization code issued");
    let sep = if redirect.contains('?') { '&' } else { '?' };
    let mut location = format!("{redirect}{sep}code={}", enc(&code));
    if let Some(s) = get(q, "state") {
        location.push_str("&state=");
        location.push_str(&enc(s));
    }
    let mut resp = StatusCode::FOUND.into_response();
    if let Ok(v) = HeaderValue::from_str(&location) {
        resp.headers_mut().insert(header::LOCATION, v);
    }
    resp
}

fn b64url(v: &[u8]) -> String {
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(v)
}

/// Issues an access token (JWT-shaped, unsigned) and remembers it.
fn mint(
    state: &SimState,
    tenant: &str,
    user: &str,
    ado_scopes: Vec<String>,
    client_id: &str,
) -> (String, u64) {
    let lifetime = state.knobs().token_lifetime_secs.max(1);
    let now = Utc::now();
    let exp = now + Duration::seconds(i64::try_from(lifetime).unwrap_or(3600));
    let header = b64url(br#"{"typ":"JWT","alg":"none"}"#);
    let nonce = state.random_token("");
    let payload = json!({
        "aud": ADO_RESOURCE,
        "iss": format!("https://sts.windows.net/{tenant}/"),
        "iat": now.timestamp(),
        "nbf": now.timestamp(),
        "exp": exp.timestamp(),
        "appid": client_id,
        "sub": user,
        "tid": tenant,
        "jti": nonce,
    });
    let token = format!(
        "{header}.{}.{}",
        b64url(payload.to_string().as_bytes()),
        b64url(nonce.as_bytes())
    );
    lock(&state.inner.tokens).insert(
        token.clone(),
        Minted {
            user: user.to_string(),
            scopes: ado_scopes,
            expires: exp,
        },
    );
    (token, lifetime)
}

fn scopes_or_full(s: &[String]) -> Vec<String> {
    if s.is_empty() {
        vec!["app_token".to_string()]
    } else {
        s.to_vec()
    }
}

fn check_scope(scope: &str) -> Result<(), Box<Response>> {
    let ok = scope
        .split_whitespace()
        .any(|s| s.starts_with(ADO_RESOURCE) || s.starts_with("https://app.vssps.visualstudio.com"));
    if ok {
        Ok(())
    } else {
        Err(Box::new(entra_error(
            StatusCode::BAD_REQUEST,
            "invalid_scope",
            70_011,
            &format!(
                "The provided value for the input parameter 'scope' is not valid. The scope {scope} is not valid."
            ),
        )))
    }
}

fn token_body(access: &str, lifetime: u64, refresh: Option<&str>, scope: &str) -> Response {
    let mut v = json!({
        "token_type": "Bearer",
        "scope": scope,
        "expires_in": lifetime,
        "ext_expires_in": lifetime,
        "access_token": access,
    });
    if let Some(r) = refresh {
        v["refresh_token"] = json!(r);
    }
    let mut resp = (StatusCode::OK, v.to_string()).into_response();
    resp.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json; charset=utf-8"),
    );
    resp.headers_mut().insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("no-store, no-cache"),
    );
    resp
}

fn token(state: &SimState, tenant: &str, f: &[(String, String)]) -> Response {
    let estate = state.estate().clone();
    let et = estate.tenant.unwrap_or_default().to_string();
    let client_id = get(f, "client_id").unwrap_or_default();
    let app = estate
        .entra_apps
        .iter()
        .find(|a| a.client_id == client_id && tenant_matches(a, tenant, &et));
    let Some(app) = app else {
        return entra_error(
            StatusCode::BAD_REQUEST,
            "unauthorized_client",
            700_016,
            &format!("Application with identifier '{client_id}' was not found in the directory '{tenant}'."),
        );
    };
    let tenant_id = app.tenant.clone().unwrap_or(et);
    let secret_ok = |given: Option<&str>| match (&app.client_secret, given) {
        (Some(s), Some(g)) => s == g,
        _ => false,
    };
    match get(f, "grant_type") {
        Some("authorization_code") => {
            let Some(code) = get(f, "code") else {
                return entra_error(
                    StatusCode::BAD_REQUEST,
                    "invalid_request",
                    900_144,
                    "The request body must contain the following parameter: 'code'.",
                );
            };
            let Some(grant) = lock(&state.inner.oauth).codes.remove(code) else {
                return entra_error(
                    StatusCode::BAD_REQUEST,
                    "invalid_grant",
                    70_000,
                    "The provided authorization code or refresh token is invalid, expired or already used.",
                );
            };
            if grant.expires < Utc::now() || grant.client_id != client_id {
                return entra_error(
                    StatusCode::BAD_REQUEST,
                    "invalid_grant",
                    70_000,
                    "The provided authorization code is invalid or expired.",
                );
            }
            if get(f, "redirect_uri") != Some(grant.redirect_uri.as_str()) {
                return entra_error(
                    StatusCode::BAD_REQUEST,
                    "invalid_grant",
                    50_148,
                    "The redirect_uri does not match the one used to request the authorization code.",
                );
            }
            if app.client_secret.is_some() && !secret_ok(get(f, "client_secret")) {
                return entra_error(
                    StatusCode::UNAUTHORIZED,
                    "invalid_client",
                    7_000_215,
                    "Invalid client secret provided.",
                );
            }
            if let Some((challenge, method)) = &grant.challenge {
                let Some(verifier) = get(f, "code_verifier") else {
                    return entra_error(
                        StatusCode::BAD_REQUEST,
                        "invalid_grant",
                        501_481,
                        "The Code_Verifier does not match the code_challenge supplied in the authorization request.",
                    );
                };
                let computed = if method.eq_ignore_ascii_case("S256") {
                    b64url(&sha2::Sha256::digest(verifier.as_bytes()))
                } else {
                    verifier.to_string()
                };
                if &computed != challenge {
                    return entra_error(
                        StatusCode::BAD_REQUEST,
                        "invalid_grant",
                        501_481,
                        "The Code_Verifier does not match the code_challenge supplied in the authorization request.",
                    );
                }
            }
            let scopes = estate
                .oauth_users
                .iter()
                .find(|o| o.user == grant.user)
                .map(|o| scopes_or_full(&o.scopes))
                .unwrap_or_default();
            let (access, lifetime) = mint(state, &tenant_id, &grant.user, scopes, client_id);
            let refresh = grant
                .scope
                .split_whitespace()
                .any(|s| s == "offline_access")
                .then(|| {
                    let r = state.random_token("simrefresh-");
                    lock(&state.inner.oauth).refresh.insert(
                        r.clone(),
                        RefreshGrant {
                            client_id: client_id.to_string(),
                            user: grant.user.clone(),
                            scope: grant.scope.clone(),
                        },
                    );
                    r
                });
            tracing::info!(user = %grant.user, "token issued (authorization_code)");
            token_body(&access, lifetime, refresh.as_deref(), &grant.scope)
        }
        Some("refresh_token") => {
            let Some(rt) = get(f, "refresh_token") else {
                return entra_error(
                    StatusCode::BAD_REQUEST,
                    "invalid_request",
                    900_144,
                    "The request body must contain the following parameter: 'refresh_token'.",
                );
            };
            let Some(grant) = lock(&state.inner.oauth).refresh.remove(rt) else {
                return entra_error(
                    StatusCode::BAD_REQUEST,
                    "invalid_grant",
                    70_000,
                    "The provided authorization code or refresh token is invalid, expired or already used.",
                );
            };
            if grant.client_id != client_id {
                return entra_error(
                    StatusCode::BAD_REQUEST,
                    "invalid_grant",
                    70_000,
                    "The refresh token was issued to a different client.",
                );
            }
            if app.client_secret.is_some() && !secret_ok(get(f, "client_secret")) {
                return entra_error(
                    StatusCode::UNAUTHORIZED,
                    "invalid_client",
                    7_000_215,
                    "Invalid client secret provided.",
                );
            }
            let scopes = estate
                .oauth_users
                .iter()
                .find(|o| o.user == grant.user)
                .map(|o| scopes_or_full(&o.scopes))
                .unwrap_or_default();
            let (access, lifetime) = mint(state, &tenant_id, &grant.user, scopes, client_id);
            let next = state.random_token("simrefresh-");
            lock(&state.inner.oauth)
                .refresh
                .insert(next.clone(), grant.clone());
            tracing::info!(user = %grant.user, "token issued (refresh_token)");
            token_body(&access, lifetime, Some(&next), &grant.scope)
        }
        Some("client_credentials") => {
            let scope = get(f, "scope").unwrap_or_default();
            if let Err(r) = check_scope(scope) {
                return *r;
            }
            if let Some(assertion) = get(f, "client_assertion") {
                if get(f, "client_assertion_type")
                    != Some("urn:ietf:params:oauth:client-assertion-type:jwt-bearer")
                {
                    return entra_error(
                        StatusCode::BAD_REQUEST,
                        "invalid_request",
                        70_002,
                        "The client_assertion_type is not supported.",
                    );
                }
                if let Err(why) = check_assertion(app, assertion) {
                    return entra_error(
                        StatusCode::BAD_REQUEST,
                        "invalid_client",
                        700_213,
                        &format!(
                            "No matching federated identity record found for presented assertion. {why}"
                        ),
                    );
                }
            } else if !secret_ok(get(f, "client_secret")) {
                return entra_error(
                    StatusCode::UNAUTHORIZED,
                    "invalid_client",
                    7_000_215,
                    "Invalid client secret provided. Ensure the secret being sent in the request is the client secret value, not the client secret ID.",
                );
            }
            let Some(user) = &app.user else {
                return entra_error(
                    StatusCode::BAD_REQUEST,
                    "invalid_client",
                    7_000_229,
                    "The client application is missing service principal in the tenant.",
                );
            };
            let (access, lifetime) = mint(state, &tenant_id, user, scopes_or_full(&app.scopes), client_id);
            tracing::info!(user = %user, "token issued (client_credentials)");
            token_body(&access, lifetime, None, scope)
        }
        _ => entra_error(
            StatusCode::BAD_REQUEST,
            "unsupported_grant_type",
            70_003,
            "The app requested an unsupported grant type.",
        ),
    }
}

/// Checks a federated assertion's claims (signature is not verified).
fn check_assertion(app: &EntraApp, jwt: &str) -> Result<(), String> {
    let mut parts = jwt.split('.');
    let (Some(_), Some(payload)) = (parts.next(), parts.next()) else {
        return Err("The assertion is not a JWT.".into());
    };
    let raw = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(payload.trim_end_matches('='))
        .map_err(|_| "The assertion payload is not base64url.".to_string())?;
    let claims: Value =
        serde_json::from_slice(&raw).map_err(|_| "The assertion payload is not JSON.".to_string())?;
    let s = |k: &str| {
        claims
            .get(k)
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_string()
    };
    let exp = claims
        .get("exp")
        .and_then(Value::as_i64)
        .ok_or("The assertion has no exp claim.")?;
    if exp < Utc::now().timestamp() {
        return Err("AADSTS700024: Client assertion is not within its valid time range.".into());
    }
    let aud_ok = |want: &str| match claims.get("aud") {
        Some(Value::String(a)) => a == want,
        Some(Value::Array(list)) => list.iter().any(|a| a.as_str() == Some(want)),
        _ => false,
    };
    let matched = app.federated.iter().any(|fc| {
        fc.issuer == s("iss")
            && fc.subject == s("sub")
            && aud_ok(fc.audience.as_deref().unwrap_or("api://AzureADTokenExchange"))
    });
    if matched {
        Ok(())
    } else {
        Err(format!(
            "Assertion issuer '{}' and subject '{}'.",
            s("iss"),
            s("sub")
        ))
    }
}
