use palisade_domain::{ResourceKind, Severity};

use super::{COMMENT_REQUIRED, Enforced, enforced, fork_builds};
use crate::{Check, Inventory, Outcome, Results};

pub(crate) static CHECK: Check = Check {
    id: "ado.pipeline.fork-builds-without-comment",
    title: "Builds of pull requests from forks should wait for a team member's comment",
    severity: Severity::Medium,
    target: ResourceKind::Pipeline,
    rationale: "Without a comment gate every pull request from a fork runs at once: a stranger's code executes \
        on the project's agents (crypto-mining, probing the network a self-hosted agent sits in, poisoning \
        caches) before anyone has looked at it.",
    remediation: &[
        "Pipelines > the pipeline > Edit > ⋮ > Triggers > Pull request validation: turn on \"Require a team \
         member's comment before building a pull request\" (for all pull requests, or at least those from \
         non-team members).",
        "Enforce it for every pipeline: Project settings > Pipelines > Settings > Limit building pull requests \
         from forked GitHub repositories > Securely build pull requests from forked repositories.",
    ],
    references: &[
        "https://learn.microsoft.com/azure/devops/pipelines/repos/github#comment-triggers",
        "https://learn.microsoft.com/azure/devops/pipelines/security/repos#forks",
    ],
    permissions: "Build (read): build/definitions with triggers; build/generalsettings of the project",
    defender: None,
    azsk: &[],
    evaluate,
};

fn evaluate(inv: &Inventory, out: &mut Results) {
    for p in inv.pipelines() {
        let outcome = match fork_builds(inv, &p) {
            Err(o) => o,
            Ok(f) if f.comment_required == Some(true) => Outcome::pass(format!(
                "pipeline {} builds a fork's pull request only after a team member comments",
                p.name
            )),
            Ok(f) => match enforced(inv, p.org_id, p.project_id.unwrap_or_default(), &COMMENT_REQUIRED) {
                Enforced::By(who) => Outcome::pass(format!(
                    "pipeline {} does not require a comment itself, but {who}: {}",
                    p.name, COMMENT_REQUIRED.pass
                )),
                Enforced::No if f.comment_required == Some(false) => Outcome::fail(format!(
                    "pipeline {} builds pull requests from forks without a team member's comment",
                    p.name
                )),
                Enforced::No => Outcome::unknown(format!(
                    "the pull request trigger of pipeline {} did not say whether a comment is required \
                     (isCommentRequiredForPullRequest), and the project does not require one",
                    p.name
                )),
                Enforced::Unknown(why) => Outcome::unknown(format!(
                    "pipeline {} builds forks without requiring a comment; {why}",
                    p.name
                )),
            },
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

    const S: &str = "isCommentRequiredForPullRequest";

    #[test]
    fn comment_required_passes() {
        let e = setting(
            pipe(|p| p.fork_builds = Some(forks(false, false, Some(true)))),
            S,
            false,
        );
        assert_eq!(statuses(&super::CHECK, &e), [Status::Pass]);
        let e = project_setting(
            setting(
                pipe(|p| p.fork_builds = Some(forks(false, false, Some(false)))),
                S,
                false,
            ),
            S,
            true,
        );
        assert_eq!(statuses(&super::CHECK, &e), [Status::Pass]);
    }

    #[test]
    fn no_comment_fails() {
        let e = setting(
            pipe(|p| p.fork_builds = Some(forks(false, false, Some(false)))),
            S,
            false,
        );
        let r = run(&super::CHECK, &e);
        assert_eq!(r[0].0, Status::Fail);
        assert!(r[0].1.contains("pipeline-1"), "{}", r[0].1);
    }

    #[test]
    fn unknown_trigger_or_settings_are_unknown() {
        assert_eq!(statuses(&super::CHECK, &Estate::unreadable()), [Status::Unknown]);
        let e = setting(
            pipe(|p| p.fork_builds = Some(forks(false, false, None))),
            S,
            false,
        );
        assert_eq!(statuses(&super::CHECK, &e), [Status::Unknown]);
        let e = settings_unreadable(pipe(|p| p.fork_builds = Some(forks(false, false, Some(false)))));
        assert_eq!(statuses(&super::CHECK, &e), [Status::Unknown]);
    }

    #[test]
    fn no_fork_builds_is_not_applicable() {
        assert_eq!(statuses(&super::CHECK, &pipe(|_| {})), [Status::NotApplicable]);
    }
}
