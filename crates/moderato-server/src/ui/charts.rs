//! Server-side SVG charts for the console's transparency page: stacked bars of
//! actions by rule over time, and horizontal bars for shares (automated vs
//! human decisions, appeal outcomes).
//!
//! Charts are plain strings built here, so the page needs no JavaScript and no
//! network. Every piece of text that reaches the SVG (rule ids, labels,
//! numbers) goes through [`escape`]; this module must never write a label
//! unescaped, and never compute figures itself beyond laying out the counts it
//! is given (the figures come from the store and the core's report).

use std::collections::BTreeMap;
use std::fmt::Write as _;

use askama::filters::Escaper as _;

/// Fill colours for series, in order. Each has at least 3:1 contrast against
/// white (WCAG non-text contrast) and they stay distinct for the common forms
/// of colour blindness; the data table below every chart carries the numbers.
pub const PALETTE: [&str; 8] = [
    "#0b5cad", "#b35900", "#1b7f4a", "#a0307a", "#5b4a9e", "#8a1c1c", "#00707a", "#4a5560",
];

/// HTML/XML escaping for text and attribute values: askama's HTML escaper, the one every console
/// template uses, so the console has a single escaping rule.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    // Writing into a String cannot fail.
    let _ = askama::filters::Html.write_escaped_str(&mut out, text);
    out
}

/// One series of a stacked bar chart: a label and one value per bucket.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Series {
    /// What the series counts (a rule id).
    pub label: String,
    /// One count per bucket, in bucket order.
    pub values: Vec<u64>,
}

/// Counts of actioned decisions per bucket and rule.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RuleBuckets {
    /// Bucket labels, oldest first (`2026-11-20`, or the first day of a week).
    pub buckets: Vec<String>,
    /// Series, largest total first; small rules folded into "other rules".
    pub series: Vec<Series>,
}

/// Label of the series that folds the smallest rules together.
pub const OTHER_RULES: &str = "other rules";
/// Label for actioned decisions that cite no rule (e.g. a reviewer's change).
pub const NO_RULE: &str = "no rule cited";
/// At most this many rules get their own colour.
const MAX_SERIES: usize = 7;

/// Groups `(time in ms, rule ids)` of actioned decisions into `bucket_count`
/// buckets of `bucket_ms` starting at `start_ms`; entries outside are ignored.
/// Each rule counts once per decision.
pub fn bucket_rules(
    entries: &[(i64, Vec<String>)],
    start_ms: i64,
    bucket_ms: i64,
    bucket_count: usize,
) -> RuleBuckets {
    let bucket_ms = bucket_ms.max(1);
    let mut by_rule: BTreeMap<String, Vec<u64>> = BTreeMap::new();
    for (time, rules) in entries {
        if *time < start_ms {
            continue;
        }
        let Ok(index) = usize::try_from((time - start_ms) / bucket_ms) else {
            continue;
        };
        if index >= bucket_count {
            continue;
        }
        let mut seen: Vec<&str> = Vec::new();
        let cited: Vec<&str> = if rules.is_empty() {
            vec![NO_RULE]
        } else {
            rules.iter().map(String::as_str).collect()
        };
        for rule in cited {
            if seen.contains(&rule) {
                continue;
            }
            seen.push(rule);
            by_rule
                .entry(rule.to_string())
                .or_insert_with(|| vec![0; bucket_count])[index] += 1;
        }
    }
    let mut series: Vec<Series> = by_rule
        .into_iter()
        .map(|(label, values)| Series { label, values })
        .collect();
    // Largest first; ties by name so the order (and the colours) are stable.
    series.sort_by(|a, b| {
        let (total_a, total_b): (u64, u64) = (a.values.iter().sum(), b.values.iter().sum());
        total_b.cmp(&total_a).then_with(|| a.label.cmp(&b.label))
    });
    if series.len() > MAX_SERIES {
        let rest = series.split_off(MAX_SERIES - 1);
        let mut values = vec![0; bucket_count];
        for folded in rest {
            for (sum, value) in values.iter_mut().zip(folded.values) {
                *sum += value;
            }
        }
        series.push(Series {
            label: OTHER_RULES.to_string(),
            values,
        });
    }
    let buckets = (0..bucket_count)
        .map(|index| {
            let offset = i64::try_from(index).unwrap_or(0).saturating_mul(bucket_ms);
            chrono::DateTime::from_timestamp_millis(start_ms.saturating_add(offset))
                .map(|time| time.format("%Y-%m-%d").to_string())
                .unwrap_or_default()
        })
        .collect();
    RuleBuckets { buckets, series }
}

/// Opening of an accessible SVG: `role="img"`, an `aria-label`, and a `<title>`.
fn open_svg(out: &mut String, id: &str, width: u32, height: u32, label: &str) {
    let _ = write!(
        out,
        "<svg xmlns=\"http://www.w3.org/2000/svg\" id=\"{id}\" class=\"chart\" role=\"img\" \
         viewBox=\"0 0 {width} {height}\" width=\"100%\" preserveAspectRatio=\"xMinYMin meet\" \
         aria-label=\"{label}\" font-family=\"system-ui, sans-serif\" font-size=\"12\">\
         <title>{label}</title>",
        id = escape(id),
        label = escape(label),
    );
}

