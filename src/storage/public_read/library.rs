//! The reusable pieces as readers see them: feeling lists (with perspective labels), step
//! guides, running promos, and the perspectives.

use std::collections::HashMap;

use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter};

use crate::domain::content::{FeelingList, Promo, StepGuide};
use crate::domain::promotions::{promo_shows, window_next_change};
use crate::domain::timestamp::Timestamp;
use crate::storage::entities::promo;
use crate::storage::library::{self, Which};
use crate::storage::promos::promo_from_row;
use crate::storage::public_read::{
    FeelingListView, FeelingView, PerspectiveView, StepGuideView, StepView, TimeBound,
};
use crate::storage::{StorageError, perspectives};

/// Every perspective, in the site's order.
pub async fn list_perspectives<C: ConnectionTrait>(
    db: &C,
) -> Result<Vec<PerspectiveView>, StorageError> {
    Ok(perspectives::all(db)
        .await?
        .into_iter()
        .map(|p| PerspectiveView {
            key: p.key,
            label: p.label,
        })
        .collect())
}

/// Perspective key → label.
pub(super) async fn labels<C: ConnectionTrait>(
    db: &C,
) -> Result<HashMap<String, String>, StorageError> {
    Ok(list_perspectives(db)
        .await?
        .into_iter()
        .map(|p| (p.key, p.label))
        .collect())
}

pub(super) fn feeling_list_view(
    list: FeelingList,
    labels: &HashMap<String, String>,
) -> FeelingListView {
    FeelingListView {
        items: list
            .items
            .into_iter()
            .map(|item| FeelingView {
                perspective_label: labels.get(&item.perspective).cloned().unwrap_or_default(),
                perspective: item.perspective,
                text: item.text,
            })
            .collect(),
        slug: list.slug,
        title: list.title,
    }
}

pub(super) fn step_guide_view(guide: StepGuide) -> StepGuideView {
    StepGuideView {
        steps: guide
            .steps
            .into_iter()
            .map(|s| StepView {
                title: s.title,
                body: s.body,
                perspective: s.perspective,
            })
            .collect(),
        slug: guide.slug,
        title: guide.title,
    }
}

pub async fn find_feeling_list<C: ConnectionTrait>(
    db: &C,
    slug: String,
) -> Result<Option<FeelingListView>, StorageError> {
    let Some((_, list)) = library::find::<FeelingList, C>(db, &slug).await? else {
        return Ok(None);
    };
    Ok(Some(feeling_list_view(list, &labels(db).await?)))
}

pub async fn find_step_guide<C: ConnectionTrait>(
    db: &C,
    slug: String,
) -> Result<Option<StepGuideView>, StorageError> {
    Ok(library::load::<StepGuide, C>(db, Which::Slug(slug))
        .await?
        .into_iter()
        .next()
        .map(|(_, guide)| step_guide_view(guide)))
}

/// Promo rows by id (no query for none).
pub async fn promos_by_id<C: ConnectionTrait>(
    db: &C,
    ids: Vec<i32>,
) -> Result<HashMap<i32, promo::Model>, StorageError> {
    if ids.is_empty() {
        return Ok(HashMap::new());
    }
    Ok(promo::Entity::find()
        .filter(promo::Column::Id.is_in(ids))
        .all(db)
        .await?
        .into_iter()
        .map(|p| (p.id, p))
        .collect())
}

/// A promo, only while readers see it.
pub async fn find_running_promo<C: ConnectionTrait>(
    db: &C,
    slug: &str,
    now: Timestamp,
) -> Result<Option<TimeBound<Promo>>, StorageError> {
    let row = crate::storage::promos::by_slug(db, slug).await?;
    Ok(row
        .filter(|p| promo_shows(p.paused, p.starts_at, p.ends_at, now))
        .map(|p| TimeBound {
            changes_at: window_next_change(p.starts_at, p.ends_at, now),
            value: promo_from_row(&p),
        }))
}
