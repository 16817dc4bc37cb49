//! Diff-aware pull-request scans: only what the PR changes against its
//! merge base, only findings on changed lines; one summary comment edited in
//! place, one thread per finding (capped, never repeated, resolved when the
//! finding goes away) and a `palisade/security` status. A scanner failure
//! fails open: the status says palisade could not scan, it never blocks.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::sync::Arc;
use std::time::Instant;

use palisade_ado::models::git::{
    CommentThreadStatus, GitStatusContext, GitStatusState, NewPullRequestStatus, NewThread,
};
use palisade_domain::{
    Finding, FindingDetails, FindingKind, ManagedState, ScanContext, ScanStatus, ScanTrigger, Severity,
    TriageState,
};
use palisade_scanner::NoProgress;
use palisade_store::{PrState, PrThread};
use secrecy::ExposeSecret;

use crate::fullscan::{ScanLog, clean_remote, git_job_error, new_summary};
use crate::jobs::{JobCtx, JobError};
use crate::{Engine, now};

/// Status context: shown by ADO as `palisade/security`.
pub const STATUS_GENRE: &str = "palisade";
pub const STATUS_NAME: &str = "security";

/// One finding location on a changed line.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct LineFinding {
    pub key: String,
    pub kind: FindingKind,
    pub severity: Severity,
    pub rule_id: String,
    pub rule_name: String,
    pub preview: String,
    pub path: String,
    pub line: u32,
    /// What to do, for kinds other than secrets: the rule's message, or the
    /// fixed version of a dependency.
    pub advice: Option<String>,
}

/// Every (finding, location) pair, most severe first, then by path and line.
pub(crate) fn line_findings(findings: &[Finding]) -> Vec<LineFinding> {
    let mut out: Vec<LineFinding> = findings
        .iter()
        .flat_map(|f| {
            f.locations.iter().map(move |l| LineFinding {
                key: format!("{}:{}:{}", f.id, l.path, l.line),
                kind: f.kind,
                advice: advice_of(f),
                severity: f.severity,
                rule_id: f.rule_id.to_string(),
                rule_name: f.rule_name.clone(),
                preview: f.preview.clone(),
                path: l.path.clone(),
                line: l.line,
            })
        })
        .collect();
    out.sort_by(|a, b| {
        b.severity
            .cmp(&a.severity)
            .then_with(|| a.path.cmp(&b.path))
            .then(a.line.cmp(&b.line))
            .then_with(|| a.key.cmp(&b.key))
    });
    out.dedup_by(|a, b| a.key == b.key);
    out
}

/// What to do with the PR's threads.
#[derive(Debug, Default, PartialEq, Eq)]
pub(crate) struct ThreadPlan {
    /// Findings that get a new thread.
    pub create: Vec<LineFinding>,
    /// Threads of findings seen again after being resolved.
    pub reopen: Vec<i64>,
    /// Threads whose finding went away.
    pub resolve: Vec<i64>,
    /// Findings left without a thread by the cap.
    pub over_cap: usize,
}

/// Plans thread changes: never two threads for one finding location, at
/// most `cap` open at once.
pub(crate) fn plan_threads(state: &PrState, current: &[LineFinding], cap: usize) -> ThreadPlan {
    let mut plan = ThreadPlan::default();
    let by_key: BTreeMap<&str, &PrThread> = state.threads.iter().map(|t| (t.key.as_str(), t)).collect();
    let current_keys: std::collections::HashSet<&str> = current.iter().map(|f| f.key.as_str()).collect();
    for t in &state.threads {
        if !t.resolved && !current_keys.contains(t.key.as_str()) {
            plan.resolve.push(t.thread_id);
        }
    }
    let mut open = 0usize;
    for f in current {
        if let Some(t) = by_key.get(f.key.as_str()) {
            open += 1;
            if t.resolved {
                plan.reopen.push(t.thread_id);
            }
        }
    }
    for f in current {
        if by_key.contains_key(f.key.as_str()) {
            continue;
        }
        if open >= cap {
            plan.over_cap += 1;
            continue;
        }
        open += 1;
        plan.create.push(f.clone());
    }
    plan
}

fn severity_counts(findings: &[LineFinding]) -> BTreeMap<Severity, usize> {
    let mut m = BTreeMap::new();
    for f in findings {
        *m.entry(f.severity).or_insert(0) += 1;
    }
    m
}

