//! Credentials at rest: AES-256-GCM boxes bound to a context.
//!
//! A [`Vault`] holds one 32-byte key (the CLI derives it from the
//! installation key with a purpose string, or parses `PALISADE_MASTER_KEY`
//! with [`MasterKey::from_base64`]). [`Vault::seal`] encrypts with a fresh
//! random 96-bit nonce and authenticates a caller-chosen `context` as
//! associated data: the store passes the connector id, so a sealed credential
//! copied onto another connector fails to open.
//!
//! A sealed box is laid out as
//!
//! ```text
//! version (1 byte, = 1) | key id (8 bytes) | nonce (12 bytes) | ciphertext + tag (16 bytes)
//! ```
//!
//! The key id is the first 8 bytes of SHA-256 of a check value derived from
//! the key (never the key itself), so a box sealed with another key is
//! reported as [`VaultError::WrongKey`] rather than as tampering.
//!
//! The crate is pure and sync: no IO, no runtime. Plaintext buffers are
//! zeroized when dropped, and no `Debug` output ever shows key bytes or
//! secrets.

use std::fmt;

use aes_gcm::aead::{Aead, Generate, KeyInit, Payload};
use aes_gcm::{Aes256Gcm, Key, Nonce};
use base64::Engine as _;
use secrecy::{ExposeSecret, SecretString};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use zeroize::{Zeroize, Zeroizing};

/// The format version written by this crate.
pub const VERSION: u8 = 1;
/// Length of the key id in a sealed box.
pub const KEY_ID_LEN: usize = 8;
/// Length of the AES-GCM nonce (96 bits).
pub const NONCE_LEN: usize = 12;
/// Length of the AES-GCM authentication tag.
pub const TAG_LEN: usize = 16;
/// Bytes a sealed box adds to its plaintext.
pub const OVERHEAD: usize = 1 + KEY_ID_LEN + NONCE_LEN + TAG_LEN;

/// Domain separation of the key check value.
const KEY_CHECK_PURPOSE: &[u8] = b"palisade-vault/key-check/v1\0";

/// Why a sealed box could not be opened (or a credential read).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum VaultError {
    /// The box was sealed with another key (its key id differs).
    #[error(
        "this credential was sealed with a different key (key id {found}, this vault has {expected}); \
         use the master key it was saved with, or enter the credential again"
    )]
    WrongKey { expected: String, found: String },
    /// Same key, but the authentication failed: the bytes were changed, or
    /// the box belongs to another context (e.g. another connector).
    #[error("the sealed credential failed authentication: it was altered or belongs to something else")]
    Tampered,
    /// Too short, or otherwise not a sealed box.
    #[error("not a sealed credential: {0}")]
    Malformed(String),
    /// Sealed by a newer (or unknown) format.
    #[error("sealed credential format version {0} is not supported (this palisade reads version {VERSION})")]
    UnsupportedVersion(u8),
    /// The box opened but did not hold a credential this palisade reads.
    #[error("the sealed credential holds no readable credential: {0}")]
    BadPayload(String),
}

/// A master key given as text was not usable.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "invalid master key: {why}. Expected 32 random bytes encoded as base64 (44 characters, \
     e.g. the output of `openssl rand -base64 32`)"
)]
pub struct MasterKeyError {
    why: String,
}

/// A 32-byte key, zeroized on drop, never shown by `Debug`.
#[derive(Clone)]
pub struct MasterKey(Zeroizing<[u8; 32]>);

impl MasterKey {
    pub fn from_bytes(bytes: [u8; 32]) -> Self {
        Self(Zeroizing::new(bytes))
    }

    /// A fresh random key.
    pub fn generate() -> Self {
        let key = Key::<Aes256Gcm>::generate();
        let mut bytes = [0u8; 32];
        bytes.copy_from_slice(&key);
        let out = Self::from_bytes(bytes);
        bytes.zeroize();
        out
    }

