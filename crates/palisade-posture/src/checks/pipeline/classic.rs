use palisade_domain::{PipelineProcess, ResourceKind, Severity};

use super::listed;
use crate::{Check, Inventory, Outcome, Results};

pub(crate) static CHECK: Check = Check {
    id: "ado.pipeline.classic",
    title: "Pipelines should be defined in YAML, not the classic editor",
    severity: Severity::Low,
    target: ResourceKind::Pipeline,
    rationale: "A classic pipeline is edited in the web UI: its changes skip pull requests and branch policies, \
        are not in the repository history, and it cannot use YAML-only protections (required templates, \
        protected resource checks bound to the YAML). Anyone with Edit build pipeline can add a step that \
        exfiltrates the secrets and connections it uses, unreviewed.",
    remediation: &[
        "Rewrite the pipeline in YAML (Pipelines > the pipeline > Edit > ⋮ > Export to YAML helps), commit it \
         with a pull request, and delete or disable the classic definition.",
        "Then stop new ones: Project settings > Pipelines > Settings > turn on \"Disable creation of classic \
         build pipelines\" and \"Disable creation of classic release pipelines\".",
    ],
    references: &[
        "https://learn.microsoft.com/azure/devops/pipelines/release/from-classic-pipelines",
        "https://learn.microsoft.com/azure/devops/pipelines/security/overview#disable-creation-of-classic-pipelines",
    ],
    permissions: "Build (read): build/definitions",
    defender: None,
    azsk: &[],
    evaluate,
};

fn evaluate(inv: &Inventory, out: &mut Results) {
    for p in inv.pipelines() {
        let outcome = match (listed(inv, &p), &p.value.process) {
            (Err(o), _) => o,
            (Ok(()), PipelineProcess::Classic) => Outcome::fail(format!(
                "pipeline {} is a classic (designer) pipeline: its changes are not reviewed or versioned",
                p.name
            )),
            (Ok(()), PipelineProcess::Yaml { yaml_filename }) => Outcome::pass(format!(
                "pipeline {} is defined in YAML ({yaml_filename})",
                p.name
            )),
        };
        out.push(&p, outcome);
    }
}

#[cfg(test)]
mod tests {
    use palisade_domain::PipelineProcess;

    use super::super::test_support::*;

    use crate::Status;
    use crate::checks::testing::{run, statuses};
    use crate::fixture::Estate;

    #[test]
    fn yaml_passes() {
        assert_eq!(statuses(&super::CHECK, &pipe(|_| {})), [Status::Pass]);
    }

    #[test]
    fn classic_fails() {
        let r = run(&super::CHECK, &pipe(|p| p.process = PipelineProcess::Classic));
        assert_eq!(r[0].0, Status::Fail);
        assert!(r[0].1.contains("pipeline-1"), "{}", r[0].1);
    }

    #[test]
    fn stale_pipeline_is_unknown() {
        assert_eq!(statuses(&super::CHECK, &Estate::unreadable()), [Status::Unknown]);
        assert_eq!(
            statuses(
                &super::CHECK,
                &stale(pipe(|p| p.process = PipelineProcess::Classic))
            ),
            [Status::Unknown]
        );
    }
}
