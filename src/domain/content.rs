//! The content model as authors write it: perspectives, promos, feeling lists, step guides and
//! articles of ordered blocks. These are the bundle's types and the input of every write; each
//! type validates itself, and references between them are checked in [`crate::domain::bundle`].

use serde::{Deserialize, Serialize};

use crate::domain::bundle::Bundle;
use crate::domain::events::{EventKind, paths};
use crate::domain::problems::{Problems, join};
use crate::domain::rules::{self, TAGS_PER_ARTICLE_MAX};
use crate::domain::timestamp::{self, Timestamp};

pub const TITLE_MAX: usize = 200;
pub const LABEL_MAX: usize = 200;
pub const SUBTITLE_MAX: usize = 500;
pub const SUMMARY_MAX: usize = 2_000;
pub const MARKDOWN_MAX: usize = 100_000;
pub const SHORT_TEXT_MAX: usize = 500;
pub const PROMO_BODY_MAX: usize = 5_000;
pub const CTA_LABEL_MAX: usize = 120;
pub const ICON_MAX: usize = 16;
pub const ITEMS_MAX: usize = 200;
pub const BLOCKS_MAX: usize = 500;

/// A point of view that feelings and steps are tagged with ("Anxious partner").
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Perspective {
    pub key: String,
    pub label: String,
}

impl Perspective {
    pub fn validate(&self, path: &str, problems: &mut Problems) {
        rules::check_slug(problems, &join(path, "key"), &self.key);
        rules::check_required(problems, &join(path, "label"), &self.label, LABEL_MAX);
    }
}

word_enum! {
    /// What a promo offers; affiliate offers must carry a disclosure.
    pub enum PromoKind {
        Affiliate = "affiliate",
        Book = "book",
        Quiz = "quiz",
        Cta = "cta",
    }
}

/// An affiliate offer, book promo, quiz or other call to action, shown inside articles.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Promo {
    pub slug: String,
    pub kind: PromoKind,
    #[serde(default)]
    pub eyebrow: Option<String>,
    pub title: String,
    #[serde(default)]
    pub body: Option<String>,
    /// A short symbol shown with the promo, such as an emoji.
    #[serde(default)]
    pub icon: Option<String>,
    /// The button text; a promo without one is linked as a whole.
    #[serde(default)]
    pub cta_label: Option<String>,
    pub target_url: String,
    #[serde(default)]
    pub disclosure: Option<String>,
    #[serde(default, with = "timestamp::option")]
    pub starts_at: Option<Timestamp>,
    #[serde(default, with = "timestamp::option")]
    pub ends_at: Option<Timestamp>,
    /// Hidden from readers until resumed (left out of bundles while false).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub paused: bool,
}

impl Promo {
    pub fn validate(&self, path: &str, problems: &mut Problems) {
        rules::check_slug(problems, &join(path, "slug"), &self.slug);
        rules::check_optional(
            problems,
            &join(path, "eyebrow"),
            self.eyebrow.as_deref(),
            SHORT_TEXT_MAX,
        );
        rules::check_required(problems, &join(path, "title"), &self.title, TITLE_MAX);
        rules::check_optional(
            problems,
            &join(path, "body"),
            self.body.as_deref(),
            PROMO_BODY_MAX,
        );
        rules::check_optional(
            problems,
            &join(path, "icon"),
            self.icon.as_deref(),
            ICON_MAX,
        );
        rules::check_optional(
            problems,
            &join(path, "cta_label"),
            self.cta_label.as_deref(),
            CTA_LABEL_MAX,
        );
        rules::check_http_url(problems, &join(path, "target_url"), &self.target_url);
        let disclosure_path = join(path, "disclosure");
        match self.disclosure.as_deref() {
            Some(text) if !text.trim().is_empty() => {
                rules::check_max_len(problems, &disclosure_path, text, SHORT_TEXT_MAX)
            }
            _ if crate::domain::promotions::needs_disclosure(self.kind) => problems.push(
                disclosure_path,
                "an affiliate promo must have a disclosure that readers are shown",
            ),
            Some(_) => problems.push(disclosure_path, "must not be blank (use null for none)"),
            None => {}
        }
        if let (Some(starts), Some(ends)) = (self.starts_at, self.ends_at)
            && ends <= starts
        {
            problems.push(join(path, "ends_at"), "must be later than starts_at");
        }
    }
}

