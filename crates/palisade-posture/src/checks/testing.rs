//! Test helpers every area shares: running one check over an estate.

use std::collections::BTreeMap;

use crate::fixture::Estate;
use crate::{Check, Status, evaluate_checks};

/// Statuses and reasons of one check over an estate.
pub(crate) fn run(check: &'static Check, estate: &Estate) -> Vec<(Status, String)> {
    evaluate_checks(&estate.inventory(), &[check])
        .into_iter()
        .map(|r| (r.status, r.reason))
        .collect()
}

/// Statuses of one check over an estate.
pub(crate) fn statuses(check: &'static Check, estate: &Estate) -> Vec<Status> {
    run(check, estate).into_iter().map(|(s, _)| s).collect()
}

/// Sets flag `name` of a settings map to `value` (`None`: removes it).
pub(crate) fn set_flag(m: &mut BTreeMap<String, bool>, name: &str, value: Option<bool>) {
    match value {
        Some(v) => m.insert(name.to_owned(), v),
        None => m.remove(name),
    };
}

/// Asserts that `check` judges the one resource it reads in `estate` `expected`.
#[track_caller]
pub(crate) fn expect(check: &'static Check, estate: &Estate, expected: Status) {
    assert_eq!(statuses(check, estate), [expected], "{}", check.id);
}
