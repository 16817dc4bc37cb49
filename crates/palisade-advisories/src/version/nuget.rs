//! `NuGet` versions (`NuGet.Versioning`'s `NuGetVersion` with the default
//! comparer): `SemVer` 2.0 plus the legacy forms `NuGet` still accepts.
//!
//! - 1 to 4 numeric parts, missing ones are 0: `1.0` = `1.0.0` = `1.0.0.0`;
//!   leading zeros are allowed and ignored (`01.0` = `1.0`);
//! - an optional prerelease after the first `-`: dot-separated labels of
//!   `[0-9A-Za-z-]`; a release sorts after all its prereleases; labels that
//!   are all digits compare as numbers and before other labels, the others
//!   compare case-insensitively (`1.0.0-Beta` = `1.0.0-beta`), and a shorter
//!   list of equal labels sorts first;
//! - metadata after `+` is ignored.
//!
//! Legacy `SemVer` 1.0 labels such as `beta10` are single labels compared as
//! text, as `NuGet` does: `1.0.0-beta10 < 1.0.0-beta2`.

use std::cmp::Ordering;

use super::Number;

#[derive(Clone, Debug)]
pub(crate) struct NuGetVersion {
    parts: [Number; 4],
    labels: Vec<Label>,
}

#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
enum Label {
    Numeric(Number),
    /// Lowercased.
    Text(Box<str>),
}

impl NuGetVersion {
    pub(crate) fn parse(s: &str) -> Result<Self, &'static str> {
        let (without_meta, meta) = match s.split_once('+') {
            Some((v, m)) => (v, Some(m)),
            None => (s, None),
        };
        if meta.is_some_and(|m| m.is_empty() || !m.split('.').all(is_label)) {
            return Err("metadata must be dot-separated [0-9A-Za-z-] labels");
        }
        let (core, pre) = match without_meta.split_once('-') {
            Some((c, p)) => (c, Some(p)),
            None => (without_meta, None),
        };
        let mut parts = [Number::zero(), Number::zero(), Number::zero(), Number::zero()];
        for (count, part) in core.split('.').enumerate() {
            if part.is_empty() || !part.bytes().all(|b| b.is_ascii_digit()) {
                return Err("version numbers must be digits");
            }
            let slot = parts.get_mut(count).ok_or("more than four version numbers")?;
            *slot = Number::new(part);
        }
        let mut labels = Vec::new();
        if let Some(pre) = pre {
            for label in pre.split('.') {
                if !is_label(label) {
                    return Err("prerelease labels must be non-empty [0-9A-Za-z-]");
                }
                labels.push(if label.bytes().all(|b| b.is_ascii_digit()) {
                    Label::Numeric(Number::new(label))
                } else {
                    Label::Text(label.to_ascii_lowercase().into())
                });
            }
        }
        Ok(Self { parts, labels })
    }
}

fn is_label(s: &str) -> bool {
    !s.is_empty() && s.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
}

impl Ord for NuGetVersion {
    fn cmp(&self, other: &Self) -> Ordering {
        self.parts
            .cmp(&other.parts)
            .then_with(|| match (self.labels.is_empty(), other.labels.is_empty()) {
                (true, true) => Ordering::Equal,
                // A release sorts after its prereleases.
                (true, false) => Ordering::Greater,
                (false, true) => Ordering::Less,
                // Lexicographic, a prefix first: exactly `NuGet`'s label rule.
                (false, false) => self.labels.cmp(&other.labels),
            })
    }
}

impl PartialOrd for NuGetVersion {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl PartialEq for NuGetVersion {
    fn eq(&self, other: &Self) -> bool {
        self.cmp(other) == Ordering::Equal
    }
}

impl Eq for NuGetVersion {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refuses_what_nuget_refuses() {
        for bad in [
            "1.2.3.4.5",
            "1..2",
            "1.x",
            "1.0-",
            "1.0-beta..1",
            "1.0-beta_1",
            "1.0+",
            "v1.0",
            "",
        ] {
            assert!(NuGetVersion::parse(bad).is_err(), "{bad:?} should be refused");
        }
        for good in [
            "1",
            "1.0",
            "1.0.0.0",
            "1.0.0-beta.1+git.abc",
            "01.002",
            "1.0-rc-1",
        ] {
            assert!(NuGetVersion::parse(good).is_ok(), "{good:?} should parse");
        }
    }
}
