//! The analyzers besides secrets: dependency manifests (matched against
//! advisories after the walk), IaC and pipeline rules, and code rules.
//!
//! Secrets are scanned once per distinct blob; these read a file by its
//! path (the path selects the parser and is part of a finding's identity),
//! so they run on every file they recognize.

use std::collections::{BTreeSet, HashMap};
use std::sync::{Arc, Mutex};

use palisade_advisories::{AdvisoryIndex, Ecosystem as OsvEcosystem};
use palisade_domain::{
    BlobId, CommitInfo, Confidence, DependencyDetails, Finding, FindingDetails, FindingId, FindingKind,
    FingerprintKey, Location, RuleDetails, RuleId, RuleMatch, ScanError, SecretHash, Severity,
};
use palisade_manifests::Manifest;

use crate::Baseline;
use crate::assemble::{LocationFilter, split_baselined};

/// Which analyzers a scan runs.
#[derive(Clone, Copy, Debug)]
pub struct Analyzers<'a> {
    pub secrets: bool,
    /// Parse manifests and lockfiles (matched with [`dependency_findings`]).
    pub dependencies: bool,
    /// IaC and pipeline rules (`palisade-iac`, `palisade-workflows`).
    pub iac: bool,
    /// Code rules, when given.
    pub code: Option<&'a palisade_sast::RuleSet>,
}

impl Analyzers<'_> {
    /// Secrets only: what every scan did before the other kinds existed.
    pub const SECRETS: Analyzers<'static> = Analyzers {
        secrets: true,
        dependencies: false,
        iac: false,
        code: None,
    };

    /// The kinds of findings these analyzers look for.
    pub fn kinds(&self) -> Vec<FindingKind> {
        let mut kinds = Vec::new();
        if self.secrets {
            kinds.push(FindingKind::Secret);
        }
        if self.dependencies {
            kinds.push(FindingKind::Dependency);
        }
        if self.iac {
            kinds.push(FindingKind::Iac);
        }
        if self.code.is_some() {
            kinds.push(FindingKind::Code);
        }
        kinds
    }

    /// True when some analyzer other than secrets runs.
    pub(crate) fn any_file_analyzer(&self) -> bool {
        self.dependencies || self.iac || self.code.is_some()
    }
}

/// A dependency manifest read by a scan, waiting for its advisories.
#[derive(Clone, Debug)]
pub struct ManifestFile {
    pub path: String,
    pub blob: BlobId,
    pub commit: Option<Arc<CommitInfo>>,
    pub manifest: Manifest,
}

/// One rule match that outlives its file's content.
#[derive(Debug)]
pub(crate) struct Hit {
    kind: FindingKind,
    rule_id: RuleId,
    rule_name: String,
    severity: Severity,
    confidence: Confidence,
    /// What the finding's id and hash are computed from; never shown.
    identity: Vec<u8>,
    preview: String,
    details: FindingDetails,
    location: Location,
}

/// What the file analyzers found, filled from many threads.
#[derive(Debug, Default)]
pub(crate) struct AnalysisSink {
    hits: Mutex<Vec<Hit>>,
    manifests: Mutex<Vec<ManifestFile>>,
    errors: Mutex<Vec<ScanError>>,
}

impl AnalysisSink {
    pub fn into_parts(self) -> (Vec<Hit>, Vec<ManifestFile>, Vec<ScanError>) {
        (
            self.hits.into_inner().expect("hits lock poisoned"),
            self.manifests.into_inner().expect("manifests lock poisoned"),
            self.errors.into_inner().expect("errors lock poisoned"),
        )
    }

    fn error(&self, path: &str, message: &str) {
        self.errors.lock().expect("errors lock poisoned").push(ScanError {
            subject: path.to_owned(),
            message: crate::one_line(message),
        });
    }
}

