//! Repository checks: branch policies on the default branch, pipeline
//! access, GitHub Advanced Security.
//!
//! Which policies protect a repository's default branch is decided once,
//! here ([`default_branch_policies`]); each check asks for a policy type.

use palisade_domain::{AdvancedSecurity, BranchPolicy, Collected, Repository};

use crate::{Check, Inventory, Item, Outcome, Results};

mod advanced_security_off;
mod approvals_survive_pushes;
mod author_email_unrestricted;
mod blocking_policy_optional;
mod comment_resolution;
mod default_branch_unprotected;
mod findings_code;
mod findings_dependency;
mod findings_iac;
mod findings_secret;
mod no_build_validation;
mod no_linked_work_items;
mod no_pipeline_reviewers;
mod open_to_all;
mod push_protection_off;
mod self_approval;
mod two_reviewers;

pub(super) const CHECKS: &[&Check] = &[
    &default_branch_unprotected::CHECK,
    &two_reviewers::CHECK,
    &self_approval::CHECK,
    &approvals_survive_pushes::CHECK,
    &no_build_validation::CHECK,
    &comment_resolution::CHECK,
    &no_linked_work_items::CHECK,
    &no_pipeline_reviewers::CHECK,
    &blocking_policy_optional::CHECK,
    &open_to_all::CHECK,
    &advanced_security_off::CHECK,
    &push_protection_off::CHECK,
    &author_email_unrestricted::CHECK,
    &findings_secret::CHECK,
    &findings_code::CHECK,
    &findings_dependency::CHECK,
    &findings_iac::CHECK,
];

/// Branch policy type ids (`_apis/policy/types`), the same in every organization.
pub(super) mod policy_type {
    pub const MIN_REVIEWERS: &str = "fa4e907d-c16b-4a4c-9dfa-4906e5d171dd";
    pub const BUILD: &str = "0609b952-1397-4640-95ec-e00a01b2c241";
    pub const COMMENTS: &str = "c6a1889d-b943-4856-b76f-9e46bb6b0df2";
    pub const REQUIRED_REVIEWERS: &str = "fd2167ab-b0be-447a-8ec8-39368250530e";
    pub const WORK_ITEM_LINKING: &str = "40e92b44-2fe1-4dd6-b3d8-74a9c21d0c6e";
    pub const AUTHOR_EMAIL: &str = "77ed4bd3-b063-4689-934a-175e4d0a78d7";

    /// Repository policies (author email, file size, path length, file name,
    /// reserved names): they check pushes but do not make the branch require
    /// a pull request, so they do not protect it.
    pub const REPOSITORY_POLICIES: &[&str] = &[
        AUTHOR_EMAIL,
        "2e26e725-8201-4edd-8bf5-978563c34a80",
        "001a79cf-fda1-4c4e-9e7c-bac40ee5ead8",
        "51c78909-e838-41a2-9496-c647091e3c61",
        "db2b9b4c-180d-4529-9701-01541d19f36b",
    ];

    /// Whether a policy type gates pull requests (reviewers, builds, status...).
    pub fn gates_pull_requests(type_id: &str) -> bool {
        !REPOSITORY_POLICIES
            .iter()
            .any(|t| t.eq_ignore_ascii_case(type_id))
    }
}

/// Fails a repository in scope with open findings of `kind` from palisade's
/// own scans; unknown when palisade does not scan it (or has not yet).
pub(super) fn findings_resolved(
    inv: &Inventory,
    out: &mut Results,
    kind: palisade_domain::FindingKind,
    noun: &str,
) {
    for repo in inv.repositories() {
        if let Err(outcome) = in_scope(inv, &repo) {
            out.push(&repo, outcome);
            continue;
        }
        let outcome = match inv.findings_of(&repo.value.id) {
            None => Outcome::unknown(format!(
                "palisade does not scan {}: enable it with `palisade repos enable --repo {}`",
                repo.name, repo.name
            )),
            Some(f) if f.scanned_at.is_none() => {
                Outcome::unknown(format!("{} has not been scanned successfully yet", repo.name))
            }
            Some(f) => match f.open.get(&kind).copied().unwrap_or(0) {
                0 => Outcome::pass(format!("no open {noun} findings in {}", repo.name)),
                n => Outcome::fail(format!(
                    "{n} open {noun} finding{} in {}: `palisade findings list --kind {}`",
                    if n == 1 { "" } else { "s" },
                    repo.name,
                    kind.as_str()
                )),
            },
        };
        out.push(&repo, outcome);
    }
}

