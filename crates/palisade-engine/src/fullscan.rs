//! Managed full scans: clone (or fetch) a repository into the local cache
//! with the connector's credential in a header, scan the objects not read
//! before, record findings, scan metadata and logs.

use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant};

use palisade_ado::models::GitRef;
use palisade_domain::{
    FindingKind, FingerprintKey, ManagedState, OrgName, ScanContext, ScanError, ScanStatus, ScanSummary,
    ScanTrigger, TargetKind, Timestamp,
};
use palisade_git::{CloneCache, GitError};
use palisade_scanner::{Analyzers, NoProgress, ScanOptions};
use palisade_secrets::RuleSet;
use palisade_store::{LogLine, ManagedRepo, ScannedUpTo};
use secrecy::ExposeSecret;

use crate::jobs::{JobCtx, JobError};
use crate::{Engine, EngineError, now};

/// What scanning needs besides the store: rules, the fingerprint key, the
/// clone cache and limits.
pub struct ScanKit {
    pub rules: Arc<RuleSet>,
    pub key: FingerprintKey,
    pub cache: Arc<CloneCache>,
    pub max_file_size: u64,
    /// Scanner threads per scan (0: one per core).
    pub threads: usize,
    /// Longest a clone or fetch may take.
    pub git_timeout: Duration,
    /// Code rules for the branch tip's code scan; `None` turns code scanning off.
    pub code_rules: Option<Arc<palisade_sast::RuleSet>>,
    /// Scan the branch tip for vulnerable dependencies.
    pub dependencies: bool,
    /// Scan the branch tip for IaC and pipeline misconfigurations.
    pub iac: bool,
}

impl std::fmt::Debug for ScanKit {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ScanKit")
            .field("rules", &self.rules.rules().len())
            .field("max_file_size", &self.max_file_size)
            .finish_non_exhaustive()
    }
}

impl ScanKit {
    pub fn new(rules: RuleSet, key: FingerprintKey, cache_dir: PathBuf) -> Result<Self, EngineError> {
        let cache = CloneCache::new(cache_dir)
            .map_err(|e| EngineError::Invalid(format!("cannot use the clone cache: {e}")))?;
        Ok(Self {
            rules: Arc::new(rules),
            key,
            cache: Arc::new(cache),
            max_file_size: palisade_scanner::DEFAULT_MAX_FILE_SIZE,
            threads: 0,
            git_timeout: Duration::from_mins(30),
            code_rules: None,
            dependencies: true,
            iac: true,
        })
    }

    /// Adds the built-in code rules (compiling them takes a moment, once).
    pub fn with_builtin_code_rules(mut self) -> Result<Self, EngineError> {
        let rules = palisade_sast::RuleSet::builtin()
            .map_err(|e| EngineError::Invalid(format!("built-in code rules: {e}")))?;
        self.code_rules = Some(Arc::new(rules));
        Ok(self)
    }

    /// The analyzers a branch tip is read with (secrets come from history).
    pub(crate) fn tip_analyzers(&self) -> Analyzers<'_> {
        Analyzers {
            secrets: false,
            dependencies: self.dependencies,
            iac: self.iac,
            code: self.code_rules.as_deref(),
        }
    }
}

/// A scan's log as it is written: our own messages only, never content.
#[derive(Debug, Default)]
pub(crate) struct ScanLog(Vec<LogLine>);

impl ScanLog {
    pub(crate) fn info(&mut self, message: impl Into<String>) {
        self.push("info", message.into());
    }

    pub(crate) fn warn(&mut self, message: impl Into<String>) {
        self.push("warn", message.into());
    }

    pub(crate) fn error(&mut self, message: impl Into<String>) {
        self.push("error", message.into());
    }

    fn push(&mut self, level: &str, message: String) {
        self.0.push(LogLine {
            at: now(),
            level: level.to_owned(),
            message,
        });
    }

    pub(crate) fn lines(&self) -> &[LogLine] {
        &self.0
    }
}

