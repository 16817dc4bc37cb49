//! `palisade ado ...`: Azure DevOps through a stored connector.

use std::fmt::Write as _;

use anyhow::{Context, bail};
use palisade_ado::AdoClient;
use palisade_domain::{AdoTarget, AdoUrl, OrgName};
use palisade_engine::Engine;
use palisade_store::ConnectorRecord;
use serde_json::json;

use crate::Outcome;
use crate::args::{
    AdoArgs, AdoCommand, AdoPrCommand, AdoWikiCommand, AdoWorkItemsCommand, ConnectorChoice, GlobalArgs,
    OutFormat,
};
use crate::engine::{self, print, print_json};
use crate::store;

pub fn run(global: &GlobalArgs, args: &AdoArgs) -> anyhow::Result<Outcome> {
    let rt = store::runtime()?;
    rt.block_on(async {
        let engine = engine::open(global).await?;
        match &args.command {
            AdoCommand::Repos { conn, org, project } => {
                repos(&engine, conn, org.as_ref(), project.as_deref()).await
            }
            AdoCommand::Commits {
                conn,
                repo,
                branch,
                top,
            } => commits(&engine, conn, repo, branch.as_deref(), *top).await,
            AdoCommand::Pr {
                command:
                    AdoPrCommand::Create {
                        conn,
                        repo,
                        source,
                        target,
                        title,
                        description,
                    },
            } => pr_create(&engine, conn, repo, source, target, title, description).await,
            AdoCommand::Wiki {
                command:
                    AdoWikiCommand::Get {
                        conn,
                        url,
                        project,
                        wiki,
                        path,
                        org,
                    },
            } => {
                wiki_get(
                    &engine,
                    conn,
                    url.as_deref(),
                    project.as_deref(),
                    wiki.as_deref(),
                    path.as_deref(),
                    org.as_ref(),
                )
                .await
            }
            AdoCommand::Workitems { command } => match command {
                AdoWorkItemsCommand::Query {
                    conn,
                    project,
                    wiql,
                    top,
                    org,
                } => wiql_query(&engine, conn, project, wiql, *top, org.as_ref()).await,
                AdoWorkItemsCommand::Get { conn, ids, org } => {
                    let (_, client) = client(&engine, conn, org.as_ref()).await?;
                    let items = client.work_items(ids).await?;
                    show_work_items(&items, conn.format)
                }
            },
        }
    })
}

/// The connector and a client for `org` (default: the connector's organization).
async fn client(
    engine: &Engine,
    conn: &ConnectorChoice,
    org: Option<&OrgName>,
) -> anyhow::Result<(ConnectorRecord, AdoClient)> {
    let record = engine::pick_connector(engine, conn.connector.as_deref()).await?;
    let org = org.cloned().unwrap_or_else(|| record.config.organization.clone());
    let client = engine.client(&record, &org).await?;
    Ok((record, client))
}

/// A repository given as `PROJECT/REPO` or as a URL in any ADO form.
struct RepoRef {
    org: Option<OrgName>,
    project: String,
    repo: String,
}

fn parse_repo(s: &str) -> anyhow::Result<RepoRef> {
    let looks_like_url = s.contains("://") || s.contains('@') || s.contains(':');
    if looks_like_url {
        let u = AdoUrl::parse(s)?;
        let (AdoTarget::Repo { name: repo } | AdoTarget::PullRequest { repo, .. }) = u.target else {
            bail!("{s} is not a repository URL: it names no repository (.../{{project}}/_git/{{repo}})");
        };
        let project = u.project.with_context(|| format!("{s} names no project"))?;
        return Ok(RepoRef {
            org: Some(u.org),
            project,
            repo,
        });
    }
    match s.split('/').collect::<Vec<_>>().as_slice() {
        [project, repo] if !project.is_empty() && !repo.is_empty() => Ok(RepoRef {
            org: None,
            project: (*project).to_owned(),
            repo: (*repo).to_owned(),
        }),
        _ => bail!(
            "--repo {s:?}: give PROJECT/REPO (e.g. Web/web-frontend) or a repository URL \
             (e.g. https://dev.azure.com/contoso/Web/_git/web-frontend)"
        ),
    }
}

