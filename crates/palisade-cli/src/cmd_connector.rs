//! `palisade connector create|list|show|edit|test|delete`.

use std::fmt::Write as _;
use std::io::{BufRead, IsTerminal, Write};
use std::time::Duration;

use anyhow::{Context, bail};
use palisade_domain::{AuthConfig, ConnectorConfig, Deployment, OrgSelection};
use palisade_engine::{ConnectorInput, CreateOutcome, Engine};
use palisade_store::{ConnectorRecord, DiscoveryRunSummary};
use palisade_vault::Credential;
use secrecy::SecretString;

use crate::Outcome;
use crate::args::{
    AuthKind, ConnectorArgs, ConnectorCommand, ConnectorCreateArgs, ConnectorEditArgs, ConnectorSettings,
    GlobalArgs, OutFormat,
};
use crate::engine::{self, print, print_json, warn};
use crate::{oauth, store};

pub const PAT_ENV: &str = "PALISADE_ADO_PAT";
pub const CLIENT_SECRET_ENV: &str = "PALISADE_CLIENT_SECRET";

pub fn run(global: &GlobalArgs, args: &ConnectorArgs) -> anyhow::Result<Outcome> {
    let rt = store::runtime()?;
    rt.block_on(async {
        let engine = engine::open(global).await?;
        match &args.command {
            ConnectorCommand::Create(a) => create(&engine, a).await,
            ConnectorCommand::List { format } => list(&engine, *format).await,
            ConnectorCommand::Show { name, runs, format } => show(&engine, name, *runs, *format).await,
            ConnectorCommand::Edit(a) => edit(&engine, a).await,
            ConnectorCommand::Test { name, format } => {
                let outcome = engine.test_connector(name).await?;
                saved(&outcome, *format, "Connection test passed for")?;
                Ok(Outcome::Clean)
            }
            ConnectorCommand::Delete { names, yes } => delete(&engine, names, *yes).await,
        }
    })
}

async fn create(engine: &Engine, a: &ConnectorCreateArgs) -> anyhow::Result<Outcome> {
    let s = &a.settings;
    let deployment = deployment(s, None);
    let kind = s.auth.unwrap_or(AuthKind::Pat);
    let auth = auth_config(kind, s, None)?;
    let orgs = org_selection(s).unwrap_or(OrgSelection::Chosen(Vec::new()));
    let config = ConnectorConfig {
        name: a.name.clone(),
        organization: a.org.clone(),
        deployment,
        auth,
        orgs,
    };
    // Refuse a taken name or organization before a browser sign-in, so
    // nobody signs in for a connector that cannot be saved.
    if matches!(config.auth, AuthConfig::OAuth { .. }) {
        engine.check_unique(&config, None).await?;
    }
    let credential = credential(&config, s).await?;
    let outcome = engine
        .create_connector(ConnectorInput {
            config,
            credential: Some(credential),
            skip_test: s.skip_test,
        })
        .await?;
    saved(&outcome, s.format, "Created connector")?;
    Ok(Outcome::Clean)
}

async fn edit(engine: &Engine, a: &ConnectorEditArgs) -> anyhow::Result<Outcome> {
    let s = &a.settings;
    let existing = engine.store().get_connector(&a.name).await?;
    let old = &existing.config;
    let auth = match s.auth {
        Some(kind) => auth_config(kind, s, Some(&old.auth))?,
        None => patch_auth(&old.auth, s),
    };
    let config = ConnectorConfig {
        name: a.rename.clone().unwrap_or_else(|| old.name.clone()),
        organization: a.org.clone().unwrap_or_else(|| old.organization.clone()),
        deployment: deployment(s, Some(&old.deployment)),
        auth,
        orgs: org_selection(s).unwrap_or_else(|| old.orgs.clone()),
    };
    let new_credential =
        s.auth.is_some() || s.pat_stdin || s.client_secret_stdin || config.auth.kind() != old.auth.kind();
    let credential = if new_credential {
        Some(credential(&config, s).await?)
    } else {
        None
    };
    let outcome = engine
        .update_connector(
            existing.id.as_str(),
            ConnectorInput {
                config,
                credential,
                skip_test: s.skip_test,
            },
        )
        .await?;
    saved(&outcome, s.format, "Updated connector")?;
    Ok(Outcome::Clean)
}

