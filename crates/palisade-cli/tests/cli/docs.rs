//! Reference docs are generated from the code and checked here, so they
//! cannot drift: `docs/RULES.md` from the built-in secret rules,
//! `docs/IAC-RULES.md` and `docs/CODE-RULES.md` from the IaC, pipeline and
//! code rules, `docs/POSTURE-CHECKS.md` from the posture checks, `docs/openapi.json` from the REST API's
//! annotations, `docs/CLI.md` from the binary's own `--help`. Regenerate with
//! `PALISADE_UPDATE_DOCS=1 cargo test -p palisade-cli --test cli docs`.

use std::fmt::Write as _;
use std::path::PathBuf;

use crate::Env;

fn repo_file(rel: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..").join(rel)
}

fn check_or_update(rel: &str, generated: &str) {
    let path = repo_file(rel);
    if std::env::var_os("PALISADE_UPDATE_DOCS").is_some() {
        std::fs::write(&path, generated).expect("write generated doc");
        return;
    }
    let committed = std::fs::read_to_string(&path).unwrap_or_default();
    if committed != generated {
        let line = committed
            .lines()
            .zip(generated.lines())
            .position(|(a, b)| a != b)
            .map_or_else(
                || committed.lines().count().min(generated.lines().count()) + 1,
                |i| i + 1,
            );
        panic!(
            "{rel} is stale (first difference at line {line}); regenerate it with \
             PALISADE_UPDATE_DOCS=1 cargo test -p palisade-cli --test cli docs"
        );
    }
}

fn rules_markdown() -> String {
    let set = palisade_secrets::builtin().expect("builtin rules");
    let mut md = String::new();
    md.push_str("# Built-in secret rules\n\n<!-- Generated from crates/palisade-secrets/rules/*.yml by the `docs` test; do not edit. -->\n\n");
    let _ = writeln!(
        md,
        "{} rules, rule set version `{}`.\n",
        set.rules().len(),
        set.version()
    );
    md.push_str("| id | name | severity | confidence | applies to |\n|---|---|---|---|---|\n");
    for r in set.rules() {
        let scope = if r.paths.is_empty() {
            "any file".to_owned()
        } else {
            r.paths
                .iter()
                .map(|p| format!("`{p}`"))
                .collect::<Vec<_>>()
                .join(" ")
        };
        let _ = writeln!(
            md,
            "| [`{}`](#{}) | {} | {} | {} | {} |",
            r.id,
            r.id.as_str().replace('.', ""),
            r.name,
            r.severity,
            r.confidence,
            scope
        );
    }
    for r in set.rules() {
        let _ = writeln!(
            md,
            "\n## {}\n\n**{}** · severity {} · confidence {} · `{}`\n",
            r.id, r.name, r.severity, r.confidence, r.source
        );
        let _ = writeln!(md, "{}\n", r.description.trim());
        let _ = writeln!(md, "**Remediation.** {}\n", r.remediation.trim());
        if !r.keywords.is_empty() {
            let _ = writeln!(
                md,
                "Keywords: {}\n",
                r.keywords
                    .iter()
                    .map(|k| format!("`{k}`"))
                    .collect::<Vec<_>>()
                    .join(", ")
            );
        }
        md.push_str("References:\n");
        for u in &r.references {
            let _ = writeln!(md, "- <{u}>");
        }
    }
    md
}

fn cli_markdown(env: &Env) -> String {
    let mut md = String::from(
        "# Command-line reference\n\n<!-- Generated from `palisade --help` by the `docs` test; do not edit. -->\n",
    );
    // Every command, found by walking the help itself, so a new one cannot be left out.
    let mut commands: Vec<Vec<String>> = vec![Vec::new()];
    let mut i = 0;
    while i < commands.len() {
        let mut args = commands[i].clone();
        args.push("--help".into());
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        let r = env.run(&args);
        let subs = subcommands(&r.stdout);
        for (k, sub) in subs.into_iter().enumerate() {
            let mut child = commands[i].clone();
            child.push(sub);
            commands.insert(i + 1 + k, child);
        }
        i += 1;
    }
    for cmd in &commands {
        let mut args: Vec<&str> = cmd.iter().map(String::as_str).collect();
        args.push("--help");
        let r = env.run(&args);
        assert_eq!(r.code, 0, "{args:?}: {r:?}");
        let name = if cmd.is_empty() {
            "palisade".to_owned()
        } else {
            format!("palisade {}", cmd.join(" "))
        };
        let _ = write!(md, "\n## `{name}`\n\n```text\n{}```\n", r.stdout);
    }
    md
}

/// Subcommand names listed under `Commands:` in a help text (`help` left out).
fn subcommands(help: &str) -> Vec<String> {
    help.lines()
        .skip_while(|l| l.trim_end() != "Commands:")
        .skip(1)
        .take_while(|l| !l.trim().is_empty())
        .filter(|l| l.starts_with("  ") && !l.starts_with("    "))
        .filter_map(|l| l.split_whitespace().next())
        .filter(|n| *n != "help")
        .map(|n| n.trim_end_matches(',').to_owned())
        .collect()
}

/// One line of a rule's text, safe in a markdown table cell.
fn cell(text: &str) -> String {
    text.split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .replace('|', "\\|")
}

