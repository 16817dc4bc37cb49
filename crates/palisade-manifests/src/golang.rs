//! Go: `go.mod` (`require` lines and blocks, `// indirect`, `replace`
//! applied) and `go.sum`.

use std::collections::HashMap;

use crate::text::line_no;
use crate::{ManifestError, Out, SkipReason};

struct Line<'t> {
    tokens: Vec<String>,
    comment: Option<&'t str>,
}

/// Go's modfile tokens: words, `"quoted"` and `` `raw` `` strings, `(`, `)`,
/// `=>`; `//` starts a comment.
fn lex(line: &str) -> Result<Line<'_>, String> {
    let mut tokens = Vec::new();
    let mut rest = line;
    loop {
        rest = rest.trim_start();
        if rest.is_empty() {
            return Ok(Line {
                tokens,
                comment: None,
            });
        }
        if let Some(comment) = rest.strip_prefix("//") {
            return Ok(Line {
                tokens,
                comment: Some(comment.trim()),
            });
        }
        if let Some(after) = rest.strip_prefix("=>") {
            tokens.push("=>".to_owned());
            rest = after;
            continue;
        }
        let first = rest.chars().next().unwrap_or(' ');
        match first {
            '(' | ')' => {
                tokens.push(first.to_string());
                rest = &rest[1..];
            }
            '`' => {
                let end = rest[1..].find('`').ok_or("unterminated raw string")? + 1;
                tokens.push(rest[1..end].to_owned());
                rest = &rest[end + 1..];
            }
            '"' => {
                let (value, len) = quoted(rest).ok_or("unterminated string")?;
                tokens.push(value);
                rest = &rest[len..];
            }
            _ => {
                let end = rest
                    .char_indices()
                    .find(|&(i, c)| {
                        c.is_whitespace()
                            || matches!(c, '(' | ')' | '"' | '`')
                            || rest[i..].starts_with("//")
                            || rest[i..].starts_with("=>")
                    })
                    .map_or(rest.len(), |(i, _)| i);
                tokens.push(rest[..end].to_owned());
                rest = &rest[end..];
            }
        }
    }
}

/// A Go interpreted string at the start of `s`: its value and byte length.
fn quoted(s: &str) -> Option<(String, usize)> {
    let mut value = String::new();
    let mut chars = s.char_indices().skip(1);
    while let Some((i, c)) = chars.next() {
        match c {
            '"' => return Some((value, i + 1)),
            '\\' => {
                let (_, escaped) = chars.next()?;
                value.push(match escaped {
                    'n' => '\n',
                    't' => '\t',
                    other => other,
                });
            }
            c => value.push(c),
        }
    }
    None
}

struct Require {
    path: String,
    version: String,
    indirect: bool,
    line: u32,
}

struct Replacement {
    path: String,
    version: Option<String>,
    line: u32,
}

