//! Integration tests: the simulator on a loopback port, driven with reqwest and the `git` CLI.

#![allow(clippy::unwrap_used, reason = "test helpers fail the test on setup errors")]
#![allow(
    clippy::many_single_char_names,
    clippy::match_same_arms,
    clippy::format_push_string,
    reason = "short-lived test bindings and string building read better this way"
)]

mod auth;
mod contract;
mod generate;
mod git;
mod hooks;
mod knobs;
mod oauth;
mod paging;
mod posture;
mod pullrefs;
mod rest;
mod support;
mod versions;
