//! A cheap, deterministic stand-in for the libFuzzer targets in `fuzz/`
//! (see `fuzz/README.md`), so CI on stable catches regressions of the same
//! properties: scanning arbitrary bytes never panics and every match has a
//! sane span, adversarial megabyte inputs finish, and mangled rule YAML is
//! an error rather than a panic.

use std::time::Instant;

use palisade_secrets::{BUILTIN_FILES, RuleSet, builtin, check_examples};

// Shared with the cargo-fuzz targets, so CI and the fuzzer check the same properties.
#[path = "../../../../fuzz/fuzz_targets/common.rs"]
mod common;
use common::{PATHS, check_matches};

/// xorshift64*: deterministic, no dependency.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        self.0 = x;
        x.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }

    /// Uniform-ish in `0..n` (`n > 0`).
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }

    fn chance(&mut self, one_in: usize) -> bool {
        self.below(one_in) == 0
    }

    fn pick<'a, T: ?Sized>(&mut self, items: &[&'a T]) -> &'a T {
        items[self.below(items.len())]
    }
}

/// Syntax that rules key on, plus line endings, quotes and NULs.
const FRAGMENTS: &[&[u8]] = &[
    b"-----BEGIN",
    b"-----BEGIN RSA PRIVATE KEY-----\n",
    b"-----END RSA PRIVATE KEY-----",
    b"PRIVATE KEY-----",
    b"password=",
    b"password: ",
    b"PASSWORD ",
    b"passwd ",
    b"secret = \"",
    b"token=",
    b"api_key: '",
    b"://user:",
    b"https://admin:",
    b"@db.example.internal:5432/app",
    b"machine h login u password ",
    b"Authorization: Bearer ",
    b"AccountKey=",
    b";Password=",
    b"\"auths\"",
    b"\"service_account\"",
    b"palisade:ignore",
    b"palisade:ignore[",
    b"]",
    b"${",
    b"}",
    b"<",
    b">",
    b"\r\n",
    b"\n",
    b"\r",
    b"\0",
    b"\"",
    b"'",
    b"=",
    b":",
    b" ",
    b"\t",
    b"\\",
    b"\xff\xfe",
    b"\xc3\xa9",
    b"\xe2\x80\x8b",
];

const ALNUM: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/_-=";

fn keywords(set: &RuleSet) -> Vec<&str> {
    let mut k: Vec<&str> = set
        .rules()
        .iter()
        .flat_map(|r| r.keywords.iter().map(String::as_str))
        .collect();
    k.sort_unstable();
    k.dedup();
    k
}

fn random_input(rng: &mut Rng, keywords: &[&str]) -> Vec<u8> {
    let mut out = Vec::new();
    let pieces = rng.below(48);
    for _ in 0..pieces {
        match rng.below(20) {
            0..=3 => {
                let n = 1 + rng.below(24);
                out.extend((0..n).map(|_| rng.next() as u8));
            }
            4..=8 => {
                let k = rng.pick(keywords);
                out.extend(
                    k.bytes()
                        .map(|b| if rng.chance(3) { b.to_ascii_uppercase() } else { b }),
                );
            }
            9..=13 => out.extend_from_slice(rng.pick(FRAGMENTS)),
            14..=17 => {
                // A secret-looking value.
                let n = 4 + rng.below(60);
                out.extend((0..n).map(|_| ALNUM[rng.below(ALNUM.len())]));
            }
            18 => {
                // An inline ignore naming a random keyword as if it were a rule id.
                out.extend_from_slice(b" # palisade:ignore[");
                out.extend_from_slice(rng.pick(keywords).as_bytes());
                out.extend_from_slice(b", generic.password-assignment]");
            }
            _ => {
                if rng.chance(25) {
                    // A very long line: 100 KB without a newline.
                    let unit: &[u8] = if rng.chance(2) {
                        rng.pick(keywords).as_bytes()
                    } else {
                        b"aB3xZ9"
                    };
                    while out.len() < 100 << 10 {
                        out.extend_from_slice(unit);
                        if rng.chance(8) {
                            out.push(b'=');
                        }
                    }
                } else {
                    out.extend_from_slice(b"\n");
                }
            }
        }
    }
    out
}

#[test]
fn random_inputs_give_sane_spans() {
    let set = builtin().expect("builtin rules load");
    let keywords = keywords(&set);
    let examples: Vec<(&str, &str)> = set
        .rules()
        .iter()
        .flat_map(|r| r.examples.iter().chain(&r.negative_examples))
        .map(|e| (e.path(), e.text()))
        .collect();
    let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
    let mut out = Vec::new();
    let mut total = 0usize;
    for i in 0..2000 {
        let mut data = random_input(&mut rng, &keywords);
        let path = if i % 4 == 0 {
            // Splice a real example into noise, at its own path half of the time.
            let (p, text) = examples[rng.below(examples.len())];
            let at = rng.below(data.len() + 1);
            data.splice(at..at, text.bytes());
            if rng.chance(2) { p } else { rng.pick(PATHS) }
        } else {
            rng.pick(PATHS)
        };
        out.clear();
        set.scan(path, &data, &mut out);
        check_matches(&set, path, &data, &out);
        total += out.len();
    }
    // The generator must actually reach the rules, or this test checks nothing.
    assert!(total > 200, "only {total} matches in 2000 inputs");
}

