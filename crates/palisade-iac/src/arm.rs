//! ARM templates and compiled Bicep: every resource, child resources and
//! those of nested deployments included, with its full type.

use crate::text::Pos;
use crate::tree::{Node, Value};

pub(crate) const FRAMEWORK: &str = "arm";

#[derive(Debug)]
pub(crate) struct Resource<'a> {
    /// Full type, e.g. `Microsoft.Web/sites/config` for a child resource.
    pub(crate) ty: String,
    /// `type/name` as written (names are often expressions; they are still
    /// stable text).
    pub(crate) subject: String,
    pub(crate) node: &'a Node,
    pub(crate) pos: Pos,
}

impl<'a> Resource<'a> {
    pub(crate) fn is(&self, ty: &str) -> bool {
        self.ty.eq_ignore_ascii_case(ty)
    }

    pub(crate) fn properties(&self) -> Option<&'a Node> {
        self.node.get_ci("properties")
    }

    /// A property by path under `properties`, with where its key is.
    pub(crate) fn property(&self, path: &[&str]) -> Option<(&'a Node, Pos)> {
        let (last, parents) = path.split_last()?;
        let parent = self.properties()?.path_ci(parents)?;
        let entry = parent.entry_ci(last)?;
        Some((&entry.value, entry.key_pos))
    }
}

/// A template expression (`[parameters('x')]`) is unknown until deployment;
/// `[[` escapes a literal bracket.
pub(crate) fn is_expression(s: &str) -> bool {
    s.starts_with('[') && !s.starts_with("[[") && s.ends_with(']')
}

/// A literal bool (expressions are unknown).
pub(crate) fn bool_of(node: &Node) -> Option<bool> {
    match &node.value {
        Value::Bool(b) => Some(*b),
        Value::Str(s) if s.eq_ignore_ascii_case("true") => Some(true),
        Value::Str(s) if s.eq_ignore_ascii_case("false") => Some(false),
        _ => None,
    }
}

/// A literal string (expressions are unknown).
pub(crate) fn str_of(node: &Node) -> Option<&str> {
    node.as_str().filter(|s| !is_expression(s))
}

pub(crate) fn resources(template: &Node) -> Vec<Resource<'_>> {
    let mut out = Vec::new();
    walk_template(template, &mut out, 0);
    out
}

fn walk_template<'a>(template: &'a Node, out: &mut Vec<Resource<'a>>, depth: usize) {
    let Some(resources) = template.get_ci("resources") else {
        return;
    };
    match &resources.value {
        Value::Seq(items) => {
            for r in items {
                walk_resource(r, None, None, out, depth);
            }
        }
        // languageVersion 2.0 (Bicep with symbolic names): a map by symbol.
        Value::Map(entries) => {
            for e in entries {
                walk_resource(&e.value, None, Some(&e.key), out, depth);
            }
        }
        _ => {}
    }
}

fn walk_resource<'a>(
    node: &'a Node,
    parent: Option<(&str, &str)>,
    symbol: Option<&str>,
    out: &mut Vec<Resource<'a>>,
    depth: usize,
) {
    let Some(ty_entry) = node.entry_ci("type") else {
        return;
    };
    let Some(ty) = ty_entry.value.as_str() else {
        return;
    };
    let name = node.get_ci("name").and_then(Node::as_str).unwrap_or("unnamed");
    let (ty, name) = match parent {
        Some((pty, pname)) if !ty.contains('/') => (format!("{pty}/{ty}"), format!("{pname}/{name}")),
        _ => (ty.to_owned(), name.to_owned()),
    };
    let subject = match symbol {
        Some(symbol) => format!("{ty}/{symbol}"),
        None => format!("{ty}/{name}"),
    };
    for child in node.get_ci("resources").map(Node::items).unwrap_or_default() {
        walk_resource(child, Some((&ty, &name)), None, out, depth);
    }
    // Nested deployments carry a whole template of their own.
    if depth < 8
        && ty.eq_ignore_ascii_case("Microsoft.Resources/deployments")
        && let Some(inner) = node.path_ci(&["properties", "template"])
    {
        walk_template(inner, out, depth + 1);
    }
    out.push(Resource {
        ty,
        subject,
        node,
        pos: ty_entry.key_pos,
    });
}
