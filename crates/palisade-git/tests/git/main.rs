//! Integration tests: real repositories built with the `git` CLI in temp dirs.

#![expect(clippy::unwrap_used, reason = "test helpers fail the test on setup errors")]

mod cache;
mod changes;
mod corrupt;
mod history;
mod open;
mod read;
mod server;
mod since;
mod support;
