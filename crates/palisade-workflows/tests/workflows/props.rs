//! Property tests: `scan_file` never panics, and what it returns is sane.

use palisade_workflows::scan_file;
use proptest::prelude::*;

const PATHS: [&str; 3] = ["azure-pipelines.yml", ".github/workflows/ci.yml", "action.yml"];

fn check(path: &str, bytes: &[u8]) {
    if let Ok(found) = scan_file(path, bytes) {
        let lines = bytes.split(|&b| b == b'\n').count() as u32;
        for m in found {
            assert!(m.line >= 1 && m.column >= 1, "{m:?}");
            // UTF-16 input has as many lines as its decoded text.
            assert!(m.line <= lines.max(bytes.len() as u32), "{m:?}");
            assert!(
                !m.subject.is_empty() && !m.subject.contains(['\n', '\r']),
                "{m:?}"
            );
        }
    }
}

/// Pipeline-shaped fragments, so generated inputs reach the rules.
fn fragment() -> impl Strategy<Value = String> {
    prop::sample::select(vec![
        "trigger:\n- main\n",
        "pr:\n- main\n",
        "on: pull_request_target\n",
        "permissions: write-all\n",
        "variables:\n  DB_PASSWORD: hunter2hunter2\n",
        "steps:\n",
        "jobs:\n",
        "- script: echo $(Build.SourceBranchName)\n",
        "- checkout: self\n  persistCredentials: true\n",
        "  build:\n    runs-on: self-hosted\n    steps:\n      - uses: actions/checkout@v4\n        with:\n          ref: ${{ github.head_ref }}\n      - run: echo ${{ github.event.issue.title }}\n",
        "- ${{ if true }}:\n  - bash: curl x | sh\n",
        "&a [1, *a]\n",
        "  - task: Foo\n",
        "\t\"'{[",
        "container: node\n",
        "resources:\n  repositories:\n  - repository: t\n    type: git\n",
    ])
    .prop_map(str::to_owned)
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    #[test]
    fn arbitrary_bytes_never_panic(bytes in prop::collection::vec(any::<u8>(), 0..512), which in 0usize..3) {
        check(PATHS[which], &bytes);
    }

    #[test]
    fn shuffled_fragments_never_panic(parts in prop::collection::vec(fragment(), 0..12), which in 0usize..3) {
        let text = parts.concat();
        check(PATHS[which], text.as_bytes());
    }

    #[test]
    fn mutated_examples_never_panic(rule in 0usize..25, cut in any::<prop::sample::Index>(), byte in any::<u8>()) {
        let rules = palisade_workflows::rules();
        let r = rules[rule % rules.len()];
        let Some(example) = r.positive.first() else { return Ok(()); };
        let mut bytes = example.as_bytes().to_vec();
        let at = cut.index(bytes.len().max(1)).min(bytes.len());
        bytes.insert(at, byte);
        check(r.example_path, &bytes);
        bytes.truncate(at);
        check(r.example_path, &bytes);
    }
}
