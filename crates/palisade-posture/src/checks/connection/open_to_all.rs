use palisade_domain::{ResourceKind, Severity};

use crate::checks::common::not_open_to_all;
use crate::{Check, Inventory, Results};

pub(crate) static CHECK: Check = Check {
    id: "ado.service-connection.open-to-all-pipelines",
    title: "Service connections should not grant access to all pipelines",
    severity: Severity::High,
    target: ResourceKind::ServiceConnection,
    rationale: "A connection open to all pipelines can be used by any pipeline of the project, including \
        one a contributor adds in a branch: its credential (often owner of an Azure subscription) is one \
        YAML file away from anyone who can push.",
    remediation: &[
        "Project settings > Service connections > the connection > Security: under Pipeline permissions, \
         turn off \"Grant access permission to all pipelines\" (or use the ⋮ menu > Restrict permission).",
        "Authorize only the pipelines that deploy with it; each new pipeline then asks for approval on its first run.",
    ],
    references: &[
        "https://learn.microsoft.com/azure/devops/pipelines/library/service-endpoints#pipeline-permissions",
        "https://learn.microsoft.com/azure/defender-for-cloud/recommendations-reference-devops",
    ],
    permissions: "Service Connections (read) and Build (read): pipelinepermissions/endpoint",
    defender: Some("Azure DevOps service connections shouldn't grant access to all pipelines"),
    azsk: &["ADO_ServiceConnection_AuthZ_Dont_Grant_All_Pipelines_Access"],
    evaluate,
};

fn evaluate(inv: &Inventory, out: &mut Results) {
    for c in inv.service_connections() {
        not_open_to_all(inv, out, &c, "endpoint", &c.value.id);
    }
}

#[cfg(test)]
mod tests {
    use palisade_domain::Resource;

    use crate::Status;
    use crate::checks::testing::statuses;
    use crate::fixture::*;

    fn with_permission(all: Option<bool>) -> Estate {
        Estate::new()
            .with(Resource::ServiceConnection(service_connection("s1", PROJECT)))
            .with(Resource::PipelinePermission(permission(
                PROJECT, "endpoint", "s1", all,
            )))
    }

    #[test]
    fn restricted_connection_passes() {
        assert_eq!(
            statuses(&super::CHECK, &with_permission(Some(false))),
            [Status::Pass]
        );
        assert_eq!(statuses(&super::CHECK, &with_permission(None)), [Status::Pass]);
    }

    #[test]
    fn connection_open_to_all_fails() {
        assert_eq!(
            statuses(&super::CHECK, &with_permission(Some(true))),
            [Status::Fail]
        );
    }

    #[test]
    fn unread_permissions_are_unknown() {
        let estate = Estate::unreadable();
        assert_eq!(statuses(&super::CHECK, &estate), [Status::Unknown]);
    }
}
