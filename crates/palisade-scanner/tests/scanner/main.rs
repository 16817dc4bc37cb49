//! Scans of real repositories built with the `git` CLI in temp dirs.

#![expect(clippy::unwrap_used, reason = "test helpers fail the test on setup errors")]

mod changes;
mod repo;
mod support;
