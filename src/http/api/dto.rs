//! The public API's JSON shapes (CONTRACT section 4), built from storage's read models.
//!
//! These types are also the OpenAPI schemas, so the document and the answers cannot drift.
//! Markdown becomes sanitized HTML here, once per answer (answers are cached).

use std::collections::BTreeMap;

use serde::Serialize;
use utoipa::ToSchema;

use crate::domain::markdown::to_safe_html;
use crate::domain::promotions::{promo_link_rel, tracked_url};
use crate::domain::timestamp::{self, Timestamp};
use crate::storage::public_read::{
    ArticleSummary, FeelingListView, PerspectiveView, PublishedArticle, PublishedBlock,
    StepGuideView,
};

/// `{"data": ...}`
#[derive(Debug, Serialize, ToSchema)]
pub struct Data<T> {
    pub data: T,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ArticleList {
    pub data: Vec<ArticleSummaryDto>,
    pub meta: PageMeta,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct PageMeta {
    #[schema(minimum = 1)]
    pub page: u64,
    #[schema(minimum = 1, maximum = 100)]
    pub per_page: u64,
    /// Articles matching the filters, over all pages.
    pub total: u64,
}

#[derive(Debug, Serialize, ToSchema)]
#[schema(as = ArticleSummary)]
pub struct ArticleSummaryDto {
    pub slug: String,
    pub title: String,
    pub subtitle: Option<String>,
    pub summary: Option<String>,
    pub tags: Vec<String>,
    /// RFC 3339, UTC.
    #[serde(with = "timestamp")]
    #[schema(value_type = String, format = DateTime)]
    pub published_at: Timestamp,
    #[serde(with = "timestamp")]
    #[schema(value_type = String, format = DateTime)]
    pub updated_at: Timestamp,
}

impl From<ArticleSummary> for ArticleSummaryDto {
    fn from(s: ArticleSummary) -> Self {
        Self {
            slug: s.slug,
            title: s.title,
            subtitle: s.subtitle,
            summary: s.summary,
            tags: s.tags,
            published_at: s.published_at,
            updated_at: s.updated_at,
        }
    }
}

/// An article: its summary's fields, its blocks and the promos placed for it.
#[derive(Debug, Serialize, ToSchema)]
pub struct Article {
    #[serde(flatten)]
    pub summary: ArticleSummaryDto,
    /// The article's blocks in reading order.
    pub blocks: Vec<Block>,
    /// Promos placed by marketers, per slot of the site (every slot has a key): the running
    /// promos placed for every article or for one of this article's tags, highest priority first.
    #[schema(example = json!({"article_start": [], "article_end": [], "sidebar": []}))]
    pub placements: BTreeMap<String, Vec<PromoBlock>>,
}

impl Article {
    /// `public_url` starts the promos' tracked links.
    pub fn new(
        a: PublishedArticle,
        placements: BTreeMap<String, Vec<crate::domain::content::Promo>>,
        public_url: &str,
    ) -> Self {
        Self {
            summary: a.summary.into(),
            blocks: a
                .blocks
                .into_iter()
                .map(|b| Block::new(b, public_url))
                .collect(),
            placements: placed(placements, public_url),
        }
    }
}

/// Placements as the API shows them.
pub fn placed(
    placements: BTreeMap<String, Vec<crate::domain::content::Promo>>,
    public_url: &str,
) -> BTreeMap<String, Vec<PromoBlock>> {
    placements
        .into_iter()
        .map(|(slot, promos)| {
            let blocks = promos
                .into_iter()
                .map(|p| PromoBlock::Promo(Promo::new(p, public_url)))
                .collect();
            (slot, blocks)
        })
        .collect()
}

/// A promo block (`type` is always `promo`), as placed into a slot.
#[derive(Debug, Serialize, ToSchema)]
#[serde(tag = "type", rename_all = "lowercase")]
pub enum PromoBlock {
    Promo(Promo),
}

/// One block; `type` says which.
#[derive(Debug, Serialize, ToSchema)]
#[serde(tag = "type", rename_all = "lowercase")]
pub enum Block {
    Text(TextBlock),
    Feelings(FeelingList),
    Steps(StepGuide),
    Promo(Promo),
}

impl Block {
    fn new(b: PublishedBlock, public_url: &str) -> Self {
        match b {
            PublishedBlock::Text { heading, body } => Block::Text(TextBlock {
                heading,
                html: to_safe_html(&body),
                body,
            }),
            PublishedBlock::Feelings(list) => Block::Feelings(list.into()),
            PublishedBlock::Steps(guide) => Block::Steps(guide.into()),
            PublishedBlock::Promo(promo) => Block::Promo(Promo::new(promo, public_url)),
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct TextBlock {
    pub heading: Option<String>,
    /// Markdown, as written.
    pub body: String,
    /// The body as sanitized HTML.
    pub html: String,
}

/// A feeling list (the `feelings` block without its `type`).
#[derive(Debug, Serialize, ToSchema)]
pub struct FeelingList {
    pub slug: String,
    pub title: String,
    pub items: Vec<Feeling>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct Feeling {
    /// Perspective key, e.g. `anxious`.
    pub perspective: String,
    pub perspective_label: String,
    pub text: String,
}

impl From<FeelingListView> for FeelingList {
    fn from(l: FeelingListView) -> Self {
        Self {
            slug: l.slug,
            title: l.title,
            items: l
                .items
                .into_iter()
                .map(|i| Feeling {
                    perspective: i.perspective,
                    perspective_label: i.perspective_label,
                    text: i.text,
                })
                .collect(),
        }
    }
}

/// A step guide (the `steps` block without its `type`).
#[derive(Debug, Serialize, ToSchema)]
pub struct StepGuide {
    pub slug: String,
    pub title: String,
    pub items: Vec<StepItem>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct StepItem {
    /// 1 for the first step.
    #[schema(minimum = 1)]
    pub number: u32,
    /// The step's bold lead.
    pub title: String,
    /// Markdown, as written.
    pub body: String,
    /// The body as sanitized HTML.
    pub html: String,
    /// Perspective key, or null for everyone.
    pub perspective: Option<String>,
}

impl From<StepGuideView> for StepGuide {
    fn from(g: StepGuideView) -> Self {
        Self {
            slug: g.slug,
            title: g.title,
            items: g
                .steps
                .into_iter()
                .zip(1..)
                .map(|(s, number)| StepItem {
                    number,
                    html: to_safe_html(&s.body),
                    title: s.title,
                    body: s.body,
                    perspective: s.perspective,
                })
                .collect(),
        }
    }
}

/// A promo (the `promo` block without its `type`).
#[derive(Debug, Serialize, ToSchema)]
pub struct Promo {
    pub slug: String,
    /// `affiliate`, `book`, `quiz` or `cta`.
    pub kind: String,
    pub eyebrow: Option<String>,
    pub title: String,
    pub body: Option<String>,
    /// A short symbol to show with the promo, such as an emoji.
    pub icon: Option<String>,
    /// The button text; when null, link the promo as a whole.
    pub cta_label: Option<String>,
    /// The link a frontend must use: Tether's tracked link `{public URL}/go/{slug}`, which
    /// counts the click and redirects to the offer.
    pub url: String,
    /// The value for the link's `rel` attribute (`sponsored nofollow` for affiliate promos).
    pub rel: String,
    /// Text that must be shown with the promo (always set for affiliate promos).
    pub disclosure: Option<String>,
}

impl Promo {
    /// `public_url` starts the tracked link.
    pub fn new(p: crate::domain::content::Promo, public_url: &str) -> Self {
        Self {
            url: tracked_url(public_url, &p.slug),
            slug: p.slug,
            kind: p.kind.as_str().to_owned(),
            eyebrow: p.eyebrow,
            title: p.title,
            body: p.body,
            icon: p.icon,
            cta_label: p.cta_label,
            rel: promo_link_rel(p.kind).to_owned(),
            disclosure: p.disclosure,
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct Perspective {
    pub key: String,
    pub label: String,
}

impl From<PerspectiveView> for Perspective {
    fn from(p: PerspectiveView) -> Self {
        Self {
            key: p.key,
            label: p.label,
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct Health {
    #[schema(example = "ok")]
    pub status: String,
}
