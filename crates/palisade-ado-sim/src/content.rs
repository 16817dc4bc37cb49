//! Generated repository contents: a small [`RepoRecipe`] stands for a whole history (hundreds of
//! commits, files of several MiB, planted secrets introduced and later removed) that is streamed
//! into `git fast-import` only when a client first touches the repository.
//!
//! Everything derives from the recipe's seed: the same recipe always yields the same commits,
//! byte for byte (fixed dates and identities), so commit ids are stable between runs.
//! [`RepoRecipe::planted_secrets`] lists the secrets a scanner should find without materializing
//! anything: the ground truth of a benchmark.
//!
//! Planted values are random, in the formats palisade's rules look for (AWS access keys, GitHub
//! tokens, Azure storage connection strings, Azure DevOps PATs, Entra client secrets, PEM private
//! keys); none of them is a real credential. Everything else is prose-like text built from a
//! fixed vocabulary that no secret rule matches.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use serde::{Deserialize, Serialize};

use crate::knobs::SplitMix64;

/// The recipe of one generated repository (stored in the estate instead of its contents).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct RepoRecipe {
    pub seed: u64,
    /// Commits on the default branch; 0 makes an empty repository.
    pub commits: u32,
    /// Extra bytes of large files (binary assets and data files) at the tip.
    pub large_bytes: u64,
    /// Secrets planted in the history of the default branch.
    pub secrets: u32,
    /// Default branch name.
    pub branch: String,
    /// Feature branches, each a few commits off some commit of the default branch.
    pub feature_branches: u32,
    /// UNIX time of the first commit; later ones follow at intervals of hours.
    pub start: i64,
}

impl Default for RepoRecipe {
    fn default() -> Self {
        Self {
            seed: 0,
            commits: 1,
            large_bytes: 0,
            secrets: 0,
            branch: "main".into(),
            feature_branches: 0,
            start: 1_704_067_200,
        }
    }
}

/// A secret planted by a recipe.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PlantedSecret {
    /// The palisade rule expected to report it (`aws.access-key-id`, ...).
    pub rule: String,
    pub path: String,
    /// The planted value (what the rule's `secret` group captures).
    pub value: String,
    /// 1-based index, on the default branch, of the commit that adds it.
    pub introduced: u32,
    /// Index of the commit that removes it again; `None` = still at the tip.
    pub removed: Option<u32>,
}

/// One secret file of the plan: its path, contents with and without the secrets, what it holds.
#[derive(Debug, Clone)]
struct SecretFile {
    path: String,
    with: String,
    /// What the file says once cleaned up; `None` = the file is deleted.
    without: Option<String>,
    values: Vec<(&'static str, String)>,
    introduced: u32,
    removed: Option<u32>,
}

const SECRET_STREAM: u64 = 0x5ec2_e75e_ed00_0001;
const FEATURE_STREAM: u64 = 0xfea7_0000_0000_0002;

impl RepoRecipe {
    /// Secrets a full-history scan should report, in the order they are planted.
    pub fn planted_secrets(&self) -> Vec<PlantedSecret> {
        self.secret_plan()
            .into_iter()
            .flat_map(|f| {
                f.values.into_iter().map(move |(rule, value)| PlantedSecret {
                    rule: rule.to_string(),
                    path: f.path.clone(),
                    value,
                    introduced: f.introduced,
                    removed: f.removed,
                })
            })
            .collect()
    }

    /// Rough size of the repository at its tip, for the `size` field of the REST answers.
    pub fn approx_size(&self) -> u64 {
        if self.commits == 0 {
            0
        } else {
            self.large_bytes + 4096 + u64::from(self.commits) * 600
        }
    }

    pub fn default_ref(&self) -> Option<String> {
        (self.commits > 0).then(|| format!("refs/heads/{}", self.branch))
    }

    fn secret_plan(&self) -> Vec<SecretFile> {
        if self.commits == 0 {
            return Vec::new();
        }
        let mut rng = SplitMix64::new(self.seed ^ SECRET_STREAM);
        (0..self.secrets)
            .map(|i| {
                let introduced = 1 + rng.below(u64::from(self.commits)) as u32;
                let removed = (introduced < self.commits && rng.chance(0.5))
                    .then(|| introduced + 1 + rng.below(u64::from(self.commits - introduced)) as u32);
                let kind = rng.below(7) as u32;
                let mut f = secret_file(&mut rng, kind, i);
                f.introduced = introduced;
                f.removed = removed;
                f
            })
            .collect()
    }

