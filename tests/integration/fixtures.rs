//! Small bundles for tests, built with `json!` so each test shows the content it relies on.

use chrono::{DateTime, Duration, Utc};
use serde_json::{Value, json};

use crate::support::now;

pub fn ts(t: DateTime<Utc>) -> String {
    tether::domain::timestamp::format(&t)
}

pub fn hours_ago(h: i64) -> String {
    ts(now() - Duration::hours(h))
}

pub fn bundle(parts: Value) -> Value {
    let mut bundle = json!({"version": 1});
    for (key, value) in parts.as_object().expect("object").clone() {
        bundle[key] = value;
    }
    bundle
}

/// A published article with one text block.
pub fn article(slug: &str, title: &str, published_at: &str) -> Value {
    json!({
        "slug": slug, "title": title, "subtitle": null, "summary": null,
        "status": "published", "published_at": published_at, "tags": [],
        "blocks": [{"type": "text", "heading": null, "body": format!("Body of {title}.")}]
    })
}

pub fn perspectives() -> Value {
    json!([
        {"key": "anxious", "label": "Anxious partner"},
        {"key": "avoidant", "label": "Avoidant partner"}
    ])
}

pub fn promo(slug: &str, kind: &str) -> Value {
    json!({
        "slug": slug, "kind": kind, "eyebrow": null, "title": format!("Promo {slug}"), "body": null,
        "cta_label": "Go →", "target_url": format!("https://partner.example/{slug}"),
        "disclosure": if kind == "affiliate" { json!("Affiliate link.") } else { Value::Null },
        "starts_at": null, "ends_at": null
    })
}