/// A "nice" axis maximum (1, 2 or 5 times a power of ten) at or above `max`.
fn nice_max(max: u64) -> u64 {
    if max <= 5 {
        return max.max(1);
    }
    let mut step = 1u64;
    loop {
        for factor in [1, 2, 5] {
            let candidate = step.saturating_mul(factor);
            if candidate >= max {
                return candidate;
            }
        }
        step = step.saturating_mul(10);
    }
}

/// Stacked bars, one per bucket, one colour per series, with a legend.
pub fn stacked_bars(id: &str, label: &str, data: &RuleBuckets) -> String {
    let bucket_count = data.buckets.len().max(1);
    let totals: Vec<u64> = (0..data.buckets.len())
        .map(|index| {
            data.series
                .iter()
                .map(|series| series.values.get(index).copied().unwrap_or(0))
                .sum()
        })
        .collect();
    let axis_max = nice_max(totals.iter().copied().max().unwrap_or(0));
    let (left, top, plot_width, plot_height) = (44u32, 12u32, 640u32, 200u32);
    let legend_rows = u32::try_from(data.series.len().div_ceil(2)).unwrap_or(0);
    let height = top + plot_height + 44 + legend_rows * 20;
    let width = left + plot_width + 16;
    let mut out = String::new();
    open_svg(&mut out, id, width, height, label);
    // Axis and grid lines at 0, half and the maximum.
    for fraction in [0u64, 1, 2] {
        let value = axis_max * fraction / 2;
        let y = f64::from(top + plot_height) - f64::from(plot_height) * (fraction as f64) / 2.0;
        let _ = write!(
            out,
            "<line x1=\"{left}\" x2=\"{x2}\" y1=\"{y:.1}\" y2=\"{y:.1}\" stroke=\"#c9d1d9\"/>\
             <text x=\"{tx}\" y=\"{ty:.1}\" text-anchor=\"end\" fill=\"#1b1f24\">{value}</text>",
            x2 = left + plot_width,
            tx = left - 6,
            ty = y + 4.0,
        );
    }
    let slot = f64::from(plot_width) / bucket_count as f64;
    let bar_width = (slot * 0.7).max(2.0);
    let label_every = bucket_count.div_ceil(10).max(1);
    for (index, bucket) in data.buckets.iter().enumerate() {
        let x = f64::from(left) + slot * index as f64 + (slot - bar_width) / 2.0;
        let mut y = f64::from(top + plot_height);
        for (series_index, series) in data.series.iter().enumerate() {
            let value = series.values.get(index).copied().unwrap_or(0);
            if value == 0 {
                continue;
            }
            let bar_height = f64::from(plot_height) * value as f64 / axis_max as f64;
            y -= bar_height;
            let _ = write!(
                out,
                "<rect x=\"{x:.1}\" y=\"{y:.1}\" width=\"{bar_width:.1}\" height=\"{bar_height:.1}\" \
                 fill=\"{fill}\" data-bucket=\"{bucket}\" data-series=\"{series_label}\" data-value=\"{value}\">\
                 <title>{bucket}: {series_label} {value}</title></rect>",
                fill = PALETTE[series_index % PALETTE.len()],
                bucket = escape(bucket),
                series_label = escape(&series.label),
            );
        }
        if index % label_every == 0 {
            let _ = write!(
                out,
                "<text x=\"{cx:.1}\" y=\"{ly}\" text-anchor=\"middle\" fill=\"#1b1f24\">{text}</text>",
                cx = x + bar_width / 2.0,
                ly = top + plot_height + 16,
                text = escape(bucket.get(5..).unwrap_or(bucket)),
            );
        }
    }
    for (series_index, series) in data.series.iter().enumerate() {
        let column = u32::try_from(series_index % 2).unwrap_or(0);
        let row = u32::try_from(series_index / 2).unwrap_or(0);
        let (lx, ly) = (left + column * 320, top + plot_height + 36 + row * 20);
        let total: u64 = series.values.iter().sum();
        let _ = write!(
            out,
            "<rect x=\"{lx}\" y=\"{ry}\" width=\"12\" height=\"12\" fill=\"{fill}\"/>\
             <text x=\"{tx}\" y=\"{ly}\" fill=\"#1b1f24\">{text} ({total})</text>",
            ry = ly - 10,
            tx = lx + 18,
            fill = PALETTE[series_index % PALETTE.len()],
            text = escape(&series.label),
        );
    }
    if data.series.is_empty() {
        let _ = write!(
            out,
            "<text x=\"{x}\" y=\"{y}\" text-anchor=\"middle\" fill=\"#1b1f24\">No actioned decisions in this period</text>",
            x = left + plot_width / 2,
            y = top + plot_height / 2,
        );
    }
    out.push_str("</svg>");
    out
}

