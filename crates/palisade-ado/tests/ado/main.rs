//! Integration tests of palisade-ado against small loopback servers that
//! replay ADO's real example bodies (from the REST spec `httpExamples`) and
//! its quirks.
// TODO(test): against the full palisade-ado-sim (added separately).
#![allow(clippy::unwrap_used, reason = "tests fail loudly")]
#![allow(clippy::missing_panics_doc, reason = "tests")]

mod auth;
mod errors;
mod listings;
mod rate;
mod support;
mod urls;
