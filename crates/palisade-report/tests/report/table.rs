use palisade_report::{ScanReport, table};

use crate::common::{empty, loc, render_string, rich, rich_with_secrets};

fn plain(report: &ScanReport) -> String {
    render_string(|out| table::render(report, out, false))
}

/// Removes `ESC [ ... m` sequences.
fn strip_ansi(s: &str) -> String {
    let mut out = String::new();
    let mut chars = s.chars().peekable();
    while let Some(c) = chars.next() {
        if c == '\x1b' && chars.peek() == Some(&'[') {
            for c in chars.by_ref() {
                if c.is_ascii_alphabetic() {
                    break;
                }
            }
        } else {
            out.push(c);
        }
    }
    out
}

const RICH: &str = "\
Scanned /home/dev/src/acme app (git-history, HEAD 1a2b3c4d): 1234 files, 1100 blobs, 5.2 MiB in 2.35 s, rules 3f2a9c1e0b7d [completed-with-errors]
Skipped 3 binary and 1 too large files.

CRITICAL  github.pat  GitHub personal access token  ghp_********  new
  src/config.rs:12:9
  old/.env:3:1  commit aaaaaaaa by Jane Doe on 2024-01-02
  vendor/copy0/config.rs:12:9
  vendor/copy1/config.rs:13:9
  vendor/copy2/config.rs:14:9
  ... and 2 more

HIGH      aws.access-key-id  AWS access key id  AK********  (false-positive)
  deploy/terraform.tfvars:7:14  commit bbbbbbbb by Bob Builder on 2023-07-22

MEDIUM    generic.password-assignment  Password assignment  hunt********  (accepted-risk)
  docs/réunion notes.md:40:11
  c:odd/100%.txt:1:1

LOW       slack.webhook  Slack webhook  http********  (fixed)
  scripts/notify.sh:2:8  commit aaaaaaaa by Jane Doe on 2024-01-02

INFO      internal.debug-token  Internal debug token  dbg-********  new
  test/fixtures/debug.txt:1:1

5 secrets found: 1 critical, 1 high, 1 medium, 1 low, 1 info. 2 suppressed.
error: secrets/locked.pem: permission denied
error: blob 0123456789abcdef0123456789abcdef01234567: object is corrupt
";

#[test]
fn rich_report_renders_every_part() {
    assert_eq!(plain(&rich()), RICH);
}

#[test]
fn empty_report_says_nothing_was_found() {
    assert_eq!(
        plain(&empty()),
        "Scanned /home/dev/src/acme app (folder): 1234 files, 1100 blobs, 5.2 MiB in 2.35 s, rules 3f2a9c1e0b7d\n\
         \n\
         No secrets found.\n"
    );
}

#[test]
fn empty_report_still_lists_suppressed_and_errors() {
    let mut report = empty();
    report.scan.suppressed = 1;
    report.scan.errors = rich().scan.errors;
    let text = plain(&report);
    assert!(text.ends_with(
        "No secrets found. 1 suppressed.\n\
         error: secrets/locked.pem: permission denied\n\
         error: blob 0123456789abcdef0123456789abcdef01234567: object is corrupt\n"
    ));
}

#[test]
fn colour_only_adds_escapes() {
    let coloured = render_string(|out| table::render(&rich(), out, true));
    assert!(coloured.contains("\x1b["), "no ANSI escapes in coloured output");
    assert_eq!(strip_ansi(&coloured), RICH);
    assert!(!plain(&rich()).contains('\x1b'));
}

#[test]
fn shows_the_clear_secret_only_when_the_finding_carries_it() {
    let text = plain(&rich_with_secrets());
    assert!(text.contains("GitHub personal access token  ghp_PLANTEDgithubTOKEN0123456789abcdefXYZ  new"));
    assert!(!text.contains("ghp_********"));
}

#[test]
fn control_characters_from_scanned_content_are_escaped() {
    let mut report = rich();
    report.findings[1].finding.locations = vec![loc("evil\x1b]0;pwned\x07\r.txt", 1, 1, None)];
    report.findings[1].finding.rule_name = "Name\x1b[2J".to_owned();
    let text = plain(&report);
    assert!(!text.contains('\x1b') && !text.contains('\x07') && !text.contains('\r'));
    assert!(text.contains(r"evil\u{1b}]0;pwned\u{7}\r.txt:1:1"), "{text}");
    assert!(text.contains(r"Name\u{1b}[2J"));
}

#[test]
fn human_units() {
    assert_eq!(table::human_bytes(0), "0 B");
    assert_eq!(table::human_bytes(1023), "1023 B");
    assert_eq!(table::human_bytes(1536), "1.5 KiB");
    assert_eq!(table::human_bytes(3 * 1024 * 1024 * 1024), "3.0 GiB");
    assert_eq!(table::human_duration(153), "153 ms");
    assert_eq!(table::human_duration(2345), "2.35 s");
    assert_eq!(table::human_duration(245_000), "4m 05s");
}
