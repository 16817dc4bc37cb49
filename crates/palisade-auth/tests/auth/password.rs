//! Password hashing at the real (OWASP) parameters. Each hash takes tens of
//! milliseconds, so there are few; the cheap cases are unit tests.

use palisade_auth::{hash_password, needs_rehash, verify_password};

#[test]
fn hashes_are_argon2id_at_owasp_parameters_and_verify() {
    let phc = hash_password("correct horse battery staple").expect("hashes");
    assert!(phc.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"), "{phc}");
    assert!(verify_password(&phc, "correct horse battery staple"));
    assert!(!verify_password(&phc, "correct horse battery staplE"));
    assert!(!needs_rehash(&phc));
    let again = hash_password("correct horse battery staple").expect("hashes");
    assert_ne!(phc, again, "a fresh salt each time");
}
