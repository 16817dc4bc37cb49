//! The rule catalogue: one file per rule (its [`StaticRule`] and a `check`
//! over the parsed model of its framework), registered in its framework's
//! `mod.rs`.

pub(crate) mod arm;
pub(crate) mod dockerfile;
pub(crate) mod kubernetes;
pub(crate) mod terraform;

use std::sync::OnceLock;

use palisade_domain::{RuleMatch, StaticRule};

use crate::text::Pos;

pub(crate) fn all() -> &'static [&'static StaticRule] {
    static ALL: OnceLock<Vec<&'static StaticRule>> = OnceLock::new();
    ALL.get_or_init(|| {
        let mut all: Vec<&'static StaticRule> = terraform::RULES
            .iter()
            .map(|(r, _)| *r)
            .chain(arm::RULES.iter().map(|(r, _)| *r))
            .chain(kubernetes::RULES.iter().map(|(r, _)| *r))
            .chain(dockerfile::RULES.iter().map(|(r, _)| *r))
            .collect();
        all.sort_by_key(|r| r.id);
        all
    })
}

pub(crate) fn hit(out: &mut Vec<RuleMatch>, rule: &'static StaticRule, pos: Pos, subject: impl Into<String>) {
    out.push(RuleMatch {
        rule,
        line: pos.line.max(1),
        column: pos.col.max(1),
        subject: subject.into(),
    });
}

/// Whether a port spec (`22`, `20-30`, `*`, `0-65535`) admits `port`.
pub(crate) fn port_spec_covers(spec: &str, port: u32) -> bool {
    let spec = spec.trim();
    if spec == "*" || spec.eq_ignore_ascii_case("any") {
        return true;
    }
    match spec.split_once('-') {
        Some((from, to)) => match (from.trim().parse::<u32>(), to.trim().parse::<u32>()) {
            (Ok(from), Ok(to)) => (from..=to).contains(&port),
            _ => false,
        },
        None => spec.parse::<u32>() == Ok(port),
    }
}

/// Whether a source address means "anyone on the internet".
pub(crate) fn is_internet(source: &str) -> bool {
    matches!(
        source.trim().to_ascii_lowercase().as_str(),
        "*" | "0.0.0.0" | "0.0.0.0/0" | "internet" | "any" | "::/0" | "/0"
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn port_specs() {
        assert!(port_spec_covers("22", 22));
        assert!(port_spec_covers("*", 3389));
        assert!(port_spec_covers("0-65535", 22));
        assert!(port_spec_covers(" 20 - 30 ", 22));
        assert!(!port_spec_covers("2222", 22));
        assert!(!port_spec_covers("23-80", 22));
        assert!(!port_spec_covers("x-y", 22));
    }
}
