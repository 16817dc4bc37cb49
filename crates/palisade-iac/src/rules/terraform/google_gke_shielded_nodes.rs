//! `iac.google.gke-shielded-nodes-disabled`: GKE nodes without Shielded VM.

use palisade_domain::{RuleMatch, Severity, StaticRule};

use super::bool_setting;
use crate::terraform::Module;

pub(crate) static RULE: StaticRule = StaticRule {
    id: "iac.google.gke-shielded-nodes-disabled",
    name: "GKE cluster has Shielded GKE Nodes disabled",
    severity: Severity::Medium,
    framework: "terraform",
    checkov: &["CKV_GCP_71"],
    description: "Shielded GKE Nodes give nodes a verifiable identity and secure boot; without them an attacker who steals node credentials from a compromised pod can impersonate a node and read the secrets of every pod scheduled to it.",
    remediation: "Remove `enable_shielded_nodes = false` (the default is `true`).",
    references: &["https://cloud.google.com/kubernetes-engine/docs/how-to/shielded-gke-nodes"],
    example_path: "gke.tf",
    positive: &[r#"resource "google_container_cluster" "main" {
  name                  = "main"
  location              = "europe-west1"
  enable_shielded_nodes = false
}"#],
    negative: &[
        r#"resource "google_container_cluster" "main" {
  name                  = "main"
  location              = "europe-west1"
  enable_shielded_nodes = true
}"#,
        r#"resource "google_container_cluster" "main" {
  name     = "main"
  location = "europe-west1"
}"#,
    ],
};

pub(crate) fn check(module: &Module, out: &mut Vec<RuleMatch>) {
    for cluster in module.resources("google_container_cluster") {
        bool_setting(out, &RULE, cluster, &["enable_shielded_nodes"], false, false);
    }
}
