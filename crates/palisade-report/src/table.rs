//! The human view: `--format table`, the default on a terminal.
//!
//! ```text
//! Scanned /src/app (git-history, HEAD 1a2b3c4d): 12 files, 10 blobs, 4.2 KiB in 153 ms, rules 3f2a9c1e0b7d
//!
//! CRITICAL  github.pat  GitHub personal access token  ghp_********  new
//!   src/config.rs:12:9
//!   old/.env:3:1  commit 1a2b3c4d by Jane Doe on 2024-01-02
//!
//! 1 secret found: 1 critical. 2 suppressed.
//! ```
//!
//! Output is plain text unless `color` is set, in which case ANSI styles are
//! added and nothing else changes. Text that comes from scanned content
//! (paths, previews, author names) has control characters escaped so a
//! hostile file name cannot drive the terminal.

use std::fmt::Write as _;
use std::io::{self, Write};

use anstyle::{AnsiColor, Style};
use palisade_domain::{Location, ScanStatus, Severity, TriageState};

use crate::{ReportedFinding, ScanReport};

/// Locations listed per finding; the rest are counted.
pub const MAX_LOCATIONS: usize = 5;

/// Characters of a commit id shown.
const SHORT_COMMIT: usize = 8;

/// Characters of the rules version shown.
const SHORT_RULES_VERSION: usize = 12;

/// Whether stdout should get colours: a terminal, and neither `NO_COLOR` nor
/// `CLICOLOR=0` set (`CLICOLOR_FORCE` forces them), as `anstream` decides.
pub fn color_for_stdout() -> bool {
    anstream::AutoStream::choice(&io::stdout()) != anstream::ColorChoice::Never
}

/// Writes the human view of `report` to `out`.
pub fn render(report: &ScanReport, out: &mut dyn Write, color: bool) -> io::Result<()> {
    let p = Painter { color };
    let mut s = String::new();
    header(report, &p, &mut s);
    for f in &report.findings {
        s.push('\n');
        finding(f, &p, &mut s);
    }
    s.push('\n');
    summary(report, &p, &mut s);
    out.write_all(s.as_bytes())
}

/// Applies styles only when colours are on.
struct Painter {
    color: bool,
}

impl Painter {
    fn paint(&self, style: Style, text: &str) -> String {
        if self.color {
            format!("{style}{text}{style:#}")
        } else {
            text.to_owned()
        }
    }
}

fn severity_style(severity: Severity) -> Style {
    match severity {
        Severity::Critical => Style::new().fg_color(Some(AnsiColor::Red.into())).bold(),
        Severity::High => Style::new().fg_color(Some(AnsiColor::Red.into())),
        Severity::Medium => Style::new().fg_color(Some(AnsiColor::Yellow.into())),
        Severity::Low => Style::new().fg_color(Some(AnsiColor::Cyan.into())),
        Severity::Info => Style::new().dimmed(),
    }
}

const BOLD: Style = Style::new().bold();
const DIM: Style = Style::new().dimmed();
const NEW: Style = Style::new()
    .fg_color(Some(anstyle::Color::Ansi(AnsiColor::Green)))
    .bold();
const ERROR: Style = Style::new()
    .fg_color(Some(anstyle::Color::Ansi(AnsiColor::Red)))
    .bold();

fn header(report: &ScanReport, p: &Painter, s: &mut String) {
    let scan = &report.scan;
    let _ = write!(s, "Scanned {} ({}", clean(&scan.target), scan.kind.as_str());
    if let Some(commit) = &scan.commit {
        let _ = write!(s, ", HEAD {}", short(commit, SHORT_COMMIT));
    }
    let _ = write!(
        s,
        "): {} {}, {} {}, {} in {}, rules {}",
        scan.files,
        plural(scan.files, "file", "files"),
        scan.blobs,
        plural(scan.blobs, "blob", "blobs"),
        human_bytes(scan.bytes),
        human_duration(scan.duration_ms),
        short(&scan.rules_version, SHORT_RULES_VERSION),
    );
    if scan.status != ScanStatus::Completed {
        let _ = write!(s, " [{}]", scan.status.as_str());
    }
    s.push('\n');
    let skipped: Vec<String> = [
        (scan.skipped_binary, "binary"),
        (scan.skipped_too_large, "too large"),
    ]
    .iter()
    .filter(|(n, _)| *n > 0)
    .map(|(n, what)| format!("{n} {what}"))
    .collect();
    if !skipped.is_empty() {
        let total = scan.skipped_binary + scan.skipped_too_large;
        let line = format!(
            "Skipped {} {}.",
            skipped.join(" and "),
            plural(total, "file", "files")
        );
        s.push_str(&p.paint(DIM, &line));
        s.push('\n');
    }
}

