use palisade_domain::{ResourceKind, Severity};

use super::fork_builds;
use crate::{Check, Inventory, Outcome, Results};

pub(crate) static CHECK: Check = Check {
    id: "ado.pipeline.fork-builds-on-self-hosted",
    title: "Builds of forks should not run on self-hosted agents",
    severity: Severity::High,
    target: ResourceKind::Pipeline,
    rationale: "A pull request from a fork runs a stranger's code on the agent. A self-hosted agent is not \
        wiped after the job: the attacker leaves a persistent backdoor that later, trusted builds (with secrets \
        and deployment credentials) run through, and reaches the network the agent sits in.",
    remediation: &[
        "Pipelines > the pipeline > Edit: run pull request builds of forks on a Microsoft-hosted pool (or a \
         separate, ephemeral pool with no network access and no other use).",
        "Or stop building forks: Triggers > Pull request validation > clear \"Build pull requests from forks of \
         this repository\", or Project settings > Pipelines > Settings > Limit building pull requests from \
         forked GitHub repositories > Do not build pull requests from forks.",
    ],
    references: &[
        "https://learn.microsoft.com/azure/devops/pipelines/security/repos#forks",
        "https://learn.microsoft.com/azure/devops/pipelines/repos/github#contributions-from-forks",
    ],
    permissions: "Build (read): build/definitions with triggers; Agent Pools (read): distributedtask/pools",
    defender: None,
    azsk: &["ADO_Build_DP_Do_Not_Use_Forked_Repo_With_Self_Hosted_Agent"],
    evaluate,
};

fn evaluate(inv: &Inventory, out: &mut Results) {
    for p in inv.pipelines() {
        let outcome = match fork_builds(inv, &p) {
            Err(o) => o,
            Ok(_) => match p.value.queue_name.as_deref() {
                None => Outcome::unknown(format!(
                    "pipeline {} builds forks, but its definition did not name its agent pool",
                    p.name
                )),
                Some(queue) => match inv.pool_named(p.org_id, queue) {
                    Some(pool) if pool.is_hosted => Outcome::pass(format!(
                        "pipeline {} builds forks on the Microsoft-hosted pool {queue}",
                        p.name
                    )),
                    Some(_) => Outcome::fail(format!(
                        "pipeline {} builds pull requests from forks on the self-hosted pool {queue}",
                        p.name
                    )),
                    None => Outcome::unknown(match inv.org_unread(p.org_id, "agent-pool") {
                        Some(why) => format!("pipeline {} builds forks on pool {queue}; {why}", p.name),
                        None => format!(
                            "pipeline {} builds forks on {queue}, a pool the last discovery did not find",
                            p.name
                        ),
                    }),
                },
            },
        };
        out.push(&p, outcome);
    }
}

#[cfg(test)]
mod tests {
    use palisade_domain::Resource;

    use super::super::test_support::*;

    use crate::Status;
    use crate::checks::testing::{run, statuses};
    use crate::fixture::*;

    fn on_pool(hosted: bool) -> Estate {
        let mut pool = agent_pool(1, "Azure Pipelines");
        pool.is_hosted = hosted;
        pipe(|p| p.fork_builds = Some(forks(false, false, Some(true)))).with(Resource::AgentPool(pool))
    }

    #[test]
    fn hosted_pool_passes() {
        assert_eq!(statuses(&super::CHECK, &on_pool(true)), [Status::Pass]);
    }

    #[test]
    fn self_hosted_pool_fails() {
        let r = run(&super::CHECK, &on_pool(false));
        assert_eq!(r[0].0, Status::Fail);
        assert!(r[0].1.contains("Azure Pipelines"), "{}", r[0].1);
    }

    #[test]
    fn unknown_pool_is_unknown() {
        assert_eq!(statuses(&super::CHECK, &Estate::unreadable()), [Status::Unknown]);
        let no_pool = pipe(|p| p.fork_builds = Some(forks(false, false, None)));
        assert_eq!(statuses(&super::CHECK, &no_pool), [Status::Unknown]);
        let e = on_pool(false).map(|r| {
            if let Resource::Pipeline(p) = r {
                p.queue_name = None;
            }
        });
        assert_eq!(statuses(&super::CHECK, &e), [Status::Unknown]);
    }

    #[test]
    fn no_fork_builds_is_not_applicable() {
        assert_eq!(statuses(&super::CHECK, &pipe(|_| {})), [Status::NotApplicable]);
        let e = project_setting(on_pool(false), "buildsEnabledForForks", false);
        assert_eq!(statuses(&super::CHECK, &e), [Status::NotApplicable]);
    }
}
