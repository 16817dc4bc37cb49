//! Connectors: the list with each one's discovery and scan status, a form to
//! create one (validated and credential-tested by the engine, with the
//! portal's messages), a page per connector (runs, repositories, test,
//! discover now) and deletion (which revokes). Credentials are write-only:
//! a form takes them, no page ever shows one.

use askama::Template;
use axum::extract::{Form, Path, State};
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Redirect, Response};
use palisade_auth::Action;
use palisade_domain::{AuthConfig, ConnectorConfig, ConnectorName, Deployment, OrgName, OrgSelection};
use palisade_engine::{ConnectorInput, Credential, EngineError, JobSpec};
use palisade_store::{ConnectorId, ConnectorRecord, DiscoveryRunSummary, ManagedRepoFilter, NewAuditEntry};
use serde::Deserialize;

use super::session::{Viewer, same_origin};
use super::{ConsoleError, page};
use crate::AppState;
use crate::api::now;

/// A connector as listed.
#[derive(Debug)]
struct Row {
    c: ConnectorRecord,
    deployment: String,
}

fn deployment_text(d: &Deployment) -> String {
    match d {
        Deployment::Cloud { api_url, .. } => format!("Azure DevOps Services ({api_url})"),
        Deployment::Server { server_url } => format!("Azure DevOps Server ({server_url})"),
    }
}

#[derive(Template)]
#[template(path = "connectors.html")]
struct ListPage {
    viewer: Viewer,
    rows: Vec<Row>,
    can_create: bool,
    notice: Option<String>,
}

fn visible(viewer: &Viewer, c: &ConnectorRecord) -> bool {
    viewer.may(Action::ReadInventory, Some(c.id.as_str()))
}

pub(crate) async fn list(State(state): State<AppState>, viewer: Viewer) -> Result<Response, ConsoleError> {
    viewer.connectors(Action::ReadInventory)?;
    let rows = state
        .engine
        .store()
        .list_connectors()
        .await?
        .into_iter()
        .filter(|c| visible(&viewer, c))
        .map(|c| Row {
            deployment: deployment_text(&c.config.deployment),
            c,
        })
        .collect();
    Ok(page(&ListPage {
        can_create: viewer.may(Action::ManageConnectors, None),
        viewer,
        rows,
        notice: None,
    }))
}

/// The create form, as typed (credentials are never sent back).
#[derive(Debug, Default, Deserialize)]
pub(crate) struct NewForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    name: String,
    #[serde(default)]
    organization: String,
    #[serde(default)]
    auth: String,
    #[serde(default)]
    pat: String,
    #[serde(default)]
    tenant: String,
    #[serde(default)]
    client_id: String,
    #[serde(default)]
    client_secret: String,
    #[serde(default)]
    api_url: String,
    #[serde(default)]
    profile_url: String,
    #[serde(default)]
    login_url: String,
    #[serde(default)]
    server_url: String,
}

#[derive(Template)]
#[template(path = "connector_new.html")]
struct NewPage {
    viewer: Viewer,
    form: NewForm,
    errors: Vec<String>,
}

pub(crate) async fn new_form(viewer: Viewer) -> Result<Response, ConsoleError> {
    if !viewer.may(Action::ManageConnectors, None) {
        return Err(ConsoleError::Forbidden(Action::ManageConnectors));
    }
    Ok(page(&NewPage {
        viewer,
        form: NewForm {
            auth: "pat".into(),
            ..NewForm::default()
        },
        errors: Vec::new(),
    }))
}

fn opt(s: &str) -> Option<&str> {
    Some(s.trim()).filter(|s| !s.is_empty())
}

