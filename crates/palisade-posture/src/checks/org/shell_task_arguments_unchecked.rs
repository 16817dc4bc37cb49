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

#[cfg(test)]
mod tests {
    use super::super::SHELL_TASK_ARGUMENTS;
    use super::super::testing::{run, with_setting};
    use super::CHECK;
    use crate::Status;
    use crate::fixture::Estate;

    #[test]
    fn secure_value_passes() {
        let s = &SHELL_TASK_ARGUMENTS;
        assert_eq!(run(&CHECK, &with_setting(s.name, Some(s.secure))), [Status::Pass]);
    }

    #[test]
    fn insecure_value_fails() {
        let s = &SHELL_TASK_ARGUMENTS;
        assert_eq!(
            run(&CHECK, &with_setting(s.name, Some(!s.secure))),
            [Status::Fail]
        );
    }

    #[test]
    fn missing_or_unreadable_is_unknown() {
        assert_eq!(
            run(&CHECK, &with_setting(SHELL_TASK_ARGUMENTS.name, None)),
            [Status::Unknown]
        );
        assert_eq!(run(&CHECK, &Estate::unreadable()), [Status::Unknown]);
    }
}