/// The clone URL without user info (`org@dev.azure.com`): the credential
/// travels in a header, and git must not prompt for a user's password.
pub(crate) fn clean_remote(url: &str) -> String {
    match url.split_once("://") {
        Some((scheme, rest)) => {
            let (authority, path) = rest.split_once('/').map_or((rest, ""), |(a, p)| (a, p));
            let host = authority.rsplit_once('@').map_or(authority, |(_, h)| h);
            if path.is_empty() {
                format!("{scheme}://{host}")
            } else {
                format!("{scheme}://{host}/{path}")
            }
        }
        None => url.to_owned(),
    }
}

/// Classifies a git failure for the repository's status and the retry decision.
pub(crate) fn git_job_error(e: &GitError) -> JobError {
    match e {
        GitError::RemoteAuth(_) => JobError::permanent(format!(
            "Azure DevOps refused the credential for git ({e}); update the connector's credential"
        )),
        GitError::RemoteNotFound(_) => JobError::permanent(format!(
            "the repository no longer exists in Azure DevOps or is not visible to the connector ({e})"
        )),
        GitError::DiskFull(_) => JobError::transient(format!("the clone cache is out of disk space ({e})")),
        GitError::Timeout(_) => JobError::transient(format!("git timed out ({e})")),
        // Locking, moving or deleting cache entries (a cache folder made
        // read-only or replaced, say): name the cache, not just the path.
        GitError::Io { .. } => JobError::transient(format!("the clone cache cannot be used ({e})")),
        _ => JobError::transient(e.to_string()),
    }
}

pub(crate) fn new_summary(
    target: String,
    rules: &RuleSet,
    context: ScanContext,
    started: Timestamp,
) -> ScanSummary {
    ScanSummary::started(
        uuid_v7(),
        target,
        TargetKind::GitHistory,
        rules.version().to_owned(),
        u32::try_from(rules.rules().len()).unwrap_or(u32::MAX),
        started,
        Some(context),
    )
}

/// Marks a scan failed with `message`, in its log and its errors.
pub(crate) fn mark_failed(summary: &mut ScanSummary, log: &mut ScanLog, message: &str) {
    log.error(message.to_owned());
    summary.status = ScanStatus::Failed;
    summary.errors.push(ScanError {
        subject: summary.target.clone(),
        message: message.to_owned(),
    });
}

pub(crate) fn uuid_v7() -> String {
    palisade_store::JobId::generate().to_string()
}

pub(crate) fn scan_options<'a>(kit: &'a ScanKit, exclude: &'a globset::GlobSet) -> ScanOptions<'a> {
    ScanOptions {
        rules: &kit.rules,
        key: &kit.key,
        max_file_size: kit.max_file_size,
        respect_ignore: false,
        follow_symlinks: false,
        exclude,
        allowlist: &[],
        baseline: None,
        show_secrets: false,
        threads: kit.threads,
        analyzers: Analyzers::SECRETS,
    }
}

impl Engine {
    pub(crate) fn kit(&self) -> Result<&Arc<ScanKit>, JobError> {
        self.scan_kit
            .as_ref()
            .ok_or_else(|| JobError::permanent("this process cannot scan: it was started without a scanner"))
    }

    /// The managed repository a job names, with its connector's record.
    pub(crate) async fn job_repo(
        &self,
        org: &str,
        repo_id: &str,
    ) -> Result<(OrgName, ManagedRepo, Option<palisade_store::ConnectorRecord>), JobError> {
        let org =
            OrgName::parse(org).map_err(|e| JobError::permanent(format!("bad organization in job: {e}")))?;
        let repo = match self.store.get_managed_repo(&org, repo_id).await {
            Ok(r) => r,
            Err(palisade_store::StoreError::NotFound(_)) => {
                return Err(JobError::permanent(format!(
                    "repository {repo_id} of {org} is not managed any more"
                )));
            }
            Err(e) => return Err(e.into()),
        };
        let record = match &repo.connector {
            Some(id) => match self.store.get_connector(id.as_str()).await {
                Ok(r) => Some(r),
                Err(palisade_store::StoreError::NotFound(_)) => None,
                Err(e) => return Err(e.into()),
            },
            None => None,
        };
        Ok((org, repo, record))
    }

