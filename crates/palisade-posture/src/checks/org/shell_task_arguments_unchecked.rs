use palisade_domain::{ResourceKind, Severity};

use super::SHELL_TASK_ARGUMENTS;
use crate::checks::common::org_setting;
use crate::{Check, Inventory, Results};

pub(crate) static CHECK: Check = Check {
    id: "ado.org.shell-task-arguments-unchecked",
    title: "Shell task arguments should be validated",
    severity: Severity::Medium,
    target: ResourceKind::Organization,
    rationale: "Built-in script tasks (Bash, PowerShell, Batch, SSH, ...) pass their arguments input to a \
        shell: a value that comes from a queue-time variable or a pull request can carry `; curl ... | sh` \
        and run commands on the agent with the job's token and connections.",
    remediation: &[
        "Organization settings > Pipelines > Settings: under Task restrictions, turn on \"Enable shell \
            tasks arguments validation\".",
    ],
    references: &["https://learn.microsoft.com/azure/devops/pipelines/security/inputs"],
    permissions: "Project Collection Administrator (organization pipeline settings are read through \
        Contribution/HierarchyQuery, ms.vss-build-web.pipelines-org-settings-data-provider)",
    defender: None,
    azsk: &[],
    evaluate,
};

fn evaluate(inv: &Inventory, out: &mut Results) {
    org_setting(inv, out, &SHELL_TASK_ARGUMENTS);
}
