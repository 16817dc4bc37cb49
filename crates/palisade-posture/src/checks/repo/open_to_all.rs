use palisade_domain::{ResourceKind, Severity};

use super::in_scope;
use crate::checks::common::not_open_to_all;
use crate::{Check, Inventory, Results};

pub(crate) static CHECK: Check = Check {
    id: "ado.repo.open-to-all-pipelines",
    title: "Repositories should not grant access to all pipelines",
    severity: Severity::Medium,
    target: ResourceKind::Repository,
    rationale: "A repository open to all pipelines can be checked out by any pipeline of the project: a \
        contributor who may create a pipeline in one repository reads the code (and any secrets committed to \
        it) of another they have no access to, or uses its templates to change what a protected pipeline runs.",
    remediation: &[
        "Project settings > Repositories > the repository > Security: under Pipeline permissions, remove the \
         open access (⋮ > Restrict permission) and add only the pipelines that check it out.",
        "Turn on \"Protect access to repositories in YAML pipelines\" (Project settings > Pipelines > Settings) so \
         pipelines must be granted each repository they use.",
    ],
    references: &[
        "https://learn.microsoft.com/azure/devops/pipelines/process/repository-resource",
        "https://learn.microsoft.com/azure/devops/pipelines/security/secure-access-to-repos",
    ],
    permissions: "Code (read) and Build (read): pipelinepermissions/repository/{projectId}.{repositoryId}",
    defender: None,
    azsk: &["ADO_Repository_AuthZ_Dont_Grant_All_Pipelines_Access"],
    evaluate,
};

fn evaluate(inv: &Inventory, out: &mut Results) {
    for repo in inv.repositories() {
        if let Err(o) = in_scope(inv, &repo) {
            out.push(&repo, o);
            continue;
        }
        let id = format!("{}.{}", repo.value.project_id, repo.value.id);
        not_open_to_all(inv, out, &repo, "repository", &id);
    }
}

#[cfg(test)]
mod tests {
    use palisade_domain::Resource;

    use super::super::test_support::*;

    use crate::Status;
    use crate::checks::testing::statuses;
    use crate::fixture::*;

    fn with_permission(all: Option<bool>) -> Estate {
        repo_with(vec![]).with(Resource::PipelinePermission(permission(
            PROJECT,
            "repository",
            &format!("{PROJECT}.r1"),
            all,
        )))
    }

    #[test]
    fn restricted_repository_passes() {
        assert_eq!(
            statuses(&super::CHECK, &with_permission(Some(false))),
            [Status::Pass]
        );
    }

    #[test]
    fn repository_open_to_all_fails() {
        assert_eq!(
            statuses(&super::CHECK, &with_permission(Some(true))),
            [Status::Fail]
        );
    }

    #[test]
    fn unread_permissions_are_unknown() {
        assert_eq!(statuses(&super::CHECK, &Estate::unreadable()), [Status::Unknown]);
        // Permissions readable but this one not collected.
        assert_eq!(statuses(&super::CHECK, &repo_with(vec![])), [Status::Unknown]);
    }

    #[test]
    fn out_of_scope_repositories_are_not_applicable() {
        for e in out_of_scope(&[]) {
            assert_eq!(statuses(&super::CHECK, &e), [Status::NotApplicable]);
        }
    }
}
