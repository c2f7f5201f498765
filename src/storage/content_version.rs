//! The content version: one number that every content write increases inside its transaction.
//!
//! Read caches compare it to decide whether what they hold is still current, which works across
//! several Tether processes sharing one database because the number lives in the database.

use sea_orm::sea_query::{Expr, ExprTrait, Query};
use sea_orm::{ConnectionTrait, DbErr, EntityTrait};

use crate::storage::entities::content_state;

const ROW_ID: i32 = 1;

/// Marks that content changed; call inside the writing transaction.
pub async fn bump<C: ConnectionTrait>(db: &C) -> Result<(), DbErr> {
    let stmt = Query::update()
        .table(content_state::Entity)
        .value(
            content_state::Column::Version,
            Expr::col(content_state::Column::Version).add(1),
        )
        .and_where(Expr::col(content_state::Column::Id).eq(ROW_ID))
        .to_owned();
    db.execute(&stmt).await?;
    Ok(())
}

/// The current version.
pub async fn current<C: ConnectionTrait>(db: &C) -> Result<i64, DbErr> {
    content_state::Entity::find_by_id(ROW_ID)
        .one(db)
        .await?
        .map(|row| row.version)
        .ok_or_else(|| DbErr::RecordNotFound("content_state row 1 (run the migrations)".to_owned()))
}
