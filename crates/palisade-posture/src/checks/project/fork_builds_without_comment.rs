use palisade_domain::{ResourceKind, Severity};

use super::fork_protection;
use crate::checks::common::Setting;
use crate::{Check, Inventory, Outcome, Results};

pub(crate) static CHECK: Check = Check {
    id: "ado.project.fork-builds-without-comment",
    title: "Projects that build pull requests from forks should require a team member's comment first",
    severity: Severity::Medium,
    target: ResourceKind::Project,
    rationale: "Without a comment gate every pull request from a fork runs on your agents as soon as it is \
        opened: an attacker can mine cryptocurrency, probe the agent's network or try to escape the job \
        with no person having looked at the change.",
    remediation: &[
        "Project settings > Pipelines > Settings > Triggers: under \"Limit building pull requests from \
         forked GitHub repositories\", turn on \"Require a team member's comment before building a pull \
         request\" (for all pull requests, or at least for those from non-team members).",
        "Or PATCH {project}/_apis/build/generalsettings?api-version=7.1 with \
         {\"isCommentRequiredForPullRequest\": true}.",
        "Organization settings > Pipelines > Settings holds the same switch for every project.",
    ],
    references: &[
        "https://learn.microsoft.com/azure/devops/pipelines/security/repos",
        "https://learn.microsoft.com/azure/devops/pipelines/repos/github#contributions-from-forks",
    ],
    permissions: "Build (read) on the project: GET {project}/_apis/build/generalsettings",
    defender: None,
    azsk: &["ADO_Project_SI_Apply_Secure_Policy_For_PRBuildTrigger_From_ForkedRepo"],
    evaluate,
};

pub(super) const SETTING: Setting = Setting {
    name: "isCommentRequiredForPullRequest",
    secure: true,
    pass: "a team member must comment before a pull request from a fork is built",
    fail: "pull requests from forks are built as soon as they are opened, without a team member's comment",
};

/// Narrows the comment requirement to contributors outside the team.
const NON_TEAM_ONLY: &str = "requireCommentsForNonTeamMembersOnly";

fn evaluate(inv: &Inventory, out: &mut Results) {
    fork_protection(inv, out, &SETTING, |settings| match settings.get(SETTING.name) {
        Some(true) if settings.get(NON_TEAM_ONLY) == Some(&true) => {
            Outcome::pass(format!("{} (for contributors outside the team)", SETTING.pass))
        }
        Some(true) => Outcome::pass(format!("{} (for every contributor)", SETTING.pass)),
        Some(false) => Outcome::fail(SETTING.fail),
        None => Outcome::unknown(format!(
            "the project's pipeline settings did not include `{}`",
            SETTING.name
        )),
    });
}

#[cfg(test)]
mod tests {
    use super::super::testing::{with_org_setting, with_project_setting};
    use super::{CHECK, NON_TEAM_ONLY, SETTING};
    use crate::Status;
    use crate::checks::testing::statuses;

    /// The pass, fail, unknown and not-applicable cases are in
    /// `project::fork_tests`; this covers the narrowing to non-team members.
    #[test]
    fn comment_required_for_non_team_members_only_passes() {
        let non_team = with_org_setting(
            SETTING.name,
            Some(false),
            with_project_setting(SETTING.name, Some(true)),
        )
        .map(|r| {
            if let palisade_domain::Resource::ProjectSettings(s) = r {
                s.pipeline_settings.insert(NON_TEAM_ONLY.into(), true);
            }
        });
        assert_eq!(statuses(&CHECK, &non_team), [Status::Pass]);
    }
}
