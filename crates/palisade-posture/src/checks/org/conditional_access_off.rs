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

pub(super) const SETTING: Setting = Setting {
    name: "Policy.EnforceAADConditionalAccess",
    secure: true,
    pass: "conditional access policy validation is on",
    fail: "conditional access policies are not validated for the organization",
};

fn evaluate(inv: &Inventory, out: &mut Results) {
    org_policy(inv, out, &SETTING);
}
