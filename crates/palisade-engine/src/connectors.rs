//! Creating, editing and deleting connectors. A credential is tested before
//! it is saved, and saved only sealed.

use palisade_ado::{AdoError, ApiScope, ConnectionTest};
use palisade_domain::{AuthConfig, ConnectorConfig, Deployment, OrgName, OrgSelection};
use palisade_store::{ConnectorId, ConnectorRecord, new_connector_id};
use palisade_vault::Credential;

use crate::credentials::{LatestRefresh, client_credential};
use crate::{Engine, EngineError, now};

/// What `connector create` / `edit` is given.
#[derive(Debug)]
pub struct ConnectorInput {
    pub config: ConnectorConfig,
    /// `None` on edit keeps the stored credential (and skips re-entering it).
    pub credential: Option<Credential>,
    /// Skip the connection test (never the default; for offline set-up).
    pub skip_test: bool,
}

/// What saving a connector found out.
#[derive(Debug)]
pub struct CreateOutcome {
    pub record: ConnectorRecord,
    /// Who the credential authenticates as.
    pub identity: Option<String>,
    /// Scopes discovery will miss (the connector works, with gaps).
    pub warnings: Vec<String>,
}

/// Scopes without which a connector is refused: it could not list anything.
const REQUIRED: [ApiScope; 2] = [ApiScope::Project, ApiScope::Code];

impl Engine {
    pub async fn create_connector(&self, input: ConnectorInput) -> Result<CreateOutcome, EngineError> {
        let credential = input
            .credential
            .ok_or_else(|| EngineError::NoCredential(input.config.name.to_string()))?;
        input
            .config
            .deployment
            .validate()
            .map_err(|e| EngineError::Invalid(e.to_string()))?;
        self.check_unique(&input.config, None).await?;
        let mut config = input.config;
        let mut credential = credential;
        let (identity, warnings) = if input.skip_test {
            (
                None,
                vec!["the connection was not tested (--skip-test)".to_owned()],
            )
        } else {
            let (test, orgs, tested) = self.test_credential(&config, &credential).await?;
            credential = tested;
            if let OrgSelection::AllExisting(list) = &mut config.orgs
                && list.is_empty()
            {
                *list = orgs;
            }
            (identity_of(&test), scope_warnings(&test))
        };
        let id = new_connector_id();
        let sealed = self.vault.seal_credential(&credential, id.as_str().as_bytes());
        let record = self
            .store
            .create_connector(&id, &config, Some(sealed.as_bytes()), now())
            .await?;
        Ok(CreateOutcome {
            record,
            identity,
            warnings,
        })
    }

    /// Replaces a connector's settings; a new credential is tested and
    /// replaces the old one, and a changed organization or deployment is
    /// tested with the stored credential.
    pub async fn update_connector(
        &self,
        name_or_id: &str,
        input: ConnectorInput,
    ) -> Result<CreateOutcome, EngineError> {
        let existing = self.store.get_connector(name_or_id).await?;
        input
            .config
            .deployment
            .validate()
            .map_err(|e| EngineError::Invalid(e.to_string()))?;
        if input.credential.is_none() && existing.config.deployment != input.config.deployment {
            // The stored credential is only ever sent where it was entered for.
            return Err(EngineError::Invalid(
                "the connector's URLs change: enter the credential again (--pat-stdin, \
                 --client-secret-stdin or --auth oauth) so it is not sent to the new address unasked"
                    .into(),
            ));
        }
        self.check_unique(&input.config, Some(&existing.id)).await?;
        let retest = input.credential.is_some()
            || matches!(&input.config.orgs, OrgSelection::AllExisting(l) if l.is_empty())
            || existing.config.organization.key() != input.config.organization.key()
            || existing.config.deployment != input.config.deployment
            || existing.config.auth != input.config.auth;
        let credential = match input.credential {
            Some(c) => Some(c),
            None if retest => Some(self.open_credential(&existing).await?),
            None => None,
        };
        let mut config = input.config;
        let mut credential = credential;
        let (identity, warnings) = match (credential.clone(), retest && !input.skip_test) {
            (Some(c), true) => {
                let (test, orgs, tested) = self.test_credential(&config, &c).await?;
                credential = Some(tested);
                if let OrgSelection::AllExisting(list) = &mut config.orgs
                    && list.is_empty()
                {
                    *list = orgs;
                }
                (identity_of(&test), scope_warnings(&test))
            }
            _ => (None, Vec::new()),
        };
        let sealed = credential.map(|c| self.vault.seal_credential(&c, existing.id.as_str().as_bytes()));
        let record = self
            .store
            .update_connector(
                &existing.id,
                &config,
                sealed.as_ref().map(palisade_vault::SealedBox::as_bytes),
                now(),
            )
            .await?;
        Ok(CreateOutcome {
            record,
            identity,
            warnings,
        })
    }