fn iac_rules_markdown() -> String {
    let mut md = String::from(
        "# Built-in IaC and pipeline rules\n\n<!-- Generated from crates/palisade-iac/src/rules and \
         crates/palisade-workflows/src/rules by the `docs` test; do not edit. -->\n\n",
    );
    let rules: Vec<_> = palisade_iac::rules()
        .iter()
        .chain(palisade_workflows::rules())
        .collect();
    let _ = writeln!(
        md,
        "{} rules. Each runs its positive and negative examples in its crate's tests; `checkov` lists \
         the equivalent Checkov checks where one exists.\n",
        rules.len()
    );
    md.push_str("| id | framework | severity | name | Checkov |\n|---|---|---|---|---|\n");
    for r in &rules {
        let _ = writeln!(
            md,
            "| `{}` | {} | {} | {} | {} |",
            r.id,
            r.framework,
            r.severity.as_str(),
            cell(r.name),
            r.checkov.join(", ")
        );
    }
    for r in &rules {
        let _ = write!(
            md,
            "\n## `{}`\n\n{}\n\n**Fix:** {}\n\n",
            r.id,
            cell(r.description),
            cell(r.remediation)
        );
        for reference in r.references {
            let _ = writeln!(md, "- <{reference}>");
        }
    }
    md
}

fn code_rules_markdown() -> String {
    let set = palisade_sast::RuleSet::builtin().expect("builtin code rules");
    let mut md = String::from(
        "# Built-in code (SAST) rules\n\n<!-- Generated from crates/palisade-sast/rules/**/*.yml by the \
         `docs` test; do not edit. -->\n\n",
    );
    let _ = writeln!(
        md,
        "{} rules. Custom rules use the same format (`crates/palisade-sast/RULES.md`) and are checked by \
         `palisade rules check`.\n",
        set.rules().len()
    );
    md.push_str("| id | languages | severity | confidence | CWE | name |\n|---|---|---|---|---|---|\n");
    for r in set.rules() {
        let languages: Vec<&str> = r.languages.iter().map(|l| l.as_str()).collect();
        let cwe: Vec<String> = r.cwe.iter().map(|c| format!("CWE-{c}")).collect();
        let _ = writeln!(
            md,
            "| `{}` | {} | {} | {} | {} | {} |",
            r.id,
            languages.join(", "),
            r.severity.as_str(),
            r.confidence.as_str(),
            cwe.join(", "),
            cell(&r.name)
        );
    }
    md
}

fn posture_checks_markdown() -> String {
    let checks = palisade_posture::all();
    let mut md = String::from(
        "# Posture checks\n\n<!-- Generated from crates/palisade-posture/src/checks by the `docs` test; \
         do not edit. -->\n\n",
    );
    let defender = checks.iter().filter(|c| c.defender.is_some()).count();
    let _ = writeln!(
        md,
        "{} checks of the Azure DevOps configuration, {defender} of them Microsoft Defender for Cloud's \
         Azure DevOps recommendations. Each answers pass, fail, not applicable, or unknown with the reason \
         when the data it needs could not be read (never pass). `palisade posture explain ID` prints one.\n",
        checks.len()
    );
    md.push_str("| id | resource | severity | title | Defender |\n|---|---|---|---|---|\n");
    for c in checks {
        let _ = writeln!(
            md,
            "| `{}` | {} | {} | {} | {} |",
            c.id,
            c.target,
            c.severity.as_str(),
            cell(c.title),
            if c.defender.is_some() { "yes" } else { "" }
        );
    }
    for c in checks {
        let _ = write!(
            md,
            "\n## `{}`\n\n**{}** ({} severity, on each {})\n\n{}\n\n**Fix:**\n\n",
            c.id,
            c.title,
            c.severity.as_str(),
            c.target,
            c.rationale
        );
        for (i, step) in c.remediation.iter().enumerate() {
            let _ = writeln!(md, "{}. {step}", i + 1);
        }
        let _ = write!(md, "\n**Reads:** {}\n", c.permissions);
        if let Some(d) = c.defender {
            let _ = write!(md, "\n**Defender for Cloud:** {d}\n");
        }
        if !c.azsk.is_empty() {
            let _ = write!(md, "\n**AzSK ADO Scanner:** {}\n", c.azsk.join(", "));
        }
        md.push_str("\n**References:**\n\n");
        for r in c.references {
            let _ = writeln!(md, "- <{r}>");
        }
    }
    md
}

#[test]
fn posture_checks_reference_is_fresh() {
    check_or_update("docs/POSTURE-CHECKS.md", &posture_checks_markdown());
}

#[test]
fn analyzer_rule_references_are_fresh() {
    check_or_update("docs/IAC-RULES.md", &iac_rules_markdown());
    check_or_update("docs/CODE-RULES.md", &code_rules_markdown());
}

#[test]
fn rules_reference_is_fresh() {
    check_or_update("docs/RULES.md", &rules_markdown());
}

#[test]
fn cli_reference_is_fresh() {
    let env = Env::new();
    check_or_update("docs/CLI.md", &cli_markdown(&env));
}

#[test]
fn openapi_document_is_fresh() {
    let mut json = palisade_server::openapi()
        .to_pretty_json()
        .expect("the OpenAPI document serializes");
    json.push('\n');
    check_or_update("docs/openapi.json", &json);
}
