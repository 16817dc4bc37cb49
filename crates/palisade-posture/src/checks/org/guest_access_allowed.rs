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

pub(super) const SETTING: Setting = Setting {
    name: "Policy.DisallowAadGuestUserAccess",
    secure: true,
    pass: "external guest access is off",
    fail: "external guest users (B2B guests of other tenants) can be added to the organization",
};

fn evaluate(inv: &Inventory, out: &mut Results) {
    org_policy(inv, out, &SETTING);
}
