//! `iac.google.sql-ssl-not-required`: database connections may be unencrypted.

use palisade_domain::{RuleMatch, Severity, StaticRule};

use crate::rules::hit;
use crate::terraform::Module;

pub(crate) static RULE: StaticRule = StaticRule {
    id: "iac.google.sql-ssl-not-required",
    name: "Cloud SQL instance does not require SSL",
    severity: Severity::Medium,
    framework: "terraform",
    checkov: &["CKV_GCP_6"],
    description: "If SSL is not required, clients may connect in plain text and credentials and query results cross the network readable and alterable by anyone on the path.",
    remediation: "Set `settings { ip_configuration { ssl_mode = \"ENCRYPTED_ONLY\" } }` (or `TRUSTED_CLIENT_CERTIFICATE_REQUIRED`; `require_ssl = true` on older providers).",
    references: &["https://cloud.google.com/sql/docs/mysql/configure-ssl-instance"],
    example_path: "sql.tf",
    positive: &[
        r#"resource "google_sql_database_instance" "main" {
  name             = "main"
  database_version = "POSTGRES_15"
  settings {
    tier = "db-f1-micro"
  }
}"#,
        r#"resource "google_sql_database_instance" "main" {
  name             = "main"
  database_version = "MYSQL_8_0"
  settings {
    tier = "db-f1-micro"
    ip_configuration {
      ipv4_enabled = true
      require_ssl  = false
    }
  }
}"#,
    ],
    negative: &[
        r#"resource "google_sql_database_instance" "main" {
  name             = "main"
  database_version = "POSTGRES_15"
  settings {
    tier = "db-f1-micro"
    ip_configuration {
      ssl_mode = "ENCRYPTED_ONLY"
    }
  }
}"#,
        r#"resource "google_sql_database_instance" "main" {
  name = "main"
  settings {
    ip_configuration {
      require_ssl = true
    }
  }
}"#,
    ],
};

pub(crate) fn check(module: &Module, out: &mut Vec<RuleMatch>) {
    for instance in module.resources("google_sql_database_instance") {
        let Some(settings) = instance.block("settings") else {
            continue;
        };
        if settings.dynamic {
            continue;
        }
        let Some(ip) = settings.block("ip_configuration") else {
            hit(out, &RULE, settings.pos, instance.address());
            continue;
        };
        if ip.dynamic {
            continue;
        }
        let mode = ip.attr("ssl_mode");
        let require = ip.attr("require_ssl");
        let enforced = mode
            .is_some_and(|a| !matches!(a.value.as_str(), Some("ALLOW_UNENCRYPTED_AND_ENCRYPTED")))
            || require.is_some_and(|a| a.value.as_bool() != Some(false));
        if !enforced {
            let pos = mode.or(require).map_or(ip.pos, |a| a.pos);
            hit(out, &RULE, pos, instance.address());
        }
    }
}
