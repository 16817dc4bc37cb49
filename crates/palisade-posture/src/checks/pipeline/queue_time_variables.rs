use palisade_domain::{ResourceKind, Severity};

use super::{Enforced, SETTABLE_VAR, enforced, listed};
use crate::{Check, Inventory, Outcome, Results};

pub(crate) static CHECK: Check = Check {
    id: "ado.pipeline.queue-time-variables",
    title: "Pipeline variables should not be settable at queue time",
    severity: Severity::Medium,
    target: ResourceKind::Pipeline,
    rationale: "Whoever may queue a pipeline may override a variable settable at queue time: point a URL, host or \
        feed variable at a server they control and the run sends its artifacts, tokens or deployment there, or \
        inject arguments into scripts that expand the variable, without changing any reviewed code.",
    remediation: &[
        "Pipelines > the pipeline > Edit > Variables: for each variable named in the result, clear \"Let users \
         override this value when running this pipeline\" (classic: \"Settable at queue time\"); take run \
         inputs as runtime parameters with a fixed list of values instead.",
        "Project settings > Pipelines > Settings: turn on \"Limit variables that can be set at queue time\" \
         (or the organization setting) so only variables explicitly marked settable can be overridden.",
    ],
    references: &[
        "https://learn.microsoft.com/azure/devops/pipelines/security/inputs#queue-time-variables",
        "https://learn.microsoft.com/azure/devops/pipelines/security/inputs#limit-variables-that-can-be-set-at-queue-time",
    ],
    permissions: "Build (read): build/definitions/{id}; build/generalsettings of the project",
    defender: None,
    azsk: &[
        "ADO_Build_SI_Review_Variables_Settable_At_Queue_Time",
        "ADO_Build_SI_Review_URL_Variables_Settable_At_Queue_Time",
    ],
    evaluate,
};

/// Names that point somewhere: overriding them redirects the run.
fn url_like(name: &str) -> bool {
    let n = name.to_ascii_lowercase();
    ["url", "uri", "endpoint", "host", "server", "feed", "registry"]
        .iter()
        .any(|w| n.contains(w))
}

fn evaluate(inv: &Inventory, out: &mut Results) {
    for p in inv.pipelines() {
        if let Err(o) = listed(inv, &p) {
            out.push(&p, o);
            continue;
        }
        let settable: Vec<&str> = p
            .value
            .variables
            .iter()
            .filter(|v| v.allow_override)
            .map(|v| v.name.as_str())
            .collect();
        let outcome = if settable.is_empty() {
            match enforced(inv, p.org_id, p.project_id.unwrap_or_default(), &SETTABLE_VAR) {
                Enforced::By(who) => Outcome::pass(format!(
                    "no variable of pipeline {} is settable at queue time, and {who}: {}",
                    p.name, SETTABLE_VAR.pass
                )),
                Enforced::No => Outcome::fail(format!(
                    "no variable of pipeline {} is marked settable, but the project does not limit variables \
                     set at queue time (enforceSettableVar is off): anyone who can queue it may set any variable",
                    p.name
                )),
                Enforced::Unknown(why) => Outcome::unknown(format!(
                    "no variable of pipeline {} is marked settable at queue time, but whether other variables \
                     can be set is unknown: {why}",
                    p.name
                )),
            }
        } else {
            let urls: Vec<&str> = settable.iter().copied().filter(|n| url_like(n)).collect();
            let extra = if urls.is_empty() {
                String::new()
            } else {
                format!(" (of which {} point where the run connects)", urls.join(", "))
            };
            Outcome::fail(format!(
                "pipeline {} lets whoever queues it override {}{extra}",
                p.name,
                settable.join(", ")
            ))
        };
        out.push(&p, outcome);
    }
}

#[cfg(test)]
mod tests {
    use palisade_domain::PipelineVariable;

    use super::super::test_support::*;

    use crate::Status;
    use crate::checks::testing::{run, statuses};
    use crate::fixture::Estate;

    fn var(name: &str, allow_override: bool) -> PipelineVariable {
        PipelineVariable {
            name: name.into(),
            is_secret: false,
            allow_override,
        }
    }

    #[test]
    fn nothing_settable_and_limited_passes() {
        let e = pipe(|p| p.variables = vec![var("buildConfiguration", false)]);
        assert_eq!(statuses(&super::CHECK, &e), [Status::Pass]);
        let e = project_setting(
            setting(pipe(|_| {}), "enforceSettableVar", false),
            "enforceSettableVar",
            true,
        );
        assert_eq!(statuses(&super::CHECK, &e), [Status::Pass]);
    }

    #[test]
    fn settable_variables_or_unlimited_project_fail() {
        let e = pipe(|p| p.variables = vec![var("deployUrl", true), var("config", true), var("x", false)]);
        let r = run(&super::CHECK, &e);
        assert_eq!(r[0].0, Status::Fail);
        assert!(
            r[0].1.contains("deployUrl, config") && r[0].1.contains("of which deployUrl"),
            "{}",
            r[0].1
        );
        let e = setting(pipe(|_| {}), "enforceSettableVar", false);
        assert_eq!(statuses(&super::CHECK, &e), [Status::Fail]);
    }

    #[test]
    fn unread_data_is_unknown() {
        assert_eq!(statuses(&super::CHECK, &Estate::unreadable()), [Status::Unknown]);
        assert_eq!(
            statuses(&super::CHECK, &settings_unreadable(pipe(|_| {}))),
            [Status::Unknown]
        );
        assert_eq!(statuses(&super::CHECK, &stale(pipe(|_| {}))), [Status::Unknown]);
    }
}
