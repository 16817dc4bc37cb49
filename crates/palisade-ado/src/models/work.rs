use std::collections::BTreeMap;

use serde::Deserialize;

/// `wiki/wikis`.
#[derive(Clone, Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct WikiV2 {
    pub id: String,
    pub name: String,
    /// `projectWiki` or `codeWiki`.
    #[serde(default, rename = "type")]
    pub wiki_type: Option<String>,
    #[serde(default)]
    pub project_id: Option<String>,
    #[serde(default)]
    pub repository_id: Option<String>,
    #[serde(default)]
    pub mapped_path: Option<String>,
    #[serde(default)]
    pub remote_url: Option<String>,
    #[serde(default)]
    pub url: Option<String>,
}

/// `wiki/wikis/{w}/pages?path=&includeContent=true`.
#[derive(Clone, Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct WikiPage {
    #[serde(default)]
    pub id: Option<i64>,
    pub path: String,
    #[serde(default)]
    pub content: Option<String>,
    #[serde(default)]
    pub git_item_path: Option<String>,
    #[serde(default)]
    pub remote_url: Option<String>,
    /// The `ETag` response header (the page version, needed to update it).
    #[serde(skip)]
    pub etag: Option<String>,
}

#[derive(Clone, Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct WiqlWorkItem {
    pub id: i64,
    #[serde(default)]
    pub url: Option<String>,
}

/// `wit/wiql`: ids only.
#[derive(Clone, Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct WiqlResult {
    #[serde(default)]
    pub query_type: Option<String>,
    #[serde(default)]
    pub as_of: Option<String>,
    #[serde(default)]
    pub work_items: Vec<WiqlWorkItem>,
}

/// `wit/workitems?ids=`.
#[derive(Clone, Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct WorkItem {
    pub id: i64,
    #[serde(default)]
    pub rev: Option<i64>,
    #[serde(default)]
    pub fields: BTreeMap<String, serde_json::Value>,
    #[serde(default)]
    pub url: Option<String>,
}
