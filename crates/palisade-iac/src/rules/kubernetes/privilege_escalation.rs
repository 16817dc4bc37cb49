//! `iac.k8s.privilege-escalation-allowed`: setuid binaries can gain privileges.

use palisade_domain::{RuleMatch, Severity, StaticRule};

use super::required_setting;
use crate::kubernetes::Object;

pub(crate) static RULE: StaticRule = StaticRule {
    id: "iac.k8s.privilege-escalation-allowed",
    name: "Container allows privilege escalation",
    severity: Severity::Medium,
    framework: "kubernetes",
    checkov: &["CKV_K8S_20"],
    description: "Unless `allowPrivilegeEscalation` is false, a process in the container can gain more privileges than its parent (setuid binaries, file capabilities), turning a foothold into root inside the container.",
    remediation: "Set `securityContext.allowPrivilegeEscalation: false` on every container.",
    references: &["https://kubernetes.io/docs/concepts/security/pod-security-standards/#restricted"],
    example_path: "deploy.yaml",
    positive: &[
        r"apiVersion: v1
kind: Pod
metadata:
  name: web
spec:
  containers:
    - name: app
      image: example/app:1.0
",
        r"apiVersion: batch/v1
kind: CronJob
metadata:
  name: report
spec:
  schedule: '0 * * * *'
  jobTemplate:
    spec:
      template:
        spec:
          containers:
            - name: report
              image: example/report:2.1
              securityContext:
                allowPrivilegeEscalation: true
",
    ],
    negative: &[r"apiVersion: v1
kind: Pod
metadata:
  name: web
spec:
  containers:
    - name: app
      image: example/app:1.0
      securityContext:
        allowPrivilegeEscalation: false
"],
};

pub(crate) fn check(objects: &[Object<'_>], out: &mut Vec<RuleMatch>) {
    required_setting(objects, out, &RULE, "allowPrivilegeEscalation", false);
}
