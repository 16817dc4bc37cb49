use palisade_domain::{ResourceKind, Severity};

use super::{NO_SECRETS_FOR_FORKS, fork_builds, unless_enforced};
use crate::{Check, Inventory, Outcome, Results};

pub(crate) static CHECK: Check = Check {
    id: "ado.pipeline.fork-builds-get-secrets",
    title: "Pipelines should not make secrets available to builds of forks",
    severity: Severity::High,
    target: ResourceKind::Pipeline,
    rationale: "Anyone on GitHub can fork a public repository and open a pull request whose code or pipeline \
        YAML prints or sends out environment variables. If builds of forks get secrets, that stranger's build \
        receives the pipeline's secret variables, secure files and service connection credentials.",
    remediation: &[
        "Pipelines > the pipeline > Edit > ⋮ > Triggers > Pull request validation: turn off \"Make secrets \
         available to builds of forks\".",
        "Enforce it for every pipeline: Project settings > Pipelines > Settings > Limit building pull requests \
         from forked GitHub repositories > Securely build pull requests from forked repositories (or the same \
         setting in Organization settings).",
    ],
    references: &[
        "https://learn.microsoft.com/azure/devops/pipelines/repos/github#contributions-from-forks",
        "https://learn.microsoft.com/azure/devops/pipelines/security/repos#forks",
        "https://learn.microsoft.com/azure/defender-for-cloud/recommendations-reference-devops",
    ],
    permissions: "Build (read): build/definitions with triggers; build/generalsettings of the project",
    defender: Some("Azure DevOps pipelines shouldn't have secrets available to builds of forks"),
    azsk: &["ADO_Build_DP_Dont_Make_Secrets_Available_To_Forked_Builds"],
    evaluate,
};

fn evaluate(inv: &Inventory, out: &mut Results) {
    for p in inv.pipelines() {
        let outcome = match fork_builds(inv, &p) {
            Err(o) => o,
            Ok(f) if !f.allow_secrets => {
                Outcome::pass(format!("pipeline {} builds forks without secrets", p.name))
            }
            Ok(_) => unless_enforced(
                inv,
                &p,
                &NO_SECRETS_FOR_FORKS,
                "makes secrets available to builds of forks",
            ),
        };
        out.push(&p, outcome);
    }
}

#[cfg(test)]
mod tests {
    use super::super::test_support::*;
    use crate::Status;
    use crate::fixture::Estate;

    const S: &str = "enforceNoAccessToSecretsFromForks";

    #[test]
    fn no_secrets_or_enforced_passes() {
        let e = setting(
            pipe(|p| p.fork_builds = Some(forks(false, false, Some(true)))),
            S,
            false,
        );
        assert_eq!(statuses(&super::CHECK, &e), [Status::Pass]);
        let e = project_setting(
            setting(pipe(|p| p.fork_builds = Some(forks(true, false, None))), S, false),
            S,
            true,
        );
        let r = run(&super::CHECK, &e);
        assert_eq!(r[0].0, Status::Pass);
        assert!(r[0].1.contains("project"), "{}", r[0].1);
    }

    #[test]
    fn secrets_to_forks_fails() {
        let e = setting(pipe(|p| p.fork_builds = Some(forks(true, false, None))), S, false);
        let r = run(&super::CHECK, &e);
        assert_eq!(r[0].0, Status::Fail);
        assert!(r[0].1.contains("pipeline-1"), "{}", r[0].1);
    }

    #[test]
    fn unread_settings_or_stale_pipeline_are_unknown() {
        assert_eq!(statuses(&super::CHECK, &Estate::unreadable()), [Status::Unknown]);
        let e = settings_unreadable(pipe(|p| p.fork_builds = Some(forks(true, false, None))));
        assert_eq!(statuses(&super::CHECK, &e), [Status::Unknown]);
        let e = stale(pipe(|p| p.fork_builds = Some(forks(false, false, None))));
        assert_eq!(statuses(&super::CHECK, &e), [Status::Unknown]);
    }

    #[test]
    fn no_fork_builds_is_not_applicable() {
        assert_eq!(statuses(&super::CHECK, &pipe(|_| {})), [Status::NotApplicable]);
        let mut off = forks(true, true, None);
        off.enabled = false;
        assert_eq!(
            statuses(&super::CHECK, &pipe(|p| p.fork_builds = Some(off))),
            [Status::NotApplicable]
        );
        // The project does not build forks at all.
        let e = project_setting(
            setting(pipe(|p| p.fork_builds = Some(forks(true, true, None))), S, false),
            "buildsEnabledForForks",
            false,
        );
        assert_eq!(statuses(&super::CHECK, &e), [Status::NotApplicable]);
    }
}
