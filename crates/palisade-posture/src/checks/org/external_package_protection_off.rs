use palisade_domain::{ResourceKind, Severity};

use crate::checks::common::{Setting, org_policy};
use crate::{Check, Inventory, Results};

pub(crate) static CHECK: Check = Check {
    id: "ado.org.external-package-protection-off",
    title: "Artifacts feeds should be protected against dependency confusion",
    severity: Severity::High,
    target: ResourceKind::Organization,
    rationale: "Without external package protection, a feed with public upstreams serves a public package \
        that takes the name of an internal one: an attacker publishes a higher version of your internal \
        package name on npm, NuGet or PyPI and builds install and run it (dependency confusion).",
    remediation: &[
        "Organization settings > Security > Policies: turn on \"Additional protections when using public \
            package registries\".",
        "Artifacts > each feed > Feed settings > Upstream sources: review which packages may come from \
            public registries.",
    ],
    references: &[
        "https://learn.microsoft.com/azure/devops/organizations/accounts/change-application-access-policies",
        "https://learn.microsoft.com/azure/devops/artifacts/concepts/upstream-behavior",
    ],
    permissions: "Project Collection Administrator (organization policies are read through \
        Contribution/HierarchyQuery, ms.vss-org-web.collection-admin-policy-data-provider)",
    defender: None,
    azsk: &["ADO_Organization_SI_Protect_Private_Feeds_Impersonation"],
    evaluate,
};

pub(super) const SETTING: Setting = Setting {
    name: "Policy.ArtifactsExternalPackageProtectionToken",
    secure: true,
    pass: "public upstream versions cannot shadow internal packages",
    fail: "external package protection is off: a public package can shadow an internal package of the same \
        name",
};

fn evaluate(inv: &Inventory, out: &mut Results) {
    org_policy(inv, out, &SETTING);
}
