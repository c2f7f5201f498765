//! The content bundle (CONTRACT section 3): parsing with a JSON path for every problem, and the
//! checks that need the whole bundle (duplicate slugs, references between entities).

use std::collections::HashSet;

use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::domain::content::{Article, Block, FeelingList, Perspective, Promo, StepGuide};
use crate::domain::problems::{Problems, join};
use crate::domain::promotions::Placement;
use crate::domain::publishing::check_publishing;
use crate::domain::timestamp::Timestamp;

pub const BUNDLE_VERSION: u64 = 1;

/// Every piece of content, as exchanged by `tether import` and `tether export`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Bundle {
    pub version: u64,
    #[serde(default)]
    pub perspectives: Vec<Perspective>,
    #[serde(default)]
    pub promos: Vec<Promo>,
    #[serde(default)]
    pub feeling_lists: Vec<FeelingList>,
    #[serde(default)]
    pub step_guides: Vec<StepGuide>,
    #[serde(default)]
    pub articles: Vec<Article>,
    /// Promos placed into slots (written only when there are some).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub placements: Vec<Placement>,
}

/// Slugs (and perspective keys) that already exist in storage, so a bundle may refer to them.
#[derive(Debug, Clone, Default)]
pub struct KnownSlugs {
    pub perspectives: HashSet<String>,
    pub promos: HashSet<String>,
    pub feeling_lists: HashSet<String>,
    pub step_guides: HashSet<String>,
}

impl Bundle {
    /// A bundle of the current version holding nothing.
    pub fn empty() -> Bundle {
        Bundle {
            version: BUNDLE_VERSION,
            ..Bundle::default()
        }
    }

    /// Parses bundle JSON, reporting malformed JSON with its line and column, and every
    /// structural problem (unknown field, wrong type, missing field) with its JSON path.
    pub fn parse(json: &str) -> Result<Bundle, Problems> {
        let root: Value = serde_json::from_str(json).map_err(|e| {
            let mut problems = Problems::new();
            problems.push(
                "",
                format!(
                    "malformed JSON at line {}, column {}: {}",
                    e.line(),
                    e.column(),
                    strip_position(&e)
                ),
            );
            problems
        })?;
        let Value::Object(mut fields) = root else {
            let mut problems = Problems::new();
            problems.push("", "a bundle must be a JSON object");
            return Err(problems);
        };

        let mut problems = Problems::new();
        let version = match fields.remove("version") {
            Some(Value::Number(n)) if n.as_u64() == Some(BUNDLE_VERSION) => BUNDLE_VERSION,
            Some(other) => {
                problems.push(
                    "version",
                    format!("is {other}; this Tether reads bundle version {BUNDLE_VERSION}"),
                );
                BUNDLE_VERSION
            }
            None => {
                problems.push("version", format!("is missing; set it to {BUNDLE_VERSION}"));
                BUNDLE_VERSION
            }
        };
        let bundle = Bundle {
            version,
            perspectives: parse_list(&mut fields, "perspectives", &mut problems),
            promos: parse_list(&mut fields, "promos", &mut problems),
            feeling_lists: parse_list(&mut fields, "feeling_lists", &mut problems),
            step_guides: parse_list(&mut fields, "step_guides", &mut problems),
            articles: parse_list(&mut fields, "articles", &mut problems),
            placements: parse_list(&mut fields, "placements", &mut problems),
        };
        let mut unknown: Vec<_> = fields.keys().collect();
        unknown.sort();
        for key in unknown {
            problems.push(
                key.as_str(),
                "unknown field; expected version, perspectives, promos, feeling_lists, step_guides, articles or placements",
            );
        }
        problems.into_result().map(|()| bundle)
    }

