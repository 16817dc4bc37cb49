//! Pipeline library: variable groups and secure files.

use palisade_domain::VariableGroup;

use crate::{Check, Inventory, Item};

mod group_open_to_all;
mod group_secrets_open_to_all;
mod not_key_vault_backed;
mod plaintext_secret_names;
mod secure_file_open_to_all;

pub(super) const CHECKS: &[&Check] = &[
    &group_secrets_open_to_all::CHECK,
    &group_open_to_all::CHECK,
    &plaintext_secret_names::CHECK,
    &not_key_vault_backed::CHECK,
    &secure_file_open_to_all::CHECK,
];

/// Whether the group's values come from Azure Key Vault.
pub(super) fn key_vault_backed(g: &VariableGroup) -> bool {
    g.group_type.eq_ignore_ascii_case("AzureKeyVault")
}

/// Whether the group holds secrets: secret variables, or Key Vault secrets.
pub(super) fn holds_secrets(g: &VariableGroup) -> bool {
    key_vault_backed(g) || g.variables.iter().any(|v| v.is_secret)
}

/// `Ok` when the last walk listed the project's variable groups, so what the
/// inventory holds of the group is current; otherwise why not.
pub(super) fn group_listed(inv: &Inventory, g: &Item<'_, VariableGroup>) -> Result<(), String> {
    inv.readable(g.org_id, &g.value.project_id, "variable-group")
}

#[cfg(test)]
pub(super) mod testing {
    use palisade_domain::{Resource, VariableGroup, VariableGroupVariable};

    use crate::fixture::{Estate, PROJECT, permission, variable_group};

    /// A `Vsts` group with variables `(name, is_secret)`.
    pub(crate) fn group(vars: &[(&str, bool)]) -> VariableGroup {
        let mut g = variable_group(1, PROJECT);
        g.variables = vars
            .iter()
            .map(|&(name, is_secret)| VariableGroupVariable {
                name: name.into(),
                is_secret,
            })
            .collect();
        g
    }

    /// The estate with `g` and its pipeline permission (`all`: open to all pipelines).
    pub(crate) fn with_group(g: VariableGroup, all: Option<bool>) -> Estate {
        let id = g.id.to_string();
        Estate::new()
            .with(Resource::VariableGroup(g))
            .with(Resource::PipelinePermission(permission(
                PROJECT,
                "variablegroup",
                &id,
                all,
            )))
    }
}
