//! Who may do what, where.
//!
//! A user holds [`Grant`]s: a [`Role`] at a [`RoleScope`]. [`allows`] asks
//! whether any grant permits an [`Action`] on one connector
//! (`Some(connector_id)`) or on the whole installation (`None`).
//!
//! | Action | Admin at All | Admin at a connector | Security admin, any scope | Reader, any scope |
//! |---|:-:|:-:|:-:|:-:|
//! | [`ReadInventory`](Action::ReadInventory) | yes | yes | yes | yes |
//! | [`ReadFindings`](Action::ReadFindings) | yes | yes | yes | yes |
//! | [`TriageFindings`](Action::TriageFindings) | yes | yes | yes | no |
//! | [`ManageConnectors`](Action::ManageConnectors) | yes | yes | yes | no |
//! | [`RunDiscovery`](Action::RunDiscovery) | yes | yes | yes | no |
//! | [`ManageScans`](Action::ManageScans) | yes | yes | yes | no |
//! | [`ManagePosture`](Action::ManagePosture) | yes | yes | yes | no |
//! | [`ManageUsers`](Action::ManageUsers) | yes | **no** | no | no |
//! | [`ReadAudit`](Action::ReadAudit) | yes | **no** | no | no |
//! | [`ManageOwnTokens`](Action::ManageOwnTokens) | yes | yes | yes | yes |
//!
//! A "yes" holds where the grant's scope reaches:
//!
//! | Grant scope | `Some(c)`, the grant's connector | `Some(c)`, another connector | `None` (installation-wide) |
//! |---|:-:|:-:|:-:|
//! | [`RoleScope::All`] | yes | yes | yes |
//! | [`RoleScope::Connector`] | yes | no | only [`ManageOwnTokens`](Action::ManageOwnTokens) |
//!
//! So creating a connector (`ManageConnectors` with `None`) or listing across
//! every connector takes a grant at `All`; a caller listing for a user with
//! connector-scoped grants filters by [`reach`]. Several grants add up; no
//! grants allow nothing. Connector ids compare exactly.

use std::collections::BTreeSet;
use std::fmt;

use palisade_domain::{Grant, Role, RoleScope};

/// Something a user asks to do.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[non_exhaustive]
pub enum Action {
    /// See connectors' discovered resources and posture results.
    ReadInventory,
    /// See findings.
    ReadFindings,
    /// Change a finding's triage state (accept, dismiss, reopen).
    TriageFindings,
    /// Create, change or delete connectors and their credentials.
    ManageConnectors,
    /// Start discovery.
    RunDiscovery,
    /// Start, schedule and cancel scans.
    ManageScans,
    /// Run posture checks and manage their exemptions.
    ManagePosture,
    /// Create and change users, their roles and their passwords.
    ManageUsers,
    /// Read the audit log.
    ReadAudit,
    /// Create, list and revoke one's own API tokens.
    ManageOwnTokens,
}

impl Action {
    /// Every action, in declaration order.
    pub const ALL: [Action; 10] = [
        Self::ReadInventory,
        Self::ReadFindings,
        Self::TriageFindings,
        Self::ManageConnectors,
        Self::RunDiscovery,
        Self::ManageScans,
        Self::ManagePosture,
        Self::ManageUsers,
        Self::ReadAudit,
        Self::ManageOwnTokens,
    ];

    /// The action's stable kebab-case name (for audit entries and errors).
    pub fn as_str(self) -> &'static str {
        match self {
            Self::ReadInventory => "read-inventory",
            Self::ReadFindings => "read-findings",
            Self::TriageFindings => "triage-findings",
            Self::ManageConnectors => "manage-connectors",
            Self::RunDiscovery => "run-discovery",
            Self::ManageScans => "manage-scans",
            Self::ManagePosture => "manage-posture",
            Self::ManageUsers => "manage-users",
            Self::ReadAudit => "read-audit",
            Self::ManageOwnTokens => "manage-own-tokens",
        }
    }

    /// Only an admin over the whole installation may do it.
    fn is_installation_admin_only(self) -> bool {
        matches!(self, Self::ManageUsers | Self::ReadAudit)
    }

    /// About the user themself, not about any connector.
    fn is_personal(self) -> bool {
        matches!(self, Self::ManageOwnTokens)
    }
}

impl fmt::Display for Action {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Whether any of `grants` permits `action` on `connector` (`None`: the
/// whole installation). See the module docs for the matrix.
pub fn allows(grants: &[Grant], action: Action, connector: Option<&str>) -> bool {
    grants
        .iter()
        .any(|g| role_permits(g.role, &g.scope, action) && scope_reaches(&g.scope, action, connector))
}

/// Where `grants` permit `action`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Reach {
    /// Nowhere.
    Nowhere,
    /// The whole installation: every connector, and `None` in [`allows`].
    All,
    /// These connectors only (never empty).
    Connectors(BTreeSet<String>),
}

impl Reach {
    /// Whether the action is permitted on `connector`.
    pub fn covers(&self, connector: &str) -> bool {
        match self {
            Self::Nowhere => false,
            Self::All => true,
            Self::Connectors(ids) => ids.contains(connector),
        }
    }
}

/// Which connectors `grants` permit `action` on, to filter lists for a user
/// whose grants are connector-scoped.
pub fn reach(grants: &[Grant], action: Action) -> Reach {
    let mut ids = BTreeSet::new();
    for g in grants.iter().filter(|g| role_permits(g.role, &g.scope, action)) {
        match &g.scope {
            RoleScope::All => return Reach::All,
            RoleScope::Connector(id) => {
                ids.insert(id.clone());
            }
        }
    }
    if ids.is_empty() {
        Reach::Nowhere
    } else {
        Reach::Connectors(ids)
    }
}

/// The role's part of the matrix, before the scope is matched.
fn role_permits(role: Role, scope: &RoleScope, action: Action) -> bool {
    match role {
        Role::Admin => matches!(scope, RoleScope::All) || !action.is_installation_admin_only(),
        Role::SecurityAdmin => !action.is_installation_admin_only(),
        Role::Reader => matches!(
            action,
            Action::ReadInventory | Action::ReadFindings | Action::ManageOwnTokens
        ),
    }
}

fn scope_reaches(scope: &RoleScope, action: Action, connector: Option<&str>) -> bool {
    match (scope, connector) {
        (RoleScope::All, _) => true,
        (RoleScope::Connector(granted), Some(asked)) => granted == asked,
        (RoleScope::Connector(_), None) => action.is_personal(),
    }
}
