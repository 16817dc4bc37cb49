use std::sync::OnceLock;

use crate::{LoadError, RuleSet};

/// The built-in rule files, compiled into the binary.
pub const BUILTIN_FILES: &[(&str, &str)] = &[
    ("azure.yml", include_str!("../rules/azure.yml")),
    ("cloud.yml", include_str!("../rules/cloud.yml")),
    ("vcs.yml", include_str!("../rules/vcs.yml")),
    ("saas.yml", include_str!("../rules/saas.yml")),
    ("packages.yml", include_str!("../rules/packages.yml")),
    ("keys.yml", include_str!("../rules/keys.yml")),
    ("config.yml", include_str!("../rules/config.yml")),
    ("generic.yml", include_str!("../rules/generic.yml")),
];

/// The built-in rule set, compiled once per process.
pub fn builtin() -> Result<RuleSet, String> {
    static SET: OnceLock<Result<RuleSet, String>> = OnceLock::new();
    SET.get_or_init(|| {
        let files: Vec<(String, String)> = BUILTIN_FILES
            .iter()
            .map(|(n, t)| (format!("builtin:{n}"), (*t).to_owned()))
            .collect();
        RuleSet::from_yaml(&files).map_err(|errs| {
            errs.iter()
                .map(LoadError::to_string)
                .collect::<Vec<_>>()
                .join("; ")
        })
    })
    .clone()
}
