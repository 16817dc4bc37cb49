//! `pnpm-lock.yaml`, lockfile versions 5.x, 6.x and 9.x.
//!
//! Package keys by version: `/name/1.2.3_peer@2.0.0` (5), `/name@1.2.3(peer@2.0.0)`
//! (6), `name@1.2.3` (9; the peer variants move to `snapshots`). Direct
//! dependencies come from `importers` (or, for one-project 5/6 files, the
//! top-level `dependencies`); dev comes from each package's `dev` flag (5/6)
//! or, for 9, from walking `snapshots` from the importers' dev and non-dev
//! dependencies.
//!
//! pnpm never writes YAML anchors, so aliases are refused (an alias bomb fails
//! at its first alias); the other budgets scale with the input.

use std::collections::{HashMap, HashSet};
use std::fmt;

use serde::Deserialize;
use serde::de::{self, MapAccess, Visitor};
use serde_saphyr::{Location, Spanned};

use crate::json::Entries;
use crate::npm::split_name_at;
use crate::text::Lines;
use crate::{ManifestError, Out, SkipReason};

#[derive(Deserialize, Default)]
#[serde(default, rename_all = "camelCase")]
struct Lock {
    lockfile_version: Option<Scalar>,
    importers: Entries<String, Importer>,
    // One-project 5.x/6.x files keep the root importer's lists at the top.
    dependencies: Entries<String, ImporterDep>,
    optional_dependencies: Entries<String, ImporterDep>,
    dev_dependencies: Entries<String, ImporterDep>,
    packages: Entries<Spanned<String>, Package>,
    snapshots: Entries<String, Snapshot>,
}

