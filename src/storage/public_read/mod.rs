//! The queries behind the public API: published content only, in a bounded number of queries.
//!
//! Reading an article costs the same number of queries whatever its number of blocks (one per
//! table, never one per block); listing never touches blocks. Callers run these inside one
//! snapshot ([`crate::storage::Store::read`]) so an answer never mixes two versions of the
//! content. Each result also says when it will next change by the clock alone (a scheduled
//! article going live, a promo starting or ending), so a cache knows how long it may keep it.

mod anchors;
mod articles;
mod library;
mod pages;
mod sql;

pub use anchors::ListAnchors;

pub use articles::{
    ArticleFilter, ArticlePage, find_article, find_article_for_preview, list_articles,
};
pub use library::{
    find_feeling_list, find_running_promo, find_step_guide, list_perspectives, promos_by_id,
};

use crate::domain::content::Promo;
use crate::domain::timestamp::Timestamp;

#[derive(Debug, Clone)]
pub struct ArticleSummary {
    pub slug: String,
    pub title: String,
    pub subtitle: Option<String>,
    pub summary: Option<String>,
    pub tags: Vec<String>,
    pub published_at: Timestamp,
    pub updated_at: Timestamp,
}

#[derive(Debug, Clone)]
pub struct PublishedArticle {
    pub summary: ArticleSummary,
    pub blocks: Vec<PublishedBlock>,
}

#[derive(Debug, Clone)]
pub enum PublishedBlock {
    Text {
        heading: Option<String>,
        body: String,
    },
    Feelings(FeelingListView),
    Steps(StepGuideView),
    Promo(Promo),
}

#[derive(Debug, Clone)]
pub struct FeelingListView {
    pub slug: String,
    pub title: String,
    pub items: Vec<FeelingView>,
}

#[derive(Debug, Clone)]
pub struct FeelingView {
    pub perspective: String,
    pub perspective_label: String,
    pub text: String,
}

#[derive(Debug, Clone)]
pub struct StepGuideView {
    pub slug: String,
    pub title: String,
    pub steps: Vec<StepView>,
}

#[derive(Debug, Clone)]
pub struct StepView {
    pub title: String,
    pub body: String,
    pub perspective: Option<String>,
}

#[derive(Debug, Clone)]
pub struct PerspectiveView {
    pub key: String,
    pub label: String,
}

/// A value read at `now`, and the next moment the clock alone would change it.
#[derive(Debug, Clone)]
pub struct TimeBound<T> {
    pub value: T,
    pub changes_at: Option<Timestamp>,
}

impl<T> TimeBound<T> {
    /// The earlier of two moments of change.
    pub fn earliest(a: Option<Timestamp>, b: Option<Timestamp>) -> Option<Timestamp> {
        [a, b].into_iter().flatten().min()
    }
}
