use palisade_domain::{ResourceKind, Severity};

use crate::checks::common::{Setting, org_policy};
use crate::{Check, Inventory, Results};

pub(crate) static CHECK: Check = Check {
    id: "ado.org.public-projects-allowed",
    title: "Organizations should not allow public projects",
    severity: Severity::High,
    target: ResourceKind::Organization,
    rationale: "With the policy on, any project administrator can make a project public: anonymous users \
        on the internet then read its repositories, pipeline definitions and build logs, where secrets, \
        internal host names and tokens echoed by scripts routinely leak.",
    remediation: &[
        "Organization settings > Security > Policies: turn off \"Allow public projects\" (organization \
            owner or Project Collection Administrator).",
        "Turning the policy off makes existing public projects private; review what they exposed and \
            rotate secrets that appeared in their logs.",
    ],
    references: &[
        "https://learn.microsoft.com/azure/devops/organizations/accounts/change-application-access-policies",
        "https://learn.microsoft.com/azure/devops/organizations/projects/make-project-public",
    ],
    permissions: "Project Collection Administrator (organization policies are read through \
        Contribution/HierarchyQuery, ms.vss-org-web.collection-admin-policy-data-provider)",
    defender: None,
    azsk: &["ADO_Organization_DP_Dont_Allow_Public_Projects"],
    evaluate,
};

pub(super) const SETTING: Setting = Setting {
    name: "Policy.AllowAnonymousAccess",
    secure: false,
    pass: "public projects are not allowed in the organization",
    fail: "the organization allows public projects: one project administrator's choice exposes a project \
        to anonymous users",
};

fn evaluate(inv: &Inventory, out: &mut Results) {
    org_policy(inv, out, &SETTING);
}