/// `refs/heads/main` → `main`, for reasons.
pub(super) fn short_branch(name: &str) -> &str {
    name.strip_prefix("refs/heads/").unwrap_or(name)
}

/// Whether the repository is one the repository checks judge, and its
/// default branch. A repository whose listing could not be read is stale
/// (unknown); disabled, hidden (wiki) and empty ones are not applicable.
pub(super) fn in_scope<'a>(inv: &Inventory, repo: &Item<'a, Repository>) -> Result<&'a str, Outcome> {
    let project = repo.project_id.unwrap_or_default();
    let stale = inv
        .readable(repo.org_id, project, "repository")
        .err()
        .or_else(|| inv.org_unread(repo.org_id, "repository"));
    if let Some(why) = stale {
        return Err(Outcome::unknown(format!(
            "{why}; what is stored about repository {} may be out of date",
            repo.name
        )));
    }
    let r = repo.value;
    if r.is_disabled {
        return Err(Outcome::not_applicable(format!(
            "repository {} is disabled",
            r.name
        )));
    }
    if r.is_hidden {
        return Err(Outcome::not_applicable(format!(
            "repository {} is hidden (it backs the project wiki)",
            r.name
        )));
    }
    match r.default_branch.as_deref() {
        Some(b) if !b.is_empty() => Ok(b),
        _ => Err(Outcome::not_applicable(format!(
            "repository {} is empty (it has no default branch yet)",
            r.name
        ))),
    }
}

/// Whether a policy scope covers `branch` of repository `repo_id`: the
/// repository matches (`None`: every repository of the project) and the ref
/// matches (`None`: every branch; `exact`; `prefix`; `DefaultBranch`:
/// the default branch of every repository).
fn scope_covers(scope: &palisade_domain::PolicyScope, repo_id: &str, branch: &str) -> bool {
    let repo_ok = scope
        .repository_id
        .as_deref()
        .is_none_or(|id| id.eq_ignore_ascii_case(repo_id));
    let kind = scope
        .match_kind
        .as_deref()
        .unwrap_or("exact")
        .to_ascii_lowercase();
    let ref_ok = if kind == "defaultbranch" {
        true
    } else {
        match scope.ref_name.as_deref() {
            None => true,
            Some(r) if kind == "prefix" => branch.to_ascii_lowercase().starts_with(&r.to_ascii_lowercase()),
            Some(r) => r.eq_ignore_ascii_case(branch),
        }
    };
    repo_ok && ref_ok
}

/// Whether an enabled policy applies to `branch` of repository `repo_id`.
pub(super) fn applies(policy: &BranchPolicy, repo_id: &str, branch: &str) -> bool {
    policy.is_enabled && policy.scopes.iter().any(|s| scope_covers(s, repo_id, branch))
}

/// The enabled policies (blocking or not) that apply to the repository's
/// default branch, or the outcome to report instead: not applicable for
/// disabled, hidden and empty repositories, unknown when the project's
/// branch policies (or the repository listing) could not be read.
pub(super) fn default_branch_policies<'a>(
    inv: &'a Inventory,
    repo: &Item<'_, Repository>,
) -> Result<Vec<&'a BranchPolicy>, Outcome> {
    let branch = in_scope(inv, repo)?;
    let policies = inv
        .policies_of(repo.org_id, repo.project_id.unwrap_or_default())
        .map_err(Outcome::unknown)?;
    Ok(policies
        .into_iter()
        .filter(|p| applies(p, &repo.value.id, branch))
        .collect())
}

/// Judges the enabled policies on each repository's default branch:
/// `judge` gets the branch (`main`), the repository's name and the policies.
/// Repositories out of scope and unread policies are reported as
/// [`default_branch_policies`] says.
pub(super) fn on_default_branch(
    inv: &Inventory,
    out: &mut Results,
    judge: impl Fn(&str, &str, &[&BranchPolicy]) -> Outcome,
) {
    for repo in inv.repositories() {
        let outcome = match default_branch_policies(inv, &repo) {
            Err(o) => o,
            Ok(policies) => {
                let branch = short_branch(repo.value.default_branch.as_deref().unwrap_or_default());
                judge(branch, &repo.name, &policies)
            }
        };
        out.push(&repo, outcome);
    }
}