/// The kinds a pull request's scan covers: it reads every changed line, so
/// it is complete for each (the PR is its own target).
fn pr_kinds(kit: &crate::ScanKit) -> Vec<FindingKind> {
    let mut kinds = vec![FindingKind::Secret];
    kinds.extend(kit.tip_analyzers().kinds());
    kinds
}

/// What a thread tells the author to do about a finding that is not a secret.
fn advice_of(f: &Finding) -> Option<String> {
    match f.details.as_ref()? {
        FindingDetails::Dependency(d) => Some(match &d.fixed {
            Some(v) => format!(
                "{} ({}): upgrade {} to {v} or later.",
                d.advisory,
                d.aliases.join(", "),
                d.package
            ),
            None => format!(
                "{} ({}): no fixed version is known.",
                d.advisory,
                d.aliases.join(", ")
            ),
        }),
        FindingDetails::Rule(r) => Some(r.message.clone()),
    }
}

/// The summary comment (markdown). Secrets appear only as redacted previews.
pub(crate) fn summary_markdown(
    findings: &[LineFinding],
    head: &str,
    threshold: Severity,
    over_cap: usize,
) -> String {
    let mut s = String::from("### palisade security scan\n\n");
    if findings.is_empty() {
        let _ = writeln!(s, "No findings on the lines this pull request changes.");
    } else {
        let counts = severity_counts(findings);
        let parts: Vec<String> = counts.iter().rev().map(|(sev, n)| format!("{n} {sev}")).collect();
        let _ = writeln!(
            s,
            "**{} finding(s)** on changed lines: {}.\n",
            findings.len(),
            parts.join(", ")
        );
        let _ = writeln!(s, "| Severity | Rule | Location | What |\n|---|---|---|---|");
        for f in findings.iter().take(50) {
            let _ = writeln!(
                s,
                "| {} | {} (`{}`) | `{}:{}` | `{}` |",
                f.severity,
                md_safe(&f.rule_name, 100),
                md_safe(&f.rule_id, 100),
                md_safe(&f.path, 200),
                f.line,
                md_safe(&f.preview, 40)
            );
        }
        if findings.len() > 50 {
            let _ = writeln!(s, "\n… and {} more.", findings.len() - 50);
        }
        if over_cap > 0 {
            let _ = writeln!(
                s,
                "\n{over_cap} finding(s) have no comment thread: the per-PR thread limit was reached."
            );
        }
    }
    let _ = write!(
        s,
        "\n<sub>Commit {}. The status fails at {} or above.</sub>",
        &head[..head.len().min(12)],
        threshold
    );
    s
}

/// Text from a repository (a path, a rule name) made safe inside a markdown
/// table cell or code span: no control characters (no new lines to start
/// new markdown), no pipes or backticks, at most `max` characters.
fn md_safe(text: &str, max: usize) -> String {
    let mut out: String = text
        .chars()
        .map(|c| {
            if c.is_control() || c == '|' || c == '`' {
                '_'
            } else {
                c
            }
        })
        .take(max)
        .collect();
    if text.chars().count() > max {
        out.push('…');
    }
    out
}

fn thread_markdown(f: &LineFinding) -> String {
    let what = match f.kind {
        FindingKind::Secret => None,
        FindingKind::Dependency => Some("A dependency with a known vulnerability is added on this line"),
        FindingKind::Iac => Some("A misconfiguration is added on this line"),
        FindingKind::Code => Some("A code flaw is added on this line"),
    };
    if let Some(what) = what {
        return format!(
            "**palisade** · {} · {} (`{}`)\n\n{what}: `{}`.\n\n{}\n\n\
             If it is not a problem here, triage the finding in palisade.",
            f.severity,
            md_safe(&f.rule_name, 100),
            md_safe(&f.rule_id, 100),
            md_safe(&f.preview, 80),
            md_safe(f.advice.as_deref().unwrap_or_default(), 400)
        );
    }
    format!(
        "**palisade** · {} · {} (`{}`)\n\nA secret is added on this line: `{}`.\n\n\
         Remove it from the code and **rotate it**: it is in the branch history now. \
         If it is not a secret, triage the finding in palisade.",
        f.severity,
        md_safe(&f.rule_name, 100),
        md_safe(&f.rule_id, 100),
        md_safe(&f.preview, 40)
    )
}

