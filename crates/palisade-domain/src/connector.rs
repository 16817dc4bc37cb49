//! Connectors: how palisade reaches one Azure DevOps organization (or
//! Server collection), minus the credential itself, which only the vault sees.
//!
//! Names follow the rules users know from the Azure portal (seed 004), with
//! messages that say what is wrong and how to fix it.

use std::fmt;

use serde::{Deserialize, Deserializer, Serialize};

/// Why a name was refused. The message is meant for the person who typed it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct NameError {
    message: String,
}

impl NameError {
    fn new(message: String) -> Self {
        Self { message }
    }
}

fn shown(s: &str) -> String {
    s.chars().take(60).collect::<String>()
}

/// A connector's name: starts with a letter, letters/digits/hyphens only,
/// 3 to 32 characters. Unique among connectors (compared ignoring case).
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(transparent)]
pub struct ConnectorName(String);

impl ConnectorName {
    pub fn parse(s: &str) -> Result<Self, NameError> {
        let err = |why: &str| {
            NameError::new(format!(
                "invalid connector name {:?}: {why}. A connector name starts with a letter, \
                 contains only letters, numbers and hyphens, and is 3-32 characters long \
                 (for example ado-contoso)",
                shown(s)
            ))
        };
        let len = s.chars().count();
        if !(3..=32).contains(&len) {
            return Err(err(&format!("it is {len} characters long")));
        }
        if !s.starts_with(|c: char| c.is_ascii_alphabetic()) {
            return Err(err("it must start with a letter"));
        }
        if let Some(bad) = s.chars().find(|c| !(c.is_ascii_alphanumeric() || *c == '-')) {
            return Err(err(&format!("{bad:?} is not allowed")));
        }
        Ok(Self(s.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The form two names are compared in for uniqueness.
    pub fn key(&self) -> String {
        self.0.to_ascii_lowercase()
    }
}

/// An Azure DevOps organization (or Azure DevOps Server collection) name:
/// the part after `dev.azure.com/`. Starts with a letter or digit,
/// letters/digits/hyphens only, no trailing hyphen, at most 50 characters.
/// ADO treats it case-insensitively; [`OrgName::key`] is the compared form.
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, utoipa::ToSchema)]
#[schema(value_type = String, example = "contoso")]
#[serde(transparent)]
pub struct OrgName(String);

impl OrgName {
    pub fn parse(s: &str) -> Result<Self, NameError> {
        let err = |why: &str| {
            NameError::new(format!(
                "invalid organization name {:?}: {why}. Enter the part after dev.azure.com/ in \
                 your organization's URL (for https://dev.azure.com/contoso, enter contoso): it \
                 starts with a letter or digit, contains only letters, numbers and hyphens, does \
                 not end with a hyphen, and is at most 50 characters long",
                shown(s)
            ))
        };
        if s.is_empty() {
            return Err(err("it is empty"));
        }
        let len = s.chars().count();
        if len > 50 {
            return Err(err(&format!("it is {len} characters long")));
        }
        if !s.starts_with(|c: char| c.is_ascii_alphanumeric()) {
            return Err(err("it must start with a letter or digit"));
        }
        if let Some(bad) = s.chars().find(|c| !(c.is_ascii_alphanumeric() || *c == '-')) {
            return Err(err(&format!("{bad:?} is not allowed")));
        }
        if s.ends_with('-') {
            return Err(err("it must not end with a hyphen"));
        }
        Ok(Self(s.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    pub fn key(&self) -> String {
        self.0.to_ascii_lowercase()
    }
}

macro_rules! name_impls {
    ($t:ident) => {
        impl fmt::Display for $t {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0)
            }
        }
        impl fmt::Debug for $t {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                write!(f, concat!(stringify!($t), "({})"), self.0)
            }
        }
        impl<'de> Deserialize<'de> for $t {
            fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                let s = String::deserialize(d)?;
                Self::parse(&s).map_err(serde::de::Error::custom)
            }
        }
        impl std::str::FromStr for $t {
            type Err = NameError;
            fn from_str(s: &str) -> Result<Self, NameError> {
                Self::parse(s)
            }
        }
    };
}
name_impls!(ConnectorName);
name_impls!(OrgName);

