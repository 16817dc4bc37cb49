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

pub(super) const SETTING: Setting = Setting {
    name: "Policy.DisallowOAuthAuthentication",
    secure: true,
    pass: "third-party application access via OAuth is off",
    fail: "third-party applications can be granted OAuth access to the organization by any user",
};

fn evaluate(inv: &Inventory, out: &mut Results) {
    org_policy(inv, out, &SETTING);
}
