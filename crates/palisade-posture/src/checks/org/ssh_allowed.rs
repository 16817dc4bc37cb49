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

const SETTING: Setting = Setting {
    name: "Policy.DisallowSecureShell",
    secure: true,
    pass: "SSH authentication is off",
    fail: "SSH authentication is allowed: SSH keys bypass conditional access and never expire",
};

fn evaluate(inv: &Inventory, out: &mut Results) {
    org_policy(inv, out, &SETTING);
}

#[cfg(test)]
mod tests {
    use super::super::testing::{run, with_policy};
    use super::{CHECK, SETTING};
    use crate::Status;
    use crate::fixture::Estate;

    #[test]
    fn secure_value_passes() {
        let s = &SETTING;
        assert_eq!(run(&CHECK, &with_policy(s.name, Some(s.secure))), [Status::Pass]);
    }

    #[test]
    fn insecure_value_fails() {
        let s = &SETTING;
        assert_eq!(run(&CHECK, &with_policy(s.name, Some(!s.secure))), [Status::Fail]);
    }

    #[test]
    fn missing_or_unreadable_is_unknown() {
        assert_eq!(run(&CHECK, &with_policy(SETTING.name, None)), [Status::Unknown]);
        assert_eq!(run(&CHECK, &Estate::unreadable()), [Status::Unknown]);
    }
}
