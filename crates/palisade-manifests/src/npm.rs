//! npm `package-lock.json` / `npm-shrinkwrap.json`, lockfile versions 1, 2 and 3.
//!
//! Versions 2 and 3 list every installed folder in `packages`, keyed by path
//! (`node_modules/a/node_modules/@s/b`); the root (`""`) and workspace
//! folders hold the declared dependencies, so direct is known. Version 1 has
//! only the nested `dependencies` tree, without the root's declarations.

use std::collections::{HashMap, HashSet};

use serde::Deserialize;
use serde_json::value::RawValue;

use crate::json::{Entries, JsonDoc, Keys};
use crate::{ManifestError, Out, SkipReason};

#[derive(Deserialize)]
struct Lock<'a> {
    #[serde(borrow, default)]
    packages: Option<Entries<String, &'a RawValue>>,
    #[serde(borrow, default)]
    dependencies: Option<Entries<String, &'a RawValue>>,
}

#[derive(Deserialize, Default)]
#[serde(default, rename_all = "camelCase")]
struct Package {
    name: Option<String>,
    version: Option<String>,
    resolved: Option<String>,
    link: bool,
    dev: bool,
    dependencies: Keys,
    dev_dependencies: Keys,
    optional_dependencies: Keys,
    peer_dependencies: Keys,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct V1Dep<'a> {
    version: Option<String>,
    dev: bool,
    #[serde(borrow)]
    dependencies: Option<Entries<String, &'a RawValue>>,
}

pub(crate) fn package_lock(text: &str, out: &mut Out) -> Result<(), ManifestError> {
    let doc = JsonDoc::new(out.kind(), text)?;
    let lock: Lock<'_> = doc.parse()?;
    if let Some(packages) = lock.packages {
        packages_map(&doc, &packages.0, out)
    } else if let Some(deps) = lock.dependencies {
        v1_tree(&doc, deps, out)
    } else {
        Ok(())
    }
}

/// The package name a `packages` key installs: what follows its last
/// `node_modules/` (`@scope/name` included).
fn name_from_path(path: &str) -> Option<&str> {
    path.rfind("node_modules/")
        .map(|i| &path[i + "node_modules/".len()..])
        .filter(|n| !n.is_empty())
}

/// The folder whose `node_modules` holds `path` (`""` for the root).
fn parent_of(path: &str) -> &str {
    path.rfind("node_modules/")
        .map_or("", |i| path[..i].trim_end_matches('/'))
}

