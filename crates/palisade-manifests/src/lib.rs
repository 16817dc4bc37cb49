//! Finds and parses dependency lockfiles and manifests: the input side of
//! dependency scanning (SCA).
//!
//! Pure and synchronous: the input is a path (only its file name is looked
//! at) and the file's bytes; nothing here walks folders or does IO.
//!
//! - [`manifest_kind`] recognizes a file by name; [`select`] picks, from a list
//!   of paths, those worth parsing (a `go.sum` is only a fallback for a folder
//!   without `go.mod`).
//! - [`parse`] (or [`parse_kind`]) turns bytes into a [`Manifest`]: the
//!   [`Dependency`] list (ecosystem, name, exact version, 1-based line, and
//!   direct/dev when the format says so) and the entries it had to pass over,
//!   each with a [`SkipReason`] (a range instead of a pinned version, a
//!   `${property}` this file does not define, a git or local source, a
//!   `-r` include that is reported but not followed).
//! - [`Ecosystem::as_osv`] gives OSV's ecosystem name for the lookup that
//!   follows.
//!
//! | ecosystem | files |
//! |---|---|
//! | `NuGet` | `packages.lock.json`, `packages.config`, `*.csproj` / `*.fsproj` / `*.vbproj`, `Directory.Packages.props` |
//! | npm | `package-lock.json` / `npm-shrinkwrap.json` (v1, v2, v3), `yarn.lock` (classic and berry), `pnpm-lock.yaml` (v5, v6, v9) |
//! | `PyPI` | `requirements*.txt` (and `*.txt` in a `requirements/` folder), `poetry.lock`, `Pipfile.lock`, `uv.lock` |
//! | Maven | `pom.xml` (properties of the same pom resolved, `dependencyManagement` applied) |
//! | Go | `go.mod` (`replace` applied), `go.sum` |
//! | crates.io | `Cargo.lock` |
//!
//! Every input is untrusted. A file that cannot be read gives a
//! [`ManifestError`] naming the format and, when known, the line; nothing
//! panics. Files over [`MAX_MANIFEST_BYTES`] are refused; JSON and XML nested
//! deeper than [`MAX_NESTING`] are refused before they are parsed; YAML
//! anchors and aliases (never written by pnpm) are refused, so an alias bomb
//! fails at its first alias; XML entities other than the predefined ones and
//! character references are refused, never expanded. Text may be UTF-8 (with
//! or without a BOM) or UTF-16 with a BOM (Visual Studio writes some project
//! files that way).
//!
//! ```
//! use palisade_manifests::{parse, Ecosystem};
//!
//! let lock = br#"{
//!   "lockfileVersion": 3,
//!   "packages": {
//!     "": { "name": "app", "dependencies": { "left-pad": "^1.3.0" } },
//!     "node_modules/left-pad": { "version": "1.3.0" }
//!   }
//! }"#;
//! let manifest = parse("web/package-lock.json", lock)?;
//! let dep = &manifest.dependencies[0];
//! assert_eq!((dep.ecosystem.as_osv(), dep.name.as_str(), dep.version.as_str()), ("npm", "left-pad", "1.3.0"));
//! assert_eq!((dep.line, dep.direct, dep.dev), (5, Some(true), Some(false)));
//! assert_eq!(dep.ecosystem, Ecosystem::Npm);
//! # Ok::<(), palisade_manifests::ManifestError>(())
//! ```

#![deny(missing_docs)]

mod cargo;
mod golang;
mod json;
mod maven;
mod npm;
mod nuget;
mod pnpm;
mod python;
mod text;
mod xml;
mod yarn;

use std::fmt;

use serde::Serialize;

/// Files larger than this (64 MiB) are refused with [`ManifestError::TooLarge`].
pub const MAX_MANIFEST_BYTES: usize = 64 * 1024 * 1024;

/// JSON and XML nested deeper than this are refused with
/// [`ManifestError::Limit`]. Real lockfiles stay far below it (an npm v1
/// lockfile uses two levels per level of its dependency tree).
pub const MAX_NESTING: usize = 512;

/// A package ecosystem, named (and serialized) as OSV names it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
pub enum Ecosystem {
    /// `NuGet` (.NET).
    NuGet,
    /// npm (JavaScript), whichever client wrote the lockfile.
    #[serde(rename = "npm")]
    Npm,
    /// The Python Package Index.
    PyPI,
    /// Maven Central and other Maven repositories.
    Maven,
    /// Go modules.
    Go,
    /// crates.io (Rust).
    #[serde(rename = "crates.io")]
    CratesIo,
}

