use palisade_domain::{ResourceKind, Severity};

use crate::checks::common::not_open_to_all;
use crate::{Check, Inventory, Results};

pub(crate) static CHECK: Check = Check {
    id: "ado.secure-file.open-to-all-pipelines",
    title: "Secure files should not grant access to all pipelines",
    severity: Severity::High,
    target: ResourceKind::SecureFile,
    rationale: "Secure files hold signing certificates, provisioning profiles, keystores and SSH keys: one \
        open to all pipelines can be downloaded by any pipeline of the project, including one a \
        contributor adds in a branch, and copied out of the agent.",
    remediation: &[
        "Pipelines > Library > Secure files > the file > Pipeline permissions: remove \"open access\" (⋮ > \
         Restrict permission) and authorize only the pipelines that need it.",
        "Or PATCH {project}/_apis/pipelines/pipelinepermissions/securefile/{fileId}?api-version=7.1-preview.1 \
         with {\"allPipelines\": {\"authorized\": false}}.",
    ],
    references: &[
        "https://learn.microsoft.com/azure/devops/pipelines/library/secure-files",
        "https://learn.microsoft.com/azure/defender-for-cloud/recommendations-reference-devops",
    ],
    permissions: "Secure Files (read) and Build (read): distributedtask/securefiles and \
        pipelinepermissions/securefile/{fileId}",
    defender: Some("Azure DevOps secure files shouldn't grant access to all pipelines"),
    azsk: &["ADO_SecureFile_AuthZ_Dont_Grant_All_Pipelines_Access"],
    evaluate,
};

fn evaluate(inv: &Inventory, out: &mut Results) {
    for f in inv.secure_files() {
        not_open_to_all(inv, out, &f, "securefile", &f.value.id);
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
            .with(Resource::SecureFile(secure_file("f1", PROJECT)))
            .with(Resource::PipelinePermission(permission(
                PROJECT,
                "securefile",
                "f1",
                all,
            )))
    }

    #[test]
    fn restricted_file_passes() {
        assert_eq!(statuses(&CHECK, &with_permission(Some(false))), [Status::Pass]);
    }

    #[test]
    fn file_open_to_all_fails() {
        assert_eq!(statuses(&CHECK, &with_permission(Some(true))), [Status::Fail]);
    }

    #[test]
    fn unread_permissions_are_unknown() {
        assert_eq!(statuses(&CHECK, &Estate::unreadable()), [Status::Unknown]);
    }
}