fn packages_map<'a>(
    doc: &JsonDoc<'a>,
    packages: &[(String, &'a RawValue)],
    out: &mut Out,
) -> Result<(), ManifestError> {
    let mut parsed = Vec::with_capacity(packages.len());
    // Local folders (root, workspaces) and the names they declare.
    let mut declared: HashMap<&str, HashSet<String>> = HashMap::new();
    for (path, raw) in packages {
        let package: Package = doc.value(raw)?;
        if !path.contains("node_modules/") {
            let names = declared.entry(path.as_str()).or_default();
            for keys in [
                &package.dependencies,
                &package.dev_dependencies,
                &package.optional_dependencies,
                &package.peer_dependencies,
            ] {
                names.extend(keys.0.iter().cloned());
            }
        }
        parsed.push((path.as_str(), doc.line(raw), package));
    }
    // A package hoisted to the root `node_modules` may be any workspace's.
    let any_declared: HashSet<&str> = declared.values().flatten().map(String::as_str).collect();
    for (path, line, package) in parsed {
        let Some(installed_as) = name_from_path(path) else {
            continue; // the root or a workspace folder: the project itself
        };
        let name = package.name.as_deref().unwrap_or(installed_as);
        if package.link {
            let to = package.resolved.unwrap_or_default();
            out.skip(name, line, SkipReason::Local(to));
            continue;
        }
        let Some(version) = package.version else {
            out.skip(name, line, SkipReason::NoVersion);
            continue;
        };
        if let Some(reason) = non_registry(&version, package.resolved.as_deref()) {
            out.skip(name, line, reason);
            continue;
        }
        let parent = parent_of(path);
        let direct = if parent.is_empty() {
            any_declared.contains(installed_as)
        } else {
            declared
                .get(parent)
                .is_some_and(|names| names.contains(installed_as))
        };
        out.dep(name, version, line, Some(direct), Some(package.dev));
    }
    Ok(())
}

/// Version 1: the `dependencies` tree, walked with an explicit stack.
fn v1_tree<'a>(
    doc: &JsonDoc<'a>,
    top: Entries<String, &'a RawValue>,
    out: &mut Out,
) -> Result<(), ManifestError> {
    let mut stack: Vec<(String, &'a RawValue)> = top.0.into_iter().rev().collect();
    while let Some((key, raw)) = stack.pop() {
        let line = doc.line(raw);
        let dep: V1Dep<'a> = doc.value(raw)?;
        if let Some(children) = dep.dependencies {
            stack.extend(children.0.into_iter().rev());
        }
        let Some(version) = dep.version else {
            out.skip(key, line, SkipReason::NoVersion);
            continue;
        };
        // An alias: "string-width-cjs": { "version": "npm:string-width@4.2.3" }.
        let (name, version) = match version.strip_prefix("npm:").and_then(split_name_at) {
            Some((real, v)) => (real.to_owned(), v.to_owned()),
            None => (key, version),
        };
        if let Some(reason) = non_registry(&version, None) {
            out.skip(name, line, reason);
            continue;
        }
        out.dep(name, version, line, None, Some(dep.dev));
    }
    Ok(())
}

/// `name@spec` split at the `@` that ends the name (`@scope/name@1.0.0`).
pub(crate) fn split_name_at(spec: &str) -> Option<(&str, &str)> {
    let at = spec.get(1..)?.find('@')? + 1;
    Some((&spec[..at], &spec[at + 1..]))
}

/// Why a version (or where it was fetched from) is not a registry release:
/// git, a tarball URL, a local folder.
pub(crate) fn non_registry(version: &str, resolved: Option<&str>) -> Option<SkipReason> {
    const LOCAL: [&str; 4] = ["file:", "link:", "portal:", "workspace:"];
    if LOCAL.iter().any(|p| version.starts_with(p)) {
        return Some(SkipReason::Local(version.to_owned()));
    }
    if version.is_empty() || version.contains([':', '/', ' ', '#']) {
        return Some(SkipReason::NonRegistry(version.to_owned()));
    }
    if let Some(resolved) = resolved {
        if resolved.starts_with("git") {
            return Some(SkipReason::NonRegistry(resolved.to_owned()));
        }
        if LOCAL.iter().any(|p| resolved.starts_with(p)) || !resolved.contains("://") {
            return Some(SkipReason::Local(resolved.to_owned()));
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_from_paths() {
        assert_eq!(name_from_path("node_modules/a"), Some("a"));
        assert_eq!(name_from_path("node_modules/a/node_modules/@s/b"), Some("@s/b"));
        assert_eq!(name_from_path("packages/x"), None);
        assert_eq!(name_from_path("node_modules/"), None);
        assert_eq!(parent_of("node_modules/a/node_modules/@s/b"), "node_modules/a");
        assert_eq!(parent_of("packages/x/node_modules/b"), "packages/x");
        assert_eq!(parent_of("node_modules/a"), "");
    }

    #[test]
    fn split_at_name() {
        assert_eq!(split_name_at("@s/n@1.0.0"), Some(("@s/n", "1.0.0")));
        assert_eq!(split_name_at("n@^1"), Some(("n", "^1")));
        assert_eq!(split_name_at("n"), None);
        assert_eq!(split_name_at(""), None);
        assert_eq!(split_name_at("@"), None);
    }
}
