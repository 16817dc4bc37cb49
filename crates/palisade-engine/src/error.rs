use palisade_ado::AdoError;
use palisade_store::StoreError;
use palisade_vault::VaultError;

/// Errors callers can act on; each message says what to do next.
#[derive(Debug, thiserror::Error)]
pub enum EngineError {
    /// Bad input (a name, a URL, a missing option).
    #[error("{0}")]
    Invalid(String),
    /// A connector with this name or organization exists.
    #[error("{0}")]
    Conflict(String),
    /// The credential test failed; nothing was saved.
    #[error("the connection test failed, nothing was saved: {}", .0.join("; "))]
    CredentialTest(Vec<String>),
    /// The connector has no stored credential.
    #[error(
        "Azure DevOps access token not configured. Please authenticate: palisade connector edit {0} with a new credential"
    )]
    NoCredential(String),
    /// The stored credential cannot be opened with this installation's key.
    #[error(
        "cannot open the stored credential of connector {connector}: {source}. Use the same \
         PALISADE_MASTER_KEY / key file as when it was saved, or enter the credential again"
    )]
    Vault {
        connector: String,
        #[source]
        source: VaultError,
    },
    #[error(transparent)]
    Ado(#[from] AdoError),
    #[error(transparent)]
    Store(StoreError),
}

impl From<StoreError> for EngineError {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::Conflict(m) => Self::Conflict(m),
            other => Self::Store(other),
        }
    }
}
