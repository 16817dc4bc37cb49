use palisade_domain::{ResourceKind, Severity};

use super::{JOB_SCOPE, listed, unless_enforced};
use crate::{Check, Inventory, Outcome, Results};

pub(crate) static CHECK: Check = Check {
    id: "ado.pipeline.collection-job-scope",
    title: "Pipelines should not run with a project-collection-scoped job token",
    severity: Severity::Medium,
    target: ResourceKind::Pipeline,
    rationale: "With the job authorization scope set to the project collection, every run gets a token of the \
        Project Collection Build Service, which can read (and often write) repositories, artifacts and \
        pipelines of every project in the organization: one compromised build step moves laterally across all \
        projects.",
    remediation: &[
        "Pipelines > the pipeline > Edit > ⋮ > Options (classic) or Settings: set Build job authorization scope \
         to Current project.",
        "Enforce it for every pipeline: Project settings > Pipelines > Settings > turn on \"Limit job \
         authorization scope to current project for non-release pipelines\" (or the organization setting).",
    ],
    references: &[
        "https://learn.microsoft.com/azure/devops/pipelines/process/access-tokens#job-authorization-scope",
        "https://learn.microsoft.com/azure/devops/pipelines/security/secure-access-to-repos",
    ],
    permissions: "Build (read): build/definitions; build/generalsettings of the project",
    defender: None,
    azsk: &["ADO_Build_AuthZ_Limit_Pipeline_Scope"],
    evaluate,
};

fn evaluate(inv: &Inventory, out: &mut Results) {
    for p in inv.pipelines() {
        let outcome = match (listed(inv, &p), p.value.job_authorization_scope.as_deref()) {
            (Err(o), _) => o,
            (Ok(()), None) => Outcome::unknown(format!(
                "the definition of pipeline {} did not include its job authorization scope",
                p.name
            )),
            (Ok(()), Some(s)) if s.eq_ignore_ascii_case("projectCollection") => unless_enforced(
                inv,
                &p,
                &JOB_SCOPE,
                "runs with a project-collection-scoped job token",
            ),
            (Ok(()), Some(s)) => Outcome::pass(format!(
                "pipeline {} runs with a job token scoped to its {s}",
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

    const S: &str = "enforceJobAuthScope";

    fn collection() -> Estate {
        pipe(|p| p.job_authorization_scope = Some("projectCollection".into()))
    }

    #[test]
    fn project_scope_or_enforced_passes() {
        assert_eq!(
            statuses(&super::CHECK, &setting(pipe(|_| {}), S, false)),
            [Status::Pass]
        );
        assert_eq!(statuses(&super::CHECK, &collection()), [Status::Pass]);
    }

    #[test]
    fn collection_scope_fails() {
        let r = run(&super::CHECK, &setting(collection(), S, false));
        assert_eq!(r[0].0, Status::Fail);
        assert!(r[0].1.contains("pipeline-1"), "{}", r[0].1);
    }

    #[test]
    fn unread_data_is_unknown() {
        assert_eq!(statuses(&super::CHECK, &Estate::unreadable()), [Status::Unknown]);
        assert_eq!(
            statuses(&super::CHECK, &settings_unreadable(collection())),
            [Status::Unknown]
        );
        assert_eq!(
            statuses(&super::CHECK, &pipe(|p| p.job_authorization_scope = None)),
            [Status::Unknown]
        );
        assert_eq!(statuses(&super::CHECK, &stale(pipe(|_| {}))), [Status::Unknown]);
    }
}
