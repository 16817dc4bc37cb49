#!/usr/bin/env python3
"""IaC benchmark: palisade `scan --analyzers iac` against Checkov on one generated corpus.

One run, one corpus, both tools:

1. A seeded generator writes IAC_FILES files (default 2000) into a temp dir: Terraform (azurerm
   storage accounts and containers, app services, key vaults with keys and secrets, NSGs and NSG rules,
   AKS, ACR, managed disks, SQL servers and firewall rules, Linux VMs; aws S3, security groups, RDS,
   IAM, EC2; google firewalls, Cloud SQL, buckets, GKE), Kubernetes manifests (Deployments, Pods,
   StatefulSets, DaemonSets, Jobs, CronJobs with and without securityContext, privileged, host
   namespaces, :latest images, secrets in env, docker socket mounts), Dockerfiles, GitHub Actions
   workflows and Azure Pipelines. Each attribute is drawn among compliant, non-compliant and absent.
2. Checkov (`checkov -d CORPUS --quiet --compact -o json --skip-download --framework ...`, installed
   into a venv under /tmp when missing) and palisade (`scan CORPUS --analyzers iac --no-store
   --no-progress --format json`) run on it; each after one warm-up read of the corpus.
   With CHECKOV_MAPPED=1 (default) Checkov runs a second time restricted (`--check`) to the Checkov ids
   that palisade rules map to: the fairest speed comparison (same questions asked).
3. Reported: files/s, wall, CPU, peak RSS, speed ratio (target: palisade >= 10x Checkov), and for every
   Checkov id that a palisade rule maps to (`details.checkov` in findings, and the rule sources): raw
   counts and matched (file, resource) keys of both tools; where palisade flags fewer keys than
   Checkov, the Checkov-only keys are listed with an example.

Usage: python3 bench/iac.py [--quick] [--keep] [--files N]
Environment: IAC_FILES (2000), SEED (11), CHECKOV_MAPPED (1), SKIP_BUILD, PALISADE_BIN, BENCH_VENV,
BENCH_WORK (default: a new temp dir, removed at the end unless --keep), CHECKOV_TIMEOUT (3600 s).
"""

from __future__ import annotations

import argparse
import json
import os
import random
import re
import shutil
import subprocess
import sys
import tempfile
from collections import Counter, defaultdict
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from benchlib import (REPO, build_palisade, fresh_dir, log, palisade_env, peer_venv, ratio, table,  # noqa: E402
                      timed, tree_stats)

FRAMEWORKS = ["terraform", "kubernetes", "dockerfile", "azure_pipelines", "github_actions"]

# --------------------------------------------------------------------------- small helpers


def pick(rng: random.Random, *options):
    return rng.choice(options)


class Block(str):
    """A string written as a YAML literal block (`|`)."""


NUMERIC = re.compile(r"^[-+]?(\d[\d_]*)?(\.\d*)?([eE][-+]?\d+)?$|^0[xo]")


def yaml_scalar(v) -> str:
    if v is True:
        return "true"
    if v is False:
        return "false"
    if v is None:
        return "null"
    if isinstance(v, (int, float)):
        return str(v)
    s = str(v)
    if (s == "" or s[0] in "-?:,[]{}#&*!|>'\"%@` " or ": " in s or " #" in s or s.endswith((":", " "))
            or NUMERIC.match(s) or s.lower() in ("true", "false", "yes", "no", "on", "off", "null", "y", "n", "~")):
        return json.dumps(s)
    return s


def to_yaml(obj, indent: int = 0) -> str:
    """A small block-style YAML writer for dicts, lists and scalars."""
    pad = "  " * indent
    out = []
    if isinstance(obj, dict):
        for k, v in obj.items():
            if isinstance(v, (dict, list)) and v:
                out.append(f"{pad}{k}:")
                out.append(to_yaml(v, indent + 1))
            elif isinstance(v, (dict, list)):
                out.append(f"{pad}{k}: {'{}' if isinstance(v, dict) else '[]'}")
            elif isinstance(v, Block):
                out.append(f"{pad}{k}: |")
                out.extend(f"{pad}  {line}" for line in v.splitlines())
            else:
                out.append(f"{pad}{k}: {yaml_scalar(v)}")
    elif isinstance(obj, list):
        for item in obj:
            if isinstance(item, dict) and item:
                body = to_yaml(item, indent + 1).splitlines()
                first = body[0].strip()
                out.append(f"{pad}- {first}")
                out.extend(body[1:])
            elif isinstance(item, list) and item:
                out.append(f"{pad}-")
                out.append(to_yaml(item, indent + 1))
            else:
                out.append(f"{pad}- {yaml_scalar(item)}")
    else:
        out.append(f"{pad}{yaml_scalar(obj)}")
    return "\n".join(out)


def hcl_block(kind: str, labels: list[str], lines: list[str | None], indent: int = 0) -> str:
    pad = "  " * indent
    head = " ".join([kind] + [f'"{x}"' for x in labels])
    body = []
    for line in lines:
        if line is None:
            continue
        for sub in line.splitlines():
            body.append(f"{pad}  {sub}")
    return f"{pad}{head} {{\n" + "\n".join(body) + f"\n{pad}}}"


def nested(kind: str, *lines: str | None) -> str:
    return hcl_block(kind, [], list(lines))


# --------------------------------------------------------------------------- Terraform generators
# Each returns HCL for one or more resources named with suffix `n`.

LOC = 'location            = "westeurope"\nresource_group_name = "rg-bench"'


