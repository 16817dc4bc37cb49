//! Exports: folders, single files, zips, and the limits that guard them.

use std::io::{Cursor, Write};
use std::path::Path;

use palisade_advisories::{
    Limits, LoadError, OsvRecord, RecordErrorKind, load_export, read_export, read_zip,
};
use zip::write::SimpleFileOptions;
use zip::{CompressionMethod, ZipWriter};

use crate::{fixture, fixtures};

const GOOD: [&str; 14] = [
    "GHSA-35jh-r3h4-6jhm",
    "GHSA-5crp-9r3c-p9vr",
    "GHSA-67hx-6x53-jw92",
    "GHSA-9x4v-xx3w-5j2f",
    "GHSA-futr-e0sc-hema",
    "GHSA-ghhp-997w-qr28",
    "GHSA-jfh8-c2jp-5v3q",
    "GHSA-jh3w-4vvf-mjgr",
    "GHSA-p6mc-m468-83gw",
    "GHSA-rqv2-275x-2jq5",
    "GO-2022-0390",
    "GO-2022-0969",
    "PYSEC-2020-43",
    "RUSTSEC-2020-0071",
];

fn sorted_ids<'a>(ids: impl Iterator<Item = &'a str>) -> Vec<&'a str> {
    let mut ids: Vec<_> = ids.collect();
    ids.sort_unstable();
    ids
}

#[test]
fn folder_loads_every_record_and_reports_the_bad_ones() {
    let report = load_export(&fixtures(), &Limits::default()).expect("loads");
    assert_eq!(sorted_ids(report.advisories.iter().map(|a| a.id.as_str())), GOOD);
    assert_eq!(report.withdrawn.len(), 1);
    assert_eq!(report.withdrawn[0].id, "GHSA-w1th-drwn-0001");
    // Four malformed files; README.md is not a record and is ignored.
    let mut errors: Vec<_> = report
        .errors
        .iter()
        .map(|e| {
            let file = Path::new(e.location.as_deref().expect("location"))
                .file_name()
                .expect("file name");
            (file.to_string_lossy().into_owned(), e.id.clone())
        })
        .collect();
    errors.sort();
    assert_eq!(
        errors,
        [
            (
                "GHSA-badd-affe-cted.json".to_owned(),
                Some("GHSA-badd-affe-cted".to_owned())
            ),
            (
                "GHSA-nomo-difi-ed00.json".to_owned(),
                Some("GHSA-nomo-difi-ed00".to_owned())
            ),
            (
                "GHSA-twok-inds-0000.json".to_owned(),
                Some("GHSA-twok-inds-0000".to_owned())
            ),
            ("truncated.json".to_owned(), None),
        ]
    );
}

#[test]
fn folder_order_is_stable() {
    let ids = || {
        let mut ids = Vec::new();
        read_export(&fixtures(), &Limits::default(), |r| {
            ids.push(r.map(|r| r.id().to_owned()).ok());
        })
        .expect("loads");
        ids
    };
    let first = ids();
    assert_eq!(first, ids());
    // Sorted paths, subfolders in name order: Go/ comes first.
    assert_eq!(first[0].as_deref(), Some("GO-2022-0390"));
}

#[test]
fn each_record_exposes_modified_for_incremental_imports() {
    let mut seen = Vec::new();
    read_export(&fixtures().join("npm"), &Limits::default(), |r| {
        let r = r.expect("npm fixtures are valid");
        seen.push((r.id().to_owned(), r.modified().to_rfc3339()));
    })
    .expect("loads");
    assert_eq!(
        seen,
        [
            (
                "GHSA-35jh-r3h4-6jhm".to_owned(),
                "2024-02-20T21:57:39.000Z".to_owned()
            ),
            (
                "GHSA-67hx-6x53-jw92".to_owned(),
                "2024-05-02T12:00:00.000Z".to_owned()
            ),
            (
                "GHSA-p6mc-m468-83gw".to_owned(),
                "2023-01-09T05:05:39.000Z".to_owned()
            ),
        ]
    );
}

