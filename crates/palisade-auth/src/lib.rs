//! Authentication and authorization for palisade, as pure functions: no IO,
//! no async, no storage.
//!
//! - [`password`]: argon2id password hashes ([`hash_password`],
//!   [`verify_password`], [`needs_rehash`]) and the password policy
//!   ([`check_password_policy`]).
//! - [`token`]: API tokens `pal_<id>_<secret>` ([`token::generate`],
//!   [`token::parse`]); only the SHA-256 [`token::digest`] of the secret is
//!   stored, and [`token::matches`] compares it in constant time.
//! - [`session`]: console session cookies ([`session::SessionSecret`]);
//!   the store keeps their SHA-256, and each session's CSRF token is an HMAC
//!   of its secret, so it needs no storage.
//! - [`authz`]: what each [`Role`](palisade_domain::Role) may do where:
//!   [`allows`] answers one [`Action`] on one connector (or the whole
//!   installation), [`reach`] says which connectors an action covers.
//!
//! The store keeps users, grants, hashes and token digests; the server calls
//! these functions.

pub mod authz;
pub mod password;
pub mod session;
pub mod token;

pub use authz::{Action, Reach, allows, reach};
pub use password::{PasswordError, check_password_policy, hash_password, needs_rehash, verify_password};
pub use token::{SecretToken, TokenError};
