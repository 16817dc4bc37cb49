//! Broken and hostile input: an error or nothing, never a panic or a hang.

use std::fmt::Write as _;

use palisade_iac::{MAX_FILE_BYTES, scan_file};
use proptest::prelude::*;

const PATHS: &[&str] = &["main.tf", "azuredeploy.json", "deploy.yaml", "Dockerfile"];
const FRAMEWORKS: &[&str] = &["terraform", "arm", "kubernetes", "dockerfile"];

/// What the scanner relies on (the fuzz target `iac_scan` checks the same).
fn keeps_promises(which: usize, bytes: &[u8]) {
    match scan_file(PATHS[which], bytes) {
        Ok(found) => {
            let max_line = bytes.iter().filter(|&&b| b == b'\n' || b == b'\r').count() + 1;
            for m in &found {
                assert_eq!(m.rule.framework, FRAMEWORKS[which], "{}", m.rule.id);
                assert!(
                    m.line >= 1 && m.line as usize <= max_line,
                    "{} line {}",
                    m.rule.id,
                    m.line
                );
                assert!(m.column >= 1 && !m.subject.is_empty(), "{}", m.rule.id);
            }
        }
        Err(e) => assert_eq!(e.framework, FRAMEWORKS[which]),
    }
}

/// Asserts the scan fails with an error naming `framework` and containing `needle`.
fn fails(path: &str, bytes: &[u8], framework: &str, needle: &str) {
    let err = scan_file(path, bytes).expect_err("hostile input must be refused");
    assert_eq!(err.framework, framework);
    let text = err.to_string();
    assert!(text.starts_with(&format!("{framework}: ")), "{text}");
    assert!(text.contains(needle), "{path}: {text:?} lacks {needle:?}");
}

