//! `framework_of` on representative paths and heads.

use palisade_iac::framework_of;

const ARM: &[u8] = br#"{
  "$schema": "https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#",
  "resources": []
}"#;
const K8S: &[u8] = b"apiVersion: v1\nkind: Service\nmetadata:\n  name: web\n";

#[test]
fn names_decide_for_terraform_and_dockerfiles() {
    for (path, expected) in [
        ("main.tf", Some("terraform")),
        ("infra/modules/net/variables.tf", Some("terraform")),
        ("C:\\repo\\infra\\MAIN.TF", Some("terraform")),
        ("Dockerfile", Some("dockerfile")),
        ("services/api/Dockerfile", Some("dockerfile")),
        ("dockerfile", Some("dockerfile")),
        ("Dockerfile.prod", Some("dockerfile")),
        ("build/api.dockerfile", Some("dockerfile")),
        ("Containerfile", Some("dockerfile")),
        ("Dockerfile.md", None),
        (".dockerignore", None),
        ("main.tfvars", None),
        ("terraform.tfstate", None),
        ("README.md", None),
        ("src/main.rs", None),
    ] {
        assert_eq!(framework_of(path, b""), expected, "{path}");
    }
}

#[test]
fn json_needs_a_deployment_template_schema() {
    assert_eq!(framework_of("azuredeploy.json", ARM), Some("arm"));
    assert_eq!(framework_of("bicep/main.json", ARM), Some("arm"));
    assert_eq!(
        framework_of("package.json", br#"{"name": "app", "version": "1.0.0"}"#),
        None
    );
    let parameters = br#"{"$schema": "https://schema.management.azure.com/schemas/2019-04-01/deploymentParameters.json#"}"#;
    assert_eq!(framework_of("azuredeploy.parameters.json", parameters), None);
    let subscription = br#"{"$schema": "https://schema.management.azure.com/schemas/2018-05-01/subscriptionDeploymentTemplate.json#"}"#;
    assert_eq!(framework_of("sub.json", subscription), Some("arm"));
}

#[test]
fn yaml_needs_api_version_and_kind() {
    assert_eq!(framework_of("k8s/service.yaml", K8S), Some("kubernetes"));
    assert_eq!(framework_of("k8s/service.yml", K8S), Some("kubernetes"));
    assert_eq!(
        framework_of("docker-compose.yml", b"services:\n  web:\n    image: nginx\n"),
        None
    );
    assert_eq!(
        framework_of("values.yaml", b"replicaCount: 2\nimage:\n  tag: 1.0\n"),
        None
    );
}

#[test]
fn pipelines_and_unrendered_helm_templates_are_not_ours() {
    assert_eq!(framework_of(".github/workflows/ci.yml", K8S), None);
    assert_eq!(framework_of("azure-pipelines.yml", K8S), None);
    assert_eq!(framework_of("azure-pipelines-release.yaml", K8S), None);
    let template =
        b"apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: {{ include \"app.fullname\" . }}\n";
    assert_eq!(framework_of("chart/templates/deployment.yaml", template), None);
}

#[test]
fn utf16_heads_are_sniffed() {
    let mut bytes = vec![0xFF, 0xFE];
    bytes.extend(K8S.iter().flat_map(|&b| [b, 0]));
    assert_eq!(framework_of("svc.yaml", &bytes), Some("kubernetes"));
}

#[test]
fn files_not_ours_scan_to_nothing() {
    assert!(
        palisade_iac::scan_file("README.md", b"# hello")
            .expect("not ours")
            .is_empty()
    );
    assert!(
        palisade_iac::scan_file("package.json", b"{not json")
            .expect("not ours")
            .is_empty()
    );
}

/// The name-only filter used on git tree listings passes every file the
/// sniff claims, and only names a framework could claim.
#[test]
fn may_read_agrees_with_framework_of() {
    for rule in palisade_iac::rules() {
        assert!(palisade_iac::may_read(rule.example_path), "{}", rule.example_path);
        for example in rule.positive {
            assert!(
                framework_of(rule.example_path, example.as_bytes()).is_some(),
                "{}",
                rule.id
            );
        }
    }
    for name in [
        "infra/app.containerfile",
        "Dockerfile.prod",
        "k8s/deploy.YAML",
        "azuredeploy.json",
    ] {
        assert!(palisade_iac::may_read(name), "{name}");
    }
    for name in ["README.md", "main.py", "Dockerfile.md", "values.toml"] {
        assert!(!palisade_iac::may_read(name), "{name}");
        assert!(
            framework_of(name, b"apiVersion: v1\nkind: Pod\n").is_none(),
            "{name}"
        );
    }
}
