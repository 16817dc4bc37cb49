//! The installation key: 32 random bytes in a file only the user can read.

use std::io::Write;
use std::path::{Path, PathBuf};

use anyhow::{Context, bail};
use palisade_domain::FingerprintKey;

pub fn default_data_dir() -> anyhow::Result<PathBuf> {
    let base = dirs::data_dir().context("cannot find the user's data directory; pass --db and --key-file")?;
    Ok(base.join("palisade"))
}

/// Loads the key, creating it (mode 0600, written atomically) on first use.
pub fn load_or_create(path: Option<&Path>) -> anyhow::Result<FingerprintKey> {
    let path = match path {
        Some(p) => p.to_path_buf(),
        None => default_data_dir()?.join("key"),
    };
    match std::fs::read(&path) {
        Ok(bytes) => parse(&bytes).with_context(|| format!("key file {}", path.display())),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => create(&path),
        Err(e) => Err(e).with_context(|| format!("cannot read key file {}", path.display())),
    }
}

fn parse(bytes: &[u8]) -> anyhow::Result<FingerprintKey> {
    let text = std::str::from_utf8(bytes).context("not text")?.trim();
    let mut key = [0u8; 32];
    if hex::decode_to_slice(text, &mut key).is_err() {
        bail!("expected 64 hex digits");
    }
    Ok(FingerprintKey::from_bytes(key))
}

fn create(path: &Path) -> anyhow::Result<FingerprintKey> {
    let dir = path
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    std::fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
    let mut key = [0u8; 32];
    getrandom::fill(&mut key).map_err(|e| anyhow::anyhow!("no randomness for a new key: {e}"))?;
    let tmp = dir.join(format!(".key.tmp{}", std::process::id()));
    {
        let mut opts = std::fs::OpenOptions::new();
        opts.write(true).create_new(true);
        #[cfg(unix)]
        std::os::unix::fs::OpenOptionsExt::mode(&mut opts, 0o600);
        let mut f = opts
            .open(&tmp)
            .with_context(|| format!("cannot create {}", tmp.display()))?;
        writeln!(f, "{}", hex::encode(key))?;
        f.sync_all()?;
    }
    // Another process may have created the key meanwhile: keep theirs.
    if path.exists() {
        let _ = std::fs::remove_file(&tmp);
        return load_or_create(Some(path));
    }
    std::fs::rename(&tmp, path).with_context(|| format!("cannot create key file {}", path.display()))?;
    tracing::info!(path = %path.display(), "created a new palisade key");
    Ok(FingerprintKey::from_bytes(key))
}
