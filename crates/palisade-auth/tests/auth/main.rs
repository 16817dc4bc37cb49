//! The auth crate's integration tests: the full permission matrix, token
//! parsing, and password hashing at the real parameters.

mod authz;
mod password;
mod token;
