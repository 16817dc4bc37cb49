//! Wikis and wiki pages.

use axum::http::{HeaderValue, header};
use axum::response::Response;
use serde_json::{Value, json};
use sha2::Digest as _;
use uuid::Uuid;

use super::{project_base, project_of, visible_projects};
use crate::error::{AdoError, AdoResult};
use crate::fixture::{Project, Wiki};
use crate::server::{Ctx, SimState, enc, json_response, list_response};

fn wiki_json(ctx: &Ctx, p: &Project, w: &Wiki) -> Value {
    let id = w.id.unwrap_or_default();
    let pb = project_base(ctx, p);
    let repo_id = w
        .repository
        .as_deref()
        .and_then(|r| p.repo(r))
        .map_or(id, crate::fixture::Repo::guid);
    json!({
        "id": id.to_string(),
        "versions": [{"version": "wikiMaster"}],
        "url": format!("{pb}/_apis/wiki/wikis/{id}"),
        "remoteUrl": format!("{pb}/_wiki/wikis/{id}"),
        "type": w.kind.clone().unwrap_or_else(|| "projectWiki".into()),
        "name": w.name,
        "projectId": p.guid().to_string(),
        "repositoryId": repo_id.to_string(),
        "mappedPath": "/",
    })
}

pub(crate) fn wikis(state: &SimState, ctx: &Ctx) -> AdoResult<Response> {
    let estate = state.estate();
    let mut items = Vec::new();
    for p in visible_projects(&estate, ctx)? {
        for w in &p.wikis {
            items.push(wiki_json(ctx, p, w));
        }
    }
    Ok(list_response(items, None))
}

fn norm(path: &str) -> String {
    format!("/{}", path.trim().trim_matches('/')).to_ascii_lowercase()
}

pub(crate) fn page(state: &SimState, ctx: &Ctx, key: &str) -> AdoResult<Response> {
    let estate = state.estate();
    let (_, p) = project_of(&estate, ctx)?;
    let as_id = Uuid::parse_str(key).ok();
    let w = p
        .wikis
        .iter()
        .find(|w| w.name.eq_ignore_ascii_case(key) || (as_id.is_some() && w.id == as_id))
        .ok_or_else(|| {
            AdoError::new(
                axum::http::StatusCode::NOT_FOUND,
                "WikiNotFoundException",
                format!("VS402526: The wiki {key} does not exist or you do not have permission to view it."),
            )
        })?;
    let path = ctx.q("path").unwrap_or("/");
    if path.len() > 1024 {
        return Err(AdoError::bad_param("path"));
    }
    let include = ctx.q_bool("includeContent")?;
    let id = w.id.unwrap_or_default();
    let pb = project_base(ctx, p);
    let page_json = |path: &str, pid: i64, order: usize| {
        json!({
            "path": path,
            "order": order,
            "gitItemPath": format!("{}.md", path.replace(' ', "-")),
            "subPages": [],
            "url": format!("{pb}/_apis/wiki/wikis/{id}/pages/{}", enc(path)),
            "remoteUrl": format!("{pb}/_wiki/wikis/{id}?pagePath={}", enc(path)),
            "id": pid,
        })
    };
    if norm(path) == "/" {
        let mut v = page_json("/", 0, 0);
        v["gitItemPath"] = json!("/");
        v["isParentPage"] = json!(true);
        v["subPages"] = json!(
            w.pages
                .iter()
                .enumerate()
                .map(|(i, pg)| page_json(&pg.path, pg.id, i))
                .collect::<Vec<_>>()
        );
        return Ok(json_response(&v));
    }
    let (order, pg) = w
        .pages
        .iter()
        .enumerate()
        .find(|(_, pg)| norm(&pg.path) == norm(path))
        .ok_or_else(|| {
            AdoError::new(
                axum::http::StatusCode::NOT_FOUND,
                "WikiPageNotFoundException",
                format!(
                    "VS402607: The page '{path}' specified in the add operation does not exist in the wiki."
                ),
            )
        })?;
    let mut v = page_json(&pg.path, pg.id, order);
    if include {
        v["content"] = json!(pg.content);
    }
    let etag = hex::encode(sha2::Sha256::digest(pg.content.as_bytes()));
    let mut resp = json_response(&v);
    if let Ok(h) = HeaderValue::from_str(&format!("\"{}\"", &etag[..40])) {
        resp.headers_mut().insert(header::ETAG, h);
    }
    Ok(resp)
}
