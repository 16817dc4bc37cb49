//! The `palisade` command line.
//!
//! Exit codes: 0 clean, 1 findings at or above `--fail-on`, 2 error (including
//! a scan that could not read some of its input).

mod analysis;
mod args;
mod cmd_ado;
mod cmd_advisories;
mod cmd_connector;
mod cmd_discover;
mod cmd_findings;
mod cmd_import;
mod cmd_inventory;
mod cmd_jobs;
mod cmd_posture;
mod cmd_repos;
mod cmd_rules;
mod cmd_scan;
mod cmd_scans;
mod cmd_serve;
mod cmd_sim;
mod cmd_users;
mod engine;
mod keyfile;
mod oauth;
mod progress;
mod store;

use std::process::ExitCode;

use clap::Parser;

use crate::args::{Cli, Command};

/// What a command decided about the process exit.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Outcome {
    Clean,
    Findings,
    Error,
}

impl From<Outcome> for ExitCode {
    fn from(o: Outcome) -> Self {
        match o {
            Outcome::Clean => ExitCode::SUCCESS,
            Outcome::Findings => ExitCode::from(1),
            Outcome::Error => ExitCode::from(2),
        }
    }
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    // Long-running processes log what they do by default.
    let long_running = matches!(cli.command, Command::Serve(_) | Command::Worker(_));
    init_tracing(if long_running {
        cli.global.verbose.max(1)
    } else {
        cli.global.verbose
    });
    let result = match cli.command {
        Command::Scan(args) => cmd_scan::run(&cli.global, &args),
        Command::Rules(args) => cmd_rules::run(&args),
        Command::Findings(args) => cmd_findings::run(&cli.global, &args),
        Command::Scans(args) => cmd_scans::run(&cli.global, &args),
        Command::Advisories(args) => cmd_advisories::run(&cli.global, &args),
        Command::Import(args) => cmd_import::run(&cli.global, &args),
        Command::Posture(args) => cmd_posture::run(&cli.global, &args),
        Command::Users(args) => cmd_users::users(&cli.global, &args),
        Command::Tokens(args) => cmd_users::tokens(&cli.global, &args),
        Command::Audit(args) => cmd_users::audit(&cli.global, &args),
        Command::Sim(args) => cmd_sim::run(&args),
        Command::Connector(args) => cmd_connector::run(&cli.global, &args),
        Command::Discover(args) => cmd_discover::run(&cli.global, &args),
        Command::Inventory(args) => cmd_inventory::run(&cli.global, &args),
        Command::Ado(args) => cmd_ado::run(&cli.global, &args),
        Command::Repos(args) => cmd_repos::run(&cli.global, &args),
        Command::Jobs(args) => cmd_jobs::run(&cli.global, &args),
        Command::Serve(args) => cmd_serve::serve(&cli.global, &args),
        Command::Worker(args) => cmd_serve::worker(&cli.global, &args),
    };
    match result {
        Ok(outcome) => outcome.into(),
        Err(e) => {
            report_error(&e);
            ExitCode::from(2)
        }
    }
}

/// One line per cause, never a backtrace or a debug dump.
fn report_error(e: &anyhow::Error) {
    let mut msg = format!("error: {e}");
    for cause in e.chain().skip(1) {
        let c = cause.to_string();
        if !msg.contains(&c) {
            msg.push_str(": ");
            msg.push_str(&c);
        }
    }
    anstream::eprintln!("{}", engine::terminal_safe(&msg));
}

fn init_tracing(verbose: u8) {
    let default = match verbose {
        0 => "warn",
        1 => "info",
        _ => "debug",
    };
    let filter = tracing_subscriber::EnvFilter::try_from_env("PALISADE_LOG")
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new(default));
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_target(false)
        .init();
}
