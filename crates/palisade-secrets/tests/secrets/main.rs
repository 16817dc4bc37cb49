//! Integration tests of the secrets engine with the built-in rules.

mod builtin_rules;
mod fuzz_inputs;
