//! The `osv_record` invariant, shared by the fuzz target and by the stable
//! test `crates/palisade-advisories/tests/advisories/fuzz_inputs.rs`
//! (included with `#[path]` in both places, not a crate).

use palisade_advisories::{AdvisoryIndex, Event, OsvRecord, parse_record};

/// Parses `bytes` as one OSV record; never panics. An advisory that parses
/// is indexed and queried with every version it names (plus `0` and
/// `1.0.0`): matching never panics, and reported fixes are never empty.
pub fn check_osv_record(bytes: &[u8]) {
    let Ok(OsvRecord::Advisory(advisory)) = parse_record(bytes) else {
        return;
    };
    assert!(!advisory.id.is_empty());
    let mut queries = Vec::new();
    for affected in &advisory.affected {
        let events = affected
            .ranges
            .iter()
            .flat_map(|r| r.events.iter().map(Event::version));
        let listed = affected.versions.iter().map(String::as_str);
        for version in events.chain(listed).chain(["0", "1.0.0"]) {
            queries.push((
                affected.package.ecosystem.clone(),
                affected.package.name.clone(),
                version.to_owned(),
            ));
        }
    }
    let index = AdvisoryIndex::new([advisory]);
    for (ecosystem, name, version) in queries {
        for hit in index.is_affected(&ecosystem, &name, &version) {
            assert!(
                hit.fixed.iter().all(|f| !f.is_empty()),
                "empty fixed version in {hit:?}"
            );
        }
    }
}
