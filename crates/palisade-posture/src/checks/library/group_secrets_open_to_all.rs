use palisade_domain::{ResourceKind, Severity};

use super::{group_listed, holds_secrets};
use crate::checks::common::not_open_to_all;
use crate::{Check, Inventory, Outcome, Results};

pub(crate) static CHECK: Check = Check {
    id: "ado.variable-group.secrets-open-to-all-pipelines",
    title: "Variable groups with secret variables should not grant access to all pipelines",
    severity: Severity::High,
    target: ResourceKind::VariableGroup,
    rationale: "Any pipeline of the project may link a group open to all pipelines: a contributor who adds \
        a YAML file in a branch references the group and prints or sends away its secrets (passwords, \
        keys, tokens), with no one asked to approve.",
    remediation: &[
        "Pipelines > Library > the variable group > Pipeline permissions: remove \"open access\" (⋮ > \
         Restrict permission) and authorize only the pipelines that need the group.",
        "Or PATCH {project}/_apis/pipelines/pipelinepermissions/variablegroup/{groupId}?api-version=7.1-preview.1 \
         with {\"allPipelines\": {\"authorized\": false}}.",
        "Add an Approval check on the group (Approvals and checks) when its secrets reach production.",
    ],
    references: &[
        "https://learn.microsoft.com/azure/devops/pipelines/library/variable-groups#set-up-pipeline-permissions",
        "https://learn.microsoft.com/azure/defender-for-cloud/recommendations-reference-devops",
    ],
    permissions: "Variable Groups (read) and Build (read): distributedtask/variablegroups and \
        pipelinepermissions/variablegroup/{groupId}",
    defender: Some(
        "Azure DevOps variable groups with secret variables shouldn't grant access to all \
        pipelines",
    ),
    azsk: &["ADO_VariableGroup_AuthZ_Dont_Grant_All_Pipelines_Access_On_VG_With_Secrets"],
    evaluate,
};

fn evaluate(inv: &Inventory, out: &mut Results) {
    for g in inv.variable_groups() {
        match group_listed(inv, &g) {
            Err(why) => out.push(&g, Outcome::unknown(why)),
            Ok(()) if !holds_secrets(g.value) => out.push(
                &g,
                Outcome::not_applicable(
                    "the group holds no secret variables (ado.variable-group.open-to-all-pipelines covers \
                        it)",
                ),
            ),
            Ok(()) => not_open_to_all(inv, out, &g, "variablegroup", &g.value.id.to_string()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::testing::{group, with_group};
    use super::CHECK;
    use crate::Status;
    use crate::checks::testing::statuses;
    use crate::fixture::Estate;

    #[test]
    fn restricted_secret_group_passes() {
        assert_eq!(
            statuses(&CHECK, &with_group(group(&[("dbPassword", true)]), Some(false))),
            [Status::Pass]
        );
    }

    #[test]
    fn secret_group_open_to_all_fails() {
        assert_eq!(
            statuses(&CHECK, &with_group(group(&[("dbPassword", true)]), Some(true))),
            [Status::Fail]
        );
        let mut vault = group(&[]);
        vault.group_type = "AzureKeyVault".into();
        assert_eq!(statuses(&CHECK, &with_group(vault, Some(true))), [Status::Fail]);
    }

    #[test]
    fn group_without_secrets_not_applicable() {
        assert_eq!(
            statuses(&CHECK, &with_group(group(&[("region", false)]), Some(true))),
            [Status::NotApplicable]
        );
    }

    #[test]
    fn unread_is_unknown() {
        assert_eq!(statuses(&CHECK, &Estate::unreadable()), [Status::Unknown]);
        let no_permission =
            Estate::new().with(palisade_domain::Resource::VariableGroup(group(&[("k", true)])));
        assert_eq!(statuses(&CHECK, &no_permission), [Status::Unknown]);
    }
}
