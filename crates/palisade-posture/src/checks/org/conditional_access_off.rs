use palisade_domain::{ResourceKind, Severity};

use crate::checks::common::{Setting, org_policy};
use crate::{Check, Inventory, Results};

pub(crate) static CHECK: Check = Check {
    id: "ado.org.conditional-access-off",
    title: "Microsoft Entra conditional access policy validation should be enabled",
    severity: Severity::Medium,
    target: ResourceKind::Organization,
    rationale: "Without validation, Azure DevOps does not evaluate the tenant's conditional access \
        policies (location, device compliance, risk) for web sign-ins and alternate credentials: a stolen \
        session or token works from anywhere.",
    remediation: &[
        "Organization settings > Security > Policies: turn on \"Enable IP Conditional Access policy \
            validation\".",
        "Make sure the Entra ID conditional access policies for Azure DevOps cover the locations and \
            devices you expect.",
    ],
    references: &[
        "https://learn.microsoft.com/azure/devops/organizations/accounts/change-application-access-policies",
        "https://learn.microsoft.com/entra/identity/conditional-access/overview",
    ],
    permissions: "Project Collection Administrator (organization policies are read through \
        Contribution/HierarchyQuery, ms.vss-org-web.collection-admin-policy-data-provider)",
    defender: None,
    azsk: &["ADO_Organization_AuthZ_Enable_AAD_Conditional_Access_Policy"],
    evaluate,
};

const SETTING: Setting = Setting {
    name: "Policy.EnforceAADConditionalAccess",
    secure: true,
    pass: "conditional access policy validation is on",
    fail: "conditional access policies are not validated for the organization",
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
