//! `iac.google.firewall-ssh-from-internet`: SSH (port 22) open to 0.0.0.0/0.

use palisade_domain::{RuleMatch, Severity, StaticRule};

use super::gcp_firewalls_open_on;
use crate::rules::hit;
use crate::terraform::Module;

pub(crate) static RULE: StaticRule = StaticRule {
    id: "iac.google.firewall-ssh-from-internet",
    name: "VPC firewall allows SSH from the internet",
    severity: Severity::High,
    framework: "terraform",
    checkov: &["CKV_GCP_2"],
    description: "An ingress rule allowing TCP 22 from 0.0.0.0/0 exposes every matching VM to credential brute force and exploits of the SSH service from anywhere on the internet.",
    remediation: "Narrow `source_ranges` to administrator ranges, or use Identity-Aware Proxy TCP forwarding (35.235.240.0/20) instead of public SSH.",
    references: &[
        "https://cloud.google.com/iap/docs/using-tcp-forwarding",
        "https://cloud.google.com/firewall/docs/firewalls",
    ],
    example_path: "firewall.tf",
    positive: &[
        r#"resource "google_compute_firewall" "admin" {
  name    = "allow-admin"
  network = google_compute_network.main.name
  allow {
    protocol = "tcp"
    ports    = ["22"]
  }
  source_ranges = ["0.0.0.0/0"]
}"#,
        r#"resource "google_compute_firewall" "wide" {
  name    = "allow-range"
  network = google_compute_network.main.name
  allow {
    protocol = "tcp"
    ports    = ["1-65535"]
  }
  source_ranges = ["0.0.0.0/0"]
}"#,
    ],
    negative: &[
        r#"resource "google_compute_firewall" "admin" {
  name    = "allow-admin-iap"
  network = google_compute_network.main.name
  allow {
    protocol = "tcp"
    ports    = ["22"]
  }
  source_ranges = ["35.235.240.0/20"]
}"#,
        r#"resource "google_compute_firewall" "web" {
  name    = "allow-web"
  network = google_compute_network.main.name
  allow {
    protocol = "tcp"
    ports    = ["80", "443"]
  }
  source_ranges = ["0.0.0.0/0"]
}"#,
    ],
};

pub(crate) fn check(module: &Module, out: &mut Vec<RuleMatch>) {
    for (pos, subject) in gcp_firewalls_open_on(module, 22) {
        hit(out, &RULE, pos, subject);
    }
}
