//! Maven `pom.xml`: `<dependencies>` of the project and its profiles, with
//! `${property}` resolved from the same pom (`<properties>`, `project.version`,
//! `project.groupId`, the parent's coordinates) and missing versions taken
//! from the same pom's `<dependencyManagement>`. What still needs a parent
//! pom, a BOM or `settings.xml` is skipped as unresolved, never guessed.
//!
//! Entries of `<dependencyManagement>` that no dependency of this pom uses are
//! reported too (with `direct: None`): a parent pom pins its modules'
//! versions there.

use std::collections::{HashMap, HashSet};

use crate::xml::{self, Element};
use crate::{ManifestError, Out, SkipReason};

struct Coordinates {
    name: Result<String, String>,
    version: Option<Result<String, String>>,
    dev: bool,
    line: u32,
}

pub(crate) fn pom(text: &str, out: &mut Out) -> Result<(), ManifestError> {
    let root = xml::parse(out.kind(), text)?;
    if root.name != "project" {
        return Err(out.syntax(
            Some(root.line),
            format!("the root element is <{}>, not <project>", root.name),
        ));
    }
    let properties = properties(&root);
    let mut scopes = vec![&root];
    for profiles in root.children_named("profiles") {
        scopes.extend(profiles.children_named("profile"));
    }
    let dependencies: Vec<Coordinates> = scopes
        .iter()
        .filter_map(|s| s.child("dependencies"))
        .flat_map(|d| d.children_named("dependency"))
        .map(|d| coordinates(d, &properties))
        .collect();
    let managed: Vec<Coordinates> = scopes
        .iter()
        .filter_map(|s| s.child("dependencyManagement")?.child("dependencies"))
        .flat_map(|d| d.children_named("dependency"))
        .map(|d| coordinates(d, &properties))
        .collect();
    let managed_versions: HashMap<&str, &Coordinates> = managed
        .iter()
        .filter_map(|m| Some((m.name.as_deref().ok()?, m)))
        .collect();

    let mut used: HashSet<&str> = HashSet::new();
    for dep in &dependencies {
        let name = match &dep.name {
            Ok(name) => name.as_str(),
            Err(unresolved) => {
                out.skip(
                    unresolved.clone(),
                    dep.line,
                    SkipReason::Unresolved(unresolved.clone()),
                );
                continue;
            }
        };
        used.insert(name);
        let version = match &dep.version {
            Some(v) => Some(v),
            None => managed_versions.get(name).and_then(|m| m.version.as_ref()),
        };
        report(out, name, version, dep.line, Some(true), Some(dep.dev));
    }
    for m in &managed {
        let name = match &m.name {
            Ok(name) if used.contains(name.as_str()) => continue,
            Ok(name) => name.as_str(),
            Err(unresolved) => {
                out.skip(
                    unresolved.clone(),
                    m.line,
                    SkipReason::Unresolved(unresolved.clone()),
                );
                continue;
            }
        };
        report(out, name, m.version.as_ref(), m.line, None, m.dev.then_some(true));
    }
    Ok(())
}

fn report(
    out: &mut Out,
    name: &str,
    version: Option<&Result<String, String>>,
    line: u32,
    direct: Option<bool>,
    dev: Option<bool>,
) {
    match version {
        None => out.skip(name, line, SkipReason::NoVersion),
        Some(Err(unresolved)) => out.skip(name, line, SkipReason::Unresolved(unresolved.clone())),
        Some(Ok(version)) => match exact(version) {
            Some(exact) => out.dep(name, exact, line, direct, dev),
            None => out.skip(name, line, SkipReason::NotPinned(version.clone())),
        },
    }
}

/// `1.2.3` and `[1.2.3]` are exact; ranges and `LATEST`/`RELEASE` are not.
fn exact(version: &str) -> Option<&str> {
    let version = version.trim();
    let version = match version.strip_prefix('[').and_then(|v| v.strip_suffix(']')) {
        Some(inner) if !inner.contains(',') => inner.trim(),
        Some(_) => return None,
        None => version,
    };
    let floating = version.is_empty()
        || version.contains(['[', '(', ',', ')', ']', ' '])
        || version == "LATEST"
        || version == "RELEASE";
    (!floating).then_some(version)
}

