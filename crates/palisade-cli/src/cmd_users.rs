//! `palisade users|tokens|audit`: local users and roles, API tokens, the audit log.
//!
//! The CLI acts as `cli:{os user}`: whoever can run it on this machine holds
//! the store and its key already.

use std::fmt::Write as _;

use anyhow::{anyhow, bail};
use palisade_domain::{Grant, RoleScope, Username};
use palisade_engine::Engine;
use palisade_store::{AuditFilter, NewApiToken, NewUser, UserRecord};
use secrecy::ExposeSecret;

use crate::Outcome;
use crate::args::{
    AuditArgs, GlobalArgs, GrantArgs, OutFormat, TokensArgs, TokensCommand, UsersArgs, UsersCommand,
};
use crate::cmd_connector::secret;
use crate::cmd_posture::{os_user, parse_expiry};
use crate::cmd_scan::now;
use crate::engine::{self, print, print_json};
use crate::store;

fn actor() -> String {
    format!("cli:{}", os_user())
}

/// The password on stdin, checked against the policy, hashed.
fn password_hash(username: &Username) -> anyhow::Result<String> {
    let password = secret(true, "", "the password")?.ok_or_else(|| anyhow!("no password on stdin"))?;
    palisade_auth::check_password_policy(password.expose_secret(), username)?;
    Ok(palisade_auth::hash_password(password.expose_secret())?)
}

async fn grants(engine: &Engine, g: &GrantArgs) -> anyhow::Result<Vec<Grant>> {
    let scope = match &g.connector {
        Some(c) => RoleScope::Connector(engine.store().get_connector(c).await?.id.to_string()),
        None => RoleScope::All,
    };
    Ok(g.roles
        .iter()
        .map(|&role| Grant {
            role,
            scope: scope.clone(),
        })
        .collect())
}

fn grants_text(u: &UserRecord) -> String {
    let parts: Vec<String> = u
        .grants
        .iter()
        .map(|g| match &g.scope {
            RoleScope::All => g.role.to_string(),
            RoleScope::Connector(c) => format!("{} on connector {c}", g.role),
        })
        .collect();
    if parts.is_empty() {
        "no role".into()
    } else {
        parts.join(", ")
    }
}

pub fn users(global: &GlobalArgs, args: &UsersArgs) -> anyhow::Result<Outcome> {
    store::runtime()?.block_on(async {
        let engine = engine::open(global).await?;
        let store = engine.store();
        match &args.command {
            UsersCommand::Add {
                name,
                grant,
                display_name,
                password_stdin: _,
            } => {
                let username = Username::parse(name)?;
                let grants = grants(&engine, grant).await?;
                let hash = password_hash(&username)?;
                let user = NewUser {
                    username,
                    display_name: display_name.clone(),
                    password_hash: Some(hash),
                };
                let u = store.create_user(&user, &grants, &actor(), now()).await?;
                print(&format!("user {} created: {}\n", u.username, grants_text(&u)))?;
            }
            UsersCommand::List { format } => {
                let list = store.list_users().await?;
                if *format == OutFormat::Json {
                    print_json(&list)?;
                } else {
                    let mut out = String::new();
                    writeln!(out, "{:32}  {:9}  {:25}  ROLES", "NAME", "STATE", "CREATED")?;
                    for u in &list {
                        let state = if u.disabled_at.is_some() {
                            "disabled"
                        } else {
                            "active"
                        };
                        writeln!(
                            out,
                            "{:32}  {:9}  {:25}  {}",
                            u.username,
                            state,
                            u.created_at.to_rfc3339(),
                            grants_text(u)
                        )?;
                    }
                    print(&out)?;
                }
            }
            UsersCommand::Grant { name, grant } => {
                let u = store.get_user(name).await?;
                let grants = grants(&engine, grant).await?;
                let u = store.set_grants(&u.id, &grants, &actor(), now()).await?;
                print(&format!("user {}: {}\n", u.username, grants_text(&u)))?;
            }
            UsersCommand::Passwd {
                name,
                password_stdin: _,
            } => {
                let u = store.get_user(name).await?;
                let hash = password_hash(&u.username)?;
                store.set_password(&u.id, &hash, &actor(), now()).await?;
                print(&format!("password of {} changed\n", u.username))?;
            }
            UsersCommand::Disable { name } => {
                let u = store.get_user(name).await?;
                let u = store.disable_user(&u.id, &actor(), now()).await?;
                print(&format!(
                    "user {} disabled; their API tokens are revoked\n",
                    u.username
                ))?;
            }
        }
        Ok(Outcome::Clean)
    })
}