/// How a connector authenticates. The secret part (PAT, client secret,
/// refresh token) is never here: it is sealed in the vault.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "kebab-case")]
pub enum AuthConfig {
    /// Personal access token, sent as HTTP basic auth.
    Pat,
    /// A user's delegated authorization (Entra authorization code flow);
    /// tokens are refreshed before they expire.
    #[serde(rename = "oauth")]
    OAuth { tenant: String, client_id: String },
    /// An Entra application with a client secret.
    ServicePrincipal { tenant: String, client_id: String },
    /// A managed identity or workload identity: an Entra application that
    /// proves itself with a federated token read from a file at each use
    /// (as `AZURE_FEDERATED_TOKEN_FILE`), so cross-tenant access needs no secret.
    ManagedIdentity {
        tenant: String,
        client_id: String,
        federated_token_file: String,
    },
}

impl AuthConfig {
    pub fn kind(&self) -> &'static str {
        match self {
            Self::Pat => "pat",
            Self::OAuth { .. } => "oauth",
            Self::ServicePrincipal { .. } => "service-principal",
            Self::ManagedIdentity { .. } => "managed-identity",
        }
    }
}

/// Which organizations a connector's discovery covers.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "mode", content = "orgs", rename_all = "kebab-case")]
pub enum OrgSelection {
    /// Only these (the connector's own organization is always included).
    Chosen(Vec<OrgName>),
    /// Every organization the identity belongs to when the connector was saved.
    AllExisting(Vec<OrgName>),
    /// Every organization the identity belongs to at each discovery, so new
    /// ones are picked up.
    AllExistingAndFuture,
}

/// Where the organization lives.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "kebab-case")]
pub enum Deployment {
    /// Azure DevOps Services. The URLs default to the public cloud and can be
    /// changed for sovereign clouds (and the simulator).
    Cloud {
        /// Organizations are at `{api_url}/{org}`; `https://dev.azure.com`.
        api_url: String,
        /// Global profile and accounts; `https://app.vssps.visualstudio.com`.
        profile_url: String,
        /// Entra ID; `https://login.microsoftonline.com`.
        login_url: String,
    },
    /// Azure DevOps Server (on-premises): collections are at
    /// `{server_url}/{collection}`, e.g. `https://host/tfs`.
    Server { server_url: String },
}

impl Deployment {
    pub const CLOUD_API_URL: &'static str = "https://dev.azure.com";
    pub const CLOUD_PROFILE_URL: &'static str = "https://app.vssps.visualstudio.com";
    pub const CLOUD_LOGIN_URL: &'static str = "https://login.microsoftonline.com";

    pub fn public_cloud() -> Self {
        Self::Cloud {
            api_url: Self::CLOUD_API_URL.to_owned(),
            profile_url: Self::CLOUD_PROFILE_URL.to_owned(),
            login_url: Self::CLOUD_LOGIN_URL.to_owned(),
        }
    }

    /// The deployment a form or command line asks for: a Server URL wins;
    /// otherwise the cloud URLs given replace those of `old` (or of the
    /// public cloud), and a Server deployment stays one when no cloud URL is
    /// given. Trailing slashes are dropped; [`Deployment::validate`] checks
    /// the result.
    pub fn with_urls(
        old: Option<&Self>,
        server_url: Option<&str>,
        api_url: Option<&str>,
        profile_url: Option<&str>,
        login_url: Option<&str>,
    ) -> Self {
        let clean = |u: &str| u.trim().trim_end_matches('/').to_owned();
        if let Some(url) = server_url {
            return Self::Server {
                server_url: clean(url),
            };
        }
        let (api, profile, login) = match old {
            Some(Self::Cloud {
                api_url,
                profile_url,
                login_url,
            }) => (api_url.clone(), profile_url.clone(), login_url.clone()),
            Some(server @ Self::Server { .. })
                if api_url.is_none() && profile_url.is_none() && login_url.is_none() =>
            {
                return server.clone();
            }
            _ => (
                Self::CLOUD_API_URL.to_owned(),
                Self::CLOUD_PROFILE_URL.to_owned(),
                Self::CLOUD_LOGIN_URL.to_owned(),
            ),
        };
        Self::Cloud {
            api_url: api_url.map_or(api, clean),
            profile_url: profile_url.map_or(profile, clean),
            login_url: login_url.map_or(login, clean),
        }
    }