fn coordinates(dep: &Element, properties: &HashMap<String, String>) -> Coordinates {
    let text = |name: &str| dep.child_text(name).unwrap_or_default();
    let group = resolve(text("groupId"), properties);
    let artifact = resolve(text("artifactId"), properties);
    let name = match (group, artifact) {
        (Ok(g), Ok(a)) => Ok(format!("{g}:{a}")),
        (g, a) => Err(format!("{}:{}", g.unwrap_or_else(|e| e), a.unwrap_or_else(|e| e))),
    };
    let version = dep
        .child_text("version")
        .filter(|v| !v.is_empty())
        .map(|v| resolve(v, properties));
    Coordinates {
        name,
        version,
        dev: text("scope") == "test",
        line: dep.line,
    }
}

/// The pom's own properties and the built-in ones that need no other file.
fn properties(project: &Element) -> HashMap<String, String> {
    let mut props = HashMap::new();
    let parent = project.child("parent");
    let own_or_parent = |name: &str| {
        project
            .child_text(name)
            .filter(|v| !v.is_empty())
            .or_else(|| parent?.child_text(name))
    };
    for (field, value) in [
        ("version", own_or_parent("version")),
        ("groupId", own_or_parent("groupId")),
        ("artifactId", project.child_text("artifactId")),
    ] {
        if let Some(value) = value {
            for prefix in ["project.", "pom.", ""] {
                props.insert(format!("{prefix}{field}"), value.to_owned());
            }
        }
    }
    if let Some(parent) = parent {
        for field in ["version", "groupId", "artifactId"] {
            if let Some(value) = parent.child_text(field) {
                props.insert(format!("project.parent.{field}"), value.to_owned());
                props.insert(format!("parent.{field}"), value.to_owned());
            }
        }
    }
    for group in project.children_named("properties") {
        for property in &group.children {
            props.insert(property.name.clone(), property.text.trim().to_owned());
        }
    }
    props
}

/// Replaces `${name}` until none is left; `Err` with the text so far when a
/// property is undefined or the definitions loop.
fn resolve(value: &str, properties: &HashMap<String, String>) -> Result<String, String> {
    let mut value = value.to_owned();
    for _ in 0..16 {
        let Some(start) = value.find("${") else {
            return Ok(value);
        };
        let Some(len) = value[start..].find('}') else {
            return Err(value);
        };
        let end = start + len;
        let Some(replacement) = properties.get(value[start + 2..end].trim()) else {
            return Err(value);
        };
        if value.len() + replacement.len() > 4096 {
            return Err(value);
        }
        value.replace_range(start..=end, replacement);
    }
    if value.contains("${") {
        Err(value)
    } else {
        Ok(value)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn properties_resolve_or_report() {
        let props = HashMap::from([
            ("a".to_owned(), "${b}.1".to_owned()),
            ("b".to_owned(), "2".to_owned()),
            ("loop".to_owned(), "x${loop}".to_owned()),
        ]);
        assert_eq!(resolve("${a}", &props), Ok("2.1".to_owned()));
        assert_eq!(resolve("${nope}", &props), Err("${nope}".to_owned()));
        assert!(resolve("${loop}", &props).is_err());
        assert_eq!(resolve("${a", &props), Err("${a".to_owned()));
    }

    #[test]
    fn exact_versions() {
        assert_eq!(exact("1.2.3"), Some("1.2.3"));
        assert_eq!(exact("[1.2.3]"), Some("1.2.3"));
        assert_eq!(exact("[1.0,2.0)"), None);
        assert_eq!(exact("(,1.0]"), None);
        assert_eq!(exact("LATEST"), None);
        assert_eq!(exact(""), None);
    }
}
