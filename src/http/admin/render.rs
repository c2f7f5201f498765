//! Rendering admin pages: the shared layout context (who is signed in, navigation by role, the
//! CSRF token, the one-time flash message, asset URLs) plus each page's own values.

use axum::response::{Html, IntoResponse, Response};
use minijinja::{Value, context};
use tower_sessions::Session;

use crate::domain::accounts::Permission;
use crate::http::admin::assets;
use crate::http::admin::csrf;
use crate::http::admin::error::AdminError;
use crate::http::admin::session::{SignedIn, take_flash};
use crate::http::admin::templates::TEMPLATES;

/// Navigation entries a role may see: (label, path, permission).
const NAV: &[(&str, &str, Permission)] = &[
    ("Dashboard", "/admin", Permission::UseDashboard),
    ("Articles", "/admin/articles", Permission::ReadContent),
    (
        "Feeling lists",
        "/admin/feeling-lists",
        Permission::ReadContent,
    ),
    ("Step guides", "/admin/step-guides", Permission::ReadContent),
    (
        "Perspectives",
        "/admin/perspectives",
        Permission::ReadContent,
    ),
    ("Promos", "/admin/promos", Permission::ReadPromos),
    ("Users", "/admin/users", Permission::ManageUsers),
    ("Audit log", "/admin/audit", Permission::ManageUsers),
    ("Settings", "/admin/settings", Permission::ManageSettings),
];

/// A page for a signed-in user; `current` is the path of the active navigation entry.
pub async fn page(
    who: &SignedIn,
    template: &str,
    current: &str,
    values: Value,
) -> Result<Response, AdminError> {
    let nav: Vec<Value> = NAV
        .iter()
        .filter(|(_, _, permission)| who.can(*permission))
        .map(|(label, path, _)| context! { label => *label, path => trusted(path), active => *path == current })
        .collect();
    let common = context! {
        me => context! {
            id => who.user.id,
            email => who.user.email.clone(),
            display_name => who.user.display_name.clone(),
            role => who.role.label(),
        },
        nav,
        csrf_token => csrf::token(&who.session).await?,
        flash => take_flash(&who.session).await?,
        css => trusted(assets::css_path()),
        js => trusted(assets::js_path()),
    };
    render(template, context! { ..values, ..common })
}

/// A page for someone not signed in (sign-in, first-run setup).
pub async fn public_page(
    session: &Session,
    template: &str,
    values: Value,
) -> Result<Response, AdminError> {
    let common = context! {
        csrf_token => csrf::token(session).await?,
        flash => take_flash(session).await?,
        css => trusted(assets::css_path()),
        js => trusted(assets::js_path()),
    };
    render(template, context! { ..values, ..common })
}

/// The template with the page's and the layout's values, as an HTML response.
fn render(template: &str, values: Value) -> Result<Response, AdminError> {
    Ok(Html(TEMPLATES.render(template, values)?).into_response())
}

/// Field name → message, for inline errors next to form fields.
/// Problems keyed by form field; one about the whole form (no field) is under `form`.
pub fn field_errors(problems: &crate::domain::problems::Problems) -> Value {
    let map: std::collections::BTreeMap<String, String> = problems
        .iter()
        .map(|p| {
            let field = if p.path.is_empty() { "form" } else { &p.path };
            (field.to_owned(), p.message.clone())
        })
        .collect();
    Value::from(minijinja::value::Serde(map))
}

/// A constant of ours (a path), marked safe so it is not entity-escaped in attributes.
fn trusted(text: &str) -> Value {
    Value::from_safe_string(text.to_owned())
}
