//! Matches point at the offending key or value (1-based line and column),
//! with stable subjects.

use crate::{render, scan};

#[test]
fn azure_pipeline_positions_and_subjects() {
    let yaml = r#"trigger:
- main
pr:
- main
variables:
  DB_PASSWORD: 'Sup3r-S3cret!'
stages:
- stage: build
  jobs:
  - job: compile
    pool:
      vmImage: ubuntu-latest
    steps:
    - checkout: self
      persistCredentials: true
    - script: |
        echo start
        ./build.sh "$(Build.SourceBranchName)"
      displayName: Build
    - task: PublishBuildArtifacts
      name: publish
"#;
    let found = scan("azure-pipelines.yml", yaml);
    assert_eq!(
        render(&found, ""),
        [
            "plaintext-secret-variable L6:3 variables/DB_PASSWORD",
            "checkout-persists-credentials L15:7 stage build/job compile/step 1 (checkout self)",
            "script-injection L18:21 stage build/job compile/step 2 (script): Build.SourceBranchName",
            "task-version-unpinned L20:13 stage build/job compile/step publish",
        ]
    );
}

#[test]
fn template_conditionals_are_looked_through() {
    let yaml = r"trigger: none
variables:
  ${{ if eq(variables['Build.SourceBranchName'], 'main') }}:
    deployToken: abcdef123456
jobs:
- job: build
  steps:
  - ${{ if eq(parameters.sign, true) }}:
    - checkout: self
      persistCredentials: true
  - ${{ each tool in parameters.tools }}:
    - script: echo ${{ tool }}
";
    let found = scan("azure-pipelines.yml", yaml);
    assert_eq!(
        render(&found, ""),
        [
            "plaintext-secret-variable L4:5 variables/deployToken",
            "checkout-persists-credentials L10:7 job build/step 1 (checkout self)",
        ]
    );
}

#[test]
fn github_workflow_positions_and_subjects() {
    let yaml = r#"name: triage
on:
  issues:
    types: [opened]
jobs:
  label:
    runs-on: ubuntu-latest
    steps:
      - uses: actions/checkout@v4
      - name: greet
        run: |
          echo hello
          echo "${{ github.event.issue.title }}"
"#;
    let found = scan(".github/workflows/triage.yml", yaml);
    assert_eq!(
        render(&found, ""),
        [
            "permissions-missing L5:1 workflow triage.yml/permissions",
            "action-not-pinned-to-sha L9:15 workflow triage.yml/job label/step 1 (actions/checkout)",
            "script-injection L13:17 workflow triage.yml/job label/step greet: github.event.issue.title",
        ]
    );
}

#[test]
fn crlf_and_bom_keep_lines() {
    let yaml = "\u{feff}trigger:\r\n- main\r\nsteps:\r\n- checkout: self\r\n  persistCredentials: true\r\n";
    let found = scan("azure-pipelines.yml", yaml);
    assert_eq!(
        render(&found, ""),
        ["checkout-persists-credentials L5:3 step 1 (checkout self)"]
    );
}

#[test]
fn composite_actions_are_scanned() {
    let yaml = r#"name: setup
description: sets things up
runs:
  using: composite
  steps:
    - run: echo "${{ github.event.pull_request.title }}"
      shell: bash
    - uses: actions/setup-node@v4
"#;
    let found = scan("action.yml", yaml);
    assert_eq!(
        render(&found, ""),
        [
            "script-injection L6:18 action action.yml/step 1 (run): github.event.pull_request.title",
            "action-not-pinned-to-sha L8:13 action action.yml/step 2 (actions/setup-node)",
        ]
    );
}

#[test]
fn lone_carriage_returns_break_lines() {
    let yaml =
        "trigger:\r- main\rsteps:\r- script: |\r    echo one\r    echo $(Build.SourceVersionMessage)\r";
    let found = scan("azure-pipelines.yml", yaml);
    assert_eq!(
        render(&found, ""),
        ["script-injection L6:10 step 1 (script): Build.SourceVersionMessage"]
    );
}