fn deployment(s: &ConnectorSettings, old: Option<&Deployment>) -> Deployment {
    Deployment::with_urls(
        old,
        s.server_url.as_deref(),
        s.api_url.as_deref(),
        s.profile_url.as_deref(),
        s.login_url.as_deref(),
    )
}

fn org_selection(s: &ConnectorSettings) -> Option<OrgSelection> {
    if s.all_orgs {
        Some(OrgSelection::AllExisting(Vec::new()))
    } else if s.all_orgs_and_future {
        Some(OrgSelection::AllExistingAndFuture)
    } else if !s.orgs.is_empty() {
        Some(OrgSelection::Chosen(s.orgs.clone()))
    } else {
        None
    }
}

/// The Entra ids of the old auth, for an edit that keeps them.
fn old_ids(old: Option<&AuthConfig>) -> (Option<String>, Option<String>, Option<String>) {
    match old {
        Some(
            AuthConfig::OAuth { tenant, client_id } | AuthConfig::ServicePrincipal { tenant, client_id },
        ) => (Some(tenant.clone()), Some(client_id.clone()), None),
        Some(AuthConfig::ManagedIdentity {
            tenant,
            client_id,
            federated_token_file,
        }) => (
            Some(tenant.clone()),
            Some(client_id.clone()),
            Some(federated_token_file.clone()),
        ),
        _ => (None, None, None),
    }
}

fn auth_config(
    kind: AuthKind,
    s: &ConnectorSettings,
    old: Option<&AuthConfig>,
) -> anyhow::Result<AuthConfig> {
    let (old_tenant, old_client, old_file) = old_ids(old);
    let tenant = s.tenant.clone().or(old_tenant);
    let client_id = s.client_id.clone().or(old_client);
    let need = |what: &str, flag: &str, v: Option<String>| {
        v.filter(|x| !x.trim().is_empty())
            .with_context(|| format!("--auth {} needs {what}: pass {flag}", kind_name(kind)))
    };
    Ok(match kind {
        AuthKind::Pat => AuthConfig::Pat,
        AuthKind::OAuth => AuthConfig::OAuth {
            tenant: need("the Entra tenant", "--tenant", tenant)?,
            client_id: need("the application (client) id", "--client-id", client_id)?,
        },
        AuthKind::ServicePrincipal => AuthConfig::ServicePrincipal {
            tenant: need("the Entra tenant", "--tenant", tenant)?,
            client_id: need("the application (client) id", "--client-id", client_id)?,
        },
        AuthKind::ManagedIdentity => AuthConfig::ManagedIdentity {
            tenant: need("the Entra tenant", "--tenant", tenant)?,
            client_id: need("the application (client) id", "--client-id", client_id)?,
            federated_token_file: need(
                "the federated token file",
                "--federated-token-file",
                s.federated_token_file.clone().or(old_file),
            )?,
        },
    })
}

/// `--tenant`/`--client-id`/`--federated-token-file` without `--auth` change
/// the existing auth's ids.
fn patch_auth(old: &AuthConfig, s: &ConnectorSettings) -> AuthConfig {
    let mut auth = old.clone();
    match &mut auth {
        AuthConfig::Pat => {}
        AuthConfig::OAuth { tenant, client_id } | AuthConfig::ServicePrincipal { tenant, client_id } => {
            if let Some(t) = &s.tenant {
                t.clone_into(tenant);
            }
            if let Some(c) = &s.client_id {
                c.clone_into(client_id);
            }
        }
        AuthConfig::ManagedIdentity {
            tenant,
            client_id,
            federated_token_file,
        } => {
            if let Some(t) = &s.tenant {
                t.clone_into(tenant);
            }
            if let Some(c) = &s.client_id {
                c.clone_into(client_id);
            }
            if let Some(f) = &s.federated_token_file {
                f.clone_into(federated_token_file);
            }
        }
    }
    auth
}