/// Requires a setting of the default branch's required minimum-reviewers
/// policies: passes when one of them has it (`has`). Reasons name the branch
/// and repository: "{branch} of {repo} has no required minimum-reviewers
/// policy{none}", and "the minimum-reviewers policy #1 on {branch} of {repo}
/// {pass}" (or `fail`).
pub(super) fn reviewers_require(
    inv: &Inventory,
    out: &mut Results,
    has: fn(&serde_json::Value) -> bool,
    none: &str,
    pass: &str,
    fail: &str,
) {
    on_default_branch(inv, out, |branch, repo, policies| {
        let (blocking, _) = of_type(policies, policy_type::MIN_REVIEWERS);
        let (with, without): (Vec<_>, Vec<_>) = blocking.iter().copied().partition(|p| has(&p.settings));
        if blocking.is_empty() {
            Outcome::fail(format!(
                "{branch} of {repo} has no required minimum-reviewers policy{none}"
            ))
        } else if with.is_empty() {
            Outcome::fail(format!(
                "the minimum-reviewers policy {} on {branch} of {repo} {fail}",
                ids(&without)
            ))
        } else {
            Outcome::pass(format!(
                "the minimum-reviewers policy {} on {branch} of {repo} {pass}",
                ids(&with)
            ))
        }
    });
}

/// The policies of `type_id` among `policies`: (blocking, optional).
pub(super) fn of_type<'a>(
    policies: &[&'a BranchPolicy],
    type_id: &str,
) -> (Vec<&'a BranchPolicy>, Vec<&'a BranchPolicy>) {
    policies
        .iter()
        .copied()
        .filter(|p| p.type_id.eq_ignore_ascii_case(type_id))
        .partition(|p| p.is_blocking)
}

/// `#12, #15` for reasons.
pub(super) fn ids(policies: &[&BranchPolicy]) -> String {
    policies
        .iter()
        .map(|p| format!("#{}", p.id))
        .collect::<Vec<_>>()
        .join(", ")
}

/// Fails a repository whose default branch has no enabled, blocking policy
/// of `type_id`. `what` names the policy (`build validation policy`).
pub(super) fn require_policy(inv: &Inventory, out: &mut Results, type_id: &str, what: &str) {
    on_default_branch(inv, out, |branch, repo, policies| {
        let (blocking, optional) = of_type(policies, type_id);
        if !blocking.is_empty() {
            Outcome::pass(format!(
                "the {what} (policy {}) is enabled and required on {branch} of {}",
                ids(&blocking),
                repo
            ))
        } else if !optional.is_empty() {
            Outcome::fail(format!(
                "the {what} on {branch} of {} (policy {}) is optional: pull requests complete \
                    without it",
                repo,
                ids(&optional)
            ))
        } else {
            Outcome::fail(format!("{branch} of {repo} has no enabled, required {what}"))
        }
    });
}

/// The repository's GitHub Advanced Security state, or the outcome to
/// report instead (not in scope, or the enablement could not be read).
/// `None`: Advanced Security was read and the repository is not in it.
pub(super) fn advanced_security<'a>(
    inv: &'a Inventory,
    repo: &Item<'_, Repository>,
) -> Result<Option<&'a AdvancedSecurity>, Outcome> {
    in_scope(inv, repo)?;
    let project = repo.project_id.unwrap_or_default();
    let Some(settings) = inv.project_settings(repo.org_id, project) else {
        return Err(Outcome::unknown(
            "the project's settings (with Advanced Security enablement) were not collected",
        ));
    };
    match &settings.advanced_security {
        Collected::Read(map) => Ok(map
            .iter()
            .find(|(id, _)| id.eq_ignore_ascii_case(&repo.value.id))
            .map(|(_, a)| a)),
        other => Err(Outcome::unknown(
            other
                .why_missing("the project's GitHub Advanced Security enablement")
                .unwrap_or_default(),
        )),
    }
}

/// Judges each repository's GitHub Advanced Security state with `judge`
/// (the repository's name, and `None` when it is not in Advanced Security);
/// out of scope or unread as [`advanced_security`] says.
pub(super) fn on_advanced_security(
    inv: &Inventory,
    out: &mut Results,
    judge: impl Fn(&str, Option<&AdvancedSecurity>) -> Outcome,
) {
    for repo in inv.repositories() {
        let outcome = match advanced_security(inv, &repo) {
            Err(o) => o,
            Ok(a) => judge(&repo.name, a),
        };
        out.push(&repo, outcome);
    }
}

