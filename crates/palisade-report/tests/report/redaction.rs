//! A finding without `secret` must not leak it through any format.

use palisade_report::{ScanReport, json, sarif, table};

use crate::common::{SECRETS, render_string, rich, rich_with_secrets};

fn all_formats(report: &ScanReport) -> [(&'static str, String); 4] {
    [
        ("table", render_string(|out| table::render(report, out, false))),
        (
            "table (colour)",
            render_string(|out| table::render(report, out, true)),
        ),
        ("json", render_string(|out| json::render(report, out))),
        ("sarif", render_string(|out| sarif::render(report, out))),
    ]
}

#[test]
fn no_format_prints_a_secret_the_finding_does_not_carry() {
    let report = rich();
    for (format, text) in all_formats(&report) {
        for secret in SECRETS {
            assert!(
                !text.contains(secret),
                "{format} output contains the secret {secret:?}"
            );
        }
        // Not even the part after the preview's prefix.
        assert!(
            !text.contains("PLANTED"),
            "{format} output contains part of a secret"
        );
        assert!(text.contains("ghp_********"), "{format} output lacks the preview");
    }
}

#[test]
fn every_format_prints_the_secret_when_asked() {
    // The check above can fail: with --show-secrets each format shows them.
    let report = rich_with_secrets();
    for (format, text) in all_formats(&report) {
        for secret in SECRETS {
            let escaped = serde_json::to_string(secret).expect("string");
            let escaped = escaped.trim_matches('"');
            assert!(
                text.contains(secret) || text.contains(escaped),
                "{format} output lacks the secret {secret:?} though the finding carries it"
            );
        }
    }
}