#[test]
fn a_single_json_file_is_an_export() {
    let report = load_export(&fixtures().join("Go/GO-2022-0969.json"), &Limits::default()).expect("loads");
    assert_eq!(report.advisories.len(), 1);
    assert!(report.errors.is_empty());
}

#[test]
fn paths_that_are_not_exports_are_refused() {
    let err = load_export(&fixtures().join("README.md"), &Limits::default()).expect_err("not an export");
    assert!(matches!(err, LoadError::NotAnExport(_)), "{err}");
    let err = load_export(&fixtures().join("missing"), &Limits::default()).expect_err("missing");
    assert!(matches!(err, LoadError::Io { .. }), "{err}");
}

#[test]
fn oversized_file_in_a_folder_is_an_error_for_that_file_only() {
    let dir = tempfile::tempdir().expect("temp dir");
    std::fs::write(dir.path().join("a.json"), fixture("Go/GO-2022-0969.json")).expect("write");
    std::fs::write(dir.path().join("big.json"), vec![b' '; 2048]).expect("write");
    let limits = Limits {
        max_entry_bytes: 1024 + 512,
        ..Limits::default()
    };
    let report = load_export(dir.path(), &limits).expect("loads");
    assert_eq!(report.advisories.len(), 1);
    assert_eq!(report.errors.len(), 1);
    assert!(matches!(
        report.errors[0].kind,
        RecordErrorKind::TooLarge { limit: 1536 }
    ));
}

#[test]
fn folder_with_too_many_files_is_refused() {
    let limits = Limits {
        max_entries: 5,
        ..Limits::default()
    };
    let err = load_export(&fixtures(), &limits).expect_err("too many");
    assert!(matches!(err, LoadError::TooManyEntries { limit: 5, .. }), "{err}");
}

/// A zip of `(name, bytes)` entries, deflated.
fn zip_of(entries: &[(&str, &[u8])]) -> Vec<u8> {
    let mut w = ZipWriter::new(Cursor::new(Vec::new()));
    let options = SimpleFileOptions::default().compression_method(CompressionMethod::Deflated);
    for (name, bytes) in entries {
        if name.ends_with('/') {
            w.add_directory(*name, options).expect("dir");
        } else {
            w.start_file(*name, options).expect("start");
            w.write_all(bytes).expect("write");
        }
    }
    w.finish().expect("finish").into_inner()
}

/// The fixture records, as osv.dev lays out `all.zip`: `ID.json` entries.
fn fixture_zip() -> Vec<u8> {
    let names = [
        "npm/GHSA-35jh-r3h4-6jhm.json",
        "Go/GO-2022-0969.json",
        "special/GHSA-w1th-drwn-0001.json",
        "malformed/truncated.json",
    ];
    let files: Vec<(String, Vec<u8>)> = names
        .iter()
        .map(|n| {
            (
                Path::new(n)
                    .file_name()
                    .expect("name")
                    .to_string_lossy()
                    .into_owned(),
                fixture(n),
            )
        })
        .collect();
    let mut entries: Vec<(&str, &[u8])> = files.iter().map(|(n, b)| (n.as_str(), b.as_slice())).collect();
    entries.push(("nested/", b""));
    entries.push(("notes.txt", b"not a record"));
    zip_of(&entries)
}

/// Advisory ids, withdrawn ids and errors read from a zip.
type ZipContents = (Vec<String>, Vec<String>, Vec<RecordErrorKind>);

fn collect_zip(bytes: Vec<u8>, limits: &Limits) -> Result<ZipContents, LoadError> {
    let (mut advisories, mut withdrawn, mut errors) = (Vec::new(), Vec::new(), Vec::new());
    read_zip(Cursor::new(bytes), limits, |r| match r {
        Ok(OsvRecord::Advisory(a)) => advisories.push(a.id),
        Ok(OsvRecord::Withdrawn(w)) => withdrawn.push(w.id),
        Err(e) => errors.push(e.kind),
    })?;
    Ok((advisories, withdrawn, errors))
}

