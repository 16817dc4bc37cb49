use palisade_domain::{ResourceKind, Severity};

use super::PRIVATE_STATUS_BADGES;
use crate::checks::common::org_setting;
use crate::{Check, Inventory, Results};

pub(crate) static CHECK: Check = Check {
    id: "ado.org.status-badges-public",
    title: "Anonymous access to status badges should be disabled",
    severity: Severity::Low,
    target: ResourceKind::Organization,
    rationale: "Anonymous badges disclose, to anyone with the URL, pipeline and branch names and whether \
        builds pass: reconnaissance that helps target a private project.",
    remediation: &[
        "Organization settings > Pipelines > Settings: turn on \"Disable anonymous access to badges\".",
    ],
    references: &[
        "https://learn.microsoft.com/azure/devops/pipelines/create-first-pipeline#add-a-status-badge-to-your-repository",
    ],
    permissions: "Project Collection Administrator (organization pipeline settings are read through \
        Contribution/HierarchyQuery, ms.vss-build-web.pipelines-org-settings-data-provider)",
    defender: None,
    azsk: &["ADO_Organization_DP_Disable_Anonymous_Access_To_Badges"],
    evaluate,
};

fn evaluate(inv: &Inventory, out: &mut Results) {
    org_setting(inv, out, &PRIVATE_STATUS_BADGES);
}

#[cfg(test)]
mod tests {
    use super::super::PRIVATE_STATUS_BADGES;
    use super::super::testing::{run, with_setting};
    use super::CHECK;
    use crate::Status;
    use crate::fixture::Estate;

    #[test]
    fn secure_value_passes() {
        let s = &PRIVATE_STATUS_BADGES;
        assert_eq!(run(&CHECK, &with_setting(s.name, Some(s.secure))), [Status::Pass]);
    }

    #[test]
    fn insecure_value_fails() {
        let s = &PRIVATE_STATUS_BADGES;
        assert_eq!(
            run(&CHECK, &with_setting(s.name, Some(!s.secure))),
            [Status::Fail]
        );
    }

    #[test]
    fn missing_or_unreadable_is_unknown() {
        assert_eq!(
            run(&CHECK, &with_setting(PRIVATE_STATUS_BADGES.name, None)),
            [Status::Unknown]
        );
        assert_eq!(run(&CHECK, &Estate::unreadable()), [Status::Unknown]);
    }
}
