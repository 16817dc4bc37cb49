use palisade_domain::{ResourceKind, Severity};

use crate::checks::common::{Setting, org_policy};
use crate::{Check, Inventory, Results};

pub(crate) static CHECK: Check = Check {
    id: "ado.org.guest-access-allowed",
    title: "Organizations should not allow external guest access",
    severity: Severity::High,
    target: ResourceKind::Organization,
    rationale: "Guest accounts of other tenants are outside your identity governance (joiner/leaver \
        process, MFA and conditional access of their home tenant): a guest invited once keeps access to \
        code and pipelines after the engagement ends, and a compromised partner account becomes a \
        foothold.",
    remediation: &[
        "Organization settings > Security > Policies: turn off \"External guest access\".",
        "Organization settings > Users: filter by user type Guest and remove guests who no longer need \
            access.",
    ],
    references: &[
        "https://learn.microsoft.com/azure/devops/organizations/accounts/change-application-access-policies",
        "https://learn.microsoft.com/azure/devops/organizations/accounts/add-external-user",
    ],
    permissions: "Project Collection Administrator (organization policies are read through \
        Contribution/HierarchyQuery, ms.vss-org-web.collection-admin-policy-data-provider)",
    defender: None,
    azsk: &["ADO_Organization_AuthN_Disable_Guest_Users"],
    evaluate,
};

const SETTING: Setting = Setting {
    name: "Policy.DisallowAadGuestUserAccess",
    secure: true,
    pass: "external guest access is off",
    fail: "external guest users (B2B guests of other tenants) can be added to the organization",
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
