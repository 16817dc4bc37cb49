//! From a stored connector to a client: the sealed credential is opened in
//! memory only, and a rotated OAuth refresh token is sealed and saved again.

use std::sync::{Arc, Mutex, PoisonError};

use palisade_ado::auth::RefreshTokenCallback;
use palisade_ado::{
    AdoClient, ClientSecret, Credential as ClientCredential, FederatedAssertion, OAuthRefresh, TokenEndpoint,
};
use palisade_domain::{AuthConfig, ConnectorConfig, Deployment, OrgName};
use palisade_store::{ConnectorId, ConnectorRecord, Store};
use palisade_vault::{Credential, Vault};
use secrecy::SecretString;

use crate::{Engine, EngineError, now};

/// Seals and stores a rotated refresh token before the new access token is
/// used: the old refresh token is spent, so losing the new one would cut the
/// connector off (a short command could otherwise exit before a background
/// write lands).
fn persist_rotation(
    store: Arc<dyn Store>,
    vault: Arc<Vault>,
    id: ConnectorId,
    client_secret: Option<SecretString>,
) -> RefreshTokenCallback {
    Arc::new(move |refresh_token: SecretString| {
        let cred = Credential::OAuth {
            refresh_token,
            access_token: None,
            expires_at: None,
            client_secret: client_secret.clone(),
        };
        let sealed = vault.seal_credential(&cred, id.as_str().as_bytes());
        let (store, id) = (Arc::clone(&store), id.clone());
        let save = async move {
            if let Err(e) = store
                .set_connector_credential(&id, sealed.as_bytes(), now())
                .await
            {
                tracing::error!(connector = %id, error = %e, "could not save a rotated refresh token; sign in again");
            }
        };
        match tokio::runtime::Handle::try_current() {
            Ok(h) if h.runtime_flavor() == tokio::runtime::RuntimeFlavor::MultiThread => {
                tokio::task::block_in_place(|| h.block_on(save));
            }
            Ok(h) => {
                h.spawn(save);
            }
            Err(_) => tracing::error!("no runtime to save a rotated refresh token"),
        }
    })
}

/// Keeps the newest refresh token in memory (for a credential being tested
/// before it is saved).
#[derive(Clone, Default)]
pub(crate) struct LatestRefresh(Arc<Mutex<Option<SecretString>>>);

impl LatestRefresh {
    pub(crate) fn callback(&self) -> RefreshTokenCallback {
        let slot = Arc::clone(&self.0);
        Arc::new(move |t| {
            *slot.lock().unwrap_or_else(PoisonError::into_inner) = Some(t);
        })
    }

    /// `credential` with the newest refresh token, if one arrived.
    pub(crate) fn apply(&self, credential: Credential) -> Credential {
        let latest = self.0.lock().unwrap_or_else(PoisonError::into_inner).take();
        match (credential, latest) {
            (Credential::OAuth { client_secret, .. }, Some(refresh_token)) => Credential::OAuth {
                refresh_token,
                access_token: None,
                expires_at: None,
                client_secret,
            },
            (c, _) => c,
        }
    }
}

impl Engine {
    /// Opens the connector's sealed credential.
    pub(crate) async fn open_credential(&self, record: &ConnectorRecord) -> Result<Credential, EngineError> {
        let sealed = self
            .store
            .connector_credential(&record.id)
            .await?
            .ok_or_else(|| EngineError::NoCredential(record.config.name.to_string()))?;
        self.vault
            .open_credential(&sealed, record.id.as_str().as_bytes())
            .map_err(|source| EngineError::Vault {
                connector: record.config.name.to_string(),
                source,
            })
    }

    /// A client for `org` of a stored connector. OAuth refresh tokens that
    /// rotate while it runs are sealed and saved as they arrive.
    pub async fn client(&self, record: &ConnectorRecord, org: &OrgName) -> Result<AdoClient, EngineError> {
        let stored = self.open_credential(record).await?;
        let on_rotate = match (&record.config.auth, &stored) {
            (AuthConfig::OAuth { .. }, Credential::OAuth { client_secret, .. }) => Some(persist_rotation(
                Arc::clone(&self.store),
                Arc::clone(&self.vault),
                record.id.clone(),
                client_secret.clone(),
            )),
            _ => None,
        };
        let credential = client_credential(&record.config, stored, on_rotate)?;
        self.build_client(&record.config.deployment, org, credential)
    }

    pub(crate) fn build_client(
        &self,
        deployment: &Deployment,
        org: &OrgName,
        credential: ClientCredential,
    ) -> Result<AdoClient, EngineError> {
        let mut b = AdoClient::builder(deployment.clone(), org.clone(), credential)
            .governor_registry(Arc::clone(&self.governors));
        for (host, addr) in &self.net.resolve {
            b = b.resolve(host.clone(), *addr);
        }
        if let Some(n) = self.net.max_concurrency {
            b = b.max_concurrency(n);
        }
        Ok(b.build()?)
    }
}

fn login_url(config: &ConnectorConfig) -> Result<&str, EngineError> {
    match &config.deployment {
        Deployment::Cloud { login_url, .. } => Ok(login_url),
        Deployment::Server { .. } => Err(EngineError::Invalid(
            "Azure DevOps Server connectors authenticate with a PAT: Entra ID sign-in \
             (OAuth, service principal, managed identity) is for Azure DevOps Services"
                .into(),
        )),
    }
}

/// The client credential for a connector's auth kind and stored secret.
pub(crate) fn client_credential(
    config: &ConnectorConfig,
    stored: Credential,
    on_rotate: Option<RefreshTokenCallback>,
) -> Result<ClientCredential, EngineError> {
    let name = config.name.to_string();
    let mismatch = || EngineError::NoCredential(name.clone());
    Ok(match (&config.auth, stored) {
        (AuthConfig::Pat, Credential::Pat { token }) => ClientCredential::Pat(token),
        (
            AuthConfig::OAuth { tenant, client_id },
            Credential::OAuth {
                refresh_token,
                client_secret,
                ..
            },
        ) => {
            let ep = TokenEndpoint::new(login_url(config)?, tenant, client_id);
            let mut src = OAuthRefresh::new(ep, refresh_token);
            if let Some(secret) = client_secret {
                src = src.client_secret(secret);
            }
            if let Some(cb) = on_rotate {
                src = src.on_new_refresh_token(cb);
            }
            ClientCredential::Bearer(Arc::new(src))
        }
        (AuthConfig::ServicePrincipal { tenant, client_id }, Credential::ClientSecret { secret }) => {
            let ep = TokenEndpoint::new(login_url(config)?, tenant, client_id);
            ClientCredential::Bearer(Arc::new(ClientSecret::new(ep, secret)))
        }
        (
            AuthConfig::ManagedIdentity {
                tenant,
                client_id,
                federated_token_file,
            },
            _,
        ) => {
            let ep = TokenEndpoint::new(login_url(config)?, tenant, client_id);
            ClientCredential::Bearer(Arc::new(FederatedAssertion::new(
                ep,
                federated_token_file.clone(),
            )))
        }
        _ => return Err(mismatch()),
    })
}
