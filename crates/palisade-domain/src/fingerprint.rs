use std::fmt;

use hmac::{Hmac, Mac};
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use sha2::{Digest, Sha256};

use crate::RuleId;

type HmacSha256 = Hmac<Sha256>;

/// Installation key for fingerprints. Finding ids are keyed hashes so that a
/// copy of the store or a report does not let anyone brute-force short
/// passwords from their ids. The key never leaves memory in clear except in
/// its own key file.
#[derive(Clone)]
pub struct FingerprintKey([u8; 32]);

impl FingerprintKey {
    pub fn from_bytes(bytes: [u8; 32]) -> Self {
        Self(bytes)
    }

    /// Derives a sub-key for one purpose, so one master key can serve
    /// fingerprints, at-rest encryption and key checks without reuse.
    pub fn derive(&self, purpose: &str) -> [u8; 32] {
        let mut mac = HmacSha256::new_from_slice(&self.0).expect("HMAC accepts any key length");
        mac.update(b"palisade-subkey-v1\0");
        mac.update(purpose.as_bytes());
        mac.finalize().into_bytes().into()
    }

    /// A value that identifies the key without revealing it, stored beside
    /// data so a process started with a different key is refused.
    pub fn check_value(&self) -> String {
        hex::encode(&self.derive("key-check")[..8])
    }

    /// Keyed fingerprint of `(rule, secret)`: the identity of a finding.
    pub fn finding_id(&self, rule: &RuleId, secret: &[u8]) -> FindingId {
        let mut mac =
            HmacSha256::new_from_slice(&self.derive("finding-id")).expect("HMAC accepts any key length");
        mac.update(rule.as_str().as_bytes());
        mac.update(&[0]);
        mac.update(secret);
        let full = mac.finalize().into_bytes();
        let mut id = [0u8; 16];
        id.copy_from_slice(&full[..16]);
        FindingId(id)
    }
}

impl fmt::Debug for FingerprintKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("FingerprintKey(<redacted>)")
    }
}

/// Identity of a finding: 128 bits of a keyed hash of the rule id and the
/// normalized secret. The same secret in five files is one finding.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, utoipa::ToSchema)]
#[schema(value_type = String, pattern = "^[0-9a-f]{32}$")]
pub struct FindingId([u8; 16]);

#[derive(Debug, thiserror::Error)]
#[error("invalid finding id {0:?}: expected 32 hex digits (as printed by `palisade findings list`)")]
pub struct FindingIdError(String);

impl FindingId {
    pub fn from_hex(s: &str) -> Result<Self, FindingIdError> {
        let mut out = [0u8; 16];
        hex::decode_to_slice(s.trim(), &mut out).map_err(|_| FindingIdError(s.chars().take(64).collect()))?;
        Ok(Self(out))
    }

    pub fn to_hex(&self) -> String {
        hex::encode(self.0)
    }
}

impl fmt::Display for FindingId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.to_hex())
    }
}

impl fmt::Debug for FindingId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "FindingId({})", self.to_hex())
    }
}

impl Serialize for FindingId {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.to_hex())
    }
}

impl<'de> Deserialize<'de> for FindingId {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        Self::from_hex(&s).map_err(serde::de::Error::custom)
    }
}

impl schemars::JsonSchema for FindingId {
    fn schema_name() -> std::borrow::Cow<'static, str> {
        "FindingId".into()
    }

    fn json_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
        schemars::json_schema!({
            "type": "string",
            "pattern": "^[0-9a-f]{32}$",
            "description": "keyed fingerprint of (rule id, normalized secret); stable across rescans"
        })
    }
}

/// Unkeyed SHA-256 of a secret value, written `sha256:<hex>`.
///
/// Used where a hash must be portable between machines: allowlist entries in
/// `palisade.toml` and baseline files (as detect-secrets does). Such files
/// belong next to the code that already holds the secret they silence.
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord, schemars::JsonSchema, utoipa::ToSchema)]
#[schemars(with = "String")]
#[schema(value_type = String, example = "sha256:...")]
pub struct SecretHash([u8; 32]);

impl SecretHash {
    pub fn of(secret: &[u8]) -> Self {
        Self(Sha256::digest(secret).into())
    }

    /// Parses `sha256:<64 hex>` (the prefix is optional).
    pub fn parse(s: &str) -> Option<Self> {
        let hex_part = s.trim().strip_prefix("sha256:").unwrap_or(s.trim());
        let mut out = [0u8; 32];
        hex::decode_to_slice(hex_part.to_ascii_lowercase(), &mut out).ok()?;
        Some(Self(out))
    }
}

impl fmt::Display for SecretHash {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "sha256:{}", hex::encode(self.0))
    }
}

impl fmt::Debug for SecretHash {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "SecretHash({self})")
    }
}

impl Serialize for SecretHash {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for SecretHash {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        Self::parse(&s).ok_or_else(|| serde::de::Error::custom("expected sha256:<64 hex digits>"))
    }
}

/// A preview that identifies a secret to a person without disclosing it:
/// up to four leading characters of long secrets (usually a vendor prefix such
/// as `ghp_`), then a fixed mask. Short secrets show nothing.
pub fn redact_preview(secret: &[u8]) -> String {
    let shown = match secret.len() {
        0..=11 => 0,
        12..=23 => 2,
        _ => 4,
    };
    let prefix: String = secret[..shown]
        .iter()
        .map(|&b| if b.is_ascii_graphic() { b as char } else { '?' })
        .collect();
    format!("{prefix}********")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rule() -> RuleId {
        RuleId::parse("azure.devops.pat").expect("valid")
    }

    #[test]
    fn finding_id_is_stable_and_keyed() {
        let k1 = FingerprintKey::from_bytes([1; 32]);
        let k2 = FingerprintKey::from_bytes([2; 32]);
        assert_eq!(
            k1.finding_id(&rule(), b"s3cret"),
            k1.finding_id(&rule(), b"s3cret")
        );
        assert_ne!(
            k1.finding_id(&rule(), b"s3cret"),
            k2.finding_id(&rule(), b"s3cret")
        );
        assert_ne!(
            k1.finding_id(&rule(), b"s3cret"),
            k1.finding_id(&rule(), b"s3cret2")
        );
        let id = k1.finding_id(&rule(), b"x");
        assert_eq!(FindingId::from_hex(&id.to_hex()).expect("hex"), id);
        assert!(!format!("{k1:?}").contains("01"));
    }

    #[test]
    fn secret_hash_matches_sha256sum() {
        // printf 'hunter2' | sha256sum
        let h = SecretHash::of(b"hunter2");
        assert_eq!(
            h.to_string(),
            "sha256:f52fbd32b2b3b86ff88ef6c490628285f482af15ddcb29541f94bcf526a3f6c7"
        );
        assert_eq!(SecretHash::parse(&h.to_string()), Some(h));
    }

    #[test]
    fn preview_hides_short_secrets() {
        assert_eq!(redact_preview(b"hunter2"), "********");
        assert_eq!(
            redact_preview(b"ghp_0123456789abcdefghijklmnopqrstuvwxyz"),
            "ghp_********"
        );
    }
}