/// Runs every enabled file analyzer that recognizes `path`.
pub(crate) fn analyze_file(
    analyzers: &Analyzers<'_>,
    path: &str,
    content: &[u8],
    blob: BlobId,
    commit: Option<&Arc<CommitInfo>>,
    sink: &AnalysisSink,
) {
    let location = |line: u32, column: u32| Location {
        path: path.to_owned(),
        line,
        column,
        blob_id: blob,
        commit: commit.map(|c| CommitInfo::clone(c)),
    };
    if analyzers.dependencies && palisade_manifests::manifest_kind(path).is_some() {
        match palisade_manifests::parse(path, content) {
            Ok(manifest) => sink
                .manifests
                .lock()
                .expect("manifests lock poisoned")
                .push(ManifestFile {
                    path: path.to_owned(),
                    blob,
                    commit: commit.cloned(),
                    manifest,
                }),
            Err(e) => sink.error(path, &format!("dependencies: {e}")),
        }
    }
    if analyzers.iac {
        let mut hits = Vec::new();
        if palisade_iac::framework_of(path, content).is_some() {
            match palisade_iac::scan_file(path, content) {
                Ok(matches) => hits.extend(matches),
                Err(e) => sink.error(path, &e.to_string()),
            }
        } else if palisade_workflows::framework_of(path, content).is_some() {
            match palisade_workflows::scan_file(path, content) {
                Ok(matches) => hits.extend(matches),
                Err(e) => sink.error(path, &e.to_string()),
            }
        }
        if !hits.is_empty() {
            let mut out = sink.hits.lock().expect("hits lock poisoned");
            for m in hits {
                match static_hit(path, &m, location(m.line, m.column)) {
                    Ok(hit) => out.push(hit),
                    Err(e) => sink.error(path, &e),
                }
            }
        }
    }
    if let Some(rules) = analyzers.code
        && palisade_sast::RuleSet::language_of(path).is_some()
    {
        match rules.scan(path, content) {
            Ok(matches) => {
                let mut out = sink.hits.lock().expect("hits lock poisoned");
                for m in matches {
                    let rule = &rules.rules()[m.rule];
                    let mut identity = path.as_bytes().to_vec();
                    identity.push(0);
                    identity.extend_from_slice(&m.fingerprint);
                    out.push(Hit {
                        kind: FindingKind::Code,
                        rule_id: rule.id.clone(),
                        rule_name: rule.name.clone(),
                        severity: rule.severity,
                        confidence: rule.confidence,
                        identity,
                        preview: m.function.clone().unwrap_or_else(|| "(top level)".to_owned()),
                        details: FindingDetails::Rule(RuleDetails {
                            message: m.message.clone(),
                            subject: m.function.clone(),
                            cwe: rule.cwe.clone(),
                            checkov: Vec::new(),
                            tool: None,
                        }),
                        location: location(m.line, m.column),
                    });
                }
            }
            Err(e) => sink.error(path, &format!("code: {e}")),
        }
    }
}

fn static_hit(path: &str, m: &RuleMatch, location: Location) -> Result<Hit, String> {
    let rule = m.rule;
    let rule_id = RuleId::parse(rule.id).map_err(|e| format!("iac: {e}"))?;
    let mut identity = path.as_bytes().to_vec();
    identity.push(0);
    identity.extend_from_slice(m.subject.as_bytes());
    Ok(Hit {
        kind: FindingKind::Iac,
        rule_id,
        rule_name: rule.name.to_owned(),
        severity: rule.severity,
        confidence: Confidence::High,
        identity,
        preview: m.subject.clone(),
        details: FindingDetails::Rule(RuleDetails {
            message: rule.name.to_owned(),
            subject: Some(m.subject.clone()),
            cwe: Vec::new(),
            checkov: rule.checkov.iter().map(|&c| c.to_owned()).collect(),
            tool: None,
        }),
        location,
    })
}

/// Hits grouped into findings (one per rule and identity, every location),
/// less those the baseline silences.
pub(crate) fn hits_to_findings(
    hits: Vec<Hit>,
    key: &FingerprintKey,
    baseline: Option<&Baseline>,
    keep: Option<LocationFilter<'_>>,
) -> (Vec<Finding>, Vec<Finding>, u64) {
    let mut by_id: HashMap<FindingId, Finding> = HashMap::new();
    for hit in hits {
        if keep.is_some_and(|keep| !keep(&hit.location.path, hit.location.line)) {
            continue;
        }
        let id = key.finding_id(&hit.rule_id, &hit.identity);
        let finding = by_id.entry(id).or_insert_with(|| Finding {
            id,
            kind: hit.kind,
            rule_id: hit.rule_id,
            rule_name: hit.rule_name,
            severity: hit.severity,
            confidence: hit.confidence,
            preview: hit.preview,
            secret_hash: SecretHash::of(&hit.identity),
            details: Some(hit.details),
            secret: None,
            locations: Vec::new(),
        });
        finding.locations.push(hit.location);
    }
    let a = split_baselined(by_id, baseline);
    (a.findings, a.baselined, a.suppressed)
}

