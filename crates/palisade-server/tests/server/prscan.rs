//! Diff-aware PR scans end to end: ADO delivers the event, a worker scans
//! the change, comments and the status appear on the pull request.

use std::collections::BTreeSet;
use std::time::Duration;

use palisade_ado::models::git::{CommentThreadStatus, GitStatusState};
use palisade_domain::{OrgName, Severity, Timestamp};
use palisade_engine::{JobSpec, RepoSelector, STATUS_GENRE, STATUS_NAME, WorkerOptions};
use palisade_store::{JobFilter, JobState, NewJob, priority};
use tokio::sync::watch;

use crate::harness::{AWS_ID, AWS_SECRET, Ctx, drain, scan_kit};

crate::stories!(
    pr_scan_comments_once_updates_in_place_and_sets_status,
    comments_can_be_turned_off_and_threads_are_capped,
    scanner_outage_fails_open,
    a_pr_claimed_by_another_job_is_retried_then_reported_once,
    concurrent_scans_of_one_pr_comment_once,
    disabling_pr_scans_removes_subscriptions_and_revoke_removes_all,
);

fn aws_pair() -> String {
    format!("aws_access_key_id = {AWS_ID}\naws_secret_access_key = {AWS_SECRET}\n")
}

/// The latest palisade status on the PR.
async fn status(ctx: &Ctx, pr: i64) -> (GitStatusState, String) {
    let client = ctx.client().await;
    let all = client.pr_statuses("Web", "web-frontend", pr).await.unwrap();
    let mine: Vec<_> = all
        .iter()
        .filter(|s| s.context.name == STATUS_NAME && s.context.genre.as_deref() == Some(STATUS_GENRE))
        .collect();
    let last = mine.iter().max_by_key(|s| s.id).expect("a palisade status");
    (last.state, last.description.clone().unwrap_or_default())
}

