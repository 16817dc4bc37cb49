use std::fmt;

use serde::{Deserialize, Deserializer, Serialize, Serializer};
use sha1::{Digest, Sha1};

/// Content address of a blob: the git object id of `blob <len>\0<bytes>`.
///
/// Using git's own id means a file in a working tree and the same content in
/// history share one id, so the content is scanned once.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, utoipa::ToSchema)]
#[schema(value_type = String, pattern = "^[0-9a-f]{40}$")]
pub struct BlobId([u8; 20]);

/// A blob id that is not 40 hex digits.
#[derive(Debug, thiserror::Error)]
#[error("invalid blob id {0:?}: expected 40 hex digits")]
pub struct BlobIdError(String);

impl BlobId {
    /// Hashes `content` as git does for a blob.
    pub fn compute(content: &[u8]) -> Self {
        let mut h = Sha1::new();
        h.update(b"blob ");
        h.update(content.len().to_string().as_bytes());
        h.update([0]);
        h.update(content);
        Self(h.finalize().into())
    }

    pub fn from_bytes(bytes: [u8; 20]) -> Self {
        Self(bytes)
    }

    pub fn from_hex(s: &str) -> Result<Self, BlobIdError> {
        let mut out = [0u8; 20];
        hex::decode_to_slice(s, &mut out).map_err(|_| BlobIdError(s.chars().take(64).collect()))?;
        Ok(Self(out))
    }

    pub fn as_bytes(&self) -> &[u8; 20] {
        &self.0
    }

    pub fn to_hex(&self) -> String {
        hex::encode(self.0)
    }
}

impl fmt::Display for BlobId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.to_hex())
    }
}

impl fmt::Debug for BlobId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "BlobId({})", self.to_hex())
    }
}

impl Serialize for BlobId {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.to_hex())
    }
}

impl<'de> Deserialize<'de> for BlobId {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        Self::from_hex(&s).map_err(serde::de::Error::custom)
    }
}

impl schemars::JsonSchema for BlobId {
    fn schema_name() -> std::borrow::Cow<'static, str> {
        "BlobId".into()
    }

    fn json_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
        schemars::json_schema!({
            "type": "string",
            "pattern": "^[0-9a-f]{40}$",
            "description": "git blob object id (SHA-1 of `blob <len>\\0<content>`)"
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn matches_git_hash_object() {
        // `printf 'hello\n' | git hash-object --stdin`
        assert_eq!(
            BlobId::compute(b"hello\n").to_hex(),
            "ce013625030ba8dba906f756967f9e9ca394464a"
        );
        assert_eq!(
            BlobId::compute(b"").to_hex(),
            "e69de29bb2d1d6434b8b29ae775ad8c2e48c5391"
        );
    }

    #[test]
    fn hex_round_trip_and_rejects_garbage() {
        let id = BlobId::compute(b"x");
        assert_eq!(BlobId::from_hex(&id.to_hex()).expect("valid hex"), id);
        assert!(BlobId::from_hex("zz").is_err());
        assert!(BlobId::from_hex("").is_err());
    }
}
