//! Who may do what: users, roles and where a role applies.
//!
//! Roles follow Defender for Cloud's: an admin manages everything
//! (users included), a security admin manages connectors, scans, triage and
//! posture exemptions, a reader reads. A role applies to the whole
//! installation or to one connector (as Defender grants Security Reader at
//! connector scope).

use std::fmt;

use serde::{Deserialize, Serialize};

/// A local user's name: 1–64 characters of letters, digits, `.`, `_`, `-`
/// and `@`; compared without case.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, utoipa::ToSchema)]
#[schema(value_type = String, example = "alice")]
#[serde(try_from = "String", into = "String")]
pub struct Username(String);

impl Username {
    pub fn parse(s: &str) -> Result<Self, UsernameError> {
        let t = s.trim();
        if t.is_empty() || t.chars().count() > 64 {
            return Err(UsernameError(format!(
                "a user name has 1 to 64 characters, {:?} has {}",
                t,
                t.chars().count()
            )));
        }
        if let Some(c) = t
            .chars()
            .find(|c| !(c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-' | '@')))
        {
            return Err(UsernameError(format!(
                "a user name may hold letters, digits, '.', '_', '-' and '@', not {c:?}"
            )));
        }
        Ok(Self(t.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// Lowercase: names are unique ignoring case.
    pub fn key(&self) -> String {
        self.0.to_ascii_lowercase()
    }
}

impl TryFrom<String> for Username {
    type Error = UsernameError;
    fn try_from(s: String) -> Result<Self, Self::Error> {
        Self::parse(&s)
    }
}

impl From<Username> for String {
    fn from(u: Username) -> Self {
        u.0
    }
}

impl fmt::Display for Username {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct UsernameError(String);

/// What a user may do.
#[derive(
    Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, utoipa::ToSchema,
)]
#[serde(rename_all = "kebab-case")]
pub enum Role {
    /// Everything, including users, roles and the audit log.
    Admin,
    /// Connectors, discovery, scans, triage and posture exemptions.
    SecurityAdmin,
    /// Read only.
    Reader,
}

impl Role {
    pub const ALL: [Role; 3] = [Self::Admin, Self::SecurityAdmin, Self::Reader];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Admin => "admin",
            Self::SecurityAdmin => "security-admin",
            Self::Reader => "reader",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL
            .into_iter()
            .find(|r| r.as_str().eq_ignore_ascii_case(s.trim()))
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Where a role applies.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(tag = "kind", content = "connector", rename_all = "kebab-case")]
pub enum RoleScope {
    /// The whole installation.
    All,
    /// One connector (its id) and what it discovered and scans.
    Connector(String),
}

/// A role granted to a user at a scope.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Grant {
    pub role: Role,
    pub scope: RoleScope,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn usernames_are_validated_and_compared_without_case() {
        assert_eq!(
            Username::parse(" Alice.B@contoso ").unwrap().key(),
            "alice.b@contoso"
        );
        for bad in ["", "a b", "<script>", &"x".repeat(65), "ali/ce"] {
            assert!(Username::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn roles_round_trip() {
        for r in Role::ALL {
            assert_eq!(Role::parse(r.as_str()), Some(r));
        }
        assert_eq!(Role::parse("owner"), None);
    }
}
