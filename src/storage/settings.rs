//! Installation-wide settings kept in the database, shared by every Tether process: the key that
//! signs preview links (created once) and the default affiliate disclosure (set by admins).

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

const DEFAULT_DISCLOSURE_KEY: &str = "default_affiliate_disclosure";

/// The disclosure prefilled for new affiliate promos, if an admin set one.
pub async fn default_disclosure(db: &DatabaseConnection) -> Result<Option<String>, StorageError> {
    Ok(setting::Entity::find_by_id(DEFAULT_DISCLOSURE_KEY)
        .one(db)
        .await?
        .map(|row| row.value))
}

/// Sets the prefilled disclosure for new affiliate promos.
pub async fn set_default_disclosure(
    db: &DatabaseConnection,
    text: &str,
) -> Result<(), StorageError> {
    setting::Entity::insert(setting::ActiveModel {
        key: Set(DEFAULT_DISCLOSURE_KEY.to_owned()),
        value: Set(text.to_owned()),
    })
    .on_conflict(
        OnConflict::column(setting::Column::Key)
            .update_column(setting::Column::Value)
            .to_owned(),
    )
    .exec_without_returning(db)
    .await?;
    Ok(())
}
