use palisade_domain::{ResourceKind, Severity};

use crate::checks::common::{Setting, org_policy};
use crate::{Check, Inventory, Results};

pub(crate) static CHECK: Check = Check {
    id: "ado.org.team-admin-invites",
    title: "Only organization administrators should invite new users",
    severity: Severity::Low,
    target: ResourceKind::Organization,
    rationale: "When team and project administrators can invite users, people outside the organization's \
        access review join through any of dozens of team admins, and a compromised team admin account can \
        bring in accounts of the attacker's choosing.",
    remediation: &[
        "Organization settings > Security > Policies: turn off \"Allow team and project administrators to \
            invite new users\".",
    ],
    references: &[
        "https://learn.microsoft.com/azure/devops/organizations/accounts/change-application-access-policies",
        "https://learn.microsoft.com/azure/devops/organizations/security/restrict-invitations",
    ],
    permissions: "Project Collection Administrator (organization policies are read through \
        Contribution/HierarchyQuery, ms.vss-org-web.collection-admin-policy-data-provider)",
    defender: None,
    azsk: &["ADO_Organization_AuthZ_Review_Invite_Users_Setting"],
    evaluate,
};

pub(super) const SETTING: Setting = Setting {
    name: "Policy.AllowTeamAdminsInvitationsAccessToken",
    secure: false,
    pass: "only Project Collection Administrators can invite new users",
    fail: "team and project administrators can invite new users into the organization",
};

fn evaluate(inv: &Inventory, out: &mut Results) {
    org_policy(inv, out, &SETTING);
}