#[test]
fn yaml_alias_bomb_is_refused() {
    let mut bomb = String::from(
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: lol\ndata:\n  a: &a [\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\"]\n",
    );
    let names = ["a", "b", "c", "d", "e", "f", "g", "h", "i"];
    for pair in names.windows(2) {
        let refs = vec![format!("*{}", pair[0]); 9].join(",");
        writeln!(bomb, "  {}: &{} [{refs}]", pair[1], pair[1]).expect("write to string");
    }
    fails("bomb.yaml", bomb.as_bytes(), "kubernetes", "YAML refused");
}

#[test]
fn deeply_nested_json_is_refused() {
    let mut json = String::from(
        "{\"$schema\": \"https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#\", \"x\": ",
    );
    json.push_str(&"[".repeat(10_000));
    json.push_str(&"]".repeat(10_000));
    json.push('}');
    fails(
        "azuredeploy.json",
        json.as_bytes(),
        "arm",
        "nested deeper than 128",
    );
}

#[test]
fn deeply_nested_yaml_and_hcl_are_refused() {
    let yaml = format!(
        "apiVersion: v1\nkind: ConfigMap\ndata: {}{}\n",
        "[".repeat(10_000),
        "]".repeat(10_000)
    );
    assert!(scan_file("deep.yaml", yaml.as_bytes()).is_err());
    let hcl = format!(
        "locals {{\n  x = {}{}\n}}\n",
        "[".repeat(10_000),
        "]".repeat(10_000)
    );
    assert!(scan_file("deep.tf", hcl.as_bytes()).is_err());
}

#[test]
fn syntax_errors_name_the_line() {
    fails(
        "main.tf",
        b"resource \"azurerm_storage_account\" \"a\" {\n  name = \"a\"\n  min_tls_version = \n}\n",
        "terraform",
        "line ",
    );
    fails(
        "azuredeploy.json",
        b"{\"$schema\": \"https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#\",\n \"resources\": [,]}",
        "arm",
        "line 2",
    );
    fails(
        "deploy.yaml",
        b"apiVersion: v1\nkind: Pod\nmetadata: [unclosed\n",
        "kubernetes",
        "line",
    );
}

#[test]
fn utf16_with_bom_is_decoded_and_scanned() {
    let text = "resource \"azurerm_container_registry\" \"r\" {\n  admin_enabled = true\n}\n";
    for (bom, encode) in [
        (vec![0xFF, 0xFE], u16::to_le_bytes as fn(u16) -> [u8; 2]),
        (vec![0xFE, 0xFF], u16::to_be_bytes as fn(u16) -> [u8; 2]),
    ] {
        let mut bytes = bom;
        bytes.extend(text.encode_utf16().flat_map(encode));
        let found = scan_file("acr.tf", &bytes).expect("UTF-16 is decoded");
        let admin = found
            .iter()
            .find(|m| m.rule.id == "iac.azurerm.container-registry-admin-enabled")
            .expect("scanned after decoding");
        assert_eq!(admin.line, 2);
    }
    let mut bom8 = b"\xEF\xBB\xBF".to_vec();
    bom8.extend_from_slice(text.as_bytes());
    assert!(!scan_file("acr.tf", &bom8).expect("UTF-8 BOM").is_empty());
}

#[test]
fn invalid_text_is_refused_with_the_offset() {
    fails(
        "main.tf",
        b"resource \"x\" \"y\" {\n  a = \"\xFF\xFE\xFD\"\n}\n",
        "terraform",
        "not UTF-8",
    );
    fails("Dockerfile", b"FROM alpine\n\xC3\x28", "dockerfile", "offset 12");
    fails("Dockerfile", b"\xFF\xFE\x00", "dockerfile", "odd number of bytes");
    fails(
        "Dockerfile",
        b"\xFF\xFE\x00\xD8",
        "dockerfile",
        "unpaired surrogate",
    );
}

#[test]
fn empty_and_blank_files_have_no_findings() {
    for path in ["main.tf", "Dockerfile"] {
        assert!(scan_file(path, b"").expect("empty").is_empty(), "{path}");
        assert!(
            scan_file(path, b"\n\n  \n# only a comment\n")
                .expect("blank")
                .is_empty(),
            "{path}"
        );
    }
}

#[test]
fn binary_junk_does_not_panic() {
    let junk: Vec<u8> = (0..4096u32)
        .map(|i| (i.wrapping_mul(2_654_435_761) >> 13) as u8)
        .collect();
    for path in PATHS {
        let _ = scan_file(path, &junk);
    }
    let mut nul_text = b"apiVersion: v1\nkind: Pod\n".to_vec();
    nul_text.extend_from_slice(&[0; 64]);
    let _ = scan_file("pod.yaml", &nul_text);
}

#[test]
fn oversized_files_are_refused_before_parsing() {
    let mut big = b"FROM alpine:3.20\n".to_vec();
    big.resize(MAX_FILE_BYTES + 1, b'#');
    fails("Dockerfile", &big, "dockerfile", "limit");
}

#[test]
fn unterminated_heredoc_and_dangling_continuation_are_tolerated() {
    let found = scan_file("Dockerfile", b"FROM ubuntu\nRUN <<EOF\napt-get update\n").expect("tolerated");
    assert!(found.iter().any(|m| m.rule.id == "iac.dockerfile.latest-tag"));
    assert!(scan_file("Dockerfile", b"FROM alpine:3.20 \\").is_ok());
    assert!(
        scan_file("Dockerfile", b"RUN echo no from\n")
            .expect("no stage")
            .is_empty()
    );
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn scanning_arbitrary_bytes_never_panics(bytes in proptest::collection::vec(any::<u8>(), 0..2048), which in 0..PATHS.len()) {
        keeps_promises(which, &bytes);
    }

    #[test]
    fn scanning_mutated_examples_never_panics(rule in 0..palisade_iac::rules().len(), cut in 0usize..4096, byte in any::<u8>()) {
        let rule = palisade_iac::rules()[rule];
        let mut bytes = rule.positive[0].as_bytes().to_vec();
        let at = cut % (bytes.len() + 1);
        bytes.insert(at, byte);
        let _ = scan_file(rule.example_path, &bytes);
        bytes.truncate(at);
        let _ = scan_file(rule.example_path, &bytes);
    }
}
