//! The posture crate's integration tests: catalogue rules and the "never
//! pass what could not be read" guarantee, over every check.

mod catalogue;