/// The connector a form describes, or every problem with it.
fn input_of(f: &NewForm) -> Result<ConnectorInput, Vec<String>> {
    let mut errors = Vec::new();
    let name = ConnectorName::parse(f.name.trim())
        .map_err(|e| errors.push(e.to_string()))
        .ok();
    let organization = OrgName::parse(f.organization.trim())
        .map_err(|e| errors.push(e.to_string()))
        .ok();
    let (auth, credential) = match f.auth.as_str() {
        "pat" => {
            if f.pat.trim().is_empty() {
                errors.push("Enter a personal access token.".into());
            }
            (AuthConfig::Pat, Credential::pat(f.pat.trim()))
        }
        "service-principal" => {
            for (value, what) in [
                (&f.tenant, "the tenant"),
                (&f.client_id, "the client id"),
                (&f.client_secret, "the client secret"),
            ] {
                if value.trim().is_empty() {
                    errors.push(format!("Enter {what} of the service principal."));
                }
            }
            (
                AuthConfig::ServicePrincipal {
                    tenant: f.tenant.trim().to_owned(),
                    client_id: f.client_id.trim().to_owned(),
                },
                Credential::client_secret(f.client_secret.trim()),
            )
        }
        other => {
            errors.push(format!("Unknown authentication method {other:?}."));
            (AuthConfig::Pat, Credential::pat(""))
        }
    };
    let deployment = Deployment::with_urls(
        None,
        opt(&f.server_url),
        opt(&f.api_url),
        opt(&f.profile_url),
        opt(&f.login_url),
    );
    if let Err(e) = deployment.validate() {
        errors.push(e.to_string());
    }
    match (name, organization) {
        (Some(name), Some(organization)) if errors.is_empty() => Ok(ConnectorInput {
            config: ConnectorConfig {
                name,
                organization,
                deployment,
                auth,
                orgs: OrgSelection::Chosen(Vec::new()),
            },
            credential: Some(credential),
            skip_test: false,
        }),
        _ => Err(errors),
    }
}

/// An engine error as a message on the form.
fn form_error(e: EngineError) -> Result<String, ConsoleError> {
    match e {
        EngineError::Store(s) => Err(s.into()),
        other => Ok(other.to_string()),
    }
}

pub(crate) async fn create(
    State(state): State<AppState>,
    viewer: Viewer,
    headers: HeaderMap,
    Form(mut f): Form<NewForm>,
) -> Result<Response, ConsoleError> {
    same_origin(&headers)?;
    viewer.check_csrf(&f.csrf)?;
    if !viewer.may(Action::ManageConnectors, None) {
        return Err(ConsoleError::Forbidden(Action::ManageConnectors));
    }
    let errors = match input_of(&f) {
        Err(errors) => errors,
        Ok(input) => match state.engine.create_connector(input).await {
            Ok(outcome) => {
                let entry = NewAuditEntry {
                    at: now(),
                    actor: viewer.username.to_string(),
                    action: "connector.create".into(),
                    target: outcome.record.config.name.to_string(),
                    source: Some("console".into()),
                    details: serde_json::json!({
                        "id": outcome.record.id,
                        "organization": outcome.record.config.organization,
                        "auth": outcome.record.config.auth.kind(),
                    }),
                };
                state.engine.store().append_audit(&entry).await?;
                return Ok(Redirect::to(&format!("/connectors/{}", outcome.record.id)).into_response());
            }
            Err(e) => vec![form_error(e)?],
        },
    };
    // Secrets are never sent back in the form.
    f.pat.clear();
    f.client_secret.clear();
    let mut r = page(&NewPage {
        viewer,
        form: f,
        errors,
    });
    *r.status_mut() = axum::http::StatusCode::UNPROCESSABLE_ENTITY;
    Ok(r)
}

#[derive(Template)]
#[template(path = "connector.html")]
struct DetailPage {
    viewer: Viewer,
    c: ConnectorRecord,
    deployment: String,
    runs: Vec<DiscoveryRunSummary>,
    repos: usize,
    enabled: usize,
    failing: usize,
    can_manage: bool,
    notice: Option<String>,
}

async fn connector_in_reach(
    state: &AppState,
    viewer: &Viewer,
    id: &str,
) -> Result<ConnectorRecord, ConsoleError> {
    let missing = || ConsoleError::NotFound(format!("connector {id}"));
    let id = ConnectorId::parse(id).ok_or_else(missing)?;
    let c = state.engine.store().get_connector(id.as_str()).await?;
    if !visible(viewer, &c) {
        return Err(missing());
    }
    Ok(c)
}