fn kind_name(kind: AuthKind) -> &'static str {
    match kind {
        AuthKind::Pat => "pat",
        AuthKind::OAuth => "oauth",
        AuthKind::ServicePrincipal => "service-principal",
        AuthKind::ManagedIdentity => "managed-identity",
    }
}

/// The credential for the connector's auth, from stdin, the environment or
/// the browser; never from the command line.
async fn credential(config: &ConnectorConfig, s: &ConnectorSettings) -> anyhow::Result<Credential> {
    match &config.auth {
        AuthConfig::Pat => {
            if s.client_secret_stdin {
                bail!(
                    "--client-secret-stdin is for --auth service-principal or oauth; a PAT comes from --pat-stdin"
                );
            }
            let pat = secret(s.pat_stdin, PAT_ENV, "the PAT")?.ok_or_else(|| {
                anyhow::anyhow!(
                    "Azure DevOps access token not configured. Please authenticate: pass --pat-stdin or set {PAT_ENV}"
                )
            })?;
            Ok(Credential::Pat { token: pat })
        }
        AuthConfig::ServicePrincipal { .. } => {
            no_pat(s)?;
            let secret = secret(s.client_secret_stdin, CLIENT_SECRET_ENV, "the client secret")?.ok_or_else(|| {
                anyhow::anyhow!(
                    "Client secret not configured. Please authenticate: pass --client-secret-stdin or set {CLIENT_SECRET_ENV}"
                )
            })?;
            Ok(Credential::ClientSecret { secret })
        }
        AuthConfig::ManagedIdentity {
            federated_token_file, ..
        } => {
            no_pat(s)?;
            if !std::path::Path::new(federated_token_file).is_file() {
                warn(&format!(
                    "the federated token file {federated_token_file} does not exist (yet): it is read at each use"
                ));
            }
            Ok(Credential::None)
        }
        AuthConfig::OAuth { tenant, client_id } => {
            no_pat(s)?;
            let Deployment::Cloud { login_url, .. } = &config.deployment else {
                bail!(
                    "Azure DevOps Server connectors authenticate with a PAT: Entra ID sign-in (--auth oauth) \
                     is for Azure DevOps Services"
                );
            };
            let client_secret = secret(s.client_secret_stdin, CLIENT_SECRET_ENV, "the client secret")?;
            oauth::sign_in(
                login_url,
                tenant,
                client_id,
                client_secret.as_ref(),
                Duration::from_secs(s.auth_timeout),
            )
            .await
        }
    }
}

fn no_pat(s: &ConnectorSettings) -> anyhow::Result<()> {
    if s.pat_stdin {
        bail!("--pat-stdin is for --auth pat");
    }
    Ok(())
}

/// A secret from the first line of stdin (when `from_stdin`), else from `env`.
pub(crate) fn secret(from_stdin: bool, env: &str, what: &str) -> anyhow::Result<Option<SecretString>> {
    if from_stdin {
        let mut line = String::new();
        std::io::stdin()
            .lock()
            .read_line(&mut line)
            .with_context(|| format!("cannot read {what} from stdin"))?;
        let value = line.trim_end_matches(['\r', '\n']).trim().to_owned();
        if value.is_empty() {
            bail!("stdin gave an empty line where {what} was expected");
        }
        return Ok(Some(SecretString::from(value)));
    }
    Ok(std::env::var(env)
        .ok()
        .map(|v| v.trim().to_owned())
        .filter(|v| !v.is_empty())
        .map(SecretString::from))
}

