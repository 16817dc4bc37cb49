//! `iac.azure-pipelines.container-image-latest-tag`: a container job,
//! service or container resource uses `:latest` or no tag at all.

use palisade_domain::{RuleMatch, Severity, StaticRule};

use crate::azure::{Pipeline, parse_image};
use crate::rules::report;

pub(crate) static RULE: StaticRule = StaticRule {
    id: "iac.azure-pipelines.container-image-latest-tag",
    name: "Container image is not pinned to a version (latest or no tag)",
    severity: Severity::Medium,
    framework: "azure-pipelines",
    checkov: &["CKV_AZUREPIPELINES_1"],
    description: "`:latest` (or no tag, which means `latest`) resolves to whatever was pushed last: builds stop being reproducible, and whoever can push to the image repository decides what runs next to the pipeline's secrets.",
    remediation: "Pin the image to a version tag, better to a digest (`image: mcr.microsoft.com/dotnet/sdk:8.0@sha256:...`), and update it on purpose.",
    references: &[
        "https://learn.microsoft.com/azure/devops/pipelines/process/container-phases",
        "https://learn.microsoft.com/azure/devops/pipelines/process/resources#define-a-containers-resource",
    ],
    example_path: "azure-pipelines.yml",
    positive: &[
        r"trigger:
- main
pool:
  vmImage: ubuntu-latest
container: node:latest
steps:
- script: npm ci && npm test
",
        r"resources:
  containers:
  - container: builder
    image: myregistry.azurecr.io/tools/builder
    endpoint: acr
jobs:
- job: build
  container: builder
  services:
    db: postgres
  steps:
  - script: make
",
    ],
    negative: &[
        r"trigger:
- main
pool:
  vmImage: ubuntu-latest
container: mcr.microsoft.com/dotnet/sdk:8.0
steps:
- script: dotnet build
",
        r"resources:
  containers:
  - container: builder
    image: myregistry.azurecr.io/tools/builder@sha256:4f53cda18c2baa0c0354bb5f9a3ecbe5ed12ab4d8e11ba873c2f11161202b945
jobs:
- job: build
  container: builder
  steps:
  - script: make
- job: test
  container: ${{ parameters.image }}
  steps:
  - script: make test
",
    ],
};

pub(crate) fn check(p: &Pipeline<'_>, out: &mut Vec<RuleMatch>) {
    for (subject, image) in p.container_images() {
        let Some(parsed) = image.as_str().and_then(parse_image) else {
            continue;
        };
        let unpinned = match parsed.tag {
            Some(tag) => tag.eq_ignore_ascii_case("latest"),
            None => !parsed.has_digest,
        };
        if unpinned {
            report(out, &RULE, image, subject);
        }
    }
}
