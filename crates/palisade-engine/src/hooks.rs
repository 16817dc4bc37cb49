//! Service hooks: the subscriptions palisade keeps in ADO, and the webhook
//! deliveries it receives.
//!
//! Every subscription of a connector authenticates with HTTP basic auth
//! (`palisade` and a random secret sealed in the store); a delivery is
//! accepted only with that secret (or the same secret in the
//! `X-Palisade-Webhook-Secret` header, for proxies that strip
//! `Authorization`), parsed as untrusted input, deduplicated by its event
//! id, and answered at once: the scan runs as a job.

use std::collections::{BTreeSet, HashSet};

use base64::Engine as _;
use palisade_ado::models::hooks::{NewSubscription, ServiceHookEvent, ServiceHookPayload};
use palisade_domain::{ManagedState, OrgName, ScanTrigger, Timestamp};
use palisade_store::{ConnectorId, ConnectorRecord, HookSubscription, JobId, ManagedRepo, ManagedRepoFilter};
use secrecy::{ExposeSecret, SecretString};
use serde::Serialize;
use sha2::{Digest, Sha256};

use crate::jobs::{JobError, JobSpec};
use crate::{Engine, EngineError, now};

/// User name of the basic auth every subscription sends.
pub const WEBHOOK_USER: &str = "palisade";
/// Header carrying the shared secret when `Authorization` cannot be used.
pub const WEBHOOK_SECRET_HEADER: &str = "x-palisade-webhook-secret";
/// Events palisade subscribes to.
pub const EVENT_TYPES: [&str; 3] = ["git.pullrequest.created", "git.pullrequest.updated", "git.push"];
/// Deliveries older than this are refused (replays of captured traffic).
const MAX_EVENT_AGE_MS: i64 = 24 * 3_600_000;

/// Credentials a delivery came with.
#[derive(Clone, Debug, Default)]
pub struct WebhookAuth {
    /// The `Authorization` header.
    pub authorization: Option<String>,
    /// The `X-Palisade-Webhook-Secret` header.
    pub secret_header: Option<String>,
}

/// What palisade did with a delivery.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(tag = "outcome", rename_all = "kebab-case")]
pub enum WebhookOutcome {
    Queued {
        job: String,
        created: bool,
    },
    /// The same event id was delivered before.
    Duplicate,
    /// Understood, nothing to do (a repository not scanned, a closed PR...).
    Ignored {
        reason: String,
    },
}

/// Why a delivery was refused; the server maps each to a status code.
#[derive(Debug, thiserror::Error)]
pub enum WebhookError {
    #[error("no such connector")]
    UnknownConnector,
    #[error("missing or wrong webhook credentials")]
    Unauthorized,
    #[error("{0}")]
    BadRequest(String),
    #[error("temporarily unavailable: {0}")]
    Unavailable(String),
}

fn digest(s: &[u8]) -> [u8; 32] {
    Sha256::digest(s).into()
}

