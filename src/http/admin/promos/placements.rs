//! Placing a promo into a slot (optionally for one tag, with a priority and a schedule) and
//! removing a placement, from the promo's page. No article is touched.

use axum::extract::Path;
use axum::response::Response;

use crate::domain::problems::Problems;
use crate::domain::promotions::Placement;
use crate::http::admin::content::form::{Fields, optional_datetime};
use crate::http::admin::error::AdminError;
use crate::http::admin::promos::editor::show_with_placement_problems;
use crate::http::admin::request::{Empty, Submitted};
use crate::http::admin::session::ManagePromos;
use crate::operations::{self, OpError};

pub async fn add(
    Submitted {
        app,
        who,
        actor,
        path: Path(slug),
        form: fields,
        ..
    }: Submitted<ManagePromos, Fields, Path<String>>,
) -> Result<Response, AdminError> {
    let mut problems = Problems::new();
    let priority_text = fields.get("priority").trim();
    let priority = if priority_text.is_empty() {
        0
    } else {
        priority_text.parse::<i32>().unwrap_or_else(|_| {
            problems.push("priority", "enter a whole number such as 0 or 10");
            0
        })
    };
    let placement = Placement {
        promo: slug.clone(),
        slot: fields.get("slot").trim().to_owned(),
        tag: fields.optional("tag"),
        priority,
        starts_at: optional_datetime(&fields, "starts_at", &mut problems),
        ends_at: optional_datetime(&fields, "ends_at", &mut problems),
    };
    let outcome = if problems.is_empty() {
        let slots = &app.config.promo_slots;
        operations::promos::place(&app.db, actor, placement.clone(), slots, app.clock.now()).await
    } else {
        Err(OpError::Invalid(Problems::new()))
    };
    match outcome {
        Ok(()) => {
            let tag = placement
                .tag
                .as_deref()
                .map(|t| format!(" for articles tagged \"{t}\""))
                .unwrap_or_default();
            who.done(
                format!("Placed in {}{tag}.", placement.slot),
                &format!("/admin/promos/{slug}#placements"),
            )
            .await
        }
        Err(OpError::Invalid(more)) => {
            for p in more.iter() {
                problems.push(p.path.clone(), p.message.clone());
            }
            show_with_placement_problems(&app, &who, &slug, &fields, &problems).await
        }
        Err(other) => Err(other.into()),
    }
}

pub async fn remove(
    Submitted {
        app,
        who,
        actor,
        path: Path((slug, id)),
        ..
    }: Submitted<ManagePromos, Empty, Path<(String, i32)>>,
) -> Result<Response, AdminError> {
    operations::promos::unplace(&app.db, actor, slug.clone(), id, app.clock.now()).await?;
    who.done(
        "Placement removed.",
        &format!("/admin/promos/{slug}#placements"),
    )
    .await
}
