//! Untrusted input: broken, hostile, huge, badly encoded. Never a panic or a
//! hang: an `Err(FileError)` naming the framework, or `Ok`.

use std::fmt::Write as _;

use palisade_workflows::{FileError, MAX_FILE_BYTES, scan_file};

const AZ: &str = "azure-pipelines.yml";
const GH: &str = ".github/workflows/ci.yml";

/// Runs `f`: a hang shows as the test never finishing (timings are not
/// asserted: they are noise on shared machines).
fn timed<T>(f: impl FnOnce() -> T) -> T {
    f()
}

fn err(path: &str, bytes: &[u8]) -> FileError {
    match timed(|| scan_file(path, bytes)) {
        Ok(m) => panic!("{path}: expected an error, got {m:?}"),
        Err(e) => e,
    }
}

#[test]
fn billion_laughs_is_refused() {
    let mut yaml =
        String::from("a: &a [\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\"]\n");
    for (i, prev) in ["a", "b", "c", "d", "e", "f", "g", "h"].iter().enumerate() {
        let name = (b'b' + i as u8) as char;
        writeln!(
            yaml,
            "{name}: &{name} [*{prev},*{prev},*{prev},*{prev},*{prev},*{prev},*{prev},*{prev},*{prev}]"
        )
        .expect("write to a String");
    }
    yaml.push_str("steps:\n- script: echo *i\n");
    for path in [AZ, GH] {
        let e = err(path, yaml.as_bytes());
        assert!(
            e.to_string().contains("YAML refused") || e.to_string().contains("alias"),
            "{e}"
        );
    }
}

#[test]
fn a_few_aliases_are_fine() {
    let yaml = "on: push\npermissions: {}\nenv_defaults: &env\n  CI: 'true'\njobs:\n  a:\n    runs-on: ubuntu-latest\n    env: *env\n    steps:\n      - run: make\n  b:\n    runs-on: ubuntu-latest\n    env: *env\n    steps:\n      - run: make\n";
    let found = timed(|| scan_file(GH, yaml.as_bytes())).expect("aliases within budget");
    assert!(found.is_empty(), "{found:?}");
}

#[test]
fn deep_nesting_is_refused() {
    let depth = 10_000;
    let flow = format!("steps: {}{}\n", "[".repeat(depth), "]".repeat(depth));
    let mut block = String::new();
    let mut block_map = String::new();
    for i in 0..depth {
        writeln!(block, "{}- ", " ".repeat(i * 2)).expect("write to a String");
        writeln!(block_map, "{}k{i}:", " ".repeat(i)).expect("write to a String");
    }
    for yaml in [flow, format!("steps:\n{block}"), block_map] {
        for path in [AZ, GH] {
            let e = err(path, yaml.as_bytes());
            assert!(e.to_string().starts_with(path_framework(path)), "{e}");
        }
    }
}

fn path_framework(path: &str) -> &'static str {
    if path.starts_with(".github") {
        "github-actions: "
    } else {
        "azure-pipelines: "
    }
}

#[test]
fn moderate_nesting_is_accepted() {
    let mut yaml = String::from("trigger: none\nsteps:\n- script: echo\n  env:\n");
    let mut indent = 4;
    for i in 0..40 {
        writeln!(yaml, "{}k{i}:", " ".repeat(indent)).expect("write to a String");
        indent += 2;
    }
    writeln!(yaml, "{}leaf: 1", " ".repeat(indent)).expect("write to a String");
    timed(|| scan_file(AZ, yaml.as_bytes())).expect("40 levels are fine");
}

#[test]
fn invalid_utf8_is_an_error() {
    let e = err(AZ, b"trigger:\n- main\nsteps:\n- script: echo \xff\xfe\xfd\n");
    assert_eq!(e.framework, "azure-pipelines");
    assert!(e.message.contains("not UTF-8"), "{e}");
}

#[test]
fn utf16_le_with_bom_is_scanned() {
    let text = "trigger:\n- main\nsteps:\n- checkout: self\n  persistCredentials: true\n";
    let mut bytes = vec![0xFF, 0xFE];
    for unit in text.encode_utf16() {
        bytes.extend_from_slice(&unit.to_le_bytes());
    }
    let found = timed(|| scan_file(AZ, &bytes)).expect("UTF-16 is decoded");
    assert_eq!(found.len(), 1);
    assert_eq!(
        (found[0].rule.id, found[0].line),
        ("iac.azure-pipelines.checkout-persists-credentials", 5)
    );
    // UTF-16 big endian, and an odd byte count.
    let mut be = vec![0xFE, 0xFF];
    for unit in text.encode_utf16() {
        be.extend_from_slice(&unit.to_be_bytes());
    }
    assert_eq!(timed(|| scan_file(AZ, &be)).expect("UTF-16 BE").len(), 1);
    bytes.push(0);
    assert!(err(AZ, &bytes).message.contains("odd number"));
}

#[test]
fn empty_and_comment_only_files_have_no_findings() {
    for bytes in [
        &b""[..],
        b"\n\n",
        b"# nothing here\n",
        b"---\n",
        b"\xEF\xBB\xBF",
        b"~\n",
        b"null\n",
    ] {
        for path in [AZ, GH] {
            let found = timed(|| scan_file(path, bytes)).unwrap_or_else(|e| panic!("{bytes:?}: {e}"));
            assert!(found.is_empty());
        }
    }
}

