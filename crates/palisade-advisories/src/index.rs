//! Which advisories affect a package version.

use std::collections::{BTreeMap, HashMap};

use palisade_domain::Confidence;

use crate::record::{Advisory, Event, Range, RangeKind};
use crate::severity::AdvisorySeverity;
use crate::{Ecosystem, Scheme, Version, VersionError};

/// Advisories in memory, keyed by (ecosystem, normalized package name), with
/// their range versions parsed and sorted once.
#[derive(Debug, Default)]
pub struct AdvisoryIndex {
    advisories: Vec<Advisory>,
    by_id: HashMap<String, usize>,
    by_package: HashMap<(Ecosystem, String), Vec<Target>>,
}

/// One affected entry of one advisory, ready to evaluate.
#[derive(Debug)]
struct Target {
    advisory: usize,
    /// The ecosystem's order (for `ECOSYSTEM` ranges and `versions`).
    scheme: Scheme,
    ranges: Vec<PreparedRange>,
    versions: Vec<String>,
}

#[derive(Debug)]
struct PreparedRange {
    scheme: Scheme,
    /// The events as given.
    raw: Vec<Event>,
    /// The events sorted in `scheme`'s order, or `None` if one of them is not
    /// a valid version there (the range is then evaluated in the generic
    /// order, with low confidence).
    native: Option<Vec<Point>>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum EventKind {
    Introduced,
    Fixed,
    LastAffected,
    Limit,
}

/// An event at a parsed version; `at: None` is `introduced: "0"`, before
/// every version.
#[derive(Debug)]
struct Point {
    kind: EventKind,
    at: Option<Version>,
    raw: String,
}

/// An advisory that affects the version asked about.
#[derive(Clone, Debug)]
pub struct AdvisoryMatch<'a> {
    /// The advisory.
    pub advisory: &'a Advisory,
    /// For each matching range, the lowest `fixed` version above the one
    /// asked about; sorted, without duplicates. Empty when no fix is known
    /// (open ranges, `last_affected` ranges).
    pub fixed: Vec<String>,
    /// `High` when the match used the ecosystem's own version order (or an
    /// exact string in a `versions` list); `Low` when it fell back to the
    /// generic order (an unknown ecosystem, or a version the ecosystem's
    /// rules do not accept).
    pub confidence: Confidence,
    /// What matched.
    pub kind: MatchKind,
}

/// What made an advisory match.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum MatchKind {
    /// A `SEMVER` or `ECOSYSTEM` range (possibly also a `versions` list).
    Range,
    /// Only an explicit `versions` list.
    Versions,
}

impl AdvisoryMatch<'_> {
    /// The advisory id.
    pub fn id(&self) -> &str {
        &self.advisory.id
    }

    /// Other ids of the vulnerability (CVE, GHSA).
    pub fn aliases(&self) -> &[String] {
        &self.advisory.aliases
    }

    /// The one-line summary.
    pub fn summary(&self) -> Option<&str> {
        self.advisory.summary.as_deref()
    }

    /// The severity and CVSS score.
    pub fn severity(&self) -> Option<&AdvisorySeverity> {
        self.advisory.severity.as_ref()
    }

    /// The lowest version that fixes every matching range, if one is known:
    /// the highest of [`AdvisoryMatch::fixed`].
    pub fn fixed_in(&self) -> Option<&str> {
        self.fixed.last().map(String::as_str)
    }
}

impl AdvisoryIndex {
    /// Indexes `advisories`. When two share an id, the one modified last is
    /// kept.
    pub fn new(advisories: impl IntoIterator<Item = Advisory>) -> Self {
        let mut index = Self::default();
        for advisory in advisories {
            match index.by_id.get(&advisory.id) {
                Some(&i) if index.advisories[i].modified > advisory.modified => {}
                Some(&i) => index.advisories[i] = advisory,
                None => {
                    index.by_id.insert(advisory.id.clone(), index.advisories.len());
                    index.advisories.push(advisory);
                }
            }
        }
        for (i, advisory) in index.advisories.iter().enumerate() {
            for affected in &advisory.affected {
                let ecosystem = &affected.package.ecosystem;
                let scheme = Scheme::of(ecosystem);
                let key = (
                    ecosystem.clone(),
                    ecosystem.normalize_name(&affected.package.name).into_owned(),
                );
                index.by_package.entry(key).or_default().push(Target {
                    advisory: i,
                    scheme,
                    ranges: affected
                        .ranges
                        .iter()
                        .map(|r| PreparedRange::new(r, scheme))
                        .collect(),
                    versions: affected.versions.clone(),
                });
            }
        }
        index
    }

