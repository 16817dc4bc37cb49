//! palisade's server against the ADO simulator, on SQLite and PostgreSQL:
//! service hooks deliver real HTTP requests to the webhook endpoint, workers
//! run the jobs, and the simulator shows the comments and statuses posted.
#![allow(clippy::unwrap_used, reason = "tests fail loudly")]

mod api;
mod api_connectors;
mod api_findings;
mod api_util;
mod authz_matrix;
mod browser;
mod browser_util;
mod console;
mod harness;
mod prscan;
mod webhooks;

/// Turns `async fn story(h: &harness::Ctx)` into `sqlite::story` and `postgres::story`.
macro_rules! stories {
    ($($name:ident),* $(,)?) => {
        mod sqlite {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $name() {
                    let ctx = crate::harness::Ctx::sqlite().await;
                    super::$name(&ctx).await;
                    ctx.finish().await;
                }
            )*
        }
        mod postgres {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $name() {
                    let ctx = crate::harness::Ctx::postgres().await;
                    super::$name(&ctx).await;
                    ctx.finish().await;
                }
            )*
        }
    };
}
pub(crate) use stories;
