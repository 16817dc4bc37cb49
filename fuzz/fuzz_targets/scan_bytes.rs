//! Arbitrary bytes through the built-in rules: no panic, sane spans.
#![no_main]

use std::sync::OnceLock;

use libfuzzer_sys::fuzz_target;
use palisade_secrets::{RuleSet, builtin};

#[path = "common.rs"]
mod common;


fuzz_target!(|input: &[u8]| {
    let Some((&sel, data)) = input.split_first() else {
        return;
    };
    let path = common::PATHS[usize::from(sel) % common::PATHS.len()];
    // `builtin()` hands out a clone, whose regexes start with cold caches:
    // keep one set for the whole run, as the scanner does.
    static SET: OnceLock<RuleSet> = OnceLock::new();
    let set = SET.get_or_init(|| builtin().expect("builtin rules load"));
    let mut out = Vec::new();
    set.scan(path, data, &mut out);
    common::check_matches(set, path, data, &out);
});