    /// Parses the value of `PALISADE_MASTER_KEY`: 32 bytes in base64
    /// (standard or URL-safe alphabet, padding optional, surrounding
    /// whitespace ignored).
    pub fn from_base64(text: &str) -> Result<Self, MasterKeyError> {
        use base64::engine::general_purpose::{STANDARD, STANDARD_NO_PAD, URL_SAFE, URL_SAFE_NO_PAD};
        let text = text.trim();
        if text.is_empty() {
            return Err(MasterKeyError {
                why: "it is empty".into(),
            });
        }
        let decoded = [STANDARD, STANDARD_NO_PAD, URL_SAFE, URL_SAFE_NO_PAD]
            .iter()
            .find_map(|engine| engine.decode(text).ok())
            .map(Zeroizing::new)
            .ok_or_else(|| MasterKeyError {
                why: "it is not valid base64".into(),
            })?;
        let bytes: [u8; 32] = decoded.as_slice().try_into().map_err(|_| MasterKeyError {
            why: format!("it decodes to {} bytes, not 32", decoded.len()),
        })?;
        Ok(Self::from_bytes(bytes))
    }

    /// The key as standard base64 (the `PALISADE_MASTER_KEY` format).
    pub fn to_base64(&self) -> Zeroizing<String> {
        Zeroizing::new(base64::engine::general_purpose::STANDARD.encode(*self.0))
    }

    pub fn expose_bytes(&self) -> &[u8; 32] {
        &self.0
    }
}

impl fmt::Debug for MasterKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("MasterKey([REDACTED])")
    }
}

/// Seals and opens credentials with one key.
#[derive(Clone)]
pub struct Vault {
    cipher: Aes256Gcm,
    key_id: [u8; KEY_ID_LEN],
}

impl fmt::Debug for Vault {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Vault")
            .field("key_id", &self.key_id_hex())
            .finish_non_exhaustive()
    }
}

/// First bytes of SHA-256 of the key's check value.
fn key_id_of(key: &[u8; 32]) -> [u8; KEY_ID_LEN] {
    let mut check = Sha256::new();
    check.update(KEY_CHECK_PURPOSE);
    check.update(key);
    let check = check.finalize();
    let id = Sha256::digest(check);
    let mut out = [0u8; KEY_ID_LEN];
    out.copy_from_slice(&id[..KEY_ID_LEN]);
    out
}

fn hex(bytes: &[u8]) -> String {
    use fmt::Write as _;
    bytes
        .iter()
        .fold(String::with_capacity(bytes.len() * 2), |mut s, b| {
            let _ = write!(s, "{b:02x}");
            s
        })
}

impl Vault {
    /// A vault sealing with `key` (which is zeroized here after use).
    pub fn new(mut key: [u8; 32]) -> Self {
        let key_id = key_id_of(&key);
        let cipher = Aes256Gcm::new(&Key::<Aes256Gcm>::from(key));
        key.zeroize();
        Self { cipher, key_id }
    }

    pub fn from_master_key(key: &MasterKey) -> Self {
        Self::new(*key.expose_bytes())
    }

    /// Identifies the key without revealing it (16 hex digits).
    pub fn key_id_hex(&self) -> String {
        hex(&self.key_id)
    }

    /// Encrypts `plaintext`, binding it to `context`.
    pub fn seal(&self, plaintext: &[u8], context: &[u8]) -> SealedBox {
        let nonce = Nonce::generate();
        let ciphertext = self
            .cipher
            .encrypt(
                &nonce,
                Payload {
                    msg: plaintext,
                    aad: context,
                },
            )
            // Only fails past 64 GiB of plaintext, which no credential is.
            .expect("AES-GCM encryption of a credential-sized message cannot fail");
        let mut out = Vec::with_capacity(OVERHEAD + plaintext.len());
        out.push(VERSION);
        out.extend_from_slice(&self.key_id);
        out.extend_from_slice(&nonce);
        out.extend_from_slice(&ciphertext);
        SealedBox(out)
    }

