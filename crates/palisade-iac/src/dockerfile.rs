//! Dockerfiles: instructions with their first line, joined across
//! continuations, split into build stages.
//!
//! Follows the reading of `BuildKit`: parser directives (`# escape=`) only before
//! anything else, comment lines dropped even inside a continuation, heredoc
//! bodies (`RUN <<EOF`) kept as part of their instruction.

pub(crate) const FRAMEWORK: &str = "dockerfile";

#[derive(Debug)]
pub(crate) struct Dockerfile {
    pub(crate) stages: Vec<Stage>,
}

#[derive(Debug)]
pub(crate) struct Stage {
    /// 1-based, in file order.
    pub(crate) index: usize,
    /// The image as written in `FROM` (may name an earlier stage or hold `$ARG`).
    pub(crate) image: String,
    pub(crate) alias: Option<String>,
    /// The `FROM` line.
    pub(crate) line: u32,
    /// Every instruction of the stage, `FROM` first.
    pub(crate) instructions: Vec<Instruction>,
}

#[derive(Debug)]
pub(crate) struct Instruction {
    /// Upper case: `RUN`, `COPY`.
    pub(crate) keyword: String,
    /// Everything after the keyword, continuations joined by a space,
    /// heredoc bodies appended on their own lines.
    pub(crate) args: String,
    pub(crate) line: u32,
}

impl Stage {
    /// `Dockerfile stage 2` or `Dockerfile stage build` (an alias survives
    /// stages being added before it).
    pub(crate) fn subject(&self) -> String {
        match &self.alias {
            Some(alias) => format!("Dockerfile stage {alias}"),
            None => format!("Dockerfile stage {}", self.index),
        }
    }

    pub(crate) fn of<'a>(&'a self, keyword: &'a str) -> impl Iterator<Item = &'a Instruction> + 'a {
        self.instructions.iter().filter(move |i| i.keyword == keyword)
    }
}

impl Dockerfile {
    /// The stage that becomes the image: the last one.
    pub(crate) fn final_stage(&self) -> Option<&Stage> {
        self.stages.last()
    }

    /// The final stage and the earlier stages it is built `FROM`, nearest first.
    pub(crate) fn final_chain(&self) -> Vec<&Stage> {
        let mut chain = Vec::new();
        let mut current = self.final_stage();
        while let Some(stage) = current {
            if chain.len() > self.stages.len() {
                break;
            }
            chain.push(stage);
            current = self.stages[..stage.index - 1].iter().rev().find(|s| {
                s.alias
                    .as_deref()
                    .is_some_and(|a| a.eq_ignore_ascii_case(&stage.image))
            });
        }
        chain
    }

    /// Whether `image` names an earlier stage rather than an image.
    pub(crate) fn is_stage_name(&self, image: &str, before: usize) -> bool {
        self.stages[..before.saturating_sub(1).min(self.stages.len())]
            .iter()
            .any(|s| s.alias.as_deref().is_some_and(|a| a.eq_ignore_ascii_case(image)))
    }
}

pub(crate) fn parse(text: &str) -> Dockerfile {
    let mut escape = '\\';
    let mut lines = text.lines().enumerate().peekable();
    let mut instructions = Vec::new();
    let mut directives = true;

    while let Some((index, raw)) = lines.next() {
        let trimmed = raw.trim_start();
        if directives {
            if let Some(d) = trimmed.strip_prefix('#').map(str::trim_start)
                && let Some((name, value)) = d.split_once('=')
                && name.trim().eq_ignore_ascii_case("escape")
            {
                if value.trim() == "`" {
                    escape = '`';
                }
                continue;
            }
            directives = false;
        }
        if trimmed.is_empty() || trimmed.starts_with('#') {
            continue;
        }
        let line = crate::text::saturate(index + 1);
        let mut logical = String::new();
        let mut current = raw.trim_end().to_owned();
        loop {
            if let Some(head) = current.strip_suffix(escape) {
                {
                    logical.push_str(head);
                    logical.push(' ');
                    // The next line that is not a comment continues this one.
                    let mut next = None;
                    for (_, l) in lines.by_ref() {
                        if l.trim_start().starts_with('#') {
                            continue;
                        }
                        next = Some(l.trim_end().to_owned());
                        break;
                    }
                    match next {
                        Some(n) => current = n,
                        None => break,
                    }
                }
            } else {
                logical.push_str(&current);
                break;
            }
        }
        let logical = logical.trim();
        let (keyword, args) = logical.split_once(char::is_whitespace).unwrap_or((logical, ""));
        let keyword = keyword.to_ascii_uppercase();
        let mut args = args.trim().to_owned();
        let heredocs = if matches!(keyword.as_str(), "RUN" | "COPY" | "ADD") {
            heredoc_delimiters(&args)
        } else {
            Vec::new()
        };
        for delimiter in heredocs {
            for (_, l) in lines.by_ref() {
                let body = if delimiter.1 {
                    l.trim_start_matches('\t')
                } else {
                    l
                };
                if body == delimiter.0 {
                    break;
                }
                args.push('\n');
                args.push_str(l);
            }
        }
        instructions.push(Instruction { keyword, args, line });
    }

    let mut stages: Vec<Stage> = Vec::new();
    for instruction in instructions {
        if instruction.keyword == "FROM" {
            let words: Vec<&str> = instruction
                .args
                .split_whitespace()
                .filter(|w| !w.starts_with("--"))
                .collect();
            let image = words.first().copied().unwrap_or_default().to_owned();
            let alias = match words.as_slice() {
                [_, kw, alias, ..] if kw.eq_ignore_ascii_case("as") => Some((*alias).to_owned()),
                _ => None,
            };
            stages.push(Stage {
                index: stages.len() + 1,
                image,
                alias,
                line: instruction.line,
                instructions: vec![instruction],
            });
        } else if let Some(stage) = stages.last_mut() {
            stage.instructions.push(instruction);
        }
        // ARGs before the first FROM only parameterize FROM lines.
    }
    Dockerfile { stages }
}

/// `<<EOF`, `<<-EOF`, `<<"EOF"`: each delimiter and whether leading tabs
/// are stripped before comparing.
fn heredoc_delimiters(args: &str) -> Vec<(String, bool)> {
    let mut out = Vec::new();
    let mut rest = args;
    while let Some(at) = rest.find("<<") {
        rest = &rest[at + 2..];
        let (strip, after) = match rest.strip_prefix('-') {
            Some(r) => (true, r),
            None => (false, rest),
        };
        let word: String = after
            .trim_start_matches(['"', '\''])
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
            .collect();
        if !word.is_empty()
            && after.starts_with(|c: char| c.is_ascii_alphabetic() || c == '"' || c == '\'' || c == '_')
        {
            out.push((word, strip));
        }
    }
    out
}
