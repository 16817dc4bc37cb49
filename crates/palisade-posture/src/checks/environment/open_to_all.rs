use palisade_domain::{ResourceKind, Severity};

use crate::checks::common::not_open_to_all;
use crate::{Check, Inventory, Results};

pub(crate) static CHECK: Check = Check {
    id: "ado.environment.open-to-all-pipelines",
    title: "Environments should not grant access to all pipelines",
    severity: Severity::High,
    target: ResourceKind::Environment,
    rationale: "Any pipeline of the project may deploy to an environment open to all pipelines: a \
        contributor's new YAML file in a branch targets it, and its Kubernetes or virtual machine \
        resources run the attacker's deployment job.",
    remediation: &[
        "Pipelines > Environments > the environment > ⋮ > Security: under Pipeline permissions, remove \
         \"open access\" (Restrict permission) and authorize only the deploying pipelines.",
        "Or PATCH {project}/_apis/pipelines/pipelinepermissions/environment/{environmentId}?api-version=7.1-preview.1 \
         with {\"allPipelines\": {\"authorized\": false}}.",
    ],
    references: &[
        "https://learn.microsoft.com/azure/devops/pipelines/process/environments#security",
        "https://learn.microsoft.com/azure/devops/pipelines/security/resources",
    ],
    permissions: "Environment (read) and Build (read): pipelines/environments and \
        pipelinepermissions/environment/{environmentId}",
    defender: None,
    azsk: &["ADO_Environment_AuthZ_Dont_Grant_All_Pipelines_Access"],
    evaluate,
};

fn evaluate(inv: &Inventory, out: &mut Results) {
    for e in inv.environments() {
        not_open_to_all(inv, out, &e, "environment", &e.value.id.to_string());
    }
}

#[cfg(test)]
mod tests {
    use palisade_domain::Resource;

    use super::CHECK;
    use crate::Status;
    use crate::checks::testing::statuses;
    use crate::fixture::*;

    fn with_permission(all: Option<bool>) -> Estate {
        Estate::new()
            .with(Resource::Environment(environment(7, PROJECT, "staging")))
            .with(Resource::PipelinePermission(permission(
                PROJECT,
                "environment",
                "7",
                all,
            )))
    }

    #[test]
    fn restricted_environment_passes() {
        assert_eq!(statuses(&CHECK, &with_permission(Some(false))), [Status::Pass]);
    }

    #[test]
    fn environment_open_to_all_fails() {
        assert_eq!(statuses(&CHECK, &with_permission(Some(true))), [Status::Fail]);
    }

    #[test]
    fn unread_permissions_are_unknown() {
        assert_eq!(statuses(&CHECK, &Estate::unreadable()), [Status::Unknown]);
    }
}
