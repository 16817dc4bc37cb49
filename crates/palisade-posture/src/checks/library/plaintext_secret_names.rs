use palisade_domain::{ResourceKind, Severity};

use super::{group_listed, key_vault_backed};
use crate::checks::common::secret_like_name;
use crate::{Check, Inventory, Outcome, Results};

pub(crate) static CHECK: Check = Check {
    id: "ado.variable-group.plaintext-secret-names",
    title: "Variable groups should not hold secrets in plain-text variables",
    severity: Severity::High,
    target: ResourceKind::VariableGroup,
    rationale: "A variable named like a password, token or key but not marked secret keeps its value in \
        clear: every reader of the library sees it, the REST API returns it, and pipeline logs print it \
        unmasked. (Discovery never reads values: the name is the signal.)",
    remediation: &[
        "Pipelines > Library > the variable group: for each variable listed, rotate the credential, then \
         set the new value and click the lock icon to make it secret.",
        "Better: link the group to Azure Key Vault (Link secrets from an Azure key vault as variables).",
        "If the value is not a secret, rename the variable so its name does not read as one.",
    ],
    references: &[
        "https://learn.microsoft.com/azure/devops/pipelines/library/variable-groups",
        "https://learn.microsoft.com/azure/devops/pipelines/process/set-secret-variables",
    ],
    permissions: "Variable Groups (read): GET {project}/_apis/distributedtask/variablegroups",
    defender: None,
    azsk: &["ADO_VariableGroup_DP_No_PlainText_Secrets_In_Variables"],
    evaluate,
};

fn evaluate(inv: &Inventory, out: &mut Results) {
    for g in inv.variable_groups() {
        let outcome = if let Err(why) = group_listed(inv, &g) {
            Outcome::unknown(why)
        } else if key_vault_backed(g.value) {
            Outcome::not_applicable("the group is linked to Azure Key Vault: it stores no values itself")
        } else {
            let plain: Vec<&str> = g
                .value
                .variables
                .iter()
                .filter(|v| !v.is_secret && secret_like_name(&v.name))
                .map(|v| v.name.as_str())
                .collect();
            if plain.is_empty() {
                Outcome::pass("no plain-text variable of the group is named like a secret")
            } else {
                Outcome::fail(format!(
                    "variables named like secrets are not marked secret, so their values are stored and \
                     shown in clear: {}",
                    plain.join(", ")
                ))
            }
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
    fn secrets_marked_secret_pass() {
        assert_eq!(
            statuses(&CHECK, &with(group(&[("DB_PASSWORD", true), ("region", false)]))),
            [Status::Pass]
        );
    }

    #[test]
    fn plain_text_secret_name_fails() {
        assert_eq!(
            statuses(&CHECK, &with(group(&[("DB_PASSWORD", false)]))),
            [Status::Fail]
        );
    }

    #[test]
    fn key_vault_group_not_applicable() {
        let mut g = group(&[("db-password", false)]);
        g.group_type = "AzureKeyVault".into();
        assert_eq!(statuses(&CHECK, &with(g)), [Status::NotApplicable]);
    }

    #[test]
    fn unread_listing_is_unknown() {
        assert_eq!(statuses(&CHECK, &Estate::unreadable()), [Status::Unknown]);
    }
}
