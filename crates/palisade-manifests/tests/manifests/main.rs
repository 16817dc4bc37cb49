//! Integration tests: one module per ecosystem over `tests/fixtures/`, plus
//! hostile and broken input and a size/time check.

#![allow(clippy::unwrap_used, reason = "test helpers fail the test on setup errors")]

use palisade_manifests::{Dependency, Manifest, SkipReason, Skipped, parse};

/// Reads `tests/fixtures/<rel>` and parses it under that path.
fn parse_fixture(rel: &str) -> Manifest {
    let bytes = std::fs::read(fixture_path(rel)).unwrap();
    parse(rel, &bytes).unwrap_or_else(|e| panic!("{rel}: {e}"))
}

fn fixture_path(rel: &str) -> String {
    format!("{}/tests/fixtures/{rel}", env!("CARGO_MANIFEST_DIR"))
}

/// `name@version L<line> <direct|indirect|-> <dev|prod|->`.
fn render(d: &Dependency) -> String {
    let direct = match d.direct {
        Some(true) => "direct",
        Some(false) => "indirect",
        None => "-",
    };
    let dev = match d.dev {
        Some(true) => "dev",
        Some(false) => "prod",
        None => "-",
    };
    format!("{}@{} L{} {direct} {dev}", d.name, d.version, d.line)
}

fn deps(m: &Manifest) -> Vec<String> {
    m.dependencies.iter().map(render).collect()
}

/// `name L<line>: <reason>`.
fn skipped(m: &Manifest) -> Vec<String> {
    m.skipped.iter().map(render_skip).collect()
}

fn render_skip(s: &Skipped) -> String {
    let reason = match &s.reason {
        SkipReason::NotPinned(v) => format!("not pinned {v}"),
        SkipReason::NoVersion => "no version".to_owned(),
        SkipReason::Unresolved(v) => format!("unresolved {v}"),
        SkipReason::Local(v) => format!("local {v}"),
        SkipReason::NonRegistry(v) => format!("non-registry {v}"),
        SkipReason::Include(v) => format!("include {v}"),
        SkipReason::GoModOnly(v) => format!("go.mod only {v}"),
        SkipReason::Unrecognized(v) => format!("unrecognized {v}"),
        other => format!("{other:?}"),
    };
    format!("{} L{}: {reason}", s.name, s.line)
}

mod cargo;
mod golang;
mod hostile;
mod invariants;
mod kinds;
mod maven;
mod npm;
mod nuget;
mod perf;
mod python;