/// `(OSV ecosystem, normalized name)` of every package the manifests name:
/// the advisories a dependency scan needs.
pub fn manifest_packages(manifests: &[ManifestFile]) -> Vec<(String, String)> {
    let mut out = BTreeSet::new();
    for m in manifests {
        for dep in &m.manifest.dependencies {
            out.insert(OsvEcosystem::from_osv(dep.ecosystem.as_osv()).package_key(&dep.name));
        }
    }
    out.into_iter().collect()
}

/// The rule id of an advisory's findings: `dependency.` and the advisory id
/// in lowercase (`dependency.ghsa-35jh-r3h4-6jhm`).
pub fn advisory_rule_id(advisory: &str) -> Option<RuleId> {
    let slug: String = advisory
        .chars()
        .map(|c| match c.to_ascii_lowercase() {
            c @ ('a'..='z' | '0'..='9' | '_' | '-') => c,
            _ => '-',
        })
        .take(68)
        .collect();
    RuleId::parse(&format!("dependency.{slug}")).ok()
}

/// Findings for every dependency version an advisory in `index` affects: one
/// finding per (advisory, ecosystem, package, version), with a location per
/// manifest line that pins it.
pub fn dependency_findings(
    manifests: &[ManifestFile],
    index: &AdvisoryIndex,
    key: &FingerprintKey,
    baseline: Option<&Baseline>,
    keep: Option<LocationFilter<'_>>,
) -> (Vec<Finding>, Vec<Finding>, u64) {
    let mut hits = Vec::new();
    for m in manifests {
        for dep in &m.manifest.dependencies {
            let ecosystem = OsvEcosystem::from_osv(dep.ecosystem.as_osv());
            for hit in index.is_affected(&ecosystem, &dep.name, &dep.version) {
                let Some(rule_id) = advisory_rule_id(hit.id()) else {
                    continue;
                };
                let severity = hit.severity();
                let (eco, name) = ecosystem.package_key(&dep.name);
                let identity = format!("{eco}\0{name}\0{}", dep.version);
                let cvss = severity.and_then(|s| match &s.source {
                    palisade_advisories::SeveritySource::CvssV3(v)
                    | palisade_advisories::SeveritySource::CvssV4(v) => Some(v.clone()),
                    _ => None,
                });
                hits.push(Hit {
                    kind: FindingKind::Dependency,
                    rule_id,
                    rule_name: hit.summary().map_or_else(
                        || format!("Vulnerable {} ({})", dep.name, hit.id()),
                        |s| format!("{s} ({})", hit.id()),
                    ),
                    // An advisory without a severity is still a known
                    // vulnerability: medium until someone rates it.
                    severity: severity.map_or(Severity::Medium, |s| s.level),
                    confidence: hit.confidence,
                    identity: identity.into_bytes(),
                    preview: format!("{}@{}", dep.name, dep.version),
                    details: FindingDetails::Dependency(DependencyDetails {
                        ecosystem: ecosystem.as_osv().to_owned(),
                        package: dep.name.clone(),
                        version: dep.version.clone(),
                        advisory: hit.id().to_owned(),
                        aliases: hit.aliases().to_vec(),
                        summary: hit.summary().map(str::to_owned),
                        cvss,
                        score: severity.and_then(|s| s.score),
                        fixed: hit.fixed_in().map(str::to_owned),
                        direct: dep.direct,
                    }),
                    location: Location {
                        path: m.path.clone(),
                        line: dep.line,
                        column: 1,
                        blob_id: m.blob,
                        commit: m.commit.as_deref().cloned(),
                    },
                });
            }
        }
    }
    hits_to_findings(hits, key, baseline, keep)
}