async fn detail_page(
    state: &AppState,
    viewer: Viewer,
    c: ConnectorRecord,
    notice: Option<String>,
) -> Result<Response, ConsoleError> {
    let store = state.engine.store();
    let runs = store.list_discovery_runs(&c.id, 10).await?;
    let repos = store
        .list_managed_repos(&ManagedRepoFilter {
            connector: Some(c.id.clone()),
            ..ManagedRepoFilter::default()
        })
        .await?;
    let enabled = repos.iter().filter(|r| r.full_scans || r.pr_scans).count();
    let failing = repos
        .iter()
        .filter(|r| r.last_status == Some(palisade_domain::ScanStatus::Failed))
        .count();
    Ok(page(&DetailPage {
        can_manage: viewer.may(Action::ManageConnectors, Some(c.id.as_str())),
        deployment: deployment_text(&c.config.deployment),
        viewer,
        runs,
        repos: repos.len(),
        enabled,
        failing,
        c,
        notice,
    }))
}

pub(crate) async fn detail(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<String>,
) -> Result<Response, ConsoleError> {
    let c = connector_in_reach(&state, &viewer, &id).await?;
    detail_page(&state, viewer, c, None).await
}

#[derive(Debug, Deserialize)]
pub(crate) struct ActionForm {
    csrf: String,
    /// For deletion: the connector's name, typed again.
    #[serde(default)]
    confirm: String,
}

/// Test the stored credential, start a discovery, or delete.
pub(crate) async fn act(
    State(state): State<AppState>,
    viewer: Viewer,
    headers: HeaderMap,
    Path((id, action)): Path<(String, String)>,
    Form(f): Form<ActionForm>,
) -> Result<Response, ConsoleError> {
    same_origin(&headers)?;
    viewer.check_csrf(&f.csrf)?;
    let c = connector_in_reach(&state, &viewer, &id).await?;
    let needed = match action.as_str() {
        "test" | "delete" => Action::ManageConnectors,
        "discover" => Action::RunDiscovery,
        other => return Err(ConsoleError::NotFound(format!("connector action {other}"))),
    };
    if !viewer.may(needed, Some(c.id.as_str())) {
        return Err(ConsoleError::Forbidden(needed));
    }
    let audit = |what: &str, details: serde_json::Value| NewAuditEntry {
        at: now(),
        actor: viewer.username.to_string(),
        action: format!("connector.{what}"),
        target: c.config.name.to_string(),
        source: Some("console".into()),
        details,
    };
    let store = state.engine.store();
    let notice = match action.as_str() {
        "test" => match state.engine.test_connector(c.id.as_str()).await {
            Ok(o) => format!(
                "The connection works{}.{}",
                o.identity
                    .map(|i| format!(" (signed in as {i})"))
                    .unwrap_or_default(),
                o.warnings.iter().fold(String::new(), |mut all, w| {
                    all.push(' ');
                    all.push_str(w);
                    all
                })
            ),
            Err(e) => format!("The connection failed: {}", form_error(e)?),
        },
        "discover" => {
            let (job, created) = state
                .engine
                .queue_job_for(
                    JobSpec::Discover {
                        connector: c.id.to_string(),
                    },
                    Some(c.id.clone()),
                    None,
                )
                .await
                .map_err(|e| ConsoleError::Unavailable(e.to_string()))?;
            store
                .append_audit(&audit("discover", serde_json::json!({ "job": job })))
                .await?;
            if created {
                "Discovery queued; this page shows it when it runs.".to_owned()
            } else {
                "A discovery is already queued.".to_owned()
            }
        }
        _ => {
            if f.confirm.trim() != c.config.name.as_str() {
                return detail_page(
                    &state,
                    viewer.clone(),
                    c.clone(),
                    Some("Type the connector's name to delete it.".into()),
                )
                .await;
            }
            state
                .engine
                .delete_connectors(&[c.id.to_string()])
                .await
                .map_err(|e| ConsoleError::BadRequest(e.to_string()))?;
            store
                .append_audit(&audit("delete", serde_json::json!({ "id": c.id })))
                .await?;
            return Ok(Redirect::to("/connectors").into_response());
        }
    };
    let fresh = store.get_connector(c.id.as_str()).await?;
    detail_page(&state, viewer, fresh, Some(notice)).await
}
