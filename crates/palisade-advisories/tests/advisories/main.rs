//! Integration tests of palisade-advisories: record parsing, export loading
//! (folders, zips, zip bombs), version ordering per ecosystem (tables from
//! each ecosystem's documentation, and proptests of the total-order laws)
//! and matching against the fixture records in `tests/fixtures/osv/`.
//!
//! TODO(test): no test against a real osv.dev `all.zip` (network); the
//! fixtures follow its layout (one record per `ID.json` entry).

mod fuzz_inputs;
mod load;
mod matching;
mod order;
mod parse;

use std::path::PathBuf;

use palisade_advisories::{Advisory, AdvisoryIndex, Limits, OsvRecord, load_export, parse_record};

/// The fixture export folder.
pub fn fixtures() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/osv")
}

/// The bytes of a fixture, by path relative to [`fixtures`].
pub fn fixture(rel: &str) -> Vec<u8> {
    std::fs::read(fixtures().join(rel)).unwrap_or_else(|e| panic!("fixture {rel}: {e}"))
}

/// A fixture that must parse as an advisory in force.
pub fn advisory(rel: &str) -> Advisory {
    match parse_record(&fixture(rel)) {
        Ok(OsvRecord::Advisory(a)) => a,
        other => panic!("{rel}: expected an advisory, got {other:?}"),
    }
}

/// Every loadable fixture, indexed.
pub fn fixture_index() -> AdvisoryIndex {
    let report = load_export(&fixtures(), &Limits::default()).expect("fixture folder loads");
    AdvisoryIndex::new(report.advisories)
}
