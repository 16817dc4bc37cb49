//! The same story tests against every store backend.
//!
//! Each story in [`stories`] is generic over a [`harness::Harness`], and
//! `story_tests!` turns it into `sqlite::<story>` and `postgres::<story>`
//! tests. `PostgreSQL` tests are never skipped: without a server at
//! `PALISADE_TEST_POSTGRES_URL` they fail, saying so.

mod access;
mod connectors;
mod fixtures;
mod harness;
mod jobs;
mod kinds;
mod managed;
mod overview;
mod posture;
mod stories;

macro_rules! story_tests {
    ($($name:ident),* $(,)?) => {
        mod sqlite {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $name() {
                    let h = crate::harness::SqliteHarness::new();
                    crate::stories::$name(&h).await;
                    h.finish().await;
                }
            )*
        }

        mod postgres {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $name() {
                    let h = crate::harness::PostgresHarness::new().await;
                    crate::stories::$name(&h).await;
                    h.finish().await;
                }
            )*
        }
    };
}

story_tests!(
    round_trip,
    rescan_keeps_triage,
    complete_rescan_marks_fixed_and_seeing_again_reopens,
    incomplete_scan_marks_nothing_gone,
    one_finding_two_locations,
    key_mismatch_refused,
    list_filters_and_order,
    not_found_errors,
    concurrent_record_scan_loses_nothing,
    crash_recovery,
    connector_crud,
    connector_conflicts,
    concurrent_creates_one_org_one_wins,
    connector_credentials,
    bulk_delete_is_atomic_and_cascades,
    discovery_tracks_changes_removals_and_restores,
    discovery_resumes_unfinished_run,
    discovery_runs_finish_and_list,
    discovered_orgs_are_claimed_once,
    ten_thousand_resources,
    enqueue_dedups_active_jobs,
    lease_order_priority_then_run_after,
    expired_lease_is_leased_again_and_old_token_fenced,
    last_attempt_goes_dead,
    failed_attempt_retries_after_backoff,
    cancel_queued_and_running_jobs,
    retry_job_requeues_dead_and_cancelled,
    list_count_and_prune_jobs,
    concurrent_workers_lease_each_job_once,
    concurrent_enqueues_of_one_key_make_one_job,
    managed_repos_upsert_list_and_record_scans,
    scan_settings_and_webhook_secret,
    scan_logs_append_in_order,
    pr_state_round_trip,
    pr_claim_lasts_while_its_job_runs,
    concurrent_pr_claims_one_wins,
    webhook_deliveries_dedup_and_prune,
    hook_subscriptions_are_replaced,
    scan_stats_of_a_connector,
    revoke_archives_repos_and_destroys_secrets,
    delete_connectors_archives_repos_like_revoke,
    interrupt_job_scans_marks_only_that_jobs_running_scans,
    repo_scans_lists_managed_scans_newest_first,
    kinds_share_one_table_and_close_only_their_own,
    advisories_import_incrementally,
    posture_results_keep_their_history,
    posture_scores_make_a_trend,
    exemptions_expire_and_are_audited,
    posture_records_many_results,
    users_are_created_listed_and_unique_ignoring_case,
    grants_are_replaced_and_passwords_set,
    disabling_a_user_revokes_their_tokens,
    api_tokens_are_created_revoked_expired_and_touched,
    audit_log_is_filtered_newest_first,
    serialized_records_carry_no_hash,
    sessions_open_end_and_die_with_their_user,
    finding_counts_stay_exact_through_scans_and_triage,
    overview_coverage_inventory_and_trend_by_connector,
    inventory_search_sort_and_paging,
    findings_list_scope_search_sort_and_paging,
    triage_many_with_unknown_id_changes_nothing,
);