async fn pr_scan_comments_once_updates_in_place_and_sets_status(ctx: &Ctx) {
    ctx.connect(&["Web/web-frontend"]).await;
    // First full scan and the subscriptions.
    let first = ctx.drain().await;
    assert_eq!((first.dead, first.retried), (0, 0), "{first:?}");
    let repos = ctx
        .store
        .list_managed_repos(&palisade_store::ManagedRepoFilter::default())
        .await
        .unwrap();
    let web = repos.iter().find(|r| r.name == "web-frontend").unwrap();
    assert_eq!(
        web.last_status,
        Some(palisade_domain::ScanStatus::Completed),
        "{web:?}"
    );
    assert!(!web.scanned_tips.is_empty());
    let client = ctx.client().await;
    let subs = client.list_subscriptions().await.unwrap();
    assert_eq!(subs.len(), 3, "PR created, PR updated, push");

    // A branch with a secret on a new line, and an unchanged file that already had none.
    ctx.commit(
        "feature/cache",
        &[
            ("config/cache.env", &aws_pair()),
            ("README.md", "# web-frontend\nNow with a cache.\n"),
        ],
        &[],
    )
    .await;
    let pr = ctx.open_pr("feature/cache").await;
    ctx.settle().await;
    let queued = ctx
        .store
        .list_jobs(&JobFilter {
            kinds: vec!["pr-scan".into()],
            ..JobFilter::default()
        })
        .await
        .unwrap();
    let deliveries: Vec<_> = ctx
        .sim
        .state
        .hook_deliveries()
        .into_iter()
        .map(|d| (d.event_type, d.attempts))
        .collect();
    assert_eq!(
        queued.len(),
        1,
        "one PR scan queued by the delivery: {queued:?} {deliveries:#?}"
    );
    let r = ctx.drain().await;
    assert_eq!(r.dead, 0, "{r:?}");

    let threads = client.pr_threads("Web", "web-frontend", pr).await.unwrap();
    let mine: Vec<_> = threads.iter().filter(|t| !t.is_system()).collect();
    let summary: Vec<_> = mine.iter().filter(|t| t.thread_context.is_none()).collect();
    let on_lines: Vec<_> = mine.iter().filter(|t| t.thread_context.is_some()).collect();
    assert_eq!(summary.len(), 1, "{mine:#?}");
    assert!(!on_lines.is_empty(), "{mine:#?}");
    for t in &on_lines {
        let path = &t.thread_context.as_ref().unwrap().file_path;
        assert_eq!(path.as_deref(), Some("/config/cache.env"));
        let text = t.comments[0].content.clone().unwrap_or_default();
        assert!(
            !text.contains(AWS_SECRET) && !text.contains(AWS_ID),
            "secrets are redacted: {text}"
        );
    }
    let summary_comment = summary[0].first_comment_id().unwrap();
    let (state, description) = status(ctx, pr).await;
    assert_eq!(state, GitStatusState::Failed, "{description}");

    // The PR is updated without touching the secret: nothing is repeated.
    ctx.commit(
        "feature/cache",
        &[("docs/cache.md", "How the cache works.\n")],
        &[],
    )
    .await;
    ctx.settle().await;
    ctx.drain().await;
    let again = client.pr_threads("Web", "web-frontend", pr).await.unwrap();
    let again_mine = again.iter().filter(|t| !t.is_system()).count();
    assert_eq!(again_mine, mine.len(), "no duplicate threads on update");

    // The secret is removed: its threads are resolved, the summary edited in place, the status passes.
    ctx.commit(
        "feature/cache",
        &[("config/cache.env", "aws_profile = cache\n")],
        &[],
    )
    .await;
    ctx.settle().await;
    ctx.drain().await;
    let last = client.pr_threads("Web", "web-frontend", pr).await.unwrap();
    for t in last
        .iter()
        .filter(|t| t.thread_context.is_some() && !t.is_system())
    {
        assert_eq!(t.status, Some(CommentThreadStatus::Fixed), "{t:?}");
    }
    let summary_now: Vec<_> = last
        .iter()
        .filter(|t| !t.is_system() && t.thread_context.is_none())
        .collect();
    assert_eq!(summary_now.len(), 1);
    assert_eq!(summary_now[0].first_comment_id(), Some(summary_comment));
    let text = summary_now[0].comments[0].content.clone().unwrap_or_default();
    assert!(text.contains("No findings"), "{text}");
    assert_eq!(status(ctx, pr).await.0, GitStatusState::Succeeded);

    // The PR's findings never close the branch's: the main branch target is untouched.
    let scans = ctx.store.list_scans(50).await.unwrap();
    assert!(scans.iter().any(|s| s.target.ends_with(&format!("!pr/{pr}"))));
}

async fn comments_can_be_turned_off_and_threads_are_capped(ctx: &Ctx) {
    let record = ctx.connect(&["Web/web-frontend"]).await;
    ctx.drain().await;
    let mut settings = ctx.store.scan_settings(&record.id).await.unwrap();
    settings.pr_max_threads = 1;
    settings.pr_fail_severity = Severity::Critical;
    ctx.engine.set_scan_settings(&record, &settings).await.unwrap();
    let many = format!(
        "{}\n# again\n{}\n",
        aws_pair(),
        concat!("ghp_", "R4nd0mL00k1ngT0k3nV4lu3AbCdEf0123456")
    );
    ctx.commit("feature/many", &[("deploy/keys.txt", &many)], &[])
        .await;
    let pr = ctx.open_pr("feature/many").await;
    ctx.settle().await;
    ctx.drain().await;
    let client = ctx.client().await;
    let threads = client.pr_threads("Web", "web-frontend", pr).await.unwrap();
    let on_lines = threads
        .iter()
        .filter(|t| !t.is_system() && t.thread_context.is_some())
        .count();
    assert_eq!(on_lines, 1, "capped at one thread");
    let summary = threads
        .iter()
        .find(|t| !t.is_system() && t.thread_context.is_none())
        .unwrap();
    let text = summary.comments[0].content.clone().unwrap_or_default();
    assert!(text.contains("thread limit"), "{text}");

    // Comments off for the project: a new PR gets only the status.
    settings.pr_comments_off_projects = vec!["web".into()];
    ctx.engine.set_scan_settings(&record, &settings).await.unwrap();
    ctx.commit("feature/quiet", &[("quiet.env", &aws_pair())], &[])
        .await;
    let quiet = ctx.open_pr("feature/quiet").await;
    ctx.settle().await;
    ctx.drain().await;
    let none = client.pr_threads("Web", "web-frontend", quiet).await.unwrap();
    assert_eq!(none.iter().filter(|t| !t.is_system()).count(), 0, "{none:#?}");
    let (state, description) = status(ctx, quiet).await;
    // AWS keys are critical: at the threshold, the status fails and says why.
    assert_eq!(state, GitStatusState::Failed, "{description}");
    assert!(description.contains("at or above critical"), "{description}");
}

