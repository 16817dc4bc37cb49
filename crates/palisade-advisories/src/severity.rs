use std::str::FromStr;

use palisade_domain::Severity;

/// How severe an advisory is, and where that came from.
#[derive(Clone, Debug, PartialEq)]
pub struct AdvisorySeverity {
    /// The palisade severity.
    pub level: Severity,
    /// The CVSS score (0.0 to 10.0), when a vector gave one.
    pub score: Option<f64>,
    /// The vector or label the severity was taken from.
    pub source: SeveritySource,
}

/// The origin of an [`AdvisorySeverity`].
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum SeveritySource {
    /// A CVSS v3.0 or v3.1 vector; the score is its base score.
    CvssV3(String),
    /// A CVSS v4.0 vector.
    CvssV4(String),
    /// The database's own label (`database_specific.severity`, such as
    /// GitHub's `CRITICAL`, `HIGH`, `MODERATE`, `LOW`); no score.
    Database(String),
}

/// The CVSS v3.x base score of `vector` (`CVSS:3.0/...` or `CVSS:3.1/...`,
/// with each base metric `AV AC PR UI S C I A` present), or `None` if the
/// vector is not a complete v3 vector.
pub fn cvss_v3_base_score(vector: &str) -> Option<f64> {
    const BASE: [&str; 8] = ["AV", "AC", "PR", "UI", "S", "C", "I", "A"];
    let vector = vector.trim();
    // The parser accepts vectors missing base metrics (and scores them as 0).
    let present = |m: &str| vector.split('/').skip(1).any(|c| c.split(':').next() == Some(m));
    if !BASE.iter().all(|m| present(m)) {
        return None;
    }
    let parsed = cvss::v3::Vector::from_str(vector).ok()?;
    Some(parsed.base_score().value())
}

/// The CVSS v4.0 score of `vector` (`CVSS:4.0/...`), or `None` if invalid.
pub fn cvss_v4_score(vector: &str) -> Option<f64> {
    let parsed = cvss::v4::Vector::from_str(vector.trim()).ok()?;
    Some(parsed.score().value())
}

/// The palisade severity of a CVSS score, by CVSS's qualitative scale:
/// 0.0 none (`Info`), 0.1–3.9 low, 4.0–6.9 medium, 7.0–8.9 high, 9.0–10.0
/// critical.
pub fn severity_from_score(score: f64) -> Severity {
    if score >= 9.0 {
        Severity::Critical
    } else if score >= 7.0 {
        Severity::High
    } else if score >= 4.0 {
        Severity::Medium
    } else if score >= 0.1 {
        Severity::Low
    } else {
        Severity::Info
    }
}

/// A database's severity label (GitHub: `CRITICAL`, `HIGH`, `MODERATE`,
/// `LOW`; others say `MEDIUM`), case-insensitively.
pub(crate) fn severity_from_label(label: &str) -> Option<Severity> {
    match label.trim().to_ascii_lowercase().as_str() {
        "critical" => Some(Severity::Critical),
        "high" | "important" => Some(Severity::High),
        "moderate" | "medium" => Some(Severity::Medium),
        "low" => Some(Severity::Low),
        "none" | "info" | "informational" | "negligible" => Some(Severity::Info),
        _ => None,
    }
}

