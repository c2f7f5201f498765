//! The content bundle (CONTRACT section 3): reading it element by element with a JSON path for
//! every problem ([`read`]), checking it element by element, including what needs the whole
//! bundle (duplicate slugs, references between entities) ([`check`]), and writing it element by
//! element in the export format ([`write`]). [`Bundle`] holds a whole bundle, for small ones
//! and tests.

pub mod check;
pub mod read;
pub mod write;

use std::collections::HashSet;

use serde::{Deserialize, Serialize};

pub use check::Checker;
pub use read::{Counts, Element, Section};

use crate::domain::content::{Article, FeelingList, Perspective, Promo, StepGuide};
use crate::domain::problems::Problems;
use crate::domain::promotions::Placement;
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
    /// (An import reads its bundle element by element with [`read::read`] instead.)
    pub fn parse(json: &str) -> Result<Bundle, Problems> {
        let mut bundle = Bundle::empty();
        let structure = read::read(json.as_bytes(), &|_| true, &mut |_, element| {
            bundle.push(element);
            true
        })
        .map_err(|error| match error {
            read::ReadError::Malformed(problems) => problems,
            other => {
                let mut problems = Problems::new();
                problems.push("", other.to_string());
                problems
            }
        })?;
        structure.problems.into_result().map(|()| bundle)
    }

    fn push(&mut self, element: Element) {
        match element {
            Element::Perspective(p) => self.perspectives.push(p),
            Element::Promo(p) => self.promos.push(p),
            Element::FeelingList(l) => self.feeling_lists.push(l),
            Element::StepGuide(g) => self.step_guides.push(g),
            Element::Article(a) => self.articles.push(a),
            Element::Placement(p) => self.placements.push(p),
        }
    }

    /// Checks every entity's own rules, the publishing rules at `now`, slugs that appear twice,
    /// and that every reference names a perspective, feeling list, step guide or promo in this
    /// bundle or already stored.
    pub fn validate(&self, stored: &KnownSlugs, now: Timestamp) -> Result<(), Problems> {
        let mut checker = Checker::new(stored, now);
        for (i, p) in self.perspectives.iter().enumerate() {
            checker.perspective(i, p);
        }
        for (i, p) in self.promos.iter().enumerate() {
            checker.promo(i, p);
        }
        for (i, l) in self.feeling_lists.iter().enumerate() {
            checker.feeling_list(i, l);
        }
        for (i, g) in self.step_guides.iter().enumerate() {
            checker.step_guide(i, g);
        }
        for (i, a) in self.articles.iter().enumerate() {
            checker.article(i, a);
        }
        for (i, p) in self.placements.iter().enumerate() {
            checker.placement(i, p);
        }
        checker.finish()
    }

    /// Pretty JSON with a trailing newline: the export format.
    pub fn to_json(&self) -> String {
        let mut json = serde_json::to_string_pretty(self).unwrap_or_else(|_| String::from("{}"));
        json.push('\n');
        json
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