async fn repos(
    engine: &Engine,
    conn: &ConnectorChoice,
    org: Option<&OrgName>,
    project: Option<&str>,
) -> anyhow::Result<Outcome> {
    let (_, client) = client(engine, conn, org).await?;
    let mut list = client.repositories().await?;
    let project_of = |r: &palisade_ado::models::GitRepository| {
        r.project
            .as_ref()
            .and_then(|p| p.name.clone())
            .unwrap_or_default()
    };
    if let Some(p) = project {
        list.retain(|r| project_of(r).eq_ignore_ascii_case(p));
    }
    list.sort_by_key(|r| (project_of(r).to_lowercase(), r.name.to_lowercase()));
    match conn.format {
        OutFormat::Json => {
            let v: Vec<_> = list
                .iter()
                .map(|r| {
                    json!({
                        "id": r.id,
                        "name": r.name,
                        "project": project_of(r),
                        "default_branch": r.default_branch,
                        "size": r.size,
                        "web_url": r.web_url,
                        "remote_url": r.remote_url,
                        "is_disabled": r.is_disabled.unwrap_or(false),
                    })
                })
                .collect();
            print_json(&v)?;
        }
        OutFormat::Table => {
            let mut out = String::new();
            writeln!(
                out,
                "{:20}  {:30}  {:20}  {:>10}  URL",
                "PROJECT", "REPOSITORY", "DEFAULT BRANCH", "SIZE"
            )?;
            for r in &list {
                let branch = r
                    .default_branch
                    .as_deref()
                    .map_or("-", |b| b.trim_start_matches("refs/heads/"));
                let mut name = r.name.clone();
                if r.is_disabled == Some(true) {
                    name.push_str(" (disabled)");
                }
                writeln!(
                    out,
                    "{:20}  {:30}  {:20}  {:>10}  {}",
                    project_of(r),
                    name,
                    branch,
                    r.size.unwrap_or(0),
                    r.web_url.as_deref().unwrap_or("")
                )?;
            }
            print(&out)?;
        }
    }
    Ok(Outcome::Clean)
}

async fn commits(
    engine: &Engine,
    conn: &ConnectorChoice,
    repo: &str,
    branch: Option<&str>,
    top: usize,
) -> anyhow::Result<Outcome> {
    let r = parse_repo(repo)?;
    let (_, client) = client(engine, conn, r.org.as_ref()).await?;
    let branch = match branch {
        Some(b) => b.to_owned(),
        None => client
            .repository(&r.project, &r.repo)
            .await?
            .default_branch
            .with_context(|| {
                format!(
                    "repository {} has no default branch (it is empty): pass --branch",
                    r.repo
                )
            })?,
    };
    let list = client.commits(&r.project, &r.repo, &branch, top).await?;
    match conn.format {
        OutFormat::Json => {
            let v: Vec<_> = list
                .iter()
                .map(|c| {
                    json!({
                        "commit_id": c.commit_id,
                        "comment": c.comment,
                        "author": c.author.as_ref().and_then(|a| a.name.clone()),
                        "author_email": c.author.as_ref().and_then(|a| a.email.clone()),
                        "date": c.author.as_ref().and_then(|a| a.date.clone()),
                    })
                })
                .collect();
            print_json(&v)?;
        }
        OutFormat::Table => {
            let mut out = String::new();
            for c in &list {
                let author = c.author.as_ref();
                writeln!(
                    out,
                    "{}  {:20}  {:24}  {}",
                    c.commit_id.get(..10).unwrap_or(&c.commit_id),
                    author.and_then(|a| a.date.as_deref()).unwrap_or(""),
                    author.and_then(|a| a.name.as_deref()).unwrap_or(""),
                    c.comment.as_deref().unwrap_or("").lines().next().unwrap_or("")
                )?;
            }
            print(&out)?;
        }
    }
    Ok(Outcome::Clean)
}

async fn pr_create(
    engine: &Engine,
    conn: &ConnectorChoice,
    repo: &str,
    source: &str,
    target: &str,
    title: &str,
    description: &str,
) -> anyhow::Result<Outcome> {
    let r = parse_repo(repo)?;
    let (record, client) = client(engine, conn, r.org.as_ref()).await?;
    let pr = client
        .create_pull_request(&r.project, &r.repo, source, target, title, description)
        .await?;
    let org = r.org.unwrap_or_else(|| record.config.organization.clone());
    let web_url = format!(
        "{}/{}/_git/{}/pullrequest/{}",
        record.config.deployment.org_url(&org),
        url_segment(&r.project),
        url_segment(&r.repo),
        pr.pull_request_id
    );
    match conn.format {
        OutFormat::Json => print_json(&json!({
            "pull_request_id": pr.pull_request_id,
            "status": pr.status,
            "title": pr.title,
            "source": pr.source_ref_name,
            "target": pr.target_ref_name,
            "web_url": web_url,
        }))?,
        OutFormat::Table => print(&format!(
            "Created pull request {}: {web_url}\n",
            pr.pull_request_id
        ))?,
    }
    Ok(Outcome::Clean)
}

