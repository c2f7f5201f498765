//! Perspectives: adding one, relabeling one (every feeling shown with it changes), and deleting
//! one no feeling or step uses.

use crate::domain::content::{FeelingList, Perspective, StepGuide};
use crate::domain::problems::Problems;
use crate::domain::timestamp::Timestamp;
use crate::operations::{Actor, Found, OpError, audience};
use crate::storage::entities::perspective;
use crate::storage::library::{self, Which};
use crate::storage::{self, Store, perspectives};

fn checked(perspective: &Perspective) -> Result<(), OpError> {
    let mut problems = Problems::new();
    perspective.validate("", &mut problems);
    if problems.is_empty() {
        Ok(())
    } else {
        Err(OpError::Invalid(problems))
    }
}

pub async fn create(
    store: &Store,
    actor: Actor,
    new: Perspective,
    now: Timestamp,
) -> Result<(), OpError> {
    checked(&new)?;
    store
        .write_content(now, move |tx| {
            Box::pin(async move {
                perspectives::insert(tx.db(), &new).await?;
                audience::perspectives_changed(tx, &[]).await?;
                let subject = format!("{} ({})", new.key, new.label);
                actor
                    .audit(tx.db(), "perspective_created", &subject, now)
                    .await?;
                Ok(())
            })
        })
        .await
}

pub async fn relabel(
    store: &Store,
    actor: Actor,
    key: &str,
    label: &str,
    now: Timestamp,
) -> Result<(), OpError> {
    let changed = Perspective {
        key: key.to_owned(),
        label: label.to_owned(),
    };
    checked(&changed)?;
    store
        .write_content(now, move |tx| {
            Box::pin(async move {
                let row = perspectives::by_key(tx.db(), &changed.key).await?.found()?;
                let id = row.id;
                perspectives::relabel(tx.db(), row, &changed.label).await?;
                audience::perspectives_changed(tx, &[id]).await?;
                let subject = format!("{} → {}", changed.key, changed.label);
                actor
                    .audit(tx.db(), "perspective_renamed", &subject, now)
                    .await?;
                Ok(())
            })
        })
        .await
}

/// Deletes a perspective no feeling or step uses; otherwise [`OpError::InUse`] names the lists
/// and guides that do.
pub async fn delete(
    store: &Store,
    actor: Actor,
    key: String,
    now: Timestamp,
) -> Result<(), OpError> {
    store
        .write_content(now, move |tx| {
            Box::pin(async move {
                let row = perspectives::by_key(tx.db(), &key).await?.found()?;
                storage::hold::<perspective::Entity, _>(tx.db(), row.id).await?;
                let mut users = Vec::new();
                let lists = library::using_perspective::<FeelingList, _>(tx.db(), row.id).await?;
                for h in library::headers::<FeelingList, _>(tx.db(), Which::Ids(lists)).await? {
                    users.push((h.slug, format!("feeling list: {}", h.title)));
                }
                let guides = library::using_perspective::<StepGuide, _>(tx.db(), row.id).await?;
                for h in library::headers::<StepGuide, _>(tx.db(), Which::Ids(guides)).await? {
                    users.push((h.slug, format!("step guide: {}", h.title)));
                }
                if !users.is_empty() {
                    return Err(OpError::InUse(users));
                }
                perspectives::delete(tx.db(), row.id).await?;
                audience::perspectives_changed(tx, &[]).await?;
                actor
                    .audit(tx.db(), "perspective_deleted", &key, now)
                    .await?;
                Ok(())
            })
        })
        .await
}