fn deployment_text(d: &Deployment) -> String {
    match d {
        Deployment::Cloud { api_url, .. } => format!("services {api_url}"),
        Deployment::Server { server_url } => format!("server {server_url}"),
    }
}

fn orgs_text(c: &ConnectorConfig) -> String {
    let list =
        |v: &[palisade_domain::OrgName]| v.iter().map(ToString::to_string).collect::<Vec<_>>().join(", ");
    match &c.orgs {
        OrgSelection::Chosen(v) if v.is_empty() => c.organization.to_string(),
        OrgSelection::Chosen(v) => format!("{} + {}", c.organization, list(v)),
        OrgSelection::AllExisting(v) => format!("all existing ({})", list(v)),
        OrgSelection::AllExistingAndFuture => "all existing and future".to_owned(),
    }
}

fn describe(out: &mut String, r: &ConnectorRecord) -> anyhow::Result<()> {
    let c = &r.config;
    writeln!(out, "name:          {}", c.name)?;
    writeln!(out, "id:            {}", r.id)?;
    writeln!(out, "organization:  {}", c.organization)?;
    writeln!(out, "deployment:    {}", deployment_text(&c.deployment))?;
    let auth = match &c.auth {
        AuthConfig::Pat => "pat".to_owned(),
        AuthConfig::OAuth { tenant, client_id } | AuthConfig::ServicePrincipal { tenant, client_id } => {
            format!("{} (tenant {tenant}, client {client_id})", c.auth.kind())
        }
        AuthConfig::ManagedIdentity {
            tenant,
            client_id,
            federated_token_file,
        } => format!(
            "managed-identity (tenant {tenant}, client {client_id}, token file {federated_token_file})"
        ),
    };
    writeln!(out, "auth:          {auth}")?;
    writeln!(out, "discovers:     {}", orgs_text(c))?;
    writeln!(out, "created:       {}", r.created_at)?;
    writeln!(out, "updated:       {}", r.updated_at)?;
    let cred = r
        .credential_updated_at
        .map_or_else(|| "none".to_owned(), |t| format!("stored sealed, {t}"));
    writeln!(out, "credential:    {cred}")?;
    Ok(())
}

/// Prints a created, updated or tested connector; warnings go to stderr.
fn saved(o: &CreateOutcome, format: OutFormat, verb: &str) -> anyhow::Result<()> {
    match format {
        OutFormat::Json => print_json(&serde_json::json!({
            "connector": o.record,
            "identity": o.identity,
            "warnings": o.warnings,
        }))?,
        OutFormat::Table => {
            let mut out = format!("{verb} {}\n", o.record.config.name);
            describe(&mut out, &o.record)?;
            if let Some(id) = &o.identity {
                writeln!(out, "authenticated as: {id}")?;
            }
            print(&out)?;
            for w in &o.warnings {
                warn(w);
            }
        }
    }
    Ok(())
}

fn last_text(run: Option<&DiscoveryRunSummary>) -> String {
    run.map_or_else(
        || "never".to_owned(),
        |r| format!("{} {}", r.status, r.finished_at.unwrap_or(r.started_at)),
    )
}

async fn list(engine: &Engine, format: OutFormat) -> anyhow::Result<Outcome> {
    let records = engine.store().list_connectors().await?;
    let mut rows = Vec::with_capacity(records.len());
    for r in records {
        let counts = engine.store().resource_counts(Some(&r.id)).await?;
        rows.push((r, counts.values().sum::<u64>()));
    }
    match format {
        OutFormat::Json => {
            let v: Vec<serde_json::Value> = rows
                .iter()
                .map(|(r, n)| {
                    let mut v = serde_json::to_value(r).unwrap_or_default();
                    v["resources"] = serde_json::json!(n);
                    v
                })
                .collect();
            print_json(&v)?;
        }
        OutFormat::Table => {
            let mut out = String::new();
            writeln!(
                out,
                "{:32}  {:20}  {:16}  {:40}  {:29}  {:>9}",
                "NAME", "ORGANIZATION", "AUTH", "DEPLOYMENT", "LAST DISCOVERY", "RESOURCES"
            )?;
            for (r, n) in &rows {
                writeln!(
                    out,
                    "{:32}  {:20}  {:16}  {:40}  {:29}  {:>9}",
                    r.config.name.as_str(),
                    r.config.organization.as_str(),
                    r.config.auth.kind(),
                    deployment_text(&r.config.deployment),
                    last_text(r.last_discovery.as_ref()),
                    n
                )?;
            }
            print(&out)?;
        }
    }
    Ok(Outcome::Clean)
}

