use std::borrow::Cow;
use std::convert::Infallible;
use std::fmt;
use std::str::FromStr;

/// A package ecosystem, named as OSV spells it (`"npm"`, `"crates.io"`,
/// `"Go"`, `"Maven"`, `"NuGet"`, `"PyPI"`).
///
/// The known ones have their own version order and name normalization; any
/// other name is kept as [`Ecosystem::Other`], compared with a generic version
/// order whose matches are flagged low-confidence.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Ecosystem {
    /// `"npm"`: `SemVer`, optional leading `v`; scoped names kept as they are.
    Npm,
    /// `"crates.io"`: `SemVer`; names compared case-insensitively with `-` = `_`.
    CratesIo,
    /// `"Go"`: `SemVer` with a leading `v`, pseudo-versions, `+incompatible`
    /// ignored; module paths compared exactly.
    Go,
    /// `"Maven"`: Maven's version order; names are `group:artifact`.
    Maven,
    /// `"NuGet"`: `NuGet` versions (up to four numbers); names case-insensitive.
    NuGet,
    /// `"PyPI"`: PEP 440 versions; names normalized per PEP 503.
    PyPI,
    /// Any other OSV ecosystem, with its name as given (e.g. `"RubyGems"`,
    /// `"Debian:12"`).
    Other(String),
}

impl Ecosystem {
    /// The ecosystem an OSV `package.ecosystem` names. Names are matched
    /// exactly, as OSV spells them; anything else is [`Ecosystem::Other`].
    pub fn from_osv(name: &str) -> Self {
        match name {
            "npm" => Self::Npm,
            "crates.io" => Self::CratesIo,
            "Go" => Self::Go,
            "Maven" => Self::Maven,
            "NuGet" => Self::NuGet,
            "PyPI" => Self::PyPI,
            other => Self::Other(other.to_owned()),
        }
    }

    /// The OSV name of the ecosystem.
    pub fn as_osv(&self) -> &str {
        match self {
            Self::Npm => "npm",
            Self::CratesIo => "crates.io",
            Self::Go => "Go",
            Self::Maven => "Maven",
            Self::NuGet => "NuGet",
            Self::PyPI => "PyPI",
            Self::Other(name) => name,
        }
    }

    /// Whether palisade knows this ecosystem's version order (matches in other
    /// ecosystems use a generic order and are low-confidence).
    pub fn has_native_order(&self) -> bool {
        !matches!(self, Self::Other(_))
    }

    /// The package name as it is compared when matching:
    ///
    /// - `PyPI`: PEP 503 (lowercase; each run of `-`, `_`, `.` becomes `-`);
    /// - `NuGet`: lowercase (package ids are case-insensitive);
    /// - crates.io: lowercase with `_` as `-` (crates.io refuses names that
    ///   differ only so);
    /// - Maven (`group:artifact`), npm (including `@scope/name`), Go module
    ///   paths and other ecosystems: exact.
    ///
    /// Surrounding whitespace is ignored everywhere.
    pub fn normalize_name<'a>(&self, name: &'a str) -> Cow<'a, str> {
        let name = name.trim();
        match self {
            Self::PyPI => Cow::Owned(pep503(name)),
            Self::NuGet => lowercase(name),
            Self::CratesIo => {
                if name.bytes().any(|b| b == b'_' || b.is_ascii_uppercase()) {
                    Cow::Owned(name.to_ascii_lowercase().replace('_', "-"))
                } else {
                    Cow::Borrowed(name)
                }
            }
            Self::Npm | Self::Go | Self::Maven | Self::Other(_) => Cow::Borrowed(name),
        }
    }

    /// `(OSV ecosystem name, normalized package name)`: the key an importer
    /// files an advisory's packages under and a scan looks them up by, so
    /// the two always agree.
    pub fn package_key(&self, name: &str) -> (String, String) {
        (self.as_osv().to_owned(), self.normalize_name(name).into_owned())
    }
}

fn lowercase(name: &str) -> Cow<'_, str> {
    if name.chars().any(char::is_uppercase) {
        Cow::Owned(name.to_lowercase())
    } else {
        Cow::Borrowed(name)
    }
}

/// PEP 503: `re.sub(r"[-_.]+", "-", name).lower()`.
fn pep503(name: &str) -> String {
    let mut out = String::with_capacity(name.len());
    let mut in_run = false;
    for c in name.chars() {
        if matches!(c, '-' | '_' | '.') {
            if !in_run {
                out.push('-');
            }
            in_run = true;
        } else {
            in_run = false;
            out.extend(c.to_lowercase());
        }
    }
    out
}

impl FromStr for Ecosystem {
    type Err = Infallible;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Ok(Self::from_osv(s))
    }
}

impl fmt::Display for Ecosystem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_osv())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn osv_names_round_trip() {
        for name in [
            "npm",
            "crates.io",
            "Go",
            "Maven",
            "NuGet",
            "PyPI",
            "RubyGems",
            "Debian:12",
        ] {
            assert_eq!(Ecosystem::from_osv(name).as_osv(), name);
        }
        assert_eq!(Ecosystem::from_osv("pypi"), Ecosystem::Other("pypi".into()));
    }

    #[test]
    fn names_normalize_per_ecosystem() {
        let n = |e: Ecosystem, s: &str| e.normalize_name(s).into_owned();
        assert_eq!(n(Ecosystem::PyPI, "Flask_Cors"), "flask-cors");
        assert_eq!(n(Ecosystem::PyPI, "zope.interface"), "zope-interface");
        assert_eq!(n(Ecosystem::PyPI, "A-_.-b"), "a-b");
        assert_eq!(n(Ecosystem::NuGet, "Newtonsoft.Json"), "newtonsoft.json");
        assert_eq!(n(Ecosystem::CratesIo, "Serde_JSON"), "serde-json");
        assert_eq!(n(Ecosystem::Npm, "@Babel/traverse"), "@Babel/traverse");
        assert_eq!(n(Ecosystem::Maven, " org.apache:Log4j "), "org.apache:Log4j");
        assert_eq!(n(Ecosystem::Go, "github.com/Foo/bar"), "github.com/Foo/bar");
    }
}