async fn scanner_outage_fails_open(ctx: &Ctx) {
    ctx.connect(&["Web/web-frontend"]).await;
    ctx.drain().await;
    ctx.commit("feature/outage", &[("a.env", &aws_pair())], &[]).await;
    let pr = ctx.open_pr("feature/outage").await;
    ctx.settle().await;
    // A worker whose git cannot finish in time: the scanner is down.
    let dir = tempfile::tempdir().unwrap();
    let mut kit = scan_kit(dir.path());
    kit.git_timeout = Duration::from_millis(1);
    let broken = ctx.engine.clone().with_scanner(kit);
    drain(&broken).await;
    let (state, description) = status(ctx, pr).await;
    assert_eq!(state, GitStatusState::NotApplicable, "{description}");
    assert!(description.contains("not blocking"), "{description}");
    // The job is retried later; a healthy worker then finishes it.
    let jobs = ctx
        .store
        .list_jobs(&JobFilter {
            kinds: vec!["pr-scan".into()],
            ..JobFilter::default()
        })
        .await
        .unwrap();
    assert!(
        jobs.iter()
            .all(|j| j.state == JobState::Queued || j.state == JobState::Dead),
        "{jobs:?}"
    );
    tokio::time::sleep(Duration::from_millis(300)).await;
    ctx.drain().await;
    assert_eq!(status(ctx, pr).await.0, GitStatusState::Failed);
}

fn now() -> Timestamp {
    let since = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap();
    Timestamp::from_millis(i64::try_from(since.as_millis()).unwrap())
}

async fn pr_scan_jobs(ctx: &Ctx) -> Vec<palisade_store::Job> {
    ctx.store
        .list_jobs(&JobFilter {
            kinds: vec!["pr-scan".into()],
            ..JobFilter::default()
        })
        .await
        .unwrap()
}

/// Asserts palisade's threads on the PR: one summary, finding threads each
/// on a line of their own, at least one; returns the files they are on.
async fn assert_reported_once(ctx: &Ctx, pr: i64) -> BTreeSet<String> {
    let client = ctx.client().await;
    let threads = client.pr_threads("Web", "web-frontend", pr).await.unwrap();
    let mine: Vec<_> = threads.iter().filter(|t| !t.is_system()).collect();
    let summaries = mine.iter().filter(|t| t.thread_context.is_none()).count();
    assert_eq!(summaries, 1, "one summary thread: {mine:#?}");
    let lines: Vec<_> = mine
        .iter()
        .filter_map(|t| t.thread_context.as_ref())
        .map(|c| (c.file_path.clone(), c.right_file_start.as_ref().map(|p| p.line)))
        .collect();
    assert!(!lines.is_empty(), "{mine:#?}");
    let distinct: BTreeSet<_> = lines.iter().collect();
    assert_eq!(distinct.len(), lines.len(), "no finding thread twice: {lines:?}");
    lines.into_iter().filter_map(|(path, _)| path).collect()
}

