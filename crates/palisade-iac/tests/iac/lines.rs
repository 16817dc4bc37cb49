//! Matches point at the offending attribute, or at the block when the
//! problem is a missing attribute; subjects name what is wrong.

use crate::hits;

#[test]
fn terraform_points_at_the_attribute_or_the_resource() {
    let tf = r#"
variable "x" {}

resource "azurerm_storage_account" "logs" {
  name                       = "logs"
  min_tls_version            = "TLS1_1"
  https_traffic_only_enabled = false
}

resource "azurerm_linux_web_app" "api" {
  name = "api"
  site_config {
    minimum_tls_version = "1.0"
  }
}
"#;
    assert_eq!(
        hits("infra/main.tf", tf, "iac.azurerm.storage-account-https-only"),
        [(7, "azurerm_storage_account.logs".to_owned())]
    );
    assert_eq!(
        hits("infra/main.tf", tf, "iac.azurerm.storage-account-min-tls"),
        [(6, "azurerm_storage_account.logs".to_owned())]
    );
    // Missing attribute: the resource header.
    assert_eq!(
        hits(
            "infra/main.tf",
            tf,
            "iac.azurerm.storage-account-public-network-access"
        ),
        [(4, "azurerm_storage_account.logs".to_owned())]
    );
    assert_eq!(
        hits("infra/main.tf", tf, "iac.azurerm.app-service-https-only"),
        [(10, "azurerm_linux_web_app.api".to_owned())]
    );
    assert_eq!(
        hits("infra/main.tf", tf, "iac.azurerm.app-service-min-tls"),
        [(13, "azurerm_linux_web_app.api".to_owned())]
    );
}

#[test]
fn terraform_nested_and_dynamic_blocks() {
    let tf = r#"resource "azurerm_network_security_group" "vm" {
  name = "vm"

  security_rule {
    name                       = "ssh"
    direction                  = "Inbound"
    access                     = "Allow"
    protocol                   = "Tcp"
    destination_port_range     = "22"
    source_address_prefix      = "*"
  }

  dynamic "security_rule" {
    for_each = var.rules
    content {
      name                   = security_rule.value.name
      direction              = "Inbound"
      access                 = "Allow"
      destination_port_range = security_rule.value.port
      source_address_prefix  = "*"
    }
  }
}
"#;
    assert_eq!(
        hits("nsg.tf", tf, "iac.azurerm.nsg-ssh-from-internet"),
        [(
            4,
            "azurerm_network_security_group.vm/security_rule ssh".to_owned()
        )]
    );
}

#[test]
fn terraform_unknown_values_are_not_flagged() {
    let tf = r#"resource "azurerm_storage_account" "a" {
  https_traffic_only_enabled      = var.https
  min_tls_version                 = local.tls
  allow_nested_items_to_be_public = "${var.public}"
}
"#;
    for rule in [
        "iac.azurerm.storage-account-https-only",
        "iac.azurerm.storage-account-min-tls",
        "iac.azurerm.storage-account-blob-public-access",
    ] {
        assert!(hits("a.tf", tf, rule).is_empty(), "{rule}");
    }
}

#[test]
fn kubernetes_multi_document_lines_and_subjects() {
    let yaml = "# rendered by helm
---
apiVersion: v1
kind: ConfigMap
metadata:
  name: settings
data:
  a: b
---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  namespace: default
spec:
  template:
    spec:
      hostNetwork: true
      initContainers:
        - name: setup
          image: busybox
      containers:
        - name: nginx
          image: nginx:1.27
          securityContext:
            privileged: true
            allowPrivilegeEscalation: false
";
    assert_eq!(
        hits("chart/out.yaml", yaml, "iac.k8s.privileged-container"),
        [(26, "Deployment/web/container nginx".to_owned())]
    );
    assert_eq!(
        hits("chart/out.yaml", yaml, "iac.k8s.host-network"),
        [(18, "Deployment/web".to_owned())]
    );
    assert_eq!(
        hits("chart/out.yaml", yaml, "iac.k8s.image-latest-tag"),
        [(21, "Deployment/web/initContainer setup".to_owned())]
    );
    // A missing setting points at the container's first line.
    assert_eq!(
        hits("chart/out.yaml", yaml, "iac.k8s.privilege-escalation-allowed"),
        [(20, "Deployment/web/initContainer setup".to_owned())]
    );
    assert_eq!(
        hits("chart/out.yaml", yaml, "iac.k8s.default-namespace"),
        [(14, "Deployment/web".to_owned())]
    );
}

#[test]
fn kubernetes_list_and_cronjob() {
    let yaml = "apiVersion: v1
kind: List
items:
  - apiVersion: batch/v1
    kind: CronJob
    metadata:
      name: nightly
    spec:
      schedule: '@daily'
      jobTemplate:
        spec:
          template:
            spec:
              hostPID: true
              containers:
                - name: job
                  image: example/job:1
";
    assert_eq!(
        hits("list.yml", yaml, "iac.k8s.host-pid"),
        [(14, "CronJob/nightly".to_owned())]
    );
}

#[test]
fn arm_lines_child_resources_and_symbolic_names() {
    let json = r#"{
  "$schema": "https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#",
  "contentVersion": "1.0.0.0",
  // ARM accepts comments
  "resources": [
    {
      "type": "Microsoft.Web/sites",
      "apiVersion": "2023-12-01",
      "name": "[parameters('siteName')]",
      "properties": { "httpsOnly": false },
      "resources": [
        {
          "type": "config",
          "name": "web",
          "properties": {
            "minTlsVersion": "1.0"
          }
        }
      ]
    }
  ]
}"#;
    assert_eq!(
        hits("deploy/azuredeploy.json", json, "iac.arm.app-service-https-only"),
        [(10, "Microsoft.Web/sites/[parameters('siteName')]".to_owned())]
    );
    assert_eq!(
        hits("deploy/azuredeploy.json", json, "iac.arm.app-service-min-tls"),
        [(
            16,
            "Microsoft.Web/sites/config/[parameters('siteName')]/web".to_owned()
        )]
    );
}

#[test]
fn dockerfile_lines_stages_and_continuations() {
    let dockerfile = "# syntax=docker/dockerfile:1
# escape=\\
FROM golang:1.23 AS build
RUN apt-get \\
    # a comment inside the continuation
    update
COPY . .

FROM ubuntu AS runtime
ADD app.tar.gz /opt/
RUN <<EOF
apt-get update
apt-get install -y curl
EOF
EXPOSE 22
USER root
";
    assert_eq!(
        hits("Dockerfile", dockerfile, "iac.dockerfile.apt-get-update-alone"),
        [(4, "Dockerfile stage build/RUN update".to_owned())]
    );
    assert_eq!(
        hits("Dockerfile", dockerfile, "iac.dockerfile.latest-tag"),
        [(9, "Dockerfile stage runtime/FROM ubuntu".to_owned())]
    );
    assert_eq!(
        hits("Dockerfile", dockerfile, "iac.dockerfile.ssh-port-exposed"),
        [(15, "Dockerfile stage runtime/EXPOSE 22".to_owned())]
    );
    assert_eq!(
        hits("Dockerfile", dockerfile, "iac.dockerfile.root-user"),
        [(16, "Dockerfile stage runtime".to_owned())]
    );
    assert_eq!(
        hits("Dockerfile", dockerfile, "iac.dockerfile.healthcheck-missing"),
        [(9, "Dockerfile stage runtime".to_owned())]
    );
    assert!(hits("Dockerfile", dockerfile, "iac.dockerfile.user-missing").is_empty());
}
