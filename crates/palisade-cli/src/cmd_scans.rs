//! `palisade scans list`.

use std::fmt::Write as _;
use std::io::Write;

use crate::Outcome;
use crate::args::{Format, GlobalArgs, ScansArgs, ScansCommand};
use crate::{keyfile, store};

pub fn run(global: &GlobalArgs, args: &ScansArgs) -> anyhow::Result<Outcome> {
    let ScansCommand::List { limit, format } = &args.command;
    let key = keyfile::load_or_create(global.key_file.as_deref())?;
    let rt = store::runtime()?;
    let scans = rt.block_on(async {
        let s = store::open(global, &key).await?;
        anyhow::Ok(s.list_scans(*limit).await?)
    })?;
    let mut out = String::new();
    match format {
        Format::Json | Format::Sarif => {
            out = serde_json::to_string_pretty(&scans)?;
            out.push('\n');
        }
        Format::Table => {
            writeln!(
                out,
                "{:36}  {:19}  {:21}  {:>8}  {:>8}  TARGET",
                "ID", "STARTED", "STATUS", "FINDINGS", "ERRORS"
            )?;
            for s in &scans {
                writeln!(
                    out,
                    "{:36}  {:19}  {:21}  {:>8}  {:>8}  {}",
                    s.id,
                    s.started_at.to_string(),
                    s.status.as_str(),
                    s.findings,
                    s.errors.len(),
                    s.target
                )?;
            }
        }
    }
    std::io::stdout().lock().write_all(out.as_bytes())?;
    Ok(Outcome::Clean)
}