impl Ecosystem {
    /// OSV's ecosystem string (`"NuGet"`, `"npm"`, `"PyPI"`, `"Maven"`, `"Go"`, `"crates.io"`).
    pub const fn as_osv(self) -> &'static str {
        match self {
            Self::NuGet => "NuGet",
            Self::Npm => "npm",
            Self::PyPI => "PyPI",
            Self::Maven => "Maven",
            Self::Go => "Go",
            Self::CratesIo => "crates.io",
        }
    }
}

impl fmt::Display for Ecosystem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_osv())
    }
}

/// A file format this crate reads; see [`manifest_kind`] for the file names.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[non_exhaustive]
pub enum ManifestKind {
    /// `NuGet` `packages.lock.json`.
    NugetLock,
    /// `NuGet` `packages.config`.
    PackagesConfig,
    /// `MSBuild` project (`*.csproj`, `*.fsproj`, `*.vbproj`): `PackageReference` items.
    MsBuildProject,
    /// `NuGet` central package management: `Directory.Packages.props`.
    DirectoryPackagesProps,
    /// npm `package-lock.json` or `npm-shrinkwrap.json`.
    NpmLock,
    /// `yarn.lock`, classic (v1) or berry (v2+).
    YarnLock,
    /// `pnpm-lock.yaml`.
    PnpmLock,
    /// pip `requirements*.txt`.
    Requirements,
    /// `poetry.lock`.
    PoetryLock,
    /// Pipenv `Pipfile.lock`.
    PipfileLock,
    /// `uv.lock`.
    UvLock,
    /// Maven `pom.xml`.
    Pom,
    /// `go.mod`.
    GoMod,
    /// `go.sum`.
    GoSum,
    /// `Cargo.lock`.
    CargoLock,
}

impl ManifestKind {
    /// The ecosystem of the packages this format lists.
    pub const fn ecosystem(self) -> Ecosystem {
        match self {
            Self::NugetLock | Self::PackagesConfig | Self::MsBuildProject | Self::DirectoryPackagesProps => {
                Ecosystem::NuGet
            }
            Self::NpmLock | Self::YarnLock | Self::PnpmLock => Ecosystem::Npm,
            Self::Requirements | Self::PoetryLock | Self::PipfileLock | Self::UvLock => Ecosystem::PyPI,
            Self::Pom => Ecosystem::Maven,
            Self::GoMod | Self::GoSum => Ecosystem::Go,
            Self::CargoLock => Ecosystem::CratesIo,
        }
    }

    /// Whether the format records what was installed (a lockfile) rather than
    /// what was asked for (a manifest).
    pub const fn is_lockfile(self) -> bool {
        !matches!(
            self,
            Self::PackagesConfig
                | Self::MsBuildProject
                | Self::DirectoryPackagesProps
                | Self::Requirements
                | Self::Pom
                | Self::GoMod
        )
    }

    /// Every kind, in declaration order.
    pub const ALL: [Self; 15] = [
        Self::NugetLock,
        Self::PackagesConfig,
        Self::MsBuildProject,
        Self::DirectoryPackagesProps,
        Self::NpmLock,
        Self::YarnLock,
        Self::PnpmLock,
        Self::Requirements,
        Self::PoetryLock,
        Self::PipfileLock,
        Self::UvLock,
        Self::Pom,
        Self::GoMod,
        Self::GoSum,
        Self::CargoLock,
    ];

    /// The file name as people know it, for messages.
    pub const fn file_name(self) -> &'static str {
        match self {
            Self::NugetLock => "packages.lock.json",
            Self::PackagesConfig => "packages.config",
            Self::MsBuildProject => "MSBuild project",
            Self::DirectoryPackagesProps => "Directory.Packages.props",
            Self::NpmLock => "package-lock.json",
            Self::YarnLock => "yarn.lock",
            Self::PnpmLock => "pnpm-lock.yaml",
            Self::Requirements => "requirements.txt",
            Self::PoetryLock => "poetry.lock",
            Self::PipfileLock => "Pipfile.lock",
            Self::UvLock => "uv.lock",
            Self::Pom => "pom.xml",
            Self::GoMod => "go.mod",
            Self::GoSum => "go.sum",
            Self::CargoLock => "Cargo.lock",
        }
    }
}