fn finding(rf: &ReportedFinding, p: &Painter, s: &mut String) {
    let f = &rf.finding;
    let label = format!("{:<8}", f.severity.as_str().to_ascii_uppercase());
    let shown = f.secret.as_deref().unwrap_or(&f.preview);
    let _ = write!(
        s,
        "{}  {}  {}  {}",
        p.paint(severity_style(f.severity), &label),
        p.paint(BOLD, f.rule_id.as_str()),
        clean(&f.rule_name),
        clean(shown),
    );
    if rf.state != TriageState::Open {
        let _ = write!(s, "  {}", p.paint(DIM, &format!("({})", rf.state.as_str())));
    }
    if rf.new {
        let _ = write!(s, "  {}", p.paint(NEW, "new"));
    }
    s.push('\n');
    for loc in f.locations.iter().take(MAX_LOCATIONS) {
        location(loc, p, s);
    }
    if f.locations.len() > MAX_LOCATIONS {
        let more = format!("... and {} more", f.locations.len() - MAX_LOCATIONS);
        let _ = writeln!(s, "  {}", p.paint(DIM, &more));
    }
}

fn location(loc: &Location, p: &Painter, s: &mut String) {
    let _ = write!(s, "  {}:{}:{}", clean(&loc.path), loc.line, loc.column);
    if let Some(c) = &loc.commit {
        let date = c.date.to_rfc3339();
        let day = date.get(..10).unwrap_or(&date);
        let text = format!(
            "commit {} by {} on {}",
            short(&c.id, SHORT_COMMIT),
            clean(&c.author_name),
            day
        );
        let _ = write!(s, "  {}", p.paint(DIM, &text));
    }
    s.push('\n');
}

fn summary(report: &ScanReport, p: &Painter, s: &mut String) {
    let total = report.findings.len();
    if total == 0 {
        s.push_str(&p.paint(BOLD, "No secrets found."));
    } else {
        let counts: Vec<String> = Severity::ALL
            .iter()
            .rev()
            .filter_map(|&sev| {
                let n = report
                    .findings
                    .iter()
                    .filter(|f| f.finding.severity == sev)
                    .count();
                (n > 0).then(|| format!("{n} {}", p.paint(severity_style(sev), sev.as_str())))
            })
            .collect();
        let only_secrets = report
            .findings
            .iter()
            .all(|f| f.finding.kind == palisade_domain::FindingKind::Secret);
        let (one, many) = if only_secrets {
            ("secret", "secrets")
        } else {
            ("finding", "findings")
        };
        let head = format!("{total} {} found", plural(total as u64, one, many));
        let _ = write!(s, "{}: {}.", p.paint(BOLD, &head), counts.join(", "));
    }
    if report.scan.suppressed > 0 {
        let _ = write!(s, " {} suppressed.", report.scan.suppressed);
    }
    s.push('\n');
    for e in &report.scan.errors {
        let _ = writeln!(
            s,
            "{} {}: {}",
            p.paint(ERROR, "error:"),
            clean(&e.subject),
            clean(&e.message)
        );
    }
}

fn plural(n: u64, one: &'static str, many: &'static str) -> &'static str {
    if n == 1 { one } else { many }
}

/// First `n` characters of an id.
fn short(id: &str, n: usize) -> String {
    clean(&id.chars().take(n).collect::<String>())
}

/// Escapes control characters (ESC, CR, ...) so scanned content cannot move
/// the cursor, recolour or rewrite the terminal.
fn clean(text: &str) -> String {
    if !text.chars().any(char::is_control) {
        return text.to_owned();
    }
    text.chars()
        .map(|c| {
            if c.is_control() {
                c.escape_default().to_string()
            } else {
                c.to_string()
            }
        })
        .collect()
}

/// `512 B`, `4.2 KiB`, `1.5 MiB`, ...
pub fn human_bytes(bytes: u64) -> String {
    const UNITS: [&str; 5] = ["KiB", "MiB", "GiB", "TiB", "PiB"];
    if bytes < 1024 {
        return format!("{bytes} B");
    }
    let mut value = bytes as f64 / 1024.0;
    let mut unit = 0;
    while value >= 1024.0 && unit + 1 < UNITS.len() {
        value /= 1024.0;
        unit += 1;
    }
    format!("{value:.1} {}", UNITS[unit])
}

/// `153 ms`, `2.35 s`, `4m 05s`.
pub fn human_duration(ms: u64) -> String {
    if ms < 1000 {
        format!("{ms} ms")
    } else if ms < 60_000 {
        format!("{:.2} s", ms as f64 / 1000.0)
    } else {
        let secs = ms / 1000;
        format!("{}m {:02}s", secs / 60, secs % 60)
    }
}
