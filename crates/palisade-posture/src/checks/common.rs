//! Shapes many checks share: a boolean setting that must hold, and a
//! protected resource that must not be open to every pipeline.

use palisade_domain::Collected;

use crate::{Inventory, Item, Outcome, Results};

/// How a boolean setting reads to people.
pub(crate) struct Setting {
    /// ADO's name (`enforceJobAuthScope`, `Policy.DisallowSecureShell`).
    pub name: &'static str,
    /// The value that is safe.
    pub secure: bool,
    /// What holds when it is safe ("job tokens are scoped to the project").
    pub pass: &'static str,
    /// What is wrong when it is not.
    pub fail: &'static str,
}

fn judge(map: &std::collections::BTreeMap<String, bool>, s: &Setting, whose: &str) -> Outcome {
    match map.get(s.name) {
        Some(&v) if v == s.secure => Outcome::pass(s.pass),
        Some(_) => Outcome::fail(s.fail),
        None => Outcome::unknown(format!("{whose} did not include `{}`", s.name)),
    }
}

/// An organization policy (`Policy.*`) that must have its safe value.
pub(crate) fn org_policy(inv: &Inventory, out: &mut Results, s: &Setting) {
    for org in inv.organizations() {
        let outcome = match &org.value.policies {
            Collected::Read(map) => judge(map, s, "the organization's policies"),
            other => Outcome::unknown(
                other
                    .why_missing("the organization's policies")
                    .unwrap_or_default(),
            ),
        };
        out.push(&org, outcome);
    }
}

/// An organization-level pipeline setting that must have its safe value.
pub(crate) fn org_setting(inv: &Inventory, out: &mut Results, s: &Setting) {
    for org in inv.organizations() {
        let outcome = match &org.value.pipeline_settings {
            Collected::Read(map) => judge(map, s, "the organization's pipeline settings"),
            other => Outcome::unknown(
                other
                    .why_missing("the organization's pipeline settings")
                    .unwrap_or_default(),
            ),
        };
        out.push(&org, outcome);
    }
}

/// Whether the organization enforces a pipeline setting for every project.
pub(crate) fn org_enforces(inv: &Inventory, org_id: &str, s: &Setting) -> bool {
    inv.organization(org_id)
        .and_then(|o| o.pipeline_settings.read())
        .and_then(|m| m.get(s.name))
        .is_some_and(|&v| v == s.secure)
}

/// A project pipeline setting (`build/generalsettings`) that must have its
/// safe value, in the project or enforced by its organization.
pub(crate) fn project_setting(inv: &Inventory, out: &mut Results, s: &Setting) {
    for p in inv.projects() {
        let outcome = if org_enforces(inv, p.org_id, s) {
            Outcome::pass(format!("{} (enforced by the organization)", s.pass))
        } else {
            match inv.readable(p.org_id, &p.value.id, "project-settings") {
                Err(why) => Outcome::unknown(why),
                Ok(()) => match inv.project_settings(p.org_id, &p.value.id) {
                    Some(settings) => {
                        judge(&settings.pipeline_settings, s, "the project's pipeline settings")
                    }
                    None => Outcome::unknown("the project's pipeline settings were not collected"),
                },
            }
        };
        out.push(&p, outcome);
    }
}

/// Fails a protected resource open to every pipeline of its project.
/// `resource_type` is the pipeline-permission type (`endpoint`, ...).
pub(crate) fn not_open_to_all<T>(
    inv: &Inventory,
    out: &mut Results,
    item: &Item<'_, T>,
    resource_type: &str,
    resource_id: &str,
) {
    let project = item.project_id.unwrap_or_default();
    let outcome = match inv.permission(item.org_id, project, resource_type, resource_id) {
        Err(why) => Outcome::unknown(why),
        Ok(p) if p.all_pipelines == Some(true) => {
            Outcome::fail("every pipeline of the project may use it without approval")
        }
        Ok(p) => Outcome::pass(format!(
            "only authorized pipelines may use it ({} authorized)",
            p.pipeline_ids.len()
        )),
    };
    out.push(item, outcome);
}

/// Whether a variable name says it holds a secret. Discovery never keeps
/// values, so the name is the signal that a value sits in clear.
pub(crate) fn secret_like_name(name: &str) -> bool {
    const WORDS: &[&str] = &[
        "password",
        "passwd",
        "pwd",
        "secret",
        "token",
        "apikey",
        "api_key",
        "api-key",
        "accesskey",
        "access_key",
        "privatekey",
        "private_key",
        "connectionstring",
        "connection_string",
        "credential",
        "clientsecret",
        "sastoken",
        "pat",
    ];
    let n = name.to_ascii_lowercase();
    WORDS.iter().any(|w| {
        if *w == "pat" || *w == "pwd" {
            // Short words only as a whole segment: `PAT`, `ado.pat`, `db_pwd`.
            n.split(|c: char| !c.is_ascii_alphanumeric()).any(|seg| seg == *w)
        } else {
            n.contains(w)
        }
    })
}

/// Whether a name reads as production (`AzSK`'s list: Production, Prod, Pre-Prod, ...).
pub(crate) fn production_like(name: &str) -> bool {
    name.to_ascii_lowercase().contains("prod")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secret_names() {
        for n in [
            "DB_PASSWORD",
            "apiKey",
            "ado.pat",
            "client-secret",
            "StorageConnectionString",
            "db_pwd",
        ] {
            assert!(secret_like_name(n), "{n}");
        }
        for n in [
            "buildConfiguration",
            "path",
            "patch",
            "system.debug",
            "tokenizerVersion2",
        ] {
            // `tokenizer` contains `token`: a false positive we accept but document.
            if n == "tokenizerVersion2" {
                assert!(secret_like_name(n));
            } else {
                assert!(!secret_like_name(n), "{n}");
            }
        }
    }
}