impl fmt::Display for ManifestKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.file_name())
    }
}

/// One package at an exact version, as the file lists it.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
pub struct Dependency {
    /// The ecosystem of the file's format.
    pub ecosystem: Ecosystem,
    /// The package name as the registry knows it: an npm alias is resolved to
    /// the real package, a Maven artifact is `groupId:artifactId`, a Go module
    /// is its path after `replace`. Spelling is kept as written (`PyPI` and
    /// `NuGet` names are case-insensitive: compare normalized).
    pub name: String,
    /// The exact installed or pinned version, as written (no `==`, no `v`
    /// stripped from Go versions).
    pub version: String,
    /// 1-based line of the package's entry (its key, header or element; for a
    /// Go module replaced by `replace`, the replace directive).
    pub line: u32,
    /// Whether the project asked for the package itself, when the file says.
    pub direct: Option<bool>,
    /// Whether only development (or test) needs the package, when the file says.
    pub dev: Option<bool>,
}

/// An entry that names a package but could not be reported as a [`Dependency`].
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
pub struct Skipped {
    /// The package name as far as it is known (for an include, the option).
    pub name: String,
    /// 1-based line of the entry.
    pub line: u32,
    /// Why it was passed over.
    pub reason: SkipReason,
}

/// Why an entry was not reported as a [`Dependency`].
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
#[non_exhaustive]
pub enum SkipReason {
    /// A range, wildcard or floating version rather than one exact version
    /// (`>=2.0`, `[1.0,2.0)`, `1.*`, `LATEST`); the requirement as written.
    NotPinned(String),
    /// No version in this file: it comes from a parent pom, a BOM,
    /// `Directory.Packages.props`, or nowhere.
    NoVersion,
    /// A `${property}` or `$(Property)` this file does not define; the text as
    /// far as it was resolved.
    Unresolved(String),
    /// The project's own code: a workspace member, a path or `file:`
    /// dependency, a `link:`; where it points, when known.
    Local(String),
    /// Not from the ecosystem's public registry: git, a URL, another cargo
    /// registry; the source.
    NonRegistry(String),
    /// A `-r` / `-c` include of a requirements file: named, not followed.
    Include(String),
    /// A `go.sum` module with only a `go.mod` hash: its code was never
    /// downloaded, only its requirements read.
    GoModOnly(String),
    /// A line the format allows around requirements but this parser does
    /// not understand (a requirements line that is neither an option nor a
    /// requirement); the line.
    Unrecognized(String),
}

impl fmt::Display for SkipReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::NotPinned(spec) => write!(f, "not pinned to one version: {spec}"),
            Self::NoVersion => f.write_str("no version in this file"),
            Self::Unresolved(text) => write!(f, "unresolved property in {text}"),
            Self::Local(to) => write!(f, "local package: {to}"),
            Self::NonRegistry(source) => write!(f, "not from the registry: {source}"),
            Self::Include(file) => write!(f, "include not followed: {file}"),
            Self::GoModOnly(version) => write!(f, "go.mod hash only, at {version}"),
            Self::Unrecognized(line) => write!(f, "not understood: {line}"),
        }
    }
}

/// What [`parse`] found in one file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Manifest {
    /// The format the file was read as.
    pub kind: ManifestKind,
    /// In line order.
    pub dependencies: Vec<Dependency>,
    /// In line order.
    pub skipped: Vec<Skipped>,
}

/// Why a file could not be read. The message names the format and, when
/// known, the line.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ManifestError {
    /// The file name is not one [`manifest_kind`] recognizes.
    #[error("not a dependency manifest or lockfile: {0:?}")]
    UnknownKind(String),
    /// Over [`MAX_MANIFEST_BYTES`].
    #[error("{kind}: {size} bytes is over the {limit}-byte limit")]
    TooLarge {
        /// The format the file would have been read as.
        kind: ManifestKind,
        /// The file's size in bytes.
        size: usize,
        /// [`MAX_MANIFEST_BYTES`].
        limit: usize,
    },
    /// Neither UTF-8 nor UTF-16 with a BOM.
    #[error("{kind}: {message}")]
    Encoding {
        /// The format the file would have been read as.
        kind: ManifestKind,
        /// What is wrong, with the byte offset.
        message: String,
    },
    /// Not valid in its format (truncated, malformed, wrong shape).
    #[error("{kind}{}: {message}", at_line(*.line))]
    Syntax {
        /// The format the file was read as.
        kind: ManifestKind,
        /// 1-based line, when the parser knows it.
        line: Option<u32>,
        /// The parser's complaint.
        message: String,
    },
    /// Valid perhaps, but refused as hostile or absurd: nesting over
    /// [`MAX_NESTING`], YAML aliases, XML entities.
    #[error("{kind}{}: {message}", at_line(*.line))]
    Limit {
        /// The format the file was read as.
        kind: ManifestKind,
        /// 1-based line, when known.
        line: Option<u32>,
        /// Which limit, and what tripped it.
        message: String,
    },
}

