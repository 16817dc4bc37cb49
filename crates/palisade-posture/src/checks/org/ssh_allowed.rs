use palisade_domain::{ResourceKind, Severity};

use crate::checks::common::{Setting, org_policy};
use crate::{Check, Inventory, Results};

pub(crate) static CHECK: Check = Check {
    id: "ado.org.ssh-allowed",
    title: "SSH authentication should be disabled when it is not needed",
    severity: Severity::Low,
    target: ResourceKind::Organization,
    rationale: "SSH keys are not subject to Microsoft Entra ID conditional access or MFA and have no \
        enforced expiry: a key copied from a laptop or build server keeps working for Git until someone \
        deletes it.",
    remediation: &[
        "Organization settings > Security > Policies: turn off \"SSH authentication\" if teams can use \
            HTTPS with Entra ID credentials.",
        "If SSH stays on, review keys in User settings > SSH public keys and remove stale ones.",
    ],
    references: &[
        "https://learn.microsoft.com/azure/devops/organizations/accounts/change-application-access-policies",
        "https://learn.microsoft.com/azure/devops/repos/git/use-ssh-keys-to-authenticate",
    ],
    permissions: "Project Collection Administrator (organization policies are read through \
        Contribution/HierarchyQuery, ms.vss-org-web.collection-admin-policy-data-provider)",
    defender: None,
    azsk: &["ADO_Organization_AuthN_Disable_SSH_Access"],
    evaluate,
};

pub(super) const SETTING: Setting = Setting {
    name: "Policy.DisallowSecureShell",
    secure: true,
    pass: "SSH authentication is off",
    fail: "SSH authentication is allowed: SSH keys bypass conditional access and never expire",
};

fn evaluate(inv: &Inventory, out: &mut Results) {
    org_policy(inv, out, &SETTING);
}
