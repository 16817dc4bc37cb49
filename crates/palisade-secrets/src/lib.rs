//! Secret detection: rules as data, and the engine that runs them.
//!
//! Rules live in YAML files under `rules/` (compiled into the binary, see
//! [`builtin`]) or in user files checked by `palisade rules check`. Each rule
//! has a stable id, metadata, keywords, an ASCII regex with a `secret` group,
//! and positive and negative examples that a test runs through this engine.
//!
//! The engine ([`RuleSet::scan`]) makes one Aho-Corasick pass over a blob for
//! every rule keyword, then runs only the triggered rules' regexes, and only on
//! the lines around each keyword hit. Rules restricted to file names
//! (`.netrc`, `.pgpass`, ...) run on the whole of matching files. Matches then
//! pass the rule's filters (placeholders, entropy) and inline
//! `palisade:ignore` comments.
//!
//! ```
//! let rules = palisade_secrets::builtin().expect("builtin rules load");
//! let mut out = Vec::new();
//! let content = b"token = ghp_R4nd0mL00k1ngT0k3nV4lu3AbCdEf0123456\n";
//! rules.scan("config.ini", content, &mut out);
//! assert_eq!(rules.rule(out[0].rule).id.as_str(), "github.pat.classic");
//! ```

mod builtin;
mod engine;
mod filters;
mod rule;

pub use builtin::{BUILTIN_FILES, builtin};
pub use engine::{Match, RuleSet};
pub use filters::{is_placeholder, shannon_entropy};
pub use rule::{Example, LoadError, Rule, RuleFile, RuleSpec, check_examples};
