//! Server-rendered SVG charts for the dashboard: plain bars people read at a glance, each value
//! written on its bar, no script and nothing fetched from elsewhere. Every label is XML-escaped
//! here, so the markup may be placed in a page as is.

use std::fmt::Write;

/// The widest a bar's label may be (px); a longer one is cut with "…" (its bar's tooltip and
/// the table below the chart keep it whole).
const LABEL_MAX: f64 = 240.0;

/// Colours of the series (accessible contrast on white), in order.
pub const SERIES: [&str; 4] = ["#1f5fa8", "#e08a00", "#2e7d32", "#b3261e"];

fn esc(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// Width in CSS pixels a label takes, roughly: CJK characters are twice a Latin one.
fn text_width(s: &str, size: f64) -> f64 {
    s.chars()
        .map(|c| if c.is_ascii() { 0.6 } else { 1.0 })
        .sum::<f64>()
        * size
}

/// A label cut to fit `max` pixels, with "…" when cut.
fn fit(s: &str, size: f64, max: f64) -> String {
    if text_width(s, size) <= max {
        return s.to_string();
    }
    let mut out = String::new();
    for c in s.chars() {
        if text_width(&out, size) + 2.0 * size > max {
            break;
        }
        out.push(c);
    }
    out.push('…');
    out
}

/// One row of a bar chart: its label and the values of its series (stacked in order).
pub struct Row {
    pub label: String,
    pub values: Vec<i64>,
}

/// A horizontal bar chart; with several series the bars are stacked and a legend is drawn.
/// `fmt` writes a value as shown (a count, or yuan).
pub fn hbars(title: &str, rows: &[Row], series: &[&str], fmt: &dyn Fn(i64) -> String) -> String {
    let size = 13.0;
    let bar_h = 22.0;
    let gap = 8.0;
    let label_w = rows
        .iter()
        .map(|r| text_width(&r.label, size))
        .fold(60.0, f64::max)
        .min(LABEL_MAX)
        + 12.0;
    let width = 640.0;
    let value_w = 110.0;
    let plot_w = width - label_w - value_w;
    let legend_h = if series.len() > 1 { 26.0 } else { 0.0 };
    let height = legend_h + rows.len() as f64 * (bar_h + gap) + gap;
    let max = rows
        .iter()
        .map(|r| r.values.iter().sum::<i64>())
        .max()
        .unwrap_or(0)
        .max(1) as f64;
    let mut s = String::new();
    let _ = write!(
        s,
        r#"<svg class="chart" viewBox="0 0 {width} {height}" role="img" aria-label="{t}" xmlns="http://www.w3.org/2000/svg"><title>{t}</title>"#,
        t = esc(title)
    );
    if series.len() > 1 {
        let mut x = label_w;
        for (i, name) in series.iter().enumerate() {
            let _ = write!(
                s,
                r#"<rect x="{x}" y="6" width="12" height="12" fill="{c}"/><text x="{tx}" y="16" font-size="{size}">{n}</text>"#,
                c = SERIES[i % SERIES.len()],
                tx = x + 16.0,
                n = esc(name)
            );
            x += 16.0 + text_width(name, size) + 18.0;
        }
    }
    for (i, r) in rows.iter().enumerate() {
        let y = legend_h + gap + i as f64 * (bar_h + gap);
        let _ = write!(
            s,
            r#"<text x="{lx}" y="{ty}" font-size="{size}" text-anchor="end">{l}</text>"#,
            lx = label_w - 8.0,
            ty = y + bar_h * 0.7,
            l = esc(&fit(&r.label, size, LABEL_MAX))
        );
        let mut x = label_w;
        for (k, v) in r.values.iter().enumerate() {
            if *v <= 0 {
                continue;
            }
            let w = (*v as f64 / max * plot_w).max(1.5);
            let _ = write!(
                s,
                r#"<rect x="{x:.1}" y="{y}" width="{w:.1}" height="{bar_h}" fill="{c}"><title>{l}：{name}{v}</title></rect>"#,
                c = SERIES[k % SERIES.len()],
                l = esc(&r.label),
                name = series
                    .get(k)
                    .map(|n| format!("{} ", esc(n)))
                    .unwrap_or_default(),
                v = esc(&fmt(*v))
            );
            x += w;
        }
        let total: i64 = r.values.iter().sum();
        let _ = write!(
            s,
            r#"<text x="{vx:.1}" y="{ty}" font-size="{size}" class="value">{v}</text>"#,
            vx = x + 6.0,
            ty = y + bar_h * 0.7,
            v = esc(&fmt(total))
        );
    }
    s.push_str("</svg>");
    s
}

/// Vertical grouped bars: one group per label (e.g. a year), one bar per series.
pub fn vgroups(
    title: &str,
    groups: &[Row],
    series: &[&str],
    fmt: &dyn Fn(i64) -> String,
) -> String {
    let size = 12.0;
    let width = 640.0;
    let height = 280.0;
    let top = 30.0;
    let bottom = 30.0;
    let left = 10.0;
    let plot_h = height - top - bottom;
    let max = groups
        .iter()
        .flat_map(|g| g.values.iter().copied())
        .max()
        .unwrap_or(0)
        .max(1) as f64;
    let n = groups.len().max(1) as f64;
    let group_w = (width - 2.0 * left) / n;
    let bar_w = (group_w * 0.8 / series.len().max(1) as f64).min(70.0);
    let mut s = String::new();
    let _ = write!(
        s,
        r#"<svg class="chart" viewBox="0 0 {width} {height}" role="img" aria-label="{t}" xmlns="http://www.w3.org/2000/svg"><title>{t}</title>"#,
        t = esc(title)
    );
    let mut x = left;
    for (i, name) in series.iter().enumerate() {
        let _ = write!(
            s,
            r#"<rect x="{x}" y="6" width="12" height="12" fill="{c}"/><text x="{tx}" y="16" font-size="{size}">{n}</text>"#,
            c = SERIES[i % SERIES.len()],
            tx = x + 16.0,
            n = esc(name)
        );
        x += 16.0 + text_width(name, size) + 18.0;
    }
    let base = top + plot_h;
    let _ = write!(
        s,
        r##"<line x1="{left}" y1="{base}" x2="{x2}" y2="{base}" stroke="#999"/>"##,
        x2 = width - left
    );
    for (g, group) in groups.iter().enumerate() {
        let gx = left + g as f64 * group_w;
        let used = bar_w * group.values.len() as f64;
        let start = gx + (group_w - used) / 2.0;
        for (k, v) in group.values.iter().enumerate() {
            let h = (*v as f64 / max * (plot_h - 16.0)).max(if *v > 0 { 1.5 } else { 0.0 });
            let bx = start + k as f64 * bar_w;
            let _ = write!(
                s,
                r#"<rect x="{bx:.1}" y="{y:.1}" width="{w:.1}" height="{h:.1}" fill="{c}"><title>{l} {name}：{v}</title></rect><text x="{tx:.1}" y="{ty:.1}" font-size="10" text-anchor="middle" class="value">{v}</text>"#,
                y = base - h,
                w = bar_w - 4.0,
                c = SERIES[k % SERIES.len()],
                l = esc(&group.label),
                name = series.get(k).map(|n| esc(n)).unwrap_or_default(),
                v = esc(&fmt(*v)),
                tx = bx + (bar_w - 4.0) / 2.0,
                ty = base - h - 4.0
            );
        }
        let _ = write!(
            s,
            r#"<text x="{tx:.1}" y="{ty}" font-size="{size}" text-anchor="middle">{l}</text>"#,
            tx = gx + group_w / 2.0,
            ty = base + 18.0,
            l = esc(&group.label)
        );
    }
    s.push_str("</svg>");
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn labels_are_escaped_and_values_written() {
        let svg = hbars(
            "按级别",
            &[Row {
                label: "<script>".into(),
                values: vec![3],
            }],
            &["数量"],
            &|v| v.to_string(),
        );
        assert!(svg.contains("&lt;script&gt;"));
        assert!(!svg.contains("<script>"));
        assert!(svg.contains(">3</text>"));
        assert!(svg.starts_with("<svg") && svg.ends_with("</svg>"));
    }

    #[test]
    fn empty_charts_still_draw() {
        let svg = vgroups("空", &[], &["资助", "支出"], &|v| v.to_string());
        assert!(svg.contains("<title>空</title>"));
        let svg = hbars("空", &[], &["数量"], &|v| v.to_string());
        assert!(svg.ends_with("</svg>"));
    }
}
