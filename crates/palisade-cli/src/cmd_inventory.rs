//! `palisade inventory`: the stored resources.

use std::collections::HashMap;
use std::fmt::Write as _;

use palisade_domain::{Resource, ResourceKind};
use palisade_store::ResourceFilter;

use crate::Outcome;
use crate::args::{GlobalArgs, InventoryArgs, OutFormat};
use crate::engine::{self, print, print_json};
use crate::store;

pub fn run(global: &GlobalArgs, args: &InventoryArgs) -> anyhow::Result<Outcome> {
    let rt = store::runtime()?;
    rt.block_on(async {
        let engine = engine::open(global).await?;
        let store = engine.store();
        let connector = match &args.connector {
            Some(n) => Some(store.get_connector(n).await?.id),
            None => None,
        };
        let resources = store
            .list_resources(&ResourceFilter {
                connector: connector.clone(),
                kinds: args.kind.clone(),
                include_removed: args.include_removed,
                limit: Some(args.limit),
                ..ResourceFilter::default()
            })
            .await?;
        match args.format {
            OutFormat::Json => print_json(&resources)?,
            OutFormat::Table => {
                // Project names, for the PROJECT column.
                let projects: HashMap<String, String> = store
                    .list_resources(&ResourceFilter {
                        connector,
                        kinds: vec![ResourceKind::Project],
                        include_removed: true,
                        ..ResourceFilter::default()
                    })
                    .await?
                    .into_iter()
                    .filter_map(|r| match r.resource {
                        Resource::Project(p) => Some((p.id, p.name)),
                        _ => None,
                    })
                    .collect();
                let mut out = String::new();
                writeln!(
                    out,
                    "{:19}  {:40}  {:20}  {:19}  {:19}  REMOVED",
                    "KIND", "NAME", "PROJECT", "FIRST SEEN", "LAST SEEN"
                )?;
                for r in &resources {
                    let project = r
                        .project_id
                        .as_deref()
                        .map_or("", |id| projects.get(id).map_or(id, String::as_str));
                    writeln!(
                        out,
                        "{:19}  {:40}  {:20}  {:19}  {:19}  {}",
                        r.kind.as_str(),
                        r.name,
                        project,
                        r.first_seen_at.to_string(),
                        r.last_seen_at.to_string(),
                        r.removed_at.map(|t| t.to_string()).unwrap_or_default()
                    )?;
                }
                let mut trimmed = String::with_capacity(out.len());
                for l in out.lines() {
                    trimmed.push_str(l.trim_end());
                    trimmed.push('\n');
                }
                print(&trimmed)?;
            }
        }
        Ok(Outcome::Clean)
    })
}
