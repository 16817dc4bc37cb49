//! `palisade sim`: runs the Azure DevOps simulator in the foreground, for the
//! demo, benchmarks and trying palisade without a real organization.

use std::io::Write;
use std::net::SocketAddr;

use anyhow::Context;
use palisade_ado_sim::{Estate, GenerateOptions, Knobs, RepoContent, Sim, generated_pat};

use crate::Outcome;
use crate::args::SimArgs;
use crate::store;

pub fn run(args: &SimArgs) -> anyhow::Result<Outcome> {
    let (estate, pat_note) = if args.generate {
        let defaults = GenerateOptions::default();
        let fraction = |v: Option<f64>, d: f64, name: &str| match v {
            Some(f) if (0.0..=1.0).contains(&f) => Ok(f),
            Some(f) => anyhow::bail!("--{name} must be between 0 and 1, got {f}"),
            None => Ok(d),
        };
        let opts = GenerateOptions {
            seed: args.seed,
            orgs: args.orgs,
            projects: args.projects,
            repos_per_project: args.repos_per_project,
            repo_content: if args.realistic {
                RepoContent::Realistic
            } else {
                RepoContent::Minimal
            },
            large_fraction: fraction(args.large_fraction, defaults.large_fraction, "large-fraction")?,
            long_history_fraction: fraction(
                args.long_history_fraction,
                defaults.long_history_fraction,
                "long-history-fraction",
            )?,
            ..defaults
        };
        (Estate::generate(&opts), Some(generated_pat(args.seed)))
    } else if let Some(path) = &args.fixture {
        let e = Estate::load(path).with_context(|| format!("fixture {}", path.display()))?;
        (e, None)
    } else {
        (
            palisade_ado_sim::contoso().context("the built-in contoso fixture")?,
            None,
        )
    };
    let mut knobs = Knobs {
        latency_ms: args.latency_ms,
        ..Knobs::default()
    };
    if let Some(limit) = args.rate_limit {
        knobs.rate_limit.enabled = true;
        knobs.rate_limit.limit = limit;
        knobs.rate_limit.window_secs = args.rate_window_secs;
    }
    let sim = Sim {
        estate,
        knobs,
        data_dir: args.data_dir.clone(),
    };
    // The generated estate's PAT goes to a file the caller chose, never to the terminal.
    if let (Some(pat), Some(file)) = (pat_note, &args.pat_file) {
        write_private(file, pat.as_bytes())?;
    }
    let rt = store::runtime()?;
    rt.block_on(async {
        let addr: SocketAddr = format!("{}:{}", args.bind, args.port)
            .parse()
            .context("--bind/--port do not form a socket address")?;
        let listener = tokio::net::TcpListener::bind(addr)
            .await
            .with_context(|| format!("cannot listen on {addr}"))?;
        let local = listener.local_addr()?;
        let mut out = std::io::stdout().lock();
        writeln!(out, "palisade ADO simulator listening on http://{local}")?;
        writeln!(out, "organizations at http://{local}/{{org}}; stop with Ctrl-C")?;
        out.flush()?;
        drop(out);
        let shutdown = async {
            let _ = tokio::signal::ctrl_c().await;
        };
        palisade_ado_sim::serve(sim, listener, shutdown)
            .await
            .context("simulator stopped")?;
        anyhow::Ok(())
    })?;
    Ok(Outcome::Clean)
}

fn write_private(path: &std::path::Path, bytes: &[u8]) -> anyhow::Result<()> {
    use std::os::unix::fs::OpenOptionsExt;
    let mut f = std::fs::OpenOptions::new()
        .create(true)
        .truncate(true)
        .write(true)
        .mode(0o600)
        .open(path)
        .with_context(|| format!("cannot write {}", path.display()))?;
    // An existing file keeps its mode on open: tighten it before writing.
    f.set_permissions(std::os::unix::fs::PermissionsExt::from_mode(0o600))?;
    f.write_all(bytes)?;
    Ok(())
}