/// Compares without leaking where the first difference is (digests first).
fn same_secret(given: &[u8], expected: &[u8]) -> bool {
    let (a, b) = (digest(given), digest(expected));
    a.iter().zip(b.iter()).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// The secret from `Authorization: Basic base64(palisade:secret)` or the header.
fn presented_secret(auth: &WebhookAuth) -> Option<Vec<u8>> {
    if let Some(h) = &auth.secret_header {
        return Some(h.trim().as_bytes().to_vec());
    }
    let value = auth.authorization.as_deref()?.trim();
    let (scheme, encoded) = value.split_once(' ')?;
    if !scheme.eq_ignore_ascii_case("basic") {
        return None;
    }
    let decoded = base64::engine::general_purpose::STANDARD
        .decode(encoded.trim())
        .ok()?;
    let colon = decoded.iter().position(|&b| b == b':')?;
    let (user, secret) = (&decoded[..colon], &decoded[colon + 1..]);
    (user == WEBHOOK_USER.as_bytes()).then(|| secret.to_vec())
}

impl Engine {
    /// The connector's webhook secret, created (and sealed) on first use.
    async fn webhook_secret(
        &self,
        connector: &ConnectorId,
        create: bool,
    ) -> Result<Option<SecretString>, EngineError> {
        let context = format!("{connector}:webhook");
        if let Some(sealed) = self.store.webhook_secret(connector).await? {
            let plain =
                self.vault
                    .open(&sealed, context.as_bytes())
                    .map_err(|source| EngineError::Vault {
                        connector: connector.to_string(),
                        source,
                    })?;
            let text = String::from_utf8(plain.to_vec())
                .map_err(|_| EngineError::Invalid("webhook secret is not text".into()))?;
            return Ok(Some(SecretString::from(text)));
        }
        if !create {
            return Ok(None);
        }
        let mut bytes = [0u8; 32];
        getrandom::fill(&mut bytes).map_err(|e| EngineError::Invalid(format!("no randomness: {e}")))?;
        let text = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes);
        let sealed = self.vault.seal(text.as_bytes(), context.as_bytes());
        self.store
            .set_webhook_secret(connector, Some(sealed.as_bytes()), now())
            .await?;
        Ok(Some(SecretString::from(text)))
    }

    /// Makes the connector's subscriptions match what its repositories need:
    /// one per (project, event) where a repository has PR scans (PR events)
    /// or full scans (push events), none when webhooks are off.
    pub(crate) async fn sync_subscriptions(&self, connector: &str) -> Result<(), JobError> {
        let record = match self.store.get_connector(connector).await {
            Ok(r) => r,
            Err(palisade_store::StoreError::NotFound(_)) => return Ok(()),
            Err(e) => return Err(e.into()),
        };
        let settings = self.store.scan_settings(&record.id).await?;
        let repos = self
            .store
            .list_managed_repos(&ManagedRepoFilter {
                connector: Some(record.id.clone()),
                states: vec![ManagedState::Enabled],
                ..ManagedRepoFilter::default()
            })
            .await?;
        let mut wanted: BTreeSet<(String, String, &'static str)> = BTreeSet::new();
        if settings.webhooks {
            for r in &repos {
                if r.pr_scans {
                    wanted.insert((r.org.to_string(), r.project_id.clone(), EVENT_TYPES[0]));
                    wanted.insert((r.org.to_string(), r.project_id.clone(), EVENT_TYPES[1]));
                }
                // Push events only speed full scans up: without a URL, the schedule does.
                if r.full_scans && settings.webhook_url.is_some() {
                    wanted.insert((r.org.to_string(), r.project_id.clone(), EVENT_TYPES[2]));
                }
            }
        }
        let existing = self.store.subscriptions(&record.id).await?;
        let mut keep = Vec::new();
        let mut have: HashSet<(String, String, String)> = HashSet::new();
        for sub in existing {
            let key = (sub.org.clone(), sub.project_id.clone(), sub.event_type.clone());
            let still = wanted
                .iter()
                .any(|(o, p, e)| o.eq_ignore_ascii_case(&key.0) && p == &key.1 && *e == key.2);
            if still {
                have.insert((key.0.to_ascii_lowercase(), key.1, key.2));
                keep.push(sub);
            } else {
                let org = OrgName::parse(&sub.org).map_err(|e| JobError::permanent(e.to_string()))?;
                let client = self.client(&record, &org).await?;
                match client.delete_subscription(&sub.id).await {
                    Ok(()) | Err(palisade_ado::AdoError::NotFound { .. }) => {}
                    Err(e) => {
                        // Keep what could not be removed; the job is retried.
                        keep.push(sub);
                        self.store.set_subscriptions(&record.id, &keep).await?;
                        return Err(EngineError::from(e).into());
                    }
                }
            }
        }
        let missing: Vec<_> = wanted
            .iter()
            .filter(|(o, p, e)| !have.contains(&(o.to_ascii_lowercase(), p.clone(), (*e).to_owned())))
            .collect();
        if !missing.is_empty() {
            let Some(base) = settings.webhook_url.clone() else {
                self.store.set_subscriptions(&record.id, &keep).await?;
                return Err(JobError::permanent(format!(
                    "pull-request scans need palisade's public URL for webhooks: \
                     palisade repos settings --connector {} --webhook-url https://palisade.example.com",
                    record.config.name
                )));
            };
            let secret = self
                .webhook_secret(&record.id, true)
                .await?
                .ok_or_else(|| JobError::permanent("no webhook secret"))?;
            let url = format!("{}/hooks/ado/{}", base.trim_end_matches('/'), record.id);
            for (org, project_id, event) in missing {
                let org_name = OrgName::parse(org).map_err(|e| JobError::permanent(e.to_string()))?;
                let client = self.client(&record, &org_name).await?;
                let created = client
                    .create_subscription(&NewSubscription::webhook(
                        event,
                        project_id,
                        &url,
                        WEBHOOK_USER,
                        secret.expose_secret(),
                    ))
                    .await;
                match created {
                    Ok(sub) => keep.push(HookSubscription {
                        id: sub.id,
                        org: org.clone(),
                        event_type: (*event).to_owned(),
                        project_id: project_id.clone(),
                        created_at: now(),
                    }),
                    Err(e) => {
                        self.store.set_subscriptions(&record.id, &keep).await?;
                        return Err(EngineError::from(e).into());
                    }
                }
            }
        }
        self.store.set_subscriptions(&record.id, &keep).await?;
        Ok(())
    }

    /// Deletes the connector's subscriptions in ADO; returns how many went
    /// and what could not be deleted.
    pub(crate) async fn remove_subscriptions(&self, record: &ConnectorRecord) -> (usize, Vec<String>) {
        let subs = match self.store.subscriptions(&record.id).await {
            Ok(s) => s,
            Err(e) => return (0, vec![e.to_string()]),
        };
        let (mut removed, mut errors) = (0, Vec::new());
        for sub in subs {
            let result = match OrgName::parse(&sub.org) {
                Ok(org) => match self.client(record, &org).await {
                    Ok(client) => client
                        .delete_subscription(&sub.id)
                        .await
                        .map_err(EngineError::from),
                    Err(e) => Err(e),
                },
                Err(e) => Err(EngineError::Invalid(e.to_string())),
            };
            match result {
                Ok(()) | Err(EngineError::Ado(palisade_ado::AdoError::NotFound { .. })) => removed += 1,
                Err(e) => errors.push(format!(
                    "subscription {} ({}) in {}: {e}",
                    sub.id, sub.event_type, sub.org
                )),
            }
        }
        (removed, errors)
    }

    /// Handles one webhook delivery for `connector` (its id from the URL).
    pub async fn receive_ado_webhook(
        &self,
        connector: &str,
        auth: &WebhookAuth,
        body: &[u8],
    ) -> Result<WebhookOutcome, WebhookError> {
        let unavailable = |e: &dyn std::fmt::Display| WebhookError::Unavailable(e.to_string());
        let Some(id) = ConnectorId::parse(connector) else {
            return Err(WebhookError::UnknownConnector);
        };
        let record = match self.store.get_connector(id.as_str()).await {
            Ok(r) => r,
            Err(palisade_store::StoreError::NotFound(_)) => return Err(WebhookError::UnknownConnector),
            Err(e) => return Err(unavailable(&e)),
        };
        let expected = self
            .webhook_secret(&record.id, false)
            .await
            .map_err(|e| unavailable(&e))?
            .ok_or(WebhookError::Unauthorized)?;
        let given = presented_secret(auth).ok_or(WebhookError::Unauthorized)?;
        if !same_secret(&given, expected.expose_secret().as_bytes()) {
            return Err(WebhookError::Unauthorized);
        }
        let event = ServiceHookEvent::parse(body).map_err(|e| WebhookError::BadRequest(e.to_string()))?;
        let at = now();
        if let Some(created) = event.created_at_millis()
            && at.millis() - created > MAX_EVENT_AGE_MS
        {
            return Err(WebhookError::BadRequest(format!(
                "event {} is older than 24 hours; refused as a replay",
                event.id
            )));
        }
        let first = self
            .store
            .record_delivery(
                &format!("{}:{}", record.id, event.id),
                at,
                Timestamp::from_millis(at.millis() - 2 * MAX_EVENT_AGE_MS),
            )
            .await
            .map_err(|e| unavailable(&e))?;
        if !first {
            return Ok(WebhookOutcome::Duplicate);
        }
        let payload = event
            .payload()
            .map_err(|e| WebhookError::BadRequest(e.to_string()))?;
        self.route_event(&record, payload)
            .await
            .map_err(|e| unavailable(&e))
    }

    async fn route_event(
        &self,
        record: &ConnectorRecord,
        payload: ServiceHookPayload,
    ) -> Result<WebhookOutcome, EngineError> {
        let repo_id = match &payload {
            ServiceHookPayload::PullRequest(pr) => pr.repository.id.to_ascii_lowercase(),
            ServiceHookPayload::Push(p) => p.repository.id.to_ascii_lowercase(),
            ServiceHookPayload::Other(t) => {
                return Ok(WebhookOutcome::Ignored {
                    reason: format!("event type {t} is not used"),
                });
            }
        };
        let repos = self
            .store
            .list_managed_repos(&ManagedRepoFilter {
                connector: Some(record.id.clone()),
                states: vec![ManagedState::Enabled],
                ..ManagedRepoFilter::default()
            })
            .await?;
        let Some(repo): Option<&ManagedRepo> = repos.iter().find(|r| r.repo_id == repo_id) else {
            return Ok(WebhookOutcome::Ignored {
                reason: "repository is not scanned".into(),
            });
        };
        let (job, created): (JobId, bool) = match payload {
            ServiceHookPayload::PullRequest(pr) => {
                if !repo.pr_scans {
                    return Ok(WebhookOutcome::Ignored {
                        reason: "pull-request scans are off for the repository".into(),
                    });
                }
                let status = pr.status.as_deref().unwrap_or("active");
                if !status.eq_ignore_ascii_case("active") {
                    return Ok(WebhookOutcome::Ignored {
                        reason: format!("pull request is {status}"),
                    });
                }
                self.queue_job_for(
                    JobSpec::PrScan {
                        org: repo.org.to_string(),
                        repo_id: repo.repo_id.clone(),
                        pull_request: pr.pull_request_id,
                        source_commit: pr.last_merge_source_commit,
                    },
                    Some(record.id.clone()),
                    None,
                )
                .await?
            }
            ServiceHookPayload::Push(_) => {
                if !repo.full_scans {
                    return Ok(WebhookOutcome::Ignored {
                        reason: "full scans are off for the repository".into(),
                    });
                }
                self.queue_full_scan(repo, ScanTrigger::Push, false).await?
            }
            ServiceHookPayload::Other(_) => unreachable!("returned above"),
        };
        Ok(WebhookOutcome::Queued {
            job: job.to_string(),
            created,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn basic(user: &str, secret: &str) -> WebhookAuth {
        WebhookAuth {
            authorization: Some(format!(
                "Basic {}",
                base64::engine::general_purpose::STANDARD.encode(format!("{user}:{secret}"))
            )),
            secret_header: None,
        }
    }

    #[test]
    fn secrets_are_read_from_basic_auth_or_header() {
        assert_eq!(
            presented_secret(&basic("palisade", "s3:cr")).as_deref(),
            Some(&b"s3:cr"[..])
        );
        assert_eq!(presented_secret(&basic("someone", "s")), None);
        assert_eq!(
            presented_secret(&WebhookAuth {
                authorization: Some("Bearer x".into()),
                secret_header: None
            }),
            None
        );
        assert_eq!(
            presented_secret(&WebhookAuth {
                authorization: None,
                secret_header: Some(" abc ".into())
            })
            .as_deref(),
            Some(&b"abc"[..])
        );
        assert_eq!(
            presented_secret(&WebhookAuth {
                authorization: Some("Basic !!!".into()),
                secret_header: None
            }),
            None
        );
        assert!(same_secret(b"abc", b"abc"));
        assert!(!same_secret(b"abc", b"abd"));
    }
}