    /// The number of advisories.
    pub fn len(&self) -> usize {
        self.advisories.len()
    }

    /// Whether there are no advisories.
    pub fn is_empty(&self) -> bool {
        self.advisories.is_empty()
    }

    /// The advisory with this id.
    pub fn get(&self, id: &str) -> Option<&Advisory> {
        self.by_id.get(id).map(|&i| &self.advisories[i])
    }

    /// All advisories, in the order first given.
    pub fn advisories(&self) -> &[Advisory] {
        &self.advisories
    }

    /// The advisories affecting `version` of package `name` in `ecosystem`,
    /// sorted by id, one match per advisory.
    ///
    /// The name is normalized as [`Ecosystem::normalize_name`] says. Each
    /// `SEMVER`/`ECOSYSTEM` range is evaluated as the OSV specification
    /// describes: events sorted by version (`introduced: "0"` first); a
    /// version is affected from an `introduced` on, until a `fixed` (which is
    /// not affected) or past a `last_affected` (which is); with `limit`
    /// events, only versions below a limit can be affected. A version listed
    /// in `versions` is affected too.
    pub fn is_affected(&self, ecosystem: &Ecosystem, name: &str, version: &str) -> Vec<AdvisoryMatch<'_>> {
        let key = (ecosystem.clone(), ecosystem.normalize_name(name).into_owned());
        let Some(targets) = self.by_package.get(&key) else {
            return Vec::new();
        };
        let mut installed = Installed::new(version);
        let mut found: BTreeMap<&str, Found> = BTreeMap::new();
        for target in targets {
            let mut hit = false;
            let mut in_range = false;
            let mut exact = false;
            let mut fixed = Vec::new();
            for range in &target.ranges {
                if let Some(h) = range.evaluate(&mut installed) {
                    hit = true;
                    in_range = true;
                    exact |= h.exact;
                    fixed.extend(h.fixed);
                }
            }
            if !in_range && let Some(listed_exact) = target.listed(&mut installed) {
                hit = true;
                exact |= listed_exact;
                // The list says affected; say what fixes it if a range knows.
                fixed.extend(
                    target
                        .ranges
                        .iter()
                        .filter_map(|r| r.lowest_fixed_above(&mut installed)),
                );
            }
            if !hit {
                continue;
            }
            let advisory = &self.advisories[target.advisory];
            let entry = found.entry(&advisory.id).or_insert_with(|| Found {
                advisory: target.advisory,
                scheme: target.scheme,
                fixed: Vec::new(),
                exact: false,
                in_range: false,
            });
            entry.fixed.extend(fixed);
            entry.exact |= exact;
            entry.in_range |= in_range;
        }
        found
            .into_values()
            .map(|f| AdvisoryMatch {
                advisory: &self.advisories[f.advisory],
                fixed: sort_versions(f.scheme, f.fixed),
                confidence: if f.exact {
                    Confidence::High
                } else {
                    Confidence::Low
                },
                kind: if f.in_range {
                    MatchKind::Range
                } else {
                    MatchKind::Versions
                },
            })
            .collect()
    }
}

struct Found {
    advisory: usize,
    scheme: Scheme,
    fixed: Vec<String>,
    exact: bool,
    in_range: bool,
}

/// The version asked about, parsed lazily per scheme.
struct Installed<'a> {
    raw: &'a str,
    parsed: [Option<Result<Version, VersionError>>; Scheme::COUNT],
}

impl<'a> Installed<'a> {
    fn new(raw: &'a str) -> Self {
        Self {
            raw,
            parsed: Default::default(),
        }
    }

    fn get(&mut self, scheme: Scheme) -> Option<&Version> {
        self.parsed[scheme.index()]
            .get_or_insert_with(|| Version::parse_with(scheme, self.raw))
            .as_ref()
            .ok()
    }
}

/// A matching range: the lowest fix above the installed version, and
/// whether the ecosystem's own order decided it.
struct Hit {
    fixed: Option<String>,
    exact: bool,
}

impl PreparedRange {
    fn new(range: &Range, ecosystem_scheme: Scheme) -> Self {
        let scheme = match range.kind {
            RangeKind::SemVer => Scheme::SemVer,
            RangeKind::Ecosystem => ecosystem_scheme,
        };
        Self {
            scheme,
            native: points(&range.events, scheme),
            raw: range.events.clone(),
        }
    }

