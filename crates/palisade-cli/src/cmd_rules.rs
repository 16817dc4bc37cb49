//! `palisade rules list|explain|check`.

use std::fmt::Write as _;
use std::io::Write;

use anyhow::{Context, anyhow};
use palisade_secrets::{Rule, RuleSet, check_examples};

use crate::Outcome;
use crate::args::{Format, RulesArgs, RulesCommand};
use palisade_domain::FindingKind;

pub fn run(args: &RulesArgs) -> anyhow::Result<Outcome> {
    match &args.command {
        RulesCommand::List { kind, format } => match kind {
            FindingKind::Secret => list(*format),
            FindingKind::Iac | FindingKind::Code => list_analyzer_rules(*kind, *format),
            FindingKind::Dependency => Err(anyhow!(
                "dependency findings come from imported advisories, not rules: see `palisade advisories status`"
            )),
        },
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

/// `rules list --kind iac|code`: id, scope, severity and name of each rule.
fn list_analyzer_rules(kind: FindingKind, format: Format) -> anyhow::Result<Outcome> {
    // (id, scope, severity, name, extra ids: Checkov checks or CWEs)
    let mut rows: Vec<(String, String, String, String, Vec<String>)> = Vec::new();
    if kind == FindingKind::Iac {
        for r in palisade_iac::rules().iter().chain(palisade_workflows::rules()) {
            rows.push((
                r.id.to_owned(),
                r.framework.to_owned(),
                r.severity.as_str().to_owned(),
                r.name.to_owned(),
                r.checkov.iter().map(|&c| c.to_owned()).collect(),
            ));
        }
    } else {
        let set = palisade_sast::RuleSet::builtin().map_err(|e| anyhow!("built-in code rules: {e}"))?;
        for r in set.rules() {
            let languages: Vec<&str> = r.languages.iter().map(|l| l.as_str()).collect();
            rows.push((
                r.id.to_string(),
                languages.join(","),
                r.severity.as_str().to_owned(),
                r.name.clone(),
                r.cwe.iter().map(|c| format!("CWE-{c}")).collect(),
            ));
        }
    }
    let mut out = String::new();
    if format == Format::Table {
        let width = rows.iter().map(|r| r.0.len()).max().unwrap_or(2);
        let scope = rows.iter().map(|r| r.1.len()).max().unwrap_or(5).max(5);
        writeln!(out, "{:width$}  {:scope$}  {:8}  NAME", "ID", "SCOPE", "SEVERITY")?;
        for (id, sc, sev, name, extra) in &rows {
            let extra = if extra.is_empty() {
                String::new()
            } else {
                format!("  [{}]", extra.join(", "))
            };
            writeln!(out, "{id:width$}  {sc:scope$}  {sev:8}  {name}{extra}")?;
        }
        writeln!(out, "{} {} rules", rows.len(), kind)?;
    } else {
        let rules: Vec<_> = rows
            .iter()
            .map(|(id, sc, sev, name, extra)| {
                let key = if kind == FindingKind::Iac {
                    "checkov"
                } else {
                    "cwe"
                };
                serde_json::json!({ "id": id, "scope": sc, "severity": sev, "name": name, key: extra })
            })
            .collect();
        out = serde_json::to_string_pretty(&serde_json::json!({ "kind": kind, "rules": rules }))?;
        out.push('\n');
    }
    std::io::stdout().lock().write_all(out.as_bytes())?;
    Ok(Outcome::Clean)
}

/// `rules explain` for an IaC, pipeline or code rule, when `id` names one.
fn explain_analyzer_rule(id: &str) -> anyhow::Result<Option<String>> {
    let mut out = String::new();
    if let Some(r) = palisade_iac::rules()
        .iter()
        .chain(palisade_workflows::rules())
        .find(|r| r.id == id)
    {
        writeln!(out, "{}  {}", r.id, r.name)?;
        writeln!(
            out,
            "kind: iac   framework: {}   severity: {}",
            r.framework, r.severity
        )?;
        if !r.checkov.is_empty() {
            writeln!(out, "Checkov: {}", r.checkov.join(", "))?;
        }
        writeln!(out, "\n{}\n", r.description.trim())?;
        writeln!(out, "Remediation:\n  {}\n", r.remediation.trim())?;
        writeln!(out, "References:")?;
        for u in r.references {
            writeln!(out, "  {u}")?;
        }
        writeln!(out, "Examples (as {}):", r.example_path)?;
        for e in r.positive {
            writeln!(out, "  + {}", e.trim().replace('\n', "\n    "))?;
        }
        for e in r.negative {
            writeln!(out, "  - {}", e.trim().replace('\n', "\n    "))?;
        }
        return Ok(Some(out));
    }
    let code = palisade_sast::RuleSet::builtin().map_err(|e| anyhow!("built-in code rules: {e}"))?;
    let Some(r) = code.rules().iter().find(|r| r.id.as_str() == id) else {
        return Ok(None);
    };
    let languages: Vec<&str> = r.languages.iter().map(|l| l.as_str()).collect();
    writeln!(out, "{}  {}", r.id, r.name)?;
    writeln!(
        out,
        "kind: code   languages: {}   severity: {}   confidence: {}",
        languages.join(", "),
        r.severity,
        r.confidence
    )?;
    if !r.cwe.is_empty() {
        let cwe: Vec<String> = r.cwe.iter().map(|c| format!("CWE-{c}")).collect();
        writeln!(out, "Weaknesses: {}", cwe.join(", "))?;
    }
    writeln!(out, "\n{}\n", r.description.trim())?;
    writeln!(out, "Remediation:\n  {}\n", r.remediation.trim())?;
    writeln!(out, "References:")?;
    for u in &r.references {
        writeln!(out, "  {u}")?;
    }
    Ok(Some(out))
}

fn explain(id: &str) -> anyhow::Result<Outcome> {
    if let Some(text) = explain_analyzer_rule(id)? {
        std::io::stdout().lock().write_all(text.as_bytes())?;
        return Ok(Outcome::Clean);
    }
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

/// Code (SAST) rule files name a language; secret rule files do not.
fn is_code_rule_file(text: &str) -> bool {
    text.lines().any(|l| {
        let t = l.trim_start().trim_start_matches("- ");
        t.starts_with("language:") || t.starts_with("languages:")
    })
}

/// Checks code rule files with the SAST engine: schema, patterns, and every
/// example through the real engine; ids must not collide with built-ins.
fn check_code_rules(files: &[std::path::PathBuf], problems: &mut Vec<String>) -> anyhow::Result<usize> {
    let builtin = palisade_sast::RuleSet::builtin().map_err(|e| anyhow!("built-in code rules: {e}"))?;
    let mut count = 0;
    for f in files {
        match palisade_sast::check_file(f) {
            Err(e) => problems.push(e.to_string()),
            Ok(report) => {
                count += report.rules.len();
                for id in &report.rules {
                    if builtin.rules().iter().any(|r| r.id.as_str() == id) {
                        problems.push(format!(
                            "{}: rule {id}: id is already used by a built-in rule",
                            f.display()
                        ));
                    }
                }
                problems.extend(report.failures.iter().map(ToString::to_string));
            }
        }
    }
    Ok(count)
}

fn check(files: &[std::path::PathBuf]) -> anyhow::Result<Outcome> {
    let builtin = builtin()?;
    let mut sources = Vec::new();
    let mut code_files = Vec::new();
    for f in files {
        let text = std::fs::read_to_string(f).with_context(|| format!("cannot read {}", f.display()))?;
        if is_code_rule_file(&text) {
            code_files.push(f.clone());
        } else {
            sources.push((f.display().to_string(), text));
        }
    }
    let mut problems: Vec<String> = Vec::new();
    let code_rules = check_code_rules(&code_files, &mut problems)?;
    if sources.is_empty() {
        if problems.is_empty() {
            anstream::println!(
                "ok: {code_rules} code rules in {} file(s); every example behaves",
                code_files.len()
            );
            return Ok(Outcome::Clean);
        }
        for p in &problems {
            anstream::eprintln!("error: {p}");
        }
        anstream::eprintln!("{} problem(s)", problems.len());
        return Ok(Outcome::Findings);
    }
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
                    set.rules().len() + code_rules,
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
