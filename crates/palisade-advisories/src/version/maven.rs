//! Maven's version order, after the "Version Order Specification" of the POM
//! reference (<https://maven.apache.org/pom.html#version-order-specification>),
//! which is also what osv.dev orders Maven ranges by.
//!
//! - The version is lowercased and split at `.` and `-` and at each change
//!   between digits and non-digits (which counts as a `-`). Empty parts are
//!   `0`.
//! - `a`, `b`, `m` directly followed by a digit mean `alpha`, `beta`,
//!   `milestone`; `cr` means `rc`; `ga`, `final` and `release` mean `""`
//!   (the release itself).
//! - A qualifier after `.` counts as after `-` (`1.foo` = `1-foo`, as in
//!   Maven itself).
//! - Trailing "null" items (`0`, `""`) are removed, at the end and before
//!   each remaining `-`: `1.0.0` = `1`, `1-ga-1` = `1-1`.
//! - Items compare in order `-qualifier < -number < .number`; qualifiers as
//!   `alpha < beta < milestone < rc < snapshot < "" < sp <` others
//!   (alphabetical); numbers by value.
//! - When one version runs out, it is padded with `.0` against a `.number`
//!   and with the release qualifier `""` against anything else: so
//!   `1-snapshot < 1 < 1-sp < 1-foo < 1-1 < 1.1`.

use std::cmp::Ordering;

use super::Number;

#[derive(Clone, Debug)]
pub(crate) struct MavenVersion {
    items: Vec<Item>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
enum Item {
    /// A qualifier, always counted as `-`-prefixed.
    Qualifier(Qualifier),
    /// A number after `-` (or after a letter-to-digit change).
    HyphenNumber(Number),
    /// A number after `.` (or at the start).
    DotNumber(Number),
}

/// Known qualifiers in Maven's order; unknown ones after all of them,
/// alphabetically (derived `Ord`: variant order, then the string).
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
enum Qualifier {
    Alpha,
    Beta,
    Milestone,
    Rc,
    Snapshot,
    /// `""`, `ga`, `final`, `release`: the release itself.
    Release,
    Sp,
    Other(Box<str>),
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Sep {
    Dot,
    Hyphen,
}

impl Item {
    fn rank(&self) -> u8 {
        match self {
            Self::Qualifier(_) => 0,
            Self::HyphenNumber(_) => 1,
            Self::DotNumber(_) => 2,
        }
    }

    fn is_null(&self) -> bool {
        match self {
            Self::Qualifier(q) => *q == Qualifier::Release,
            Self::HyphenNumber(n) | Self::DotNumber(n) => n.is_zero(),
        }
    }

    fn starts_with_hyphen(&self) -> bool {
        !matches!(self, Self::DotNumber(_))
    }

    /// What a version that has run out is compared as, against `self`.
    fn padding_for(&self) -> Self {
        match self {
            Self::DotNumber(_) => Self::DotNumber(Number::zero()),
            Self::Qualifier(_) | Self::HyphenNumber(_) => Self::Qualifier(Qualifier::Release),
        }
    }