#[derive(Deserialize, Default)]
#[serde(default, rename_all = "camelCase")]
struct Importer {
    dependencies: Entries<String, ImporterDep>,
    optional_dependencies: Entries<String, ImporterDep>,
    dev_dependencies: Entries<String, ImporterDep>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct Package {
    dev: Option<bool>,
    resolution: Resolution,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct Resolution {
    directory: Option<String>,
    repo: Option<String>,
    tarball: Option<String>,
    integrity: Option<String>,
}

#[derive(Deserialize, Default)]
#[serde(default, rename_all = "camelCase")]
struct Snapshot {
    dependencies: Entries<String, Scalar>,
    optional_dependencies: Entries<String, Scalar>,
}

/// A scalar read as text (`lockfileVersion: 5.4` is a number, `'6.0'` a string).
#[derive(Default)]
struct Scalar(String);

impl<'de> Deserialize<'de> for Scalar {
    fn deserialize<D: de::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct ScalarVisitor;
        impl Visitor<'_> for ScalarVisitor {
            type Value = Scalar;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a string or a number")
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Scalar, E> {
                Ok(Scalar(v.to_owned()))
            }
            fn visit_f64<E: de::Error>(self, v: f64) -> Result<Scalar, E> {
                Ok(Scalar(v.to_string()))
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<Scalar, E> {
                Ok(Scalar(v.to_string()))
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<Scalar, E> {
                Ok(Scalar(v.to_string()))
            }
        }
        deserializer.deserialize_any(ScalarVisitor)
    }
}

/// An importer's dependency: `name: 1.2.3` (5) or `name: {specifier, version}` (6, 9).
#[derive(Default)]
struct ImporterDep(String);

impl<'de> Deserialize<'de> for ImporterDep {
    fn deserialize<D: de::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct DepVisitor;
        impl<'de> Visitor<'de> for DepVisitor {
            type Value = ImporterDep;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a version or a map with `version`")
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<ImporterDep, E> {
                Ok(ImporterDep(v.to_owned()))
            }
            fn visit_f64<E: de::Error>(self, v: f64) -> Result<ImporterDep, E> {
                Ok(ImporterDep(v.to_string()))
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<ImporterDep, E> {
                Ok(ImporterDep(v.to_string()))
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<ImporterDep, A::Error> {
                let mut version = String::new();
                while let Some(key) = map.next_key::<String>()? {
                    if key == "version" {
                        version = map.next_value::<Scalar>()?.0;
                    } else {
                        map.next_value::<de::IgnoredAny>()?;
                    }
                }
                Ok(ImporterDep(version))
            }
        }
        deserializer.deserialize_any(DepVisitor)
    }
}

/// How package keys are spelled.
#[derive(Clone, Copy, PartialEq, Eq)]
enum KeyForm {
    /// `/name/1.2.3_peers`
    Slash,
    /// `/name@1.2.3(peers)` (6) or `name@1.2.3(peers)` (9)
    At,
}

/// Removes the peer-dependency suffix: `1.2.3(react@18.2.0)`, `1.2.3_react@18.2.0`.
fn strip_peers(version: &str, form: KeyForm) -> &str {
    let cut = match form {
        KeyForm::At => version.find('('),
        KeyForm::Slash => version.find(['_', '(']),
    };
    cut.map_or(version, |i| &version[..i])
}

/// `(name, version)` of a package key, or `None` for a key that is not a
/// registry package (git, tarball URL, local folder).
fn parse_key(key: &str, form: KeyForm) -> Option<(&str, &str)> {
    let (name, version) = match form {
        KeyForm::Slash => {
            let key = key.strip_prefix('/')?;
            let name_end = if key.starts_with('@') {
                let slash = key.find('/')?;
                slash + 1 + key[slash + 1..].find('/')?
            } else {
                key.find('/')?
            };
            (&key[..name_end], strip_peers(&key[name_end + 1..], form))
        }
        KeyForm::At => {
            let key = key.strip_prefix('/').unwrap_or(key);
            let end = key.find('(').unwrap_or(key.len());
            split_name_at(&key[..end])?
        }
    };
    let plain = !name.is_empty()
        && !version.is_empty()
        && !version.contains([':', '/', '#'])
        && version.starts_with(|c: char| c.is_ascii_digit());
    plain.then_some((name, version))
}

/// The package an importer or snapshot dependency points at: `(name, version)`.
fn resolve_dep<'a>(name: &'a str, version: &'a str, form: KeyForm) -> Option<(&'a str, &'a str)> {
    if version.starts_with("link:") || version.starts_with("file:") {
        return None;
    }
    let bare = strip_peers(version, form);
    if bare.starts_with('/') || (form == KeyForm::At && bare.get(1..).is_some_and(|v| v.contains('@'))) {
        // An alias: the value is the real package's key.
        return parse_key(version, form);
    }
    Some((name, bare))
}

pub(crate) fn pnpm_lock(text: &str, out: &mut Out) -> Result<(), ManifestError> {
    let input_bound = text.len().saturating_mul(2).saturating_add(1024);
    let options = serde_saphyr::options! {
        budget: serde_saphyr::budget! {
            max_aliases: 0,
            max_anchors: 0,
            max_events: input_bound,
            max_nodes: input_bound,
        },
    };
    let lines = Lines::new(text);
    let lock: Lock =
        serde_saphyr::from_str_with_options(text, options).map_err(|e| yaml_error(out, text, &lines, &e))?;
    let major = lock
        .lockfile_version
        .as_ref()
        .and_then(|v| v.0.split('.').next()?.parse::<u32>().ok())
        .unwrap_or(9);
    let form = if major < 6 { KeyForm::Slash } else { KeyForm::At };

    let root = Importer {
        dependencies: lock.dependencies,
        optional_dependencies: lock.optional_dependencies,
        dev_dependencies: lock.dev_dependencies,
    };
    let importers: Vec<&Importer> = if lock.importers.0.is_empty() {
        vec![&root]
    } else {
        lock.importers.0.iter().map(|(_, i)| i).collect()
    };
    let mut direct: HashSet<(&str, &str)> = HashSet::new();
    let mut prod_roots = Vec::new();
    let mut dev_roots = Vec::new();
    for importer in &importers {
        for (list, is_dev) in [
            (&importer.dependencies, false),
            (&importer.optional_dependencies, false),
            (&importer.dev_dependencies, true),
        ] {
            for (name, dep) in &list.0 {
                if let Some(target) = resolve_dep(name, &dep.0, form) {
                    direct.insert(target);
                }
                let roots = if is_dev { &mut dev_roots } else { &mut prod_roots };
                roots.push((name.as_str(), dep.0.as_str()));
            }
        }
    }
    let has_importers = importers.iter().any(|i| {
        !(i.dependencies.0.is_empty()
            && i.optional_dependencies.0.is_empty()
            && i.dev_dependencies.0.is_empty())
    });
    let dev_of = if major >= 9 && !lock.snapshots.0.is_empty() {
        Some(snapshot_dev(&lock.snapshots, &prod_roots, &dev_roots))
    } else {
        None
    };

    for (key, package) in &lock.packages.0 {
        let line = yaml_line(text, &lines, key.referenced);
        let key = key.value.as_str();
        let resolution = &package.resolution;
        if let Some(dir) = &resolution.directory {
            out.skip(key, line, SkipReason::Local(dir.clone()));
            continue;
        }
        if let Some(repo) = &resolution.repo {
            out.skip(key, line, SkipReason::NonRegistry(repo.clone()));
            continue;
        }
        let Some((name, version)) = parse_key(key, form) else {
            let source = resolution.tarball.clone().unwrap_or_else(|| key.to_owned());
            out.skip(key, line, SkipReason::NonRegistry(source));
            continue;
        };
        if resolution.integrity.is_none()
            && let Some(tarball) = &resolution.tarball
            && !tarball.contains("://")
        {
            out.skip(name, line, SkipReason::Local(tarball.clone()));
            continue;
        }
        let is_direct = has_importers.then(|| direct.contains(&(name, version)));
        let dev = match &dev_of {
            Some(map) => map.get(&(name, version)).copied(),
            None => package.dev,
        };
        out.dep(name, version, line, is_direct, dev);
    }
    Ok(())
}

/// Version 9: `Some(true)` for packages reached only from dev dependencies,
/// `Some(false)` for those reached from any other, by walking `snapshots`.
fn snapshot_dev<'a>(
    snapshots: &'a Entries<String, Snapshot>,
    prod_roots: &[(&'a str, &'a str)],
    dev_roots: &[(&'a str, &'a str)],
) -> HashMap<(&'a str, &'a str), bool> {
    let by_key: HashMap<&str, &Snapshot> = snapshots.0.iter().map(|(k, s)| (k.as_str(), s)).collect();
    // Snapshot keys are `name@version(peers)`; an alias dependency's value is
    // already such a key.
    let key_of = |name: &str, version: &str| -> String {
        if version
            .get(1..)
            .is_some_and(|v| strip_peers(v, KeyForm::At).contains('@'))
        {
            version.to_owned()
        } else {
            format!("{name}@{version}")
        }
    };
    let reach = |roots: &[(&str, &str)]| -> HashSet<&'a str> {
        let mut seen: HashSet<&'a str> = HashSet::new();
        let mut stack: Vec<String> = roots.iter().map(|(n, v)| key_of(n, v)).collect();
        while let Some(key) = stack.pop() {
            let Some((&k, snapshot)) = by_key.get_key_value(key.as_str()) else {
                continue;
            };
            if !seen.insert(k) {
                continue;
            }
            for (name, version) in snapshot
                .dependencies
                .0
                .iter()
                .chain(&snapshot.optional_dependencies.0)
            {
                stack.push(key_of(name, &version.0));
            }
        }
        seen
    };
    let prod = reach(prod_roots);
    let dev = reach(dev_roots);
    let mut out = HashMap::new();
    for key in prod.iter().chain(&dev) {
        if let Some(base) = parse_key(key, KeyForm::At) {
            let entry = out.entry(base).or_insert(true);
            if prod.contains(key) {
                *entry = false;
            }
        }
    }
    out
}

