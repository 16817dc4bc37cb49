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

const SETTING: Setting = Setting {
    name: "Policy.AllowTeamAdminsInvitationsAccessToken",
    secure: false,
    pass: "only Project Collection Administrators can invite new users",
    fail: "team and project administrators can invite new users into the organization",
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
