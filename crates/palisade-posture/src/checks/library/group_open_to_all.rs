use palisade_domain::{ResourceKind, Severity};

use super::{group_listed, holds_secrets};
use crate::checks::common::not_open_to_all;
use crate::{Check, Inventory, Outcome, Results};

pub(crate) static CHECK: Check = Check {
    id: "ado.variable-group.open-to-all-pipelines",
    title: "Variable groups should not grant access to all pipelines",
    severity: Severity::Low,
    target: ResourceKind::VariableGroup,
    rationale: "Even without secrets, a group open to all pipelines feeds values (deployment targets, \
        URLs, feature flags) to any pipeline a contributor writes, and the first secret someone adds \
        later is open to all of them too.",
    remediation: &[
        "Pipelines > Library > the variable group > Pipeline permissions: remove \"open access\" (⋮ > \
         Restrict permission) and authorize only the pipelines that use the group.",
        "Or PATCH {project}/_apis/pipelines/pipelinepermissions/variablegroup/{groupId}?api-version=7.1-preview.1 \
         with {\"allPipelines\": {\"authorized\": false}}.",
    ],
    references: &[
        "https://learn.microsoft.com/azure/devops/pipelines/library/variable-groups#set-up-pipeline-permissions",
        "https://learn.microsoft.com/azure/devops/pipelines/security/resources",
    ],
    permissions: "Variable Groups (read) and Build (read): distributedtask/variablegroups and \
        pipelinepermissions/variablegroup/{groupId}",
    defender: None,
    azsk: &[],
    evaluate,
};

fn evaluate(inv: &Inventory, out: &mut Results) {
    for g in inv.variable_groups() {
        match group_listed(inv, &g) {
            Err(why) => out.push(&g, Outcome::unknown(why)),
            Ok(()) if holds_secrets(g.value) => out.push(
                &g,
                Outcome::not_applicable(
                    "the group holds secrets: ado.variable-group.secrets-open-to-all-pipelines covers it",
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
    fn restricted_group_passes() {
        assert_eq!(
            statuses(&CHECK, &with_group(group(&[("region", false)]), Some(false))),
            [Status::Pass]
        );
    }

    #[test]
    fn group_open_to_all_fails() {
        assert_eq!(
            statuses(&CHECK, &with_group(group(&[("region", false)]), Some(true))),
            [Status::Fail]
        );
    }

    #[test]
    fn group_with_secrets_not_applicable() {
        assert_eq!(
            statuses(&CHECK, &with_group(group(&[("key", true)]), Some(true))),
            [Status::NotApplicable]
        );
    }

    #[test]
    fn unread_is_unknown() {
        assert_eq!(statuses(&CHECK, &Estate::unreadable()), [Status::Unknown]);
    }
}
