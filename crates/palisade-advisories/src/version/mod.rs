//! Version ordering per ecosystem.

mod generic;
mod maven;
mod nuget;

use std::cmp::Ordering;
use std::fmt;
use std::str::FromStr;

use crate::Ecosystem;

use generic::GenericVersion;
use maven::MavenVersion;
use nuget::NuGetVersion;

/// A version parsed with the order of one ecosystem.
///
/// Two versions of the same ecosystem compare by that ecosystem's rules, and
/// `==` means "the same version" there (`1.0` and `1.0.0.0` in `NuGet`,
/// `1.0.0` and `1.0.0+build` in `SemVer`). Versions parsed for different
/// ecosystems still have a total order (by scheme first), but it means
/// nothing.
#[derive(Clone, Debug)]
pub struct Version {
    raw: Box<str>,
    key: Key,
}

#[derive(Clone, Debug)]
enum Key {
    SemVer(semver::Version),
    Pep440(pep440_rs::Version),
    Maven(MavenVersion),
    NuGet(NuGetVersion),
    Generic(GenericVersion),
}

/// A version string that the ecosystem's rules do not accept.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum VersionError {
    /// The string is empty (or only whitespace).
    #[error("empty version")]
    Empty,
    /// The ecosystem's grammar rejects the string.
    #[error("invalid {scheme} version {version:?}: {reason}")]
    Invalid {
        /// The version scheme (`SemVer`, `PEP 440`, `NuGet`).
        scheme: &'static str,
        /// The string as given.
        version: String,
        /// Why it was refused.
        reason: String,
    },
}

impl VersionError {
    fn invalid(scheme: &'static str, version: &str, reason: impl fmt::Display) -> Self {
        Self::Invalid {
            scheme,
            version: version.to_owned(),
            reason: reason.to_string(),
        }
    }
}

/// A version order. Each ecosystem has one; `SEMVER` ranges use `SemVer`
/// whatever their ecosystem.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Scheme {
    SemVer,
    Pep440,
    Maven,
    NuGet,
    Generic,
}

impl Scheme {
    pub(crate) const COUNT: usize = 5;

    pub(crate) fn of(ecosystem: &Ecosystem) -> Self {
        match ecosystem {
            Ecosystem::Npm | Ecosystem::CratesIo | Ecosystem::Go => Self::SemVer,
            Ecosystem::PyPI => Self::Pep440,
            Ecosystem::Maven => Self::Maven,
            Ecosystem::NuGet => Self::NuGet,
            Ecosystem::Other(_) => Self::Generic,
        }
    }

    pub(crate) fn index(self) -> usize {
        self as usize
    }
}

impl Version {
    /// Parses `version` with `ecosystem`'s rules:
    ///
    /// - npm, crates.io, Go: `SemVer` 2.0, optionally after `v` or `=`; build
    ///   metadata, such as Go's `+incompatible`, is ignored; Go
    ///   pseudo-versions are ordinary prereleases;
    /// - `PyPI`: PEP 440;
    /// - Maven: Maven's version order (any non-empty string);
    /// - `NuGet`: 1 to 4 numbers, case-insensitive prerelease labels,
    ///   metadata ignored;
    /// - other ecosystems: the generic order of [`Version::generic`].
    pub fn parse(ecosystem: &Ecosystem, version: &str) -> Result<Self, VersionError> {
        Self::parse_with(Scheme::of(ecosystem), version)
    }

    pub(crate) fn parse_with(scheme: Scheme, version: &str) -> Result<Self, VersionError> {
        let s = version.trim();
        if s.is_empty() {
            return Err(VersionError::Empty);
        }
        let key = match scheme {
            Scheme::SemVer => {
                let t = s.strip_prefix('=').unwrap_or(s).trim_start();
                Key::SemVer(parse_semver(t.strip_prefix(['v', 'V']).unwrap_or(t), version)?)
            }
            Scheme::Pep440 => Key::Pep440(
                pep440_rs::Version::from_str(s).map_err(|e| VersionError::invalid("PEP 440", version, e))?,
            ),
            Scheme::Maven => Key::Maven(MavenVersion::parse(s)),
            Scheme::NuGet => Key::NuGet(
                NuGetVersion::parse(s).map_err(|reason| VersionError::invalid("NuGet", version, reason))?,
            ),
            Scheme::Generic => Key::Generic(GenericVersion::parse(s)),
        };
        Ok(Self { raw: s.into(), key })
    }