fn at_line(line: Option<u32>) -> String {
    line.map(|l| format!(" line {l}")).unwrap_or_default()
}

impl ManifestError {
    /// The 1-based line the problem was found at, when known.
    pub fn line(&self) -> Option<u32> {
        match self {
            Self::Syntax { line, .. } | Self::Limit { line, .. } => *line,
            _ => None,
        }
    }

    pub(crate) fn syntax(kind: ManifestKind, line: Option<u32>, message: impl Into<String>) -> Self {
        Self::Syntax {
            kind,
            line,
            message: message.into(),
        }
    }

    pub(crate) fn limit(kind: ManifestKind, line: Option<u32>, message: impl Into<String>) -> Self {
        Self::Limit {
            kind,
            line,
            message: message.into(),
        }
    }
}

/// The format of a file, from its name (the last component of `path`, with
/// `/` or `\` separators). `NuGet` and `MSBuild` names are matched without
/// regard to case, as Windows repositories spell them every which way;
/// the others exactly.
pub fn manifest_kind(path: &str) -> Option<ManifestKind> {
    let name = path.rsplit(['/', '\\']).next().unwrap_or(path);
    let lower = name.to_ascii_lowercase();
    let kind = match name {
        "package-lock.json" | "npm-shrinkwrap.json" => ManifestKind::NpmLock,
        "yarn.lock" => ManifestKind::YarnLock,
        "pnpm-lock.yaml" => ManifestKind::PnpmLock,
        "poetry.lock" => ManifestKind::PoetryLock,
        "Pipfile.lock" => ManifestKind::PipfileLock,
        "uv.lock" => ManifestKind::UvLock,
        "pom.xml" => ManifestKind::Pom,
        "go.mod" => ManifestKind::GoMod,
        "go.sum" => ManifestKind::GoSum,
        "Cargo.lock" => ManifestKind::CargoLock,
        _ => match lower.as_str() {
            "packages.lock.json" => ManifestKind::NugetLock,
            "packages.config" => ManifestKind::PackagesConfig,
            "directory.packages.props" => ManifestKind::DirectoryPackagesProps,
            _ if [".csproj", ".fsproj", ".vbproj"]
                .iter()
                .any(|ext| lower.len() > ext.len() && lower.ends_with(ext)) =>
            {
                ManifestKind::MsBuildProject
            }
            _ if is_requirements(path, &lower) => ManifestKind::Requirements,
            _ => return None,
        },
    };
    Some(kind)
}

/// `requirements.txt`, `requirements-dev.txt`, `dev-requirements.txt`, and any
/// `.txt` in a folder named `requirements` (`requirements/base.txt`).
fn is_requirements(path: &str, lower_name: &str) -> bool {
    let Some(stem) = lower_name.strip_suffix(".txt") else {
        return false;
    };
    if stem.contains("requirements") {
        return true;
    }
    let mut parts = path.rsplit(['/', '\\']);
    parts.next();
    parts
        .next()
        .is_some_and(|dir| dir.eq_ignore_ascii_case("requirements"))
}

/// The paths worth parsing, in the order given: those [`manifest_kind`]
/// recognizes, minus each `go.sum` whose folder also has a `go.mod` (the
/// `go.mod` names the build's modules; `go.sum` also lists modules only
/// consulted for their requirements).
pub fn select<'a, I>(paths: I) -> Vec<&'a str>
where
    I: IntoIterator<Item = &'a str>,
{
    let paths: Vec<&str> = paths.into_iter().collect();
    let go_mod_dirs: std::collections::HashSet<&str> = paths
        .iter()
        .filter(|p| manifest_kind(p) == Some(ManifestKind::GoMod))
        .map(|p| parent_dir(p))
        .collect();
    paths
        .into_iter()
        .filter(|p| match manifest_kind(p) {
            None => false,
            Some(ManifestKind::GoSum) => !go_mod_dirs.contains(parent_dir(p)),
            Some(_) => true,
        })
        .collect()
}

