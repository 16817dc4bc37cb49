//! Command-line arguments. Help text here is the reference; `docs/CLI.md` is
//! generated from it.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};
use palisade_domain::{Severity, TriageState};

#[derive(Debug, Parser)]
#[command(
    name = "palisade",
    version,
    about = "Finds secrets in folders and git history, and keeps findings with their triage.",
    propagate_version = true,
    term_width = 100
)]
pub struct Cli {
    #[command(flatten)]
    pub global: GlobalArgs,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Args)]
pub struct GlobalArgs {
    /// Store URL: a SQLite file path or `sqlite://PATH`, or `postgres://...`.
    /// Default: palisade.db in the user's data directory.
    #[arg(long, global = true, env = "PALISADE_DATABASE_URL", hide_env_values = true)]
    pub db: Option<String>,
    /// File holding the 32-byte key for fingerprints (created on first use).
    /// Default: `key` in the user's data directory.
    #[arg(long, global = true, env = "PALISADE_KEY_FILE", hide_env_values = true)]
    pub key_file: Option<PathBuf>,
    /// More logging on stderr (-v info, -vv debug). `PALISADE_LOG` overrides.
    #[arg(short, long, global = true, action = clap::ArgAction::Count)]
    pub verbose: u8,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Scan a folder, or a git repository's whole history with --history.
    Scan(ScanArgs),
    /// List, explain and check secret-detection rules.
    Rules(RulesArgs),
    /// List and triage stored findings.
    Findings(FindingsArgs),
    /// List recorded scans.
    Scans(ScansArgs),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Format {
    Table,
    Json,
    Sarif,
}

#[derive(Debug, Args)]
pub struct ScanArgs {
    /// Folder, file or git repository to scan.
    #[arg(default_value = ".")]
    pub path: PathBuf,
    /// Scan every blob reachable from all refs (each once), plus the working tree.
    #[arg(long)]
    pub history: bool,
    /// Output format.
    #[arg(long, short, value_enum, default_value_t = Format::Table)]
    pub format: Format,
    /// Write the report to FILE instead of stdout.
    #[arg(long, short)]
    pub output: Option<PathBuf>,
    /// Exit 1 when an open finding has this severity or higher.
    #[arg(long, default_value = "info", value_parser = parse_severity)]
    pub fail_on: Severity,
    /// Silence findings listed in this baseline file.
    #[arg(long)]
    pub baseline: Option<PathBuf>,
    /// Write every finding of this scan (and those already baselined) to a baseline file.
    #[arg(long)]
    pub write_baseline: Option<PathBuf>,
    /// Project settings (default: palisade.toml in the scanned folder, if any).
    #[arg(long)]
    pub config: Option<PathBuf>,
    /// Also load rules from these YAML files (see `palisade rules check`).
    #[arg(long = "rules", value_name = "FILE")]
    pub rule_files: Vec<PathBuf>,
    /// Only run rules whose id matches this glob (repeatable), e.g. `azure.*`.
    #[arg(long = "rule", value_name = "GLOB")]
    pub enable: Vec<String>,
    /// Do not run rules whose id matches this glob (repeatable).
    #[arg(long = "exclude-rule", value_name = "GLOB")]
    pub disable: Vec<String>,
    /// Do not scan paths matching this glob (repeatable), relative to PATH.
    #[arg(long = "exclude", value_name = "GLOB")]
    pub exclude: Vec<String>,
    /// Scan files that .gitignore and .ignore files exclude.
    #[arg(long)]
    pub no_ignore: bool,
    /// Follow symbolic links (loops are detected and reported).
    #[arg(long)]
    pub follow_symlinks: bool,
    /// Skip files larger than this (bytes, or with K/M/G suffix).
    #[arg(long, value_parser = parse_size)]
    pub max_file_size: Option<u64>,
    /// Print secrets in clear. They are never stored, whatever this says.
    #[arg(long)]
    pub show_secrets: bool,
    /// Do not record the scan in the store.
    #[arg(long)]
    pub no_store: bool,
    /// Worker threads (default: one per core).
    #[arg(long, default_value_t = 0)]
    pub threads: usize,
    /// No progress bar, even on a terminal.
    #[arg(long)]
    pub no_progress: bool,
}

#[derive(Debug, Args)]
pub struct RulesArgs {
    #[command(subcommand)]
    pub command: RulesCommand,
}

#[derive(Debug, Subcommand)]
pub enum RulesCommand {
    /// List the built-in rules.
    List {
        #[arg(long, short, value_enum, default_value_t = Format::Table)]
        format: Format,
    },
    /// Show everything about one rule: what it finds, how to fix it, its pattern and examples.
    Explain { id: String },
    /// Validate rule files: schema, patterns, and every example through the real engine.
    Check {
        #[arg(required = true)]
        files: Vec<PathBuf>,
    },
}

#[derive(Debug, Args)]
pub struct FindingsArgs {
    #[command(subcommand)]
    pub command: FindingsCommand,
}

#[derive(Debug, Subcommand)]
pub enum FindingsCommand {
    /// List stored findings.
    List {
        /// Only findings in these states (repeatable or comma-separated).
        #[arg(long, value_delimiter = ',', value_parser = parse_state)]
        state: Vec<TriageState>,
        /// Only findings of this severity or higher.
        #[arg(long, value_parser = parse_severity)]
        severity: Option<Severity>,
        /// Only findings of this rule id.
        #[arg(long)]
        rule: Option<String>,
        /// Only findings with a location in this scan target (a path).
        #[arg(long)]
        target: Option<String>,
        #[arg(long, default_value_t = 1000)]
        limit: u32,
        #[arg(long, short, value_enum, default_value_t = Format::Table)]
        format: Format,
    },
    /// Show one finding with its locations and triage history.
    Show {
        id: String,
        #[arg(long, short, value_enum, default_value_t = Format::Table)]
        format: Format,
    },
    /// Set the triage state of a finding; it survives rescans.
    Triage {
        id: String,
        #[arg(long, value_parser = parse_state)]
        state: TriageState,
        #[arg(long)]
        comment: Option<String>,
    },
}

#[derive(Debug, Args)]
pub struct ScansArgs {
    #[command(subcommand)]
    pub command: ScansCommand,
}

#[derive(Debug, Subcommand)]
pub enum ScansCommand {
    /// List recorded scans, newest first.
    List {
        #[arg(long, default_value_t = 20)]
        limit: u32,
        #[arg(long, short, value_enum, default_value_t = Format::Table)]
        format: Format,
    },
}

fn parse_severity(s: &str) -> Result<Severity, String> {
    s.parse()
        .map_err(|e: palisade_domain::UnknownLevel| e.to_string())
}

fn parse_state(s: &str) -> Result<TriageState, String> {
    s.parse()
        .map_err(|e: palisade_domain::UnknownTriageState| e.to_string())
}

/// `1048576`, `512K`, `10M`, `2G` (powers of 1024).
pub fn parse_size(s: &str) -> Result<u64, String> {
    let s = s.trim();
    let (num, mult) = match s.chars().last() {
        Some('k' | 'K') => (&s[..s.len() - 1], 1u64 << 10),
        Some('m' | 'M') => (&s[..s.len() - 1], 1 << 20),
        Some('g' | 'G') => (&s[..s.len() - 1], 1 << 30),
        _ => (s, 1),
    };
    num.trim()
        .parse::<u64>()
        .ok()
        .and_then(|n| n.checked_mul(mult))
        .filter(|&n| n > 0)
        .ok_or_else(|| format!("{s:?} is not a size (e.g. 1048576, 512K, 10M, 2G)"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes() {
        assert_eq!(parse_size("10M"), Ok(10 << 20));
        assert_eq!(parse_size("512k"), Ok(512 << 10));
        assert_eq!(parse_size("42"), Ok(42));
        assert!(parse_size("0").is_err());
        assert!(parse_size("lots").is_err());
        assert!(parse_size("99999999999G").is_err());
    }

    #[test]
    fn cli_is_consistent() {
        use clap::CommandFactory;
        Cli::command().debug_assert();
    }
}