    /// Tests a stored connector's credential again.
    pub async fn test_connector(&self, name_or_id: &str) -> Result<CreateOutcome, EngineError> {
        let record = self.store.get_connector(name_or_id).await?;
        let credential = self.open_credential(&record).await?;
        let (test, _, tested) = self.test_credential(&record.config, &credential).await?;
        if matches!(tested, Credential::OAuth { .. }) {
            // The refresh token may have rotated during the test: store the newest.
            let sealed = self.vault.seal_credential(&tested, record.id.as_str().as_bytes());
            self.store
                .set_connector_credential(&record.id, sealed.as_bytes(), now())
                .await?;
        }
        Ok(CreateOutcome {
            record,
            identity: identity_of(&test),
            warnings: scope_warnings(&test),
        })
    }

    /// Revokes connectors by name or id (all must exist): the service-hook
    /// subscriptions palisade created are deleted in ADO (best effort: a
    /// credential ADO already refuses cannot delete them, which is reported),
    /// then, in one transaction per connector, queued jobs are cancelled, the
    /// credential and webhook secret destroyed, managed repositories archived
    /// and the connector with its inventory deleted. Findings and triage are
    /// kept, and come back when the organization is connected again.
    pub async fn delete_connectors(&self, names_or_ids: &[String]) -> Result<Vec<RevokeReport>, EngineError> {
        let mut records = Vec::with_capacity(names_or_ids.len());
        for n in names_or_ids {
            records.push(self.store.get_connector(n).await?);
        }
        let mut reports = Vec::with_capacity(records.len());
        for record in records {
            let (removed, errors) = self.remove_subscriptions(&record).await;
            self.store.revoke_connector(&record.id, now()).await?;
            reports.push(RevokeReport {
                connector: record,
                subscriptions_removed: removed,
                subscription_errors: errors,
            });
        }
        Ok(reports)
    }

    /// Refuses a name or organization another connector (other than
    /// `itself`) has, before any network call or sign-in; the store checks
    /// again, atomically, on save.
    pub async fn check_unique(
        &self,
        config: &ConnectorConfig,
        itself: Option<&ConnectorId>,
    ) -> Result<(), EngineError> {
        for other in self.store.list_connectors().await? {
            if Some(&other.id) == itself {
                continue;
            }
            if other.config.name.key() == config.name.key() {
                return Err(EngineError::Conflict(format!(
                    "A connector with this name already exists ({}). Choose a different name",
                    other.config.name
                )));
            }
            let theirs: Vec<String> = other.config.claimed_orgs().iter().map(OrgName::key).collect();
            if let Some(org) = config.claimed_orgs().iter().find(|o| theirs.contains(&o.key())) {
                return Err(EngineError::Conflict(format!(
                    "A connector for this organization already exists: {org} belongs to connector {}. \
                     Edit the existing one or delete it first",
                    other.config.name
                )));
            }
        }
        Ok(())
    }