    /// Parses `version` with the generic order used for ecosystems palisade
    /// does not know: the string is split into runs of digits (compared as
    /// numbers) and of letters (compared case-insensitively); any other
    /// character only separates runs. Letters sort before the end of the
    /// version and numbers after it: `1.0rc1 < 1.0 < 1.0.0 < 1.0.1`.
    pub fn generic(version: &str) -> Result<Self, VersionError> {
        Self::parse_with(Scheme::Generic, version)
    }

    /// The version as given (surrounding whitespace removed).
    pub fn as_str(&self) -> &str {
        &self.raw
    }

    /// Whether this version uses the generic order (an unknown ecosystem).
    pub fn is_generic(&self) -> bool {
        matches!(self.key, Key::Generic(_))
    }
}

fn parse_semver(s: &str, original: &str) -> Result<semver::Version, VersionError> {
    let mut v = semver::Version::parse(s).map_err(|e| VersionError::invalid("SemVer", original, e))?;
    // SemVer: build metadata does not take part in precedence (the semver
    // crate orders by it to stay consistent with `Eq`, so drop it).
    v.build = semver::BuildMetadata::EMPTY;
    Ok(v)
}

impl Key {
    fn scheme_rank(&self) -> u8 {
        match self {
            Self::SemVer(_) => 0,
            Self::Pep440(_) => 1,
            Self::Maven(_) => 2,
            Self::NuGet(_) => 3,
            Self::Generic(_) => 4,
        }
    }
}

impl Ord for Version {
    fn cmp(&self, other: &Self) -> Ordering {
        match (&self.key, &other.key) {
            (Key::SemVer(a), Key::SemVer(b)) => a.cmp(b),
            (Key::Pep440(a), Key::Pep440(b)) => a.cmp(b),
            (Key::Maven(a), Key::Maven(b)) => a.cmp(b),
            (Key::NuGet(a), Key::NuGet(b)) => a.cmp(b),
            (Key::Generic(a), Key::Generic(b)) => a.cmp(b),
            (a, b) => a.scheme_rank().cmp(&b.scheme_rank()),
        }
    }
}

impl PartialOrd for Version {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl PartialEq for Version {
    fn eq(&self, other: &Self) -> bool {
        self.cmp(other) == Ordering::Equal
    }
}

impl Eq for Version {}

impl fmt::Display for Version {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.raw)
    }
}

/// A run of ASCII digits compared by numeric value, of any length.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub(crate) struct Number(Box<str>);

impl Number {
    /// `digits` must be ASCII digits only (may be empty, meaning 0).
    pub(crate) fn new(digits: &str) -> Self {
        let trimmed = digits.trim_start_matches('0');
        Self(if trimmed.is_empty() {
            "0".into()
        } else {
            trimmed.into()
        })
    }

    pub(crate) fn zero() -> Self {
        Self("0".into())
    }

    pub(crate) fn is_zero(&self) -> bool {
        &*self.0 == "0"
    }
}

impl Ord for Number {
    fn cmp(&self, other: &Self) -> Ordering {
        // No leading zeros: the longer number is the larger one.
        self.0
            .len()
            .cmp(&other.0.len())
            .then_with(|| self.0.cmp(&other.0))
    }
}

impl PartialOrd for Number {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_compare_by_value_at_any_length() {
        let n = Number::new;
        assert_eq!(n("007"), n("7"));
        assert_eq!(n(""), Number::zero());
        assert!(n("10") > n("9"));
        assert!(n("123456789012345678901234567890") > n("99999999999999999999"));
    }

    #[test]
    fn build_metadata_is_ignored() {
        let v = |s| Version::parse(&Ecosystem::Go, s).expect("valid");
        assert_eq!(v("v2.0.0+incompatible"), v("v2.0.0"));
        assert_eq!(v("v2.0.0+incompatible").as_str(), "v2.0.0+incompatible");
    }
}