def tf_storage(rng, n):
    lines = [f'name                     = "stbench{n}"', LOC,
             'account_tier             = "Standard"', 'account_replication_type = "GRS"',
             pick(rng, None, 'account_kind = "StorageV2"', 'account_kind = "StorageV2"', 'account_kind = "BlockBlobStorage"'),
             pick(rng, None, None, "https_traffic_only_enabled = true", "https_traffic_only_enabled = false",
                  "enable_https_traffic_only = false", "enable_https_traffic_only = true"),
             pick(rng, None, 'min_tls_version = "TLS1_2"', 'min_tls_version = "TLS1_2"', 'min_tls_version = "TLS1_0"',
                  'min_tls_version = "TLS1_1"'),
             pick(rng, None, "allow_nested_items_to_be_public = false", "allow_nested_items_to_be_public = false",
                  "allow_nested_items_to_be_public = true", "allow_blob_public_access = true"),
             pick(rng, None, "public_network_access_enabled = false", "public_network_access_enabled = true"),
             pick(rng, None, None,
                  nested("network_rules", 'default_action = "Deny"', 'ip_rules       = ["198.51.100.0/24"]',
                         'bypass         = ["AzureServices"]'),
                  nested("network_rules", 'default_action = "Allow"')),
             pick(rng, None, None,
                  nested("queue_properties", nested("logging", "delete  = true", "read    = true", "write   = true",
                                                    'version = "1.0"', "retention_policy_days = 10")),
                  nested("queue_properties", nested("logging", "delete  = false", "read    = true", "write   = true",
                                                    'version = "1.0"'))),
             pick(rng, None, nested("identity", 'type = "SystemAssigned"'))]
    out = [hcl_block("resource", ["azurerm_storage_account", f"sa{n}"], lines)]
    if rng.random() < 0.2:
        out.append(hcl_block("resource", ["azurerm_storage_account_network_rules", f"sanr{n}"], [
            f"storage_account_id = azurerm_storage_account.sa{n}.id",
            pick(rng, 'default_action     = "Deny"', 'default_action     = "Allow"')]))
    for c in range(rng.randint(0, 2)):
        out.append(hcl_block("resource", ["azurerm_storage_container", f"c{n}_{c}"], [
            f'name                  = "c{c}"', f"storage_account_name  = azurerm_storage_account.sa{n}.name",
            pick(rng, None, 'container_access_type = "private"', 'container_access_type = "blob"',
                 'container_access_type = "container"')]))
    return "\n\n".join(out)


def tf_app_service(rng, n):
    kind = pick(rng, "azurerm_app_service", "azurerm_linux_web_app", "azurerm_windows_web_app")
    legacy = kind == "azurerm_app_service"
    tls_key = "min_tls_version" if legacy else "minimum_tls_version"
    cert_key = "client_cert_enabled" if legacy else "client_certificate_enabled"
    site = pick(rng, None,
                nested("site_config", pick(rng, None, f'{tls_key} = "1.2"', f'{tls_key} = "1.0"', f'{tls_key} = "1.1"'),
                       pick(rng, None, "http2_enabled = true", "http2_enabled = false"),
                       pick(rng, None, 'ftps_state = "Disabled"', 'ftps_state = "AllAllowed"')))
    lines = [f'name = "app-bench-{n}"', LOC,
             "app_service_plan_id = azurerm_app_service_plan.plan.id" if legacy
             else "service_plan_id = azurerm_service_plan.plan.id",
             pick(rng, None, "https_only = true", "https_only = false"),
             pick(rng, None, f"{cert_key} = true", f"{cert_key} = false"),
             pick(rng, None, nested("identity", 'type = "SystemAssigned"')),
             pick(rng, None, nested("auth_settings", "enabled = true"), nested("auth_settings", "enabled = false"),
                  nested("auth_settings_v2", "auth_enabled = true", nested("login"))),
             site]
    return hcl_block("resource", [kind, f"app{n}"], lines)


def tf_key_vault(rng, n):
    lines = [f'name                = "kv-bench-{n}"', LOC,
             'tenant_id           = "00000000-0000-0000-0000-000000000000"', 'sku_name            = "standard"',
             pick(rng, None, "purge_protection_enabled = true", "purge_protection_enabled = true",
                  "purge_protection_enabled = false"),
             pick(rng, None, "soft_delete_retention_days = 90", "soft_delete_retention_days = 7"),
             "soft_delete_enabled = false" if rng.random() < 0.05 else None,
             pick(rng, None, "public_network_access_enabled = false"),
             pick(rng, None, nested("network_acls", 'default_action = "Deny"', 'bypass         = "AzureServices"'),
                  nested("network_acls", 'default_action = "Allow"', 'bypass         = "AzureServices"'))]
    out = [hcl_block("resource", ["azurerm_key_vault", f"kv{n}"], lines)]
    for k in range(rng.randint(0, 2)):
        out.append(hcl_block("resource", ["azurerm_key_vault_key", f"key{n}_{k}"], [
            f'name         = "key{k}"', f"key_vault_id = azurerm_key_vault.kv{n}.id", 'key_type     = "RSA-HSM"',
            "key_size     = 2048", 'key_opts     = ["decrypt", "encrypt", "sign", "verify"]',
            pick(rng, None, 'expiration_date = "2030-12-31T00:00:00Z"')]))
    for k in range(rng.randint(0, 2)):
        out.append(hcl_block("resource", ["azurerm_key_vault_secret", f"sec{n}_{k}"], [
            f'name         = "secret{k}"', "value        = var.secret_value",
            f"key_vault_id = azurerm_key_vault.kv{n}.id", pick(rng, None, 'content_type = "text/plain"'),
            pick(rng, None, 'expiration_date = "2030-12-31T00:00:00Z"')]))
    return "\n\n".join(out)


def nsg_rule_lines(rng, i):
    port = pick(rng, '"22"', '"3389"', '"443"', '"80"', '"*"', '"20-30"', '"3380-3390"')
    src = pick(rng, '"*"', '"Internet"', '"10.0.0.0/8"', '"0.0.0.0/0"', '"192.0.2.0/24"')
    return [f'name                       = "rule{i}"', f"priority                   = {100 + i}",
            'direction                  = "Inbound"', 'access                     = ' + pick(rng, '"Allow"', '"Allow"', '"Deny"'),
            'protocol                   = "Tcp"', 'source_port_range          = "*"',
            f"destination_port_range     = {port}", f"source_address_prefix      = {src}",
            'destination_address_prefix = "*"']


def tf_nsg(rng, n):
    out = []
    if rng.random() < 0.6:
        rules = [nested("security_rule", *nsg_rule_lines(rng, i)) for i in range(rng.randint(1, 3))]
        out.append(hcl_block("resource", ["azurerm_network_security_group", f"nsg{n}"],
                             [f'name = "nsg-{n}"', LOC, *rules]))
    else:
        out.append(hcl_block("resource", ["azurerm_network_security_group", f"nsg{n}"], [f'name = "nsg-{n}"', LOC]))
        for i in range(rng.randint(1, 2)):
            out.append(hcl_block("resource", ["azurerm_network_security_rule", f"nsr{n}_{i}"], [
                *nsg_rule_lines(rng, i), 'resource_group_name         = "rg-bench"',
                f"network_security_group_name = azurerm_network_security_group.nsg{n}.name"]))
    return "\n\n".join(out)