/// The cached repository, holding the pull request's commits. A pull
/// request from a fork has its source commits in no branch of the target:
/// they come with `refs/pull/{id}/merge`, the merge commit ADO keeps in the
/// target repository (second parent: the source tip).
#[expect(clippy::too_many_arguments, reason = "one fetch names its whole subject")]
fn with_pr_commits(
    kit: &crate::ScanKit,
    repo: palisade_git::Repo,
    key: &str,
    remote: &str,
    header: &str,
    pr_id: i64,
    base: &str,
    head: &str,
    notes: &mut Vec<String>,
) -> Result<palisade_git::Repo, JobError> {
    let present = |repo: &palisade_git::Repo| -> Result<bool, JobError> {
        let has = |id: &str| repo.commit_exists(id).map_err(|e| git_job_error(&e));
        Ok(has(base)? && has(head)?)
    };
    if present(&repo)? {
        return Ok(repo);
    }
    let name = format!("refs/pull/{pr_id}/merge");
    let repo = match kit
        .cache
        .fetch_ref(key, remote, Some(header), &name, kit.git_timeout)
    {
        Ok(fetched) => {
            notes.push(format!(
                "the source commit is on no branch of the repository (a pull request from a fork): \
                 fetched {name} ({})",
                &fetched.commit[..fetched.commit.len().min(12)]
            ));
            fetched.repo
        }
        // Closed, or its branches conflict: ADO keeps no merge commit.
        Err(palisade_git::GitError::RemoteRefNotFound { .. }) => {
            notes.push(format!("the repository has no {name}"));
            repo
        }
        Err(e) => return Err(git_job_error(&e)),
    };
    if present(&repo)? {
        return Ok(repo);
    }
    let missing = if repo.commit_exists(head).map_err(|e| git_job_error(&e))? {
        format!("target commit {}", &base[..base.len().min(12)])
    } else {
        format!("source commit {}", &head[..head.len().min(12)])
    };
    Err(JobError::transient(format!(
        "the pull request's {missing} is not in the repository nor in {name}"
    )))
}

