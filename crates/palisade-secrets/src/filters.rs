//! Post-match filters shared by all rules.

/// Shannon entropy of `bytes`, in bits per byte (0 for empty input).
pub fn shannon_entropy(bytes: &[u8]) -> f64 {
    if bytes.is_empty() {
        return 0.0;
    }
    let mut counts = [0u32; 256];
    for &b in bytes {
        counts[b as usize] += 1;
    }
    let n = bytes.len() as f64;
    counts
        .iter()
        .filter(|&&c| c > 0)
        .map(|&c| {
            let p = f64::from(c) / n;
            -p * p.log2()
        })
        .sum()
}

/// Fragments that mark a value as a placeholder, a template or an example.
const PLACEHOLDER_FRAGMENTS: &[&str] = &[
    "example",
    "changeme",
    "change_me",
    "change-me",
    "changeit",
    "placeholder",
    "your_",
    "your-",
    "yourpass",
    "yourkey",
    "yoursecret",
    "yourtoken",
    "<",
    ">",
    "${",
    "{{",
    "}}",
    "$(",
    "%(",
    "#{",
    "xxxx",
    "****",
    "....",
    "redacted",
    "dummy",
    "sample",
    "insert_",
    "insert-",
    "replace_",
    "replace-",
    "replaceme",
    "fixme",
    "todo",
    "notreal",
    "not_real",
    "not-real",
    "fake",
    "foobar",
    "lorem",
    "0000000000",
    "1234567890",
    "abcdefghij",
    "process.env",
    "os.environ",
    "getenv",
];

/// Whole values that are never real secrets.
const PLACEHOLDER_VALUES: &[&str] = &[
    "password",
    "passwd",
    "secret",
    "token",
    "apikey",
    "api_key",
    "null",
    "nil",
    "none",
    "true",
    "false",
    "undefined",
    "string",
    "value",
    "empty",
    "default",
    "test",
    "testing",
    "username",
    "user",
    "admin",
    "pass",
    "key",
    "str",
    "required",
    "optional",
    "unknown",
    "n/a",
];

/// True when `secret` looks like a placeholder rather than a credential:
/// `changeme`, `<your-key>`, `${VAR}`, `xxxx`, `$ENV_VAR`, a run of one
/// character, or a bare word such as `password`.
pub fn is_placeholder(secret: &[u8]) -> bool {
    let lower = secret.to_ascii_lowercase();
    let text = String::from_utf8_lossy(&lower);
    let trimmed = text.trim_matches(|c: char| c == '"' || c == '\'' || c.is_ascii_whitespace());
    if trimmed.is_empty() || PLACEHOLDER_VALUES.contains(&trimmed) {
        return true;
    }
    // `secret123`, `test1`, `password2024`: a placeholder word plus a counter.
    let word = trimmed.trim_end_matches(|c: char| c.is_ascii_digit());
    if word.len() < trimmed.len() && PLACEHOLDER_VALUES.contains(&word) {
        return true;
    }
    if PLACEHOLDER_FRAGMENTS.iter().any(|f| trimmed.contains(f)) {
        return true;
    }
    // `$VAR`, `%VAR%`: references to the environment, not values.
    let b = trimmed.as_bytes();
    if (b[0] == b'$' && b.len() > 1 && (b[1].is_ascii_alphabetic() || b[1] == b'_'))
        || (b[0] == b'%' && b[b.len() - 1] == b'%' && b.len() > 2)
    {
        return true;
    }
    let first = b[0];
    b.iter().all(|&c| c == first)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn entropy_bounds() {
        assert!(shannon_entropy(b"aaaaaaaa") < 0.01);
        assert!((shannon_entropy(b"abcd") - 2.0).abs() < 1e-9);
        assert!(shannon_entropy(b"").abs() < f64::EPSILON);
    }

    #[test]
    fn placeholders() {
        for p in [
            "changeme",
            "<your-key>",
            "${DB_PASSWORD}",
            "xxxxxxxx",
            "$DB_PASS",
            "%PASSWORD%",
            "********",
            "password",
            "AKIAIOSFODNN7EXAMPLE",
            "{{ vault_pw }}",
            "aaaaaaaaaa",
            "",
        ] {
            assert!(is_placeholder(p.as_bytes()), "{p:?} not flagged");
        }
        for real in [
            "Tr0ub4dor&3",
            "hunter2x!",
            "ghp_R4nd0mL00k1ngT0k3n",
            "s3cr3t-Pa55",
        ] {
            assert!(!is_placeholder(real.as_bytes()), "{real:?} flagged");
        }
    }
}
