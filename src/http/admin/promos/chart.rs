//! Clicks per day as an SVG bar chart, drawn on the server (no script, no CDN, no inline CSS,
//! so it passes the admin's Content-Security-Policy).

use std::fmt::Write;

const WIDTH: f64 = 720.0;
const HEIGHT: f64 = 200.0;
const LEFT: f64 = 36.0;
const BOTTOM: f64 = 22.0;
const TOP: f64 = 10.0;

/// One bar per `(day, clicks)`, in the order given; `day` is `YYYY-MM-DD`.
pub fn clicks_per_day(days: &[(String, u64)]) -> String {
    let max = days.iter().map(|(_, n)| *n).max().unwrap_or(0).max(1);
    let total: u64 = days.iter().map(|(_, n)| n).sum();
    let plot_width = WIDTH - LEFT;
    let plot_height = HEIGHT - BOTTOM - TOP;
    let slot = plot_width / days.len().max(1) as f64;
    let bar = (slot * 0.75).max(1.0);
    let mut svg = String::new();
    let _ = write!(
        svg,
        "<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"chart\" viewBox=\"0 0 {WIDTH} {HEIGHT}\" \
         role=\"img\" aria-label=\"Clicks per day: {total} in {} days\">",
        days.len()
    );
    // Axis and the maximum's grid line.
    let _ = write!(
        svg,
        "<line x1=\"{LEFT}\" y1=\"{y}\" x2=\"{WIDTH}\" y2=\"{y}\" stroke=\"#c9ccd1\"/>\
         <line x1=\"{LEFT}\" y1=\"{TOP}\" x2=\"{WIDTH}\" y2=\"{TOP}\" stroke=\"#eceef1\"/>\
         <text x=\"{lx}\" y=\"{ty}\" text-anchor=\"end\" font-size=\"11\" fill=\"#5b6270\">{max}</text>\
         <text x=\"{lx}\" y=\"{y}\" text-anchor=\"end\" font-size=\"11\" fill=\"#5b6270\">0</text>",
        y = HEIGHT - BOTTOM,
        lx = LEFT - 6.0,
        ty = TOP + 4.0,
    );
    for (i, (day, clicks)) in days.iter().enumerate() {
        let h = plot_height * (*clicks as f64) / (max as f64);
        let x = LEFT + slot * i as f64 + (slot - bar) / 2.0;
        let y = HEIGHT - BOTTOM - h;
        let _ = write!(
            svg,
            "<rect x=\"{x:.1}\" y=\"{y:.1}\" width=\"{bar:.1}\" height=\"{h:.1}\" fill=\"#3b6fd8\">\
             <title>{day}: {clicks} click{s}</title></rect>",
            s = if *clicks == 1 { "" } else { "s" }
        );
    }
    // First, middle and last dates under the axis.
    if let (Some(first), Some(last)) = (days.first(), days.last()) {
        let label_y = HEIGHT - 6.0;
        let _ = write!(
            svg,
            "<text x=\"{LEFT}\" y=\"{label_y}\" font-size=\"11\" fill=\"#5b6270\">{}</text>\
             <text x=\"{WIDTH}\" y=\"{label_y}\" text-anchor=\"end\" font-size=\"11\" fill=\"#5b6270\">{}</text>",
            first.0, last.0
        );
    }
    svg.push_str("</svg>");
    svg
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bars_scale_to_the_busiest_day() {
        let svg = clicks_per_day(&[
            ("2026-11-01".into(), 0),
            ("2026-11-02".into(), 4),
            ("2026-11-03".into(), 2),
        ]);
        assert!(svg.starts_with("<svg") && svg.ends_with("</svg>"));
        assert_eq!(svg.matches("<rect").count(), 3);
        assert!(svg.contains("2026-11-02: 4 clicks"));
        assert!(
            svg.contains("height=\"168.0\""),
            "the busiest day is full height"
        );
        assert!(
            svg.contains("height=\"84.0\""),
            "half as many clicks, half as high"
        );
        assert!(svg.contains("6 in 3 days"));
    }

    #[test]
    fn no_clicks_draws_an_empty_chart() {
        let svg = clicks_per_day(&[("2026-11-01".into(), 0)]);
        assert!(svg.contains("height=\"0.0\""));
    }
}