    /// Checks every URL: `https` (plain `http` only to a loopback host, for
    /// the simulator and tests), no user or password, no query or fragment.
    /// Credentials are sent to these URLs: a typo must not send them in clear.
    pub fn validate(&self) -> Result<(), NameError> {
        let urls: Vec<(&str, &str)> = match self {
            Self::Cloud {
                api_url,
                profile_url,
                login_url,
            } => vec![
                ("--api-url", api_url),
                ("--profile-url", profile_url),
                ("--login-url", login_url),
            ],
            Self::Server { server_url } => vec![("--server-url", server_url)],
        };
        for (flag, url) in urls {
            check_service_url(flag, url)?;
        }
        Ok(())
    }

    /// The organization's (collection's) base URL, without a trailing slash.
    pub fn org_url(&self, org: &OrgName) -> String {
        let root = match self {
            Self::Cloud { api_url, .. } => api_url,
            Self::Server { server_url } => server_url,
        };
        format!("{}/{}", root.trim_end_matches('/'), org.as_str())
    }
}

/// `https://user:pw@host/x` → `https://***@host/x`, for messages.
fn without_userinfo(url: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else {
        return url.to_owned();
    };
    let end = rest.find('/').unwrap_or(rest.len());
    match rest[..end].rfind('@') {
        Some(at) => format!("{scheme}://***{}", &rest[at..]),
        None => url.to_owned(),
    }
}

fn check_service_url(flag: &str, url: &str) -> Result<(), NameError> {
    let err = |why: &str| {
        NameError::new(format!(
            "invalid {flag} {:?}: {why}. Give an https URL such as https://dev.azure.com or \
             https://tfs.contoso.com/tfs",
            shown(&without_userinfo(url))
        ))
    };
    let lower = url.to_ascii_lowercase();
    let (secure, rest) = if let Some(r) = lower.strip_prefix("https://") {
        (true, r)
    } else if let Some(r) = lower.strip_prefix("http://") {
        (false, r)
    } else {
        return Err(err("it must start with https://"));
    };
    if url.chars().any(|c| c.is_control() || c.is_whitespace()) {
        return Err(err("it contains spaces or control characters"));
    }
    if rest.contains(['?', '#']) {
        return Err(err("it must not have a query or fragment"));
    }
    let authority = rest.split('/').next().unwrap_or_default();
    if authority.contains('@') {
        return Err(err(
            "it must not contain a user name or password (credentials are entered separately)",
        ));
    }
    let host = if let Some(v6) = authority.strip_prefix('[') {
        v6.split(']').next().unwrap_or_default()
    } else {
        authority.rsplit_once(':').map_or(authority, |(h, _)| h)
    };
    if host.is_empty() {
        return Err(err("it has no host"));
    }
    let loopback =
        host == "localhost" || host.ends_with(".localhost") || host == "::1" || host.starts_with("127.");
    if !secure && !loopback {
        return Err(err(
            "plain http would send the credential unencrypted; only loopback hosts may use http",
        ));
    }
    Ok(())
}

/// Everything about a connector except its credential.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ConnectorConfig {
    pub name: ConnectorName,
    /// The organization the credential is tested against.
    pub organization: OrgName,
    pub deployment: Deployment,
    pub auth: AuthConfig,
    pub orgs: OrgSelection,
}

impl ConnectorConfig {
    /// Organizations known now to belong to this connector (for uniqueness:
    /// one connector per organization).
    pub fn claimed_orgs(&self) -> Vec<OrgName> {
        let mut out = vec![self.organization.clone()];
        match &self.orgs {
            OrgSelection::Chosen(o) | OrgSelection::AllExisting(o) => out.extend(o.iter().cloned()),
            OrgSelection::AllExistingAndFuture => {}
        }
        out.sort_by_key(OrgName::key);
        out.dedup_by_key(|o| o.key());
        out
    }
}

#[cfg(test)]
mod tests {

    #[test]
    fn deployments_from_urls() {
        let cloud = Deployment::with_urls(None, None, Some("http://127.0.0.1:9/"), None, None);
        let Deployment::Cloud {
            api_url, profile_url, ..
        } = &cloud
        else {
            panic!("cloud")
        };
        assert_eq!(api_url, "http://127.0.0.1:9");
        assert_eq!(profile_url, Deployment::CLOUD_PROFILE_URL);
        let server = Deployment::with_urls(Some(&cloud), Some("https://tfs.example/tfs/"), None, None, None);
        assert_eq!(
            server,
            Deployment::Server {
                server_url: "https://tfs.example/tfs".into()
            }
        );
        assert_eq!(
            Deployment::with_urls(Some(&server), None, None, None, None),
            server
        );
        assert_eq!(
            Deployment::with_urls(Some(&cloud), None, None, None, None),
            cloud,
            "nothing given keeps the old URLs"
        );
    }