/// Inputs with few matches but a keyword hit every few bytes, one huge
/// line, or no structure at all.
fn sparse_cases(size: usize) -> Vec<(&'static str, &'static str, Vec<u8>)> {
    let repeat = |unit: &[u8]| -> Vec<u8> { unit.iter().copied().cycle().take(size).collect() };
    vec![
        ("keyword repeated, one line", "x.txt", repeat(b"password")),
        ("`password=` repeated", "x.txt", repeat(b"password=")),
        ("`://user:` repeated", "x.txt", repeat(b"://user:")),
        ("BEGIN repeated", "id_rsa", repeat(b"-----BEGIN")),
        ("windowed keyword repeated", "config.json", repeat(b"\"auths\"")),
        ("NULs", "x.txt", vec![0; size]),
        ("newlines", ".netrc", vec![b'\n'; size]),
    ]
}

/// Inputs with a match every ~20 bytes.
fn dense_cases(size: usize) -> Vec<(&'static str, &'static str, Vec<u8>)> {
    let repeat = |unit: &[u8]| -> Vec<u8> { unit.iter().copied().cycle().take(size).collect() };
    vec![
        (
            "assignments, one line",
            "x.txt",
            repeat(b"password=\"Zq8xV2wLp3\" "),
        ),
        (
            "assignments, one per line",
            "x.txt",
            repeat(b"password = \"Zq8xV2wLp3\"\n"),
        ),
        (".env lines", ".env", repeat(b"DB_PASSWORD=Zq8xV2wLp3\n")),
        (
            "url credentials, one line",
            "x.txt",
            repeat(b"https://user:Zq8xV2wLp3@h.io/ "),
        ),
        ("netrc lines", ".netrc", repeat(b"password Wd7!rq2Lx\n")),
    ]
}

/// Scans each case and checks its matches; the time is printed
/// (`--nocapture`) rather than asserted.
#[allow(
    clippy::print_stderr,
    reason = "timings are for people running with --nocapture"
)]
fn run_cases(cases: &[(&str, &str, Vec<u8>)]) {
    let set = builtin().expect("builtin rules load");
    for (name, path, data) in cases {
        let t = Instant::now();
        let mut out = Vec::new();
        set.scan(path, data, &mut out);
        let elapsed = t.elapsed();
        check_matches(&set, path, data, &out);
        eprintln!(
            "{name:28} {path:12} {:>8} bytes {:>6} matches {elapsed:>9.2?}",
            data.len(),
            out.len()
        );
    }
}

/// A megabyte of keyword hits must finish (each hit's window is bounded).
#[test]
fn adversarial_megabyte_inputs_finish() {
    run_cases(&sparse_cases(1 << 20));
}

/// Thousands of matches in one blob: line/column and inline-ignore lookups
/// are one pass over the blob, so this stays linear in its size.
#[test]
fn dense_matches_finish() {
    run_cases(&dense_cases(128 << 10));
}

/// Same at 1 MB (about 45,000 matches per case): a quadratic lookup would
/// make this take minutes in a debug build.
#[test]
fn dense_matches_megabyte() {
    run_cases(&dense_cases(1 << 20));
}

fn mutate(rng: &mut Rng, text: &str) -> String {
    let mut bytes = text.as_bytes().to_vec();
    match rng.below(5) {
        0 => bytes.truncate(rng.below(bytes.len() + 1)),
        1 => {
            for _ in 0..=rng.below(8) {
                let i = rng.below(bytes.len());
                bytes[i] ^= 1 << rng.below(8);
            }
        }
        2 => {
            const SPECIAL: &[u8] = b"{}[]:-'\"|>&*!%@`#,?\\\t\n ";
            for _ in 0..=rng.below(4) {
                let i = rng.below(bytes.len());
                bytes[i] = SPECIAL[rng.below(SPECIAL.len())];
            }
        }
        3 => {
            // Duplicate a slice (repeats keys, rules, ids).
            let a = rng.below(bytes.len());
            let b = (a + rng.below(400)).min(bytes.len());
            let at = rng.below(bytes.len());
            let chunk = bytes[a..b].to_vec();
            bytes.splice(at..at, chunk);
        }
        _ => {
            // Delete a slice.
            let a = rng.below(bytes.len());
            let b = (a + rng.below(200)).min(bytes.len());
            bytes.drain(a..b);
        }
    }
    String::from_utf8_lossy(&bytes).into_owned()
}

#[test]
fn mutated_builtin_yaml_never_panics() {
    let mut rng = Rng(0x2545_f491_4f6c_dd1d);
    let files: Vec<_> = BUILTIN_FILES.iter().filter(|(_, t)| t.len() > 100).collect();
    let (mut loaded, mut rejected) = (0, 0);
    for _ in 0..300 {
        let (name, text) = files[rng.below(files.len())];
        let mutated = mutate(&mut rng, text);
        match RuleSet::from_yaml(&[((*name).to_owned(), mutated)]) {
            Ok(set) => {
                loaded += 1;
                // Mutations may break examples; reporting that must not panic.
                let _ = check_examples(&set);
            }
            Err(errors) => {
                rejected += 1;
                assert!(!errors.is_empty());
                for e in &errors {
                    assert!(!e.to_string().contains('\n'), "multi-line error: {e}");
                }
            }
        }
    }
    assert!(loaded > 0 && rejected > 0, "loaded {loaded}, rejected {rejected}");
}
