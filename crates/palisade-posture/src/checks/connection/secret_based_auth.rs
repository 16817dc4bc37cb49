use palisade_domain::{ResourceKind, Severity};

use super::listed;
use crate::{Check, Inventory, Outcome, Results};

pub(crate) static CHECK: Check = Check {
    id: "ado.service-connection.secret-based-auth",
    title: "Service connections should authenticate without stored secrets",
    severity: Severity::Medium,
    target: ResourceKind::ServiceConnection,
    rationale: "A connection that stores a client secret, password, token or certificate hands a long-lived \
        credential to every job that uses it: a malicious step reads it from the task's environment and uses \
        it from anywhere, for as long as it stays valid. Workload identity federation and managed identities \
        issue short-lived tokens bound to the pipeline run instead.",
    remediation: &[
        "Azure Resource Manager: Project settings > Service connections > the connection > Edit > Convert (to \
         workload identity federation), or create a new connection with Workload identity federation and \
         delete the old one; then remove the client secret from the app registration in Entra ID.",
        "GitHub: use the Azure Pipelines GitHub App (installation token) instead of a personal access token or \
         OAuth grant.",
        "Other types: prefer a federated or managed-identity option where the service offers one; otherwise \
         use a narrowly scoped, short-lived credential and rotate it.",
    ],
    references: &[
        "https://learn.microsoft.com/azure/devops/pipelines/release/configure-workload-identity",
        "https://learn.microsoft.com/azure/devops/pipelines/library/connect-to-azure",
    ],
    permissions: "Service Connections (read): serviceendpoint/endpoints (authorization scheme only; secrets are never returned)",
    defender: None,
    azsk: &[
        "ADO_ServiceConnection_AuthN_Use_Secure_Auth_Method",
        "ADO_ServiceConnection_AuthN_Use_Cert_Auth_for_SPN",
    ],
    evaluate,
};

/// Schemes that keep no long-lived credential in Azure DevOps.
const SECRETLESS: &[&str] = &[
    "WorkloadIdentityFederation",
    "ManagedServiceIdentity",
    "InstallationToken",
];

fn evaluate(inv: &Inventory, out: &mut Results) {
    for c in inv.service_connections() {
        let scheme = c.value.auth_scheme.as_str();
        let outcome = match listed(inv, &c) {
            Err(o) => o,
            Ok(()) if scheme.is_empty() => Outcome::unknown(format!(
                "the details of service connection {} did not include its authorization scheme",
                c.name
            )),
            Ok(()) if scheme.eq_ignore_ascii_case("None") => Outcome::not_applicable(format!(
                "service connection {} uses no credential (scheme None)",
                c.name
            )),
            Ok(()) if SECRETLESS.iter().any(|s| s.eq_ignore_ascii_case(scheme)) => Outcome::pass(format!(
                "service connection {} authenticates with {scheme}: no stored secret",
                c.name
            )),
            Ok(()) => Outcome::fail(format!(
                "service connection {} ({}) authenticates with a stored credential (scheme {scheme})",
                c.name, c.value.endpoint_type
            )),
        };
        out.push(&c, outcome);
    }
}

#[cfg(test)]
mod tests {
    use super::super::test_support::*;
    use crate::Status;
    use crate::checks::testing::{run, statuses};
    use crate::fixture::Estate;

    #[test]
    fn federated_or_managed_identity_passes() {
        assert_eq!(statuses(&super::CHECK, &conn(|_| {})), [Status::Pass]);
        let msi = conn(|c| c.auth_scheme = "ManagedServiceIdentity".into());
        assert_eq!(statuses(&super::CHECK, &msi), [Status::Pass]);
    }

    #[test]
    fn stored_secrets_fail() {
        for s in [
            "ServicePrincipal",
            "UsernamePassword",
            "Token",
            "PersonalAccessToken",
        ] {
            let r = run(&super::CHECK, &conn(|c| c.auth_scheme = s.into()));
            assert_eq!(r[0].0, Status::Fail, "{s}");
            assert!(r[0].1.contains(s), "{}", r[0].1);
        }
    }

    #[test]
    fn no_credential_is_not_applicable() {
        assert_eq!(
            statuses(&super::CHECK, &conn(|c| c.auth_scheme = "None".into())),
            [Status::NotApplicable]
        );
    }

    #[test]
    fn unknown_scheme_or_stale_connection_is_unknown() {
        assert_eq!(statuses(&super::CHECK, &Estate::unreadable()), [Status::Unknown]);
        assert_eq!(
            statuses(&super::CHECK, &conn(|c| c.auth_scheme = String::new())),
            [Status::Unknown]
        );
        assert_eq!(statuses(&super::CHECK, &stale(conn(|_| {}))), [Status::Unknown]);
    }
}