    /// Tests a credential against the connector's organization; with
    /// "all organizations" selected, also lists the identity's organizations.
    async fn test_credential(
        &self,
        config: &ConnectorConfig,
        credential: &Credential,
    ) -> Result<(ConnectionTest, Vec<OrgName>, Credential), EngineError> {
        // Testing an OAuth credential may rotate its refresh token: keep the
        // new one, the one given is spent.
        let latest = LatestRefresh::default();
        let client_cred = client_credential(config, credential.clone(), Some(latest.callback()))?;
        let client = self.build_client(&config.deployment, &config.organization, client_cred)?;
        let mut scopes = REQUIRED.to_vec();
        scopes.extend(ApiScope::DISCOVERY.into_iter().filter(|s| !REQUIRED.contains(s)));
        let test = client
            .test_connection(&scopes)
            .await
            .map_err(|e| EngineError::CredentialTest(vec![explain(config, &e)]))?;
        let fatal: Vec<String> = test
            .missing
            .iter()
            .filter(|(s, _)| REQUIRED.contains(s))
            .map(|(_, m)| format!("{m}: re-authenticate with an identity (or create a PAT) that has it"))
            .collect();
        if !fatal.is_empty() {
            return Err(EngineError::CredentialTest(fatal));
        }
        let orgs = match (&config.orgs, &config.deployment) {
            (OrgSelection::AllExisting(_) | OrgSelection::AllExistingAndFuture, Deployment::Cloud { .. }) => {
                member_orgs(&client).await.map_err(|e| {
                    EngineError::CredentialTest(vec![format!(
                        "cannot list the organizations of this identity for --all-orgs: {e}. \
                         A PAT must be created for \"All accessible organizations\" and have the \
                         Profile (vso.profile) scope; or name the organizations with --orgs"
                    )])
                })?
            }
            _ => Vec::new(),
        };
        Ok((test, orgs, latest.apply(credential.clone())))
    }
}

/// The organizations the identity is a member of (cloud only).
pub(crate) async fn member_orgs(client: &palisade_ado::AdoClient) -> Result<Vec<OrgName>, AdoError> {
    let me = client.profile_me().await?;
    let accounts = client.accounts(&me.id).await?;
    let mut out: Vec<OrgName> = accounts
        .iter()
        .filter_map(|a| OrgName::parse(&a.account_name).ok())
        .collect();
    out.sort_by_key(OrgName::key);
    out.dedup_by_key(|o| o.key());
    Ok(out)
}

fn identity_of(test: &ConnectionTest) -> Option<String> {
    test.sign_in_name
        .clone()
        .or_else(|| test.display_name.clone())
        .or_else(|| Some(test.user_id.clone()))
}

fn scope_warnings(test: &ConnectionTest) -> Vec<String> {
    let mut out: Vec<String> = test
        .missing
        .iter()
        .map(|(_, m)| format!("{m}: discovery will report these resources as unknown"))
        .collect();
    out.extend(test.unchecked.iter().map(|s| {
        format!(
            "{} could not be checked (the organization has no project yet)",
            s.as_str()
        )
    }));
    out
}

/// The troubleshooting message for a failed connection test (seed 004).
fn explain(config: &ConnectorConfig, e: &AdoError) -> String {
    let org = &config.organization;
    let url = config.deployment.org_url(org);
    let how = match config.auth {
        AuthConfig::Pat => "create a new PAT (User settings > Personal access tokens) and enter it again",
        AuthConfig::OAuth { .. } => "sign in again: palisade connector edit NAME --auth oauth ...",
        AuthConfig::ServicePrincipal { .. } => {
            "check the tenant, client id and secret, and that the application was added to the organization"
        }
        AuthConfig::ManagedIdentity { .. } => {
            "check the tenant, client id and federated credential, and that the identity was added to the organization"
        }
    };
    match e {
        AdoError::SignInPage { .. } | AdoError::Unauthorized { .. } => {
            format!(
                "Invalid or expired token: Azure DevOps did not accept the credential for organization {org}; {how}"
            )
        }
        AdoError::NotFound { .. } => format!(
            "Organization not found: nothing answered at {url}. Enter the part after dev.azure.com/ \
             in your organization's URL (for https://dev.azure.com/contoso, enter contoso)"
        ),
        AdoError::Token(t) => format!("Could not get a token from Entra ID: {t}; {how}"),
        AdoError::Network { .. } => {
            format!("Cannot reach {url}: {e}. Check the URL and the network (proxy, DNS)")
        }
        other => format!("Azure DevOps refused the connection test for {url}: {other}"),
    }
}

/// What revoking a connector did.
#[derive(Debug)]
pub struct RevokeReport {
    pub connector: ConnectorRecord,
    pub subscriptions_removed: usize,
    /// Subscriptions that could not be deleted in ADO (remove them there).
    pub subscription_errors: Vec<String>,
}
