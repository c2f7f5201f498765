//! Content bundles in the database: writing an imported bundle (all of it inside the caller's
//! transaction, only what differs) and reading everything back as one bundle, in a fixed order.

pub mod export;
pub mod import;

pub use export::export;
pub use import::{Changes, ImportReport, Importer};

use std::collections::HashSet;

use sea_orm::{ConnectionTrait, DbErr, EntityTrait, QuerySelect};

use crate::domain::bundle::KnownSlugs;
use crate::storage::entities::{feeling_list, perspective, promo, step_guide};

/// Everything already stored that a bundle may refer to.
pub async fn known_slugs<C: ConnectionTrait>(db: &C) -> Result<KnownSlugs, DbErr> {
    Ok(KnownSlugs {
        perspectives: column::<perspective::Entity, C>(db, perspective::Column::Key).await?,
        promos: column::<promo::Entity, C>(db, promo::Column::Slug).await?,
        feeling_lists: column::<feeling_list::Entity, C>(db, feeling_list::Column::Slug).await?,
        step_guides: column::<step_guide::Entity, C>(db, step_guide::Column::Slug).await?,
    })
}

async fn column<E: EntityTrait, C: ConnectionTrait>(
    db: &C,
    column: E::Column,
) -> Result<HashSet<String>, DbErr> {
    Ok(E::find()
        .select_only()
        .column(column)
        .into_tuple::<String>()
        .all(db)
        .await?
        .into_iter()
        .collect())
}
