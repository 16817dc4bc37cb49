//! Discovery against a small fake organization served on loopback, built
//! from ADO's real example bodies (REST spec `httpExamples`) plus spec-shaped
//! bodies for endpoints without examples (build definitions, general
//! settings, secure files, environments, pools, connectionData).
#![allow(clippy::unwrap_used, reason = "tests fail loudly")]

mod fake_org;
mod sim;