impl Analyzers<'_> {
    /// Whether some enabled file analyzer may read `path` (by name only: the
    /// cheap filter before any content is read from a tree).
    pub fn may_read(&self, path: &str) -> bool {
        (self.dependencies && palisade_manifests::manifest_kind(path).is_some())
            || (self.iac && (palisade_iac::may_read(path) || palisade_workflows::may_read(path)))
            || (self.code.is_some() && palisade_sast::RuleSet::language_of(path).is_some())
    }
}

/// Runs the file analyzers (not secrets) over every file of commit `rev`'s
/// tree that one of them may read: what a managed scan reports for a
/// branch tip. Locations carry no commit, so a file that does not change
/// keeps its locations from scan to scan.
pub fn scan_tree(
    repo: &palisade_git::Repo,
    rev: &str,
    opts: &crate::ScanOptions<'_>,
) -> Result<crate::ScanOutput, crate::ScanFailure> {
    let unknown = || palisade_git::GitError::UnknownRevision {
        rev: rev.chars().take(200).collect(),
    };
    let commit = repo.resolve_commit(rev)?.ok_or_else(unknown)?;
    let files = repo.tree_files(&commit)?.ok_or_else(unknown)?;
    let mut paths_of: HashMap<BlobId, Vec<String>> = HashMap::new();
    let mut ids = Vec::new();
    let mut skipped_too_large = 0u64;
    for f in files {
        if opts.exclude.is_match(&f.path) || !opts.analyzers.may_read(&f.path) {
            continue;
        }
        if f.size > opts.max_file_size {
            skipped_too_large += 1;
            continue;
        }
        let paths = paths_of.entry(f.id).or_default();
        if paths.is_empty() {
            ids.push(f.id);
        }
        paths.push(f.path);
    }
    let sink = AnalysisSink::default();
    let files = std::sync::atomic::AtomicU64::new(0);
    let bytes = std::sync::atomic::AtomicU64::new(0);
    let skipped_binary = std::sync::atomic::AtomicU64::new(0);
    let threads = if opts.threads == 0 {
        std::thread::available_parallelism().map_or(1, std::num::NonZero::get)
    } else {
        opts.threads
    };
    let (tx, rx) = crossbeam_channel::bounded::<(BlobId, palisade_git::BlobContent)>(threads * 4);
    let read = std::thread::scope(|s| {
        for _ in 0..threads {
            let rx = rx.clone();
            let (paths_of, sink, files, bytes, skipped_binary) =
                (&paths_of, &sink, &files, &bytes, &skipped_binary);
            s.spawn(move || {
                use std::sync::atomic::Ordering::Relaxed;
                for (id, content) in rx {
                    let Some(paths) = paths_of.get(&id) else { continue };
                    match content {
                        palisade_git::BlobContent::Bytes(content) => {
                            if crate::looks_binary(&content) {
                                skipped_binary.fetch_add(1, Relaxed);
                                continue;
                            }
                            bytes.fetch_add(content.len() as u64, Relaxed);
                            for path in paths {
                                files.fetch_add(1, Relaxed);
                                analyze_file(&opts.analyzers, path, &content, id, None, sink);
                            }
                        }
                        palisade_git::BlobContent::TooLarge(_) => {}
                        palisade_git::BlobContent::Missing => {
                            sink.error(&paths[0], "object missing from the repository");
                        }
                        palisade_git::BlobContent::Error(e) => sink.error(&paths[0], &e.to_string()),
                    }
                }
            });
        }
        drop(rx);
        let result = repo.read_blobs(&ids, opts.max_file_size, |id, content| {
            // Workers only stop when the channel closes.
            let _ = tx.send((id, content));
        });
        drop(tx);
        result
    });
    read?;
    let (hits, mut manifests, mut errors) = sink.into_parts();
    let (findings, baselined, suppressed) = hits_to_findings(hits, opts.key, opts.baseline, None);
    manifests.sort_by(|a, b| a.path.cmp(&b.path));
    errors.sort_by(|a, b| a.subject.cmp(&b.subject));
    Ok(crate::ScanOutput {
        findings,
        baselined,
        suppressed,
        files: files.into_inner(),
        bytes: bytes.into_inner(),
        blobs: ids.len() as u64,
        skipped_binary: skipped_binary.into_inner(),
        skipped_too_large,
        errors,
        manifests,
        commit: Some(commit),
    })
}
