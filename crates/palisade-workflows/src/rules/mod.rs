//! The rule catalogue: one file per rule, each holding its [`StaticRule`]
//! (documentation and examples) and a `check` function over the parsed file.

pub(crate) mod azure_pipelines;
pub(crate) mod github_actions;

use palisade_domain::{RuleMatch, StaticRule};

use crate::azure::Pipeline;
use crate::github::Workflow;
use crate::yaml::Node;

/// Every rule, sorted by id (a test checks the order).
pub(crate) static ALL: &[&StaticRule] = &[
    &azure_pipelines::access_token_in_script_env::RULE,
    &azure_pipelines::checkout_persists_credentials::RULE,
    &azure_pipelines::container_image_latest_tag::RULE,
    &azure_pipelines::container_image_without_digest::RULE,
    &azure_pipelines::plaintext_secret_variable::RULE,
    &azure_pipelines::pr_build_exposes_secrets::RULE,
    &azure_pipelines::pr_build_self_hosted_pool::RULE,
    &azure_pipelines::remote_script_piped_to_shell::RULE,
    &azure_pipelines::repository_resource_unpinned::RULE,
    &azure_pipelines::script_injection::RULE,
    &azure_pipelines::security_task_continue_on_error::RULE,
    &azure_pipelines::setvariable_from_pr_input::RULE,
    &azure_pipelines::task_version_unpinned::RULE,
    &github_actions::action_not_pinned_to_sha::RULE,
    &github_actions::permissions_missing::RULE,
    &github_actions::permissions_write_all::RULE,
    &github_actions::plaintext_secret_env::RULE,
    &github_actions::pr_workflow_write_permissions::RULE,
    &github_actions::pull_request_target_checkout_head::RULE,
    &github_actions::remote_script_piped_to_shell::RULE,
    &github_actions::script_injection::RULE,
    &github_actions::secret_in_curl_command::RULE,
    &github_actions::secret_printed::RULE,
    &github_actions::self_hosted_runner_pull_request::RULE,
    &github_actions::unsecure_commands_allowed::RULE,
];

/// A rule's check over an Azure Pipelines file.
pub(crate) type AzureCheck = fn(&Pipeline<'_>, &mut Vec<RuleMatch>);
/// A rule's check over a GitHub Actions file.
pub(crate) type GithubCheck = fn(&Workflow<'_>, &mut Vec<RuleMatch>);

pub(crate) static AZURE_CHECKS: &[AzureCheck] = &[
    azure_pipelines::access_token_in_script_env::check,
    azure_pipelines::checkout_persists_credentials::check,
    azure_pipelines::container_image_latest_tag::check,
    azure_pipelines::container_image_without_digest::check,
    azure_pipelines::plaintext_secret_variable::check,
    azure_pipelines::pr_build_exposes_secrets::check,
    azure_pipelines::pr_build_self_hosted_pool::check,
    azure_pipelines::remote_script_piped_to_shell::check,
    azure_pipelines::repository_resource_unpinned::check,
    azure_pipelines::script_injection::check,
    azure_pipelines::security_task_continue_on_error::check,
    azure_pipelines::setvariable_from_pr_input::check,
    azure_pipelines::task_version_unpinned::check,
];

pub(crate) static GITHUB_CHECKS: &[GithubCheck] = &[
    github_actions::action_not_pinned_to_sha::check,
    github_actions::permissions_missing::check,
    github_actions::permissions_write_all::check,
    github_actions::plaintext_secret_env::check,
    github_actions::pr_workflow_write_permissions::check,
    github_actions::pull_request_target_checkout_head::check,
    github_actions::remote_script_piped_to_shell::check,
    github_actions::script_injection::check,
    github_actions::secret_in_curl_command::check,
    github_actions::secret_printed::check,
    github_actions::self_hosted_runner_pull_request::check,
    github_actions::unsecure_commands_allowed::check,
];

/// Records a match of `rule` at `node`.
pub(crate) fn report(out: &mut Vec<RuleMatch>, rule: &'static StaticRule, node: &Node, subject: String) {
    report_at(out, rule, (node.line, node.column), subject);
}

/// Records a match of `rule` at a `(line, column)`.
pub(crate) fn report_at(
    out: &mut Vec<RuleMatch>,
    rule: &'static StaticRule,
    (line, column): (u32, u32),
    subject: String,
) {
    out.push(RuleMatch {
        rule,
        line: line.max(1),
        column: column.max(1),
        subject,
    });
}
