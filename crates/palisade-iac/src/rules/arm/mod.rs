//! ARM template rules (compiled Bicep included), over every resource.

mod aks_rbac_disabled;
mod app_service_https_only;
mod app_service_min_tls;
mod key_vault_purge_protection;
mod storage_blob_public_access;
mod storage_https_only;
mod storage_min_tls;

use palisade_domain::{RuleMatch, StaticRule};

use crate::arm::{Resource, bool_of};
use crate::rules::hit;

pub(crate) type Check = fn(&[Resource<'_>], &mut Vec<RuleMatch>);

pub(crate) static RULES: &[(&StaticRule, Check)] = &[
    (&aks_rbac_disabled::RULE, aks_rbac_disabled::check),
    (&app_service_https_only::RULE, app_service_https_only::check),
    (&app_service_min_tls::RULE, app_service_min_tls::check),
    (
        &key_vault_purge_protection::RULE,
        key_vault_purge_protection::check,
    ),
    (
        &storage_blob_public_access::RULE,
        storage_blob_public_access::check,
    ),
    (&storage_https_only::RULE, storage_https_only::check),
    (&storage_min_tls::RULE, storage_min_tls::check),
];

pub(crate) fn run(resources: &[Resource<'_>], out: &mut Vec<RuleMatch>) {
    for (_, check) in RULES {
        check(resources, out);
    }
}

/// A boolean property of every resource of type `ty`: flags `bad` where it
/// is written, and its absence when the service default is the bad value.
pub(crate) fn bool_property(
    resources: &[Resource<'_>],
    out: &mut Vec<RuleMatch>,
    rule: &'static StaticRule,
    ty: &str,
    path: &[&str],
    bad: bool,
    absent_is_bad: bool,
) {
    for resource in resources.iter().filter(|r| r.is(ty)) {
        match resource.property(path) {
            Some((value, pos)) if bool_of(value) == Some(bad) => {
                hit(out, rule, pos, resource.subject.clone());
            }
            None if absent_is_bad => hit(out, rule, resource.pos, resource.subject.clone()),
            Some(_) | None => {}
        }
    }
}