    /// The `Authorization: ...` header git sends (through its environment
    /// only) for the connector's identity.
    pub(crate) async fn git_header(
        &self,
        record: &palisade_store::ConnectorRecord,
        org: &OrgName,
    ) -> Result<secrecy::SecretString, JobError> {
        let client = self.client(record, org).await?;
        let value = client.git_auth_header().await.map_err(EngineError::from)?;
        Ok(secrecy::SecretString::from(format!(
            "Authorization: {}",
            value.expose_secret()
        )))
    }

    pub(crate) async fn full_scan(
        &self,
        ctx: &JobCtx,
        org: &str,
        repo_id: &str,
        trigger: ScanTrigger,
        from_scratch: bool,
    ) -> Result<(), JobError> {
        let kit = Arc::clone(self.kit()?);
        let (org, repo, record) = self.job_repo(org, repo_id).await?;
        if repo.state != ManagedState::Enabled || !repo.full_scans {
            tracing::info!(repo = %repo.name, state = repo.state.as_str(), "full scans are off for the repository; skipped");
            return Ok(());
        }
        let Some(record) = record else {
            return Err(JobError::permanent(format!(
                "repository {}/{} has no connector (revoked); connect its organization again",
                repo.project, repo.name
            )));
        };
        if !from_scratch && self.scanned_since(&repo, ctx.job.created_at).await? {
            // Queued twice (a batch topped up while a worker finished the
            // repository): a scan that began after this job was queued did its work.
            tracing::info!(repo = %repo.name, "scanned since the job was queued; skipped");
            return Ok(());
        }
        // Objects read with other rules must be read again.
        let rules_changed = repo.scanned_rules.as_deref() != Some(kit.rules.version());
        let since = if from_scratch || rules_changed {
            Vec::new()
        } else {
            repo.scanned_tips.clone()
        };
        let context = ScanContext {
            connector: record.id.to_string(),
            org: org.to_string(),
            repo_id: repo.repo_id.clone(),
            repo_name: format!("{}/{}", repo.project, repo.name),
            branch: repo.default_branch.clone(),
            trigger,
            job: Some(ctx.job.id.to_string()),
            pull_request: None,
            incremental: !since.is_empty(),
        };
        let started = now();
        let clock = Instant::now();
        let mut summary = new_summary(repo.target.clone(), &kit.rules, context, started);
        let mut log = ScanLog::default();
        if !since.is_empty() {
            // Asking ADO for the ref tips is one request; a fetch that finds
            // nothing new costs git a negotiation and a server process.
            let client = self.client(&record, &org).await?;
            match client.branch_and_tag_tips(&repo.project_id, &repo.repo_id).await {
                Ok(refs) => {
                    if let Some(tips) = unchanged_tips(&refs, &since) {
                        return self
                            .record_unchanged(ctx, &org, &repo, summary, log, clock, &tips, &refs)
                            .await;
                    }
                }
                // The fetch below finds out for itself.
                Err(e) => log.warn(format!(
                    "could not list the repository's refs, fetching instead: {e}"
                )),
            }
        }
        // A scan runs (and shows as running) only once it holds a slot; the
        // credential is taken after the wait, so a token cannot expire in it.
        let _slot = ctx.scan_slot().await?;
        self.store.begin_scan(&summary).await?;
        log.info(format!(
            "full scan of {}/{} ({}), trigger {}, attempt {}",
            repo.project,
            repo.name,
            repo.web_url,
            trigger.as_str(),
            ctx.job.attempts
        ));
        if since.is_empty() && rules_changed && !repo.scanned_tips.is_empty() {
            log.info("the rules changed since the last scan: reading the whole history again");
        } else if since.is_empty() {
            log.info("reading the whole history");
        } else {
            log.info(format!(
                "reading objects new since {} known ref tips",
                since.len()
            ));
        }

        let result = async {
            let header = self.git_header(&record, &org).await?;
            let remote = clean_remote(&repo.remote_url);
            let key = repo.repo_id.clone();
            let kit2 = Arc::clone(&kit);
            let since2 = since.clone();
            let branch = repo.default_branch.clone();
            tokio::task::spawn_blocking(move || {
                let synced = kit2
                    .cache
                    .sync(&key, &remote, Some(header.expose_secret()), kit2.git_timeout)
                    .map_err(|e| git_job_error(&e))?;
                let tips = synced.repo.ref_tips().map_err(|e| git_job_error(&e))?;
                let exclude = globset::GlobSet::empty();
                let mut out = palisade_scanner::scan_repo(
                    &synced.repo,
                    &since2,
                    &scan_options(&kit2, &exclude),
                    &NoProgress,
                )
                .map_err(|e| JobError::transient(format!("scan failed: {e}")))?;
                let tip = tip_scan(&kit2, &synced.repo, branch.as_deref(), &exclude)?;
                if let Some(tip) = &tip {
                    out.findings.extend(tip.findings.iter().cloned());
                    out.errors.extend(tip.errors.iter().cloned());
                    out.manifests.clone_from(&tip.manifests);
                }
                Ok::<_, JobError>((synced, tips, out, tip.is_some()))
            })
            .await
            .map_err(|e| JobError::transient(format!("scan task failed: {e}")))?
        }
        .await;

        summary.duration_ms = u64::try_from(clock.elapsed().as_millis()).unwrap_or(u64::MAX);
        summary.finished_at = Some(now());
        let (synced, tips, mut out, tip_scanned) = match result {
            Ok(v) => v,
            Err(e) => {
                mark_failed(&mut summary, &mut log, &e.message);
                ctx.confirm_lease(self).await?;
                self.store.record_scan(&summary, &[], &[]).await?;
                self.store.append_scan_log(&summary.id, log.lines()).await?;
                self.store
                    .record_repo_scan(
                        &org,
                        &repo.repo_id,
                        &summary.id,
                        ScanStatus::Failed,
                        None,
                        Some(&e.message),
                        now(),
                    )
                    .await?;
                return Err(e);
            }
        };
        log.info(format!(
            "{} ({} bytes in cache, fetch took {} ms)",
            if synced.cloned {
                "cloned"
            } else if synced.recloned_after_corruption {
                "cache was damaged: cloned again"
            } else {
                "fetched"
            },
            synced.bytes_on_disk,
            synced.fetch_duration.as_millis()
        ));
        if tip_scanned {
            self.add_dependency_findings(&kit, &mut out, &mut log).await?;
        }
        let mut tip_ids: Vec<String> = tips.into_iter().map(|(_, c)| c).collect();
        tip_ids.sort();
        tip_ids.dedup();
        summary.commit.clone_from(&out.commit);
        summary.files = out.files;
        summary.bytes = out.bytes;
        summary.blobs = out.blobs;
        summary.skipped_binary = out.skipped_binary;
        summary.skipped_too_large = out.skipped_too_large;
        summary.findings = out.findings.len() as u64;
        summary.suppressed = out.suppressed;
        summary.errors.clone_from(&out.errors);
        summary.status = if out.errors.is_empty() {
            ScanStatus::Completed
        } else {
            ScanStatus::CompletedWithErrors
        };
        if tip_ids.is_empty() {
            log.info("the repository is empty (no branches)");
        }
        for e in &out.errors {
            log.warn(format!("{}: {}", e.subject, e.message));
        }
        log.info(format!(
            "scanned {} blobs ({} bytes) in {} ms: {} findings",
            out.blobs,
            out.bytes,
            summary.duration_ms,
            out.findings.len()
        ));
        ctx.confirm_lease(self).await?;
        // Only a scan of the whole history may conclude that a secret's
        // location is gone; the tip's analyzers read the whole tip each time.
        let mut complete = Vec::new();
        if since.is_empty() {
            complete.push(FindingKind::Secret);
        }
        if tip_scanned {
            complete.extend(kit.tip_analyzers().kinds());
        }
        self.store.record_scan(&summary, &out.findings, &complete).await?;
        self.store.append_scan_log(&summary.id, log.lines()).await?;
        self.store
            .record_repo_scan(
                &org,
                &repo.repo_id,
                &summary.id,
                summary.status,
                Some(ScannedUpTo {
                    tips: &tip_ids,
                    rules_version: kit.rules.version(),
                }),
                None,
                now(),
            )
            .await?;
        Ok(())
    }
}

