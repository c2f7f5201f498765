//! Every slot with the promos placed in it, in the order frontends receive them, and whether
//! each is live now: where marketers see what runs where before changing a placement.

use axum::response::Response;
use minijinja::{Value, context};

use crate::domain::timestamp;
use crate::http::admin::error::AdminError;
use crate::http::admin::render::page;
use crate::http::admin::request::Visit;
use crate::http::admin::session::ReadPromos;
use crate::storage::placements;

pub async fn placements(Visit { app, who, .. }: Visit<ReadPromos>) -> Result<Response, AdminError> {
    let lines = placements::overview(app.db.conn(), app.clock.now()).await?;
    // The site's slots first, in their configured order, then any others still stored.
    let mut slots: Vec<String> = app.config.promo_slots.clone();
    for line in &lines {
        if !slots.contains(&line.placement.slot) {
            slots.push(line.placement.slot.clone());
        }
    }
    let groups: Vec<Value> = slots
        .iter()
        .map(|slot| {
            let entries: Vec<Value> = lines
                .iter()
                .filter(|l| &l.placement.slot == slot)
                .map(|l| {
                    context! {
                        promo => l.placement.promo.clone(),
                        title => l.promo_title.clone(),
                        status => l.promo_status.as_str(),
                        tag => l.placement.tag.clone(),
                        priority => l.placement.priority,
                        starts_at => l.placement.starts_at.map(|t| timestamp::format(&t)),
                        ends_at => l.placement.ends_at.map(|t| timestamp::format(&t)),
                        live => l.live,
                    }
                })
                .collect();
            context! {
                slot => slot.clone(),
                configured => app.config.promo_slots.contains(slot),
                entries,
            }
        })
        .collect();
    page(
        &who,
        "promos/placements.html",
        "/admin/promos",
        context! { groups },
    )
    .await
}
