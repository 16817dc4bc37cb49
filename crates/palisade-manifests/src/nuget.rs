//! `NuGet`: `packages.lock.json`, `packages.config`, `MSBuild` project files
//! (`PackageReference`) and `Directory.Packages.props` (`PackageVersion`).

use std::collections::{HashMap, HashSet};

use serde::Deserialize;
use serde_json::value::RawValue;

use crate::json::{Entries, JsonDoc};
use crate::xml::{self, Element};
use crate::{ManifestError, Out, SkipReason};

#[derive(Deserialize)]
struct Lock<'a> {
    /// Target framework (`net8.0`, `net8.0/win-x64`) to packages.
    #[serde(borrow, default)]
    dependencies: Entries<String, Entries<String, &'a RawValue>>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct Locked {
    #[serde(rename = "type")]
    kind: String,
    resolved: Option<String>,
}

/// One entry per package and version; the same package listed under
/// several target frameworks is reported once, at its first line, direct if
/// any framework references it directly.
pub(crate) fn lock(text: &str, out: &mut Out) -> Result<(), ManifestError> {
    let doc = JsonDoc::new(out.kind(), text)?;
    let lock: Lock<'_> = doc.parse()?;
    let mut seen: HashMap<(String, String), usize> = HashMap::new();
    let mut reported = Vec::new();
    let mut projects: HashSet<String> = HashSet::new();
    for (_framework, packages) in lock.dependencies.0 {
        for (name, raw) in packages.0 {
            let line = doc.line(raw);
            let locked: Locked = doc.value(raw)?;
            let key_name = name.to_ascii_lowercase();
            if locked.kind.eq_ignore_ascii_case("project") {
                if projects.insert(key_name) {
                    out.skip(name, line, SkipReason::Local("project reference".to_owned()));
                }
                continue;
            }
            let Some(version) = locked.resolved else {
                out.skip(name, line, SkipReason::NoVersion);
                continue;
            };
            let direct = locked.kind.eq_ignore_ascii_case("direct");
            let key = (key_name, version.to_ascii_lowercase());
            if let Some(&i) = seen.get(&key) {
                if let Some(entry) = reported.get_mut(i) {
                    let entry: &mut (String, String, u32, bool) = entry;
                    entry.3 |= direct;
                }
            } else {
                seen.insert(key, reported.len());
                reported.push((name, version, line, direct));
            }
        }
    }
    for (name, version, line, direct) in reported {
        out.dep(name, version, line, Some(direct), None);
    }
    Ok(())
}

/// `<packages><package id="..." version="..." developmentDependency="true"/></packages>`:
/// every package installed, direct or not.
pub(crate) fn packages_config(text: &str, out: &mut Out) -> Result<(), ManifestError> {
    let root = xml::parse(out.kind(), text)?;
    for package in root.descendants() {
        if !package.name.eq_ignore_ascii_case("package") {
            continue;
        }
        let Some(id) = package.attr("id") else {
            continue;
        };
        let dev = package
            .attr("developmentDependency")
            .is_some_and(|v| v.trim().eq_ignore_ascii_case("true"));
        match package.attr("version").map(str::trim) {
            Some(version) if !version.is_empty() => {
                report_version(out, id, version, package.line, None, Some(dev));
            }
            _ => out.skip(id, package.line, SkipReason::NoVersion),
        }
    }
    Ok(())
}

/// `PackageReference` (project files), `PackageVersion` and
/// `GlobalPackageReference` (`Directory.Packages.props`) items, with
/// `$(Property)` versions resolved from this file's `PropertyGroup`s.
pub(crate) fn msbuild(text: &str, out: &mut Out) -> Result<(), ManifestError> {
    let root = xml::parse(out.kind(), text)?;
    let all = root.descendants();
    // MSBuild evaluates properties in order; conditions are not evaluated,
    // so the last definition wins.
    let mut properties: HashMap<String, String> = HashMap::new();
    for group in all.iter().filter(|e| e.name == "PropertyGroup") {
        for property in &group.children {
            properties.insert(
                property.name.to_ascii_lowercase(),
                property.text.trim().to_owned(),
            );
        }
    }
    for item in all {
        let direct = match item.name.as_str() {
            "PackageReference" | "GlobalPackageReference" => Some(true),
            "PackageVersion" => None,
            _ => continue,
        };
        let Some(id) = item.attr("Include").or_else(|| item.attr("Update")) else {
            continue;
        };
        let id = id.trim();
        let version = item_version(item);
        let Some(version) = version.filter(|v| !v.is_empty()) else {
            out.skip(id, item.line, SkipReason::NoVersion);
            continue;
        };
        match expand_msbuild(version, &properties) {
            Some(version) => report_version(out, id, &version, item.line, direct, None),
            None => out.skip(id, item.line, SkipReason::Unresolved(version.to_owned())),
        }
    }
    Ok(())
}

/// `VersionOverride` wins over `Version`; either may be an attribute or a child element.
fn item_version(item: &Element) -> Option<&str> {
    ["VersionOverride", "Version"]
        .into_iter()
        .find_map(|name| {
            item.attr(name).or_else(|| {
                item.children
                    .iter()
                    .find(|c| c.name.eq_ignore_ascii_case(name))
                    .map(|c| c.text.as_str())
            })
        })
        .map(str::trim)
}

/// Replaces `$(Name)` from `properties`, a few levels deep; `None` if one is undefined.
fn expand_msbuild(value: &str, properties: &HashMap<String, String>) -> Option<String> {
    let mut value = value.to_owned();
    for _ in 0..8 {
        let Some(start) = value.find("$(") else {
            return Some(value);
        };
        let end = start + value[start..].find(')')?;
        let name = value[start + 2..end].trim().to_ascii_lowercase();
        let replacement = properties.get(&name)?;
        value.replace_range(start..=end, replacement);
    }
    (!value.contains("$(")).then_some(value)
}

/// An exact `NuGet` version is reported; ranges and floating versions are not.
/// (A bare `1.2.3` in a reference means "1.2.3 or higher", but restore picks
/// 1.2.3 when it exists, so it is taken as the version.)
fn report_version(
    out: &mut Out,
    id: &str,
    version: &str,
    line: u32,
    direct: Option<bool>,
    dev: Option<bool>,
) {
    let version = version.trim();
    if let Some(exact) = version
        .strip_prefix('[')
        .and_then(|v| v.strip_suffix(']'))
        .filter(|v| !v.contains(','))
    {
        out.dep(id, exact.trim(), line, direct, dev);
    } else if version.contains(['[', '(', ',', '*', ' ', '$']) {
        out.skip(id, line, SkipReason::NotPinned(version.to_owned()));
    } else {
        out.dep(id, version, line, direct, dev);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn msbuild_properties() {
        let props = HashMap::from([
            ("a".to_owned(), "1.$(b)".to_owned()),
            ("b".to_owned(), "2".to_owned()),
            ("loop".to_owned(), "$(loop)".to_owned()),
        ]);
        assert_eq!(expand_msbuild("$(A).0", &props).as_deref(), Some("1.2.0"));
        assert_eq!(expand_msbuild("$(missing)", &props), None);
        assert_eq!(expand_msbuild("$(loop)", &props), None);
        assert_eq!(expand_msbuild("$(unclosed", &props), None);
        assert_eq!(expand_msbuild("1.0", &props).as_deref(), Some("1.0"));
    }
}
