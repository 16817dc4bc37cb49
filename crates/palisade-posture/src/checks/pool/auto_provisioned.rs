use palisade_domain::{ResourceKind, Severity};

use super::self_hosted_pools;
use crate::{Check, Inventory, Outcome, Results};

pub(crate) static CHECK: Check = Check {
    id: "ado.agent-pool.auto-provisioned",
    title: "Self-hosted agent pools should not be added to every new project",
    severity: Severity::High,
    target: ResourceKind::AgentPool,
    rationale: "An auto-provisioned pool gets a queue in every new project: pipelines of any project, \
        written by any of its contributors, then run on machines that may hold production network \
        access, cached credentials or other teams' build output, and a job can leave a backdoor on a \
        persistent agent for the next project's job.",
    remediation: &[
        "Organization settings > Agent pools > the pool > Settings: turn off \"Auto-provision this agent \
         pool in all projects\".",
        "Or PATCH _apis/distributedtask/pools/{poolId}?api-version=7.1 with {\"autoProvision\": false}.",
        "Remove the pool's queue from projects that should not use it (Project settings > Agent pools).",
    ],
    references: &[
        "https://learn.microsoft.com/azure/devops/pipelines/agents/pools-queues",
        "https://learn.microsoft.com/azure/devops/pipelines/security/infrastructure",
    ],
    permissions: "Agent Pools (read) at organization level: GET _apis/distributedtask/pools",
    defender: None,
    azsk: &["ADO_AgentPool_AuthZ_Dont_Enable_Auto_Provisioning"],
    evaluate,
};

fn evaluate(inv: &Inventory, out: &mut Results) {
    self_hosted_pools(inv, out, |pool| {
        Outcome::require(
            !pool.value.auto_provision,
            "the pool is added to projects only on request",
            "the pool is auto-provisioned: every new project gets a queue for it and may run jobs on its \
                agents",
        )
    });
}

#[cfg(test)]
mod tests {
    use super::super::testing::with_pool;
    use super::CHECK;
    use crate::Status;
    use crate::checks::testing::statuses;
    use crate::fixture::Estate;

    #[test]
    fn pool_not_auto_provisioned_passes() {
        assert_eq!(
            statuses(&CHECK, &with_pool(|p| p.auto_provision = false)),
            [Status::Pass]
        );
    }

    #[test]
    fn auto_provisioned_pool_fails() {
        assert_eq!(
            statuses(&CHECK, &with_pool(|p| p.auto_provision = true)),
            [Status::Fail]
        );
    }

    #[test]
    fn hosted_pool_not_applicable() {
        let hosted = with_pool(|p| {
            p.is_hosted = true;
            p.auto_provision = true;
        });
        assert_eq!(statuses(&CHECK, &hosted), [Status::NotApplicable]);
    }

    #[test]
    fn unread_pool_listing_is_unknown() {
        assert_eq!(statuses(&CHECK, &Estate::unreadable()), [Status::Unknown]);
    }
}
