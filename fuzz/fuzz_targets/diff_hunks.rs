//! Arbitrary bytes as `git diff -U0` output: the hunk parser never panics,
//! and what it accepts is sane: non-empty paths, ranges that start at line 1
//! or later, sorted, disjoint and not adjacent.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(files) = palisade_git::parse_added_lines(data) else {
        return;
    };
    for (path, ranges) in files {
        assert!(!path.is_empty(), "empty path");
        assert!(!ranges.is_empty(), "a file is listed only with added lines");
        let mut previous_end: Option<u32> = None;
        for range in ranges {
            assert!(*range.start() >= 1 && range.start() <= range.end(), "{range:?}");
            if let Some(end) = previous_end {
                assert!(*range.start() > end.saturating_add(1), "{range:?} after {end}");
            }
            previous_end = Some(*range.end());
        }
    }
});