impl Engine {
    pub(crate) async fn pr_scan(
        &self,
        ctx: &JobCtx,
        org: &str,
        repo_id: &str,
        pr_id: i64,
    ) -> Result<(), JobError> {
        let kit = Arc::clone(self.kit()?);
        let (org, repo, record) = self.job_repo(org, repo_id).await?;
        if repo.state != ManagedState::Enabled || !repo.pr_scans {
            return Ok(());
        }
        let Some(record) = record else {
            return Err(JobError::permanent("the repository's connector was revoked"));
        };
        let settings = self.store.scan_settings(&record.id).await?;
        let client = self.client(&record, &org).await?;
        let pr = client
            .pull_request(&repo.project_id, &repo.repo_id, pr_id)
            .await
            .map_err(crate::EngineError::from)?;
        if !pr
            .status
            .as_deref()
            .unwrap_or("active")
            .eq_ignore_ascii_case("active")
        {
            return Ok(());
        }
        // Jobs of one PR differ by source commit, so two can run at once: only
        // the claim holder reads the state and posts, or both would post the
        // same threads. The claim lapses with this job's lease.
        if !self
            .store
            .claim_pr(&org, &repo.repo_id, pr_id, &ctx.job.id, now())
            .await?
        {
            return Err(JobError::transient(format!(
                "another scan of pull request {pr_id} is reporting; this one runs after it"
            )));
        }
        let (Some(head), Some(base)) = (pr.source_commit(), pr.target_commit()) else {
            return Err(JobError::transient("the pull request has no merge commits yet"));
        };
        // Commit ids from ADO reach git commands: only 40 hex digits pass.
        let is_oid = |s: &str| s.len() == 40 && s.bytes().all(|b| b.is_ascii_hexdigit());
        if !is_oid(head) || !is_oid(base) {
            return Err(JobError::permanent(format!(
                "pull request {pr_id} names commits that are not commit ids"
            )));
        }
        let (head, base) = (head.to_ascii_lowercase(), base.to_ascii_lowercase());
        let mut state = self.store.pr_state(&org, &repo.repo_id, pr_id).await?;
        if state.last_head.as_deref() == Some(head.as_str()) {
            // Scanned and reported already: a replayed event, or a retry after the report.
            return Ok(());
        }
        let status = |state: GitStatusState, description: String| NewPullRequestStatus {
            state,
            description: Some(description),
            context: GitStatusContext {
                name: STATUS_NAME.to_owned(),
                genre: Some(STATUS_GENRE.to_owned()),
            },
            target_url: None,
            iteration_id: None,
        };
        client
            .create_pr_status(
                &repo.project_id,
                &repo.repo_id,
                pr_id,
                &status(GitStatusState::Pending, "palisade is scanning the changes".into()),
            )
            .await
            .map_err(crate::EngineError::from)?;

        // From here on every exit leaves a final status: never a PR pending for ever.
        let handed_over = std::sync::atomic::AtomicBool::new(false);
        let result = async {
            let context = ScanContext {
                connector: record.id.to_string(),
                org: org.to_string(),
                repo_id: repo.repo_id.clone(),
                repo_name: format!("{}/{}", repo.project, repo.name),
                branch: pr
                    .source_ref_name
                    .clone()
                    .map(|b| b.trim_start_matches("refs/heads/").to_owned()),
                trigger: ScanTrigger::PullRequest,
                job: Some(ctx.job.id.to_string()),
                pull_request: Some(pr_id),
                incremental: true,
            };
            let clock = Instant::now();
            let mut summary = new_summary(format!("{}!pr/{pr_id}", repo.target), &kit.rules, context, now());
            summary.commit = Some(head.clone());
            // Running only once it holds a slot; the credential is taken after the wait.
            let _slot = ctx.scan_slot().await?;
            self.store.begin_scan(&summary).await?;
            let mut log = ScanLog::default();
            log.info(format!(
                "pull request {pr_id} of {}/{}: {} against {}",
                repo.project,
                repo.name,
                &head[..head.len().min(12)],
                &base[..base.len().min(12)]
            ));

            let scanned = async {
                let header = self.git_header(&record, &org).await?;
                let remote = clean_remote(&repo.remote_url);
                let (key, kit2, head2, base2) =
                    (repo.repo_id.clone(), Arc::clone(&kit), head.clone(), base.clone());
                tokio::task::spawn_blocking(move || {
                    let mut notes = Vec::new();
                    let scanned = (|| {
                        let synced = kit2
                            .cache
                            .sync(&key, &remote, Some(header.expose_secret()), kit2.git_timeout)
                            .map_err(|e| git_job_error(&e))?;
                        let repo = with_pr_commits(
                            &kit2,
                            synced.repo,
                            &key,
                            &remote,
                            header.expose_secret(),
                            pr_id,
                            &base2,
                            &head2,
                            &mut notes,
                        )?;
                        let exclude = globset::GlobSet::empty();
                        let opts = palisade_scanner::ScanOptions {
                            analyzers: palisade_scanner::Analyzers {
                                secrets: true,
                                ..kit2.tip_analyzers()
                            },
                            ..crate::fullscan::scan_options(&kit2, &exclude)
                        };
                        palisade_scanner::scan_changes(&repo, &base2, &head2, &opts, &NoProgress)
                            .map_err(|e| JobError::transient(format!("scan failed: {e}")))
                    })();
                    (notes, scanned)
                })
                .await
                .map_err(|e| JobError::transient(format!("scan task failed: {e}")))
            }
            .await;
            let scanned = match scanned {
                Ok((notes, scanned)) => {
                    for note in notes {
                        log.info(note);
                    }
                    scanned
                }
                Err(e) => Err(e),
            };
            summary.duration_ms = u64::try_from(clock.elapsed().as_millis()).unwrap_or(u64::MAX);
            summary.finished_at = Some(now());

            let mut out = match scanned {
                Ok(out) => out,
                Err(e) => {
                    // Fail open: say so on the PR, never block it.
                    crate::fullscan::mark_failed(&mut summary, &mut log, &e.message);
                    self.store.record_scan(&summary, &[], &[]).await?;
                    self.store.append_scan_log(&summary.id, log.lines()).await?;
                    return Err(e);
                }
            };
            self.add_dependency_findings(&kit, &mut out, &mut log).await?;
            // Findings triaged as false positive or accepted risk neither comment nor fail.
            let mut silenced = std::collections::HashSet::new();
            for f in &out.findings {
                if let Ok(stored) = self.store.get_finding(f.id).await
                    && matches!(
                        stored.state,
                        TriageState::FalsePositive | TriageState::AcceptedRisk
                    )
                {
                    silenced.insert(f.id);
                }
            }
            let reported: Vec<Finding> = out
                .findings
                .iter()
                .filter(|f| !silenced.contains(&f.id))
                .cloned()
                .collect();
            let current = line_findings(&reported);
            let failing = current
                .iter()
                .filter(|f| f.severity >= settings.pr_fail_severity)
                .count();
            summary.files = out.files;
            summary.bytes = out.bytes;
            summary.blobs = out.blobs;
            summary.findings = out.findings.len() as u64;
            summary.suppressed = out.suppressed;
            summary.errors.clone_from(&out.errors);
            summary.status = if out.errors.is_empty() {
                ScanStatus::Completed
            } else {
                ScanStatus::CompletedWithErrors
            };
            log.info(format!(
                "{} changed blobs ({} bytes): {} finding(s) on changed lines, {failing} at or above {}",
                out.blobs,
                out.bytes,
                current.len(),
                settings.pr_fail_severity
            ));

            // The PR moved on while it was scanned: the newer commit's scan reports.
            let latest = client
                .pull_request(&repo.project_id, &repo.repo_id, pr_id)
                .await
                .map_err(crate::EngineError::from)?;
            if let Some(newer) = latest.source_commit().map(str::to_ascii_lowercase)
                && newer != head
            {
                log.info("the pull request moved on during the scan: the newer commit is scanned next");
                self.queue_job_for(
                    crate::JobSpec::PrScan {
                        org: org.to_string(),
                        repo_id: repo.repo_id.clone(),
                        pull_request: pr_id,
                        source_commit: Some(newer),
                    },
                    Some(record.id.clone()),
                    None,
                )
                .await?;
                self.store
                    .record_scan(&summary, &out.findings, &pr_kinds(&kit))
                    .await?;
                self.store.append_scan_log(&summary.id, log.lines()).await?;
                return Ok(());
            }
            // A worker paused past its lease may find the claim taken over:
            // then the new holder reports, not this one.
            ctx.confirm_lease(self).await?;
            if !self
                .store
                .claim_pr(&org, &repo.repo_id, pr_id, &ctx.job.id, now())
                .await?
            {
                handed_over.store(true, std::sync::atomic::Ordering::Relaxed);
                return Err(JobError::permanent(format!(
                    "another scan of pull request {pr_id} took over its reporting"
                )));
            }
            if settings.comments_in(&repo.project) {
                let cap = settings.pr_max_threads as usize;
                let plan = plan_threads(&state, &current, cap);
                for f in &plan.create {
                    let thread = client
                        .create_pr_thread(
                            &repo.project_id,
                            &repo.repo_id,
                            pr_id,
                            &NewThread::on_lines(
                                thread_markdown(f),
                                &f.path,
                                i64::from(f.line),
                                i64::from(f.line),
                            ),
                        )
                        .await
                        .map_err(crate::EngineError::from)?;
                    state.threads.push(PrThread {
                        key: f.key.clone(),
                        thread_id: thread.id,
                        resolved: false,
                    });
                    // Saved after each thread: a retry never posts it twice.
                    self.store
                        .set_pr_state(&org, &repo.repo_id, pr_id, &state, now())
                        .await?;
                }
                for (ids, status_name, resolved) in [
                    (&plan.resolve, CommentThreadStatus::Fixed, true),
                    (&plan.reopen, CommentThreadStatus::Active, false),
                ] {
                    for id in ids {
                        client
                            .update_pr_thread_status(&repo.project_id, &repo.repo_id, pr_id, *id, status_name)
                            .await
                            .map_err(crate::EngineError::from)?;
                        for t in state.threads.iter_mut().filter(|t| t.thread_id == *id) {
                            t.resolved = resolved;
                        }
                        self.store
                            .set_pr_state(&org, &repo.repo_id, pr_id, &state, now())
                            .await?;
                    }
                }
                let body = summary_markdown(&current, &head, settings.pr_fail_severity, plan.over_cap);
                if let (Some(thread), Some(comment)) = (state.summary_thread, state.summary_comment) {
                    client
                        .update_pr_comment(&repo.project_id, &repo.repo_id, pr_id, thread, comment, &body)
                        .await
                        .map_err(crate::EngineError::from)?;
                } else {
                    {
                        let thread = client
                            .create_pr_thread(
                                &repo.project_id,
                                &repo.repo_id,
                                pr_id,
                                &NewThread {
                                    status: CommentThreadStatus::Closed,
                                    ..NewThread::general(body)
                                },
                            )
                            .await
                            .map_err(crate::EngineError::from)?;
                        state.summary_thread = Some(thread.id);
                        state.summary_comment = thread.first_comment_id();
                        self.store
                            .set_pr_state(&org, &repo.repo_id, pr_id, &state, now())
                            .await?;
                    }
                }
                log.info(format!(
                    "comments: {} thread(s) opened, {} resolved, {} reopened, {} over the cap",
                    plan.create.len(),
                    plan.resolve.len(),
                    plan.reopen.len(),
                    plan.over_cap
                ));
            } else {
                log.info("comments are off for this project");
            }
            let description = if current.is_empty() {
                "palisade: no findings on changed lines".to_owned()
            } else if failing > 0 {
                format!(
                    "palisade: {failing} finding(s) at or above {} on changed lines",
                    settings.pr_fail_severity
                )
            } else {
                format!(
                    "palisade: {} finding(s) below {} on changed lines",
                    current.len(),
                    settings.pr_fail_severity
                )
            };
            client
                .create_pr_status(
                    &repo.project_id,
                    &repo.repo_id,
                    pr_id,
                    &status(
                        if failing > 0 {
                            GitStatusState::Failed
                        } else {
                            GitStatusState::Succeeded
                        },
                        description,
                    ),
                )
                .await
                .map_err(crate::EngineError::from)?;
            ctx.confirm_lease(self).await?;
            // The PR is its own target: its findings never close the branch's.
            self.store
                .record_scan(&summary, &out.findings, &pr_kinds(&kit))
                .await?;
            self.store.append_scan_log(&summary.id, log.lines()).await?;
            state.last_head = Some(head.clone());
            self.store
                .set_pr_state(&org, &repo.repo_id, pr_id, &state, now())
                .await?;
            Ok::<(), JobError>(())
        }
        .await;
        // Fail open: say so on the PR, never block it; unless another job
        // reports on the PR now, whose status this would hide.
        if result.is_err() && !handed_over.load(std::sync::atomic::Ordering::Relaxed) && !ctx.lease_lost() {
            let _ = client
                .create_pr_status(
                    &repo.project_id,
                    &repo.repo_id,
                    pr_id,
                    &status(
                        GitStatusState::NotApplicable,
                        "palisade could not scan this pull request (scanner unavailable); not blocking"
                            .into(),
                    ),
                )
                .await;
        }
        result
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lf(key: &str, sev: Severity) -> LineFinding {
        LineFinding {
            key: key.into(),
            kind: FindingKind::Secret,
            advice: None,
            severity: sev,
            rule_id: "aws-access-key".into(),
            rule_name: "AWS access key".into(),
            preview: "AKIA****".into(),
            path: "a.txt".into(),
            line: 3,
        }
    }

    #[test]
    fn threads_are_created_once_resolved_and_reopened() {
        let none = PrState::default();
        let plan = plan_threads(&none, &[lf("a", Severity::High), lf("b", Severity::Low)], 1);
        assert_eq!(plan.create.len(), 1);
        assert_eq!(plan.over_cap, 1);
        let state = PrState {
            threads: vec![
                PrThread {
                    key: "a".into(),
                    thread_id: 1,
                    resolved: false,
                },
                PrThread {
                    key: "c".into(),
                    thread_id: 2,
                    resolved: true,
                },
            ],
            ..PrState::default()
        };
        // Updated PR, same finding: no new thread.
        assert_eq!(
            plan_threads(&state, &[lf("a", Severity::High)], 5),
            ThreadPlan::default()
        );
        // Finding gone: its thread is resolved.
        assert_eq!(plan_threads(&state, &[], 5).resolve, vec![1]);
        // A resolved finding back: reopened, not duplicated.
        let p = plan_threads(&state, &[lf("a", Severity::High), lf("c", Severity::High)], 5);
        assert_eq!(p.reopen, vec![2]);
        assert!(p.create.is_empty());
    }

    #[test]
    fn repository_text_cannot_start_markdown() {
        assert_eq!(
            md_safe("a\n# [click](http://x)|`b`", 100),
            "a_# [click](http://x)__b_"
        );
        assert_eq!(md_safe("abcdef", 3), "abc…");
    }

    #[test]
    fn summary_names_counts_and_redacts() {
        let md = summary_markdown(&[lf("a", Severity::High)], "0123456789abcdef", Severity::High, 0);
        assert!(md.contains("1 finding(s)"));
        assert!(md.contains("AKIA****"));
        assert!(md.contains("0123456789ab"));
        assert!(summary_markdown(&[], "ab", Severity::High, 0).contains("No findings"));
    }
}
