//! Charts drawn on the server as SVG geometry: no script, nothing fetched.

use palisade_domain::Severity;
use palisade_store::{DayCounts, SeverityCounts};

/// Width and height of a trend chart's plot, in SVG units.
pub(crate) const WIDTH_PX: u32 = 600;
pub(crate) const HEIGHT_PX: u32 = 160;
const WIDTH: f64 = WIDTH_PX as f64;
const HEIGHT: f64 = HEIGHT_PX as f64;

/// One line of a trend chart.
#[derive(Debug)]
pub(crate) struct Series {
    pub severity: &'static str,
    /// `x,y x,y ...` for a `<polyline>`.
    pub points: String,
    /// The same points as dots, so a single day still shows.
    pub dots: Vec<(String, String)>,
}

/// Open findings per day as one line per severity (critical to low), on a
/// shared scale from zero to the largest day.
#[derive(Debug)]
pub(crate) struct Trend {
    pub series: Vec<Series>,
    pub max: u64,
    pub first_day: String,
    pub last_day: String,
}

pub(crate) fn trend(days: &[DayCounts]) -> Option<Trend> {
    let (first, last) = (days.first()?, days.last()?);
    let shown = [
        Severity::Critical,
        Severity::High,
        Severity::Medium,
        Severity::Low,
    ];
    let max = days
        .iter()
        .flat_map(|d| shown.iter().map(|s| d.open.get(*s)))
        .max()
        .unwrap_or(0)
        .max(1);
    #[allow(clippy::cast_precision_loss, reason = "chart geometry")]
    let point = |i: usize, n: u64| {
        let x = if days.len() == 1 {
            WIDTH / 2.0
        } else {
            WIDTH * i as f64 / (days.len() - 1) as f64
        };
        let y = HEIGHT - HEIGHT * n as f64 / max as f64;
        (format!("{x:.1}"), format!("{y:.1}"))
    };
    let series = shown
        .iter()
        .map(|s| {
            let dots: Vec<(String, String)> = days
                .iter()
                .enumerate()
                .map(|(i, d)| point(i, d.open.get(*s)))
                .collect();
            Series {
                severity: s.as_str(),
                points: dots
                    .iter()
                    .map(|(x, y)| format!("{x},{y}"))
                    .collect::<Vec<_>>()
                    .join(" "),
                dots,
            }
        })
        .collect();
    Some(Trend {
        series,
        max,
        first_day: first.day.clone(),
        last_day: last.day.clone(),
    })
}

/// One bar of a bar chart: a label, a count and the bar's width.
#[derive(Debug)]
pub(crate) struct Bar {
    pub label: &'static str,
    pub class: &'static str,
    pub count: u64,
    /// Width in SVG units, out of [`BAR_WIDTH`].
    pub width: u64,
}

pub(crate) const BAR_WIDTH: u64 = 300;

/// Bars per severity, critical first.
pub(crate) fn severity_bars(c: &SeverityCounts) -> Vec<Bar> {
    let max = Severity::ALL.iter().map(|s| c.get(*s)).max().unwrap_or(0).max(1);
    [
        Severity::Critical,
        Severity::High,
        Severity::Medium,
        Severity::Low,
        Severity::Info,
    ]
    .into_iter()
    .map(|s| Bar {
        label: s.as_str(),
        class: s.as_str(),
        count: c.get(s),
        width: c.get(s) * BAR_WIDTH / max,
    })
    .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(day: &str, high: u64) -> DayCounts {
        let mut open = SeverityCounts::default();
        open.add(Severity::High, high);
        DayCounts {
            day: day.into(),
            open,
        }
    }

    #[test]
    fn trend_scales_to_the_largest_day() {
        assert!(trend(&[]).is_none());
        let t = trend(&[day("2026-11-01", 2), day("2026-11-02", 4)]).expect("two days");
        assert_eq!(t.max, 4);
        let high = t.series.iter().find(|s| s.severity == "high").expect("high line");
        assert_eq!(high.points, "0.0,80.0 600.0,0.0");
        let one = trend(&[day("2026-11-01", 0)]).expect("one day");
        assert_eq!(one.series[0].points, "300.0,160.0");
    }

    #[test]
    fn bars_are_proportional() {
        let mut c = SeverityCounts::default();
        c.add(Severity::Critical, 1);
        c.add(Severity::Low, 4);
        let bars = severity_bars(&c);
        assert_eq!(bars[0].width, BAR_WIDTH / 4);
        assert_eq!(bars[3].width, BAR_WIDTH);
        assert_eq!(bars[4].width, 0);
    }
}
