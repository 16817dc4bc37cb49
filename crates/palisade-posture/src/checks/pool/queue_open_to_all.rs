use palisade_domain::{ResourceKind, Severity};

use crate::{Check, Inventory, Outcome, Results};

pub(crate) static CHECK: Check = Check {
    id: "ado.agent-queue.open-to-all-pipelines",
    title: "Agent queues should not grant access to all pipelines",
    severity: Severity::High,
    // One result per queue permission; a project whose permissions could
    // not be read gets one unknown result on the project itself.
    target: ResourceKind::PipelinePermission,
    rationale: "A queue open to all pipelines lets any pipeline of the project, including one a \
        contributor adds in a branch, run jobs on the pool's agents: on a self-hosted pool that is code \
        execution on machines with network reach into production and with whatever the previous job \
        left behind.",
    remediation: &[
        "Project settings > Agent pools > the pool > Security: under Pipeline permissions, remove \"open \
         access\" (⋮ > Restrict permission) and authorize only the pipelines that need the pool.",
        "Or PATCH {project}/_apis/pipelines/pipelinepermissions/queue/{queueId}?api-version=7.1-preview.1 \
         with {\"allPipelines\": {\"authorized\": false}}.",
    ],
    references: &[
        "https://learn.microsoft.com/azure/devops/pipelines/agents/pools-queues#pipeline-permissions",
        "https://learn.microsoft.com/azure/devops/pipelines/security/resources",
    ],
    permissions: "Agent Pools (read) and Build (read) on the project: \
        pipelinepermissions/queue/{queueId} for the queues its pipelines use",
    defender: None,
    azsk: &["ADO_AgentPool_AuthZ_Dont_Grant_All_Pipelines_Access"],
    evaluate,
};

fn evaluate(inv: &Inventory, out: &mut Results) {
    for p in inv.projects() {
        if let Err(why) = inv.readable(p.org_id, &p.value.id, ResourceKind::PipelinePermission.as_str()) {
            out.push(&p, Outcome::unknown(why));
        }
    }
    for q in inv
        .pipeline_permissions()
        .filter(|q| q.value.resource_type.eq_ignore_ascii_case("queue"))
    {
        let project = q.value.project_id.as_str();
        if inv
            .readable(q.org_id, project, ResourceKind::PipelinePermission.as_str())
            .is_err()
        {
            continue;
        }
        let outcome = if q.value.all_pipelines == Some(true) {
            Outcome::fail(format!(
                "agent queue {} is open to every pipeline of the project: any pipeline may run jobs on its agents",
                q.value.resource_id
            ))
        } else {
            Outcome::pass(format!(
                "only authorized pipelines may use agent queue {} ({} authorized)",
                q.value.resource_id,
                q.value.pipeline_ids.len()
            ))
        };
        out.push(&q, outcome);
    }
}

#[cfg(test)]
mod tests {
    use palisade_domain::Resource;

    use super::CHECK;
    use crate::Status;
    use crate::checks::testing::statuses;
    use crate::fixture::{Estate, PROJECT, permission};

    #[test]
    fn open_queue_fails_and_restricted_passes() {
        let queue = |all| {
            Estate::new().with(Resource::PipelinePermission(permission(
                PROJECT, "queue", "1", all,
            )))
        };
        assert_eq!(statuses(&CHECK, &queue(Some(true))), [Status::Fail]);
        assert_eq!(statuses(&CHECK, &queue(Some(false))), [Status::Pass]);
        assert_eq!(statuses(&CHECK, &queue(None)), [Status::Pass]);
        // Other permission types are not queues.
        let endpoint = Estate::new().with(Resource::PipelinePermission(permission(
            PROJECT,
            "endpoint",
            "1",
            Some(true),
        )));
        assert!(statuses(&CHECK, &endpoint).is_empty());
    }

    #[test]
    fn unread_permissions_are_unknown() {
        assert_eq!(statuses(&CHECK, &Estate::unreadable()), [Status::Unknown]);
    }
}