def tf_aks(rng, n):
    legacy = rng.random() < 0.3
    lines = [f'name       = "aks-{n}"', LOC, f'dns_prefix = "aks{n}"',
             nested("default_node_pool", 'name       = "default"', "node_count = 2", 'vm_size    = "Standard_D2_v2"'),
             nested("identity", 'type = "SystemAssigned"')]
    if legacy:
        lines += [pick(rng, None, nested("role_based_access_control", "enabled = true"),
                       nested("role_based_access_control", "enabled = false")),
                  pick(rng, None, 'api_server_authorized_ip_ranges = ["198.51.100.0/24"]',
                       "api_server_authorized_ip_ranges = []"),
                  nested("addon_profile",
                         pick(rng, None, nested("kube_dashboard", "enabled = true"),
                              nested("kube_dashboard", "enabled = false")),
                         pick(rng, None, nested("oms_agent", "enabled = true",
                                                "log_analytics_workspace_id = azurerm_log_analytics_workspace.la.id"),
                              nested("oms_agent", "enabled = false")))]
    else:
        lines += [pick(rng, None, "role_based_access_control_enabled = true",
                       "role_based_access_control_enabled = false"),
                  pick(rng, None, None, "private_cluster_enabled = true",
                       nested("api_server_access_profile", 'authorized_ip_ranges = ["198.51.100.0/24"]')),
                  pick(rng, None, nested("oms_agent",
                                         "log_analytics_workspace_id = azurerm_log_analytics_workspace.la.id")),
                  pick(rng, None, 'azure_policy_enabled = true'),
                  pick(rng, None, nested("network_profile", 'network_plugin = "azure"', 'network_policy = "azure"'))]
    return hcl_block("resource", ["azurerm_kubernetes_cluster", f"aks{n}"], lines)


def tf_acr(rng, n):
    return hcl_block("resource", ["azurerm_container_registry", f"acr{n}"], [
        f'name = "acrbench{n}"', LOC, pick(rng, 'sku = "Premium"', 'sku = "Basic"'),
        pick(rng, None, "admin_enabled = true", "admin_enabled = false"),
        pick(rng, None, "public_network_access_enabled = false", "public_network_access_enabled = true")])


def tf_disk(rng, n):
    return hcl_block("resource", ["azurerm_managed_disk", f"disk{n}"], [
        f'name = "disk-{n}"', LOC, 'storage_account_type = "Standard_LRS"', 'create_option = "Empty"',
        "disk_size_gb = 64",
        pick(rng, None, nested("encryption_settings", "enabled = false"), nested("encryption_settings", "enabled = true"))])


def tf_sql(rng, n):
    kind = pick(rng, "azurerm_mssql_server", "azurerm_mssql_server", "azurerm_sql_server")
    lines = [f'name = "sql-bench-{n}"', LOC, 'version = "12.0"', 'administrator_login = "sqladmin"',
             "administrator_login_password = var.sql_password",
             pick(rng, None, 'minimum_tls_version = "1.2"') if kind == "azurerm_mssql_server" else None]
    linked = None
    choice = rng.random()
    if choice < 0.3:
        lines.append(nested("extended_auditing_policy", "storage_endpoint = azurerm_storage_account.audit.primary_blob_endpoint",
                            f"retention_in_days = {pick(rng, 30, 90, 120)}"))
    elif choice < 0.5 and kind == "azurerm_mssql_server":
        linked = hcl_block("resource", ["azurerm_mssql_server_extended_auditing_policy", f"audit{n}"], [
            f"server_id         = azurerm_mssql_server.sql{n}.id",
            "storage_endpoint  = azurerm_storage_account.audit.primary_blob_endpoint",
            f"retention_in_days = {pick(rng, 30, 90, 120)}"])
    out = [hcl_block("resource", [kind, f"sql{n}"], lines)]
    if linked:
        out.append(linked)
    if rng.random() < 0.5:
        fw = "azurerm_mssql_firewall_rule" if kind == "azurerm_mssql_server" else "azurerm_sql_firewall_rule"
        ref = f"server_id = {kind}.sql{n}.id" if fw == "azurerm_mssql_firewall_rule" else \
            f'server_name = {kind}.sql{n}.name\nresource_group_name = "rg-bench"'
        out.append(hcl_block("resource", [fw, f"fw{n}"], [
            f'name = "fw{n}"', ref, 'start_ip_address = "0.0.0.0"',
            pick(rng, 'end_ip_address = "255.255.255.255"', 'end_ip_address = "0.0.0.0"', 'end_ip_address = "10.0.0.255"')]))
    return "\n\n".join(out)


def tf_vm(rng, n):
    return hcl_block("resource", ["azurerm_linux_virtual_machine", f"vm{n}"], [
        f'name = "vm-{n}"', LOC, 'size = "Standard_B2s"', 'admin_username = "azureuser"',
        "network_interface_ids = [azurerm_network_interface.nic.id]",
        pick(rng, None, "disable_password_authentication = true", "disable_password_authentication = false"),
        nested("admin_ssh_key", 'username   = "azureuser"', 'public_key = file("~/.ssh/id_rsa.pub")'),
        nested("os_disk", 'caching = "ReadWrite"', 'storage_account_type = "Standard_LRS"'),
        nested("source_image_reference", 'publisher = "Canonical"', 'offer = "0001-com-ubuntu-server-jammy"',
               'sku = "22_04-lts"', 'version = "latest"')])


def tf_aws_s3(rng, n):
    modern = rng.random() < 0.4
    lines = [f'bucket = "bench-bucket-{n}"']
    out = []
    if not modern:
        lines += [pick(rng, None, 'acl = "private"', 'acl = "public-read"', 'acl = "public-read-write"'),
                  pick(rng, None, nested("versioning", "enabled = true"), nested("versioning", "enabled = false")),
                  pick(rng, None, nested("server_side_encryption_configuration", nested(
                      "rule", nested("apply_server_side_encryption_by_default", 'sse_algorithm = "aws:kms"'))))]
        out.append(hcl_block("resource", ["aws_s3_bucket", f"b{n}"], lines))
    else:
        out.append(hcl_block("resource", ["aws_s3_bucket", f"b{n}"], lines))
        if rng.random() < 0.6:
            out.append(hcl_block("resource", ["aws_s3_bucket_versioning", f"bv{n}"], [
                f"bucket = aws_s3_bucket.b{n}.id",
                nested("versioning_configuration", pick(rng, 'status = "Enabled"', 'status = "Suspended"'))]))
        if rng.random() < 0.6:
            out.append(hcl_block("resource", ["aws_s3_bucket_server_side_encryption_configuration", f"be{n}"], [
                f"bucket = aws_s3_bucket.b{n}.id",
                nested("rule", nested("apply_server_side_encryption_by_default", 'sse_algorithm = "AES256"'))]))
        if rng.random() < 0.4:
            out.append(hcl_block("resource", ["aws_s3_bucket_acl", f"ba{n}"], [
                f"bucket = aws_s3_bucket.b{n}.id", pick(rng, 'acl = "private"', 'acl = "public-read"')]))
    return "\n\n".join(out)