pub(crate) fn go_mod(text: &str, out: &mut Out) -> Result<(), ManifestError> {
    let mut requires = Vec::new();
    let mut replaces: HashMap<(String, Option<String>), Replacement> = HashMap::new();
    let mut block: Option<(String, u32)> = None;
    for (i, raw) in text.lines().enumerate() {
        let at = line_no(i);
        let line = lex(raw).map_err(|m| out.syntax(Some(at), m))?;
        let tokens: Vec<&str> = line.tokens.iter().map(String::as_str).collect();
        let (verb, args) = match (&block, tokens.as_slice()) {
            (_, []) => continue,
            (Some(_), [")"]) => {
                block = None;
                continue;
            }
            (Some((verb, _)), args) => (verb.as_str(), args),
            (None, [verb, "("]) => {
                block = Some(((*verb).to_owned(), at));
                continue;
            }
            (None, [verb, args @ ..]) => (*verb, args),
        };
        match verb {
            "require" => {
                let [path, version] = args else {
                    return Err(out.syntax(Some(at), "require: expected a module path and a version"));
                };
                let indirect = line.comment.is_some_and(|c| {
                    c == "indirect" || c.starts_with("indirect;") || c.starts_with("indirect ")
                });
                requires.push(Require {
                    path: (*path).to_owned(),
                    version: (*version).to_owned(),
                    indirect,
                    line: at,
                });
            }
            "replace" => {
                let (old, old_version, new) = match args {
                    [old, "=>", new @ ..] => (old, None, new),
                    [old, version, "=>", new @ ..] => (old, Some(*version), new),
                    _ => {
                        return Err(out.syntax(
                            Some(at),
                            "replace: expected `module [version] => target [version]`",
                        ));
                    }
                };
                let (path, version) = match new {
                    [path] => (path, None),
                    [path, version] => (path, Some(*version)),
                    _ => {
                        return Err(out.syntax(
                            Some(at),
                            "replace: expected `module [version] => target [version]`",
                        ));
                    }
                };
                replaces.insert(
                    ((*old).to_owned(), old_version.map(str::to_owned)),
                    Replacement {
                        path: (*path).to_owned(),
                        version: version.map(str::to_owned),
                        line: at,
                    },
                );
            }
            _ => {} // module, go, toolchain, exclude, retract, tool, godebug, ignore
        }
    }
    if let Some((verb, at)) = block {
        return Err(out.syntax(Some(at), format!("{verb} block is not closed")));
    }
    for require in requires {
        let direct = Some(!require.indirect);
        let replacement = replaces
            .get(&(require.path.clone(), Some(require.version.clone())))
            .or_else(|| replaces.get(&(require.path.clone(), None)));
        match replacement {
            None => out.dep(require.path, require.version, require.line, direct, None),
            Some(Replacement {
                path,
                version: Some(version),
                line,
            }) => out.dep(path, version, *line, direct, None),
            Some(Replacement {
                path,
                version: None,
                line,
            }) => out.skip(require.path, *line, SkipReason::Local(path.clone())),
        }
    }
    Ok(())
}

/// `module version[/go.mod] hash` lines. A module whose code was downloaded
/// has a line without `/go.mod`; one with only the `/go.mod` line was only
/// consulted for its requirements and is skipped.
pub(crate) fn go_sum(text: &str, out: &mut Out) -> Result<(), ManifestError> {
    // (module, version) -> (first line, code hash seen)
    let mut modules: HashMap<(&str, &str), (u32, bool)> = HashMap::new();
    for (i, line) in text.lines().enumerate() {
        let at = line_no(i);
        let words: Vec<&str> = line.split_whitespace().collect();
        let [module, version, _hash] = words.as_slice() else {
            if words.is_empty() {
                continue;
            }
            return Err(out.syntax(Some(at), "expected `module version hash`"));
        };
        let (version, code) = match version.strip_suffix("/go.mod") {
            Some(v) => (v, false),
            None => (*version, true),
        };
        let entry = modules.entry((module, version)).or_insert((at, false));
        entry.1 |= code;
    }
    for ((module, version), (line, code)) in modules {
        if code {
            out.dep(module, version, line, None, None);
        } else {
            out.skip(module, line, SkipReason::GoModOnly(version.to_owned()));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lexing() {
        let l = lex(r#"  "example.com/a b" v1.0.0 // indirect"#).unwrap();
        assert_eq!(l.tokens, ["example.com/a b", "v1.0.0"]);
        assert_eq!(l.comment, Some("indirect"));
        let l = lex("replace a=>b v2").unwrap();
        assert_eq!(l.tokens, ["replace", "a", "=>", "b", "v2"]);
        let l = lex("require(").unwrap();
        assert_eq!(l.tokens, ["require", "("]);
        assert!(lex("require \"x").is_err());
        assert!(lex("require `x").is_err());
        assert_eq!(lex("`raw`").unwrap().tokens, ["raw"]);
    }
}
