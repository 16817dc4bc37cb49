//! Arbitrary bytes as an infrastructure-as-code file (untrusted input from
//! any repository): the first byte picks the framework by file name
//! (`byte % 4`: `main.tf`, `azuredeploy.json`, `deploy.yaml`, `Dockerfile`),
//! the rest is the file, scanned by `palisade_iac::scan_file`. Scanning never
//! panics, and every match it returns keeps the promises the scanner relies
//! on: a rule of the file's framework, a line inside the file, a non-empty
//! subject.
#![no_main]

use libfuzzer_sys::fuzz_target;

const PATHS: [(&str, &str); 4] = [
    ("main.tf", "terraform"),
    ("azuredeploy.json", "arm"),
    ("deploy.yaml", "kubernetes"),
    ("Dockerfile", "dockerfile"),
];

fuzz_target!(|data: &[u8]| {
    let Some((&selector, input)) = data.split_first() else {
        return;
    };
    let (path, framework) = PATHS[usize::from(selector) % PATHS.len()];
    match palisade_iac::scan_file(path, input) {
        Ok(found) => {
            // YAML also breaks lines at a lone `\r`; count both as breaks.
            let max_line = input.iter().filter(|&&b| b == b'\n' || b == b'\r').count() + 1;
            for m in &found {
                assert_eq!(m.rule.framework, framework, "{}", m.rule.id);
                assert!(m.line >= 1 && m.line as usize <= max_line, "{} line {}", m.rule.id, m.line);
                assert!(m.column >= 1);
                assert!(!m.subject.is_empty(), "{}", m.rule.id);
            }
        }
        Err(e) => {
            assert_eq!(e.framework, framework);
            assert!(!e.message.is_empty());
        }
    }
});