def tf_aws_sg(rng, n):
    ingress = []
    for _ in range(rng.randint(1, 3)):
        port = pick(rng, 22, 3389, 443, 80, 5432)
        ingress.append(nested("ingress", f"from_port   = {port}", f"to_port     = {port}", 'protocol    = "tcp"',
                              "cidr_blocks = " + pick(rng, '["0.0.0.0/0"]', '["10.0.0.0/16"]', '["0.0.0.0/0"]'),
                              'description = "ingress"'))
    out = [hcl_block("resource", ["aws_security_group", f"sg{n}"], [
        f'name        = "sg-{n}"', 'description = "bench"', 'vpc_id      = "vpc-0123456789abcdef0"', *ingress,
        nested("egress", "from_port   = 0", "to_port     = 0", 'protocol    = "-1"', 'cidr_blocks = ["0.0.0.0/0"]')])]
    if rng.random() < 0.3:
        port = pick(rng, 22, 3389, 443)
        out.append(hcl_block("resource", ["aws_security_group_rule", f"sgr{n}"], [
            'type              = "ingress"', f"from_port         = {port}", f"to_port           = {port}",
            'protocol          = "tcp"', "cidr_blocks       = " + pick(rng, '["0.0.0.0/0"]', '["10.1.0.0/16"]'),
            f"security_group_id = aws_security_group.sg{n}.id", 'description       = "rule"']))
    return "\n\n".join(out)


def tf_aws_rds(rng, n):
    return hcl_block("resource", ["aws_db_instance", f"db{n}"], [
        f'identifier = "db-{n}"', 'engine = "postgres"', 'instance_class = "db.t3.micro"', "allocated_storage = 20",
        'username = "dbadmin"', "password = var.db_password",
        pick(rng, None, "publicly_accessible = true", "publicly_accessible = false"),
        pick(rng, None, "storage_encrypted = true", "storage_encrypted = false")])


def tf_aws_iam(rng, n):
    action = pick(rng, '"*"', '"s3:GetObject"', '["s3:*"]', '"*"')
    res = pick(rng, '"*"', '"arn:aws:s3:::bench/*"')
    out = [hcl_block("resource", ["aws_iam_policy", f"pol{n}"], [
        f'name = "policy-{n}"',
        "policy = jsonencode({\n  Version = \"2012-10-17\"\n  Statement = [{\n    Effect   = \"Allow\"\n"
        f"    Action   = {action}\n    Resource = {res}\n  }}]\n}})"])]
    if rng.random() < 0.4:
        out.append(hcl_block("resource", ["aws_iam_user_policy_attachment", f"att{n}"], [
            f'user       = "user-{n}"', f"policy_arn = aws_iam_policy.pol{n}.arn"]))
    else:
        out.append(hcl_block("resource", ["aws_iam_role_policy_attachment", f"att{n}"], [
            f'role       = "role-{n}"', f"policy_arn = aws_iam_policy.pol{n}.arn"]))
    return "\n\n".join(out)


def tf_aws_ec2(rng, n):
    return hcl_block("resource", ["aws_instance", f"ec2{n}"], [
        'ami = "ami-0123456789abcdef0"', 'instance_type = "t3.micro"',
        pick(rng, None, nested("root_block_device", "encrypted = true"), nested("root_block_device", "encrypted = false"),
             nested("root_block_device", "volume_size = 30")),
        pick(rng, None, nested("metadata_options", 'http_tokens = "required"')),
        pick(rng, None, "monitoring = true"), pick(rng, None, "ebs_optimized = true")])


def tf_google(rng, n):
    which = rng.randint(0, 3)
    if which == 0:
        port = pick(rng, '"22"', '"3389"', '"443"', '"20-25"')
        return hcl_block("resource", ["google_compute_firewall", f"fw{n}"], [
            f'name = "fw-{n}"', 'network = "default"',
            nested("allow", 'protocol = "tcp"', f"ports    = [{port}]"),
            "source_ranges = " + pick(rng, '["0.0.0.0/0"]', '["10.0.0.0/8"]')])
    if which == 1:
        ip = nested("ip_configuration", "ipv4_enabled = true",
                    pick(rng, None, "require_ssl = true", "require_ssl = false", 'ssl_mode = "ENCRYPTED_ONLY"',
                         'ssl_mode = "ALLOW_UNENCRYPTED_AND_ENCRYPTED"'),
                    pick(rng, None, nested("authorized_networks", 'name  = "all"', 'value = "0.0.0.0/0"'),
                         nested("authorized_networks", 'name  = "office"', 'value = "198.51.100.0/24"')))
        return hcl_block("resource", ["google_sql_database_instance", f"sql{n}"], [
            f'name = "sql-{n}"', 'database_version = "POSTGRES_15"', 'region = "europe-west1"',
            nested("settings", 'tier = "db-f1-micro"', pick(rng, ip, ip, None))])
    if which == 2:
        return hcl_block("resource", ["google_storage_bucket", f"gcs{n}"], [
            f'name = "gcs-bench-{n}"', 'location = "EU"',
            pick(rng, None, "uniform_bucket_level_access = true", "uniform_bucket_level_access = false")])
    return hcl_block("resource", ["google_container_cluster", f"gke{n}"], [
        f'name = "gke-{n}"', 'location = "europe-west1"', "initial_node_count = 1",
        pick(rng, None, "enable_shielded_nodes = true", "enable_shielded_nodes = false")])


TF_GENERATORS = [(tf_storage, 14), (tf_app_service, 10), (tf_key_vault, 10), (tf_nsg, 10), (tf_aks, 8),
                 (tf_acr, 4), (tf_disk, 3), (tf_sql, 5), (tf_vm, 3), (tf_aws_s3, 8), (tf_aws_sg, 6),
                 (tf_aws_rds, 4), (tf_aws_iam, 4), (tf_aws_ec2, 3), (tf_google, 8)]


def terraform_file(rng, idx) -> str:
    gens, weights = zip(*TF_GENERATORS)
    parts = []
    if rng.random() < 0.2:
        parts.append('terraform {\n  required_providers {\n    azurerm = {\n      source  = "hashicorp/azurerm"\n'
                     '      version = "~> 3.100"\n    }\n  }\n}')
    if rng.random() < 0.2:
        parts.append(f'variable "env_{idx}" {{\n  type    = string\n  default = "prod"\n}}')
    for j in range(rng.randint(1, 4)):
        gen = rng.choices(gens, weights)[0]
        parts.append(gen(rng, f"{idx}x{j}"))
    return "\n\n".join(parts) + "\n"


