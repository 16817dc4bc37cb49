//! Infrastructure-as-code misconfiguration checks: the infrastructure side
//! of palisade's analysis, next to secrets and dependencies.
//!
//! Pure and synchronous: a path (only its name and folders are looked at)
//! and the file's bytes in, [`RuleMatch`]es out; nothing here does IO.
//!
//! | framework | files | rules for |
//! |---|---|---|
//! | `terraform` | `*.tf` | `azurerm`, `aws`, `google` resources |
//! | `arm` | `*.json` whose `$schema` is a deployment template (ARM, compiled Bicep) | storage, web apps, AKS, Key Vault |
//! | `kubernetes` | `*.yaml` / `*.yml` whose documents have `apiVersion` and `kind` | pods and every workload that holds one |
//! | `dockerfile` | `Dockerfile`, `Dockerfile.*`, `*.dockerfile`, `Containerfile` | images and build stages |
//!
//! Each file is parsed once and every rule of its framework runs over the
//! parsed model. Rules are data ([`StaticRule`]) with their own positive and
//! negative examples; [`rules`] lists them.
//!
//! Every input is untrusted: a file that cannot be read gives a
//! [`FileError`] naming the framework and, when known, the line. Nothing
//! panics. Files over [`MAX_FILE_BYTES`] are refused, JSON nested deeper than
//! 128 levels is refused, YAML alias expansion is capped, and text must be
//! UTF-8 or UTF-16 with a byte order mark.
//!
//! ```
//! let tf = br#"
//! resource "azurerm_storage_account" "logs" {
//!   https_traffic_only_enabled = false
//! }
//! "#;
//! let found = palisade_iac::scan_file("infra/main.tf", tf)?;
//! let https = found
//!     .iter()
//!     .find(|m| m.rule.id == "iac.azurerm.storage-account-https-only")
//!     .expect("flagged");
//! assert_eq!((https.line, https.subject.as_str()), (3, "azurerm_storage_account.logs"));
//! # Ok::<(), palisade_iac::FileError>(())
//! ```

mod arm;
mod dockerfile;
mod json;
mod kubernetes;
mod rules;
mod terraform;
mod text;
mod tree;
mod yaml;

use memchr::memmem;
pub use palisade_domain::{RuleMatch, StaticRule};
pub use text::MAX_FILE_BYTES;

/// Why a file of a known framework could not be checked. The message
/// carries the line (and column) when the parser knows it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{framework}: {message}")]
pub struct FileError {
    /// `terraform`, `arm`, `kubernetes` or `dockerfile`.
    pub framework: &'static str,
    /// What is wrong, e.g. `line 4, column 7: expected ...`.
    pub message: String,
}

impl FileError {
    pub(crate) fn new(framework: &'static str, message: impl Into<String>) -> Self {
        Self {
            framework,
            message: message.into(),
        }
    }
}

/// Every built-in rule, sorted by id.
pub fn rules() -> &'static [&'static StaticRule] {
    rules::all()
}

/// How much of a JSON or YAML file [`framework_of`] looks at.
const SNIFF_BYTES: usize = 8 * 1024;

/// The framework a file belongs to, from its name and a cheap look at its
/// head (`None`: not ours).
///
/// Names decide for Terraform and Dockerfiles. A `.json` is an ARM template
/// when its head has a `$schema` naming a deployment template; a `.yaml` /
/// `.yml` is Kubernetes when its head has `apiVersion:` and `kind:`, unless
/// it is a pipeline (`.github/workflows/`, `azure-pipelines*.yml`) or an
/// unrendered Helm template (`{{ }}` markers: not YAML until rendered).
pub fn framework_of(path: &str, bytes: &[u8]) -> Option<&'static str> {
    if !may_read(path) {
        return None;
    }
    let name = path.rsplit(['/', '\\']).next().unwrap_or(path);
    let lower = name.to_ascii_lowercase();
    if is_dockerfile_name(&lower) {
        return Some(dockerfile::FRAMEWORK);
    }
    let ext = lower.rsplit_once('.').map_or("", |(_, ext)| ext);
    if ext == "tf" {
        return Some(terraform::FRAMEWORK);
    }
    if ext == "json" {
        let head = sniff_head(bytes);
        let head = head.as_slice();
        return (memmem::find(head, b"$schema").is_some()
            && memmem::find(head, b"eploymentTemplate.json").is_some())
        .then_some(arm::FRAMEWORK);
    }
    if ext == "yaml" || ext == "yml" {
        let normalized = path.replace('\\', "/");
        if normalized.contains(".github/workflows/") || lower.starts_with("azure-pipelines") {
            return None;
        }
        let head = sniff_head(bytes);
        let head = head.as_slice();
        return (memmem::find(head, b"apiVersion:").is_some()
            && memmem::find(head, b"kind:").is_some()
            && memmem::find(head, b"{{").is_none())
        .then_some(kubernetes::FRAMEWORK);
    }
    None
}

