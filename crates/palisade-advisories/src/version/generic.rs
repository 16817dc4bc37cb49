use std::cmp::Ordering;

use super::Number;

/// The fallback order for ecosystems without known rules (see
/// [`crate::Version::generic`]).
///
/// A version is a sequence of tokens followed by an end marker, compared
/// lexicographically with `Text < End < Number`. Because every token maps to
/// one place in that order and the end marker is a value of its own, this is
/// a total order (unlike the `version-compare` crate's, which is not
/// transitive).
#[derive(Clone, Debug)]
pub(crate) struct GenericVersion {
    tokens: Vec<Token>,
}

#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
enum Token {
    /// Letters, lowercased. Sorts before the end of the version, so
    /// `1.0rc1 < 1.0`.
    Text(Box<str>),
    /// Digits. Sorts after the end of the version, so `1.0 < 1.0.1`.
    Number(Number),
}

impl GenericVersion {
    pub(crate) fn parse(s: &str) -> Self {
        let mut tokens = Vec::new();
        let mut chars = s.char_indices().peekable();
        while let Some((start, c)) = chars.next() {
            let mut end = start + c.len_utf8();
            if c.is_ascii_digit() {
                while let Some(&(i, d)) = chars.peek().filter(|(_, d)| d.is_ascii_digit()) {
                    end = i + d.len_utf8();
                    chars.next();
                }
                tokens.push(Token::Number(Number::new(&s[start..end])));
            } else if c.is_alphanumeric() {
                while let Some(&(i, d)) = chars
                    .peek()
                    .filter(|(_, d)| d.is_alphanumeric() && !d.is_ascii_digit())
                {
                    end = i + d.len_utf8();
                    chars.next();
                }
                tokens.push(Token::Text(s[start..end].to_lowercase().into()));
            }
        }
        Self { tokens }
    }
}

/// Place of a token (or of the end, `None`) in `Text < End < Number`.
fn rank(t: Option<&Token>) -> u8 {
    match t {
        Some(Token::Text(_)) => 0,
        None => 1,
        Some(Token::Number(_)) => 2,
    }
}

impl Ord for GenericVersion {
    fn cmp(&self, other: &Self) -> Ordering {
        let len = self.tokens.len().max(other.tokens.len());
        for pos in 0..len {
            let (mine, theirs) = (self.tokens.get(pos), other.tokens.get(pos));
            let order = match (mine, theirs) {
                (Some(m), Some(t)) if rank(mine) == rank(theirs) => m.cmp(t),
                _ => rank(mine).cmp(&rank(theirs)),
            };
            if order != Ordering::Equal {
                return order;
            }
        }
        Ordering::Equal
    }
}

impl PartialOrd for GenericVersion {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl PartialEq for GenericVersion {
    fn eq(&self, other: &Self) -> bool {
        self.cmp(other) == Ordering::Equal
    }
}

impl Eq for GenericVersion {}

#[cfg(test)]
mod tests {
    use super::*;

    fn v(s: &str) -> GenericVersion {
        GenericVersion::parse(s)
    }

    #[test]
    fn orders_common_shapes() {
        let sorted = ["1.0rc1", "1.0", "1.0.0", "1.0.1", "1.2", "1.10", "2", "10"];
        for w in sorted.windows(2) {
            assert!(v(w[0]) < v(w[1]), "{} < {}", w[0], w[1]);
        }
        assert_eq!(v("1.0-RC1"), v("1.0rc1"));
        assert_eq!(v("1_02"), v("1.2"));
        assert!(v("1.0alpha") < v("1.0beta"));
    }
}
