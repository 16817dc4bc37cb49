use crate::Check;

mod open_to_all;

pub(super) const CHECKS: &[&Check] = &[&open_to_all::CHECK];
