//! Engine stories against the ADO simulator, each on SQLite and PostgreSQL.
#![allow(clippy::unwrap_used, reason = "tests fail loudly")]

mod connectors;
mod discovery;
mod front;
mod harness;
mod managed;
mod posture;
mod prscan;

/// Turns `async fn story(h: &harness::Ctx)` into `sqlite::story` and `postgres::story`.
macro_rules! stories {
    ($module:ident: $($name:ident),* $(,)?) => {
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
