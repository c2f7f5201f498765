//! Perspective rows: the site's points of view, in the order arranged, with how many feelings
//! and steps use each.

use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, DbErr, EntityTrait,
    PaginatorTrait, QueryFilter, QueryOrder,
};

use crate::domain::content::Perspective;
use crate::storage::entities::{feeling_item, guide_step, perspective};

/// Every perspective, in the site's order.
pub async fn all<C: ConnectionTrait>(db: &C) -> Result<Vec<perspective::Model>, DbErr> {
    perspective::Entity::find()
        .order_by_asc(perspective::Column::Position)
        .order_by_asc(perspective::Column::Id)
        .all(db)
        .await
}

/// The perspective with this key, if any.
pub async fn by_key<C: ConnectionTrait>(
    db: &C,
    key: &str,
) -> Result<Option<perspective::Model>, DbErr> {
    perspective::Entity::find()
        .filter(perspective::Column::Key.eq(key))
        .one(db)
        .await
}

/// How many feelings and steps use the perspective `id`.
pub async fn usage<C: ConnectionTrait>(db: &C, id: i32) -> Result<u64, DbErr> {
    Ok(feeling_item::Entity::find()
        .filter(feeling_item::Column::PerspectiveId.eq(id))
        .count(db)
        .await?
        + guide_step::Entity::find()
            .filter(guide_step::Column::PerspectiveId.eq(id))
            .count(db)
            .await?)
}

/// Adds a perspective after the others.
pub async fn insert<C: ConnectionTrait>(db: &C, new: &Perspective) -> Result<i32, DbErr> {
    let position = perspective::Entity::find().count(db).await? as i32;
    Ok(perspective::ActiveModel {
        key: Set(new.key.clone()),
        label: Set(new.label.clone()),
        position: Set(position),
        ..Default::default()
    }
    .insert(db)
    .await?
    .id)
}

pub async fn relabel<C: ConnectionTrait>(
    db: &C,
    row: perspective::Model,
    label: &str,
) -> Result<(), DbErr> {
    let mut row: perspective::ActiveModel = row.into();
    row.label = Set(label.to_owned());
    row.update(db).await?;
    Ok(())
}

pub async fn delete<C: ConnectionTrait>(db: &C, id: i32) -> Result<(), DbErr> {
    perspective::Entity::delete_by_id(id).exec(db).await?;
    Ok(())
}