async fn a_pr_claimed_by_another_job_is_retried_then_reported_once(ctx: &Ctx) {
    let record = ctx.connect(&["Web/web-frontend"]).await;
    ctx.drain().await;
    ctx.commit("feature/claimed", &[("config/claimed.env", &aws_pair())], &[])
        .await;
    let pr = ctx.open_pr("feature/claimed").await;
    ctx.settle().await;
    let [waiting] = &pr_scan_jobs(ctx).await[..] else {
        panic!("one PR scan queued");
    };

    // Another worker runs a scan of the same PR (another source commit) and holds the claim.
    let org = OrgName::parse("contoso").unwrap();
    let repo = ctx
        .store
        .list_managed_repos(&palisade_store::ManagedRepoFilter::default())
        .await
        .unwrap()
        .into_iter()
        .find(|r| r.name == "web-frontend")
        .unwrap();
    let spec = JobSpec::PrScan {
        org: org.to_string(),
        repo_id: repo.repo_id.clone(),
        pull_request: pr,
        source_commit: Some("0".repeat(40)),
    };
    let (other, _) = ctx
        .store
        .enqueue(
            &NewJob {
                kind: spec.kind().to_owned(),
                payload: serde_json::to_value(&spec).unwrap(),
                dedup_key: Some(format!("elsewhere:{pr}")),
                // Above the waiting job, so this lease takes it.
                priority: priority::PR_SCAN + 1,
                max_attempts: 3,
                run_after: now(),
                connector: Some(record.id.clone()),
            },
            now(),
        )
        .await
        .unwrap();
    let held = ctx
        .store
        .lease_job("other-worker", &["pr-scan"], Duration::from_mins(5), now())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(held.job.id, other);
    assert!(
        ctx.store
            .claim_pr(&org, &repo.repo_id, pr, &other, now())
            .await
            .unwrap()
    );

    // A worker takes the waiting scan: refused, queued again, nothing posted.
    // Its retry is far enough out that the worker is stopped before it.
    let (stop, rx) = watch::channel(false);
    let worker = {
        let engine = ctx.engine.clone();
        tokio::spawn(async move {
            let opts = WorkerOptions {
                retry_base: Duration::from_secs(1),
                lease: Duration::from_secs(30),
                ..WorkerOptions::default()
            };
            engine.run_worker(&opts, rx).await.unwrap()
        })
    };
    let refused = tokio::time::timeout(Duration::from_secs(30), async {
        loop {
            let job = ctx.store.get_job(&waiting.id).await.unwrap();
            if job.state == JobState::Queued && job.last_error.is_some() {
                return job;
            }
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
    })
    .await
    .expect("the waiting scan ran once");
    stop.send(true).unwrap();
    let report = worker.await.unwrap();
    assert_eq!((report.retried, report.dead), (1, 0), "{report:?}");
    assert_eq!(refused.attempts, 1);
    let error = refused.last_error.clone().unwrap();
    assert!(
        error.contains(&format!("another scan of pull request {pr} is reporting")),
        "{error}"
    );
    let client = ctx.client().await;
    let threads = client.pr_threads("Web", "web-frontend", pr).await.unwrap();
    assert!(
        threads
            .iter()
            .all(palisade_ado::models::GitPullRequestCommentThread::is_system),
        "{threads:#?}"
    );
    let statuses = client.pr_statuses("Web", "web-frontend", pr).await.unwrap();
    assert!(
        statuses.iter().all(|s| s.context.name != STATUS_NAME),
        "not even pending: {statuses:?}"
    );

    // The other scan ends: its claim lapses and the waiting scan reports, once.
    assert!(ctx.store.complete_job(&other, &held.token, now()).await.unwrap());
    let wait = refused.run_after.millis() - now().millis();
    tokio::time::sleep(Duration::from_millis(u64::try_from(wait.max(0)).unwrap() + 50)).await;
    let r = ctx.drain().await;
    assert_eq!(r.dead, 0, "{r:?}");
    let done = ctx.store.get_job(&waiting.id).await.unwrap();
    assert_eq!((done.state, done.attempts), (JobState::Succeeded, 2), "{done:?}");
    assert_reported_once(ctx, pr).await;
    assert_eq!(status(ctx, pr).await.0, GitStatusState::Failed);
}

async fn concurrent_scans_of_one_pr_comment_once(ctx: &Ctx) {
    ctx.connect(&["Web/web-frontend"]).await;
    ctx.drain().await;
    ctx.commit("feature/race", &[("config/race.env", &aws_pair())], &[])
        .await;
    let pr = ctx.open_pr("feature/race").await;
    ctx.settle().await;
    // A push before any worker ran: a second job for the same PR (another source commit).
    ctx.commit("feature/race", &[("deploy/race.env", &aws_pair())], &[])
        .await;
    ctx.settle().await;
    assert_eq!(pr_scan_jobs(ctx).await.len(), 2);

    // One worker leases both at once; each would post on its own without the claim.
    let opts = WorkerOptions {
        until_idle: true,
        slots: 2,
        // Long enough for the refused one to come back after the other reported.
        retry_base: Duration::from_secs(1),
        lease: Duration::from_secs(30),
        ..WorkerOptions::default()
    };
    // A drain ends while the refused job waits for its retry: drain again then.
    let mut jobs = Vec::new();
    for _ in 0..10 {
        let (_stop, rx) = watch::channel(false);
        let r = ctx.engine.run_worker(&opts, rx).await.unwrap();
        assert_eq!(r.dead, 0, "{r:?}");
        jobs = pr_scan_jobs(ctx).await;
        let Some(due) = jobs
            .iter()
            .filter(|j| j.state == JobState::Queued)
            .map(|j| j.run_after)
            .min()
        else {
            break;
        };
        let wait = u64::try_from((due.millis() - now().millis()).max(0)).unwrap();
        tokio::time::sleep(Duration::from_millis(wait + 50)).await;
    }
    // The PR's latest commit was scanned: findings of both pushes.
    let files = assert_reported_once(ctx, pr).await;
    assert_eq!(
        files,
        BTreeSet::from(["/config/race.env".to_owned(), "/deploy/race.env".to_owned()])
    );
    assert!(jobs.iter().all(|j| j.state == JobState::Succeeded), "{jobs:?}");
    let refused = jobs.iter().filter(|j| j.attempts > 1).count();
    assert_eq!(refused, 1, "one scan waited for the other: {jobs:?}");
    assert_eq!(status(ctx, pr).await.0, GitStatusState::Failed);
}

async fn disabling_pr_scans_removes_subscriptions_and_revoke_removes_all(ctx: &Ctx) {
    let record = ctx.connect(&["Web/web-frontend"]).await;
    ctx.drain().await;
    let client = ctx.client().await;
    assert_eq!(client.list_subscriptions().await.unwrap().len(), 3);
    ctx.engine
        .set_scanning(
            &record,
            &RepoSelector::Repos(vec!["Web/web-frontend".into()]),
            true,
            false,
        )
        .await
        .unwrap();
    ctx.drain().await;
    let left = client.list_subscriptions().await.unwrap();
    assert_eq!(left.len(), 1, "only the push subscription stays: {left:?}");

    let reports = ctx
        .engine
        .delete_connectors(&["ado-contoso".into()])
        .await
        .unwrap();
    assert_eq!(reports[0].subscriptions_removed, 1);
    assert!(reports[0].subscription_errors.is_empty());
    assert!(client.list_subscriptions().await.unwrap().is_empty());
}
