//! Integration tests of palisade-report: one binary, one module per format.
//!
//! TODO(test): colour output is only checked for the presence of escapes and
//! for stripping back to the plain text, not styled cell by cell.

mod common;
mod json;
mod redaction;
mod sarif;
mod sarif_import;
mod table;
