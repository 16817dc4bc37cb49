//! GitHub Actions rules (`iac.github-actions.*`), one per file.

pub(crate) mod action_not_pinned_to_sha;
pub(crate) mod permissions_missing;
pub(crate) mod permissions_write_all;
pub(crate) mod plaintext_secret_env;
pub(crate) mod pr_workflow_write_permissions;
pub(crate) mod pull_request_target_checkout_head;
pub(crate) mod remote_script_piped_to_shell;
pub(crate) mod script_injection;
pub(crate) mod secret_in_curl_command;
pub(crate) mod secret_printed;
pub(crate) mod self_hosted_runner_pull_request;
pub(crate) mod unsecure_commands_allowed;