/// Picks one severity for an advisory from its OSV `severity` entries
/// (`(type, score)` pairs, top-level first, then the affected packages') and
/// its database label: the highest valid CVSS v3 base score, else the highest
/// CVSS v4 score, else the label. Invalid vectors and unknown types are
/// skipped, not errors.
pub(crate) fn pick<'a>(
    entries: impl IntoIterator<Item = (&'a str, &'a str)>,
    label: Option<&str>,
) -> Option<AdvisorySeverity> {
    let mut v3: Option<(f64, &str)> = None;
    let mut v4: Option<(f64, &str)> = None;
    for (kind, vector) in entries {
        let (slot, score) = match kind {
            "CVSS_V3" => (&mut v3, cvss_v3_base_score(vector)),
            "CVSS_V4" => (&mut v4, cvss_v4_score(vector)),
            _ => continue,
        };
        if let Some(score) = score.filter(|s| (0.0..=10.0).contains(s))
            && slot.is_none_or(|(best, _)| score > best)
        {
            *slot = Some((score, vector));
        }
    }
    if let Some((score, vector)) = v3 {
        return Some(AdvisorySeverity {
            level: severity_from_score(score),
            score: Some(score),
            source: SeveritySource::CvssV3(vector.trim().to_owned()),
        });
    }
    if let Some((score, vector)) = v4 {
        return Some(AdvisorySeverity {
            level: severity_from_score(score),
            score: Some(score),
            source: SeveritySource::CvssV4(vector.trim().to_owned()),
        });
    }
    let label = label?;
    Some(AdvisorySeverity {
        level: severity_from_label(label)?,
        score: None,
        source: SeveritySource::Database(label.to_owned()),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn v3_base_scores_match_first_calculator() {
        let cases = [
            ("CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H", 9.8),
            ("CVSS:3.1/AV:N/AC:L/PR:H/UI:N/S:U/C:H/I:H/A:H", 7.2),
            ("CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:C/C:H/I:H/A:H", 10.0),
            ("CVSS:3.1/AV:N/AC:L/PR:N/UI:R/S:C/C:L/I:L/A:N", 6.1),
            ("CVSS:3.1/AV:N/AC:H/PR:N/UI:N/S:U/C:L/I:N/A:N", 3.7),
            ("CVSS:3.1/AV:L/AC:H/PR:N/UI:N/S:U/C:N/I:N/A:H", 5.1),
            ("CVSS:3.0/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:N/A:N", 7.5),
            ("CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:N/I:N/A:N", 0.0),
            // Temporal metrics do not change the base score.
            ("CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H/E:U/RL:O/RC:R", 9.8),
        ];
        for (vector, score) in cases {
            assert_eq!(cvss_v3_base_score(vector), Some(score), "{vector}");
        }
    }

    #[test]
    fn incomplete_or_foreign_vectors_have_no_v3_score() {
        for vector in [
            "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H",
            "CVSS:3.1/AV:X/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H",
            "CVSS:2.0/AV:N/AC:L/Au:N/C:P/I:P/A:P",
            "AV:N/AC:L/Au:N/C:P/I:P/A:P",
            "CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N",
            "",
            "CVSS:3.1/AV:N/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H",
        ] {
            assert_eq!(cvss_v3_base_score(vector), None, "{vector}");
        }
    }

    #[test]
    fn v4_scores() {
        assert_eq!(
            cvss_v4_score("CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N"),
            Some(9.3)
        );
        assert_eq!(cvss_v4_score("CVSS:4.0/AV:N/AC:L"), None);
    }

    #[test]
    fn scale_boundaries() {
        assert_eq!(severity_from_score(0.0), Severity::Info);
        assert_eq!(severity_from_score(0.1), Severity::Low);
        assert_eq!(severity_from_score(3.9), Severity::Low);
        assert_eq!(severity_from_score(4.0), Severity::Medium);
        assert_eq!(severity_from_score(6.9), Severity::Medium);
        assert_eq!(severity_from_score(7.0), Severity::High);
        assert_eq!(severity_from_score(8.9), Severity::High);
        assert_eq!(severity_from_score(9.0), Severity::Critical);
        assert_eq!(severity_from_score(10.0), Severity::Critical);
    }

    #[test]
    fn v3_wins_over_v4_and_label() {
        let v4 = (
            "CVSS_V4",
            "CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N",
        );
        let v3 = ("CVSS_V3", "CVSS:3.1/AV:N/AC:H/PR:N/UI:N/S:U/C:L/I:N/A:N");
        let s = pick([v4, v3], Some("CRITICAL")).expect("severity");
        assert_eq!((s.level, s.score), (Severity::Low, Some(3.7)));
        let s = pick([v4, ("CVSS_V3", "garbage")], Some("LOW")).expect("severity");
        assert_eq!((s.level, s.score), (Severity::Critical, Some(9.3)));
        let s = pick([("CVSS_V5", "CVSS:5.0/X")], Some("MODERATE")).expect("severity");
        assert_eq!(
            (s.level, s.source),
            (Severity::Medium, SeveritySource::Database("MODERATE".into()))
        );
        assert_eq!(pick([], Some("unknown")), None);
    }
}