    /// Decrypts a box made by [`seal`](Self::seal) with the same key and context.
    pub fn open(&self, sealed: &[u8], context: &[u8]) -> Result<Zeroizing<Vec<u8>>, VaultError> {
        let Some((&version, rest)) = sealed.split_first() else {
            return Err(VaultError::Malformed("it is empty".into()));
        };
        if version != VERSION {
            return Err(VaultError::UnsupportedVersion(version));
        }
        if sealed.len() < OVERHEAD {
            return Err(VaultError::Malformed(format!(
                "it is {} bytes long, at least {OVERHEAD} expected",
                sealed.len()
            )));
        }
        let (key_id, rest) = rest.split_at(KEY_ID_LEN);
        if key_id != self.key_id {
            return Err(VaultError::WrongKey {
                expected: self.key_id_hex(),
                found: hex(key_id),
            });
        }
        let (nonce, ciphertext) = rest.split_at(NONCE_LEN);
        let nonce = Nonce::try_from(nonce).map_err(|_| VaultError::Malformed("bad nonce".into()))?;
        self.cipher
            .decrypt(
                &nonce,
                Payload {
                    msg: ciphertext,
                    aad: context,
                },
            )
            .map(Zeroizing::new)
            .map_err(|_| VaultError::Tampered)
    }

    /// Seals a credential as JSON.
    pub fn seal_credential(&self, credential: &Credential, context: &[u8]) -> SealedBox {
        let json = credential.to_json();
        self.seal(&json, context)
    }

    /// Opens a box made by [`seal_credential`](Self::seal_credential).
    pub fn open_credential(&self, sealed: &[u8], context: &[u8]) -> Result<Credential, VaultError> {
        let json = self.open(sealed, context)?;
        Credential::from_json(&json)
    }
}

/// The bytes of a sealed box, ready to store. `Debug` shows only the length.
#[derive(Clone, PartialEq, Eq)]
pub struct SealedBox(Vec<u8>);

impl SealedBox {
    pub fn as_bytes(&self) -> &[u8] {
        &self.0
    }

    pub fn into_bytes(self) -> Vec<u8> {
        self.0
    }
}

impl AsRef<[u8]> for SealedBox {
    fn as_ref(&self) -> &[u8] {
        &self.0
    }
}

impl fmt::Debug for SealedBox {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "SealedBox({} bytes)", self.0.len())
    }
}

/// What a connector authenticates with; only ever serialized inside a
/// sealed box. `Debug` redacts every secret.
#[derive(Clone, Debug, Deserialize)]
#[serde(tag = "kind", rename_all = "kebab-case")]
pub enum Credential {
    /// Personal access token.
    Pat { token: SecretString },
    /// Entra delegated authorization; the refresh token rotates.
    #[serde(rename = "oauth")]
    OAuth {
        refresh_token: SecretString,
        #[serde(default)]
        access_token: Option<SecretString>,
        /// When the access token expires (epoch millis).
        #[serde(default)]
        expires_at: Option<i64>,
        /// The application's secret, for a confidential client (Entra asks
        /// for it at every refresh); `None` for a public client.
        #[serde(default)]
        client_secret: Option<SecretString>,
    },
    /// An Entra application's client secret.
    ClientSecret { secret: SecretString },
    /// Nothing to store (managed identity with a federated token file).
    None,
}

/// The serialized form of [`Credential`] (secrets exposed, for the box only).
#[derive(Serialize)]
#[serde(tag = "kind", rename_all = "kebab-case")]
enum CredentialJson<'a> {
    Pat {
        token: &'a str,
    },
    #[serde(rename = "oauth")]
    OAuth {
        refresh_token: &'a str,
        access_token: Option<&'a str>,
        expires_at: Option<i64>,
        client_secret: Option<&'a str>,
    },
    ClientSecret {
        secret: &'a str,
    },
    None,
}

impl Credential {
    /// A personal access token.
    pub fn pat(token: impl Into<String>) -> Self {
        Self::Pat {
            token: SecretString::from(token.into()),
        }
    }

    /// A client secret.
    pub fn client_secret(secret: impl Into<String>) -> Self {
        Self::ClientSecret {
            secret: SecretString::from(secret.into()),
        }
    }

