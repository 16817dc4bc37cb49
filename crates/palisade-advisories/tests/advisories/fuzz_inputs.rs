//! The `osv_record` fuzz target's property on stable, deterministically:
//! mutated and truncated fixtures never panic the parser, and whatever parses
//! can be indexed and queried with its own versions. The check itself is
//! shared with the fuzz target.

#[path = "../../../../fuzz/fuzz_targets/osv_record_check.rs"]
mod osv_record_check;

use osv_record_check::check_osv_record as exercise;
use palisade_advisories::parse_record;

use crate::{fixture, fixtures};

/// Small deterministic PRNG (xorshift64*), so failures reproduce.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
}

fn all_fixtures() -> Vec<Vec<u8>> {
    let mut out = Vec::new();
    let mut stack = vec![fixtures()];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(dir).expect("fixture dir") {
            let path = entry.expect("entry").path();
            if path.is_dir() {
                stack.push(path);
            } else if path.extension().is_some_and(|e| e == "json") {
                let rel = path.strip_prefix(fixtures()).expect("under fixtures");
                out.push(fixture(&rel.to_string_lossy()));
            }
        }
    }
    out
}

#[test]
fn mutated_fixtures_never_panic() {
    const SPLICE: &[&[u8]] = &[
        b"\"0\"",
        b"null",
        b"[]",
        b"{}",
        b"\"\"",
        b"\"v\"",
        b"\"1.0.0-\"",
        b"\"9999999999999999999999\"",
        b"\"CVSS:3.1/AV:N\"",
        b"\"SEMVER\"",
        b"\"ECOSYSTEM\"",
        b"\"introduced\"",
        b"\"fixed\"",
        b"\"limit\"",
        b"\"last_affected\"",
        b"\"\\u0000\"",
        b"-1",
        b"1e999",
        b"\"..--..\"",
    ];
    let mut rng = Rng(0x0005_eed0_f05f);
    let seeds = all_fixtures();
    assert!(seeds.len() >= 15);
    for seed in &seeds {
        exercise(seed);
        for _ in 0..150 {
            let mut bytes = seed.clone();
            for _ in 0..=rng.below(4) {
                match rng.below(4) {
                    0 => bytes.truncate(rng.below(bytes.len() + 1)),
                    1 if !bytes.is_empty() => {
                        let i = rng.below(bytes.len());
                        bytes[i] = (rng.next() & 0xff) as u8;
                    }
                    2 => {
                        // Replace a quoted string with another JSON value.
                        let quotes: Vec<usize> = bytes
                            .iter()
                            .enumerate()
                            .filter(|(_, b)| **b == b'"')
                            .map(|(i, _)| i)
                            .collect();
                        if quotes.len() >= 2 {
                            let k = rng.below(quotes.len() - 1);
                            let (start, end) = (quotes[k], quotes[k + 1] + 1);
                            let with = SPLICE[rng.below(SPLICE.len())];
                            bytes.splice(start..end, with.iter().copied());
                        }
                    }
                    _ => {
                        let i = rng.below(bytes.len() + 1);
                        let with = SPLICE[rng.below(SPLICE.len())];
                        bytes.splice(i..i, with.iter().copied());
                    }
                }
            }
            exercise(&bytes);
        }
    }
}

#[test]
fn deep_nesting_is_an_error_not_a_stack_overflow() {
    let mut json = br#"{"id": "X", "modified": "2024-01-01T00:00:00Z", "x": "#.to_vec();
    json.extend(std::iter::repeat_n(b'[', 100_000));
    assert!(parse_record(&json).is_err());
}
