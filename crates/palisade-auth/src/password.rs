//! Password hashes and the password policy.
//!
//! Hashes are argon2id PHC strings (`$argon2id$v=19$m=19456,t=2,p=1$<salt>$<hash>`)
//! with OWASP's parameters and a fresh 16-byte salt from the OS. Verifying
//! reads the parameters from the stored string, so a hash made under older
//! parameters still verifies; [`needs_rehash`] says when to replace it after
//! a successful login.

use argon2::{Algorithm, Argon2, Params, PasswordHash, PasswordHasher, PasswordVerifier, Version};
use palisade_domain::Username;

/// OWASP's argon2id memory cost, in KiB (19 MiB).
pub const MEMORY_KIB: u32 = 19_456;
/// OWASP's argon2id iterations.
pub const ITERATIONS: u32 = 2;
/// OWASP's argon2id lanes.
pub const PARALLELISM: u32 = 1;

/// The fewest characters a password may have.
pub const MIN_PASSWORD_CHARS: usize = 12;
/// The most characters a password may have.
pub const MAX_PASSWORD_CHARS: usize = 1024;

/// Candidates longer than this (in bytes: [`MAX_PASSWORD_CHARS`] characters of
/// at most 4 bytes) never verify, without being hashed.
const MAX_CANDIDATE_BYTES: usize = MAX_PASSWORD_CHARS * 4;

/// Why a password was refused or could not be hashed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum PasswordError {
    /// Fewer than [`MIN_PASSWORD_CHARS`] characters.
    #[error(
        "the password has {actual} characters; use at least {min}, a passphrase of a few words is easiest"
    )]
    TooShort {
        /// The password's length in characters.
        actual: usize,
        /// [`MIN_PASSWORD_CHARS`].
        min: usize,
    },
    /// More than [`MAX_PASSWORD_CHARS`] characters.
    #[error("the password has {actual} characters; use at most {max}")]
    TooLong {
        /// The password's length in characters.
        actual: usize,
        /// [`MAX_PASSWORD_CHARS`].
        max: usize,
    },
    /// Only spaces, tabs or line breaks.
    #[error("the password is only whitespace; use letters, digits or symbols too")]
    OnlyWhitespace,
    /// The user's own name, ignoring case and surrounding spaces.
    #[error("the password is the user name; choose one that is not")]
    SameAsUsername,
    /// The hasher failed (no randomness for the salt, or an internal error).
    #[error(
        "could not hash the password ({0}); try again, and check the system's random source if it persists"
    )]
    Hash(String),
}

/// Checks a new password for `username` against the policy: 12 to 1024
/// characters, not only whitespace, and not the user name (ignoring case and
/// surrounding spaces).
pub fn check_password_policy(password: &str, username: &Username) -> Result<(), PasswordError> {
    let chars = password.chars().count();
    if chars < MIN_PASSWORD_CHARS {
        return Err(PasswordError::TooShort {
            actual: chars,
            min: MIN_PASSWORD_CHARS,
        });
    }
    if chars > MAX_PASSWORD_CHARS {
        return Err(PasswordError::TooLong {
            actual: chars,
            max: MAX_PASSWORD_CHARS,
        });
    }
    if password.chars().all(char::is_whitespace) {
        return Err(PasswordError::OnlyWhitespace);
    }
    if password.trim().eq_ignore_ascii_case(username.as_str()) {
        return Err(PasswordError::SameAsUsername);
    }
    Ok(())
}

/// Hashes a password with argon2id at OWASP's parameters and a random salt,
/// as a PHC string to store. Does not check the policy: call
/// [`check_password_policy`] first for a password a user chose.
pub fn hash_password(password: &str) -> Result<String, PasswordError> {
    hash_with(password, &owasp_params())
}

/// Whether `candidate` is the password behind the PHC string `phc`. The hash
/// comparison is constant-time; a malformed or unsupported PHC string, or a
/// candidate over 4096 bytes, is `false`.
pub fn verify_password(phc: &str, candidate: &str) -> bool {
    if candidate.len() > MAX_CANDIDATE_BYTES {
        return false;
    }
    let Ok(parsed) = PasswordHash::new(phc) else {
        return false;
    };
    if parsed.algorithm != argon2::ARGON2ID_IDENT {
        return false;
    }
    Argon2::default()
        .verify_password(candidate.as_bytes(), &parsed)
        .is_ok()
}

/// Whether a stored hash should be replaced by [`hash_password`] of the
/// password that just verified: it is not argon2id v19 at the current
/// parameters, or it cannot be read.
pub fn needs_rehash(phc: &str) -> bool {
    let Ok(parsed) = PasswordHash::new(phc) else {
        return true;
    };
    let Ok(params) = Params::try_from(&parsed) else {
        return true;
    };
    parsed.algorithm != argon2::ARGON2ID_IDENT
        || parsed.version != Some(Version::V0x13.into())
        || params.m_cost() != MEMORY_KIB
        || params.t_cost() != ITERATIONS
        || params.p_cost() != PARALLELISM
}