pub fn tokens(global: &GlobalArgs, args: &TokensArgs) -> anyhow::Result<Outcome> {
    store::runtime()?.block_on(async {
        let engine = engine::open(global).await?;
        let store = engine.store();
        match &args.command {
            TokensCommand::Create { user, name, expires } => {
                let u = store.get_user(user).await?;
                let name = name.trim();
                if name.is_empty() || name.len() > 200 {
                    bail!("--name says what the token is for (1 to 200 bytes)");
                }
                let at = now();
                let expires_at = parse_expiry(expires, at)?;
                let (id, token) = palisade_auth::token::generate()
                    .map_err(|e| anyhow!("cannot read random bytes for a token: {e}"))?;
                let record = store
                    .create_api_token(
                        &NewApiToken {
                            id,
                            user_id: u.id.clone(),
                            name: name.to_owned(),
                            secret_hash: token.digest(),
                            expires_at: Some(expires_at),
                        },
                        &actor(),
                        at,
                    )
                    .await?;
                // The only time the token is shown: stdout only, so it can be piped.
                print(&format!("{}\n", token.expose()))?;
                anstream::eprintln!(
                    "token {} for {} ({}) until {}: shown once, store it now",
                    record.id,
                    u.username,
                    record.name,
                    expires_at.to_rfc3339()
                );
            }
            TokensCommand::List { user, format } => {
                let user_id = match user {
                    Some(u) => Some(store.get_user(u).await?.id),
                    None => None,
                };
                let list = store.list_api_tokens(user_id.as_deref()).await?;
                if *format == OutFormat::Json {
                    print_json(&list)?;
                } else {
                    let at = now();
                    let mut out = String::new();
                    writeln!(
                        out,
                        "{:16}  {:8}  {:30}  {:25}  LAST USED",
                        "ID", "STATE", "NAME", "EXPIRES"
                    )?;
                    for t in &list {
                        let state = if t.revoked_at.is_some() {
                            "revoked"
                        } else if t.is_active(at) {
                            "active"
                        } else {
                            "expired"
                        };
                        writeln!(
                            out,
                            "{:16}  {:8}  {:30}  {:25}  {}",
                            t.id,
                            state,
                            t.name,
                            t.expires_at
                                .map_or_else(|| "never".into(), palisade_domain::Timestamp::to_rfc3339),
                            t.last_used_at
                                .map_or_else(|| "never".into(), palisade_domain::Timestamp::to_rfc3339)
                        )?;
                    }
                    print(&out)?;
                }
            }
            TokensCommand::Revoke { id } => {
                let t = store.revoke_api_token(id.trim(), &actor(), now()).await?;
                print(&format!("token {} ({}) revoked\n", t.id, t.name))?;
            }
        }
        Ok(Outcome::Clean)
    })
}

pub fn audit(global: &GlobalArgs, args: &AuditArgs) -> anyhow::Result<Outcome> {
    store::runtime()?.block_on(async {
        let engine = engine::open(global).await?;
        let entries = engine
            .store()
            .audit_log(&AuditFilter {
                actor: args.actor.clone(),
                action_prefix: args.action.clone(),
                since: None,
                limit: args.limit,
            })
            .await?;
        if args.format == OutFormat::Json {
            print_json(&entries)?;
        } else {
            let mut out = String::new();
            writeln!(
                out,
                "{:25}  {:24}  {:16}  {:30}  DETAILS",
                "AT", "ACTOR", "ACTION", "TARGET"
            )?;
            for e in &entries {
                writeln!(
                    out,
                    "{:25}  {:24}  {:16}  {:30}  {}",
                    e.at.to_rfc3339(),
                    e.actor,
                    e.action,
                    e.target,
                    e.details
                )?;
            }
            print(&out)?;
        }
        Ok(Outcome::Clean)
    })
}