/// Horizontal bars, one per `(label, value)`, each with its count and share.
pub fn share_bars(id: &str, label: &str, parts: &[(String, u64)]) -> String {
    let total: u64 = parts.iter().map(|(_, value)| value).sum();
    let (left, bar_space, row_height) = (150u32, 420u32, 30u32);
    let height = 12 + row_height * u32::try_from(parts.len()).unwrap_or(0).max(1);
    let mut out = String::new();
    open_svg(&mut out, id, left + bar_space + 130, height, label);
    for (index, (part, value)) in parts.iter().enumerate() {
        let y = 8 + row_height * u32::try_from(index).unwrap_or(0);
        let share = if total == 0 {
            0.0
        } else {
            *value as f64 / total as f64
        };
        let width = f64::from(bar_space) * share;
        let _ = write!(
            out,
            "<text x=\"{tx}\" y=\"{ty}\" text-anchor=\"end\" fill=\"#1b1f24\">{text}</text>\
             <rect x=\"{left}\" y=\"{y}\" width=\"{width:.1}\" height=\"20\" fill=\"{fill}\" \
             data-series=\"{text}\" data-value=\"{value}\"><title>{text}: {value} ({percent:.1}%)</title></rect>\
             <text x=\"{vx:.1}\" y=\"{ty}\" fill=\"#1b1f24\">{value} ({percent:.1}%)</text>",
            tx = left - 8,
            ty = y + 15,
            fill = PALETTE[index % PALETTE.len()],
            text = escape(part),
            percent = share * 100.0,
            vx = f64::from(left) + width + 6.0,
        );
    }
    out.push_str("</svg>");
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    const DAY: i64 = 86_400_000;
    // 2026-11-20T00:00:00Z
    const START: i64 = 1_795_132_800_000;

    #[test]
    fn rules_are_bucketed_by_day_once_per_decision() {
        let entries = vec![
            (START + 10, vec!["violence.threat".to_string()]),
            (
                START + DAY + 5,
                vec!["violence.threat".to_string(), "violence.threat".to_string()],
            ),
            (START + DAY + 6, vec!["spam.links".to_string()]),
            (START + 2 * DAY, vec![]),
            (START - 1, vec!["spam.links".to_string()]),
            (START + 3 * DAY, vec!["spam.links".to_string()]),
        ];
        let buckets = bucket_rules(&entries, START, DAY, 3);
        assert_eq!(buckets.buckets, ["2026-11-20", "2026-11-21", "2026-11-22"]);
        assert_eq!(
            buckets.series,
            vec![
                Series {
                    label: "violence.threat".into(),
                    values: vec![1, 1, 0]
                },
                Series {
                    label: NO_RULE.into(),
                    values: vec![0, 0, 1]
                },
                Series {
                    label: "spam.links".into(),
                    values: vec![0, 1, 0]
                },
            ]
        );
    }

    #[test]
    fn small_rules_fold_into_other() {
        let entries: Vec<(i64, Vec<String>)> = (0..10)
            .flat_map(|rule| (0..=rule).map(move |_| (START, vec![format!("rule.{rule:02}")])))
            .collect();
        let buckets = bucket_rules(&entries, START, DAY, 1);
        assert_eq!(buckets.series.len(), MAX_SERIES);
        assert_eq!(buckets.series[0].label, "rule.09");
        let other = buckets.series.last().unwrap();
        assert_eq!(other.label, OTHER_RULES);
        // rule.00 .. rule.03 hold 1 + 2 + 3 + 4 decisions.
        assert_eq!(other.values, vec![10]);
    }

    #[test]
    fn labels_are_escaped_and_values_drawn() {
        let data = RuleBuckets {
            buckets: vec!["2026-11-20".into()],
            series: vec![Series {
                label: "<script>alert(1)</script>".into(),
                values: vec![3],
            }],
        };
        let svg = stacked_bars("c", "Actions \"by\" rule", &data);
        assert!(!svg.contains("<script>"), "{svg}");
        assert!(
            svg.contains("&#60;script&#62;alert(1)&#60;/script&#62; (3)"),
            "{svg}"
        );
        assert!(
            svg.contains("aria-label=\"Actions &#34;by&#34; rule\""),
            "{svg}"
        );
        assert!(svg.contains("data-value=\"3\""), "{svg}");
        let shares = share_bars("s", "Share", &[("a<b".into(), 1), ("human".into(), 3)]);
        assert!(shares.contains("a&#60;b: 1 (25.0%)"), "{shares}");
        assert!(shares.contains("human: 3 (75.0%)"), "{shares}");
    }

    #[test]
    fn empty_data_draws_a_note_not_a_division_by_zero() {
        let svg = stacked_bars("c", "x", &bucket_rules(&[], START, DAY, 7));
        assert!(svg.contains("No actioned decisions"));
        assert!(!svg.contains("NaN"));
        let shares = share_bars("s", "x", &[("a".into(), 0), ("b".into(), 0)]);
        assert!(!shares.contains("NaN") && shares.contains("0 (0.0%)"));
    }

    #[test]
    fn nice_axis_maxima() {
        assert_eq!(nice_max(0), 1);
        assert_eq!(nice_max(4), 4);
        assert_eq!(nice_max(7), 10);
        assert_eq!(nice_max(11), 20);
        assert_eq!(nice_max(130), 200);
        assert_eq!(nice_max(400), 500);
    }
}