fn owasp_params() -> Params {
    // The constants are within argon2's bounds, so this cannot fail; fall
    // back to the crate's defaults, which are the same numbers.
    Params::new(MEMORY_KIB, ITERATIONS, PARALLELISM, None).unwrap_or_default()
}

fn hash_with(password: &str, params: &Params) -> Result<String, PasswordError> {
    Argon2::new(Algorithm::Argon2id, Version::V0x13, params.clone())
        .hash_password(password.as_bytes())
        .map(|h| h.to_string())
        .map_err(|e| PasswordError::Hash(e.to_string()))
}

/// Argon2's smallest parameters, so unit tests hash in microseconds.
#[cfg(test)]
fn hash_cheaply(password: &str) -> String {
    let params = Params::new(Params::MIN_M_COST, 1, 1, None).expect("valid minimum params");
    hash_with(password, &params).expect("hashes")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn alice() -> Username {
        Username::parse("Alice").expect("valid name")
    }

    #[test]
    fn owasp_params_are_the_crate_defaults() {
        let p = owasp_params();
        assert_eq!((p.m_cost(), p.t_cost(), p.p_cost()), (19_456, 2, 1));
        assert_eq!(
            (MEMORY_KIB, ITERATIONS, PARALLELISM),
            (
                Params::DEFAULT_M_COST,
                Params::DEFAULT_T_COST,
                Params::DEFAULT_P_COST
            )
        );
    }

    #[test]
    fn cheap_hashes_verify_and_salts_differ() {
        let a = hash_cheaply("correct horse battery");
        let b = hash_cheaply("correct horse battery");
        assert_ne!(a, b, "each hash has its own salt");
        assert!(a.starts_with("$argon2id$v=19$"), "{a}");
        assert!(verify_password(&a, "correct horse battery"));
        assert!(verify_password(&b, "correct horse battery"));
        assert!(!verify_password(&a, "correct horse batterY"));
        assert!(!verify_password(&a, ""));
        assert!(needs_rehash(&a), "minimum params are below policy");
    }

    #[test]
    fn malformed_hashes_never_verify() {
        let good = hash_cheaply("correct horse battery");
        let truncated = &good[..good.len() - 5];
        let argon2i = good.replacen("argon2id", "argon2i", 1);
        for phc in [
            "",
            "$",
            "plaintext",
            "$argon2id$",
            "$argon2id$v=19$m=8,t=1,p=1$",
            "$argon2id$v=19$m=0,t=0,p=0$c2FsdHNhbHQ$aGFzaA",
            "$bcrypt$v=19$m=8,t=1,p=1$c2FsdHNhbHQ$aGFzaGhhc2hoYXNo",
            truncated,
            &argon2i,
        ] {
            assert!(!verify_password(phc, "correct horse battery"), "{phc:?}");
            assert!(needs_rehash(phc), "{phc:?}");
        }
    }

    #[test]
    fn oversized_candidates_are_refused_unhashed() {
        let phc = hash_cheaply("correct horse battery");
        assert!(!verify_password(&phc, &"x".repeat(MAX_CANDIDATE_BYTES + 1)));
    }

    #[test]
    fn policy() {
        let u = alice();
        assert!(check_password_policy("twelve chars", &u).is_ok());
        assert!(check_password_policy(&"é".repeat(1024), &u).is_ok());
        assert_eq!(
            check_password_policy("elevenchars", &u),
            Err(PasswordError::TooShort { actual: 11, min: 12 })
        );
        // Characters, not bytes: 11 two-byte characters are still too short.
        assert!(matches!(
            check_password_policy(&"é".repeat(11), &u),
            Err(PasswordError::TooShort { actual: 11, .. })
        ));
        assert_eq!(
            check_password_policy(&"x".repeat(1025), &u),
            Err(PasswordError::TooLong {
                actual: 1025,
                max: 1024
            })
        );
        assert_eq!(
            check_password_policy(" \t\n            ", &u),
            Err(PasswordError::OnlyWhitespace)
        );
        let long_name = Username::parse("alice.b@contoso").expect("valid name");
        assert_eq!(
            check_password_policy(" ALICE.B@Contoso ", &long_name),
            Err(PasswordError::SameAsUsername)
        );
        assert!(check_password_policy("alice.b@contoso!", &long_name).is_ok());
    }

    #[test]
    fn errors_say_what_to_do() {
        let e = check_password_policy("short", &alice()).expect_err("too short");
        assert!(e.to_string().contains("at least 12"), "{e}");
    }
}