/// A titled, slugged piece that articles show as a block and that also stands on its own in the
/// API: a feeling list or a step guide. What the two share is said once, here.
pub trait Piece: Clone + PartialEq + Send + Sync + 'static {
    /// For messages: "feeling list".
    const NOUN: &'static str;
    /// For names (audit actions such as `feeling_list_created`): `feeling_list`.
    const NAME: &'static str;
    /// The bundle's list of them: `feeling_lists`.
    const BUNDLE_KEY: &'static str;
    /// The event a change to one records.
    const EVENT: EventKind;

    fn slug(&self) -> &str;
    fn title(&self) -> &str;
    /// Its own public API path.
    fn api_path(slug: &str) -> String;
    /// A bundle holding only this piece, to check it as an import would.
    fn alone_in_bundle(self) -> Bundle;
}

/// The [`Piece`] facts of one kind: its words, its bundle list, its event and API path.
macro_rules! piece {
    ($type:ty, $noun:literal, $name:literal, $list:ident, $event:ident, $path:ident) => {
        impl Piece for $type {
            const NOUN: &'static str = $noun;
            const NAME: &'static str = $name;
            const BUNDLE_KEY: &'static str = stringify!($list);
            const EVENT: EventKind = EventKind::$event;

            fn slug(&self) -> &str {
                &self.slug
            }

            fn title(&self) -> &str {
                &self.title
            }

            fn api_path(slug: &str) -> String {
                paths::$path(slug)
            }

            fn alone_in_bundle(self) -> Bundle {
                Bundle {
                    $list: vec![self],
                    ..Bundle::empty()
                }
            }
        }
    };
}

piece!(
    FeelingList,
    "feeling list",
    "feeling_list",
    feeling_lists,
    FeelingListUpdated,
    feeling_list
);
piece!(
    StepGuide,
    "step guide",
    "step_guide",
    step_guides,
    StepGuideUpdated,
    step_guide
);

/// One feeling of a list, from one perspective.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FeelingItem {
    pub perspective: String,
    pub text: String,
}

/// A titled, reusable list of feelings ("What You Might Be Feeling").
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FeelingList {
    pub slug: String,
    pub title: String,
    pub items: Vec<FeelingItem>,
}

impl FeelingList {
    pub fn validate(&self, path: &str, problems: &mut Problems) {
        rules::check_slug(problems, &join(path, "slug"), &self.slug);
        rules::check_required(problems, &join(path, "title"), &self.title, TITLE_MAX);
        check_count(problems, &join(path, "items"), self.items.len(), ITEMS_MAX);
        for (i, item) in self.items.iter().enumerate() {
            let item_path = join(path, &format!("items[{i}]"));
            rules::check_required(
                problems,
                &join(&item_path, "text"),
                &item.text,
                SHORT_TEXT_MAX,
            );
        }
    }
}

/// One numbered step: a bold lead (`title`) and a Markdown body.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Step {
    pub title: String,
    #[serde(default)]
    pub body: String,
    #[serde(default)]
    pub perspective: Option<String>,
}

/// A titled, reusable step-by-step guide ("What To Do").
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StepGuide {
    pub slug: String,
    pub title: String,
    pub steps: Vec<Step>,
}

impl StepGuide {
    pub fn validate(&self, path: &str, problems: &mut Problems) {
        rules::check_slug(problems, &join(path, "slug"), &self.slug);
        rules::check_required(problems, &join(path, "title"), &self.title, TITLE_MAX);
        check_count(problems, &join(path, "steps"), self.steps.len(), ITEMS_MAX);
        for (i, step) in self.steps.iter().enumerate() {
            let step_path = join(path, &format!("steps[{i}]"));
            rules::check_required(
                problems,
                &join(&step_path, "title"),
                &step.title,
                SHORT_TEXT_MAX,
            );
            rules::check_max_len(
                problems,
                &join(&step_path, "body"),
                &step.body,
                MARKDOWN_MAX,
            );
        }
    }
}

word_enum! {
    /// Where an article stands in its workflow (see [`crate::domain::publishing`]).
    pub enum ArticleStatus {
        Draft = "draft",
        Published = "published",
        Scheduled = "scheduled",
        Archived = "archived",
    }
}

/// One block of an article. Feelings, steps and promos refer to their entity by slug.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "lowercase", deny_unknown_fields)]
pub enum Block {
    Text {
        #[serde(default)]
        heading: Option<String>,
        body: String,
    },
    Feelings {
        #[serde(rename = "ref")]
        reference: String,
    },
    Steps {
        #[serde(rename = "ref")]
        reference: String,
    },
    Promo {
        #[serde(rename = "ref")]
        reference: String,
    },
}

