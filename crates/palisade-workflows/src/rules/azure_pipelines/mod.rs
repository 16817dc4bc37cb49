//! Azure Pipelines rules (`iac.azure-pipelines.*`), one per file.

pub(crate) mod access_token_in_script_env;
pub(crate) mod checkout_persists_credentials;
pub(crate) mod container_image_latest_tag;
pub(crate) mod container_image_without_digest;
pub(crate) mod plaintext_secret_variable;
pub(crate) mod pr_build_exposes_secrets;
pub(crate) mod pr_build_self_hosted_pool;
pub(crate) mod remote_script_piped_to_shell;
pub(crate) mod repository_resource_unpinned;
pub(crate) mod script_injection;
pub(crate) mod security_task_continue_on_error;
pub(crate) mod setvariable_from_pr_input;
pub(crate) mod task_version_unpinned;
