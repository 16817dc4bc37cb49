//! Approvals and checks on protected resources (environments, service
//! connections): which configured checks count as a human approval, and
//! which as branch control.

use palisade_domain::CheckConfiguration;

/// The Approval check type (`pipelines/checks/configurations`).
pub(crate) const APPROVAL_TYPE_ID: &str = "8c6f20a7-a545-4486-9777-f762fafe0d4d";

/// The task a branch-control Task Check runs.
const BRANCH_CONTROL_TASK: &str = "evaluatebranchProtection";

/// Whether one of the checks is an Approval: a person must approve each run
/// that uses the resource.
pub(crate) fn has_approval(checks: &[CheckConfiguration]) -> bool {
    checks.iter().any(|c| {
        c.type_id.eq_ignore_ascii_case(APPROVAL_TYPE_ID) || c.type_name.eq_ignore_ascii_case("Approval")
    })
}

/// Whether one of the checks is branch control: a Task Check running
/// `evaluatebranchProtection`, so only runs from allowed (protected) branches
/// may use the resource.
pub(crate) fn has_branch_control(checks: &[CheckConfiguration]) -> bool {
    checks.iter().any(|c| {
        c.settings
            .pointer("/definitionRef/name")
            .and_then(serde_json::Value::as_str)
            .is_some_and(|n| n.eq_ignore_ascii_case(BRANCH_CONTROL_TASK))
    })
}

#[cfg(test)]
mod tests {
    use palisade_domain::CheckConfiguration;

    use super::*;
    use crate::fixture::{approval, branch_control};

    fn exclusive_lock() -> CheckConfiguration {
        CheckConfiguration {
            id: 9,
            type_id: "2ef31ad6-baa0-403a-8b45-2cbc9b4e5563".into(),
            type_name: "ExclusiveLock".into(),
            settings: serde_json::json!({}),
        }
    }

    #[test]
    fn approval_is_found_by_type_id_or_name() {
        assert!(has_approval(&[exclusive_lock(), approval(1)]));
        let mut by_name = approval(2);
        by_name.type_id = String::new();
        assert!(has_approval(&[by_name]));
        assert!(!has_approval(&[exclusive_lock(), branch_control(3)]));
        assert!(!has_approval(&[]));
    }

    #[test]
    fn branch_control_is_the_evaluate_branch_protection_task() {
        assert!(has_branch_control(&[approval(1), branch_control(2)]));
        assert!(!has_branch_control(&[approval(1), exclusive_lock()]));
        let mut other_task = branch_control(3);
        other_task.settings["definitionRef"]["name"] = "invokeRESTAPI".into();
        assert!(!has_branch_control(&[other_task]));
    }
}