async fn show(engine: &Engine, name: &str, runs: u32, format: OutFormat) -> anyhow::Result<Outcome> {
    let r = engine.store().get_connector(name).await?;
    let history = engine.store().list_discovery_runs(&r.id, runs).await?;
    let counts = engine.store().resource_counts(Some(&r.id)).await?;
    let counts: std::collections::BTreeMap<String, u64> = counts
        .into_iter()
        .map(|(k, n)| (k.as_str().to_owned(), n))
        .collect();
    match format {
        OutFormat::Json => print_json(&serde_json::json!({
            "connector": r,
            "resources": counts,
            "runs": history,
        }))?,
        OutFormat::Table => {
            let mut out = String::new();
            describe(&mut out, &r)?;
            let total: u64 = counts.values().sum();
            let per: Vec<String> = counts.iter().map(|(k, n)| format!("{k} {n}")).collect();
            writeln!(out, "resources:     {total} ({})", per.join(", "))?;
            writeln!(out, "\nsync health (newest first):")?;
            if history.is_empty() {
                writeln!(
                    out,
                    "  no discovery yet: run `palisade discover {}`",
                    r.config.name
                )?;
            }
            for run in &history {
                let found: u64 = run.counts.values().sum();
                writeln!(
                    out,
                    "  {}  {:8}  {:>6} resources  {:>5} requests  {:>3} throttled  {} errors",
                    run.started_at,
                    run.status.as_str(),
                    found,
                    run.requests,
                    run.throttled,
                    run.errors.len()
                )?;
                for e in &run.errors {
                    writeln!(out, "      error: {e}")?;
                }
            }
            print(&out)?;
        }
    }
    Ok(Outcome::Clean)
}

async fn delete(engine: &Engine, names: &[String], yes: bool) -> anyhow::Result<Outcome> {
    if !yes {
        if !std::io::stdin().is_terminal() {
            bail!(
                "refusing to delete without confirmation: pass --yes to delete {}",
                names.join(", ")
            );
        }
        // Check every name first, so the question is only asked about real connectors.
        for n in names {
            engine.store().get_connector(n).await?;
        }
        let mut err = std::io::stderr().lock();
        write!(
            err,
            "Revoke and delete connector(s) {} (webhooks removed, credentials destroyed, queued scans \
             cancelled, inventory deleted; findings and triage kept)? [y/N] ",
            names.join(", ")
        )?;
        err.flush()?;
        let mut answer = String::new();
        std::io::stdin().lock().read_line(&mut answer)?;
        if !matches!(answer.trim(), "y" | "Y" | "yes" | "YES" | "Yes") {
            bail!("nothing deleted");
        }
    }
    let deleted = engine.delete_connectors(names).await?;
    let mut out = String::new();
    for r in &deleted {
        writeln!(
            out,
            "Deleted connector {} ({}): access revoked, {} webhook subscription(s) removed; findings kept",
            r.connector.config.name, r.connector.id, r.subscriptions_removed
        )?;
        for e in &r.subscription_errors {
            writeln!(
                out,
                "  could not remove {e}; delete it in Azure DevOps (Project settings > Service hooks)"
            )?;
        }
    }
    print(&out)?;
    Ok(Outcome::Clean)
}
