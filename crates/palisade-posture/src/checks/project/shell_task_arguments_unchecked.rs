use palisade_domain::{ResourceKind, Severity};

use crate::checks::common::project_setting;
use crate::checks::org::SHELL_TASK_ARGUMENTS;
use crate::{Check, Inventory, Results};

pub(crate) static CHECK: Check = Check {
    id: "ado.project.shell-task-arguments-unchecked",
    title: "Projects should validate shell task arguments",
    severity: Severity::Medium,
    target: ResourceKind::Project,
    rationale: "Built-in script tasks pass their arguments input to a shell: a value from a queue-time \
        variable or a pull request can carry `; curl ... | sh` and run commands on the agent with the \
        job's token and connections.",
    remediation: &[
        "Project settings > Pipelines > Settings: under Task restrictions, turn on \"Enable shell tasks \
            arguments validation\".",
        "Or PATCH {project}/_apis/build/generalsettings?api-version=7.1 with \
            {\"enableShellTasksArgsSanitizing\": true}.",
        "A setting greyed out here is enforced (or left open) by the organization: fix it once in \
            Organization settings > Pipelines > Settings to cover every project.",
    ],
    references: &["https://learn.microsoft.com/azure/devops/pipelines/security/inputs"],
    permissions: "Build (read) on the project: GET {project}/_apis/build/generalsettings; the \
        organization's enforcement is read as for the ado.org checks (Project Collection Administrator)",
    defender: None,
    azsk: &[],
    evaluate,
};

fn evaluate(inv: &Inventory, out: &mut Results) {
    project_setting(inv, out, &SHELL_TASK_ARGUMENTS);
}