# --------------------------------------------------------------------------- Kubernetes

IMAGES = ["nginx", "nginx:latest", "nginx:1.25.3", "redis:7.2", "redis", "ghcr.io/acme/api:latest",
          "ghcr.io/acme/api:2.4.1", "ghcr.io/acme/worker@sha256:" + "ab" * 32, "busybox:1.36"]


def k8s_container(rng, i):
    c = {"name": f"c{i}", "image": rng.choice(IMAGES)}
    if rng.random() < 0.5:
        c["imagePullPolicy"] = pick(rng, "Always", "IfNotPresent")
    c["ports"] = [{"containerPort": pick(rng, 80, 8080, 6379)}]
    sc = pick(rng, None, None, "hardened", "hardened", "privileged", "sysadmin", "root", "netraw", "partial")
    if sc == "hardened":
        c["securityContext"] = {"allowPrivilegeEscalation": False, "readOnlyRootFilesystem": True,
                                "runAsNonRoot": True, "runAsUser": 10001, "capabilities": {"drop": ["ALL"]}}
    elif sc == "privileged":
        c["securityContext"] = {"privileged": True}
    elif sc == "sysadmin":
        c["securityContext"] = {"capabilities": {"add": ["SYS_ADMIN"]}, "allowPrivilegeEscalation": True}
    elif sc == "root":
        c["securityContext"] = {"runAsUser": 0, "readOnlyRootFilesystem": True}
    elif sc == "netraw":
        c["securityContext"] = {"capabilities": {"add": ["NET_RAW"], "drop": ["MKNOD"]}}
    elif sc == "partial":
        c["securityContext"] = {"allowPrivilegeEscalation": False, "capabilities": {"drop": ["NET_RAW"]}}
    res = pick(rng, None, "requests", "limits", "limits", "memory")
    if res == "requests":
        c["resources"] = {"requests": {"cpu": "100m", "memory": "128Mi"}}
    elif res == "limits":
        c["resources"] = {"requests": {"cpu": "100m", "memory": "128Mi"}, "limits": {"cpu": "500m", "memory": "256Mi"}}
    elif res == "memory":
        c["resources"] = {"limits": {"memory": "256Mi"}}
    env = pick(rng, None, "literal", "secretref", "envfrom")
    if env == "literal":
        c["env"] = [{"name": "LOG_LEVEL", "value": "info"}]
    elif env == "secretref":
        c["env"] = [{"name": "DB_PASSWORD", "valueFrom": {"secretKeyRef": {"name": "db", "key": "password"}}}]
    elif env == "envfrom":
        c["envFrom"] = [{"secretRef": {"name": "app-secrets"}}]
    if rng.random() < 0.5:
        c["livenessProbe"] = {"httpGet": {"path": "/healthz", "port": 8080}}
        c["readinessProbe"] = {"httpGet": {"path": "/ready", "port": 8080}}
    return c


def k8s_manifest(rng, idx) -> str:
    kind = rng.choices(["Deployment", "Pod", "StatefulSet", "DaemonSet", "Job", "CronJob"], [55, 15, 10, 7, 6, 7])[0]
    pod = {}
    if rng.random() < 0.3:
        pod["securityContext"] = pick(rng, {"runAsNonRoot": True, "runAsUser": 1000, "seccompProfile": {"type": "RuntimeDefault"}},
                                      {"fsGroup": 2000})
    for key in ("hostNetwork", "hostPID", "hostIPC"):
        if rng.random() < 0.1:
            pod[key] = pick(rng, True, True, False)
    if rng.random() < 0.4:
        pod["serviceAccountName"] = f"sa-{idx}"
        pod["automountServiceAccountToken"] = pick(rng, True, False)
    pod["containers"] = [k8s_container(rng, i) for i in range(rng.choices([1, 2, 3], [70, 25, 5])[0])]
    if rng.random() < 0.07:
        pod["containers"][0]["volumeMounts"] = [{"name": "docker", "mountPath": "/var/run/docker.sock"}]
        pod["volumes"] = [{"name": "docker", "hostPath": {"path": "/var/run/docker.sock"}}]
    if kind in ("Job", "CronJob"):
        pod["restartPolicy"] = "OnFailure"
    meta = {"name": f"app-{idx}"}
    ns = pick(rng, None, "default", "payments", "web")
    if ns:
        meta["namespace"] = ns
    meta["labels"] = {"app": f"app-{idx}"}
    template = {"metadata": {"labels": {"app": f"app-{idx}"}}, "spec": pod}
    if kind == "Pod":
        doc = {"apiVersion": "v1", "kind": "Pod", "metadata": meta, "spec": pod}
    elif kind == "Job":
        doc = {"apiVersion": "batch/v1", "kind": "Job", "metadata": meta, "spec": {"template": template}}
    elif kind == "CronJob":
        doc = {"apiVersion": "batch/v1", "kind": "CronJob", "metadata": meta,
               "spec": {"schedule": "*/5 * * * *", "jobTemplate": {"spec": {"template": template}}}}
    else:
        spec = {"selector": {"matchLabels": {"app": f"app-{idx}"}}, "template": template}
        if kind != "DaemonSet":
            spec = {"replicas": rng.randint(1, 4), **spec}
        if kind == "StatefulSet":
            spec["serviceName"] = f"app-{idx}"
        doc = {"apiVersion": "apps/v1", "kind": kind, "metadata": meta, "spec": spec}
    return to_yaml(doc) + "\n"


# --------------------------------------------------------------------------- Dockerfiles

BASES = ["python:3.12-slim", "ubuntu", "ubuntu:latest", "ubuntu:22.04", "node:20-alpine", "alpine:3.19",
         "node:20@sha256:" + "cd" * 32, "debian:bookworm-slim", "golang:latest"]


