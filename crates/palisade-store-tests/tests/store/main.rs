//! The same story tests against every store backend.
//!
//! Each story in [`stories`] is generic over a [`harness::Harness`], and
//! `story_tests!` turns it into `sqlite::<story>` and `postgres::<story>`
//! tests. `PostgreSQL` tests are never skipped: without a server at
//! `PALISADE_TEST_POSTGRES_URL` they fail, saying so.

mod connectors;
mod fixtures;
mod harness;
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
);