impl Engine {
    /// Whether the repository's last scan succeeded and began after `at`.
    async fn scanned_since(&self, repo: &ManagedRepo, at: Timestamp) -> Result<bool, JobError> {
        let (Some(id), Some(status)) = (&repo.last_scan_id, repo.last_status) else {
            return Ok(false);
        };
        if !matches!(status, ScanStatus::Completed | ScanStatus::CompletedWithErrors) {
            return Ok(false);
        }
        match self.store.get_scan(id).await {
            Ok(scan) => Ok(scan.started_at > at),
            Err(palisade_store::StoreError::NotFound(_)) => Ok(false),
            Err(e) => Err(e.into()),
        }
    }
}

/// The remote's branch and tag tips (annotated tags peeled), sorted, when
/// every one of them was read already: then there is nothing new to scan.
/// `None` when anything is new, or the repository has no refs at all (an
/// emptied repository goes the long way, which records that).
fn unchanged_tips(refs: &[GitRef], scanned: &[String]) -> Option<Vec<String>> {
    let known: std::collections::HashSet<String> = scanned.iter().map(|t| t.to_ascii_lowercase()).collect();
    let mut tips = Vec::with_capacity(refs.len());
    for r in refs {
        let id = r.peeled_object_id.as_deref().or(r.object_id.as_deref())?;
        let id = id.to_ascii_lowercase();
        if !known.contains(&id) {
            return None;
        }
        tips.push(id);
    }
    tips.sort();
    tips.dedup();
    (!tips.is_empty()).then_some(tips)
}