#[test]
fn binary_junk_is_an_error_or_nothing() {
    let mut junk = Vec::new();
    let mut x: u32 = 0x1234_5678;
    for _ in 0..4096 {
        x ^= x << 13;
        x ^= x >> 17;
        x ^= x << 5;
        junk.push((x & 0xFF) as u8);
    }
    for path in [AZ, GH] {
        let _ = timed(|| scan_file(path, &junk));
        let _ = timed(|| scan_file(path, b"\0\0\0\x01\x02PK\x03\x04"));
    }
    let e = err(AZ, b"trigger:\n- main\0\0\0");
    assert!(e.message.contains("NUL"), "{e}");
}

#[test]
fn huge_files_are_refused() {
    let mut yaml = b"trigger: none\nsteps:\n- script: echo\n".to_vec();
    yaml.resize(MAX_FILE_BYTES + 1, b' ');
    let e = err(AZ, &yaml);
    assert!(e.message.contains("16 MiB"), "{e}");
}

#[test]
fn large_but_legal_files_are_fast() {
    let mut yaml = String::from("trigger:\n- main\njobs:\n");
    for j in 0..2_000 {
        write!(
            yaml,
            "- job: j{j}\n  steps:\n  - script: echo $(Build.SourceBranchName) {j}\n  - task: Foo\n  - checkout: self\n    persistCredentials: true\n"
        )
        .expect("write to a String");
    }
    let found = timed(|| scan_file(AZ, yaml.as_bytes())).expect("legal");
    assert_eq!(found.len(), 6_000);
}

#[test]
fn wrong_shapes_are_tolerated() {
    for yaml in [
        "trigger: none\nsteps: echo hello\n",
        "trigger: none\nsteps: ${{ parameters.steps }}\n",
        "trigger: none\nsteps:\n- just a string\n- 42\n- [nested, list]\n- ~\n",
        "trigger: none\njobs: 3\nstages: {a: b}\nvariables: 5\npool: [1, 2]\n",
        "trigger: none\nsteps:\n- script: [not, a, string]\n  env: [1, 2]\n- task: [x]\n- checkout: {a: b}\n",
        "trigger: none\nresources:\n  repositories: wrong\n  containers:\n  - image: [x]\nextends: nope\n",
        "- a\n- b\n",
        "just a scalar\n",
        "trigger: none\n? [complex, key]\n: value\nsteps:\n- script: echo\n",
        "trigger: none\n${{ if true }}:\n  steps:\n  - script: echo $(Build.SourceVersionMessage)\n",
        "trigger: none\nsteps:\n- ${{ if true }}: just a string\n- ${{ else }}:\n    script: echo\n",
        "trigger: none\nsteps:\n- script: echo\n- script: echo\n  script: duplicate\n",
    ] {
        timed(|| scan_file(AZ, yaml.as_bytes())).unwrap_or_else(|e| panic!("{yaml}: {e}"));
    }
    for yaml in [
        "on: 5\njobs: [1]\n",
        "on: [push]\npermissions: [x]\njobs:\n  a: 5\n  b:\n    steps: hello\n  c:\n    steps:\n    - 5\n    - uses: [x]\n      with: 3\n      env: [y]\n",
        "true: push\njobs:\n  a:\n    runs-on: {labels: 5}\n    steps:\n    - run: {a: b}\n",
    ] {
        timed(|| scan_file(GH, yaml.as_bytes())).unwrap_or_else(|e| panic!("{yaml}: {e}"));
    }
}

#[test]
fn template_expression_keys_are_tolerated() {
    let yaml = r"parameters:
- name: sign
  type: boolean
trigger: none
${{ if eq(parameters.sign, true) }}:
  pool: signing
${{ else }}:
  pool:
    vmImage: ubuntu-latest
stages:
- ${{ each env in parameters.environments }}:
  - stage: deploy_${{ env }}
    jobs:
    - ${{ if ne(env, 'prod') }}:
      - job: smoke
        steps:
        - script: echo $(System.PullRequest.SourceBranch)
";
    let found = timed(|| scan_file(AZ, yaml.as_bytes())).expect("template expressions as keys");
    assert!(
        found
            .iter()
            .any(|m| m.rule.id == "iac.azure-pipelines.script-injection"),
        "{found:?}"
    );
}

#[test]
fn syntax_errors_name_framework_and_line() {
    let e = err(
        AZ,
        b"trigger:\n- main\nsteps:\n- script: echo\n  bad: [unclosed\n",
    );
    assert!(e.to_string().starts_with("azure-pipelines: line "), "{e}");
    let e = err(GH, b"on: push\njobs:\n  a:\n    steps:\n  - run: x\n   - y: z\n");
    assert!(e.to_string().starts_with("github-actions: line "), "{e}");
    let e = err(GH, b"on: push\n---\non: pull_request\n");
    assert!(e.to_string().starts_with("github-actions: "), "{e}");
}

#[test]
fn the_deepest_accepted_file_fits_a_small_stack() {
    // The tree is built without recursion and walked with small frames: the
    // deepest file accepted must scan on a 256 KiB thread stack.
    let mut yaml = String::from("trigger: none\nsteps:\n- script: echo\n  env:\n");
    for i in 0..(palisade_workflows::MAX_DEPTH - 4) {
        writeln!(yaml, "{}k{i}:", " ".repeat(4 + i)).expect("write to a String");
    }
    let handle = std::thread::Builder::new()
        .stack_size(256 * 1024)
        .spawn(move || scan_file(AZ, yaml.as_bytes()).map(|m| m.len()))
        .expect("spawn");
    let result = handle.join().expect("no stack overflow");
    assert_eq!(result.expect("at the depth limit is accepted"), 0);
}
