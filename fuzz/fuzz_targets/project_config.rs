//! Arbitrary text as `palisade.toml` and as a baseline file: parsing (and
//! what the CLI does next with a parsed config) never panics.
#![no_main]

use libfuzzer_sys::fuzz_target;
use palisade_scanner::{Baseline, ProjectConfig};

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    if let Ok(cfg) = ProjectConfig::parse(&text) {
        let _ = cfg.exclude_set(&[]);
        let _ = cfg.allowlist();
        if !cfg.rules.enable.is_empty() || !cfg.rules.disable.is_empty() {
            let set = palisade_secrets::builtin().expect("builtin rules load");
            let _ = cfg.select_rules(&set, &[], &[]);
        }
    }
    if let Ok(b) = Baseline::parse(&text) {
        let _ = (b.len(), b.is_empty());
    }
});