/// Whether [`framework_of`] may claim a file of this name, before reading it:
/// the filter for listings (a git tree) where reading is the cost.
pub fn may_read(path: &str) -> bool {
    let name = path.rsplit(['/', '\\']).next().unwrap_or(path);
    let lower = name.to_ascii_lowercase();
    let ext = lower.rsplit_once('.').map_or("", |(_, ext)| ext);
    is_dockerfile_name(&lower) || matches!(ext, "tf" | "json" | "yaml" | "yml")
}

fn is_dockerfile_name(lower: &str) -> bool {
    if lower == "dockerfile" || lower == "containerfile" {
        return true;
    }
    if lower.ends_with(".dockerfile") || lower.ends_with(".containerfile") {
        return true;
    }
    // `Dockerfile.prod`, `Dockerfile.alpine`; not its documentation.
    (lower.starts_with("dockerfile.") || lower.starts_with("containerfile."))
        && ![".md", ".txt", ".rst", ".adoc", ".html"]
            .iter()
            .any(|ext| lower.ends_with(ext))
}

/// The first [`SNIFF_BYTES`] as UTF-8ish bytes (UTF-16 heads are narrowed,
/// which keeps ASCII keys findable).
fn sniff_head(bytes: &[u8]) -> Vec<u8> {
    let head = &bytes[..bytes.len().min(SNIFF_BYTES)];
    match head {
        [0xFF, 0xFE, rest @ ..] => rest.chunks_exact(2).filter(|c| c[1] == 0).map(|c| c[0]).collect(),
        [0xFE, 0xFF, rest @ ..] => rest.chunks_exact(2).filter(|c| c[0] == 0).map(|c| c[1]).collect(),
        _ => head.to_vec(),
    }
}

/// Runs every rule of the file's framework. `Ok(vec![])` for files not ours.
///
/// Matches come in line order.
pub fn scan_file(path: &str, bytes: &[u8]) -> Result<Vec<RuleMatch>, FileError> {
    let Some(framework) = framework_of(path, bytes) else {
        return Ok(Vec::new());
    };
    let text = text::decode(framework, bytes)?;
    let mut out = Vec::new();
    match framework {
        terraform::FRAMEWORK => {
            let module = terraform::parse(&text)?;
            rules::terraform::run(&module, &mut out);
        }
        arm::FRAMEWORK => {
            let template = json::parse(framework, &text)?;
            rules::arm::run(&arm::resources(&template), &mut out);
        }
        kubernetes::FRAMEWORK => {
            let docs = yaml::parse_stream(framework, &text)?;
            rules::kubernetes::run(&kubernetes::objects(&docs), &mut out);
        }
        _ => {
            let file = dockerfile::parse(&text);
            rules::dockerfile::run(&file, &mut out);
        }
    }
    out.sort_by(|a, b| {
        (a.line, a.column, a.rule.id, &a.subject).cmp(&(b.line, b.column, b.rule.id, &b.subject))
    });
    out.dedup_by(|a, b| {
        a.line == b.line && a.column == b.column && a.rule.id == b.rule.id && a.subject == b.subject
    });
    Ok(out)
}
