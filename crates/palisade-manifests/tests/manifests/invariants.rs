//! What `parse_kind` promises about any input, checked by the stable tests
//! (`tests/manifests/hostile.rs`) and by the fuzz target
//! `fuzz/fuzz_targets/manifest_parse.rs` (included there with `#[path]`).

use palisade_manifests::{Manifest, ManifestError, ManifestKind};

/// An upper bound on the line count of `input` in any accepted encoding
/// (every `\n`, in UTF-8 or UTF-16, has a 0x0A byte).
fn max_line(input: &[u8]) -> u32 {
    let newlines = input.split(|&b| b == b'\n').count() - 1;
    u32::try_from(newlines + 1).unwrap_or(u32::MAX)
}

/// Panics with a description when `result` breaks a promise.
pub fn check(kind: ManifestKind, input: &[u8], result: &Result<Manifest, ManifestError>) {
    let max = max_line(input);
    match result {
        Ok(m) => {
            assert_eq!(m.kind, kind);
            let mut previous = 0;
            for d in &m.dependencies {
                assert_eq!(d.ecosystem, kind.ecosystem(), "{d:?}");
                assert!(!d.name.trim().is_empty(), "empty name: {d:?}");
                assert!(!d.version.trim().is_empty(), "empty version: {d:?}");
                assert!((1..=max).contains(&d.line), "line out of range ({max}): {d:?}");
                assert!(d.line >= previous, "dependencies out of line order");
                previous = d.line;
            }
            previous = 0;
            for s in &m.skipped {
                assert!((1..=max).contains(&s.line), "line out of range ({max}): {s:?}");
                assert!(s.line >= previous, "skipped out of line order");
                previous = s.line;
            }
        }
        Err(e) => {
            let message = e.to_string();
            assert!(!message.is_empty());
            if let Some(line) = e.line() {
                assert!((1..=max).contains(&line), "error line {line} > {max}: {message}");
            }
        }
    }
}
