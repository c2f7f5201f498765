//! Installation-wide settings kept in the database, such as the key that signs preview links:
//! created once, then shared by every Tether process.

use base64::Engine;
use sea_orm::sea_query::OnConflict;
use sea_orm::{ActiveValue::Set, DatabaseConnection, DbErr, EntityTrait};

use crate::storage::StorageError;
use crate::storage::entities::setting;

const PREVIEW_KEY: &str = "preview_signing_key";

/// The key that signs preview links; made (32 random bytes) the first time it is asked for.
pub async fn preview_signing_key(db: &DatabaseConnection) -> Result<Vec<u8>, StorageError> {
    if let Some(row) = setting::Entity::find_by_id(PREVIEW_KEY).one(db).await? {
        return decode(&row.value);
    }
    let mut fresh = [0u8; 32];
    getrandom::fill(&mut fresh)
        .map_err(|e| StorageError::Database(DbErr::Custom(format!("no randomness: {e}"))))?;
    // Two processes may race here; the first insert wins and both read it back.
    setting::Entity::insert(setting::ActiveModel {
        key: Set(PREVIEW_KEY.to_owned()),
        value: Set(base64::engine::general_purpose::STANDARD.encode(fresh)),
    })
    .on_conflict(
        OnConflict::column(setting::Column::Key)
            .do_nothing()
            .to_owned(),
    )
    .exec_without_returning(db)
    .await?;
    let row = setting::Entity::find_by_id(PREVIEW_KEY)
        .one(db)
        .await?
        .ok_or_else(|| StorageError::Database(DbErr::RecordNotFound(PREVIEW_KEY.to_owned())))?;
    decode(&row.value)
}

fn decode(text: &str) -> Result<Vec<u8>, StorageError> {
    base64::engine::general_purpose::STANDARD
        .decode(text)
        .map_err(|e| {
            StorageError::Database(DbErr::Custom(format!("{PREVIEW_KEY} is not base64: {e}")))
        })
}
