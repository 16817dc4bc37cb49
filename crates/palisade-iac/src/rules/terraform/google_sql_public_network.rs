//! `iac.google.sql-authorized-network-public`: Cloud SQL open to 0.0.0.0/0.

use palisade_domain::{RuleMatch, Severity, StaticRule};

use crate::rules::hit;
use crate::terraform::Module;

pub(crate) static RULE: StaticRule = StaticRule {
    id: "iac.google.sql-authorized-network-public",
    name: "Cloud SQL instance authorizes the whole internet",
    severity: Severity::High,
    framework: "terraform",
    checkov: &["CKV_GCP_11"],
    description: "An authorized network of 0.0.0.0/0 lets any address on the internet connect to the instance's public IP, leaving only the database password between an attacker and the data.",
    remediation: "List only the client ranges that need access, or turn off the public IP (`ipv4_enabled = false`) and use private IP or the Cloud SQL Auth Proxy.",
    references: &["https://cloud.google.com/sql/docs/mysql/authorize-networks"],
    example_path: "sql.tf",
    positive: &[r#"resource "google_sql_database_instance" "main" {
  name = "main"
  settings {
    tier = "db-f1-micro"
    ip_configuration {
      ipv4_enabled = true
      authorized_networks {
        name  = "anyone"
        value = "0.0.0.0/0"
      }
    }
  }
}"#],
    negative: &[r#"resource "google_sql_database_instance" "main" {
  name = "main"
  settings {
    tier = "db-f1-micro"
    ip_configuration {
      ipv4_enabled = true
      authorized_networks {
        name  = "office"
        value = "203.0.113.0/24"
      }
    }
  }
}"#],
};

pub(crate) fn check(module: &Module, out: &mut Vec<RuleMatch>) {
    for instance in module.resources("google_sql_database_instance") {
        let Some(ip) = instance.path(&["settings", "ip_configuration"]) else {
            continue;
        };
        for network in ip.blocks("authorized_networks") {
            if let Some(a) = network.attr("value")
                && matches!(a.value.as_str(), Some("0.0.0.0/0" | "0.0.0.0"))
            {
                hit(out, &RULE, a.pos, instance.address());
            }
        }
    }
}