/// The line of a YAML location, counted like every other format: by `\n`
/// (YAML also breaks lines at a lone `\r`). Keys carry a byte offset;
/// parse errors only YAML's own line number.
fn yaml_line(text: &str, lines: &Lines, location: Location) -> u32 {
    if let Some(offset) = location.span().byte_offset() {
        return lines.line(usize::try_from(offset).unwrap_or(usize::MAX));
    }
    let target = location.line();
    let bytes = text.as_bytes();
    let (mut line, mut i) = (1, 0);
    while i < bytes.len() && line < target {
        match bytes[i] {
            b'\r' if bytes.get(i + 1) == Some(&b'\n') => {
                line += 1;
                i += 1;
            }
            b'\r' | b'\n' => line += 1,
            _ => {}
        }
        i += 1;
    }
    lines.line(i)
}

fn yaml_error(out: &Out, text: &str, lines: &Lines, e: &serde_saphyr::Error) -> ManifestError {
    let line = e.location().map(|l| yaml_line(text, lines, l)).filter(|&l| l > 0);
    let message = e.without_snippet().to_string();
    let message = message.lines().next().unwrap_or_default();
    let message = message.strip_prefix("error: ").unwrap_or(message);
    let message = match message.split_once(": ") {
        Some((at, rest)) if at.starts_with("line ") => rest,
        _ => message,
    };
    // The line is reported apart; drop "at line 3, column 25" from the text.
    let message = match message.rfind(" at line ") {
        Some(i) if message[i + 9..].starts_with(|c: char| c.is_ascii_digit()) => &message[..i],
        _ => message,
    };
    if message.contains("budget breached") {
        ManifestError::limit(out.kind(), line, format!("YAML refused: {message}"))
    } else {
        out.syntax(line, message.to_owned())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_of_each_version() {
        let s = KeyForm::Slash;
        let a = KeyForm::At;
        assert_eq!(parse_key("/lodash/4.17.21", s), Some(("lodash", "4.17.21")));
        assert_eq!(
            parse_key("/@babel/core/7.20.0", s),
            Some(("@babel/core", "7.20.0"))
        );
        assert_eq!(
            parse_key("/styled-jsx/5.1.1_react@18.2.0", s),
            Some(("styled-jsx", "5.1.1"))
        );
        assert_eq!(parse_key("github.com/user/repo/abc123", s), None);
        assert_eq!(parse_key("/lodash@4.17.21", a), Some(("lodash", "4.17.21")));
        assert_eq!(
            parse_key("/@scope/n@1.0.0(react@18.2.0)(@types/react@18.0.0)", a),
            Some(("@scope/n", "1.0.0"))
        );
        assert_eq!(parse_key("@scope/n@1.0.0", a), Some(("@scope/n", "1.0.0")));
        assert_eq!(
            parse_key("foo@https://codeload.github.com/x/y/tar.gz/abc", a),
            None
        );
        assert_eq!(parse_key("foo@file:../foo", a), None);
        assert_eq!(parse_key("/", s), None);
        assert_eq!(parse_key("", a), None);
    }

    #[test]
    fn importer_versions() {
        let a = KeyForm::At;
        assert_eq!(resolve_dep("react", "18.2.0", a), Some(("react", "18.2.0")));
        assert_eq!(
            resolve_dep("next", "13.4.0(react@18.2.0)", a),
            Some(("next", "13.4.0"))
        );
        assert_eq!(resolve_dep("lib", "link:../lib", a), None);
        assert_eq!(
            resolve_dep("sw", "string-width@4.2.3", a),
            Some(("string-width", "4.2.3"))
        );
        assert_eq!(
            resolve_dep("sw", "/string-width@4.2.3", a),
            Some(("string-width", "4.2.3"))
        );
        assert_eq!(
            resolve_dep("sw", "/string-width/4.2.3", KeyForm::Slash),
            Some(("string-width", "4.2.3"))
        );
        assert_eq!(
            resolve_dep("x", "1.0.0_react@18.2.0", KeyForm::Slash),
            Some(("x", "1.0.0"))
        );
    }
}
