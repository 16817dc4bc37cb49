use palisade_domain::{ResourceKind, Severity};

use super::listed;
use crate::checks::common::secret_like_name;
use crate::{Check, Inventory, Outcome, Results};

pub(crate) static CHECK: Check = Check {
    id: "ado.pipeline.plaintext-secret-names",
    title: "Pipeline variables that hold secrets should be marked secret",
    severity: Severity::High,
    target: ResourceKind::Pipeline,
    rationale: "A variable named like a password or token but not marked secret is stored and shown in clear: \
        anyone who can view the pipeline definition reads it, it appears unmasked in logs, and the definition \
        API (and its history) hands it to every reader of the project.",
    remediation: &[
        "Pipelines > the pipeline > Edit > Variables: for each variable named in the result, select \"Keep this \
         value secret\" (then rotate the credential: its old value has been readable).",
        "Better, move it to a variable group linked to Azure Key Vault (Pipelines > Library) and reference the \
         group.",
        "If the variable holds no secret, rename it so it no longer reads like one.",
    ],
    references: &[
        "https://learn.microsoft.com/azure/devops/pipelines/process/set-secret-variables",
        "https://learn.microsoft.com/azure/devops/pipelines/library/link-variable-groups-to-key-vaults",
    ],
    permissions: "Build (read): build/definitions/{id} (variable names and secrecy only; values are never \
        stored)",
    defender: None,
    azsk: &["ADO_Build_DP_No_PlainText_Secrets_In_Definition"],
    evaluate,
};

fn evaluate(inv: &Inventory, out: &mut Results) {
    for p in inv.pipelines() {
        if let Err(o) = listed(inv, &p) {
            out.push(&p, o);
            continue;
        }
        let clear: Vec<&str> = p
            .value
            .variables
            .iter()
            .filter(|v| !v.is_secret && secret_like_name(&v.name))
            .map(|v| v.name.as_str())
            .collect();
        let outcome = if clear.is_empty() {
            Outcome::pass(format!(
                "none of the {} variables of pipeline {} is a secret-like name left in clear",
                p.value.variables.len(),
                p.name
            ))
        } else {
            Outcome::fail(format!(
                "pipeline {} keeps {} in clear (not marked secret): {}",
                p.name,
                if clear.len() == 1 {
                    "a secret-like variable"
                } else {
                    "secret-like variables"
                },
                clear.join(", ")
            ))
        };
        out.push(&p, outcome);
    }
}

#[cfg(test)]
mod tests {
    use palisade_domain::PipelineVariable;

    use super::super::test_support::*;

    use crate::Status;
    use crate::checks::testing::{run, statuses};
    use crate::fixture::Estate;

    fn var(name: &str, is_secret: bool) -> PipelineVariable {
        PipelineVariable {
            name: name.into(),
            is_secret,
            allow_override: false,
        }
    }

    #[test]
    fn secret_or_harmless_variables_pass() {
        let e = pipe(|p| p.variables = vec![var("DB_PASSWORD", true), var("buildConfiguration", false)]);
        assert_eq!(statuses(&super::CHECK, &e), [Status::Pass]);
        assert_eq!(statuses(&super::CHECK, &pipe(|_| {})), [Status::Pass]);
    }

    #[test]
    fn secret_like_variable_in_clear_fails() {
        let e = pipe(|p| p.variables = vec![var("ApiKey", false), var("path", false)]);
        let r = run(&super::CHECK, &e);
        assert_eq!(r[0].0, Status::Fail);
        assert!(
            r[0].1.contains("ApiKey") && !r[0].1.contains("path"),
            "{}",
            r[0].1
        );
    }

    #[test]
    fn stale_pipeline_is_unknown() {
        assert_eq!(statuses(&super::CHECK, &Estate::unreadable()), [Status::Unknown]);
        assert_eq!(statuses(&super::CHECK, &stale(pipe(|_| {}))), [Status::Unknown]);
    }
}