    /// Checks every entity's own rules, the publishing rules at `now`, slugs that appear twice,
    /// and that every reference names a perspective, feeling list, step guide or promo in this
    /// bundle or already stored.
    pub fn validate(&self, stored: &KnownSlugs, now: Timestamp) -> Result<(), Problems> {
        let mut problems = Problems::new();

        let perspectives = unique_keys(
            &mut problems,
            "perspectives",
            "key",
            self.perspectives.iter().map(|p| &p.key),
        );
        let promos = unique_keys(
            &mut problems,
            "promos",
            "slug",
            self.promos.iter().map(|p| &p.slug),
        );
        let lists = unique_keys(
            &mut problems,
            "feeling_lists",
            "slug",
            self.feeling_lists.iter().map(|l| &l.slug),
        );
        let guides = unique_keys(
            &mut problems,
            "step_guides",
            "slug",
            self.step_guides.iter().map(|g| &g.slug),
        );
        unique_keys(
            &mut problems,
            "articles",
            "slug",
            self.articles.iter().map(|a| &a.slug),
        );

        let has_perspective =
            |key: &str| perspectives.contains(key) || stored.perspectives.contains(key);

        for (i, perspective) in self.perspectives.iter().enumerate() {
            perspective.validate(&format!("perspectives[{i}]"), &mut problems);
        }
        for (i, promo) in self.promos.iter().enumerate() {
            promo.validate(&format!("promos[{i}]"), &mut problems);
        }
        for (i, list) in self.feeling_lists.iter().enumerate() {
            let path = format!("feeling_lists[{i}]");
            list.validate(&path, &mut problems);
            for (j, item) in list.items.iter().enumerate() {
                if !has_perspective(&item.perspective) {
                    problems.push(
                        join(&path, &format!("items[{j}].perspective")),
                        format!("unknown perspective \"{}\"", item.perspective),
                    );
                }
            }
        }
        for (i, guide) in self.step_guides.iter().enumerate() {
            let path = format!("step_guides[{i}]");
            guide.validate(&path, &mut problems);
            for (j, step) in guide.steps.iter().enumerate() {
                if let Some(key) = &step.perspective
                    && !has_perspective(key)
                {
                    problems.push(
                        join(&path, &format!("steps[{j}].perspective")),
                        format!("unknown perspective \"{key}\""),
                    );
                }
            }
        }
        for (i, article) in self.articles.iter().enumerate() {
            let path = format!("articles[{i}]");
            article.validate(&path, &mut problems);
            check_publishing(article, now, &path, &mut problems);
            for (j, block) in article.blocks.iter().enumerate() {
                let (known, stored_set, what, reference) = match block {
                    Block::Text { .. } => continue,
                    Block::Feelings { reference } => {
                        (&lists, &stored.feeling_lists, "feeling list", reference)
                    }
                    Block::Steps { reference } => {
                        (&guides, &stored.step_guides, "step guide", reference)
                    }
                    Block::Promo { reference } => (&promos, &stored.promos, "promo", reference),
                };
                if !known.contains(reference.as_str()) && !stored_set.contains(reference) {
                    problems.push(
                        join(&path, &format!("blocks[{j}].ref")),
                        format!("unknown {what} \"{reference}\""),
                    );
                }
            }
        }
        let mut placed = HashSet::new();
        for (i, placement) in self.placements.iter().enumerate() {
            let path = format!("placements[{i}]");
            placement.validate(&path, None, &mut problems);
            if !promos.contains(placement.promo.as_str())
                && !stored.promos.contains(&placement.promo)
            {
                problems.push(
                    join(&path, "promo"),
                    format!("unknown promo \"{}\"", placement.promo),
                );
            }
            if !placed.insert((&placement.promo, &placement.slot, &placement.tag)) {
                problems.push(
                    path,
                    "this promo is placed in this slot for this tag more than once",
                );
            }
        }
        problems.into_result()
    }

    /// Pretty JSON with a trailing newline: the export format.
    pub fn to_json(&self) -> String {
        let mut json = serde_json::to_string_pretty(self).unwrap_or_else(|_| String::from("{}"));
        json.push('\n');
        json
    }
}

fn parse_list<T: DeserializeOwned>(
    fields: &mut serde_json::Map<String, Value>,
    key: &str,
    problems: &mut Problems,
) -> Vec<T> {
    let items = match fields.remove(key) {
        None | Some(Value::Null) => return Vec::new(),
        Some(Value::Array(items)) => items,
        Some(_) => {
            problems.push(key, "must be an array");
            return Vec::new();
        }
    };
    let mut parsed = Vec::with_capacity(items.len());
    for (i, item) in items.into_iter().enumerate() {
        let item_path = format!("{key}[{i}]");
        match serde_path_to_error::deserialize::<_, T>(item) {
            Ok(value) => parsed.push(value),
            Err(error) => {
                let inner = error.path().to_string();
                let path = if inner == "." {
                    item_path
                } else {
                    join(&item_path, &inner)
                };
                problems.push(path, error.into_inner().to_string());
            }
        }
    }
    parsed
}

/// Records every key seen twice and returns the set of keys.
fn unique_keys<'a>(
    problems: &mut Problems,
    list: &str,
    field: &str,
    keys: impl Iterator<Item = &'a String>,
) -> HashSet<&'a str> {
    let mut seen = HashSet::new();
    for (i, key) in keys.enumerate() {
        if !seen.insert(key.as_str()) {
            problems.push(
                format!("{list}[{i}].{field}"),
                format!("\"{key}\" appears more than once"),
            );
        }
    }
    seen
}

/// serde_json appends " at line L column C" to its messages; the position is reported separately.
fn strip_position(error: &serde_json::Error) -> String {
    let text = error.to_string();
    match text.rfind(" at line ") {
        Some(at) => text[..at].to_owned(),
        None => text,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn malformed_json_has_line_and_column() {
        let err = Bundle::parse("{\n  \"version\": 1,\n  \"promos\": [,]\n}").unwrap_err();
        let text = err.to_string();
        assert!(
            text.starts_with("malformed JSON at line 3, column"),
            "{text}"
        );
    }

    #[test]
    fn unknown_fields_are_errors_with_paths() {
        let json = r#"{"version": 1, "extra": 1, "articles": [{"slug": "a", "title": "A", "status": "draft", "titel": "x"}]}"#;
        let text = Bundle::parse(json).unwrap_err().to_string();
        assert!(
            text.contains("articles[0].titel: unknown field `titel`"),
            "{text}"
        );
        assert!(text.contains("extra: unknown field"), "{text}");
    }

    #[test]
    fn references_must_resolve() {
        let json = r#"{"version": 1, "articles": [{"slug": "a", "title": "A", "status": "draft",
            "blocks": [{"type": "text", "body": "hi"}, {"type": "feelings", "ref": "x"}]}]}"#;
        let bundle = Bundle::parse(json).unwrap();
        let text = bundle
            .validate(&KnownSlugs::default(), chrono::Utc::now())
            .unwrap_err()
            .to_string();
        assert_eq!(
            text,
            "articles[0].blocks[1].ref: unknown feeling list \"x\""
        );
    }
}
