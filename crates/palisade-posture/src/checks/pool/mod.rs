//! Agent pools (organization) and agent queues (their per-project faces).

use palisade_domain::AgentPool;

use crate::{Check, Inventory, Item, Outcome, Results};

mod auto_provisioned;
mod auto_update_off;
mod queue_open_to_all;

pub(super) const CHECKS: &[&Check] = &[
    &auto_provisioned::CHECK,
    &auto_update_off::CHECK,
    &queue_open_to_all::CHECK,
];

/// Judges every self-hosted pool with `judge`; Microsoft-hosted pools are
/// not applicable (Microsoft runs and updates their agents) and every pool is
/// unknown when the last pool listing failed.
pub(super) fn self_hosted_pools(
    inv: &Inventory,
    out: &mut Results,
    judge: impl Fn(&Item<'_, AgentPool>) -> Outcome,
) {
    for pool in inv.agent_pools() {
        let outcome = if pool.value.is_hosted {
            Outcome::not_applicable("a Microsoft-hosted pool: Microsoft provisions and updates its agents")
        } else if let Some(why) = inv.org_unread(pool.org_id, "agent-pool") {
            Outcome::unknown(format!("{why}; the pool's settings may have changed since"))
        } else {
            judge(&pool)
        };
        out.push(&pool, outcome);
    }
}

#[cfg(test)]
pub(super) mod testing {
    use palisade_domain::{AgentPool, Resource};

    use crate::fixture::{Estate, agent_pool};

    /// The fixture estate with one self-hosted pool changed by `f`.
    pub(crate) fn with_pool(f: impl Fn(&mut AgentPool)) -> Estate {
        let mut pool = agent_pool(1, "Default");
        f(&mut pool);
        Estate::new().with(Resource::AgentPool(pool))
    }
}
