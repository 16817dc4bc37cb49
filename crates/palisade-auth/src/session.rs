//! Console sessions.
//!
//! The session cookie holds 32 random bytes as 64 lowercase hex digits; the
//! store keeps only their SHA-256 ([`digest`]), so a copy of the database
//! opens no session. The CSRF token of a session is derived from its secret
//! (HMAC-SHA-256 keyed by the secret over a fixed label), so it needs no
//! storage, differs per session and cannot be computed without the cookie.

use hmac::{Hmac, Mac};
use secrecy::{ExposeSecret, SecretString};
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

/// Hex digits of a session secret.
pub const SECRET_LEN: usize = 64;

/// A session cookie's value. Its `Debug` is redacted.
#[derive(Debug, Clone)]
pub struct SessionSecret(SecretString);

impl SessionSecret {
    /// A new secret from the OS's randomness.
    pub fn generate() -> Result<Self, getrandom::Error> {
        let mut bytes = [0u8; SECRET_LEN / 2];
        getrandom::fill(&mut bytes)?;
        let text = hex::encode(bytes);
        bytes.fill(0);
        Ok(Self(SecretString::from(text)))
    }

    /// A cookie value, if it has the shape of a secret (64 lowercase hex
    /// digits); anything else is no session at all.
    pub fn parse(text: &str) -> Option<Self> {
        (text.len() == SECRET_LEN && text.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f')))
            .then(|| Self(SecretString::from(text.to_owned())))
    }

    /// The cookie value.
    pub fn expose(&self) -> &str {
        self.0.expose_secret()
    }

    /// What the store keeps.
    pub fn digest(&self) -> [u8; 32] {
        Sha256::digest(self.expose().as_bytes()).into()
    }

    /// The session's CSRF token, for forms.
    pub fn csrf_token(&self) -> String {
        hex::encode(self.mac().finalize().into_bytes())
    }

    /// Whether `token` is this session's CSRF token, compared in constant time.
    pub fn csrf_matches(&self, token: &str) -> bool {
        let Ok(raw) = hex::decode(token.trim()) else {
            return false;
        };
        self.mac().verify_slice(&raw).is_ok()
    }

    fn mac(&self) -> Hmac<Sha256> {
        let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(self.expose().as_bytes())
            .unwrap_or_else(|_| unreachable!("HMAC takes keys of any length"));
        mac.update(b"palisade csrf v1");
        mac
    }
}

/// Whether two digests are equal, in constant time.
pub fn same_digest(a: &[u8; 32], b: &[u8; 32]) -> bool {
    a.ct_eq(b).into()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secrets_parse_digest_and_derive_csrf_tokens() {
        let s = SessionSecret::generate().expect("randomness");
        assert_eq!(s.expose().len(), SECRET_LEN);
        let again = SessionSecret::parse(s.expose()).expect("parses");
        assert!(same_digest(&again.digest(), &s.digest()));
        let token = s.csrf_token();
        assert!(s.csrf_matches(&token));
        let other = SessionSecret::generate().expect("randomness");
        assert!(!other.csrf_matches(&token), "tokens are per session");
        assert!(!s.csrf_matches("zz"));
        assert!(!s.csrf_matches(""));
        assert!(!format!("{s:?}").contains(s.expose()), "Debug is redacted");
    }

    #[test]
    fn malformed_cookies_are_no_session() {
        for bad in [
            "",
            "abc",
            &"A".repeat(64),
            &"0".repeat(63),
            &"0".repeat(65),
            &"g".repeat(64),
        ] {
            assert!(SessionSecret::parse(bad).is_none(), "{bad:?}");
        }
        assert!(SessionSecret::parse(&"0".repeat(64)).is_some());
    }
}