impl Engine {
    /// Records a scan that found every ref where the last one left it.
    #[allow(clippy::too_many_arguments)]
    async fn record_unchanged(
        &self,
        ctx: &JobCtx,
        org: &OrgName,
        repo: &ManagedRepo,
        mut summary: ScanSummary,
        mut log: ScanLog,
        clock: Instant,
        tips: &[String],
        refs: &[GitRef],
    ) -> Result<(), JobError> {
        let kit = self.kit()?;
        summary.commit = repo
            .default_branch
            .as_ref()
            .and_then(|b| {
                let name = format!("refs/heads/{b}");
                refs.iter().find(|r| r.name == name)
            })
            .and_then(|r| r.object_id.clone());
        summary.status = ScanStatus::Completed;
        summary.duration_ms = u64::try_from(clock.elapsed().as_millis()).unwrap_or(u64::MAX);
        summary.finished_at = Some(now());
        log.info(format!(
            "no new commits: the {} ref tips Azure DevOps lists were all read before; nothing to fetch or scan",
            tips.len()
        ));
        // Advisories change while code does not: the tip's manifests (from
        // the cached clone, no fetch) are matched again against today's.
        let mut findings = Vec::new();
        let mut complete = Vec::new();
        if let (true, Some(branch)) = (kit.dependencies, repo.default_branch.clone()) {
            let kit2 = Arc::clone(kit);
            let key = repo.repo_id.clone();
            let read = tokio::task::spawn_blocking(move || {
                let Some(cached) = kit2.cache.open(&key) else {
                    return Ok(None);
                };
                let exclude = globset::GlobSet::empty();
                let opts = ScanOptions {
                    analyzers: Analyzers {
                        secrets: false,
                        dependencies: true,
                        iac: false,
                        code: None,
                    },
                    ..scan_options(&kit2, &exclude)
                };
                palisade_scanner::scan_tree(&cached, &format!("refs/heads/{branch}"), &opts).map(Some)
            })
            .await
            .map_err(|e| JobError::transient(format!("scan task failed: {e}")))?;
            match read {
                Ok(Some(mut out)) => {
                    self.add_dependency_findings(kit, &mut out, &mut log).await?;
                    findings = out.findings;
                    complete.push(FindingKind::Dependency);
                }
                Ok(None) => log.info("no cached clone: dependencies are matched again at the next change"),
                Err(e) => log.warn(format!("could not read the cached clone's manifests: {e}")),
            }
        }
        summary.findings = findings.len() as u64;
        ctx.confirm_lease(self).await?;
        self.store.record_scan(&summary, &findings, &complete).await?;
        self.store.append_scan_log(&summary.id, log.lines()).await?;
        self.store
            .record_repo_scan(
                org,
                &repo.repo_id,
                &summary.id,
                summary.status,
                Some(ScannedUpTo {
                    tips,
                    rules_version: kit.rules.version(),
                }),
                None,
                now(),
            )
            .await?;
        Ok(())
    }
}

