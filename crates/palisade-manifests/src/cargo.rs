//! `Cargo.lock` (formats 1 to 4), read as plain TOML.
//!
//! Packages from crates.io (`registry+https://github.com/rust-lang/crates.io-index`
//! or `sparse+https://index.crates.io/`) are reported; other registries and
//! git are not crates.io's and are skipped, as are packages without a source
//! (workspace members and path dependencies). Those local packages'
//! `dependencies` say which packages are direct.

use std::collections::HashSet;

use serde::Deserialize;

use crate::text::Lines;
use crate::{ManifestError, Out, SkipReason};

const CRATES_IO: [&str; 2] = [
    "registry+https://github.com/rust-lang/crates.io-index",
    "sparse+https://index.crates.io/",
];

#[derive(Deserialize)]
struct Lock {
    #[serde(default)]
    package: Vec<Package>,
    /// Format 1 kept the root package apart.
    root: Option<Package>,
}

#[derive(Deserialize)]
struct Package {
    name: toml::Spanned<String>,
    version: Option<String>,
    source: Option<String>,
    #[serde(default)]
    dependencies: Vec<String>,
}

pub(crate) fn cargo_lock(text: &str, out: &mut Out) -> Result<(), ManifestError> {
    let lines = Lines::new(text);
    let lock: Lock = toml::from_str(text).map_err(|e| {
        let line = e.span().map(|s| lines.line(s.start));
        out.syntax(line, e.message().trim().to_owned())
    })?;
    let packages: Vec<&Package> = lock.root.iter().chain(&lock.package).collect();
    // `name`, `name version` or `name version (source)`.
    let mut direct_names: HashSet<&str> = HashSet::new();
    let mut direct_versions: HashSet<(&str, &str)> = HashSet::new();
    for local in packages.iter().filter(|p| p.source.is_none()) {
        for dep in &local.dependencies {
            let mut words = dep.split_whitespace();
            let Some(name) = words.next() else { continue };
            match words.next() {
                Some(version) => direct_versions.insert((name, version)),
                None => direct_names.insert(name),
            };
        }
    }
    let has_local = packages.iter().any(|p| p.source.is_none());
    for package in packages {
        let line = lines.line(package.name.span().start);
        let name = package.name.get_ref();
        let Some(source) = &package.source else {
            out.skip(
                name,
                line,
                SkipReason::Local("workspace member or path dependency".to_owned()),
            );
            continue;
        };
        if !CRATES_IO.contains(&source.as_str()) {
            out.skip(name, line, SkipReason::NonRegistry(source.clone()));
            continue;
        }
        let Some(version) = &package.version else {
            out.skip(name, line, SkipReason::NoVersion);
            continue;
        };
        let direct = has_local.then(|| {
            direct_names.contains(name.as_str())
                || direct_versions.contains(&(name.as_str(), version.as_str()))
        });
        out.dep(name, version, line, direct, None);
    }
    Ok(())
}
