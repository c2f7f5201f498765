//! Reading the content version: one number that grows with every content write (inside its
//! transaction, in [`crate::storage::write`]). Read caches compare it to decide whether what
//! they hold is still current, across every Tether process sharing the database.

use sea_orm::{ConnectionTrait, DbErr, EntityTrait};

use crate::storage::entities::content_state;

/// The current version.
pub async fn current<C: ConnectionTrait>(db: &C) -> Result<i64, DbErr> {
    content_state::Entity::find_by_id(1)
        .one(db)
        .await?
        .map(|row| row.version)
        .ok_or_else(|| DbErr::RecordNotFound("content_state row 1 (run the migrations)".to_owned()))
}
