//! The engine the connector, discovery, inventory and `ado` commands share:
//! the store, the credential vault and the network options.

use std::io::Write;
use std::sync::Arc;

use anyhow::Context;
use palisade_domain::FingerprintKey;
use palisade_engine::{Engine, NetOptions};
use palisade_store::ConnectorRecord;
use palisade_vault::{MasterKey, Vault};

use crate::args::GlobalArgs;
use crate::{keyfile, store};

/// Environment variable holding a master key (base64 of 32 bytes) that seals
/// connector credentials instead of the key derived from the key file.
pub const MASTER_KEY_ENV: &str = "PALISADE_MASTER_KEY";

/// The vault: `PALISADE_MASTER_KEY` when set, else derived from the installation key.
pub fn vault(key: &FingerprintKey) -> anyhow::Result<Vault> {
    // Set but unusable is an error, never a silent fallback to another key.
    match std::env::var(MASTER_KEY_ENV) {
        Ok(text) => {
            let mk = MasterKey::from_base64(text.trim())
                .with_context(|| format!("{MASTER_KEY_ENV} is not a usable key"))?;
            Ok(Vault::from_master_key(&mk))
        }
        Err(std::env::VarError::NotPresent) => Ok(Vault::new(key.derive("credential-vault"))),
        Err(std::env::VarError::NotUnicode(_)) => {
            anyhow::bail!("{MASTER_KEY_ENV} is not valid text: expected 32 bytes encoded as base64")
        }
    }
}

/// Opens the store and builds the engine (call inside the runtime).
pub async fn open(global: &GlobalArgs) -> anyhow::Result<Engine> {
    let key = keyfile::load_or_create(global.key_file.as_deref())?;
    let vault = vault(&key)?;
    let store = store::open(global, &key).await?;
    let net = NetOptions {
        resolve: global.resolve.clone(),
        ..NetOptions::default()
    };
    Ok(Engine::new(Arc::from(store), vault, net))
}

/// The engine with a scanner: rules, the installation key and the clone
/// cache (`--cache-dir`, `PALISADE_CACHE_DIR`, or `clones` in the data
/// directory), for commands that run scans.
pub async fn open_scanning(
    global: &GlobalArgs,
    cache_dir: Option<&std::path::Path>,
    slots: usize,
) -> anyhow::Result<Engine> {
    let key = keyfile::load_or_create(global.key_file.as_deref())?;
    let engine = open(global).await?;
    let rules = crate::cmd_scan::load_rules(&[])?;
    let dir = match cache_dir {
        Some(d) => d.to_path_buf(),
        None => match std::env::var_os("PALISADE_CACHE_DIR") {
            Some(d) => d.into(),
            None => keyfile::default_data_dir()?.join("clones"),
        },
    };
    let mut kit = palisade_engine::ScanKit::new(rules, key, dir)?.with_builtin_code_rules()?;
    // Scans share the cores: each gets a fair part.
    let cores = std::thread::available_parallelism().map_or(1, std::num::NonZero::get);
    kit.threads = (cores / slots.max(1)).max(1);
    Ok(engine.with_scanner(kit))
}

/// The connector named, or the only one when none is named.
pub async fn pick_connector(engine: &Engine, name: Option<&str>) -> anyhow::Result<ConnectorRecord> {
    if let Some(n) = name {
        return Ok(engine.store().get_connector(n).await?);
    }
    let all = engine.store().list_connectors().await?;
    match all.len() {
        0 => anyhow::bail!("no connector exists yet: create one with `palisade connector create`"),
        1 => Ok(all.into_iter().next().expect("one connector")),
        _ => {
            let names: Vec<String> = all.iter().map(|c| c.config.name.to_string()).collect();
            anyhow::bail!(
                "{} connectors exist ({}): choose one with --connector NAME",
                names.len(),
                names.join(", ")
            )
        }
    }
}

/// `text` without terminal control characters (escape sequences in a repo
/// name, a commit message or an error from ADO could rewrite the screen or
/// the terminal's title); newlines and tabs are kept.
pub fn terminal_safe(text: &str) -> std::borrow::Cow<'_, str> {
    let unsafe_char = |c: char| c.is_control() && c != '\n' && c != '\t';
    if text.chars().any(unsafe_char) {
        text.chars()
            .map(|c| if unsafe_char(c) { '\u{fffd}' } else { c })
            .collect::<String>()
            .into()
    } else {
        text.into()
    }
}

/// Writes `text` to stdout, control characters replaced.
pub fn print(text: &str) -> anyhow::Result<()> {
    let mut out = std::io::stdout().lock();
    out.write_all(terminal_safe(text).as_bytes())?;
    out.flush()?;
    Ok(())
}

/// Writes a value as pretty JSON to stdout.
pub fn print_json(value: &impl serde::Serialize) -> anyhow::Result<()> {
    let mut s = serde_json::to_string_pretty(value)?;
    s.push('\n');
    print(&s)
}

/// A warning line on stderr.
pub fn warn(msg: &str) {
    anstream::eprintln!("warning: {}", terminal_safe(msg));
}

#[cfg(test)]
mod tests {
    use super::terminal_safe;

    #[test]
    fn control_characters_never_reach_the_terminal() {
        assert_eq!(terminal_safe("web-api\tok\n"), "web-api\tok\n");
        assert_eq!(
            terminal_safe("evil\u{1b}]0;pwned\u{7}\r"),
            "evil\u{fffd}]0;pwned\u{fffd}\u{fffd}"
        );
        assert_eq!(terminal_safe("c1\u{9b}31m"), "c1\u{fffd}31m");
    }
}
