//! The promo list (status, kind and text filters; clicks; link health) and its CSV export.

use axum::extract::Query;
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};
use minijinja::{Value, context};
use serde::Deserialize;

use crate::domain::accounts::Permission;
use crate::domain::content::PromoKind;
use crate::domain::promotions::PromoStatus;
use crate::domain::timestamp;
use crate::http::admin::error::AdminError;
use crate::http::admin::promos::recent_window;
use crate::http::admin::render::page;
use crate::http::admin::request::Visit;
use crate::http::admin::session::{ManagePromos, ReadPromos};
use crate::state::AppState;
use crate::storage::promos::{self, PromoRow};

#[derive(Debug, Deserialize, Default)]
pub struct ListFilter {
    #[serde(default)]
    status: String,
    #[serde(default)]
    kind: String,
    #[serde(default)]
    q: String,
}

impl ListFilter {
    fn keeps(&self, row: &PromoRow) -> bool {
        let status_ok = PromoStatus::parse(&self.status).is_none_or(|s| s == row.status);
        let kind_ok = PromoKind::parse(&self.kind).is_none_or(|k| k == row.kind);
        let q = self.q.trim().to_lowercase();
        let text_ok =
            q.is_empty() || row.title.to_lowercase().contains(&q) || row.slug.contains(&q);
        status_ok && kind_ok && text_ok
    }
}

async fn rows(app: &AppState) -> Result<Vec<PromoRow>, AdminError> {
    // Clicks answered so far are stored before counting, so the figures are exact.
    app.clicks.flush().await;
    let now = app.clock.now();
    Ok(promos::overview(app.db.conn(), now, now - recent_window()).await?)
}

pub async fn list(
    Visit { app, who, .. }: Visit<ReadPromos>,
    Query(filter): Query<ListFilter>,
) -> Result<Response, AdminError> {
    let all = rows(&app).await?;
    let total = all.len();
    let shown: Vec<Value> = all
        .into_iter()
        .filter(|r| filter.keeps(r))
        .map(|r| {
            context! {
                slug => r.slug,
                title => r.title,
                kind => r.kind.as_str(),
                status => r.status.as_str(),
                clicks => r.clicks,
                clicks_30d => r.clicks_30d,
                link_verdict => r.link_verdict,
                link_detail => r.link_detail,
                starts_at => r.starts_at.map(|t| timestamp::format(&t)),
                ends_at => r.ends_at.map(|t| timestamp::format(&t)),
                used_by => r.used_by,
                placements => r.placements,
            }
        })
        .collect();
    let values = context! {
        promos => shown,
        total,
        filter => context! { status => filter.status, kind => filter.kind, q => filter.q },
        statuses => PromoStatus::ALL.iter().map(|s| s.as_str()).collect::<Vec<_>>(),
        kinds => PromoKind::ALL.iter().map(|k| k.as_str()).collect::<Vec<_>>(),
        can_edit => who.can(Permission::ManagePromos),
    };
    page(&who, "promos/list.html", "/admin/promos", values).await
}

/// One row per promo: `slug,kind,title,status,clicks,clicks_30d,ends_at,link`.
pub async fn report_csv(Visit { app, .. }: Visit<ManagePromos>) -> Result<Response, AdminError> {
    let mut csv =
        String::from("slug,kind,title,status,clicks,clicks_30d,starts_at,ends_at,link_status\r\n");
    for r in rows(&app).await? {
        let fields = [
            r.slug,
            r.kind.to_string(),
            r.title,
            r.status.as_str().to_owned(),
            r.clicks.to_string(),
            r.clicks_30d.to_string(),
            r.starts_at
                .map(|t| timestamp::format(&t))
                .unwrap_or_default(),
            r.ends_at.map(|t| timestamp::format(&t)).unwrap_or_default(),
            r.link_verdict.unwrap_or_default(),
        ];
        let line: Vec<String> = fields.iter().map(|f| csv_field(f)).collect();
        csv.push_str(&line.join(","));
        csv.push_str("\r\n");
    }
    let filename = format!(
        "attachment; filename=\"promos-{}.csv\"",
        app.clock.now().format("%Y-%m-%d")
    );
    Ok((
        [
            (
                header::CONTENT_TYPE,
                HeaderValue::from_static("text/csv; charset=utf-8"),
            ),
            (
                header::CONTENT_DISPOSITION,
                HeaderValue::from_str(&filename)
                    .unwrap_or_else(|_| HeaderValue::from_static("attachment")),
            ),
        ],
        csv,
    )
        .into_response())
}

/// RFC 4180 quoting; a leading `=`, `+`, `-` or `@` is defused so spreadsheets do not run it as a
/// formula.
fn csv_field(text: &str) -> String {
    let defused = if text.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        format!("'{text}")
    } else {
        text.to_owned()
    };
    if defused.contains([',', '"', '\n', '\r']) || defused != text {
        format!("\"{}\"", defused.replace('"', "\"\""))
    } else {
        defused
    }
}

#[cfg(test)]
mod tests {
    use super::csv_field;

    #[test]
    fn csv_fields_are_quoted_and_defused() {
        assert_eq!(csv_field("plain"), "plain");
        assert_eq!(csv_field("a, b"), "\"a, b\"");
        assert_eq!(csv_field("say \"hi\""), "\"say \"\"hi\"\"\"");
        assert_eq!(csv_field("=HYPERLINK(1)"), "\"'=HYPERLINK(1)\"");
    }
}