#[test]
fn zip_export_loads_like_a_folder() {
    let (advisories, withdrawn, errors) = collect_zip(fixture_zip(), &Limits::default()).expect("loads");
    assert_eq!(advisories, ["GHSA-35jh-r3h4-6jhm", "GO-2022-0969"]);
    assert_eq!(withdrawn, ["GHSA-w1th-drwn-0001"]);
    assert_eq!(errors.len(), 1, "{errors:?}");
    assert!(matches!(errors[0], RecordErrorKind::Json(_)));
}

#[test]
fn zip_file_on_disk_is_read_by_extension() {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("all.zip");
    std::fs::write(&path, fixture_zip()).expect("write");
    let report = load_export(&path, &Limits::default()).expect("loads");
    assert_eq!(report.advisories.len(), 2);
    let location = report.errors[0].location.as_deref().expect("location");
    assert!(location.ends_with("all.zip!truncated.json"), "{location}");
}

#[test]
fn zip_bomb_entry_is_refused_and_the_rest_loads() {
    // 17 MiB of spaces deflates to a few KiB: over the default 16 MiB cap.
    let bomb = vec![b' '; 17 << 20];
    let good = fixture("Go/GO-2022-0969.json");
    let bytes = zip_of(&[("bomb.json", &bomb), ("GO-2022-0969.json", &good)]);
    assert!(bytes.len() < 200 << 10, "compressed to {} bytes", bytes.len());
    let (advisories, _, errors) = collect_zip(bytes, &Limits::default()).expect("loads");
    assert_eq!(advisories, ["GO-2022-0969"]);
    assert!(
        matches!(errors[..], [RecordErrorKind::TooLarge { limit }] if limit == 16 << 20),
        "{errors:?}"
    );
}

/// Overwrites the uncompressed size of every entry, in the local headers
/// and the central directory, as a hostile archive would.
fn lie_about_sizes(bytes: &mut [u8], size: u32) {
    let patch = |bytes: &mut [u8], signature: &[u8; 4], offset: usize| {
        let mut i = 0;
        while let Some(pos) = bytes[i..].windows(4).position(|w| w == signature) {
            let at = i + pos + offset;
            bytes[at..at + 4].copy_from_slice(&size.to_le_bytes());
            i += pos + 4;
        }
    };
    patch(bytes, b"PK\x03\x04", 22);
    patch(bytes, b"PK\x01\x02", 24);
}

#[test]
fn zip_entry_larger_than_its_header_claims_is_refused() {
    let bomb = vec![b' '; 4 << 20];
    let mut bytes = zip_of(&[("bomb.json", &bomb)]);
    lie_about_sizes(&mut bytes, 100);
    let limits = Limits {
        max_entry_bytes: 1 << 20,
        ..Limits::default()
    };
    let (advisories, _, errors) = collect_zip(bytes, &limits).expect("archive opens");
    assert!(advisories.is_empty());
    // Either the cap or the zip reader's own size/CRC check stops it; never
    // more than the cap is read.
    assert!(
        matches!(
            errors[..],
            [RecordErrorKind::TooLarge { .. } | RecordErrorKind::Read(_)]
        ),
        "{errors:?}"
    );
}

#[test]
fn zip_with_too_many_entries_is_refused_before_reading() {
    let limits = Limits {
        max_entries: 3,
        ..Limits::default()
    };
    let err = collect_zip(fixture_zip(), &limits).expect_err("too many");
    assert!(matches!(err, LoadError::TooManyEntries { limit: 3, .. }), "{err}");
}

#[test]
fn zip_total_is_capped() {
    let limits = Limits {
        max_total_bytes: 2000,
        ..Limits::default()
    };
    let err = collect_zip(fixture_zip(), &limits).expect_err("too much");
    assert!(
        matches!(err, LoadError::TotalTooLarge { limit: 2000, .. }),
        "{err}"
    );
}

#[test]
fn corrupt_zip_is_a_load_error() {
    let mut bytes = fixture_zip();
    bytes.truncate(bytes.len() / 2);
    let err = collect_zip(bytes, &Limits::default()).expect_err("corrupt");
    assert!(matches!(err, LoadError::Zip { .. }), "{err}");
    let err = collect_zip(b"PK not really".to_vec(), &Limits::default()).expect_err("garbage");
    assert!(matches!(err, LoadError::Zip { .. }), "{err}");
}
