//! `iac.azure-pipelines.container-image-without-digest`: a container image
//! is referenced by tag only, not by digest.

use palisade_domain::{RuleMatch, Severity, StaticRule};

use crate::azure::{Pipeline, parse_image};
use crate::rules::report;

pub(crate) static RULE: StaticRule = StaticRule {
    id: "iac.azure-pipelines.container-image-without-digest",
    name: "Container image is not pinned by digest",
    severity: Severity::Low,
    framework: "azure-pipelines",
    checkov: &["CKV_AZUREPIPELINES_2"],
    description: "Tags can be moved: whoever can push to the image repository (or takes it over) can replace `sdk:8.0` with an image that reads the pipeline's secrets. A digest names exactly one image.",
    remediation: "Reference the image by digest (`image: registry/name:8.0@sha256:...`), with the tag kept for readers, and let a dependency bot propose updates.",
    references: &[
        "https://learn.microsoft.com/azure/devops/pipelines/process/container-phases",
        "https://docs.docker.com/reference/cli/docker/image/pull/#pull-an-image-by-digest-immutable-identifier",
    ],
    example_path: "azure-pipelines.yml",
    positive: &[r"trigger:
- main
pool:
  vmImage: ubuntu-latest
container: mcr.microsoft.com/dotnet/sdk:8.0
steps:
- script: dotnet build
"],
    negative: &[
        r"trigger:
- main
pool:
  vmImage: ubuntu-latest
container: mcr.microsoft.com/dotnet/sdk:8.0@sha256:4f53cda18c2baa0c0354bb5f9a3ecbe5ed12ab4d8e11ba873c2f11161202b945
steps:
- script: dotnet build
",
        r"pool:
  vmImage: ubuntu-latest
steps:
- script: dotnet build
",
    ],
};

pub(crate) fn check(p: &Pipeline<'_>, out: &mut Vec<RuleMatch>) {
    for (subject, image) in p.container_images() {
        let Some(parsed) = image.as_str().and_then(parse_image) else {
            continue;
        };
        if !parsed.has_digest {
            report(out, &RULE, image, subject);
        }
    }
}