word_enum! {
    /// What a block is, as stored beside it.
    pub enum BlockKind {
        Text = "text",
        Feelings = "feelings",
        Steps = "steps",
        Promo = "promo",
    }
}

impl Block {
    pub fn kind(&self) -> BlockKind {
        match self {
            Self::Text { .. } => BlockKind::Text,
            Self::Feelings { .. } => BlockKind::Feelings,
            Self::Steps { .. } => BlockKind::Steps,
            Self::Promo { .. } => BlockKind::Promo,
        }
    }

    /// The slug a feelings, steps or promo block refers to.
    pub fn reference(&self) -> Option<&str> {
        match self {
            Self::Text { .. } => None,
            Self::Feelings { reference }
            | Self::Steps { reference }
            | Self::Promo { reference } => Some(reference),
        }
    }
}

/// An article: metadata plus its blocks in reading order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Article {
    pub slug: String,
    pub title: String,
    #[serde(default)]
    pub subtitle: Option<String>,
    #[serde(default)]
    pub summary: Option<String>,
    pub status: ArticleStatus,
    #[serde(default, with = "timestamp::option")]
    pub published_at: Option<Timestamp>,
    #[serde(default)]
    pub tags: Vec<String>,
    #[serde(default)]
    pub blocks: Vec<Block>,
}

impl Article {
    /// Checks the article's own fields. The publishing rules, which depend on the time, are
    /// [`crate::domain::publishing::check_publishing`].
    pub fn validate(&self, path: &str, problems: &mut Problems) {
        rules::check_slug(problems, &join(path, "slug"), &self.slug);
        rules::check_required(problems, &join(path, "title"), &self.title, TITLE_MAX);
        rules::check_optional(
            problems,
            &join(path, "subtitle"),
            self.subtitle.as_deref(),
            SUBTITLE_MAX,
        );
        rules::check_optional(
            problems,
            &join(path, "summary"),
            self.summary.as_deref(),
            SUMMARY_MAX,
        );
        check_count(
            problems,
            &join(path, "tags"),
            self.tags.len(),
            TAGS_PER_ARTICLE_MAX,
        );
        for (i, tag) in self.tags.iter().enumerate() {
            let tag_path = join(path, &format!("tags[{i}]"));
            rules::check_tag(problems, &tag_path, tag);
            if self.tags[..i].contains(tag) {
                problems.push(tag_path, format!("tag \"{tag}\" is listed twice"));
            }
        }
        check_count(
            problems,
            &join(path, "blocks"),
            self.blocks.len(),
            BLOCKS_MAX,
        );
        for (i, block) in self.blocks.iter().enumerate() {
            let block_path = join(path, &format!("blocks[{i}]"));
            if let Block::Text { heading, body } = block {
                rules::check_optional(
                    problems,
                    &join(&block_path, "heading"),
                    heading.as_deref(),
                    TITLE_MAX,
                );
                rules::check_max_len(problems, &join(&block_path, "body"), body, MARKDOWN_MAX);
                if body.trim().is_empty() && heading.as_deref().is_none_or(|h| h.trim().is_empty())
                {
                    problems.push(
                        join(&block_path, "body"),
                        "a text block needs a heading or a body",
                    );
                }
            }
        }
    }

    /// The text of its text blocks (headings and bodies), for full-text search.
    pub fn body_text(&self) -> String {
        let mut parts: Vec<&str> = Vec::new();
        for block in &self.blocks {
            if let Block::Text { heading, body } = block {
                parts.extend(heading.as_deref());
                parts.push(body);
            }
        }
        parts.join(" ")
    }

    /// The lowercased text the admin's list search matches: title, subtitle, summary and the
    /// headings and bodies of text blocks.
    pub fn search_text(&self) -> String {
        let mut parts: Vec<&str> = vec![&self.title];
        parts.extend(self.subtitle.as_deref());
        parts.extend(self.summary.as_deref());
        for block in &self.blocks {
            if let Block::Text { heading, body } = block {
                parts.extend(heading.as_deref());
                parts.push(body);
            }
        }
        parts.join("\n").to_lowercase()
    }
}

fn check_count(problems: &mut Problems, path: &str, count: usize, max: usize) {
    if count > max {
        problems.push(
            path,
            format!("has {count} entries; at most {max} are allowed"),
        );
    }
}
