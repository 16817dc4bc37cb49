use palisade_domain::{ResourceKind, Severity};

use super::listed;
use crate::{Check, Inventory, Outcome, Results};

pub(crate) static CHECK: Check = Check {
    id: "ado.pipeline.external-repository",
    title: "Pipelines should build code from Azure Repos",
    severity: Severity::Medium,
    target: ResourceKind::Pipeline,
    rationale: "A pipeline whose source is GitHub, Bitbucket or another Git server runs code (and, for YAML, a \
        pipeline definition) governed by that system's access control and branch protection, not this \
        organization's: whoever can push there decides what runs here with this project's service connections \
        and secrets.",
    remediation: &[
        "Prefer importing the repository into Azure Repos (Repos > Import repository) and pointing the pipeline \
         at it, so branch policies and the organization's access control apply.",
        "If it must stay external: protect its default branch there (required reviews), turn off CI and \
         scheduled triggers from unprotected branches, add branch control to the resources the pipeline uses, \
         and build forks without secrets.",
    ],
    references: &[
        "https://learn.microsoft.com/azure/devops/pipelines/repos/",
        "https://learn.microsoft.com/azure/devops/pipelines/security/repos",
    ],
    permissions: "Build (read): build/definitions",
    defender: None,
    azsk: &[
        "ADO_Build_SI_Review_External_Sources",
        "ADO_Build_DP_Disable_CI_On_External_Sources",
    ],
    evaluate,
};

fn evaluate(inv: &Inventory, out: &mut Results) {
    for p in inv.pipelines() {
        let outcome = match (listed(inv, &p), p.value.repository_type.as_deref()) {
            (Err(o), _) => o,
            (Ok(()), None) => Outcome::unknown(format!(
                "the definition of pipeline {} did not include its repository type",
                p.name
            )),
            (Ok(()), Some(t)) if t.eq_ignore_ascii_case("TfsGit") => {
                Outcome::pass(format!("pipeline {} builds a repository of Azure Repos", p.name))
            }
            (Ok(()), Some(t)) => Outcome::fail(format!(
                "pipeline {} builds an external {t} repository: what runs is controlled outside this \
                    organization",
                p.name
            )),
        };
        out.push(&p, outcome);
    }
}

#[cfg(test)]
mod tests {
    use super::super::test_support::*;
    use crate::Status;
    use crate::checks::testing::{run, statuses};
    use crate::fixture::Estate;

    #[test]
    fn azure_repos_passes() {
        assert_eq!(statuses(&super::CHECK, &pipe(|_| {})), [Status::Pass]);
    }

    #[test]
    fn external_repository_fails() {
        let r = run(
            &super::CHECK,
            &pipe(|p| p.repository_type = Some("GitHub".into())),
        );
        assert_eq!(r[0].0, Status::Fail);
        assert!(r[0].1.contains("GitHub"), "{}", r[0].1);
    }

    #[test]
    fn unread_type_or_stale_pipeline_is_unknown() {
        assert_eq!(statuses(&super::CHECK, &Estate::unreadable()), [Status::Unknown]);
        assert_eq!(
            statuses(&super::CHECK, &pipe(|p| p.repository_type = None)),
            [Status::Unknown]
        );
        assert_eq!(statuses(&super::CHECK, &stale(pipe(|_| {}))), [Status::Unknown]);
    }
}
