//! Arbitrary bytes as a dependency manifest or lockfile (untrusted input from
//! any repository): the first byte picks the format (`byte % 15`, in
//! `ManifestKind::ALL` order), the rest is the file, parsed by
//! `palisade_manifests::parse_kind`. Parsing never panics, and what it returns
//! keeps the promises of `crates/palisade-manifests/tests/manifests/invariants.rs`
//! (shared with the stable test `mutated_fixtures_keep_the_promises`).
#![no_main]

use libfuzzer_sys::fuzz_target;
use palisade_manifests::{ManifestKind, parse_kind};

#[path = "../../crates/palisade-manifests/tests/manifests/invariants.rs"]
mod invariants;

fuzz_target!(|data: &[u8]| {
    let Some((&selector, input)) = data.split_first() else {
        return;
    };
    let kind = ManifestKind::ALL[usize::from(selector) % ManifestKind::ALL.len()];
    let result = parse_kind(kind, input);
    invariants::check(kind, input, &result);
});
