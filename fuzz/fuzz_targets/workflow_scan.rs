//! Arbitrary bytes as a CI/CD pipeline definition (untrusted input from any
//! repository): the first byte picks the file name, and with it the
//! framework (`byte % 4`: `azure-pipelines.yml`, `pipelines/build.yml`,
//! `.github/workflows/ci.yml`, `action.yml`), the rest is the file, scanned
//! by `palisade_workflows::scan_file`. Scanning never panics, is
//! deterministic, and every match keeps the promises the scanner relies on:
//! a rule of the file's framework, a line inside the file, a non-empty
//! one-line subject.
#![no_main]

use libfuzzer_sys::fuzz_target;

const PATHS: [&str; 4] = [
    "azure-pipelines.yml",
    "pipelines/build.yml",
    ".github/workflows/ci.yml",
    "action.yml",
];

fuzz_target!(|data: &[u8]| {
    let Some((&selector, input)) = data.split_first() else {
        return;
    };
    let path = PATHS[usize::from(selector) % PATHS.len()];
    let framework = palisade_workflows::framework_of(path, input);
    let first = palisade_workflows::scan_file(path, input);
    match &first {
        Ok(found) => {
            if framework.is_none() {
                assert!(found.is_empty(), "a file not ours has findings");
            }
            // YAML also breaks lines at a lone `\r`; UTF-16 text has no more
            // lines than its bytes hold either.
            let max_line = input.iter().filter(|&&b| b == b'\n' || b == b'\r').count() + 1;
            for m in found {
                assert_eq!(Some(m.rule.framework), framework, "{}", m.rule.id);
                assert!(m.line >= 1 && m.line as usize <= max_line, "{} line {}", m.rule.id, m.line);
                assert!(m.column >= 1, "{} column {}", m.rule.id, m.column);
                assert!(!m.subject.is_empty() && !m.subject.contains(['\n', '\r']), "{}: {:?}", m.rule.id, m.subject);
                assert!(
                    palisade_workflows::rules().iter().any(|r| std::ptr::eq(*r, m.rule)),
                    "{} is not in the catalogue",
                    m.rule.id
                );
            }
        }
        Err(e) => {
            assert_eq!(Some(e.framework), framework, "{e}");
            assert!(!e.message.is_empty());
        }
    }
    let again = palisade_workflows::scan_file(path, input);
    match (&first, &again) {
        (Ok(a), Ok(b)) => {
            let key = |m: &palisade_workflows::RuleMatch| (m.rule.id, m.line, m.column, m.subject.clone());
            assert_eq!(a.iter().map(key).collect::<Vec<_>>(), b.iter().map(key).collect::<Vec<_>>());
        }
        (Err(a), Err(b)) => assert_eq!(a.to_string(), b.to_string()),
        _ => panic!("scan_file is not deterministic"),
    }
});
