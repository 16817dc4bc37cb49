use palisade_domain::{ResourceKind, Severity};

use super::self_hosted_pools;
use crate::{Check, Inventory, Outcome, Results};

pub(crate) static CHECK: Check = Check {
    id: "ado.agent-pool.auto-update-off",
    title: "Self-hosted agent pools should let their agents update themselves",
    severity: Severity::Medium,
    target: ResourceKind::AgentPool,
    rationale: "Agents that do not update keep running agent versions with known vulnerabilities and miss \
        security features (such as shell argument validation and newer task restrictions); pinned agents \
        are also a common way for an old, unpatched build host to linger unnoticed.",
    remediation: &[
        "Organization settings > Agent pools > the pool > Settings: turn on \"Allow agents in this pool to \
         automatically update\".",
        "Or PATCH _apis/distributedtask/pools/{poolId}?api-version=7.1 with {\"autoUpdate\": true}.",
        "Update agents that are already behind: Agent pools > the pool > Agents > Update all agents.",
    ],
    references: &[
        "https://learn.microsoft.com/azure/devops/pipelines/agents/pools-queues",
        "https://learn.microsoft.com/azure/devops/pipelines/agents/agents",
    ],
    permissions: "Agent Pools (read) at organization level: GET _apis/distributedtask/pools",
    defender: None,
    azsk: &["ADO_AgentPool_DP_Enable_Auto_Update"],
    evaluate,
};

fn evaluate(inv: &Inventory, out: &mut Results) {
    self_hosted_pools(inv, out, |pool| match pool.value.auto_update {
        Some(true) => Outcome::pass("agents of the pool update themselves"),
        Some(false) => Outcome::fail(
            "automatic agent updates are off: agents keep running outdated \
            versions",
        ),
        None => Outcome::unknown(
            "the pool listing did not say whether its agents update themselves (autoUpdate was not \
                collected)",
        ),
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
    fn auto_update_on_passes() {
        assert_eq!(
            statuses(&CHECK, &with_pool(|p| p.auto_update = Some(true))),
            [Status::Pass]
        );
    }

    #[test]
    fn auto_update_off_fails() {
        assert_eq!(
            statuses(&CHECK, &with_pool(|p| p.auto_update = Some(false))),
            [Status::Fail]
        );
    }

    #[test]
    fn hosted_pool_not_applicable() {
        let hosted = with_pool(|p| {
            p.is_hosted = true;
            p.auto_update = Some(false);
        });
        assert_eq!(statuses(&CHECK, &hosted), [Status::NotApplicable]);
    }

    #[test]
    fn unsaid_or_unread_is_unknown() {
        assert_eq!(
            statuses(&CHECK, &with_pool(|p| p.auto_update = None)),
            [Status::Unknown]
        );
        assert_eq!(statuses(&CHECK, &Estate::unreadable()), [Status::Unknown]);
    }
}