fn parent_dir(path: &str) -> &str {
    path.rfind(['/', '\\']).map_or("", |i| &path[..i])
}

/// Parses one file, its format chosen by [`manifest_kind`] from `path`.
pub fn parse(path: &str, bytes: &[u8]) -> Result<Manifest, ManifestError> {
    let kind = manifest_kind(path).ok_or_else(|| ManifestError::UnknownKind(path.to_owned()))?;
    parse_kind(kind, bytes)
}

/// Parses one file of a known format.
pub fn parse_kind(kind: ManifestKind, bytes: &[u8]) -> Result<Manifest, ManifestError> {
    if bytes.len() > MAX_MANIFEST_BYTES {
        return Err(ManifestError::TooLarge {
            kind,
            size: bytes.len(),
            limit: MAX_MANIFEST_BYTES,
        });
    }
    let text = text::decode(kind, bytes)?;
    let mut out = Out::new(kind);
    match kind {
        ManifestKind::NugetLock => nuget::lock(&text, &mut out)?,
        ManifestKind::PackagesConfig => nuget::packages_config(&text, &mut out)?,
        ManifestKind::MsBuildProject | ManifestKind::DirectoryPackagesProps => {
            nuget::msbuild(&text, &mut out)?;
        }
        ManifestKind::NpmLock => npm::package_lock(&text, &mut out)?,
        ManifestKind::YarnLock => yarn::yarn_lock(&text, &mut out)?,
        ManifestKind::PnpmLock => pnpm::pnpm_lock(&text, &mut out)?,
        ManifestKind::Requirements => python::requirements(&text, &mut out),
        ManifestKind::PoetryLock => python::poetry_lock(&text, &mut out)?,
        ManifestKind::PipfileLock => python::pipfile_lock(&text, &mut out)?,
        ManifestKind::UvLock => python::uv_lock(&text, &mut out)?,
        ManifestKind::Pom => maven::pom(&text, &mut out)?,
        ManifestKind::GoMod => golang::go_mod(&text, &mut out)?,
        ManifestKind::GoSum => golang::go_sum(&text, &mut out)?,
        ManifestKind::CargoLock => cargo::cargo_lock(&text, &mut out)?,
    }
    Ok(out.finish())
}

/// What a parser collects; sorted by line at the end.
pub(crate) struct Out {
    kind: ManifestKind,
    dependencies: Vec<Dependency>,
    skipped: Vec<Skipped>,
}

impl Out {
    fn new(kind: ManifestKind) -> Self {
        Self {
            kind,
            dependencies: Vec::new(),
            skipped: Vec::new(),
        }
    }

    pub(crate) fn kind(&self) -> ManifestKind {
        self.kind
    }

    pub(crate) fn dep(
        &mut self,
        name: impl Into<String>,
        version: impl Into<String>,
        line: u32,
        direct: Option<bool>,
        dev: Option<bool>,
    ) {
        let (name, version) = (name.into(), version.into());
        // Every reported dependency has a name and a version.
        if name.trim().is_empty() {
            self.skip(name, line, SkipReason::Unrecognized(version));
        } else if version.trim().is_empty() {
            self.skip(name, line, SkipReason::NoVersion);
        } else {
            self.dependencies.push(Dependency {
                ecosystem: self.kind.ecosystem(),
                name,
                version,
                line,
                direct,
                dev,
            });
        }
    }

    pub(crate) fn skip(&mut self, name: impl Into<String>, line: u32, reason: SkipReason) {
        self.skipped.push(Skipped {
            name: name.into(),
            line,
            reason,
        });
    }

    pub(crate) fn syntax(&self, line: Option<u32>, message: impl Into<String>) -> ManifestError {
        ManifestError::syntax(self.kind, line, message)
    }

    fn finish(mut self) -> Manifest {
        self.dependencies.sort_by_key(|d| d.line);
        self.skipped.sort_by_key(|s| s.line);
        Manifest {
            kind: self.kind,
            dependencies: self.dependencies,
            skipped: self.skipped,
        }
    }
}
