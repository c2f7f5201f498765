//! The editors' article list: search, filters by status, tag and perspective, sorting, pages.

use axum::extract::Query;
use axum::response::Response;
use minijinja::{Value, context};
use serde::Deserialize;

use crate::domain::accounts::Permission;
use crate::domain::content::ArticleStatus;
use crate::http::admin::content::perspective_choices;
use crate::http::admin::error::AdminError;
use crate::http::admin::render::page;
use crate::http::admin::request::Visit;
use crate::http::admin::session::ReadContent;
use crate::storage::article_list::{self, EditorFilter, EditorSort};

const PER_PAGE: u64 = 25;

#[derive(Deserialize, Default)]
pub struct ListQuery {
    q: Option<String>,
    status: Option<String>,
    tag: Option<String>,
    perspective: Option<String>,
    sort: Option<String>,
    page: Option<u64>,
}

fn filled(value: &Option<String>) -> Option<String> {
    value
        .as_deref()
        .map(str::trim)
        .filter(|v| !v.is_empty())
        .map(str::to_owned)
}

pub async fn list(
    Visit { app, who, .. }: Visit<ReadContent>,
    Query(query): Query<ListQuery>,
) -> Result<Response, AdminError> {
    let sort = match query.sort.as_deref() {
        Some("title") => EditorSort::Title,
        Some("published") => EditorSort::NewestPublished,
        _ => EditorSort::RecentlyChanged,
    };
    let page_number = query.page.unwrap_or(1).clamp(1, 100_000);
    let filter = EditorFilter {
        words: query
            .q
            .as_deref()
            .unwrap_or("")
            .split_whitespace()
            .take(10)
            .map(str::to_owned)
            .collect(),
        status: filled(&query.status).and_then(|s| ArticleStatus::parse(&s)),
        tag: filled(&query.tag),
        perspective: filled(&query.perspective),
        sort,
        page: page_number,
        per_page: PER_PAGE,
    };
    let (articles, total) = article_list::editor_articles(app.db.conn(), &filter).await?;
    let values = context! {
        articles => Value::from(minijinja::value::Serde(&articles)),
        total,
        page => page_number,
        pages => total.div_ceil(PER_PAGE).max(1),
        query => context! {
            q => query.q.unwrap_or_default(),
            status => query.status.unwrap_or_default(),
            tag => query.tag.unwrap_or_default(),
            perspective => query.perspective.unwrap_or_default(),
            sort => query.sort.unwrap_or_default(),
        },
        statuses => ArticleStatus::ALL.iter().map(|s| s.as_str()).collect::<Vec<_>>(),
        perspectives => perspective_choices(&app).await?,
        can_edit => who.can(Permission::EditContent),
    };
    page(&who, "content/articles.html", "/admin/articles", values).await
}
