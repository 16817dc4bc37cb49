//! Dockerfile rules, over build stages and their instructions.

mod add_instead_of_copy;
mod apt_get_update_alone;
mod apt_get_upgrade;
mod healthcheck_missing;
mod latest_tag;
mod pipe_to_shell;
mod root_user;
mod ssh_port_exposed;
mod user_missing;

use palisade_domain::{RuleMatch, StaticRule};

use crate::dockerfile::Dockerfile;

pub(crate) type Check = fn(&Dockerfile, &mut Vec<RuleMatch>);

pub(crate) static RULES: &[(&StaticRule, Check)] = &[
    (&add_instead_of_copy::RULE, add_instead_of_copy::check),
    (&apt_get_update_alone::RULE, apt_get_update_alone::check),
    (&apt_get_upgrade::RULE, apt_get_upgrade::check),
    (&healthcheck_missing::RULE, healthcheck_missing::check),
    (&latest_tag::RULE, latest_tag::check),
    (&pipe_to_shell::RULE, pipe_to_shell::check),
    (&root_user::RULE, root_user::check),
    (&ssh_port_exposed::RULE, ssh_port_exposed::check),
    (&user_missing::RULE, user_missing::check),
];

pub(crate) fn run(file: &Dockerfile, out: &mut Vec<RuleMatch>) {
    for (_, check) in RULES {
        check(file, out);
    }
}

/// The shell commands of a `RUN` (split at `&&`, `||`, `;`, `|` and new
/// lines), each as its words. Exec form (`["a", "b"]`) is read as one command.
pub(crate) fn commands(args: &str) -> Vec<Vec<&str>> {
    args.split(['\n', ';', '|', '&'])
        .map(|c| {
            c.split(|ch: char| ch.is_whitespace() || ch == '"' || ch == ',' || ch == '[' || ch == ']')
                .filter(|w| !w.is_empty())
                .collect::<Vec<_>>()
        })
        .filter(|words| !words.is_empty())
        .collect()
}

/// The words of a command after `sudo` and `env`-style prefixes.
pub(crate) fn program<'a, 'b>(words: &'b [&'a str]) -> &'b [&'a str] {
    let mut rest = words;
    while let Some((first, tail)) = rest.split_first() {
        if *first == "sudo" || *first == "env" || first.contains('=') {
            rest = tail;
        } else {
            break;
        }
    }
    rest
}

/// `apt-get` / `apt` with `sub` as its first non-option argument.
pub(crate) fn is_apt(words: &[&str], sub: &[&str]) -> bool {
    let words = program(words);
    matches!(words.first(), Some(&("apt-get" | "apt")))
        && words[1..]
            .iter()
            .find(|w| !w.starts_with('-'))
            .is_some_and(|w| sub.contains(w))
}