fn url_segment(s: &str) -> String {
    url::form_urlencoded::byte_serialize(s.as_bytes())
        .collect::<String>()
        .replace('+', "%20")
}

async fn wiki_get(
    engine: &Engine,
    conn: &ConnectorChoice,
    url: Option<&str>,
    project: Option<&str>,
    wiki: Option<&str>,
    path: Option<&str>,
    org: Option<&OrgName>,
) -> anyhow::Result<Outcome> {
    let (org, project, wiki, page) = if let Some(u) = url {
        let parsed = AdoUrl::parse(u)?;
        let AdoTarget::Wiki { name, page } = parsed.target else {
            bail!("{u} is not a wiki URL (.../{{project}}/_wiki/wikis/{{wiki}}?pagePath=/Page)");
        };
        let project = parsed.project.with_context(|| format!("{u} names no project"))?;
        (Some(parsed.org), project, name, page)
    } else {
        let project = project.context("give a wiki URL, or --project and --wiki")?;
        let wiki = wiki.context("give a wiki URL, or --project and --wiki")?;
        (org.cloned(), project.to_owned(), wiki.to_owned(), None)
    };
    let page = match (path, page) {
        (Some(p), _) => p.to_owned(),
        (None, Some(p)) if p.starts_with('/') => p,
        (None, Some(id)) => {
            bail!("the URL names page {id} by id: pass the page path with --path (e.g. --path /Home)")
        }
        (None, None) => bail!("which page? pass --path (e.g. --path /Home) or a URL with ?pagePath=/Page"),
    };
    let (_, client) = client(engine, conn, org.as_ref()).await?;
    let p = client.wiki_page(&project, &wiki, &page).await?;
    match conn.format {
        OutFormat::Json => print_json(&json!({
            "id": p.id,
            "path": p.path,
            "version": p.etag,
            "remote_url": p.remote_url,
            "content": p.content,
        }))?,
        OutFormat::Table => {
            let mut text = p.content.unwrap_or_default();
            if !text.ends_with('\n') {
                text.push('\n');
            }
            print(&text)?;
        }
    }
    Ok(Outcome::Clean)
}

async fn wiql_query(
    engine: &Engine,
    conn: &ConnectorChoice,
    project: &str,
    wiql: &str,
    top: usize,
    org: Option<&OrgName>,
) -> anyhow::Result<Outcome> {
    let (_, client) = client(engine, conn, org).await?;
    let result = client.wiql(project, wiql, Some(top)).await?;
    let ids: Vec<i64> = result.work_items.iter().map(|w| w.id).collect();
    let items = if ids.is_empty() {
        Vec::new()
    } else {
        client.work_items(&ids).await?
    };
    show_work_items(&items, conn.format)
}

fn show_work_items(items: &[palisade_ado::models::WorkItem], format: OutFormat) -> anyhow::Result<Outcome> {
    match format {
        OutFormat::Json => {
            let v: Vec<_> = items
                .iter()
                .map(|w| json!({"id": w.id, "rev": w.rev, "fields": w.fields, "url": w.url}))
                .collect();
            print_json(&v)?;
        }
        OutFormat::Table => {
            let field = |w: &palisade_ado::models::WorkItem, k: &str| {
                w.fields.get(k).and_then(|v| v.as_str()).unwrap_or("").to_owned()
            };
            let mut out = String::new();
            writeln!(out, "{:>6}  {:12}  {:10}  TITLE", "ID", "TYPE", "STATE")?;
            for w in items {
                writeln!(
                    out,
                    "{:>6}  {:12}  {:10}  {}",
                    w.id,
                    field(w, "System.WorkItemType"),
                    field(w, "System.State"),
                    field(w, "System.Title")
                )?;
            }
            print(&out)?;
        }
    }
    Ok(Outcome::Clean)
}
