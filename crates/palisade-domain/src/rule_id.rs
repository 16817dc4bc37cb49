use std::fmt;

use serde::{Deserialize, Deserializer, Serialize};

/// Stable identifier of a rule, e.g. `azure.devops.pat`.
///
/// Lowercase ASCII segments of `[a-z0-9_-]` separated by dots, at least two
/// segments, at most 80 bytes. Ids never change once released: triage and
/// baselines refer to them.
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, schemars::JsonSchema, utoipa::ToSchema)]
#[schema(value_type = String, example = "aws.access-key")]
#[serde(transparent)]
pub struct RuleId(String);

/// Why a string is not a valid [`RuleId`].
#[derive(Debug, thiserror::Error)]
#[error("invalid rule id {id:?}: {reason}")]
pub struct RuleIdError {
    id: String,
    reason: &'static str,
}

impl RuleId {
    pub fn parse(s: &str) -> Result<Self, RuleIdError> {
        let err = |reason| RuleIdError {
            id: s.chars().take(100).collect(),
            reason,
        };
        if s.is_empty() || s.len() > 80 {
            return Err(err("must be 1 to 80 characters"));
        }
        let mut segments = 0;
        for seg in s.split('.') {
            segments += 1;
            if seg.is_empty() {
                return Err(err("empty segment"));
            }
            if !seg
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_' || b == b'-')
            {
                return Err(err("segments may hold only a-z, 0-9, '_' and '-'"));
            }
        }
        if segments < 2 {
            return Err(err(
                "needs at least two dot-separated segments, e.g. azure.devops.pat",
            ));
        }
        Ok(Self(s.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for RuleId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl fmt::Debug for RuleId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "RuleId({})", self.0)
    }
}

impl<'de> Deserialize<'de> for RuleId {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        Self::parse(&s).map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_dotted_lowercase() {
        assert_eq!(
            RuleId::parse("azure.devops.pat").expect("valid").as_str(),
            "azure.devops.pat"
        );
        assert!(RuleId::parse("generic.password-assignment").is_ok());
    }

    #[test]
    fn rejects_bad_ids() {
        for bad in [
            "",
            "azure",
            "Azure.pat",
            "a..b",
            "a.b.",
            "a b.c",
            &"a.".repeat(50),
        ] {
            assert!(RuleId::parse(bad).is_err(), "{bad:?} accepted");
        }
    }
}
