use palisade_domain::{ResourceKind, Severity};

use crate::checks::common::{Setting, org_policy};
use crate::{Check, Inventory, Results};

pub(crate) static CHECK: Check = Check {
    id: "ado.org.request-access-on",
    title: "Users should not be able to request access to the organization",
    severity: Severity::Low,
    target: ResourceKind::Organization,
    rationale: "Request access lets anyone in the tenant ask to join, and administrators approving \
        requests in bulk grant access without a business reason; it also reveals the organization's \
        existence to everyone who lands on its URL.",
    remediation: &[
        "Organization settings > Security > Policies: turn off \"Request access\" (or set it to an \
            internal URL that runs your access request process).",
    ],
    references: &[
        "https://learn.microsoft.com/azure/devops/organizations/accounts/change-application-access-policies",
        "https://learn.microsoft.com/azure/devops/organizations/accounts/disable-request-access-policy",
    ],
    permissions: "Project Collection Administrator (organization policies are read through \
        Contribution/HierarchyQuery, ms.vss-org-web.collection-admin-policy-data-provider)",
    defender: None,
    azsk: &["ADO_Organization_AuthZ_Disable_Request_Access"],
    evaluate,
};

pub(super) const SETTING: Setting = Setting {
    name: "Policy.AllowRequestAccessToken",
    secure: false,
    pass: "users cannot request access to the organization",
    fail: "anyone in the tenant can request access to the organization",
};

fn evaluate(inv: &Inventory, out: &mut Results) {
    org_policy(inv, out, &SETTING);
}