def dockerfile(rng, idx) -> str:
    lines = []
    if rng.random() < 0.25:
        lines += [f"FROM {pick(rng, 'golang:1.22', 'golang:latest', 'node:20')} AS build", "WORKDIR /src",
                  "COPY . .", "RUN make build", ""]
    lines.append(f"FROM {rng.choice(BASES)}")
    lines.append(f"LABEL maintainer=\"team{idx % 17}@example.invalid\"")
    apt = pick(rng, None, "alone", "good", "upgrade")
    if apt == "alone":
        lines += ["RUN apt-get update", "RUN apt-get install -y curl ca-certificates"]
    elif apt == "good":
        lines.append("RUN apt-get update && apt-get install -y --no-install-recommends curl "
                     "&& rm -rf /var/lib/apt/lists/*")
    elif apt == "upgrade":
        lines.append("RUN apt-get update && apt-get upgrade -y && apt-get install -y curl")
    if rng.random() < 0.15:
        lines.append("RUN curl -fsSL https://install.example.invalid/setup.sh | sh")
    lines.append("WORKDIR /app")
    lines.append(pick(rng, "COPY requirements.txt .", "ADD requirements.txt .", "COPY package.json ."))
    if rng.random() < 0.2:
        lines.append("ADD https://downloads.example.invalid/tool.tar.gz /opt/")
    lines.append(pick(rng, "COPY . .", "COPY --chown=app:app . .", "ADD . ."))
    lines.append(f"EXPOSE {pick(rng, '8080', '8080', '22', '80 443', '22 8080')}")
    user = pick(rng, None, "USER app", "USER 10001", "USER root")
    if user:
        if user != "USER root" and rng.random() < 0.3:
            lines.append("USER root")
            lines.append("RUN chown -R app /app")
        lines.append(user)
    if rng.random() < 0.5:
        lines.append("HEALTHCHECK --interval=30s CMD curl -f http://localhost:8080/healthz || exit 1")
    lines.append('CMD ["python", "-m", "app"]')
    return "\n".join(lines) + "\n"


# --------------------------------------------------------------------------- pipelines

SHA = "b4ffde65f46336ab88eb53be808477a3936bae11"


def github_workflow(rng, idx) -> str:
    trigger = pick(rng, "push", "pull_request", "pull_request_target", "issues", "workflow_dispatch")
    doc = {"name": f"ci-{idx}", "on": {trigger: {}} if trigger != "push" else {"push": {"branches": ["main"]}}}
    perms = pick(rng, None, "write-all", "read", "contents-write")
    if perms == "write-all":
        doc["permissions"] = "write-all"
    elif perms == "read":
        doc["permissions"] = {"contents": "read"}
    elif perms == "contents-write":
        doc["permissions"] = {"contents": "write", "pull-requests": "write"}
    if rng.random() < 0.1:
        doc["env"] = {"ACTIONS_ALLOW_UNSECURE_COMMANDS": True}
    steps = [{"uses": pick(rng, "actions/checkout@v4", f"actions/checkout@{SHA}", "actions/checkout@main")}]
    if trigger == "pull_request_target" and rng.random() < 0.5:
        steps[0]["with"] = {"ref": "${{ github.event.pull_request.head.sha }}"}
    if rng.random() < 0.5:
        steps.append({"uses": pick(rng, "actions/setup-node@v4", f"actions/setup-node@{SHA}"),
                      "with": {"node-version": 20}})
    if rng.random() < 0.25:
        steps.append({"name": "greet", "run": Block(pick(rng, 'echo "Title: ${{ github.event.issue.title }}"',
                                                   'echo "Branch ${{ github.head_ref }}"',
                                                   'echo "PR ${{ github.event.pull_request.body }}"'))})
    if rng.random() < 0.2:
        steps.append({"name": "notify",
                      "run": Block('curl -X POST -H "Authorization: Bearer ${{ secrets.DEPLOY_TOKEN }}" '
                                   "https://deploy.example.invalid/hooks")})
    if rng.random() < 0.1:
        steps.append({"name": "debug", "run": Block('echo "${{ secrets.NPM_TOKEN }}"')})
    if rng.random() < 0.1:
        steps.append({"name": "install", "run": "curl -sSL https://get.example.invalid/install.sh | bash"})
    steps.append({"name": "test", "run": "npm ci && npm test"})
    job = {"runs-on": pick(rng, "ubuntu-latest", "ubuntu-latest", "self-hosted"), "steps": steps}
    if rng.random() < 0.05:
        job["env"] = {"ACTIONS_ALLOW_UNSECURE_COMMANDS": "true"}
    doc["jobs"] = {"build": job}
    return to_yaml(doc) + "\n"


def azure_pipeline(rng, idx) -> str:
    image = pick(rng, "ubuntu:latest", "ubuntu", "ubuntu:22.04", "node:20", "ubuntu@sha256:" + "ef" * 32,
                 "mcr.microsoft.com/dotnet/sdk:8.0")
    doc = {"trigger": ["main"]}
    if rng.random() < 0.5:
        doc["pr"] = ["main"]
    doc["pool"] = pick(rng, {"vmImage": "ubuntu-latest"}, {"name": "self-hosted-pool"})
    if rng.random() < 0.3:
        doc["variables"] = pick(rng, [{"name": "BUILD_CONFIG", "value": "Release"}],
                                {"dbPassword": "Pa55w0rd-Bench-Value"})
    steps = [{"checkout": "self", **({"persistCredentials": True} if rng.random() < 0.2 else {})},
             {"task": pick(rng, "NodeTool@0", "NodeTool@0.218.0", "NodeTool"), "inputs": {"versionSpec": "20.x"}},
             {"script": pick(rng, "npm ci && npm test", "echo $(Build.SourceBranchName)",
                             "curl -sSL https://get.example.invalid/i.sh | bash"), "displayName": "build"}]
    job = {"job": "build"}
    style = pick(rng, "inline", "resource", "none")
    if style == "inline":
        job["container"] = pick(rng, image, {"image": image})
    elif style == "resource":
        doc["resources"] = {"containers": [{"container": "builder", "image": image}]}
        job["container"] = "builder"
    job["steps"] = steps
    doc["jobs"] = [job]
    return to_yaml(doc) + "\n"


# --------------------------------------------------------------------------- corpus


def build_corpus(root: Path, n_files: int, seed: int) -> Counter:
    rng = random.Random(seed)
    counts = Counter()
    plan = {"terraform": 0.45, "kubernetes": 0.25, "dockerfile": 0.12, "github_actions": 0.10, "azure_pipelines": 0.08}
    sizes = {k: int(n_files * v) for k, v in plan.items()}
    sizes["terraform"] += n_files - sum(sizes.values())
    for i in range(sizes["terraform"]):
        d = root / "terraform" / f"stack{i // 8:04d}"
        d.mkdir(parents=True, exist_ok=True)
        (d / f"{pick(rng, 'main', 'network', 'storage', 'app', 'data')}_{i}.tf").write_text(terraform_file(rng, i))
        counts["terraform"] += 1
    for i in range(sizes["kubernetes"]):
        d = root / "k8s" / f"app{i // 10:04d}"
        d.mkdir(parents=True, exist_ok=True)
        (d / f"workload-{i}.yaml").write_text(k8s_manifest(rng, i))
        counts["kubernetes"] += 1
    for i in range(sizes["dockerfile"]):
        d = root / "services" / f"svc{i:04d}"
        d.mkdir(parents=True, exist_ok=True)
        (d / "Dockerfile").write_text(dockerfile(rng, i))
        counts["dockerfile"] += 1
    for i in range(sizes["github_actions"]):
        d = root / "repos" / f"gh{i:04d}" / ".github" / "workflows"
        d.mkdir(parents=True, exist_ok=True)
        (d / "ci.yml").write_text(github_workflow(rng, i))
        counts["github_actions"] += 1
    for i in range(sizes["azure_pipelines"]):
        d = root / "repos" / f"ado{i:04d}"
        d.mkdir(parents=True, exist_ok=True)
        (d / "azure-pipelines.yml").write_text(azure_pipeline(rng, i))
        counts["azure_pipelines"] += 1
    return counts


