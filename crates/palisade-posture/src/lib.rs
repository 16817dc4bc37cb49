//! Posture checks over the discovered Azure DevOps estate.
//!
//! Each check is a [`Check`]: metadata (stable id, severity, rationale,
//! remediation, references, the permission its data needs) and a pure
//! function from an [`Inventory`] to one [`CheckResult`] per resource it
//! looks at. One check per file under `src/checks/<area>/`.
//!
//! A check never passes what it could not see: data that discovery could not
//! read (a permission the identity lacks, a preview API that is off) or never
//! collected makes the result [`Status::Unknown`] with the reason.
//! [`score`] weighs passed checks by severity over the applicable ones.

mod check;
mod checks;
pub mod fixture;
mod inventory;
mod score;

pub use check::{Check, CheckResult, Outcome, Results, Status, UnknownStatus};
pub use checks::all;
pub use inventory::{Inventory, Item};
pub use score::{Score, score, severity_weight};

/// Every check, by id.
pub fn find(id: &str) -> Option<&'static Check> {
    all().iter().copied().find(|c| c.id.eq_ignore_ascii_case(id))
}

/// Runs every check over the inventory.
pub fn evaluate(inventory: &Inventory) -> Vec<CheckResult> {
    evaluate_checks(inventory, all())
}

/// Runs the given checks over the inventory, results in check order.
pub fn evaluate_checks(inventory: &Inventory, checks: &[&'static Check]) -> Vec<CheckResult> {
    let mut results = Results::default();
    for check in checks {
        results.begin(check);
        (check.evaluate)(inventory, &mut results);
    }
    results.into_vec()
}