    fn number(sep: Sep, digits: &str) -> Self {
        match sep {
            Sep::Dot => Self::DotNumber(Number::new(digits)),
            Sep::Hyphen => Self::HyphenNumber(Number::new(digits)),
        }
    }
}

impl Ord for Item {
    fn cmp(&self, other: &Self) -> Ordering {
        match (self, other) {
            (Self::Qualifier(a), Self::Qualifier(b)) => a.cmp(b),
            (Self::HyphenNumber(a), Self::HyphenNumber(b)) | (Self::DotNumber(a), Self::DotNumber(b)) => {
                a.cmp(b)
            }
            _ => self.rank().cmp(&other.rank()),
        }
    }
}

impl PartialOrd for Item {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

fn qualifier(word: &str, followed_by_digit: bool) -> Qualifier {
    match word {
        "alpha" => Qualifier::Alpha,
        "a" if followed_by_digit => Qualifier::Alpha,
        "beta" => Qualifier::Beta,
        "b" if followed_by_digit => Qualifier::Beta,
        "milestone" => Qualifier::Milestone,
        "m" if followed_by_digit => Qualifier::Milestone,
        "rc" | "cr" => Qualifier::Rc,
        "snapshot" => Qualifier::Snapshot,
        "" | "ga" | "final" | "release" => Qualifier::Release,
        "sp" => Qualifier::Sp,
        other => Qualifier::Other(other.into()),
    }
}

impl MavenVersion {
    /// Every string is a Maven version; callers reject empty ones.
    pub(crate) fn parse(s: &str) -> Self {
        let lower = s.to_lowercase();
        let mut items = Vec::new();
        let mut sep = Sep::Dot; // the first item counts as `.`-prefixed
        for piece in lower.split_inclusive(['.', '-']) {
            let (body, next_sep) = match piece.as_bytes().last() {
                Some(b'.') => (&piece[..piece.len() - 1], Some(Sep::Dot)),
                Some(b'-') => (&piece[..piece.len() - 1], Some(Sep::Hyphen)),
                _ => (piece, None),
            };
            push_piece(&mut items, sep, body);
            if let Some(next) = next_sep {
                sep = next;
            }
        }
        // `split_inclusive` yields nothing after a trailing separator: that
        // empty part is a `0`.
        if lower.ends_with(['.', '-']) {
            items.push(Item::number(sep, ""));
        }
        trim_nulls(&mut items);
        Self { items }
    }
}

/// Splits one `.`/`-`-delimited part at digit/non-digit changes.
fn push_piece(items: &mut Vec<Item>, sep: Sep, body: &str) {
    if body.is_empty() {
        items.push(Item::number(sep, ""));
        return;
    }
    let bytes = body.as_bytes();
    let mut start = 0;
    let mut item_sep = sep;
    for i in 1..=bytes.len() {
        let boundary = i == bytes.len() || bytes[i].is_ascii_digit() != bytes[i - 1].is_ascii_digit();
        if !boundary {
            continue;
        }
        // Boundaries fall between an ASCII digit and something else, so they
        // are char boundaries.
        let run = &body[start..i];
        if bytes[start].is_ascii_digit() {
            items.push(Item::number(item_sep, run));
        } else {
            items.push(Item::Qualifier(qualifier(run, i < bytes.len())));
        }
        start = i;
        item_sep = Sep::Hyphen;
    }
}

/// Removes trailing null items, at the end and before each remaining
/// hyphen, from the end to the start; the first item always stays.
fn trim_nulls(items: &mut Vec<Item>) {
    let mut i = items.len();
    while i > 1 {
        let last = i - 1;
        if items[last].is_null() {
            items.remove(last);
            i -= 1;
            continue;
        }
        // Skip back over this `-` group to the item before its start.
        let mut j = last;
        while j > 0 && !items[j].starts_with_hyphen() {
            j -= 1;
        }
        i = j;
    }
}

impl Ord for MavenVersion {
    fn cmp(&self, other: &Self) -> Ordering {
        let len = self.items.len().max(other.items.len());
        for i in 0..len {
            let order = match (self.items.get(i), other.items.get(i)) {
                (Some(a), Some(b)) => a.cmp(b),
                (Some(a), None) => a.cmp(&a.padding_for()),
                (None, Some(b)) => b.padding_for().cmp(b),
                (None, None) => Ordering::Equal,
            };
            if order != Ordering::Equal {
                return order;
            }
        }
        Ordering::Equal
    }
}

impl PartialOrd for MavenVersion {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl PartialEq for MavenVersion {
    fn eq(&self, other: &Self) -> bool {
        self.cmp(other) == Ordering::Equal
    }
}

impl Eq for MavenVersion {}

#[cfg(test)]
mod tests {
    use super::*;

    fn items(s: &str) -> Vec<Item> {
        MavenVersion::parse(s).items
    }

    #[test]
    fn splits_and_trims_as_the_spec_examples() {
        use Item::{DotNumber as D, HyphenNumber as H, Qualifier as Q};
        let n = Number::new;
        assert_eq!(items("1.0.0"), [D(n("1"))]);
        assert_eq!(items("1.ga"), [D(n("1"))]);
        assert_eq!(items("1-"), [D(n("1"))]);
        assert_eq!(
            items("1.0.0-foo.0.0"),
            [D(n("1")), Q(Qualifier::Other("foo".into()))]
        );
        assert_eq!(items("1.0.0-0.0.0"), [D(n("1"))]);
        assert_eq!(items("1-a1"), [D(n("1")), Q(Qualifier::Alpha), H(n("1"))]);
        assert_eq!(items("1-ga-1"), [D(n("1")), H(n("1"))]);
        assert_eq!(items("1.0.0.Final"), [D(n("1"))]);
        assert_eq!(items("2.0-beta9"), [D(n("2")), Q(Qualifier::Beta), H(n("9"))]);
    }
}
