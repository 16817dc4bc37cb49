//! Arbitrary bytes as a SARIF log from another tool (untrusted input a user
//! uploads): `palisade_report::sarif_import::import_sarif` never panics, and
//! every finding it returns has a valid rule id, at least one location with
//! a relative path that stays inside the checkout, and lines from 1.
#![no_main]

use libfuzzer_sys::fuzz_target;
use palisade_domain::{BlobId, FingerprintKey};
use palisade_report::sarif_import::import_sarif;

fuzz_target!(|data: &[u8]| {
    let key = FingerprintKey::from_bytes([1; 32]);
    let blob_of = |path: &str| Some(BlobId::compute(path.as_bytes()));
    let Ok(out) = import_sarif(data, &key, None, &blob_of) else {
        return;
    };
    assert!(out.errors.len() as u64 <= out.results);
    for f in &out.findings {
        assert!(f.rule_id.as_str().starts_with("sarif."));
        assert!(!f.locations.is_empty());
        for l in &f.locations {
            assert!(l.line >= 1 && l.column >= 1);
            assert!(!l.path.is_empty() && !l.path.starts_with('/'));
            assert!(!l.path.split('/').any(|seg| seg == ".."));
        }
    }
});
