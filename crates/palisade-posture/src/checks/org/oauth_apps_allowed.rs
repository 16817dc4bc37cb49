use palisade_domain::{ResourceKind, Severity};

use crate::checks::common::{Setting, org_policy};
use crate::{Check, Inventory, Results};

pub(crate) static CHECK: Check = Check {
    id: "ado.org.oauth-apps-allowed",
    title: "Third-party application access via OAuth should be disabled",
    severity: Severity::Medium,
    target: ResourceKind::Organization,
    rationale: "OAuth lets any third-party app a user consents to act as that user against the \
        organization's code, pipelines and work items; a malicious or compromised app gets a long-lived \
        grant without an administrator seeing it. (Some integrations, such as Defender for Cloud's DevOps \
        connector, need it: exempt this check deliberately if so.)",
    remediation: &[
        "Organization settings > Security > Policies: turn off \"Third-party application access via \
            OAuth\".",
        "Review existing grants in User settings > Authorizations, and prefer Microsoft Entra ID OAuth \
            apps or service principals for integrations.",
    ],
    references: &[
        "https://learn.microsoft.com/azure/devops/organizations/accounts/change-application-access-policies",
    ],
    permissions: "Project Collection Administrator (organization policies are read through \
        Contribution/HierarchyQuery, ms.vss-org-web.collection-admin-policy-data-provider)",
    defender: None,
    azsk: &["ADO_Organization_AuthZ_Disable_OAuth_App_Access"],
    evaluate,
};

const SETTING: Setting = Setting {
    name: "Policy.DisallowOAuthAuthentication",
    secure: true,
    pass: "third-party application access via OAuth is off",
    fail: "third-party applications can be granted OAuth access to the organization by any user",
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
