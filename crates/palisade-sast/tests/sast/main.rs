//! The one integration test binary of palisade-sast.
//!
//! TODO(test): taint through closures and class fields is out of scope (see RULES.md limits).

mod builtin_rules;
mod check_file;
mod hostile;
mod positions;
mod taint;

use palisade_sast::{CodeMatch, RuleSet};

/// Ids of the rules that matched.
pub fn ids(rules: &RuleSet, matches: &[CodeMatch]) -> Vec<String> {
    matches
        .iter()
        .map(|m| rules.rules()[m.rule].id.to_string())
        .collect()
}
