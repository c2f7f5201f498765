//! Every admin page and form, in one table grouped by who uses it, so `grep` finds any URL and
//! the role-table test walks exactly what is served ([`ROUTES`] is built from the same table as
//! the router). Each handler states the permission it needs in its argument types.

use axum::Router;
use axum::routing::{get, post};

use crate::domain::content::{FeelingList, StepGuide};
use crate::http::admin::content::{articles, perspectives, reusable};
use crate::http::admin::promos::{editor, list, overview, placements, report};
use crate::http::admin::{account, assets, audit, dashboard, login, settings, users};
use crate::state::AppState;

macro_rules! route_table {
    ($( $method:ident $path:literal => $handler:expr, )*) => {
        /// Every (method, path) the admin serves, in the order of the table.
        pub const ROUTES: &[(&str, &str)] = &[$((stringify!($method), $path)),*];

        /// The router of the table.
        pub fn routes() -> Router<AppState> {
            Router::new()$(.route($path, $method($handler)))*
        }
    };
}

route_table! {
    // Everyone: signing in and out, the first-run setup, the assets.
    get "/admin/setup" => login::setup_form,
    post "/admin/setup" => login::setup,
    get "/admin/login" => login::login_form,
    post "/admin/login" => login::login,
    post "/admin/logout" => login::logout,

    // Every signed-in user: the dashboard and their own account.
    get "/admin" => dashboard::dashboard,
    get "/admin/" => dashboard::dashboard,
    get "/admin/account" => account::show,
    post "/admin/account" => account::rename,
    post "/admin/account/password" => account::change_password,

    // Admins: users, the audit trail, settings.
    get "/admin/users" => users::list,
    post "/admin/users" => users::create,
    get "/admin/users/new" => users::new_form,
    get "/admin/users/{id}" => users::edit_form,
    post "/admin/users/{id}" => users::update,
    post "/admin/users/{id}/password" => users::reset_password,
    get "/admin/audit" => audit::audit_log,
    get "/admin/settings" => settings::show,
    post "/admin/settings" => settings::save,

    // Editors (marketers read): articles.
    get "/admin/articles" => articles::list::list,
    get "/admin/articles/new" => articles::editor::new_form,
    post "/admin/articles/new" => articles::editor::save,
    get "/admin/articles/slug-check" => articles::editor::slug_check,
    get "/admin/articles/{slug}" => articles::editor::edit_form,
    post "/admin/articles/{slug}" => articles::editor::save,
    get "/admin/articles/{slug}/preview" => articles::preview::preview,
    get "/admin/articles/{slug}/delete" => articles::preview::confirm_delete,
    post "/admin/articles/{slug}/delete" => articles::preview::delete,
    get "/admin/articles/{slug}/revisions" => articles::revisions::revisions,
    get "/admin/articles/{slug}/revisions/{id}" => articles::revisions::revision,
    post "/admin/articles/{slug}/revisions/{id}/restore" => articles::revisions::restore,
    post "/admin/markdown-preview" => articles::editor::markdown_preview,

    // Editors (marketers read): feeling lists, step guides, perspectives.
    get "/admin/feeling-lists" => reusable::list::<FeelingList>,
    get "/admin/feeling-lists/new" => reusable::new_form::<FeelingList>,
    post "/admin/feeling-lists/new" => reusable::save::<FeelingList>,
    get "/admin/feeling-lists/{slug}" => reusable::edit_form::<FeelingList>,
    post "/admin/feeling-lists/{slug}" => reusable::save::<FeelingList>,
    post "/admin/feeling-lists/{slug}/delete" => reusable::delete::<FeelingList>,
    get "/admin/step-guides" => reusable::list::<StepGuide>,
    get "/admin/step-guides/new" => reusable::new_form::<StepGuide>,
    post "/admin/step-guides/new" => reusable::save::<StepGuide>,
    get "/admin/step-guides/{slug}" => reusable::edit_form::<StepGuide>,
    post "/admin/step-guides/{slug}" => reusable::save::<StepGuide>,
    post "/admin/step-guides/{slug}/delete" => reusable::delete::<StepGuide>,
    get "/admin/perspectives" => perspectives::list,
    post "/admin/perspectives" => perspectives::create,
    post "/admin/perspectives/{key}" => perspectives::relabel,
    post "/admin/perspectives/{key}/delete" => perspectives::delete,

    // Marketers (editors read): promos, placements, reports.
    get "/admin/promos" => list::list,
    get "/admin/promos/report.csv" => list::report_csv,
    get "/admin/placements" => overview::placements,
    get "/admin/promos/new" => editor::new_form,
    post "/admin/promos/new" => editor::save,
    get "/admin/promos/{slug}" => editor::edit_form,
    post "/admin/promos/{slug}" => editor::save,
    post "/admin/promos/{slug}/pause" => editor::pause,
    post "/admin/promos/{slug}/resume" => editor::resume,
    post "/admin/promos/{slug}/duplicate" => editor::duplicate,
    post "/admin/promos/{slug}/delete" => editor::delete,
    post "/admin/promos/{slug}/check-link" => editor::check_link,
    post "/admin/promos/{slug}/placements" => placements::add,
    post "/admin/promos/{slug}/placements/{id}/delete" => placements::remove,
    get "/admin/promos/{slug}/report" => report::report,
}

/// The stylesheet and script, served apart from the pages: no session, cached for a year.
pub const ASSETS: (&str, &str) = ("get", "/admin/static/{name}");

pub fn asset_routes() -> Router<AppState> {
    Router::new().route(ASSETS.1, get(assets::serve))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_table_builds_a_router_and_lists_each_route_once() {
        let _ = routes();
        let mut seen = std::collections::HashSet::new();
        for route in ROUTES {
            assert!(seen.insert(route), "{route:?} is listed twice");
            assert!(route.1.starts_with("/admin"), "{route:?}");
        }
    }
}
