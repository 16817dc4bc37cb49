use serde::Deserialize;

/// `_apis/connectionData`.
#[derive(Clone, Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ConnectionData {
    pub authenticated_user: ConnectionUser,
    #[serde(default)]
    pub authorized_user: Option<ConnectionUser>,
    /// The organization (collection) id.
    pub instance_id: String,
    #[serde(default)]
    pub deployment_id: Option<String>,
    /// `hosted` or `onPremises`.
    #[serde(default)]
    pub deployment_type: Option<String>,
}

#[derive(Clone, Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ConnectionUser {
    pub id: String,
    #[serde(default)]
    pub provider_display_name: Option<String>,
    #[serde(default)]
    pub descriptor: Option<String>,
    #[serde(default)]
    pub subject_descriptor: Option<String>,
    #[serde(default)]
    pub is_active: Option<bool>,
    #[serde(default)]
    pub properties: Option<serde_json::Value>,
}

impl ConnectionUser {
    /// The sign-in name (`properties.Account.$value`), when present.
    pub fn sign_in_name(&self) -> Option<&str> {
        self.properties.as_ref()?.get("Account")?.get("$value")?.as_str()
    }
}

/// `profile/profiles/me`.
#[derive(Clone, Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Profile {
    pub id: String,
    #[serde(default)]
    pub display_name: Option<String>,
    #[serde(default)]
    pub public_alias: Option<String>,
    #[serde(default)]
    pub email_address: Option<String>,
}

/// One organization of `_apis/accounts`.
#[derive(Clone, Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Account {
    pub account_id: String,
    pub account_name: String,
    #[serde(default)]
    pub account_uri: Option<String>,
}

/// `_apis/projects`.
#[derive(Clone, Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct TeamProject {
    pub id: String,
    pub name: String,
    #[serde(default)]
    pub description: Option<String>,
    #[serde(default)]
    pub url: Option<String>,
    #[serde(default)]
    pub state: Option<String>,
    #[serde(default)]
    pub revision: Option<u64>,
    #[serde(default)]
    pub visibility: Option<String>,
    #[serde(default)]
    pub last_update_time: Option<String>,
}
