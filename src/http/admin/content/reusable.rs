//! The screens feeling lists and step guides share: the list (with how many articles use each),
//! the editor of ordered rows (add, move and remove are buttons that change the unsaved draft,
//! so it works without JavaScript; only Save writes), and deletion only when no article uses the
//! piece. What differs between the two kinds is stated once, in [`ReusablePiece`].

use std::collections::BTreeMap;

use axum::extract::Path;
use axum::response::Response;
use minijinja::{Value, context};
use serde::Serialize;

use crate::domain::accounts::Permission;
use crate::domain::problems::Problems;
use crate::http::admin::content::form::{Action, Fields};
use crate::http::admin::content::{perspective_choices, usage};
use crate::http::admin::error::AdminError;
use crate::http::admin::render::{field_errors, page};
use crate::http::admin::request::{Empty, Submitted, Visit};
use crate::http::admin::session::{EditContent, ReadContent, SignedIn};
use crate::operations::{self, OpError};
use crate::state::AppState;
use crate::storage::library::{self, StoredPiece};
use crate::storage::{StorageError, articles};

/// The admin screens of a piece: what its pages and form look like.
pub trait ReusablePiece: StoredPiece + Serialize {
    /// Where its screens live, e.g. `/admin/feeling-lists`.
    const PATH: &'static str;
    const LIST_TEMPLATE: &'static str;
    const EDIT_TEMPLATE: &'static str;
    /// The name the editor template gives the draft (`list`, `guide`).
    const DRAFT: &'static str;
    /// For messages: "Feeling list".
    const LABEL: &'static str;

    /// The form's draft, rows in the order shown.
    fn from_fields(fields: &Fields) -> Self;
    /// A new piece with one empty row; `first_perspective` is the site's first perspective key.
    fn blank(first_perspective: String) -> Self;
    fn add_row(&mut self);
    /// Applies a move or removal to the rows; `true` if it changed them.
    fn rearrange(&mut self, action: Action) -> bool;
}

/// The stored piece with this slug (and its id), or the 404 page.
async fn load<P: ReusablePiece>(app: &AppState, slug: &str) -> Result<(i32, P), AdminError> {
    library::find::<P, _>(app.db.conn(), slug)
        .await
        .map_err(StorageError::from)?
        .ok_or(AdminError::NotFound)
}

pub async fn list<P: ReusablePiece>(
    Visit { app, who, .. }: Visit<ReadContent>,
) -> Result<Response, AdminError> {
    let lists: Vec<Value> = library::overview::<P, _>(app.db.conn())
        .await
        .map_err(StorageError::from)?
        .into_iter()
        .map(|(slug, title, used)| context! { slug, title, used })
        .collect();
    let can_edit = who.can(Permission::EditContent);
    page(
        &who,
        P::LIST_TEMPLATE,
        P::PATH,
        context! { lists, can_edit },
    )
    .await
}

async fn editor<P: ReusablePiece>(
    app: &AppState,
    who: &SignedIn,
    original: Option<&str>,
    draft: &P,
    errors: &Problems,
    unsaved: bool,
) -> Result<Response, AdminError> {
    let used_by = match original {
        Some(slug) => match library::find::<P, _>(app.db.conn(), slug)
            .await
            .map_err(StorageError::from)?
        {
            Some((id, _)) => articles::using(app.db.conn(), P::BLOCK_COLUMN, id)
                .await
                .map_err(StorageError::from)?,
            None => Vec::new(),
        },
        None => Vec::new(),
    };
    let values = context! {
        original,
        errors => field_errors(errors),
        perspectives => perspective_choices(app).await?,
        used_by => usage(&used_by),
        unsaved,
        can_edit => who.can(Permission::EditContent),
    };
    let draft = Value::from(BTreeMap::from([(
        P::DRAFT,
        Value::from(minijinja::value::Serde(draft)),
    )]));
    page(
        who,
        P::EDIT_TEMPLATE,
        P::PATH,
        context! { ..draft, ..values },
    )
    .await
}

pub async fn new_form<P: ReusablePiece>(
    Visit { app, who, .. }: Visit<EditContent>,
) -> Result<Response, AdminError> {
    let first = perspective_choices(&app)
        .await?
        .first()
        .and_then(|p| p.get_attr("key").ok())
        .map(|k| k.to_string())
        .unwrap_or_default();
    editor(&app, &who, None, &P::blank(first), &Problems::new(), false).await
}

pub async fn edit_form<P: ReusablePiece>(
    Visit { app, who, .. }: Visit<ReadContent>,
    Path(slug): Path<String>,
) -> Result<Response, AdminError> {
    let (_, piece) = load::<P>(&app, &slug).await?;
    editor(&app, &who, Some(&slug), &piece, &Problems::new(), false).await
}

/// Saves the new-piece form (`{PATH}/new`) or a piece's form (at the slug it was opened with), or
/// applies the button that arranges its rows.
pub async fn save<P: ReusablePiece>(
    Submitted {
        app,
        who,
        actor,
        path,
        form: fields,
        ..
    }: Submitted<EditContent, Fields, Option<Path<String>>>,
) -> Result<Response, AdminError> {
    let original = path.map(|Path(slug)| slug);
    let mut draft = P::from_fields(&fields);
    let action = fields.action();
    let changed = if action == Action::Add {
        draft.add_row();
        true
    } else {
        draft.rearrange(action)
    };
    if changed {
        let none = Problems::new();
        return editor(&app, &who, original.as_deref(), &draft, &none, true).await;
    }
    let saved = operations::pieces::save(
        &app.db,
        actor,
        original.clone(),
        draft.clone(),
        app.clock.now(),
    )
    .await;
    match saved {
        Ok(()) => {
            who.done(
                format!("Saved \"{}\".", draft.title()),
                &format!("{}/{}", P::PATH, draft.slug()),
            )
            .await
        }
        Err(OpError::Invalid(problems)) => {
            editor(&app, &who, original.as_deref(), &draft, &problems, true).await
        }
        Err(other) => Err(other.into()),
    }
}

pub async fn delete<P: ReusablePiece>(
    Submitted {
        app,
        who,
        actor,
        path: Path(slug),
        ..
    }: Submitted<EditContent, Empty, Path<String>>,
) -> Result<Response, AdminError> {
    match operations::pieces::delete::<P>(&app.db, actor, slug.clone(), app.clock.now()).await {
        Ok(()) => {
            who.done(format!("{} \"{slug}\" deleted.", P::LABEL), P::PATH)
                .await
        }
        Err(OpError::InUse(users)) => {
            let (_, piece) = load::<P>(&app, &slug).await?;
            let mut problems = Problems::new();
            problems.push(
                "delete",
                format!(
                    "this {} is used by {} article(s); remove it from them first",
                    P::NOUN,
                    users.len()
                ),
            );
            editor(&app, &who, Some(&slug), &piece, &problems, false).await
        }
        Err(other) => Err(other.into()),
    }
}