    /// `Some` if the installed version is in the range.
    fn evaluate(&self, installed: &mut Installed<'_>) -> Option<Hit> {
        let exact = self.scheme != Scheme::Generic;
        if let (Some(points), Some(v)) = (&self.native, installed.get(self.scheme)) {
            return in_range(points, v).then(|| Hit {
                fixed: lowest_fixed_above(points, v),
                exact,
            });
        }
        let points = points(&self.raw, Scheme::Generic)?;
        let v = installed.get(Scheme::Generic)?;
        in_range(&points, v).then(|| Hit {
            fixed: lowest_fixed_above(&points, v),
            exact: false,
        })
    }

    fn lowest_fixed_above(&self, installed: &mut Installed<'_>) -> Option<String> {
        if let (Some(points), Some(v)) = (&self.native, installed.get(self.scheme)) {
            return lowest_fixed_above(points, v);
        }
        let points = points(&self.raw, Scheme::Generic)?;
        lowest_fixed_above(&points, installed.get(Scheme::Generic)?)
    }
}

impl Target {
    /// `Some(exact)` if the installed version is in the `versions` list:
    /// the same string, or (`exact`) equal in the ecosystem's own order.
    fn listed(&self, installed: &mut Installed<'_>) -> Option<bool> {
        let raw = installed.raw.trim();
        if self.versions.iter().any(|v| v == raw) {
            return Some(true);
        }
        if self.scheme == Scheme::Generic {
            return None;
        }
        let v = installed.get(self.scheme)?;
        self.versions
            .iter()
            .any(|listed| Version::parse_with(self.scheme, listed).is_ok_and(|l| &l == v))
            .then_some(true)
    }
}

/// The events parsed in `scheme` and sorted (stable, `introduced: "0"`
/// first); `None` if a version does not parse.
fn points(events: &[Event], scheme: Scheme) -> Option<Vec<Point>> {
    let mut points = events
        .iter()
        .map(|e| {
            let (kind, raw) = match e {
                Event::Introduced(v) => (EventKind::Introduced, v),
                Event::Fixed(v) => (EventKind::Fixed, v),
                Event::LastAffected(v) => (EventKind::LastAffected, v),
                Event::Limit(v) => (EventKind::Limit, v),
            };
            let at = if kind == EventKind::Introduced && raw.trim() == "0" {
                None
            } else {
                Some(Version::parse_with(scheme, raw).ok()?)
            };
            Some(Point {
                kind,
                at,
                raw: raw.trim().to_owned(),
            })
        })
        .collect::<Option<Vec<_>>>()?;
    // `None` (introduced "0") sorts before every version.
    points.sort_by(|a, b| a.at.cmp(&b.at));
    Some(points)
}

/// The OSV evaluation of one range.
fn in_range(points: &[Point], v: &Version) -> bool {
    let at_or_after = |p: &Point| p.at.as_ref().is_none_or(|at| v >= at);
    let mut affected = false;
    for p in points {
        match p.kind {
            EventKind::Introduced if at_or_after(p) => affected = true,
            EventKind::Fixed if at_or_after(p) => affected = false,
            EventKind::LastAffected if p.at.as_ref().is_none_or(|at| v > at) => affected = false,
            _ => {}
        }
    }
    let mut limits = points.iter().filter(|p| p.kind == EventKind::Limit).peekable();
    if limits.peek().is_some() && !limits.any(|p| p.at.as_ref().is_some_and(|at| v < at)) {
        return false;
    }
    affected
}

fn lowest_fixed_above(points: &[Point], v: &Version) -> Option<String> {
    // Points are sorted: the first fix above is the lowest.
    points
        .iter()
        .find(|p| p.kind == EventKind::Fixed && p.at.as_ref().is_some_and(|at| at > v))
        .map(|p| p.raw.clone())
}

/// Sorted in `scheme`'s order (strings it refuses: generic order, after the
/// others), without duplicates.
fn sort_versions(scheme: Scheme, mut versions: Vec<String>) -> Vec<String> {
    versions.sort();
    versions.dedup();
    let key = |s: &str| (Version::parse_with(scheme, s).ok(), Version::generic(s).ok());
    versions.sort_by_cached_key(|s| {
        let (native, generic) = key(s);
        (native.is_none(), native, generic)
    });
    versions
}
