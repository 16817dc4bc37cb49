//! Parse time grows linearly: ~10 MB lockfiles, built here, parse in
//! seconds even in a debug build. The numbers are printed
//! (`cargo nextest run -p palisade-manifests --release --no-capture perf`).

use std::fmt::Write as _;
use std::time::{Duration, Instant};

use palisade_manifests::parse;

fn package_lock(packages: usize) -> String {
    let mut s = String::from("{\n  \"name\": \"big\",\n  \"lockfileVersion\": 3,\n  \"packages\": {\n");
    s.push_str("    \"\": {\n      \"dependencies\": {\n        \"pkg-0\": \"^1.0.0\"\n      }\n    }");
    for i in 0..packages {
        let nested = if i % 3 == 0 {
            format!("node_modules/pkg-{}/", i + 1)
        } else {
            String::new()
        };
        write!(
            s,
            ",\n    \"{nested}node_modules/pkg-{i}\": {{\n      \"version\": \"1.{}.{}\",\n      \
             \"resolved\": \"https://registry.npmjs.org/pkg-{i}/-/pkg-{i}-1.0.0.tgz\",\n      \
             \"integrity\": \"sha512-v2kDEe57lecTulaDIuNTPy3Ry4gLGJ6Z1O3vE1krgXZNrsQ+LFTGHVxVjcXPs17LhbZVGedAJv8XZ1tvj5FvSg==\",\n      \
             \"dev\": {},\n      \"dependencies\": {{\n        \"pkg-{}\": \"^1.0.0\"\n      }}\n    }}",
            i % 50,
            i % 7,
            i % 2 == 0,
            i + 1
        )
        .unwrap();
    }
    s.push_str("\n  }\n}\n");
    s
}

fn pnpm_lock(packages: usize) -> String {
    let mut s = String::from(
        "lockfileVersion: '9.0'\n\nimporters:\n\n  .:\n    dependencies:\n      pkg-0:\n        specifier: ^1.0.0\n        version: 1.0.0\n\npackages:\n\n",
    );
    for i in 0..packages {
        writeln!(
            s,
            "  pkg-{i}@1.0.{i}:\n    resolution: {{integrity: sha512-v2kDEe57lecTulaDIuNTPy3Ry4gLGJ6Z1O3vE1krgXZNrsQ+LFTGHVxVjcXPs17LhbZVGedAJv8XZ1tvj5FvSg==}}\n    engines: {{node: '>=8'}}\n"
        )
        .unwrap();
    }
    s.push_str("snapshots:\n\n");
    for i in 0..packages {
        writeln!(
            s,
            "  pkg-{i}@1.0.{i}:\n    dependencies:\n      pkg-{}: 1.0.{}\n",
            i + 1,
            i + 1
        )
        .unwrap();
    }
    s
}

#[expect(
    clippy::print_stdout,
    reason = "the numbers are the point; shown with --no-capture"
)]
fn measure(path: &str, text: &str, expected: usize) -> Duration {
    let start = Instant::now();
    let m = parse(path, text.as_bytes()).unwrap();
    let took = start.elapsed();
    assert_eq!(m.dependencies.len(), expected);
    println!(
        "{path}: {:.1} MB, {expected} packages in {took:?} ({:.0} MB/s)",
        text.len() as f64 / 1e6,
        text.len() as f64 / 1e6 / took.as_secs_f64()
    );
    took
}

#[test]
fn ten_megabyte_package_lock() {
    let text = package_lock(30_000);
    assert!(text.len() > 10_000_000, "{}", text.len());
    let took = measure("package-lock.json", &text, 30_000);
    assert!(took < Duration::from_secs(30), "{took:?}");
}

#[test]
fn ten_megabyte_pnpm_lock() {
    let text = pnpm_lock(45_000);
    assert!(text.len() > 10_000_000, "{}", text.len());
    let took = measure("pnpm-lock.yaml", &text, 45_000);
    assert!(took < Duration::from_mins(1), "{took:?}");
}

/// Doubling the input roughly doubles the time (not quadruples).
#[test]
fn package_lock_time_is_linear() {
    let small = package_lock(8_000);
    let large = package_lock(32_000);
    // Warm up, then take the best of three for each size.
    let best = |text: &str| {
        (0..3)
            .map(|_| {
                let start = Instant::now();
                parse("package-lock.json", text.as_bytes()).unwrap();
                start.elapsed()
            })
            .min()
            .unwrap()
    };
    let t_small = best(&small);
    let t_large = best(&large);
    let ratio = t_large.as_secs_f64() / t_small.as_secs_f64();
    println!("4x input: {ratio:.1}x time ({t_small:?} -> {t_large:?})");
    assert!(ratio < 10.0, "4x input took {ratio:.1}x the time");
}
