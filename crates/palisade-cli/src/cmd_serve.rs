//! `palisade serve` and `palisade worker`.

use std::time::Duration;

use palisade_engine::WorkerOptions;
use palisade_server::ServeOptions;
use tokio::sync::watch;

use crate::Outcome;
use crate::args::{GlobalArgs, ServeArgs, WorkerArgs, WorkerOpts};
use crate::{engine, store};

fn worker_options(o: &WorkerOpts) -> WorkerOptions {
    WorkerOptions {
        slots: o.slots.max(1),
        max_leases: o.max_leases,
        lease: Duration::from_secs(o.lease_seconds.clamp(5, 3600)),
        ..WorkerOptions::default()
    }
}

/// Turns true on Ctrl-C or SIGTERM.
fn stop_signal() -> watch::Receiver<bool> {
    let (tx, rx) = watch::channel(false);
    tokio::spawn(async move {
        let ctrl_c = tokio::signal::ctrl_c();
        #[cfg(unix)]
        {
            let Ok(mut term) = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
            else {
                let _ = ctrl_c.await;
                let _ = tx.send(true);
                return;
            };
            tokio::select! {
                _ = ctrl_c => {}
                _ = term.recv() => {}
            }
        }
        #[cfg(not(unix))]
        let _ = ctrl_c.await;
        tracing::info!("stopping: finishing running jobs");
        let _ = tx.send(true);
    });
    rx
}

pub fn serve(global: &GlobalArgs, args: &ServeArgs) -> anyhow::Result<Outcome> {
    let rt = store::runtime()?;
    rt.block_on(async {
        let engine =
            engine::open_scanning(global, args.worker.cache_dir.as_deref(), args.worker.slots).await?;
        let opts = ServeOptions {
            listen: args.listen,
            scheduler: !args.no_scheduler,
            schedule_every: Duration::from_secs(args.schedule_every.max(1)),
            worker: (!args.no_worker).then(|| worker_options(&args.worker)),
            insecure_cookies: args.insecure_cookies,
            ..ServeOptions::default()
        };
        let (tx, rx) = tokio::sync::oneshot::channel();
        let stop = stop_signal();
        let server = tokio::spawn(palisade_server::serve(engine, opts, stop, Some(tx)));
        if let Ok(addr) = rx.await {
            // One line on stdout that scripts can wait for.
            engine::print(&format!("palisade listening on http://{addr}\n"))?;
        }
        server.await??;
        Ok(Outcome::Clean)
    })
}

pub fn worker(global: &GlobalArgs, args: &WorkerArgs) -> anyhow::Result<Outcome> {
    let rt = store::runtime()?;
    rt.block_on(async {
        let engine =
            engine::open_scanning(global, args.worker.cache_dir.as_deref(), args.worker.slots).await?;
        let opts = WorkerOptions {
            until_idle: args.until_idle,
            ..worker_options(&args.worker)
        };
        tracing::info!(worker = %opts.name, slots = opts.slots, "worker started");
        let report = engine.run_worker(&opts, stop_signal()).await?;
        tracing::info!(
            succeeded = report.succeeded,
            retried = report.retried,
            dead = report.dead,
            "worker stopped"
        );
        Ok(Outcome::Clean)
    })
}
