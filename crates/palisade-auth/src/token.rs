//! API tokens.
//!
//! A token reads `pal_<id>_<secret>`: `pal_`, 16 lowercase hex digits of id
//! (8 random bytes), `_`, then 64 lowercase hex digits of secret (32 random
//! bytes), 85 characters in all. The id names the token in lists and audit
//! entries and finds its row; the secret is shown once, at creation, and only
//! its SHA-256 [`digest`] is stored. Hex keeps the token one word (a double
//! click selects it all) and leaves `_` unambiguous as the separator.
//!
//! The secret is 256 random bits, so a fast digest is enough: there is
//! nothing to guess that a slow hash would protect.

use std::fmt::Write as _;

use secrecy::{ExposeSecret, SecretString};
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

/// What every token starts with.
pub const PREFIX: &str = "pal_";
/// Random bytes in a token's id.
pub const ID_BYTES: usize = 8;
/// Random bytes in a token's secret.
pub const SECRET_BYTES: usize = 32;
/// Hex digits in a token's id.
pub const ID_LEN: usize = ID_BYTES * 2;
/// Hex digits in a token's secret.
pub const SECRET_LEN: usize = SECRET_BYTES * 2;
/// Characters in a whole token.
pub const TOKEN_LEN: usize = PREFIX.len() + ID_LEN + 1 + SECRET_LEN;

/// A whole token's text, shown to its owner once. Its `Debug` is redacted.
#[derive(Debug, Clone)]
pub struct SecretToken(SecretString);

impl SecretToken {
    /// The token's text, to show once.
    pub fn expose(&self) -> &str {
        self.0.expose_secret()
    }

    /// The SHA-256 of the token's secret part: what to store.
    pub fn digest(&self) -> [u8; 32] {
        let text = self.expose();
        digest(&text[text.len() - SECRET_LEN..])
    }
}

/// Why a text is not an API token. The messages never repeat the text.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum TokenError {
    /// Not `pal_` at the start.
    #[error("an API token starts with \"pal_\"; copy the whole token as it was shown")]
    Prefix,
    /// Not [`TOKEN_LEN`] characters.
    #[error(
        "an API token has {expected} characters, this has {actual}; copy the whole token, without spaces or line breaks"
    )]
    Length {
        /// [`TOKEN_LEN`].
        expected: usize,
        /// The text's length in bytes.
        actual: usize,
    },
    /// Not `pal_<16 hex>_<64 hex>`.
    #[error(
        "an API token is \"pal_\", 16 lowercase hex digits, \"_\" and 64 lowercase hex digits; copy it again as it was shown"
    )]
    Malformed,
}

/// A new token: its id (to store and show in lists) and its whole text (to
/// show once). Store `(id, token.digest())`.
pub fn generate() -> Result<(String, SecretToken), getrandom::Error> {
    let mut id = [0u8; ID_BYTES];
    let mut secret = [0u8; SECRET_BYTES];
    getrandom::fill(&mut id)?;
    getrandom::fill(&mut secret)?;
    let id = hex::encode(id);
    let mut text = String::with_capacity(TOKEN_LEN);
    text.push_str(PREFIX);
    text.push_str(&id);
    text.push('_');
    for b in secret {
        // Writing to a String cannot fail.
        let _ = write!(text, "{b:02x}");
    }
    secret.fill(0);
    Ok((id, SecretToken(SecretString::from(text))))
}

/// Splits a token into its id and its secret part. Whitespace anywhere,
/// uppercase hex, a wrong prefix or length are refused; the text is not
/// scanned past [`TOKEN_LEN`] bytes.
pub fn parse(text: &str) -> Result<(&str, &str), TokenError> {
    if text.len() != TOKEN_LEN {
        if text.len() >= PREFIX.len() && !text.starts_with(PREFIX) {
            return Err(TokenError::Prefix);
        }
        return Err(TokenError::Length {
            expected: TOKEN_LEN,
            actual: text.len(),
        });
    }
    let Some(rest) = text.strip_prefix(PREFIX) else {
        return Err(TokenError::Prefix);
    };
    // All-ASCII from here on, so the byte offsets below are char boundaries.
    let is_hex = |s: &str| s.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'));
    let (id, sep_secret) = rest.split_at_checked(ID_LEN).ok_or(TokenError::Malformed)?;
    let secret = sep_secret.strip_prefix('_').ok_or(TokenError::Malformed)?;
    if !is_hex(id) || !is_hex(secret) || secret.len() != SECRET_LEN {
        return Err(TokenError::Malformed);
    }
    Ok((id, secret))
}

/// The SHA-256 of a token's secret part (as [`parse`] returns it).
pub fn digest(secret: &str) -> [u8; 32] {
    Sha256::digest(secret.as_bytes()).into()
}

/// Whether `secret` (as [`parse`] returns it) is the one whose digest was
/// stored, compared in constant time.
pub fn matches(stored: &[u8; 32], secret: &str) -> bool {
    digest(secret).ct_eq(stored).into()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generated_tokens_parse_and_match() {
        let (id, token) = generate().expect("randomness");
        assert_eq!(token.expose().len(), TOKEN_LEN);
        assert_eq!(id.len(), ID_LEN);
        let (parsed_id, secret) = parse(token.expose()).expect("parses");
        assert_eq!(parsed_id, id);
        assert_eq!(token.digest(), digest(secret));
        assert!(matches(&token.digest(), secret));
        let (_, other) = generate().expect("randomness");
        assert!(!matches(&other.digest(), secret));
        assert!(!format!("{token:?}").contains(secret), "Debug is redacted");
    }

    #[test]
    fn split_at_char_boundary_is_safe() {
        // 85 bytes with a multi-byte character straddling the id's end.
        let text = format!("pal_{}é{}", "a".repeat(15), "b".repeat(64));
        assert_eq!(text.len(), TOKEN_LEN);
        assert_eq!(parse(&text), Err(TokenError::Malformed));
    }
}
