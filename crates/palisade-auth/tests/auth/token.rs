//! Token format: what parses, what is refused, and that errors never echo
//! the text.

use palisade_auth::token::{self, TOKEN_LEN, TokenError};

const GOOD: &str = "pal_0123456789abcdef_00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff";

#[test]
fn a_well_formed_token_parses() {
    assert_eq!(GOOD.len(), TOKEN_LEN);
    let (id, secret) = token::parse(GOOD).expect("parses");
    assert_eq!(id, "0123456789abcdef");
    assert_eq!(secret, &GOOD[21..]);
    let stored = token::digest(secret);
    assert!(token::matches(&stored, secret));
    assert!(!token::matches(&stored, &secret.replacen('0', "1", 1)));
    // SHA-256 of the ASCII secret, as the store will compare it.
    assert_eq!(
        hex::encode(token::digest("abc")),
        "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
    );
}

#[test]
fn malformed_tokens_are_refused() {
    let upper = GOOD.replacen("abcdef", "ABCDEF", 1);
    let other_prefix = GOOD.replacen("pal_", "gho_", 1);
    let short = &GOOD[..TOKEN_LEN - 1];
    let long = format!("{GOOD}0");
    let padded = format!(" {}", &GOOD[1..]);
    let spaced = GOOD.replacen('9', " ", 1);
    let newline = format!("{}\n", &GOOD[..TOKEN_LEN - 1]);
    let no_sep = GOOD.replacen("f_0", "f00", 1);
    let moved_sep = "pal_0123456789abcde_f00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff";
    let not_hex = GOOD.replacen("ab", "gb", 1);
    let huge = "pal_".to_owned() + &"a".repeat(1 << 20);
    let cases: [(&str, TokenError); 13] = [
        (
            "",
            TokenError::Length {
                expected: TOKEN_LEN,
                actual: 0,
            },
        ),
        (
            "pal_",
            TokenError::Length {
                expected: TOKEN_LEN,
                actual: 4,
            },
        ),
        (
            short,
            TokenError::Length {
                expected: TOKEN_LEN,
                actual: TOKEN_LEN - 1,
            },
        ),
        (
            &long,
            TokenError::Length {
                expected: TOKEN_LEN,
                actual: TOKEN_LEN + 1,
            },
        ),
        (
            &huge,
            TokenError::Length {
                expected: TOKEN_LEN,
                actual: huge.len(),
            },
        ),
        (&other_prefix, TokenError::Prefix),
        (&padded, TokenError::Prefix),
        (&upper, TokenError::Malformed),
        (&spaced, TokenError::Malformed),
        (&newline, TokenError::Malformed),
        (&no_sep, TokenError::Malformed),
        (moved_sep, TokenError::Malformed),
        (&not_hex, TokenError::Malformed),
    ];
    for (text, want) in cases {
        let got = token::parse(text).expect_err(text);
        assert_eq!(got, want, "{text:?}");
        let message = got.to_string();
        assert!(!message.contains("0123456789abcdef"), "{message}");
    }
}

#[test]
fn generated_tokens_are_unique_and_well_formed() {
    let mut ids = std::collections::BTreeSet::new();
    for _ in 0..50 {
        let (id, secret) = token::generate().expect("randomness");
        let (parsed_id, part) = token::parse(secret.expose()).expect("parses");
        assert_eq!(parsed_id, id);
        assert!(token::matches(&secret.digest(), part));
        assert!(ids.insert(id));
    }
}