#[cfg(test)]
pub(super) mod test_support {
    use palisade_domain::{BranchPolicy, Resource};

    use crate::fixture::{Estate, PROJECT, policy, repository};

    /// Repository r1 of the project with the given policies.
    pub fn repo_with(policies: Vec<BranchPolicy>) -> Estate {
        let mut e = Estate::new().with(Resource::Repository(repository("r1", PROJECT)));
        for p in policies {
            e = e.with(Resource::BranchPolicy(p));
        }
        e
    }

    /// A policy of `type_id` on main of r1.
    pub fn on_r1(id: i64, type_id: &str, settings: serde_json::Value) -> BranchPolicy {
        policy(id, PROJECT, type_id, Some("r1"), settings)
    }

    /// The not-applicable repositories: disabled, hidden, empty.
    pub fn out_of_scope(policies: &[BranchPolicy]) -> Vec<Estate> {
        let mut out = Vec::new();
        for f in [
            (|r: &mut palisade_domain::Repository| r.is_disabled = true) as fn(&mut _),
            |r| r.is_hidden = true,
            |r| r.default_branch = None,
        ] {
            out.push(repo_with(policies.to_vec()).map(move |res| {
                if let Resource::Repository(r) = res {
                    f(r);
                }
            }));
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use palisade_domain::PolicyScope;

    use super::*;
    use crate::fixture::{PROJECT, policy};

    fn scoped(repo: Option<&str>, r#ref: Option<&str>, kind: Option<&str>) -> BranchPolicy {
        let mut p = policy(1, PROJECT, policy_type::BUILD, None, serde_json::json!({}));
        p.scopes = vec![PolicyScope {
            repository_id: repo.map(str::to_owned),
            ref_name: r#ref.map(str::to_owned),
            match_kind: kind.map(str::to_owned),
        }];
        p
    }

    #[test]
    fn scopes_match_repository_and_branch() {
        let main = "refs/heads/main";
        assert!(applies(&scoped(None, None, None), "R1", main));
        assert!(applies(
            &scoped(Some("r1"), Some(main), Some("Exact")),
            "R1",
            main
        ));
        assert!(applies(
            &scoped(Some("R1"), Some("refs/heads/"), Some("Prefix")),
            "r1",
            main
        ));
        assert!(applies(&scoped(None, None, Some("DefaultBranch")), "r1", main));
        assert!(!applies(
            &scoped(Some("r2"), Some(main), Some("exact")),
            "r1",
            main
        ));
        assert!(!applies(
            &scoped(None, Some("refs/heads/release"), Some("prefix")),
            "r1",
            main
        ));
        assert!(!applies(
            &scoped(None, Some("refs/heads/mai"), Some("exact")),
            "r1",
            main
        ));
        let mut disabled = scoped(None, None, None);
        disabled.is_enabled = false;
        assert!(!applies(&disabled, "r1", main));
    }
}

#[cfg(test)]
mod findings_tests {
    use std::collections::BTreeMap;

    use palisade_domain::{FindingKind, RepoFindings, Resource, Timestamp};

    use crate::Status;
    use crate::checks::testing::{expect, statuses};
    use crate::fixture::{Estate, PROJECT, repository};

    const CHECKS: [(&crate::Check, FindingKind); 4] = [
        (&super::findings_secret::CHECK, FindingKind::Secret),
        (&super::findings_code::CHECK, FindingKind::Code),
        (&super::findings_dependency::CHECK, FindingKind::Dependency),
        (&super::findings_iac::CHECK, FindingKind::Iac),
    ];

    fn scanned(open: &[(FindingKind, u64)]) -> Estate {
        Estate::new()
            .with(Resource::Repository(repository("r1", PROJECT)))
            .with_findings(
                "r1",
                RepoFindings {
                    scanned_at: Some(Timestamp::from_millis(1)),
                    open: open.iter().copied().collect::<BTreeMap<_, _>>(),
                },
            )
    }

    #[test]
    fn open_findings_of_the_kind_fail_others_pass() {
        for (check, kind) in CHECKS {
            expect(check, &scanned(&[]), Status::Pass);
            expect(check, &scanned(&[(kind, 2)]), Status::Fail);
            let others: Vec<_> = FindingKind::ALL
                .into_iter()
                .filter(|k| *k != kind)
                .map(|k| (k, 5))
                .collect();
            assert_eq!(
                statuses(check, &scanned(&others)),
                [Status::Pass],
                "{}: other kinds do not count",
                check.id
            );
        }
    }

    #[test]
    fn unscanned_repositories_are_unknown() {
        for (check, _) in CHECKS {
            let never = Estate::new().with(Resource::Repository(repository("r1", PROJECT)));
            expect(check, &never, Status::Unknown);
            let pending = Estate::new()
                .with(Resource::Repository(repository("r1", PROJECT)))
                .with_findings("r1", RepoFindings::default());
            expect(check, &pending, Status::Unknown);
        }
    }
}

/// The "policy of type X missing" checks: each requires one enabled,
/// blocking policy type on the default branch.
#[cfg(test)]
mod require_policy_tests {
    use serde_json::json;

    use super::policy_type::{AUTHOR_EMAIL, BUILD, COMMENTS, MIN_REVIEWERS, WORK_ITEM_LINKING};
    use super::test_support::{on_r1, out_of_scope, repo_with};
    use crate::checks::testing::{expect, run, statuses};
    use crate::fixture::{Estate, PROJECT, policy};
    use crate::{Check, Status};

    const CHECKS: [(&Check, &str); 4] = [
        (&super::no_build_validation::CHECK, BUILD),
        (&super::comment_resolution::CHECK, COMMENTS),
        (&super::no_linked_work_items::CHECK, WORK_ITEM_LINKING),
        (&super::author_email_unrestricted::CHECK, AUTHOR_EMAIL),
    ];

    #[test]
    fn required_policy_passes() {
        for (check, type_id) in CHECKS {
            let e = repo_with(vec![on_r1(1, type_id, json!({}))]);
            expect(check, &e, Status::Pass);
            let wide = policy(2, PROJECT, type_id, None, json!({}));
            assert_eq!(
                statuses(check, &repo_with(vec![wide])),
                [Status::Pass],
                "{}: project-wide",
                check.id
            );
        }
    }

    #[test]
    fn missing_or_optional_policy_fails() {
        for (check, type_id) in CHECKS {
            let other = on_r1(1, MIN_REVIEWERS, json!({"minimumApproverCount": 2}));
            let r = run(check, &repo_with(vec![other]));
            assert_eq!(r[0].0, Status::Fail, "{}", check.id);
            assert!(r[0].1.contains("repo-r1"), "{}: {}", check.id, r[0].1);
            let mut optional = on_r1(3, type_id, json!({}));
            optional.is_blocking = false;
            let r = run(check, &repo_with(vec![optional]));
            assert_eq!(r[0].0, Status::Fail, "{}", check.id);
            assert!(r[0].1.contains("optional"), "{}: {}", check.id, r[0].1);
        }
    }

    #[test]
    fn unread_policies_are_unknown() {
        for (check, _) in CHECKS {
            expect(check, &Estate::unreadable(), Status::Unknown);
        }
    }

    #[test]
    fn out_of_scope_repositories_are_not_applicable() {
        for (check, _) in CHECKS {
            for e in out_of_scope(&[]) {
                expect(check, &e, Status::NotApplicable);
            }
        }
    }
}

/// The GitHub Advanced Security checks: each reads the repository's
/// enablement in the project's settings.
#[cfg(test)]
mod advanced_security_tests {
    use palisade_domain::{AdvancedSecurity, Collected, Resource};

    use super::test_support::{out_of_scope, repo_with};
    use crate::checks::testing::{expect, run, statuses};
    use crate::fixture::Estate;
    use crate::{Check, Status};

    /// The repository's enablement (enabled, block pushes); `None`: not in
    /// Advanced Security.
    type State = Option<(bool, bool)>;

    /// A failing enablement, with a word of its reason.
    type Failing = (State, &'static str);

    /// (check, the enablement that passes, failing ones with a word of their reason).
    const CHECKS: [(&Check, State, [Failing; 2]); 2] = [
        (
            &super::advanced_security_off::CHECK,
            Some((true, false)),
            [(Some((false, false)), "not enabled"), (None, "repo-r1")],
        ),
        (
            &super::push_protection_off::CHECK,
            Some((true, true)),
            [
                (Some((true, false)), "push protection is off"),
                (None, "Secret Protection"),
            ],
        ),
    ];

    /// Repository r1 with its enablement stored under `key` (any case).
    fn with(key: &'static str, state: State) -> Estate {
        repo_with(vec![]).map(move |r| {
            if let Resource::ProjectSettings(s) = r
                && let Collected::Read(map) = &mut s.advanced_security
                && let Some((enabled, block_pushes)) = state
            {
                map.insert(
                    key.into(),
                    AdvancedSecurity {
                        enabled,
                        block_pushes,
                    },
                );
            }
        })
    }

    #[test]
    fn enabled_passes() {
        for (check, passing, _) in CHECKS {
            for key in ["r1", "R1"] {
                assert_eq!(
                    statuses(check, &with(key, passing)),
                    [Status::Pass],
                    "{}: {key}",
                    check.id
                );
            }
        }
    }

    #[test]
    fn disabled_or_absent_fails() {
        for (check, _, failing) in CHECKS {
            for (state, word) in failing {
                let r = run(check, &with("r1", state));
                assert_eq!(r[0].0, Status::Fail, "{}: {state:?}", check.id);
                assert!(r[0].1.contains(word), "{}: {}", check.id, r[0].1);
            }
        }
    }

    #[test]
    fn unread_enablement_is_unknown() {
        for (check, passing, _) in CHECKS {
            expect(check, &Estate::unreadable(), Status::Unknown);
            for c in [Collected::NotCollected, Collected::Unreadable("HTTP 403".into())] {
                let e = with("r1", passing).map(move |r| {
                    if let Resource::ProjectSettings(s) = r {
                        s.advanced_security = c.clone();
                    }
                });
                expect(check, &e, Status::Unknown);
            }
        }
    }

    #[test]
    fn out_of_scope_repositories_are_not_applicable() {
        for (check, ..) in CHECKS {
            for e in out_of_scope(&[]) {
                expect(check, &e, Status::NotApplicable);
            }
        }
    }
}

/// The checks of a minimum-reviewers policy setting (the requestor's vote,
/// resetting votes on a push): one required policy with it passes.
#[cfg(test)]
mod reviewer_setting_tests {
    use super::policy_type::MIN_REVIEWERS;
    use super::test_support::{on_r1, out_of_scope, repo_with};
    use crate::checks::testing::{expect, run, statuses};
    use crate::fixture::Estate;
    use crate::{Check, Status};

    /// (check, passing policy settings, a failing one), as JSON.
    const CHECKS: [(&Check, [&str; 2], &str); 2] = [
        (
            &super::self_approval::CHECK,
            [
                r#"{"minimumApproverCount": 2, "creatorVoteCounts": false}"#,
                // `creatorVoteCounts` is off unless set.
                r#"{"minimumApproverCount": 2}"#,
            ],
            r#"{"minimumApproverCount": 2, "creatorVoteCounts": true}"#,
        ),
        (
            &super::approvals_survive_pushes::CHECK,
            [
                r#"{"resetOnSourcePush": true}"#,
                r#"{"requireVoteOnLastIteration": true}"#,
            ],
            r#"{"resetOnSourcePush": false, "blockLastPusherVote": true}"#,
        ),
    ];

    fn reviewers(settings: &str) -> palisade_domain::BranchPolicy {
        on_r1(1, MIN_REVIEWERS, serde_json::from_str(settings).unwrap())
    }

    #[test]
    fn policy_with_the_setting_passes() {
        for (check, passing, _) in CHECKS {
            for s in passing {
                let e = repo_with(vec![reviewers(s)]);
                assert_eq!(statuses(check, &e), [Status::Pass], "{}: {s}", check.id);
            }
        }
    }

    #[test]
    fn policy_without_the_setting_or_no_policy_fails() {
        for (check, passing, failing) in CHECKS {
            let r = run(check, &repo_with(vec![reviewers(failing)]));
            assert_eq!(r[0].0, Status::Fail, "{}", check.id);
            assert!(r[0].1.contains("#1"), "{}: {}", check.id, r[0].1);
            expect(check, &repo_with(vec![]), Status::Fail);
            // An optional policy does not count.
            let mut optional = reviewers(passing[0]);
            optional.is_blocking = false;
            assert_eq!(
                statuses(check, &repo_with(vec![optional])),
                [Status::Fail],
                "{}: optional",
                check.id
            );
        }
    }

    #[test]
    fn unread_policies_are_unknown() {
        for (check, ..) in CHECKS {
            expect(check, &Estate::unreadable(), Status::Unknown);
        }
    }

    #[test]
    fn out_of_scope_repositories_are_not_applicable() {
        for (check, _, failing) in CHECKS {
            for e in out_of_scope(&[reviewers(failing)]) {
                expect(check, &e, Status::NotApplicable);
            }
        }
    }
}
