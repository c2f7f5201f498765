//! One promo: the form for every field (CONTRACT section 3) beside a live preview of the block as
//! readers see it, plus pause/resume, duplicate, delete (only when no article shows it) and
//! "check the link now". The page also lists the promo's placements and where articles use it.

use axum::extract::Path;
use axum::response::Response;
use minijinja::{Value, context};

use crate::domain::accounts::Permission;
use crate::domain::content::{Promo, PromoKind};
use crate::domain::problems::Problems;
use crate::domain::promotions::{
    DEFAULT_DISCLOSURE, PromoStatus, needs_disclosure, promo_link_rel, tracked_url,
};
use crate::domain::timestamp;
use crate::http::admin::content::form::{Fields, format_datetime, optional_datetime};
use crate::http::admin::content::usage;
use crate::http::admin::error::AdminError;
use crate::http::admin::render::{field_errors, page};
use crate::http::admin::request::{Empty, Submitted, Visit};
use crate::http::admin::session::{ManagePromos, ReadPromos, SignedIn};
use crate::operations::{self, OpError};
use crate::state::AppState;
use crate::storage::promos::StoredPromo;
use crate::storage::{articles, placements, promos, settings};

/// The disclosure new affiliate promos start with: the admins' text, else the built-in one.
pub async fn default_disclosure(app: &AppState) -> Result<String, AdminError> {
    Ok(settings::default_disclosure(app.db.conn())
        .await?
        .unwrap_or_else(|| DEFAULT_DISCLOSURE.to_owned()))
}

/// The form's draft, and problems found while reading it (an unknown kind, a bad date).
fn draft_from(fields: &Fields, paused: bool) -> (Promo, Problems) {
    let mut problems = Problems::new();
    let kind = PromoKind::parse(fields.get("kind")).unwrap_or_else(|| {
        problems.push("kind", "choose affiliate, book, quiz or call to action");
        PromoKind::Cta
    });
    let starts_at = optional_datetime(fields, "starts_at", &mut problems);
    let ends_at = optional_datetime(fields, "ends_at", &mut problems);
    let promo = Promo {
        slug: fields.get("slug").trim().to_owned(),
        kind,
        eyebrow: fields.optional("eyebrow"),
        title: fields.get("title").trim().to_owned(),
        body: fields.optional("body"),
        icon: fields.optional("icon"),
        cta_label: fields.optional("cta_label"),
        target_url: fields.get("target_url").trim().to_owned(),
        disclosure: fields.optional("disclosure"),
        starts_at,
        ends_at,
        paused,
    };
    (promo, problems)
}

/// What the editor page shows besides the draft.
#[derive(Default)]
struct Extras<'a> {
    /// The promo as stored, when the form edits one (not for a new promo).
    stored: Option<StoredPromo>,
    /// The promo form as sent, when saving it was refused: the page says it is unsaved and shows
    /// the kind and the dates as typed (they may not have been readable).
    refused_form: Option<&'a Fields>,
    /// The placement form as sent, with its problems, when it was refused.
    refused_placement: Option<(&'a Fields, &'a Problems)>,
}

