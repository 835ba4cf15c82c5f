//! Bar charts as inline SVG, drawn by plotters (its SVG backend, no fonts
//! needed: text is left to the browser). Attributes only, never a `style`
//! attribute, so the page's CSP needs no exception.

use extramile_domain::reports::Chart;
use plotters::prelude::*;

const BAR: RGBColor = RGBColor(11, 94, 215);
const INK: RGBColor = RGBColor(40, 48, 58);

/// The chart as an `<svg>` element with its data in its accessible name;
/// empty when it cannot be drawn (the tables say the same).
pub fn svg(c: &Chart) -> String {
    let mut out = String::new();
    if draw(c, &mut out).is_err() {
        return String::new();
    }
    let summary = c
        .bars
        .iter()
        .map(|b| format!("{}: {}", b.label, b.value))
        .collect::<Vec<_>>()
        .join(", ");
    let label = format!("{} ({}): {summary}", c.title, c.unit)
        .replace('&', "&amp;")
        .replace('"', "&quot;")
        .replace('<', "&lt;");
    out.replacen(
        "<svg ",
        &format!("<svg role=\"img\" aria-label=\"{label}\" class=\"chart-svg\" "),
        1,
    )
}

fn draw(c: &Chart, out: &mut String) -> Result<(), String> {
    let n = c.bars.len().max(1);
    // Room for the longest label under each bar (about 8 px a character).
    let longest = c
        .bars
        .iter()
        .map(|b| b.label.chars().count())
        .max()
        .unwrap_or(0);
    let every = n.div_ceil(12);
    let per_bar = ((longest as u32 * 8 + 10) / every as u32).max(34);
    let width = (n as u32 * per_bar + 70).clamp(420, 900);
    let root = SVGBackend::with_string(out, (width, 240)).into_drawing_area();
    root.fill(&WHITE).map_err(|e| e.to_string())?;
    let most = c.bars.iter().map(|b| b.value).max().unwrap_or(0).max(1);
    let top = most + (most / 8).max(1);
    // At most about 12 labels under the bars: every k-th.
    let labels: Vec<String> = c.bars.iter().map(|b| b.label.clone()).collect();
    let mut chart = ChartBuilder::on(&root)
        .margin(10)
        .x_label_area_size(34)
        .y_label_area_size(44)
        .build_cartesian_2d((0..(n - 1).max(1)).into_segmented(), 0i64..top)
        .map_err(|e| e.to_string())?;
    chart
        .configure_mesh()
        .disable_x_mesh()
        .light_line_style(RGBColor(230, 233, 237))
        .bold_line_style(RGBColor(210, 214, 220))
        .axis_style(INK)
        .x_labels(n)
        .x_label_formatter(&|x| match x {
            SegmentValue::CenterOf(i) if i % every == 0 => {
                labels.get(*i).cloned().unwrap_or_default()
            }
            _ => String::new(),
        })
        .y_labels(5)
        .y_label_formatter(&|y| y.to_string())
        .y_desc(c.unit.as_str())
        .label_style(("sans-serif", 15).into_font().color(&INK))
        .axis_desc_style(("sans-serif", 15).into_font().color(&INK))
        .draw()
        .map_err(|e| e.to_string())?;
    chart
        .draw_series(c.bars.iter().enumerate().map(|(i, b)| {
            let mut r = Rectangle::new(
                [
                    (SegmentValue::Exact(i), 0),
                    (SegmentValue::Exact(i + 1), b.value),
                ],
                BAR.filled(),
            );
            r.set_margin(0, 0, 3, 3);
            r
        }))
        .map_err(|e| e.to_string())?;
    root.present().map_err(|e| e.to_string())?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use extramile_domain::reports::Bar;

    #[test]
    fn a_chart_is_an_accessible_svg_without_style_attributes() {
        let c = Chart {
            key: "k".into(),
            title: "Follow-ups done, by day".into(),
            unit: "follow-ups".into(),
            bars: ["Mon 23", "Tue 24", "Wed 25"]
                .iter()
                .zip([1, 0, 4])
                .map(|(l, v)| Bar {
                    label: (*l).into(),
                    value: v,
                })
                .collect(),
        };
        let s = svg(&c);
        assert!(s.starts_with("<svg role=\"img\" aria-label=\"Follow-ups done, by day (follow-ups): Mon 23: 1, Tue 24: 0, Wed 25: 4\""), "{s}");
        assert!(
            !s.contains("style="),
            "the CSP refuses style attributes: {s}"
        );
        assert!(s.matches("<rect").count() >= 3, "{s}");
        assert!(s.contains("Wed 25\n</text>"), "{s}");
    }
}