    /// `pat`, `oauth`, `client-secret` or `none`.
    pub fn kind(&self) -> &'static str {
        match self {
            Self::Pat { .. } => "pat",
            Self::OAuth { .. } => "oauth",
            Self::ClientSecret { .. } => "client-secret",
            Self::None => "none",
        }
    }

    fn to_json(&self) -> Zeroizing<Vec<u8>> {
        let view = match self {
            Self::Pat { token } => CredentialJson::Pat {
                token: token.expose_secret(),
            },
            Self::OAuth {
                refresh_token,
                access_token,
                expires_at,
                client_secret,
            } => CredentialJson::OAuth {
                refresh_token: refresh_token.expose_secret(),
                access_token: access_token.as_ref().map(ExposeSecret::expose_secret),
                expires_at: *expires_at,
                client_secret: client_secret.as_ref().map(ExposeSecret::expose_secret),
            },
            Self::ClientSecret { secret } => CredentialJson::ClientSecret {
                secret: secret.expose_secret(),
            },
            Self::None => CredentialJson::None,
        };
        // Sized up front so the buffer never reallocates (leaving copies behind).
        let secrets_len = match &view {
            CredentialJson::Pat { token } => token.len(),
            CredentialJson::OAuth {
                refresh_token,
                access_token,
                client_secret,
                ..
            } => refresh_token.len() + access_token.map_or(0, str::len) + client_secret.map_or(0, str::len),
            CredentialJson::ClientSecret { secret } => secret.len(),
            CredentialJson::None => 0,
        };
        let mut out = Zeroizing::new(Vec::with_capacity(secrets_len * 6 + 128));
        serde_json::to_writer(&mut *out, &view).expect("serializing to memory cannot fail");
        out
    }

    fn from_json(json: &[u8]) -> Result<Self, VaultError> {
        // Never repeat serde's message: it may quote part of the secret.
        serde_json::from_slice(json).map_err(|e| {
            VaultError::BadPayload(format!(
                "{:?} error at line {} column {}",
                e.classify(),
                e.line(),
                e.column()
            ))
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const KEY: [u8; 32] = [42; 32];
    const CTX: &[u8] = b"0190f1c2-0000-7000-8000-000000000001";

    fn vault() -> Vault {
        Vault::new(KEY)
    }

    fn contains(hay: &[u8], needle: &[u8]) -> bool {
        hay.windows(needle.len()).any(|w| w == needle)
    }

    #[test]
    fn round_trip() {
        let v = vault();
        for plain in [
            &b""[..],
            b"x",
            b"a PAT of 52 characters abcdefghijklmnopqrstuvwxyz0123",
        ] {
            let sealed = v.seal(plain, CTX);
            assert_eq!(sealed.as_bytes().len(), OVERHEAD + plain.len());
            assert_eq!(sealed.as_bytes()[0], VERSION);
            assert_eq!(v.open(sealed.as_bytes(), CTX).expect("open").as_slice(), plain);
        }
    }

    #[test]
    fn each_seal_uses_a_fresh_nonce() {
        let v = vault();
        let a = v.seal(b"same", CTX);
        let b = v.seal(b"same", CTX);
        assert_ne!(a, b);
        assert_ne!(a.as_bytes()[9..21], b.as_bytes()[9..21]);
    }

    #[test]
    fn wrong_key_is_reported_distinctly() {
        let sealed = vault().seal(b"secret", CTX);
        let other = Vault::new([7; 32]);
        let err = other.open(sealed.as_bytes(), CTX).expect_err("other key");
        assert!(matches!(err, VaultError::WrongKey { .. }), "{err:?}");
        assert!(err.to_string().contains("different key"), "{err}");
    }

    #[test]
    fn wrong_context_is_tampered() {
        let v = vault();
        let sealed = v.seal(b"secret", CTX);
        assert_eq!(
            v.open(sealed.as_bytes(), b"another connector"),
            Err(VaultError::Tampered)
        );
    }

    #[test]
    fn any_changed_byte_after_the_header_is_tampered() {
        let v = vault();
        let sealed = v.seal(b"secret value", CTX).into_bytes();
        for i in 1 + KEY_ID_LEN..sealed.len() {
            let mut bad = sealed.clone();
            bad[i] ^= 0x01;
            assert_eq!(v.open(&bad, CTX), Err(VaultError::Tampered), "byte {i}");
        }
        // A changed key id reads as another key.
        let mut bad = sealed.clone();
        bad[1] ^= 0x01;
        assert!(matches!(v.open(&bad, CTX), Err(VaultError::WrongKey { .. })));
    }

    #[test]
    fn truncated_input_is_malformed_or_tampered() {
        let v = vault();
        let sealed = v.seal(b"secret", CTX).into_bytes();
        assert!(matches!(v.open(&[], CTX), Err(VaultError::Malformed(_))));
        for len in 1..OVERHEAD {
            assert!(
                matches!(v.open(&sealed[..len], CTX), Err(VaultError::Malformed(_))),
                "len {len}"
            );
        }
        for len in OVERHEAD..sealed.len() {
            assert_eq!(
                v.open(&sealed[..len], CTX),
                Err(VaultError::Tampered),
                "len {len}"
            );
        }
    }

    #[test]
    fn unknown_version_is_refused() {
        let v = vault();
        let mut sealed = v.seal(b"secret", CTX).into_bytes();
        sealed[0] = 2;
        assert_eq!(v.open(&sealed, CTX), Err(VaultError::UnsupportedVersion(2)));
        assert_eq!(v.open(&[0], CTX), Err(VaultError::UnsupportedVersion(0)));
    }

    #[test]
    fn plaintext_never_appears_in_the_sealed_bytes() {
        let v = vault();
        let secret = b"ghp_abcdefghijklmnopqrstuvwxyz0123456789";
        let sealed = v.seal(secret, CTX);
        assert!(!contains(sealed.as_bytes(), secret));
        assert!(!contains(sealed.as_bytes(), &secret[..8]));
        let cred = Credential::pat("pat-super-secret-value-1234567890");
        let sealed = v.seal_credential(&cred, CTX);
        assert!(!contains(sealed.as_bytes(), b"pat-super-secret"));
        assert!(!contains(sealed.as_bytes(), b"\"kind\""));
    }

    #[test]
    fn debug_never_shows_keys_or_secrets() {
        let key = MasterKey::from_bytes([0xab; 32]);
        let v = Vault::from_master_key(&key);
        for text in [format!("{key:?}"), format!("{v:?}")] {
            assert!(
                !text.contains("ab, ab") && !text.contains("abab") && !text.contains("171"),
                "{text}"
            );
        }
        assert!(format!("{v:?}").contains(&v.key_id_hex()));
        let cred = Credential::OAuth {
            refresh_token: "refresh-secret".to_owned().into(),
            access_token: Some("access-secret".to_owned().into()),
            expires_at: Some(5),
            client_secret: Some("app-secret".to_owned().into()),
        };
        let text = format!("{cred:?}");
        assert!(
            !text.contains("refresh-secret")
                && !text.contains("access-secret")
                && !text.contains("app-secret"),
            "{text}"
        );
        let sealed = v.seal(b"x", CTX);
        assert_eq!(
            format!("{sealed:?}"),
            format!("SealedBox({} bytes)", OVERHEAD + 1)
        );
    }

    #[test]
    fn credentials_round_trip() {
        let v = vault();
        let creds = [
            Credential::pat("pat-value"),
            Credential::OAuth {
                refresh_token: "rt".to_owned().into(),
                access_token: Some("at".to_owned().into()),
                expires_at: Some(1_700_000_000_000),
                client_secret: Some("cs".to_owned().into()),
            },
            Credential::OAuth {
                refresh_token: "rt2".to_owned().into(),
                access_token: None,
                expires_at: None,
                client_secret: None,
            },
            Credential::client_secret("cs\"with\\quotes\u{e9}"),
            Credential::None,
        ];
        for cred in &creds {
            let sealed = v.seal_credential(cred, CTX);
            let back = v.open_credential(sealed.as_bytes(), CTX).expect("open");
            assert_eq!(back.kind(), cred.kind());
            match (cred, &back) {
                (Credential::Pat { token: a }, Credential::Pat { token: b })
                | (Credential::ClientSecret { secret: a }, Credential::ClientSecret { secret: b }) => {
                    assert_eq!(a.expose_secret(), b.expose_secret());
                }
                (
                    Credential::OAuth {
                        refresh_token: r1,
                        access_token: a1,
                        expires_at: e1,
                        client_secret: c1,
                    },
                    Credential::OAuth {
                        refresh_token: r2,
                        access_token: a2,
                        expires_at: e2,
                        client_secret: c2,
                    },
                ) => {
                    assert_eq!(r1.expose_secret(), r2.expose_secret());
                    assert_eq!(
                        c1.as_ref().map(ExposeSecret::expose_secret),
                        c2.as_ref().map(ExposeSecret::expose_secret)
                    );
                    assert_eq!(
                        a1.as_ref().map(ExposeSecret::expose_secret),
                        a2.as_ref().map(ExposeSecret::expose_secret)
                    );
                    assert_eq!(e1, e2);
                }
                (Credential::None, Credential::None) => {}
                _ => panic!("kind changed"),
            }
        }
        // The wire form of a credential.
        assert_eq!(
            Credential::pat("p").to_json().as_slice(),
            br#"{"kind":"pat","token":"p"}"#
        );
        assert_eq!(Credential::None.to_json().as_slice(), br#"{"kind":"none"}"#);
    }

    #[test]
    fn a_box_without_a_credential_is_a_bad_payload_without_echo() {
        let v = vault();
        let sealed = v.seal(br#"{"kind":"pat","token":42,"leak":"top-secret"}"#, CTX);
        let err = v.open_credential(sealed.as_bytes(), CTX).expect_err("bad");
        assert!(matches!(err, VaultError::BadPayload(_)), "{err:?}");
        assert!(!err.to_string().contains("top-secret") && !err.to_string().contains("42"));
    }

    #[test]
    fn master_keys_parse_from_base64() {
        let key = MasterKey::generate();
        let text = key.to_base64();
        assert_eq!(text.len(), 44);
        let back = MasterKey::from_base64(&format!("  {}\n", text.as_str())).expect("parse");
        assert_eq!(back.expose_bytes(), key.expose_bytes());
        let no_pad = text.trim_end_matches('=');
        assert!(MasterKey::from_base64(no_pad).is_ok());
        for (bad, why) in [
            ("", "empty"),
            ("not base64!!", "not valid base64"),
            ("AAAA", "decodes to 3 bytes, not 32"),
        ] {
            let e = MasterKeyError::to_string(&MasterKey::from_base64(bad).expect_err(bad));
            assert!(e.contains(why), "{bad}: {e}");
            assert!(e.contains("32 random bytes encoded as base64"), "{e}");
        }
        // Same key, same vault key id.
        assert_eq!(
            Vault::from_master_key(&back).key_id_hex(),
            Vault::from_master_key(&key).key_id_hex()
        );
        assert_ne!(Vault::new([1; 32]).key_id_hex(), Vault::new([2; 32]).key_id_hex());
    }

    proptest::proptest! {
        #[test]
        fn open_never_panics(bytes in proptest::collection::vec(proptest::prelude::any::<u8>(), 0..128),
                             ctx in proptest::collection::vec(proptest::prelude::any::<u8>(), 0..16)) {
            let v = vault();
            let _ = v.open(&bytes, &ctx);
            let _ = v.open_credential(&bytes, &ctx);
            // With a valid header too, so the AEAD path runs.
            let mut framed = vec![VERSION];
            framed.extend_from_slice(&v.key_id);
            framed.extend_from_slice(&bytes);
            let _ = v.open(&framed, &ctx);
        }
    }
}
