//! `palisade rules list|explain|check`.

use std::fmt::Write as _;
use std::io::Write;

use anyhow::{Context, anyhow};
use palisade_secrets::{Rule, RuleSet, check_examples};

use crate::Outcome;
use crate::args::{Format, RulesArgs, RulesCommand};

pub fn run(args: &RulesArgs) -> anyhow::Result<Outcome> {
    match &args.command {
        RulesCommand::List { format } => list(*format),
        RulesCommand::Explain { id } => explain(id),
        RulesCommand::Check { files } => check(files),
    }
}

fn builtin() -> anyhow::Result<RuleSet> {
    palisade_secrets::builtin().map_err(|e| anyhow!("built-in rules: {e}"))
}

fn list(format: Format) -> anyhow::Result<Outcome> {
    let set = builtin()?;
    let mut out = String::new();
    match format {
        Format::Json | Format::Sarif => {
            let rules: Vec<_> = set.rules().iter().map(rule_json).collect();
            out = serde_json::to_string_pretty(
                &serde_json::json!({ "version": set.version(), "rules": rules }),
            )?;
            out.push('\n');
        }
        Format::Table => {
            let width = set.rules().iter().map(|r| r.id.as_str().len()).max().unwrap_or(2);
            writeln!(
                out,
                "{:width$}  {:8}  {:10}  NAME",
                "ID", "SEVERITY", "CONFIDENCE"
            )?;
            for r in set.rules() {
                writeln!(
                    out,
                    "{:width$}  {:8}  {:10}  {}",
                    r.id.as_str(),
                    r.severity.as_str(),
                    r.confidence.as_str(),
                    r.name
                )?;
            }
            writeln!(out, "{} rules, version {}", set.rules().len(), set.version())?;
        }
    }
    std::io::stdout().lock().write_all(out.as_bytes())?;
    Ok(Outcome::Clean)
}

fn rule_json(r: &Rule) -> serde_json::Value {
    serde_json::json!({
        "id": r.id,
        "name": r.name,
        "severity": r.severity,
        "confidence": r.confidence,
        "keywords": r.keywords,
        "paths": r.paths,
        "description": r.description.trim(),
        "remediation": r.remediation.trim(),
        "references": r.references,
    })
}

fn explain(id: &str) -> anyhow::Result<Outcome> {
    let set = builtin()?;
    let Some(r) = set.get(id) else {
        let near: Vec<&str> = set
            .rules()
            .iter()
            .map(|r| r.id.as_str())
            .filter(|c| c.contains(id) || id.split('.').any(|seg| !seg.is_empty() && c.contains(seg)))
            .take(8)
            .collect();
        let hint = if near.is_empty() {
            "run `palisade rules list` to see every id".to_owned()
        } else {
            format!("did you mean: {}", near.join(", "))
        };
        return Err(anyhow!("no rule with id {id:?}; {hint}"));
    };
    let mut out = String::new();
    writeln!(out, "{}  {}", r.id, r.name)?;
    writeln!(out, "severity: {}   confidence: {}", r.severity, r.confidence)?;
    writeln!(out, "\n{}\n", r.description.trim())?;
    writeln!(out, "Remediation:\n  {}\n", r.remediation.trim())?;
    if !r.keywords.is_empty() {
        writeln!(out, "Keywords: {}", r.keywords.join(", "))?;
    }
    if !r.paths.is_empty() {
        writeln!(out, "Applies to paths: {}", r.paths.join(", "))?;
    }
    if let Some(e) = r.min_entropy {
        writeln!(out, "Minimum entropy: {e} bits/byte")?;
    }
    writeln!(out, "Pattern:\n  {}", r.pattern.trim().replace('\n', "\n  "))?;
    writeln!(out, "References:")?;
    for u in &r.references {
        writeln!(out, "  {u}")?;
    }
    writeln!(out, "Examples (synthetic):")?;
    for e in &r.examples {
        writeln!(out, "  + {}", e.text().trim().replace('\n', "\n    "))?;
    }
    for e in &r.negative_examples {
        writeln!(out, "  - {}", e.text().trim().replace('\n', "\n    "))?;
    }
    std::io::stdout().lock().write_all(out.as_bytes())?;
    Ok(Outcome::Clean)
}

fn check(files: &[std::path::PathBuf]) -> anyhow::Result<Outcome> {
    let builtin = builtin()?;
    let mut sources = Vec::new();
    for f in files {
        let text = std::fs::read_to_string(f).with_context(|| format!("cannot read {}", f.display()))?;
        sources.push((f.display().to_string(), text));
    }
    let mut problems: Vec<String> = Vec::new();
    match RuleSet::from_yaml(&sources) {
        Err(errs) => problems.extend(errs.iter().map(ToString::to_string)),
        Ok(set) => {
            for r in set.rules() {
                if builtin.get(r.id.as_str()).is_some() {
                    problems.push(format!(
                        "{}: rule {}: id is already used by a built-in rule",
                        r.source, r.id
                    ));
                }
            }
            problems.extend(check_examples(&set));
            if problems.is_empty() {
                anstream::println!(
                    "ok: {} rules in {} file(s); every example behaves",
                    set.rules().len(),
                    files.len()
                );
                return Ok(Outcome::Clean);
            }
        }
    }
    for p in &problems {
        anstream::eprintln!("error: {p}");
    }
    anstream::eprintln!("{} problem(s)", problems.len());
    Ok(Outcome::Findings)
}