    /// The `git fast-import` stream (ending with `done`).
    pub(crate) fn fast_import_stream(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity((self.approx_size() as usize).min(64 << 20) * 2);
        if self.commits == 0 {
            out.extend_from_slice(b"done\n");
            return out;
        }
        let mut rng = SplitMix64::new(self.seed);
        let plan = self.secret_plan();
        let mut tree: BTreeMap<String, Vec<String>> = BTreeMap::new();
        let mut when = self.start;
        let branch = self.branch.clone();
        let project = format!("{} service", pick(&mut rng, NOUNS));
        for n in 1..=self.commits {
            let mut changes = Changes::default();
            let message;
            if n == 1 {
                message = "Initial commit".to_string();
                let readme = vec![
                    format!("# {project}"),
                    String::new(),
                    sentence(&mut rng),
                    sentence(&mut rng),
                ];
                tree.insert("README.md".into(), readme);
                tree.insert(".gitignore".into(), vec!["target/".into(), "*.log".into()]);
                for _ in 0..3 + rng.below(6) {
                    let path = source_path(&mut rng);
                    let lines = (0..20 + rng.below(60)).map(|_| code_line(&mut rng)).collect();
                    tree.insert(path, lines);
                }
                for (path, lines) in &tree {
                    changes.modify(path, lines.join("\n") + "\n");
                }
                large_files(&mut rng, self.large_bytes, &mut changes);
            } else {
                let roll = rng.next_f64();
                let paths: Vec<String> = tree
                    .keys()
                    .filter(|p| p.starts_with("src/") || p.starts_with("docs/"))
                    .cloned()
                    .collect();
                if roll < 0.12 || paths.is_empty() {
                    let path = source_path(&mut rng);
                    let lines: Vec<String> = (0..10 + rng.below(40)).map(|_| code_line(&mut rng)).collect();
                    message = format!("Add {}", path.rsplit('/').next().unwrap_or(&path));
                    changes.modify(&path, lines.join("\n") + "\n");
                    tree.insert(path, lines);
                } else if roll < 0.15 && paths.len() > 4 {
                    let path = paths[rng.below(paths.len() as u64) as usize].clone();
                    message = format!("Remove {}", path.rsplit('/').next().unwrap_or(&path));
                    tree.remove(&path);
                    changes.delete(&path);
                } else {
                    let path = paths[rng.below(paths.len() as u64) as usize].clone();
                    let lines = tree.entry(path.clone()).or_default();
                    for _ in 0..=rng.below(4) {
                        let at = rng.below(lines.len() as u64 + 1) as usize;
                        if at < lines.len() && rng.chance(0.5) {
                            lines[at] = code_line(&mut rng);
                        } else {
                            lines.insert(at.min(lines.len()), code_line(&mut rng));
                        }
                    }
                    if lines.len() > 400 {
                        lines.truncate(300);
                    }
                    message = format!("{} {}", pick(&mut rng, VERBS), pick(&mut rng, NOUNS));
                    changes.modify(&path, lines.join("\n") + "\n");
                }
            }
            let mut message = message;
            for f in &plan {
                if f.introduced == n {
                    changes.modify(&f.path, f.with.clone());
                    let _ = write!(message, "\n\nAdd {}", f.path);
                }
                if f.removed == Some(n) {
                    match &f.without {
                        Some(text) => changes.modify(&f.path, text.clone()),
                        None => changes.delete(&f.path),
                    }
                    let _ = write!(message, "\n\nClean up {}", f.path);
                }
            }
            let author = AUTHORS[rng.below(AUTHORS.len() as u64) as usize];
            when += 3600 + rng.below(36 * 3600) as i64;
            commit(
                &mut out,
                &branch,
                n,
                (n > 1).then(|| n - 1),
                author,
                when,
                &message,
                &changes,
            );
        }
        let mut frng = SplitMix64::new(self.seed ^ FEATURE_STREAM);
        let mut mark = self.commits;
        for b in 0..self.feature_branches {
            let name = format!("feature/{}-{b}", pick(&mut frng, NOUNS));
            let base = 1 + frng.below(u64::from(self.commits)) as u32;
            let mut parent = base;
            for c in 0..=frng.below(3) {
                mark += 1;
                let mut changes = Changes::default();
                let path = format!("docs/{}-{b}-{c}.md", pick(&mut frng, NOUNS));
                changes.modify(
                    &path,
                    format!("# {}\n\n{}\n", pick(&mut frng, NOUNS), sentence(&mut frng)),
                );
                let author = AUTHORS[frng.below(AUTHORS.len() as u64) as usize];
                when += 600 + frng.below(7200) as i64;
                let msg = format!("{} {}", pick(&mut frng, VERBS), pick(&mut frng, NOUNS));
                commit(&mut out, &name, mark, Some(parent), author, when, &msg, &changes);
                parent = mark;
            }
        }
        out.extend_from_slice(b"done\n");
        out
    }
}

#[derive(Default)]
struct Changes {
    /// `(path, Some(content))` to write, `(path, None)` to delete; last one wins.
    ops: BTreeMap<String, Option<Vec<u8>>>,
}

impl Changes {
    fn modify(&mut self, path: &str, content: impl Into<Vec<u8>>) {
        self.ops.insert(path.to_string(), Some(content.into()));
    }