# --------------------------------------------------------------------------- mapping and parsing


def mapping_from_sources() -> dict[str, list[str]]:
    """palisade rule id -> Checkov ids, read from the rule sources (also covers rules with no finding)."""
    out = {}
    for base in ("crates/palisade-iac/src/rules", "crates/palisade-workflows/src/rules"):
        for f in (REPO / base).rglob("*.rs"):
            text = f.read_text()
            m_id = re.search(r'\bid:\s*"([^"]+)"', text)
            m_ck = re.search(r"\bcheckov:\s*&\[([^\]]*)\]", text)
            if m_id and m_ck:
                ids = re.findall(r'"([^"]+)"', m_ck.group(1))
                if ids:
                    out[m_id.group(1)] = ids
    return out


def norm_path(p: str, root: Path) -> str:
    p = p.replace("\\", "/")
    r = str(root).rstrip("/") + "/"
    if p.startswith(r):
        p = p[len(r):]
    return p.lstrip("/").removeprefix("./")


TF_ADDR = re.compile(r"^(?:data\.)?([a-z0-9_]+\.[A-Za-z0-9_\-]+)")


def res_key(path: str, resource: str | None) -> tuple[str, str]:
    """(file, resource) for Terraform; (file, '') elsewhere (one workload per generated file)."""
    if path.endswith(".tf") and resource:
        m = TF_ADDR.match(resource.strip())
        return (path, m.group(1) if m else resource)
    return (path, "")


def parse_palisade(out: Path, root: Path):
    data = json.loads(out.read_text())
    findings = data["findings"] if isinstance(data, dict) else data
    rows = []
    for f in findings:
        det = f.get("details") or {}
        subject = det.get("subject") or det.get("resource") or f.get("subject") or ""
        for loc in f.get("locations") or [{}]:  # each location is one occurrence
            rows.append({"rule": f.get("rule_id"), "kind": f.get("kind"), "checkov": det.get("checkov") or [],
                         "path": norm_path(loc.get("path", ""), root), "line": loc.get("line"), "subject": subject})
    return data, rows


def parse_checkov(out: Path, root: Path):
    text = out.read_text().strip()
    if not text:
        return [], {}
    start = min([i for i in (text.find("["), text.find("{")) if i >= 0] or [0])
    data = json.loads(text[start:])
    reports = data if isinstance(data, list) else [data]
    rows = []
    summary = {}
    for rep in reports:
        ctype = rep.get("check_type", "?")
        summary[ctype] = rep.get("summary", {})
        for fc in (rep.get("results") or {}).get("failed_checks", []):
            rows.append({"check": fc.get("check_id"), "path": norm_path(fc.get("file_path", ""), root),
                         "resource": fc.get("resource", ""), "line": (fc.get("file_line_range") or [0])[0],
                         "type": ctype})
    return rows, summary


