//! Arbitrary bytes as one OSV advisory record (untrusted input: osv.dev
//! exports, mirrors, user-supplied folders): parsing never panics, and an
//! advisory that parses can be indexed and matched against its own versions.
#![no_main]

use libfuzzer_sys::fuzz_target;

#[path = "osv_record_check.rs"]
mod osv_record_check;

fuzz_target!(|data: &[u8]| {
    osv_record_check::check_osv_record(data);
});
