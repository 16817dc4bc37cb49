use crate::Check;

pub(super) const CHECKS: &[&Check] = &[];
