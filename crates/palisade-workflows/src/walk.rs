//! Walking a YAML tree the way Azure Pipelines and GitHub Actions read it:
//! template conditionals (`${{ if ... }}:`, `${{ each ... }}:`, `${{ else }}:`)
//! are looked through, so rules see every branch.

use crate::yaml::Node;

/// Whether a mapping key is a template expression (`${{ if eq(a, b) }}`).
pub(crate) fn is_expression_key(key: &Node) -> bool {
    key.as_str().is_some_and(|k| k.trim_start().starts_with("${{"))
}

/// Calls `f` for each entry of a mapping, in order, descending into
/// expression keys whose value is a mapping.
pub(crate) fn for_each_entry<'a>(node: &'a Node, f: &mut dyn FnMut(&'a Node, &'a Node)) {
    let Some(entries) = node.as_map() else {
        return;
    };
    for (k, v) in entries {
        if is_expression_key(k) {
            if v.as_map().is_some() {
                for_each_entry(v, f);
            }
        } else {
            f(k, v);
        }
    }
}

/// The entries of a mapping, as [`for_each_entry`] sees them.
pub(crate) fn entries(node: &Node) -> Vec<(&Node, &Node)> {
    let mut out = Vec::new();
    for_each_entry(node, &mut |k, v| out.push((k, v)));
    out
}

/// The items of a sequence, with `- ${{ if ... }}:` items replaced by the
/// items they hold. Anything that is not a sequence (`steps: ${{ parameters.steps }}`)
/// has no items.
pub(crate) fn items(node: &Node) -> Vec<&Node> {
    let mut out = Vec::new();
    push_items(node, &mut out);
    out
}

fn push_items<'a>(node: &'a Node, out: &mut Vec<&'a Node>) {
    let Some(seq) = node.as_seq() else {
        return;
    };
    for item in seq {
        match item.as_map() {
            Some(entries) if !entries.is_empty() && entries.iter().all(|(k, _)| is_expression_key(k)) => {
                for (_, v) in entries {
                    if v.as_seq().is_some() {
                        push_items(v, out);
                    } else if v.as_map().is_some() {
                        out.push(v);
                    }
                }
            }
            _ => out.push(item),
        }
    }
}

/// Calls `f` for every mapping entry of the tree, depth first, in document
/// order (the tree's depth is bounded by the parser's budget).
pub(crate) fn for_each_pair<'a>(node: &'a Node, f: &mut dyn FnMut(&'a Node, &'a Node)) {
    if let Some(entries) = node.as_map() {
        for (k, v) in entries {
            f(k, v);
            for_each_pair(v, f);
        }
    } else if let Some(items) = node.as_seq() {
        for item in items {
            for_each_pair(item, f);
        }
    }
}