# --------------------------------------------------------------------------- main


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--quick", action="store_true", help="smoke run: 200 files")
    ap.add_argument("--files", type=int, default=int(os.environ.get("IAC_FILES", "2000")))
    ap.add_argument("--keep", action="store_true", help="keep the work dir (corpus and reports)")
    args = ap.parse_args()
    n_files = 200 if args.quick else args.files
    seed = int(os.environ.get("SEED", "11"))

    palisade = build_palisade()
    venv = peer_venv("checkov")
    checkov = shutil.which("checkov") or str(venv / "checkov")
    work = Path(os.environ.get("BENCH_WORK") or tempfile.mkdtemp(prefix="palisade-iac-bench-"))
    work.mkdir(parents=True, exist_ok=True)
    corpus = fresh_dir(work / "corpus")
    outdir = fresh_dir(work / "out")
    try:
        kinds = build_corpus(corpus, n_files, seed)
        files, nbytes = tree_stats(corpus)
        log(f"==> corpus: {files} files, {nbytes / 1024:.0f} KiB in {corpus} "
            f"({', '.join(f'{k} {v}' for k, v in kinds.items())}), seed {seed}")
        for dp, _, fns in os.walk(corpus):  # warm the page cache for both tools
            for f in fns:
                Path(dp, f).read_bytes()

        help_text = subprocess.run([checkov, "--help"], capture_output=True, text=True).stdout
        frameworks = [f for f in FRAMEWORKS if f in help_text]
        version = subprocess.run([checkov, "--version"], capture_output=True, text=True).stdout.strip()
        ck_env = dict(os.environ, BC_SKIP_MAPPING="TRUE", CHECKOV_RUN_SCA_PACKAGE_SCAN_V2="false",
                      ANSI_COLORS_DISABLED="1", LOG_LEVEL="WARNING")
        timeout = float(os.environ.get("CHECKOV_TIMEOUT", "3600"))
        ck_cmd = [checkov, "-d", str(corpus), "--quiet", "--compact", "-o", "json", "--skip-download",
                  "--framework", *frameworks]

        runs = {}
        log(f"==> palisade scan --analyzers iac ({palisade})")
        penv = palisade_env(work / "home")
        pal_cmd = [str(palisade), "scan", str(corpus), "--analyzers", "iac", "--no-store", "--no-progress",
                   "--format", "json"]
        runs["palisade"] = timed(pal_cmd, outdir / "palisade.json", env=penv)
        log(f"    {runs['palisade']['wall']:.2f} s, exit {runs['palisade']['rc']}")
        if runs["palisade"]["rc"] not in (0, 1):
            log(f"    palisade FAILED: {(outdir / 'palisade.json.stderr').read_text()[-2000:]}")
        pal_data, pal_rows = parse_palisade(outdir / "palisade.json", corpus)

        log(f"==> checkov {version} --framework {' '.join(frameworks)} (all checks)")
        runs["checkov"] = timed(ck_cmd, outdir / "checkov.json", env=ck_env, timeout=timeout)
        log(f"    {runs['checkov']['wall']:.2f} s, exit {runs['checkov']['rc']}")
        ck_rows, ck_summary = parse_checkov(outdir / "checkov.json", corpus)

        mapping = mapping_from_sources()
        for r in pal_rows:
            if r["checkov"]:
                mapping.setdefault(r["rule"], r["checkov"])
        mapped_ids = sorted({c for ids in mapping.values() for c in ids})
        if os.environ.get("CHECKOV_MAPPED", "1") == "1" and mapped_ids:
            log(f"==> checkov restricted to the {len(mapped_ids)} mapped ids (--check)")
            runs["checkov-mapped"] = timed(ck_cmd + ["--check", ",".join(mapped_ids)],
                                           outdir / "checkov-mapped.json", env=ck_env, timeout=timeout)
            log(f"    {runs['checkov-mapped']['wall']:.2f} s, exit {runs['checkov-mapped']['rc']}")

        # ------------------------------------------------------------------ speed table
        log("")
        log(f"IaC: {files} files ({nbytes / 1024:.0f} KiB), {os.cpu_count()} cores; checkov {version}")
        rows = []
        pal_fps = files / runs["palisade"]["wall"]
        for name, r in runs.items():
            fps = files / r["wall"]
            status = "ok" if r["rc"] in (0, 1) else ("TIMEOUT" if r["timed_out"] else f"exit {r['rc']}")
            rows.append([name, f"{r['wall']:.2f}", f"{fps:.0f}", f"{r['cpu']:.1f}", f"{r['rss_mib']:.0f}",
                         "1.0x" if name == "palisade" else ratio(pal_fps, fps), status])
        log(table(["tool", "wall s", "files/s", "CPU s", "peak RSS MiB", "palisade speedup", "status"], rows))
        sp = ratio(pal_fps, files / runs["checkov"]["wall"])
        target = runs["checkov"]["wall"] / runs["palisade"]["wall"]
        log(f"TARGET palisade >= 10x Checkov (all checks): {sp} -> {'MET' if target >= 10 else 'NOT MET'}")
        if "checkov-mapped" in runs:
            t2 = runs["checkov-mapped"]["wall"] / runs["palisade"]["wall"]
            log(f"       against Checkov restricted to the mapped checks: {t2:.1f}x -> "
                f"{'MET' if t2 >= 10 else 'NOT MET'}")

        # ------------------------------------------------------------------ findings comparison
        pal_by_ck = defaultdict(list)
        for r in pal_rows:
            for c in r["checkov"] or mapping.get(r["rule"], []):
                pal_by_ck[c].append(r)
        ck_by_id = defaultdict(list)
        for r in ck_rows:
            ck_by_id[r["check"]].append(r)
        rule_of = defaultdict(set)
        for rule, ids in mapping.items():
            for c in ids:
                rule_of[c].add(rule)
        log("")
        log("Findings on mapped rules (keys: Terraform (file, resource address); other frameworks: file)")
        rows = []
        gaps = []
        tot = Counter()
        for c in mapped_ids:
            p, k = pal_by_ck.get(c, []), ck_by_id.get(c, [])
            pk = {res_key(r["path"], r["subject"]) for r in p}
            kk = {res_key(r["path"], r["resource"]) for r in k}
            both, k_only, p_only = pk & kk, kk - pk, pk - kk
            # Checkov-only keys in files where palisade reports nothing for this id (not a resource-name
            # mismatch such as a finding on the linked aws_s3_bucket_versioning instead of the bucket).
            p_files = {r["path"] for r in p}
            k_only_files = {f for f, _ in k_only if f not in p_files}
            tot.update(pal=len(p), ck=len(k), pk=len(pk), kk=len(kk), both=len(both), konly=len(k_only),
                       ponly=len(p_only), kfiles=len(k_only_files))
            flag = "FEWER" if len(pk) < len(kk) else ("gap" if k_only else "")
            rows.append([c, ",".join(sorted(rule_of[c]))[:58], len(p), len(k), len(pk), len(kk), len(both),
                         len(k_only), len(k_only_files), len(p_only), flag])
            if k_only:
                ex = sorted(k_only)[0]
                gaps.append((c, len(k_only), len(kk), ex))
        rows.append(["TOTAL", "", tot["pal"], tot["ck"], tot["pk"], tot["kk"], tot["both"], tot["konly"],
                     tot["kfiles"], tot["ponly"], ""])
        log(table(["checkov id", "palisade rule(s)", "pal hits", "ck fails", "pal keys", "ck keys", "both",
                   "ck only", "ck-only files", "pal only", ""], rows, right={2, 3, 4, 5, 6, 7, 8, 9}))
        log("(ck-only files: Checkov-only keys in files where palisade has no finding for that id at all)")
        fewer = [r for r in rows[:-1] if r[10] == "FEWER"]
        log(f"TARGET palisade findings >= Checkov's on every mapped id: "
            f"{'MET' if not fewer else 'NOT MET'} ({len(fewer)} of {len(mapped_ids)} ids with fewer keys; "
            f"{sum(1 for r in rows[:-1] if r[10] == 'gap')} more with some Checkov-only keys)")
        if gaps:
            log("")
            log("Where Checkov flags what palisade does not (Checkov id: Checkov-only keys / Checkov keys, example):")
            for c, n, total, ex in gaps:
                log(f"  {c:22s} {n:5d} / {total:<5d} e.g. {ex[0]}{' ' + ex[1] if ex[1] else ''}")
        unmapped_ck = Counter(r["check"] for r in ck_rows if r["check"] not in set(mapped_ids))
        pal_unmapped = Counter(r["rule"] for r in pal_rows if not (r["checkov"] or mapping.get(r["rule"])))
        log("")
        log(f"Checkov failed checks: {len(ck_rows)} in total, {sum(unmapped_ck.values())} on "
            f"{len(unmapped_ck)} ids no palisade rule maps to; palisade findings: {len(pal_rows)} in total, "
            f"{sum(pal_unmapped.values())} from {len(pal_unmapped)} rules with no Checkov equivalent.")
        if ck_summary:
            log("Checkov summary per framework: " + "; ".join(
                f"{k}: {v.get('passed', 0)} passed, {v.get('failed', 0)} failed, {v.get('parsing_errors', 0)} parse errors"
                for k, v in ck_summary.items()))
        (work / "results.json").write_text(json.dumps({
            "files": files, "bytes": nbytes, "runs": runs, "mapped_ids": mapped_ids,
            "per_id": {r[0]: r[2:10] for r in rows}, "gaps": gaps}, indent=1, default=str))
        log(f"(raw reports in {outdir})" if args.keep else "")
    finally:
        if not args.keep and not os.environ.get("BENCH_WORK"):
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
