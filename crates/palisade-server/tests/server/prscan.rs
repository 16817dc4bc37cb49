//! Diff-aware PR scans end to end: ADO delivers the event, a worker scans
//! the change, comments and the status appear on the pull request.

use palisade_ado::models::git::{CommentThreadStatus, GitStatusState};
use palisade_domain::Severity;
use palisade_engine::{RepoSelector, STATUS_GENRE, STATUS_NAME};
use palisade_store::{JobFilter, JobState};

use crate::harness::{AWS_ID, AWS_SECRET, Ctx, drain, scan_kit};

crate::stories!(
    pr_scan_comments_once_updates_in_place_and_sets_status,
    comments_can_be_turned_off_and_threads_are_capped,
    scanner_outage_fails_open,
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
    kit.git_timeout = std::time::Duration::from_millis(1);
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
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    ctx.drain().await;
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
