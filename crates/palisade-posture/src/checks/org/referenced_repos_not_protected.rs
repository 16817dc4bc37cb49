use palisade_domain::{ResourceKind, Severity};

use super::REFERENCED_REPO_SCOPED_TOKEN;
use crate::checks::common::org_setting;
use crate::{Check, Inventory, Results};

pub(crate) static CHECK: Check = Check {
    id: "ado.org.referenced-repos-not-protected",
    title: "Access to repositories in YAML pipelines should be protected",
    severity: Severity::Medium,
    target: ResourceKind::Organization,
    rationale: "Without this setting a YAML pipeline's job token can clone every repository its build \
        identity can read, not only the ones the pipeline declares: a pull request that adds a script can \
        exfiltrate other teams' code.",
    remediation: &[
        "Organization settings > Pipelines > Settings: turn on \"Protect access to repositories in YAML \
            pipelines\".",
        "Pipelines that need another repository then declare it (resources.repositories or checkout) and \
            are authorized once.",
    ],
    references: &[
        "https://learn.microsoft.com/azure/devops/pipelines/security/secure-access-to-repos",
        "https://learn.microsoft.com/azure/devops/pipelines/process/access-tokens",
    ],
    permissions: "Project Collection Administrator (organization pipeline settings are read through \
        Contribution/HierarchyQuery, ms.vss-build-web.pipelines-org-settings-data-provider)",
    defender: None,
    azsk: &["ADO_Organization_AuthZ_Limit_Pipeline_Scope_To_Referenced_Repos"],
    evaluate,
};

fn evaluate(inv: &Inventory, out: &mut Results) {
    org_setting(inv, out, &REFERENCED_REPO_SCOPED_TOKEN);
}
