//! Arbitrary text as a rule YAML file: loading never panics; a set that loads
//! scans without panicking and yields sane spans.
#![no_main]

use libfuzzer_sys::fuzz_target;
use palisade_secrets::{RuleSet, check_examples};

#[path = "common.rs"]
mod common;

const FIXED: &[(&str, &[u8])] = &[
    (
        "x.txt",
        b"token = tok_abcd1234\npassword=hunter2x # palisade:ignore\n\xff\x00 key: AKIAZZZZZZZZZZZZZZZZ\n",
    ),
    (".netrc", b"machine h login u password s3cretVal\r\n"),
    (
        "a.yml",
        b"-----BEGIN RSA PRIVATE KEY-----\nMIIE\n-----END RSA PRIVATE KEY-----\n",
    ),
];

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data).into_owned();
    let Ok(set) = RuleSet::from_yaml(&[("fuzz.yml".into(), text)]) else {
        return;
    };
    let mut out = Vec::new();
    for (path, content) in FIXED {
        out.clear();
        set.scan(path, content, &mut out);
        common::check_matches(&set, path, content, &out);
    }
    // The YAML itself is a handy haystack full of the rule's keywords.
    out.clear();
    set.scan("fuzz.yml", data, &mut out);
    common::check_matches(&set, "fuzz.yml", data, &out);
    // Failures are fine (the fuzzer writes bad examples); panics are not.
    let _ = check_examples(&set);
    let _ = set.version();
    for rule in set.rules() {
        for ex in rule.examples.iter().chain(&rule.negative_examples) {
            out.clear();
            set.scan(ex.path(), ex.text().as_bytes(), &mut out);
            common::check_matches(&set, ex.path(), ex.text().as_bytes(), &out);
        }
    }
});
