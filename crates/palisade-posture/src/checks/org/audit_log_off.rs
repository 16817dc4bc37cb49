use palisade_domain::{ResourceKind, Severity};

use crate::checks::common::{Setting, org_policy};
use crate::{Check, Inventory, Results};

pub(crate) static CHECK: Check = Check {
    id: "ado.org.audit-log-off",
    title: "Audit logging should be enabled",
    severity: Severity::Medium,
    target: ResourceKind::Organization,
    rationale: "Without audit events there is no record of who changed a policy, permission, service \
        connection or pipeline setting: an attacker's changes (a disabled branch policy, a widened \
        connection) leave no trace to investigate or alert on.",
    remediation: &[
        "Organization settings > Security > Policies: turn on \"Log Audit Events\".",
        "Organization settings > Auditing > Streams: stream events to Azure Monitor, Splunk or Event Grid \
            to keep them beyond 90 days and alert on them.",
    ],
    references: &[
        "https://learn.microsoft.com/azure/devops/organizations/accounts/change-application-access-policies",
        "https://learn.microsoft.com/azure/devops/organizations/audit/azure-devops-auditing",
        "https://learn.microsoft.com/azure/devops/organizations/audit/auditing-streaming",
    ],
    permissions: "Project Collection Administrator (organization policies are read through \
        Contribution/HierarchyQuery, ms.vss-org-web.collection-admin-policy-data-provider)",
    defender: None,
    azsk: &["ADO_Organization_Enable_Audit_Stream"],
    evaluate,
};

pub(super) const SETTING: Setting = Setting {
    name: "Policy.LogAuditEvents",
    secure: true,
    pass: "audit events are logged",
    fail: "audit events are not logged: changes to policies, permissions and pipelines leave no record",
};

fn evaluate(inv: &Inventory, out: &mut Results) {
    org_policy(inv, out, &SETTING);
}