    fn delete(&mut self, path: &str) {
        self.ops.insert(path.to_string(), None);
    }
}

#[expect(clippy::too_many_arguments, reason = "one fast-import commit command")]
fn commit(
    out: &mut Vec<u8>,
    branch: &str,
    mark: u32,
    from: Option<u32>,
    (name, email): (&str, &str),
    when: i64,
    message: &str,
    changes: &Changes,
) {
    let mut head = String::new();
    let _ = writeln!(head, "commit refs/heads/{branch}");
    let _ = writeln!(head, "mark :{mark}");
    let _ = writeln!(head, "author {name} <{email}> {when} +0000");
    let _ = writeln!(head, "committer {name} <{email}> {when} +0000");
    let _ = writeln!(head, "data {}", message.len());
    out.extend_from_slice(head.as_bytes());
    out.extend_from_slice(message.as_bytes());
    out.push(b'\n');
    if let Some(f) = from {
        out.extend_from_slice(format!("from :{f}\n").as_bytes());
    }
    for (path, op) in &changes.ops {
        match op {
            None => out.extend_from_slice(format!("D {path}\n").as_bytes()),
            Some(bytes) => {
                out.extend_from_slice(format!("M 100644 inline {path}\ndata {}\n", bytes.len()).as_bytes());
                out.extend_from_slice(bytes);
                out.push(b'\n');
            }
        }
    }
    out.push(b'\n');
}

/// Binary assets and text data files adding up to about `bytes`.
fn large_files(rng: &mut SplitMix64, bytes: u64, changes: &mut Changes) {
    let mut left = bytes;
    let mut i = 0;
    while left > 0 {
        let size = left.min(2 << 20);
        left -= size;
        if i % 2 == 0 {
            let mut data = Vec::with_capacity(size as usize + 8);
            while (data.len() as u64) < size {
                data.extend_from_slice(&rng.next_u64().to_le_bytes());
            }
            data.truncate(size as usize);
            changes.modify(&format!("assets/bundle-{i}.bin"), data);
        } else {
            let mut text = String::from("id,region,quantity,price,status\n");
            let mut row = 0u64;
            while (text.len() as u64) < size {
                row += 1;
                let _ = writeln!(
                    text,
                    "{row},{},{},{}.{:02},{}",
                    pick(rng, REGIONS),
                    rng.below(1000),
                    rng.below(500),
                    rng.below(100),
                    pick(rng, STATES)
                );
            }
            changes.modify(&format!("data/records-{i}.csv"), text);
        }
        i += 1;
    }
}

fn pick(rng: &mut SplitMix64, list: &[&'static str]) -> &'static str {
    list[rng.below(list.len() as u64) as usize]
}

fn source_path(rng: &mut SplitMix64) -> String {
    match rng.below(4) {
        0 => format!("docs/{}.md", pick(rng, NOUNS)),
        1 => format!("src/{}/{}.rs", pick(rng, NOUNS), pick(rng, NOUNS)),
        _ => format!("src/{}_{}.rs", pick(rng, NOUNS), rng.below(100)),
    }
}

fn sentence(rng: &mut SplitMix64) -> String {
    let n = 6 + rng.below(8);
    let words: Vec<&str> = (0..n)
        .map(|i| {
            if i % 2 == 0 {
                pick(rng, NOUNS)
            } else {
                pick(rng, VERBS_LOWER)
            }
        })
        .collect();
    let mut s = words.join(" ");
    if let Some(first) = s.get(..1) {
        s = first.to_ascii_uppercase() + &s[1..];
    }
    s + "."
}

fn code_line(rng: &mut SplitMix64) -> String {
    let (a, b, c) = (pick(rng, NOUNS), pick(rng, NOUNS), pick(rng, VERBS_LOWER));
    match rng.below(6) {
        0 => format!("    let {a}_{b} = {c}_{a}({});", rng.below(10_000)),
        1 => format!("// {}", sentence(rng)),
        2 => format!("fn {c}_{a}({b}: u32) -> u32 {{ {b} + {} }}", rng.below(100)),
        3 => format!("    {a}.{c}(&{b});"),
        4 => String::new(),
        _ => format!("    if {a}.is_empty() {{ return {}; }}", rng.below(10)),
    }
}

const ALNUM: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
const B64: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
const BASE32: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";

/// Fragments palisade treats as placeholders: generated values never contain them.
const AVOID: &[&str] = &[
    "example",
    "fake",
    "sample",
    "dummy",
    "test",
    "todo",
    "xxxx",
    "lorem",
    "fixme",
    "redacted",
    "abcdefghij",
    "0000000000",
    "1234567890",
    "changeme",
    "placeholder",
    "foobar",
    "your",
];

fn random_from(rng: &mut SplitMix64, alphabet: &[u8], n: usize) -> String {
    loop {
        let s: String = (0..n)
            .map(|_| alphabet[rng.below(alphabet.len() as u64) as usize] as char)
            .collect();
        let lower = s.to_ascii_lowercase();
        if !AVOID.iter().any(|a| lower.contains(a)) {
            return s;
        }
    }
}

/// One secret file of `kind` (0 to 6; the `i`-th of its repository), with fresh random values.
fn secret_file(rng: &mut SplitMix64, kind: u32, i: u32) -> SecretFile {
    let file = |path: String, with: String, without: Option<String>, values| SecretFile {
        path,
        with,
        without,
        values,
        introduced: 1,
        removed: None,
    };
    match kind {
        0 => {
            let id = format!("AKIA{}", random_from(rng, BASE32, 16));
            let key = random_from(rng, B64, 40);
            file(
                format!("config/aws-{i}.env"),
                format!("AWS_REGION=eu-west-1\nAWS_ACCESS_KEY_ID={id}\nAWS_SECRET_ACCESS_KEY={key}\n"),
                Some("AWS_REGION=eu-west-1\nAWS_PROFILE=deploy\n".into()),
                vec![("aws.access-key-id", id), ("aws.secret-access-key", key)],
            )
        }
        1 => {
            let pat = format!("ghp_{}", random_from(rng, ALNUM, 36));
            file(
                format!("scripts/release-{i}.sh"),
                format!("#!/bin/sh\nset -e\nexport GITHUB_TOKEN={pat}\ngh release create \"$1\"\n"),
                Some("#!/bin/sh\nset -e\ngh release create \"$1\"\n".into()),
                vec![("github.pat.classic", pat)],
            )
        }
        2 => {
            let account = format!(
                "st{}",
                random_from(rng, b"abcdefghijklmnopqrstuvwxyz0123456789", 10)
            );
            let key = format!(
                "{}{}==",
                random_from(
                    rng,
                    b"ABCDFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/",
                    1
                ),
                random_from(rng, B64, 85)
            );
            file(
                format!("src/appsettings.{i}.json"),
                format!(
                    "{{\n  \"Storage\": \"DefaultEndpointsProtocol=https;AccountName={account};AccountKey={key};EndpointSuffix=core.windows.net\"\n}}\n"
                ),
                Some("{\n  \"Storage\": \"@Microsoft.KeyVault(SecretUri=https://kv.vault.azure.net/secrets/storage)\"\n}\n".into()),
                vec![("azure.storage.connection-string", key)],
            )
        }
        3 => {
            let mut body = String::new();
            for _ in 0..12 {
                body.push_str(&random_from(rng, B64, 64));
                body.push('\n');
            }
            body.push_str(&random_from(rng, B64, 44));
            body.push('\n');
            let key = format!("-----BEGIN RSA PRIVATE KEY-----\n{body}-----END RSA PRIVATE KEY-----");
            file(
                format!("keys/deploy-{i}.pem"),
                format!("{key}\n"),
                None,
                vec![("private-key.pem", key)],
            )
        }
        4 => {
            let pat = format!(
                "{}JQQJ99{}{}{}AZDO{}",
                random_from(rng, ALNUM, 52),
                random_from(rng, ALNUM, 1),
                random_from(rng, b"ABCDEFGHIJKL", 1),
                random_from(rng, ALNUM, 16),
                random_from(rng, ALNUM, 4)
            );
            file(
                format!("pipelines/publish-{i}.yml"),
                format!("steps:\n  - script: az devops login\n    env:\n      AZURE_DEVOPS_EXT_PAT: {pat}\n"),
                Some("steps:\n  - script: az devops login\n    env:\n      AZURE_DEVOPS_EXT_PAT: $(System.AccessToken)\n".into()),
                vec![("azure.devops.pat", pat)],
            )
        }
        5 => {
            let secret = format!(
                "{}{}Q~{}",
                random_from(rng, ALNUM, 3),
                rng.below(10),
                random_from(rng, ALNUM, 34)
            );
            file(
                format!("infra/app-{i}.tfvars"),
                format!("tenant = \"contoso.onmicrosoft.com\"\nclient_secret = \"{secret}\"\n"),
                Some("tenant = \"contoso.onmicrosoft.com\"\n".into()),
                vec![("azure.entra.client-secret", secret)],
            )
        }
        _ => {
            let pat = format!(
                "github_pat_{}_{}",
                random_from(rng, ALNUM, 22),
                random_from(rng, ALNUM, 59)
            );
            file(
                format!("tools/mirror-{i}.env"),
                format!("MIRROR_REMOTE=github.com/contoso/mirror\nGH_TOKEN={pat}\n"),
                None,
                vec![("github.pat.fine-grained", pat)],
            )
        }
    }
}

const AUTHORS: &[(&str, &str)] = &[
    ("Avery Lindqvist", "avery@contoso.example"),
    ("Noor Haddad", "noor@contoso.example"),
    ("Mateo Okafor", "mateo@contoso.example"),
    ("Ines Moreau", "ines@contoso.example"),
    ("Kenji Watanabe", "kenji@contoso.example"),
];

const NOUNS: &[&str] = &[
    "order",
    "invoice",
    "widget",
    "render",
    "buffer",
    "cache",
    "queue",
    "stream",
    "parser",
    "handler",
    "router",
    "metric",
    "ledger",
    "report",
    "shipment",
    "catalog",
    "cart",
    "profile",
    "session",
    "payment",
    "schedule",
    "inventory",
    "window",
    "layout",
    "bundle",
    "module",
    "channel",
    "signal",
    "filter",
    "batch",
    "record",
    "region",
    "tenant",
    "account",
    "archive",
    "budget",
    "carrier",
    "folder",
    "gateway",
    "harbor",
    "journal",
];

const VERBS: &[&str] = &[
    "Fix", "Refactor", "Update", "Tidy", "Extend", "Rename", "Document", "Speed up", "Simplify", "Harden",
];

const VERBS_LOWER: &[&str] = &[
    "loads", "builds", "merges", "splits", "sorts", "counts", "checks", "formats", "routes", "stores",
    "reads", "writes", "shows", "drops", "keeps",
];

const REGIONS: &[&str] = &["north", "south", "east", "west", "central"];
const STATES: &[&str] = &["open", "shipped", "returned", "closed"];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn streams_are_deterministic_and_plant_what_they_list() {
        let r = RepoRecipe {
            seed: 9,
            commits: 40,
            secrets: 7,
            feature_branches: 2,
            large_bytes: 10_000,
            ..RepoRecipe::default()
        };
        let a = r.fast_import_stream();
        assert_eq!(a, r.fast_import_stream());
        let text = String::from_utf8_lossy(&a);
        let planted = r.planted_secrets();
        let aws = planted.iter().filter(|p| p.rule == "aws.access-key-id").count();
        assert_eq!(planted.len(), 7 + aws, "aws plants two values");
        for p in &planted {
            if p.rule != "private-key.pem" {
                assert!(text.contains(&p.value), "{p:?}");
            }
        }
        assert_ne!(a, RepoRecipe { seed: 10, ..r }.fast_import_stream());
    }
}
