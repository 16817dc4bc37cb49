//! `framework_of` on representative names and contents.

use palisade_workflows::framework_of;

const AZ: Option<&str> = Some("azure-pipelines");
const GH: Option<&str> = Some("github-actions");

const PIPELINE: &[u8] = b"trigger:\n- main\npool:\n  vmImage: ubuntu-latest\nsteps:\n- script: make\n";
const WORKFLOW: &[u8] = b"on: push\njobs:\n  a:\n    runs-on: ubuntu-latest\n    steps:\n      - run: make\n";
const K8S: &[u8] = b"apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\nspec:\n  template:\n    spec:\n      containers: []\n";

#[test]
fn by_path() {
    for (path, bytes, want) in [
        (".github/workflows/ci.yml", WORKFLOW, GH),
        ("repo/.github/workflows/release.yaml", WORKFLOW, GH),
        (r"C:\src\repo\.github\workflows\CI.YML", WORKFLOW, GH),
        ("azure-pipelines.yml", b"".as_slice(), AZ),
        ("build/azure-pipelines-ci.yaml", b"".as_slice(), AZ),
        ("deploy/web.azure-pipelines.yml", b"".as_slice(), AZ),
        (".azuredevops/build.yml", PIPELINE, AZ),
        (
            "eng/.pipelines/templates/steps.yml",
            b"parameters:\n- name: x\nsteps:\n- bash: echo\n".as_slice(),
            AZ,
        ),
        ("pipelines/release.yml", PIPELINE, AZ),
        (".azure-pipelines/ci.yml", PIPELINE, AZ),
        (
            "action.yml",
            b"name: x\nruns:\n  using: composite\n  steps:\n    - run: echo\n        shell: bash\n"
                .as_slice(),
            GH,
        ),
    ] {
        assert_eq!(framework_of(path, bytes), want, "{path}");
    }
}

#[test]
fn by_content() {
    assert_eq!(framework_of("ci/build.yml", PIPELINE), AZ);
    assert_eq!(
        framework_of(
            "build.yaml",
            b"# CI\nstages:\n- stage: build\n  jobs:\n  - job: a\n    steps:\n    - task: Npm@1\n"
        ),
        AZ
    );
    // UTF-16 with a BOM is sniffed too.
    let mut utf16 = vec![0xFF, 0xFE];
    for unit in std::str::from_utf8(PIPELINE).unwrap_or_default().encode_utf16() {
        utf16.extend_from_slice(&unit.to_le_bytes());
    }
    assert_eq!(framework_of("ci/build.yml", &utf16), AZ);
}

#[test]
fn not_ours() {
    for (path, bytes) in [
        ("k8s/deployment.yml", K8S),
        ("pipelines/deployment.yaml", K8S),
        (
            "docker-compose.yml",
            b"services:\n  web:\n    image: nginx\n".as_slice(),
        ),
        (
            ".gitlab-ci.yml",
            b"stages:\n- build\nbuild:\n  script:\n  - make\n".as_slice(),
        ),
        ("config.yml", b"name: x\nsteps: 3\n".as_slice()),
        ("ci.json", PIPELINE),
        ("README.md", PIPELINE),
        (".github/workflows/README.md", WORKFLOW),
        (
            ".github/ISSUE_TEMPLATE/bug.yml",
            b"name: Bug\nbody: []\n".as_slice(),
        ),
        (
            "action.yml",
            b"name: x\nruns:\n  using: node20\n  main: index.js\n".as_slice(),
        ),
        ("", b"".as_slice()),
        ("yml", b"".as_slice()),
        ("pipelines/notes.yml", b"- just\n- a list\n".as_slice()),
        ("data/\u{e9}t\u{e9}.yml", b"\xff\xfe\x00".as_slice()),
    ] {
        assert_eq!(framework_of(path, bytes), None, "{path}");
    }
}

#[test]
fn scan_file_ignores_files_not_ours() {
    let found = palisade_workflows::scan_file("k8s/deployment.yml", K8S).expect("not ours is Ok");
    assert!(found.is_empty());
    let found = palisade_workflows::scan_file("notes.txt", b"\xff\xfe junk").expect("not ours is Ok");
    assert!(found.is_empty());
}

/// The name-only filter used on git tree listings passes every file the
/// sniff claims.
#[test]
fn may_read_agrees_with_framework_of() {
    for rule in palisade_workflows::rules() {
        assert!(
            palisade_workflows::may_read(rule.example_path),
            "{}",
            rule.example_path
        );
    }
    assert!(palisade_workflows::may_read(".github/workflows/ci.YAML"));
    for name in ["README.md", "azure-pipelines.json", "ci.yml.bak"] {
        assert!(!palisade_workflows::may_read(name), "{name}");
        assert!(framework_of(name, b"trigger: [main]\nsteps:\n- script: x\n").is_none());
    }
}