/// Reads the default branch's tip with the file analyzers, `None` when the
/// repository has no default branch or no analyzer is on.
fn tip_scan(
    kit: &ScanKit,
    repo: &palisade_git::Repo,
    branch: Option<&str>,
    exclude: &globset::GlobSet,
) -> Result<Option<palisade_scanner::ScanOutput>, JobError> {
    let analyzers = kit.tip_analyzers();
    let Some(branch) = branch else {
        return Ok(None);
    };
    if analyzers.kinds().is_empty()
        || repo
            .resolve_commit(&format!("refs/heads/{branch}"))
            .ok()
            .flatten()
            .is_none()
    {
        return Ok(None);
    }
    let opts = ScanOptions {
        analyzers,
        ..scan_options(kit, exclude)
    };
    palisade_scanner::scan_tree(repo, &format!("refs/heads/{branch}"), &opts)
        .map(Some)
        .map_err(|e| JobError::transient(format!("scan of {branch} failed: {e}")))
}

impl Engine {
    /// Matches the manifests a scan read against the store's advisories.
    pub(crate) async fn add_dependency_findings(
        &self,
        kit: &ScanKit,
        out: &mut palisade_scanner::ScanOutput,
        log: &mut ScanLog,
    ) -> Result<(), JobError> {
        let packages = palisade_scanner::manifest_packages(&out.manifests);
        if packages.is_empty() {
            return Ok(());
        }
        let records = self.store.advisories_for(&packages).await?;
        let (advisories, unreadable) = palisade_advisories::parse_records(records.iter().map(String::as_str));
        for e in unreadable {
            log.warn(format!("a stored advisory cannot be read: {e}"));
        }
        let index = palisade_advisories::AdvisoryIndex::new(advisories);
        let (findings, _, _) =
            palisade_scanner::dependency_findings(&out.manifests, &index, &kit.key, None, None);
        log.info(format!(
            "{} dependencies in {} manifests: {} vulnerable",
            packages.len(),
            out.manifests.len(),
            findings.len()
        ));
        out.findings.extend(findings);
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn remote_loses_user_info() {
        assert_eq!(
            clean_remote("https://contoso@dev.azure.com/contoso/Web/_git/api"),
            "https://dev.azure.com/contoso/Web/_git/api"
        );
        assert_eq!(
            clean_remote("http://127.0.0.1:8080/tfs/c/p/_git/r"),
            "http://127.0.0.1:8080/tfs/c/p/_git/r"
        );
        assert_eq!(clean_remote("https://a:b@host"), "https://host");
    }

    fn git_ref(name: &str, id: &str, peeled: Option<&str>) -> GitRef {
        serde_json::from_value(serde_json::json!({
            "name": name, "objectId": id, "peeledObjectId": peeled,
        }))
        .expect("ref")
    }

    #[test]
    fn unchanged_only_when_every_tip_was_read() {
        let (a, b, t) = ("a".repeat(40), "B".repeat(40), "c".repeat(40));
        let scanned = vec![a.clone(), b.to_ascii_lowercase()];
        let refs = vec![
            git_ref("refs/heads/main", &a, None),
            git_ref("refs/tags/v1", &t, Some(&b)),
        ];
        assert_eq!(
            unchanged_tips(&refs, &scanned),
            Some(vec![a.clone(), b.to_ascii_lowercase()])
        );
        // A deleted branch changes nothing to read.
        assert_eq!(unchanged_tips(&refs[..1], &scanned), Some(vec![a.clone()]));
        // A tag on an unread commit, a moved branch, or no refs at all: read.
        let new_tag = git_ref("refs/tags/v2", &t, None);
        assert_eq!(unchanged_tips(&[refs[0].clone(), new_tag], &scanned), None);
        assert_eq!(
            unchanged_tips(&[git_ref("refs/heads/main", &t, None)], &scanned),
            None
        );
        assert_eq!(unchanged_tips(&[], &scanned), None);
        let no_id: GitRef = serde_json::from_value(serde_json::json!({"name": "refs/heads/x"})).expect("ref");
        assert_eq!(unchanged_tips(&[no_id], &scanned), None);
    }
}
