//! From a stored connector to a client: the sealed credential is opened in
//! memory only, and a rotated OAuth refresh token is sealed and saved again.

use std::sync::Arc;

use palisade_ado::{
    AdoClient, ClientSecret, Credential as ClientCredential, FederatedAssertion, OAuthRefresh, TokenEndpoint,
};
use palisade_domain::{AuthConfig, ConnectorConfig, Deployment, OrgName};
use palisade_store::{ConnectorId, ConnectorRecord, Store};
use palisade_vault::{Credential, Vault};
use secrecy::SecretString;
use tokio::sync::mpsc;

use crate::{Engine, EngineError, now};

/// Saves rotated refresh tokens in the background, in order; [`Self::flush`]
/// waits until every token handed over is stored.
pub(crate) struct RotationSaver {
    tx: Option<mpsc::UnboundedSender<SecretString>>,
    task: Option<tokio::task::JoinHandle<()>>,
}

impl RotationSaver {
    fn start(store: Arc<dyn Store>, vault: Arc<Vault>, id: ConnectorId) -> Self {
        let (tx, mut rx) = mpsc::unbounded_channel::<SecretString>();
        let task = tokio::spawn(async move {
            while let Some(refresh_token) = rx.recv().await {
                let cred = Credential::OAuth {
                    refresh_token,
                    access_token: None,
                    expires_at: None,
                };
                let sealed = vault.seal_credential(&cred, id.as_str().as_bytes());
                if let Err(e) = store
                    .set_connector_credential(&id, sealed.as_bytes(), now())
                    .await
                {
                    // The old refresh token is already spent: the user must sign in again.
                    tracing::error!(connector = %id, error = %e, "could not save a rotated refresh token");
                }
            }
        });
        Self {
            tx: Some(tx),
            task: Some(task),
        }
    }

    fn sender(&self) -> Option<mpsc::UnboundedSender<SecretString>> {
        self.tx.clone()
    }

    pub(crate) async fn flush(mut self) {
        self.tx.take();
        if let Some(t) = self.task.take() {
            let _ = t.await;
        }
    }
}

/// A client and what keeps its credential current.
pub(crate) struct Connected {
    pub client: AdoClient,
    pub saver: Option<RotationSaver>,
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

    /// A client for `org` of a stored connector.
    pub async fn client(&self, record: &ConnectorRecord, org: &OrgName) -> Result<AdoClient, EngineError> {
        let c = self.connect(record, org).await?;
        // Callers of this API run short operations; a rotated token is
        // saved by the background task as soon as it arrives.
        if let Some(s) = c.saver {
            tokio::spawn(s.flush());
        }
        Ok(c.client)
    }

    pub(crate) async fn connect(
        &self,
        record: &ConnectorRecord,
        org: &OrgName,
    ) -> Result<Connected, EngineError> {
        let stored = self.open_credential(record).await?;
        let saver = matches!(record.config.auth, AuthConfig::OAuth { .. }).then(|| {
            RotationSaver::start(
                Arc::clone(&self.store),
                Arc::clone(&self.vault),
                record.id.clone(),
            )
        });
        let on_rotate = saver.as_ref().and_then(RotationSaver::sender);
        let credential = client_credential(&record.config, stored, on_rotate)?;
        let client = self.build_client(&record.config.deployment, org, credential)?;
        Ok(Connected { client, saver })
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
    on_rotate: Option<mpsc::UnboundedSender<SecretString>>,
) -> Result<ClientCredential, EngineError> {
    let name = config.name.to_string();
    let mismatch = || EngineError::NoCredential(name.clone());
    Ok(match (&config.auth, stored) {
        (AuthConfig::Pat, Credential::Pat { token }) => ClientCredential::Pat(token),
        (AuthConfig::OAuth { tenant, client_id }, Credential::OAuth { refresh_token, .. }) => {
            let ep = TokenEndpoint::new(login_url(config)?, tenant, client_id);
            let mut src = OAuthRefresh::new(ep, refresh_token);
            if let Some(tx) = on_rotate {
                src = src.on_new_refresh_token(Arc::new(move |t| {
                    let _ = tx.send(t);
                }));
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
