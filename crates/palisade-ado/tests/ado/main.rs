//! Integration tests of palisade-ado against small loopback servers that
//! replay ADO's real example bodies (from the REST spec `httpExamples`) and
//! its quirks, and against the full simulator (palisade-ado-sim, `sim.rs`).
#![allow(clippy::unwrap_used, reason = "tests fail loudly")]
#![allow(clippy::missing_panics_doc, reason = "tests")]

mod auth;
mod errors;
mod events;
mod listings;
mod rate;
mod sim;
mod support;
mod urls;
