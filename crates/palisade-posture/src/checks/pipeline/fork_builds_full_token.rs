use palisade_domain::{ResourceKind, Severity};

use super::{JOB_SCOPE_FOR_FORKS, fork_builds, unless_enforced};
use crate::{Check, Inventory, Outcome, Results};

pub(crate) static CHECK: Check = Check {
    id: "ado.pipeline.fork-builds-full-access-token",
    title: "Builds of forks should not get the same permissions as regular builds",
    severity: Severity::High,
    target: ResourceKind::Pipeline,
    rationale: "A build of a fork runs code a stranger wrote. With \"the same permissions as regular builds\" \
        its job access token can read every repository and write to the project (push code, queue other \
        pipelines, change work items), so a malicious pull request reaches far beyond its own build.",
    remediation: &[
        "Pipelines > the pipeline > Edit > ⋮ > Triggers > Pull request validation: turn off \"Make fork builds \
         have the same permissions as regular builds\".",
        "Enforce it for every pipeline: Project settings > Pipelines > Settings > Limit building pull requests \
         from forked GitHub repositories > Securely build pull requests from forked repositories.",
    ],
    references: &[
        "https://learn.microsoft.com/azure/devops/pipelines/repos/github#contributions-from-forks",
        "https://learn.microsoft.com/azure/devops/pipelines/security/repos#forks",
    ],
    permissions: "Build (read): build/definitions with triggers; build/generalsettings of the project",
    defender: None,
    azsk: &["ADO_Build_DP_Dont_Allow_Forked_Builds_Run_As_Regular_Builds"],
    evaluate,
};

fn evaluate(inv: &Inventory, out: &mut Results) {
    for p in inv.pipelines() {
        let outcome = match fork_builds(inv, &p) {
            Err(o) => o,
            Ok(f) if !f.allow_full_access_token => Outcome::pass(format!(
                "pipeline {} builds forks with a restricted token",
                p.name
            )),
            Ok(_) => unless_enforced(
                inv,
                &p,
                &JOB_SCOPE_FOR_FORKS,
                "gives builds of forks the same permissions as regular builds",
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

    const S: &str = "enforceJobAuthScopeForForks";

    #[test]
    fn restricted_token_or_enforced_passes() {
        let e = setting(
            pipe(|p| p.fork_builds = Some(forks(false, false, None))),
            S,
            false,
        );
        assert_eq!(statuses(&super::CHECK, &e), [Status::Pass]);
        // The organization enforces it.
        let e = pipe(|p| p.fork_builds = Some(forks(false, true, None)));
        let r = run(&super::CHECK, &e);
        assert_eq!(r[0].0, Status::Pass);
        assert!(r[0].1.contains("organization"), "{}", r[0].1);
    }

    #[test]
    fn full_token_fails() {
        let e = setting(pipe(|p| p.fork_builds = Some(forks(false, true, None))), S, false);
        assert_eq!(statuses(&super::CHECK, &e), [Status::Fail]);
    }

    #[test]
    fn unread_settings_or_stale_pipeline_are_unknown() {
        assert_eq!(statuses(&super::CHECK, &Estate::unreadable()), [Status::Unknown]);
        let e = settings_unreadable(pipe(|p| p.fork_builds = Some(forks(false, true, None))));
        assert_eq!(statuses(&super::CHECK, &e), [Status::Unknown]);
        let e = stale(pipe(|p| p.fork_builds = Some(forks(false, false, None))));
        assert_eq!(statuses(&super::CHECK, &e), [Status::Unknown]);
    }

    #[test]
    fn no_fork_builds_is_not_applicable() {
        assert_eq!(statuses(&super::CHECK, &pipe(|_| {})), [Status::NotApplicable]);
    }
}
