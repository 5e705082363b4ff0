//! `docs.json`'s insights (since 1.4) as text: one line per family for
//! `inspect`, a section per family for the Markdown export's
//! `history.md`. Families and fields a reader does not know are skipped.

use crate::model::Insight;
use serde_json::Value;
use std::fmt::Write;

/// The answer's list and the field that names each item.
fn list_of(insight: &Insight) -> Option<(&Vec<Value>, &'static str, Option<&'static str>)> {
    let (list, target, grade) = match insight.family.as_str() {
        "risk_hotspots" => ("hotspots", "path", Some("risk")),
        "reading_order" => ("steps", "target", None),
        "module_health" => ("modules", "path", Some("health")),
        _ => return None,
    };
    Some((insight.answer.get(list)?.as_array()?, target, grade))
}

fn text<'a>(item: &'a Value, field: &str) -> &'a str {
    item.get(field).and_then(Value::as_str).unwrap_or("")
}

fn origin(insight: &Insight) -> String {
    match (&insight.model, &insight.error) {
        (Some(model), _) => format!("model {model}"),
        (None, Some(_)) => "facts (the model's answer failed)".to_string(),
        (None, None) => "facts".to_string(),
    }
}

/// `risk_hotspots: model m, 10 items; high: src/a.rs, src/b.rs`.
pub fn line(insight: &Insight) -> Option<String> {
    let (items, target, grade) = list_of(insight)?;
    let mut out = format!(
        "{}: {}, {} items",
        insight.family,
        origin(insight),
        items.len()
    );
    match grade {
        Some(grade) => {
            let worst = match grade {
                "risk" => "high",
                _ => "poor",
            };
            let named: Vec<&str> = items
                .iter()
                .filter(|i| text(i, grade) == worst)
                .map(|i| text(i, target))
                .take(3)
                .collect();
            if !named.is_empty() {
                let _ = write!(out, "; {worst}: {}", named.join(", "));
            }
        }
        None => {
            let steps: Vec<&str> = items.iter().map(|i| text(i, target)).take(4).collect();
            let _ = write!(out, "; {}", steps.join(" → "));
        }
    }
    Some(out)
}

/// The Markdown section of every insight family known to this reader.
pub fn markdown(out: &mut String, insights: &[Insight]) {
    let known: Vec<&Insight> = insights.iter().filter(|i| list_of(i).is_some()).collect();
    if known.is_empty() {
        return;
    }
    out.push_str("## Insights\n\n");
    for insight in known {
        let Some((items, target, grade)) = list_of(insight) else {
            continue;
        };
        let title = match insight.family.as_str() {
            "risk_hotspots" => "Risk hotspots",
            "reading_order" => "Reading order",
            _ => "Module health",
        };
        let _ = writeln!(out, "### {title}\n\n_{}_\n", origin(insight));
        for (n, item) in items.iter().enumerate() {
            let why = text(item, "why").replace('\n', " ");
            let _ = match grade {
                Some(grade) => writeln!(
                    out,
                    "- `{}` — **{}**: {why}",
                    text(item, target),
                    text(item, grade)
                ),
                None => writeln!(out, "{}. `{}` — {why}", n + 1, text(item, target)),
            };
        }
        out.push('\n');
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::DocSource;
    use serde_json::json;

    fn insight(family: &str, answer: Value) -> Insight {
        Insight {
            family: family.into(),
            source: DocSource::Facts,
            model: None,
            schema: json!({}),
            answer,
            replay: None,
            error: None,
        }
    }

    #[test]
    fn lines_and_sections() {
        let risk = insight(
            "risk_hotspots",
            json!({"hotspots": [{"path": "a.rs", "risk": "high", "why": "Often."},
                                {"path": "b.rs", "risk": "low", "why": "Rarely."}]}),
        );
        let order = insight(
            "reading_order",
            json!({"steps": [{"target": "main", "why": "Start."}, {"target": "core", "why": "Then."}]}),
        );
        assert_eq!(
            line(&risk).unwrap(),
            "risk_hotspots: facts, 2 items; high: a.rs"
        );
        assert_eq!(
            line(&order).unwrap(),
            "reading_order: facts, 2 items; main → core"
        );
        assert_eq!(line(&insight("later_family", json!({}))), None);
        let mut out = String::new();
        markdown(&mut out, &[risk, order]);
        assert!(out.contains("### Risk hotspots\n\n_facts_\n\n- `a.rs` — **high**: Often.\n"));
        assert!(out.contains("1. `main` — Start.\n2. `core` — Then.\n"));
    }
}
