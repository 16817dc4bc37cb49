use palisade_domain::{ResourceKind, Severity};

use super::{group_listed, key_vault_backed};
use crate::{Check, Inventory, Outcome, Results};

pub(crate) static CHECK: Check = Check {
    id: "ado.variable-group.not-key-vault-backed",
    title: "Variable groups with secrets should be linked to Azure Key Vault",
    severity: Severity::Low,
    target: ResourceKind::VariableGroup,
    rationale: "Secrets typed into a variable group have no rotation, expiry or access log of their own and \
        are copied from group to group; in Azure Key Vault they are rotated in one place, access is \
        audited and can be revoked without editing pipelines.",
    remediation: &[
        "Move the secrets into an Azure Key Vault, then Pipelines > Library > the variable group: turn on \
         \"Link secrets from an Azure key vault as variables\" and pick the vault through a service \
         connection with only Get and List on secrets.",
    ],
    references: &[
        "https://learn.microsoft.com/azure/devops/pipelines/library/link-variable-groups-to-key-vaults",
        "https://learn.microsoft.com/azure/devops/pipelines/release/azure-key-vault",
    ],
    permissions: "Variable Groups (read): GET {project}/_apis/distributedtask/variablegroups",
    defender: None,
    azsk: &["ADO_VariableGroup_DP_Store_Secrets_In_KeyVault"],
    evaluate,
};

fn evaluate(inv: &Inventory, out: &mut Results) {
    for g in inv.variable_groups() {
        let secrets = g.value.variables.iter().filter(|v| v.is_secret).count();
        let outcome = if let Err(why) = group_listed(inv, &g) {
            Outcome::unknown(why)
        } else if key_vault_backed(g.value) {
            Outcome::pass("the group's secrets come from Azure Key Vault")
        } else if secrets == 0 {
            Outcome::not_applicable("the group holds no secret variables")
        } else {
            Outcome::fail(format!(
                "{secrets} secret variable(s) are stored in Azure DevOps instead of Azure Key Vault"
            ))
        };
        out.push(&g, outcome);
    }
}

#[cfg(test)]
mod tests {
    use palisade_domain::Resource;

    use super::super::testing::group;
    use super::CHECK;
    use crate::Status;
    use crate::checks::testing::statuses;
    use crate::fixture::Estate;

    fn with(g: palisade_domain::VariableGroup) -> Estate {
        Estate::new().with(Resource::VariableGroup(g))
    }

    #[test]
    fn key_vault_group_passes() {
        let mut g = group(&[("db-password", true)]);
        g.group_type = "AzureKeyVault".into();
        assert_eq!(statuses(&CHECK, &with(g)), [Status::Pass]);
    }

    #[test]
    fn secrets_stored_in_group_fail() {
        assert_eq!(
            statuses(&CHECK, &with(group(&[("apiKey", true)]))),
            [Status::Fail]
        );
    }

    #[test]
    fn group_without_secrets_not_applicable() {
        assert_eq!(
            statuses(&CHECK, &with(group(&[("region", false)]))),
            [Status::NotApplicable]
        );
    }

    #[test]
    fn unread_listing_is_unknown() {
        assert_eq!(statuses(&CHECK, &Estate::unreadable()), [Status::Unknown]);
    }
}