    use super::*;

    #[test]
    fn connector_names_follow_the_portal_rules() {
        for ok in ["ado-contoso", "my-org-connector", "abc", "A1-b2", &"a".repeat(32)] {
            assert!(ConnectorName::parse(ok).is_ok(), "{ok}");
        }
        for (bad, why) in [
            ("ab", "2 characters"),
            (&"a".repeat(33) as &str, "33 characters"),
            ("1abc", "start with a letter"),
            ("-abc", "start with a letter"),
            ("ab_c", "'_' is not allowed"),
            ("ab c", "' ' is not allowed"),
            ("abé", "'é' is not allowed"),
        ] {
            let e = ConnectorName::parse(bad).unwrap_err().to_string();
            assert!(e.contains(why), "{bad}: {e}");
            assert!(e.contains("3-32 characters"), "says how to fix: {e}");
        }
    }

    #[test]
    fn org_names_follow_the_portal_rules() {
        for ok in ["contoso", "1org", "a", "Contoso-Dev", &"a".repeat(50)] {
            assert!(OrgName::parse(ok).is_ok(), "{ok}");
        }
        for (bad, why) in [
            ("", "empty"),
            ("-x", "start with a letter or digit"),
            ("x-", "end with a hyphen"),
            ("a.b", "'.' is not allowed"),
            ("dev.azure.com/contoso", "'.' is not allowed"),
            (&"a".repeat(51) as &str, "51 characters"),
        ] {
            let e = OrgName::parse(bad).unwrap_err().to_string();
            assert!(e.contains(why), "{bad}: {e}");
        }
        assert_eq!(
            OrgName::parse("Contoso").unwrap().key(),
            OrgName::parse("contoso").unwrap().key()
        );
    }

    #[test]
    fn config_round_trips_through_json() {
        let c = ConnectorConfig {
            name: ConnectorName::parse("ado-contoso").unwrap(),
            organization: OrgName::parse("contoso").unwrap(),
            deployment: Deployment::public_cloud(),
            auth: AuthConfig::ServicePrincipal {
                tenant: "t".into(),
                client_id: "c".into(),
            },
            orgs: OrgSelection::Chosen(vec![OrgName::parse("fabrikam").unwrap()]),
        };
        let json = serde_json::to_string(&c).unwrap();
        let back: ConnectorConfig = serde_json::from_str(&json).unwrap();
        assert_eq!(back, c);
        assert_eq!(c.claimed_orgs().len(), 2);
        assert_eq!(
            c.deployment.org_url(&c.organization),
            "https://dev.azure.com/contoso"
        );
    }

    #[test]
    fn service_urls_must_be_https_without_credentials() {
        let cloud = |u: &str| Deployment::Cloud {
            api_url: u.into(),
            profile_url: Deployment::CLOUD_PROFILE_URL.into(),
            login_url: Deployment::CLOUD_LOGIN_URL.into(),
        };
        assert!(Deployment::public_cloud().validate().is_ok());
        assert!(cloud("http://127.0.0.1:8080").validate().is_ok());
        assert!(cloud("http://localhost:1").validate().is_ok());
        for (bad, why) in [
            ("http://dev.azure.com", "unencrypted"),
            ("https://user:pw@dev.azure.com", "user name or password"),
            ("https://dev.azure.com/?x=1", "query"),
            ("ftp://x", "https://"),
            ("https://", "no host"),
            ("https://a b", "spaces"),
        ] {
            let e = cloud(bad).validate().unwrap_err().to_string();
            assert!(e.contains(why), "{bad}: {e}");
            assert!(!e.contains("pw@"), "never echoes a password: {e}");
        }
        let server = Deployment::Server {
            server_url: "http://tfs.contoso.com/tfs".into(),
        };
        assert!(server.validate().is_err());
    }

    #[test]
    fn bad_names_in_json_are_refused() {
        let r: Result<OrgName, _> = serde_json::from_str("\"bad-\"");
        assert!(r.is_err());
    }
}