async fn editor(
    app: &AppState,
    who: &SignedIn,
    draft: &Promo,
    errors: &Problems,
    extras: Extras<'_>,
) -> Result<Response, AdminError> {
    let now = app.clock.now();
    let as_typed = |name: &str, shown: String| {
        extras
            .refused_form
            .map_or(shown, |fields| fields.get(name).to_owned())
    };
    let no_problems = Problems::new();
    let (placement_draft, placement_errors) = match extras.refused_placement {
        Some((fields, problems)) => (Some(placement_view(fields)), problems),
        None => (None, &no_problems),
    };
    let (used_by, placed, original, link) = match extras.stored {
        Some(stored) => (
            promos::users(app.db.conn(), stored.id).await?,
            placements::of_promo(app.db.conn(), stored.id, &stored.promo.slug).await?,
            Some(stored.promo.slug),
            stored.link,
        ),
        None => (Vec::new(), Vec::new(), None, None),
    };
    let placed: Vec<Value> = placed
        .into_iter()
        .map(|p| {
            let running = p.placement.is_running(now);
            context! {
                id => p.id,
                slot => p.placement.slot,
                tag => p.placement.tag,
                priority => p.placement.priority,
                starts_at => p.placement.starts_at.map(|t| timestamp::format(&t)),
                ends_at => p.placement.ends_at.map(|t| timestamp::format(&t)),
                running,
            }
        })
        .collect();
    let status = PromoStatus::at(draft.paused, draft.starts_at, draft.ends_at, now);
    let values = context! {
        original,
        promo => Value::from(minijinja::value::Serde(draft)),
        kind => as_typed("kind", draft.kind.as_str().to_owned()),
        starts_at => as_typed("starts_at", format_datetime(draft.starts_at)),
        ends_at => as_typed("ends_at", format_datetime(draft.ends_at)),
        status => status.as_str(),
        rel => promo_link_rel(draft.kind),
        tracked_url => tracked_url(&app.config.public_url, &draft.slug),
        kinds => PromoKind::ALL.iter().map(|k| context! {
            value => k.as_str(),
            rel => promo_link_rel(*k),
            needs_disclosure => needs_disclosure(*k),
        }).collect::<Vec<_>>(),
        errors => field_errors(errors),
        used_by => usage(&used_by),
        placements => placed,
        slots => app.config.promo_slots.clone(),
        tags => articles::known_tags(app.db.conn()).await?,
        link => link.map(|l| context! {
            verdict => l.verdict,
            status => l.status,
            detail => l.detail,
            checked_at => timestamp::format(&l.checked_at),
        }),
        default_disclosure => default_disclosure(app).await?,
        placement_draft,
        placement_errors => field_errors(placement_errors),
        unsaved => extras.refused_form.is_some(),
        can_edit => who.can(Permission::ManagePromos),
    };
    page(who, "promos/edit.html", "/admin/promos", values).await
}

/// The stored promo with this slug, or the 404 page.
async fn load_or_404(app: &AppState, slug: &str) -> Result<StoredPromo, AdminError> {
    promos::load(app.db.conn(), slug)
        .await?
        .ok_or(AdminError::NotFound)
}

/// The page of the stored promo with this slug as it is, with `errors` of an action (not of the
/// form), and the placement form when it was refused.
async fn show(
    app: &AppState,
    who: &SignedIn,
    slug: &str,
    errors: &Problems,
    refused_placement: Option<(&Fields, &Problems)>,
) -> Result<Response, AdminError> {
    let stored = load_or_404(app, slug).await?;
    let draft = stored.promo.clone();
    let extras = Extras {
        stored: Some(stored),
        refused_placement,
        ..Extras::default()
    };
    editor(app, who, &draft, errors, extras).await
}

/// The promo page again, with the refused placement form kept and its problems beside it.
pub async fn show_with_placement_problems(
    app: &AppState,
    who: &SignedIn,
    slug: &str,
    fields: &Fields,
    problems: &Problems,
) -> Result<Response, AdminError> {
    let none = Problems::new();
    show(app, who, slug, &none, Some((fields, problems))).await
}

/// The placement form as sent, for the page that shows why it was refused.
fn placement_view(fields: &Fields) -> Value {
    context! {
        slot => fields.get("slot"),
        tag => fields.get("tag"),
        priority => fields.get("priority"),
        starts_at => fields.get("starts_at"),
        ends_at => fields.get("ends_at"),
    }
}

pub async fn new_form(Visit { app, who, .. }: Visit<ManagePromos>) -> Result<Response, AdminError> {
    let draft = Promo {
        slug: String::new(),
        kind: PromoKind::Affiliate,
        eyebrow: None,
        title: String::new(),
        body: None,
        icon: None,
        cta_label: None,
        target_url: String::new(),
        disclosure: Some(default_disclosure(&app).await?),
        starts_at: None,
        ends_at: None,
        paused: false,
    };
    editor(&app, &who, &draft, &Problems::new(), Extras::default()).await
}

pub async fn edit_form(
    Visit { app, who, .. }: Visit<ReadPromos>,
    Path(slug): Path<String>,
) -> Result<Response, AdminError> {
    show(&app, &who, &slug, &Problems::new(), None).await
}

