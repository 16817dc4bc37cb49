//! Every check, one per file, grouped by the resource they judge.

use std::sync::LazyLock;

use crate::Check;

pub(crate) mod approvals;
pub(crate) mod common;
mod connection;
mod environment;
mod library;
mod org;
mod pipeline;
mod pool;
mod project;
mod repo;
#[cfg(test)]
pub(crate) mod testing;

/// Every check, in a stable order (by area, then as listed there).
pub fn all() -> &'static [&'static Check] {
    static ALL: LazyLock<Vec<&'static Check>> = LazyLock::new(|| {
        [
            org::CHECKS,
            project::CHECKS,
            repo::CHECKS,
            pipeline::CHECKS,
            connection::CHECKS,
            library::CHECKS,
            environment::CHECKS,
            pool::CHECKS,
        ]
        .concat()
    });
    &ALL
}