/// Saves the new-promo form (`/admin/promos/new`) or a promo's form (at the slug it was opened
/// with).
pub async fn save(
    Submitted {
        app,
        who,
        actor,
        path,
        form: fields,
        ..
    }: Submitted<ManagePromos, Fields, Option<Path<String>>>,
) -> Result<Response, AdminError> {
    let original = path.map(|Path(slug)| slug);
    let stored = match original.as_deref() {
        Some(slug) => Some(load_or_404(&app, slug).await?),
        None => None,
    };
    // Pausing has buttons of its own; the form keeps what is stored.
    let paused = stored.as_ref().is_some_and(|s| s.promo.paused);
    let (draft, mut problems) = draft_from(&fields, paused);
    let outcome = if problems.is_empty() {
        operations::promos::save(
            &app.db,
            actor,
            original.clone(),
            draft.clone(),
            app.clock.now(),
        )
        .await
    } else {
        // Nothing is saved, but every other field is still checked, so all problems show at once.
        let mut others = Problems::new();
        draft.validate("", &mut others);
        Err(OpError::Invalid(others))
    };
    match outcome {
        Ok(()) => {
            who.done(
                format!("Saved \"{}\".", draft.title),
                &format!("/admin/promos/{}", draft.slug),
            )
            .await
        }
        Err(OpError::Invalid(more)) => {
            // Field problems from reading the form come first, then the domain's.
            for p in more.iter() {
                if problems.iter().all(|q| q.path != p.path) {
                    problems.push(p.path.clone(), p.message.clone());
                }
            }
            let extras = Extras {
                stored,
                refused_form: Some(&fields),
                ..Extras::default()
            };
            editor(&app, &who, &draft, &problems, extras).await
        }
        Err(other) => Err(other.into()),
    }
}

/// A button on a promo's page: a form with nothing but the token, at the promo's slug.
pub type PromoButton = Submitted<ManagePromos, Empty, Path<String>>;

async fn set_paused(button: PromoButton, paused: bool) -> Result<Response, AdminError> {
    let Submitted {
        app,
        who,
        actor,
        path: Path(slug),
        ..
    } = button;
    operations::promos::set_paused(&app.db, actor, slug.clone(), paused, app.clock.now()).await?;
    let message = if paused {
        "Paused: readers no longer see it."
    } else {
        "Resumed: readers see it again while it runs."
    };
    who.done(message, &format!("/admin/promos/{slug}")).await
}

pub async fn pause(button: PromoButton) -> Result<Response, AdminError> {
    set_paused(button, true).await
}

pub async fn resume(button: PromoButton) -> Result<Response, AdminError> {
    set_paused(button, false).await
}

pub async fn duplicate(
    Submitted {
        app,
        who,
        actor,
        path: Path(slug),
        ..
    }: PromoButton,
) -> Result<Response, AdminError> {
    match operations::promos::duplicate(&app.db, actor, slug.clone(), app.clock.now()).await {
        Ok(copy) => {
            who.done(
                format!("Copied as \"{copy}\", paused until you resume it."),
                &format!("/admin/promos/{copy}"),
            )
            .await
        }
        Err(OpError::Invalid(problems)) => show(&app, &who, &slug, &problems, None).await,
        Err(other) => Err(other.into()),
    }
}

pub async fn delete(
    Submitted {
        app,
        who,
        actor,
        path: Path(slug),
        ..
    }: PromoButton,
) -> Result<Response, AdminError> {
    match operations::promos::delete(&app.db, actor, slug.clone(), app.clock.now()).await {
        Ok(()) => {
            who.done(format!("Promo \"{slug}\" deleted."), "/admin/promos")
                .await
        }
        Err(OpError::InUse(users)) => {
            let mut problems = Problems::new();
            problems.push(
                "delete",
                format!(
                    "this promo is shown by {} article(s); remove it from them first",
                    users.len()
                ),
            );
            show(&app, &who, &slug, &problems, None).await
        }
        Err(other) => Err(other.into()),
    }
}

/// Checks the promo's target now and keeps the outcome.
pub async fn check_link(
    Submitted {
        app,
        who,
        path: Path(slug),
        ..
    }: PromoButton,
) -> Result<Response, AdminError> {
    let stored = load_or_404(&app, &slug).await?;
    let report = app.links.check(&stored.promo.target_url).await;
    promos::record_link_check(
        app.db.conn(),
        &slug,
        report.verdict.as_str(),
        report.status,
        &report.detail,
        app.clock.now(),
    )
    .await?;
    who.done(
        format!(
            "Link check: {} — {}",
            report.verdict.as_str(),
            report.detail
        ),
        &format!("/admin/promos/{slug}"),
    )
    .await
}
