//! Who may open what: every admin route the router serves, walked as an anonymous visitor, an
//! editor, a marketer and an admin, compared with the table below.
//!
//! The table is keyed by the routes of `tether::http::admin::routes` (the list the router is built
//! from): a route without a row, or a row for a route that is not served, fails the test, so a new
//! route cannot ship before someone decides who may use it.

use std::collections::BTreeSet;

use serde_json::json;
use tether::domain::accounts::Role;
use tether::domain::content::{Article, FeelingList, StepGuide};
use tether::domain::publishing::EditorAction;
use tether::http::admin::assets::{css_path, js_path};
use tether::http::admin::routes::{ASSETS, ROUTES};
use tether::operations::Actor;
use tether::operations::articles::{self, ArticleSave};
use tether::storage::{self, revisions::Author};

use crate::admin_support::{Browser, PASSWORD, Page, create_user, signed_in};
use crate::fixtures::{self, bundle, hours_ago};
use crate::support::{TestApp, now};

/// What a visitor gets.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Answer {
    /// 200, an HTML page.
    Ok,
    /// 200 with this content type: JSON, CSV, an HTML fragment, a stylesheet or a script.
    Served(&'static str),
    /// 303 to exactly this Location (`<who>` and `<placement>` filled in as in paths).
    Redirect(String),
    /// 303 to the sign-in page, which leads back to the requested path.
    SignIn,
    /// 403 with the "not allowed" page (not the "form expired" one).
    Forbidden,
    /// 404 with the admin's "not found" page (not the router's empty 404).
    NotFound,
}

use Answer::*;

fn to(location: impl Into<String>) -> Answer {
    Redirect(location.into())
}

/// Who visits: the order of the answers in every row.
const VISITORS: [&str; 4] = ["anonymous", "editor", "marketer", "admin"];

/// The account each visitor is signed in as.
const ACCOUNTS: [Option<(&str, Role)>; 4] = [
    None,
    Some(("editor@example.com", Role::Editor)),
    Some(("marketer@example.com", Role::Marketer)),
    Some(("admin@example.com", Role::Admin)),
];

/// Cells where the app answers otherwise than the table, which is believed right: (method, path,
/// visitor, why). They are not asserted (what the app answers is printed) until the app changes.
const DISPUTED: &[(&str, &str, &str, &str)] = &[];

/// One request, made by each visitor.
///
/// In `path` and in field values, `<who>` is the visitor's name (so each visitor can act on
/// things of its own, such as a promo to delete) and `<placement>` the id of the placement made
/// for that visitor. A field `<version>` is the current version of the article in the path.
struct Row {
    /// The route, exactly as listed in `ROUTES` (method in lowercase).
    method: &'static str,
    route: &'static str,
    path: String,
    fields: Vec<(&'static str, &'static str)>,
    /// For [anonymous, editor, marketer, admin].
    answers: [Answer; 4],
    /// Made in browsers of their own (signing in or out here must not touch the sessions the
    /// other rows use).
    fresh: bool,
}

fn get(route: &'static str, path: impl Into<String>, answers: [Answer; 4]) -> Row {
    Row {
        method: "get",
        route,
        path: path.into(),
        fields: Vec::new(),
        answers,
        fresh: false,
    }
}

fn post(
    route: &'static str,
    path: impl Into<String>,
    fields: &[(&'static str, &'static str)],
    answers: [Answer; 4],
) -> Row {
    Row {
        method: "post",
        fields: fields.to_vec(),
        ..get(route, path, answers)
    }
}

impl Row {
    fn in_fresh_browsers(self) -> Row {
        Row {
            fresh: true,
            ..self
        }
    }
}

/// Every (method, route) the admin serves.
fn served() -> impl Iterator<Item = (&'static str, &'static str)> {
    ROUTES.iter().copied().chain([ASSETS])
}

/// The route the router sends `method path` to: every segment matches, and at the first segment
/// where two routes differ a literal wins over a parameter (as in axum's router).
fn route_of(method: &str, path: &str) -> Option<&'static str> {
    let path = path.split(['?', '#']).next().unwrap_or_default();
    let wanted: Vec<&str> = path.split('/').collect();
    served()
        .filter(|(m, _)| *m == method)
        .filter_map(|(_, route)| {
            let parts: Vec<&str> = route.split('/').collect();
            let param = |p: &str| p.starts_with('{');
            let fits = parts.len() == wanted.len()
                && parts
                    .iter()
                    .zip(&wanted)
                    .all(|(p, w)| p == w || (param(p) && !w.is_empty()));
            fits.then(|| (parts.iter().map(|p| !param(p)).collect::<Vec<_>>(), route))
        })
        .max()
        .map(|(_, route)| route)
}

/// Where an anonymous visitor of `path` is sent: the sign-in page, with the way back to a page
/// (the dashboard needs none; a form is not sent again, so it has none either).
fn sign_in_location(method: &str, path: &str) -> String {
    if path == "/admin" || method != "get" {
        return "/admin/login".into();
    }
    let next: String = path
        .bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'/' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect();
    format!("/admin/login?next={next}")
}

/// An answer as text: status, then the Location, the content type or the error page's title.
fn observed(page: &Page) -> String {
    let status = page.status.as_u16();
    if page.status.is_redirection() {
        return format!("{status} → {}", page.location().unwrap_or("(no Location)"));
    }
    if status == 200 {
        let kind = page
            .headers
            .get(reqwest::header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.split(';').next())
            .unwrap_or("(no content type)");
        return format!("{status} {kind}");
    }
    let title = page
        .body
        .split_once("<h1>")
        .and_then(|(_, rest)| rest.split_once("</h1>"))
        .map_or("(no error page)", |(title, _)| title);
    format!("{status} {title}")
}

struct Visitor {
    name: &'static str,
    /// The account it is signed in as.
    email: Option<&'static str>,
    browser: Browser,
    /// The placement made for it to remove.
    placement: i32,
}

impl Visitor {
    fn fill(&self, text: &str) -> String {
        text.replace("<who>", self.name)
            .replace("<placement>", &self.placement.to_string())
    }

    fn expected(&self, answer: &Answer, method: &str, path: &str) -> String {
        match answer {
            Ok => "200 text/html".into(),
            Served(kind) => format!("200 {kind}"),
            Redirect(location) => format!("303 → {}", self.fill(location)),
            SignIn => format!("303 → {}", sign_in_location(method, path)),
            Forbidden => "403 Not allowed".into(),
            NotFound => "404 Not found".into(),
        }
    }

    /// Another browser, signed in to the same account.
    async fn fresh_browser(&self, app: &TestApp) -> Browser {
        let browser = Browser::new(app);
        if let Some(email) = self.email {
            browser
                .sign_in(email, PASSWORD)
                .await
                .assert_redirect("/admin");
        }
        browser
    }
}

/// The content the rows act on: one of each thing to look at and change, and for every visitor
/// its own things to delete, duplicate or unplace.
async fn create_content(app: &TestApp) {
    let mine = |prefix: &str| VISITORS.map(|who| format!("{prefix}-{who}"));
    let mut perspectives = fixtures::perspectives();
    let mut articles = Vec::new();
    let mut feeling_lists = vec![json!({"slug": "kept-feelings", "title": "Feelings",
        "items": [{"perspective": "anxious", "text": "Worry"}]})];
    let mut step_guides = vec![json!({"slug": "kept-steps", "title": "Steps",
        "steps": [{"title": "Breathe.", "body": "Slowly.", "perspective": null}]})];
    let mut kept_promo = fixtures::promo("kept-promo", "book");
    // A private address: the link check refuses it at once, without the network.
    kept_promo["target_url"] = json!("http://127.0.0.1:9/offer");
    let mut promos = vec![kept_promo];
    let mut placements = Vec::new();
    for slug in mine("unused") {
        perspectives
            .as_array_mut()
            .unwrap()
            .push(json!({"key": slug, "label": "Unused"}));
    }
    for slug in mine("doomed") {
        articles.push(fixtures::article(&slug, "Doomed", &hours_ago(1)));
    }
    for slug in mine("fl-gone") {
        feeling_lists.push(json!({"slug": slug, "title": "Gone",
            "items": [{"perspective": "avoidant", "text": "Gone"}]}));
    }
    for slug in mine("sg-gone") {
        step_guides.push(json!({"slug": slug, "title": "Gone",
            "steps": [{"title": "Gone.", "body": "", "perspective": null}]}));
    }
    for prefix in ["gone", "dup", "placed"] {
        for slug in mine(prefix) {
            promos.push(fixtures::promo(&slug, "book"));
        }
    }
    for slug in mine("placed") {
        placements.push(
            json!({"promo": slug, "slot": "sidebar", "tag": null, "priority": 0,
            "starts_at": null, "ends_at": null}),
        );
    }
    app.import_value(&bundle(json!({
        "perspectives": perspectives,
        "articles": articles,
        "feeling_lists": feeling_lists,
        "step_guides": step_guides,
        "promos": promos,
        "placements": placements,
    })))
    .await;

    // Saved as the editor saves, so it has a revision.
    let mut kept = fixtures::article("kept", "Kept", &hours_ago(1));
    kept["status"] = json!("draft");
    kept["published_at"] = json!(null);
    let draft: Article = serde_json::from_value(kept).unwrap();
    let author = Author {
        user_id: None,
        name: "fixture".into(),
        keep: 10,
    };
    let request = ArticleSave {
        existing: None,
        draft,
        action: EditorAction::Save,
    };
    articles::save(&app.db, Actor::command_line(), author, request, now())
        .await
        .unwrap();
}

async fn revision_of(app: &TestApp, slug: &str) -> i64 {
    let row = storage::articles::row_by_slug(app.db.conn(), slug)
        .await
        .unwrap()
        .unwrap();
    storage::revisions::list(app.db.conn(), row.id)
        .await
        .unwrap()[0]
        .id
}

async fn placement_of(app: &TestApp, promo: &str) -> i32 {
    let row = storage::promos::by_slug(app.db.conn(), promo)
        .await
        .unwrap()
        .unwrap();
    storage::placements::of_promo(app.db.conn(), row.id, promo)
        .await
        .unwrap()[0]
        .id
}

/// The version an article's form would carry now (1 for an article that does not exist).
async fn version_of(app: &TestApp, path: &str) -> String {
    let slug = path.split('/').nth(3).unwrap_or_default();
    storage::articles::load(app.db.conn(), slug)
        .await
        .unwrap()
        .map_or(1, |a| a.version)
        .to_string()
}

#[tokio::test]
async fn every_admin_route_answers_each_role_as_the_table_says() {
    let app = TestApp::empty().await;
    create_content(&app).await;
    let target = create_user(&app, "target@example.com", Role::Editor).await;
    let leaver = create_user(&app, "leaver@example.com", Role::Editor).await;
    create_user(&app, "door@example.com", Role::Editor).await;
    let user = |id: i32| format!("/admin/users/{id}");
    let revision = revision_of(&app, "kept").await;
    let kept_revision = format!("/admin/articles/kept/revisions/{revision}");

    let article_form: &[(&str, &str)] = &[
        ("subtitle", ""),
        ("summary", ""),
        ("tags", ""),
        ("status", "draft"),
        ("published_at", ""),
        ("block_type", "text"),
        ("block_heading", ""),
        ("block_body", "Some text."),
        ("block_ref", ""),
        ("action", "save"),
    ];
    let with = |base: &[(&'static str, &'static str)], more: &[(&'static str, &'static str)]| {
        let mut fields = base.to_vec();
        fields.extend_from_slice(more);
        fields
    };
    let new_article = with(article_form, &[("title", "Fresh"), ("slug", "fresh-<who>")]);
    let kept_article = with(
        article_form,
        &[
            ("title", "Kept"),
            ("slug", "kept"),
            ("version", "<version>"),
        ],
    );
    let missing_article = with(
        article_form,
        &[("title", "Missing"), ("slug", "missing"), ("version", "1")],
    );
    let promo_form: &[(&str, &str)] = &[
        ("kind", "book"),
        ("eyebrow", ""),
        ("body", ""),
        ("icon", ""),
        ("cta_label", "Read →"),
        ("disclosure", ""),
        ("starts_at", ""),
        ("ends_at", ""),
    ];
    let new_promo = with(
        promo_form,
        &[
            ("title", "New"),
            ("slug", "promo-<who>"),
            ("target_url", "https://partner.example/new"),
        ],
    );
    let kept_promo = with(
        promo_form,
        &[
            ("title", "Kept"),
            ("slug", "kept-promo"),
            ("target_url", "http://127.0.0.1:9/offer"),
        ],
    );
    let feelings = |slug| {
        vec![
            ("title", "Feelings"),
            ("slug", slug),
            ("item_perspective", "anxious"),
            ("item_text", "Worry"),
            ("action", "save"),
        ]
    };
    let steps = |slug| {
        vec![
            ("title", "Steps"),
            ("slug", slug),
            ("step_title", "Breathe."),
            ("step_body", "Slowly."),
            ("step_perspective", ""),
            ("action", "save"),
        ]
    };
    let user_form = [
        ("display_name", "Target"),
        ("role", "editor"),
        ("active", "on"),
    ];

    #[rustfmt::skip]
    let table: Vec<Row> = vec![
        // Everyone: signing in and out, the first-run setup (over once a user exists).
        get("/admin/setup", "/admin/setup", [NotFound, NotFound, NotFound, NotFound]),
        post("/admin/setup", "/admin/setup",
            &[("email", "second@example.com"), ("display_name", "Second"),
              ("password", PASSWORD), ("password_confirm", PASSWORD)],
            [NotFound, NotFound, NotFound, NotFound]),
        get("/admin/login", "/admin/login", [Ok, Ok, Ok, Ok]),
        get("/admin/login", "/admin/login?next=/admin/promos", [Ok, Ok, Ok, Ok]),
        post("/admin/login", "/admin/login",
            &[("email", "door@example.com"), ("password", PASSWORD), ("next", "/admin/articles")],
            [to("/admin/articles"), to("/admin/articles"), to("/admin/articles"),
             to("/admin/articles")])
            .in_fresh_browsers(),
        post("/admin/logout", "/admin/logout", &[],
            [to("/admin/login"), to("/admin/login"), to("/admin/login"), to("/admin/login")])
            .in_fresh_browsers(),

        // Every signed-in user: the dashboard and their own account.
        get("/admin", "/admin", [to("/admin/login"), Ok, Ok, Ok]),
        get("/admin/", "/admin/", [to("/admin/login?next=/admin/"), Ok, Ok, Ok]),
        get("/admin/account", "/admin/account", [SignIn, Ok, Ok, Ok]),
        post("/admin/account", "/admin/account", &[("display_name", "Renamed <who>")],
            [SignIn, to("/admin/account"), to("/admin/account"), to("/admin/account")]),
        post("/admin/account/password", "/admin/account/password",
            &[("current_password", PASSWORD), ("new_password", PASSWORD),
              ("new_password_confirm", PASSWORD)],
            [SignIn, to("/admin/account"), to("/admin/account"), to("/admin/account")]),

        // Admins: users, the audit trail, settings.
        get("/admin/users", "/admin/users", [SignIn, Forbidden, Forbidden, Ok]),
        post("/admin/users", "/admin/users",
            &[("email", "made@example.com"), ("display_name", "Made"), ("role", "editor"),
              ("password", PASSWORD)],
            [SignIn, Forbidden, Forbidden, to("/admin/users")]),
        get("/admin/users/new", "/admin/users/new", [SignIn, Forbidden, Forbidden, Ok]),
        get("/admin/users/{id}", user(target.id), [SignIn, Forbidden, Forbidden, Ok]),
        get("/admin/users/{id}", user(999_999), [SignIn, Forbidden, Forbidden, NotFound]),
        post("/admin/users/{id}", user(target.id), &user_form,
            [SignIn, Forbidden, Forbidden, to("/admin/users")]),
        // Deactivating (no `active`) someone nobody signs in as.
        post("/admin/users/{id}", user(leaver.id),
            &[("display_name", "Leaver"), ("role", "editor")],
            [SignIn, Forbidden, Forbidden, to("/admin/users")]),
        post("/admin/users/{id}", user(999_999), &user_form,
            [SignIn, Forbidden, Forbidden, NotFound]),
        post("/admin/users/{id}/password", format!("{}/password", user(target.id)),
            &[("password", PASSWORD)],
            [SignIn, Forbidden, Forbidden, to(user(target.id))]),
        post("/admin/users/{id}/password", format!("{}/password", user(999_999)),
            &[("password", PASSWORD)],
            [SignIn, Forbidden, Forbidden, NotFound]),
        get("/admin/audit", "/admin/audit", [SignIn, Forbidden, Forbidden, Ok]),
        get("/admin/audit", "/admin/audit?page=2",
            [to("/admin/login?next=/admin/audit%3Fpage%3D2"), Forbidden, Forbidden, Ok]),
        get("/admin/settings", "/admin/settings", [SignIn, Forbidden, Forbidden, Ok]),
        post("/admin/settings", "/admin/settings", &[("default_disclosure", "Sponsored link.")],
            [SignIn, Forbidden, Forbidden, to("/admin/settings")]),

        // Articles: editors write, marketers read.
        get("/admin/articles", "/admin/articles", [SignIn, Ok, Ok, Ok]),
        get("/admin/articles/new", "/admin/articles/new", [SignIn, Ok, Forbidden, Ok]),
        post("/admin/articles/new", "/admin/articles/new", &new_article,
            [SignIn, to("/admin/articles/fresh-<who>"), Forbidden,
             to("/admin/articles/fresh-<who>")]),
        get("/admin/articles/slug-check", "/admin/articles/slug-check?slug=kept",
            [SignIn, Served("application/json"), Forbidden, Served("application/json")]),
        get("/admin/articles/{slug}", "/admin/articles/kept", [SignIn, Ok, Ok, Ok]),
        get("/admin/articles/{slug}", "/admin/articles/missing",
            [SignIn, NotFound, NotFound, NotFound]),
        post("/admin/articles/{slug}", "/admin/articles/kept", &kept_article,
            [SignIn, to("/admin/articles/kept"), Forbidden, to("/admin/articles/kept")]),
        post("/admin/articles/{slug}", "/admin/articles/missing", &missing_article,
            [SignIn, NotFound, Forbidden, NotFound]),
        get("/admin/articles/{slug}/preview", "/admin/articles/kept/preview", [SignIn, Ok, Ok, Ok]),
        get("/admin/articles/{slug}/preview", "/admin/articles/missing/preview",
            [SignIn, NotFound, NotFound, NotFound]),
        get("/admin/articles/{slug}/delete", "/admin/articles/kept/delete",
            [SignIn, Ok, Forbidden, Ok]),
        get("/admin/articles/{slug}/delete", "/admin/articles/missing/delete",
            [SignIn, NotFound, Forbidden, NotFound]),
        post("/admin/articles/{slug}/delete", "/admin/articles/doomed-<who>/delete", &[],
            [SignIn, to("/admin/articles"), Forbidden, to("/admin/articles")]),
        post("/admin/articles/{slug}/delete", "/admin/articles/missing/delete", &[],
            [SignIn, NotFound, Forbidden, NotFound]),
        get("/admin/articles/{slug}/revisions", "/admin/articles/kept/revisions",
            [SignIn, Ok, Ok, Ok]),
        get("/admin/articles/{slug}/revisions", "/admin/articles/missing/revisions",
            [SignIn, NotFound, NotFound, NotFound]),
        get("/admin/articles/{slug}/revisions/{id}", kept_revision.clone(), [SignIn, Ok, Ok, Ok]),
        get("/admin/articles/{slug}/revisions/{id}", "/admin/articles/kept/revisions/999999",
            [SignIn, NotFound, NotFound, NotFound]),
        post("/admin/articles/{slug}/revisions/{id}/restore", format!("{kept_revision}/restore"),
            &[("version", "<version>")],
            [SignIn, to("/admin/articles/kept"), Forbidden, to("/admin/articles/kept")]),
        post("/admin/articles/{slug}/revisions/{id}/restore",
            "/admin/articles/kept/revisions/999999/restore", &[("version", "<version>")],
            [SignIn, NotFound, Forbidden, NotFound]),
        post("/admin/markdown-preview", "/admin/markdown-preview", &[("markdown", "**Bold**")],
            [SignIn, Served("text/html"), Forbidden, Served("text/html")]),

        // Feeling lists, step guides, perspectives: editors write, marketers read.
        get("/admin/feeling-lists", "/admin/feeling-lists", [SignIn, Ok, Ok, Ok]),
        get("/admin/feeling-lists/new", "/admin/feeling-lists/new", [SignIn, Ok, Forbidden, Ok]),
        post("/admin/feeling-lists/new", "/admin/feeling-lists/new", &feelings("fl-<who>"),
            [SignIn, to("/admin/feeling-lists/fl-<who>"), Forbidden,
             to("/admin/feeling-lists/fl-<who>")]),
        get("/admin/feeling-lists/{slug}", "/admin/feeling-lists/kept-feelings",
            [SignIn, Ok, Ok, Ok]),
        get("/admin/feeling-lists/{slug}", "/admin/feeling-lists/missing",
            [SignIn, NotFound, NotFound, NotFound]),
        post("/admin/feeling-lists/{slug}", "/admin/feeling-lists/kept-feelings",
            &feelings("kept-feelings"),
            [SignIn, to("/admin/feeling-lists/kept-feelings"), Forbidden,
             to("/admin/feeling-lists/kept-feelings")]),
        post("/admin/feeling-lists/{slug}", "/admin/feeling-lists/missing", &feelings("missing"),
            [SignIn, NotFound, Forbidden, NotFound]),
        post("/admin/feeling-lists/{slug}/delete", "/admin/feeling-lists/fl-gone-<who>/delete", &[],
            [SignIn, to("/admin/feeling-lists"), Forbidden, to("/admin/feeling-lists")]),
        post("/admin/feeling-lists/{slug}/delete", "/admin/feeling-lists/missing/delete", &[],
            [SignIn, NotFound, Forbidden, NotFound]),
        get("/admin/step-guides", "/admin/step-guides", [SignIn, Ok, Ok, Ok]),
        get("/admin/step-guides/new", "/admin/step-guides/new", [SignIn, Ok, Forbidden, Ok]),
        post("/admin/step-guides/new", "/admin/step-guides/new", &steps("sg-<who>"),
            [SignIn, to("/admin/step-guides/sg-<who>"), Forbidden,
             to("/admin/step-guides/sg-<who>")]),
        get("/admin/step-guides/{slug}", "/admin/step-guides/kept-steps", [SignIn, Ok, Ok, Ok]),
        get("/admin/step-guides/{slug}", "/admin/step-guides/missing",
            [SignIn, NotFound, NotFound, NotFound]),
        post("/admin/step-guides/{slug}", "/admin/step-guides/kept-steps", &steps("kept-steps"),
            [SignIn, to("/admin/step-guides/kept-steps"), Forbidden,
             to("/admin/step-guides/kept-steps")]),
        post("/admin/step-guides/{slug}", "/admin/step-guides/missing", &steps("missing"),
            [SignIn, NotFound, Forbidden, NotFound]),
        post("/admin/step-guides/{slug}/delete", "/admin/step-guides/sg-gone-<who>/delete", &[],
            [SignIn, to("/admin/step-guides"), Forbidden, to("/admin/step-guides")]),
        post("/admin/step-guides/{slug}/delete", "/admin/step-guides/missing/delete", &[],
            [SignIn, NotFound, Forbidden, NotFound]),
        get("/admin/perspectives", "/admin/perspectives", [SignIn, Ok, Ok, Ok]),
        post("/admin/perspectives", "/admin/perspectives",
            &[("key", "calm-<who>"), ("label", "Calm")],
            [SignIn, to("/admin/perspectives"), Forbidden, to("/admin/perspectives")]),
        post("/admin/perspectives/{key}", "/admin/perspectives/anxious",
            &[("label", "Anxious partner")],
            [SignIn, to("/admin/perspectives"), Forbidden, to("/admin/perspectives")]),
        post("/admin/perspectives/{key}", "/admin/perspectives/missing", &[("label", "Missing")],
            [SignIn, NotFound, Forbidden, NotFound]),
        post("/admin/perspectives/{key}/delete", "/admin/perspectives/unused-<who>/delete", &[],
            [SignIn, to("/admin/perspectives"), Forbidden, to("/admin/perspectives")]),
        post("/admin/perspectives/{key}/delete", "/admin/perspectives/missing/delete", &[],
            [SignIn, NotFound, Forbidden, NotFound]),

        // Promos: marketers change them, editors look.
        get("/admin/promos", "/admin/promos", [SignIn, Ok, Ok, Ok]),
        get("/admin/promos/report.csv", "/admin/promos/report.csv",
            [SignIn, Forbidden, Served("text/csv"), Served("text/csv")]),
        get("/admin/placements", "/admin/placements", [SignIn, Ok, Ok, Ok]),
        get("/admin/promos/new", "/admin/promos/new", [SignIn, Forbidden, Ok, Ok]),
        post("/admin/promos/new", "/admin/promos/new", &new_promo,
            [SignIn, Forbidden, to("/admin/promos/promo-<who>"), to("/admin/promos/promo-<who>")]),
        get("/admin/promos/{slug}", "/admin/promos/kept-promo", [SignIn, Ok, Ok, Ok]),
        get("/admin/promos/{slug}", "/admin/promos/missing",
            [SignIn, NotFound, NotFound, NotFound]),
        post("/admin/promos/{slug}", "/admin/promos/kept-promo", &kept_promo,
            [SignIn, Forbidden, to("/admin/promos/kept-promo"), to("/admin/promos/kept-promo")]),
        post("/admin/promos/{slug}", "/admin/promos/missing", &kept_promo,
            [SignIn, Forbidden, NotFound, NotFound]),
        post("/admin/promos/{slug}/pause", "/admin/promos/kept-promo/pause", &[],
            [SignIn, Forbidden, to("/admin/promos/kept-promo"), to("/admin/promos/kept-promo")]),
        post("/admin/promos/{slug}/pause", "/admin/promos/missing/pause", &[],
            [SignIn, Forbidden, NotFound, NotFound]),
        post("/admin/promos/{slug}/resume", "/admin/promos/kept-promo/resume", &[],
            [SignIn, Forbidden, to("/admin/promos/kept-promo"), to("/admin/promos/kept-promo")]),
        post("/admin/promos/{slug}/resume", "/admin/promos/missing/resume", &[],
            [SignIn, Forbidden, NotFound, NotFound]),
        post("/admin/promos/{slug}/duplicate", "/admin/promos/dup-<who>/duplicate", &[],
            [SignIn, Forbidden, to("/admin/promos/dup-<who>-copy"),
             to("/admin/promos/dup-<who>-copy")]),
        post("/admin/promos/{slug}/duplicate", "/admin/promos/missing/duplicate", &[],
            [SignIn, Forbidden, NotFound, NotFound]),
        post("/admin/promos/{slug}/delete", "/admin/promos/gone-<who>/delete", &[],
            [SignIn, Forbidden, to("/admin/promos"), to("/admin/promos")]),
        post("/admin/promos/{slug}/delete", "/admin/promos/missing/delete", &[],
            [SignIn, Forbidden, NotFound, NotFound]),
        post("/admin/promos/{slug}/check-link", "/admin/promos/kept-promo/check-link", &[],
            [SignIn, Forbidden, to("/admin/promos/kept-promo"), to("/admin/promos/kept-promo")]),
        post("/admin/promos/{slug}/check-link", "/admin/promos/missing/check-link", &[],
            [SignIn, Forbidden, NotFound, NotFound]),
        post("/admin/promos/{slug}/placements", "/admin/promos/kept-promo/placements",
            &[("slot", "sidebar"), ("tag", ""),
              ("priority", "0"), ("starts_at", ""), ("ends_at", "")],
            [SignIn, Forbidden, to("/admin/promos/kept-promo#placements"),
             to("/admin/promos/kept-promo#placements")]),
        post("/admin/promos/{slug}/placements", "/admin/promos/missing/placements",
            &[("slot", "sidebar")],
            [SignIn, Forbidden, NotFound, NotFound]),
        post("/admin/promos/{slug}/placements/{id}/delete",
            "/admin/promos/placed-<who>/placements/<placement>/delete", &[],
            [SignIn, Forbidden, to("/admin/promos/placed-<who>#placements"),
             to("/admin/promos/placed-<who>#placements")]),
        post("/admin/promos/{slug}/placements/{id}/delete",
            "/admin/promos/kept-promo/placements/999999/delete", &[],
            [SignIn, Forbidden, NotFound, NotFound]),
        get("/admin/promos/{slug}/report", "/admin/promos/kept-promo/report",
            [SignIn, Forbidden, Ok, Ok]),
        get("/admin/promos/{slug}/report", "/admin/promos/missing/report",
            [SignIn, Forbidden, NotFound, NotFound]),

        // The stylesheet and script: no session needed.
        get("/admin/static/{name}", css_path(),
            [Served("text/css"), Served("text/css"), Served("text/css"), Served("text/css")]),
        get("/admin/static/{name}", js_path(),
            [Served("text/javascript"), Served("text/javascript"), Served("text/javascript"),
             Served("text/javascript")]),
        get("/admin/static/{name}", "/admin/static/missing.css",
            [NotFound, NotFound, NotFound, NotFound]),
    ];

    let mut visitors = Vec::new();
    for (name, account) in VISITORS.into_iter().zip(ACCOUNTS) {
        let browser = match account {
            None => Browser::new(&app),
            Some((email, role)) => signed_in(&app, email, role).await.0,
        };
        visitors.push(Visitor {
            name,
            email: account.map(|(email, _)| email),
            browser,
            placement: placement_of(&app, &format!("placed-{name}")).await,
        });
    }

    // The table covers exactly the routes served, each row's path reaches its route.
    let listed: BTreeSet<(&str, &str)> = table.iter().map(|r| (r.method, r.route)).collect();
    let missing: Vec<String> = served()
        .filter(|route| !listed.contains(route))
        .map(|(method, route)| format!("{method} {route}"))
        .collect();
    let unknown: Vec<String> = listed
        .iter()
        .filter(|route| !served().any(|s| s == **route))
        .map(|(method, route)| format!("{method} {route}"))
        .collect();
    let astray: BTreeSet<String> = table
        .iter()
        .flat_map(|row| visitors.iter().map(move |v| (row, v.fill(&row.path))))
        .filter(|(row, path)| route_of(row.method, path) != Some(row.route))
        .map(|(row, path)| {
            let reached = route_of(row.method, &path).unwrap_or("no route");
            format!(
                "{} {path} (for {}) reaches {reached}",
                row.method, row.route
            )
        })
        .collect();
    assert!(
        missing.is_empty() && unknown.is_empty() && astray.is_empty(),
        "routes without a row (decide who may use them):\n  {}\n\
         rows for routes that are not served:\n  {}\n\
         rows whose path reaches another route:\n  {}",
        missing.join("\n  "),
        unknown.join("\n  "),
        Vec::from_iter(astray).join("\n  "),
    );

    let mut mismatches = Vec::new();
    for row in &table {
        for (visitor, answer) in visitors.iter().zip(&row.answers) {
            let own;
            let browser = if row.fresh {
                own = visitor.fresh_browser(&app).await;
                &own
            } else {
                &visitor.browser
            };
            let path = visitor.fill(&row.path);
            let page = if row.method == "get" {
                browser.get(&path).await
            } else {
                // A real token of this visitor's session, so only authorization decides.
                let token = browser.get("/admin/login").await.csrf_token();
                let mut fields = vec![("csrf_token", token)];
                for &(name, value) in &row.fields {
                    let value = match value {
                        "<version>" => version_of(&app, &path).await,
                        other => visitor.fill(other),
                    };
                    fields.push((name, value));
                }
                let fields: Vec<(&str, &str)> =
                    fields.iter().map(|(n, v)| (*n, v.as_str())).collect();
                browser.post_raw(&path, &fields).await
            };
            let want = visitor.expected(answer, row.method, &path);
            let got = observed(&page);
            let disputed = DISPUTED
                .iter()
                .find(|d| (d.0, d.1, d.2) == (row.method, path.as_str(), visitor.name));
            if let Some((.., why)) = disputed {
                eprintln!(
                    "not asserted: {} {path} as {}: the table says {want}, the app answers {got} \
                     ({why})",
                    row.method, visitor.name
                );
            } else if got != want {
                mismatches.push(format!(
                    "{} {path} as {}: expected {want}, got {got}",
                    row.method, visitor.name
                ));
            }
        }
    }

    // Refused forms changed nothing; allowed ones did what they say.
    let rights = [(false, false), (true, false), (false, true), (true, true)];
    for (who, (edits, manages)) in VISITORS.into_iter().zip(rights) {
        let expected = [
            (format!("article doomed-{who}"), !edits),
            (format!("article fresh-{who}"), edits),
            (format!("feeling list fl-gone-{who}"), !edits),
            (format!("step guide sg-{who}"), edits),
            (format!("perspective calm-{who}"), edits),
            (format!("promo gone-{who}"), !manages),
            (format!("promo promo-{who}"), manages),
            (format!("promo dup-{who}-copy"), manages),
        ];
        for (thing, should_exist) in expected {
            if exists(&app, &thing).await != should_exist {
                let state = if should_exist {
                    "missing"
                } else {
                    "still there"
                };
                mismatches.push(format!("after the visits of {who}: {thing} is {state}"));
            }
        }
    }
    assert!(mismatches.is_empty(), "{}", mismatches.join("\n"));
}

/// Whether `thing` ("article kept", "promo kept-promo", ...) is stored.
async fn exists(app: &TestApp, thing: &str) -> bool {
    let conn = app.db.conn();
    let (kind, slug) = thing.rsplit_once(' ').unwrap();
    match kind {
        "article" => storage::articles::row_by_slug(conn, slug)
            .await
            .unwrap()
            .is_some(),
        "feeling list" => storage::library::find::<FeelingList, _>(conn, slug)
            .await
            .unwrap()
            .is_some(),
        "step guide" => storage::library::find::<StepGuide, _>(conn, slug)
            .await
            .unwrap()
            .is_some(),
        "perspective" => storage::perspectives::by_key(conn, slug)
            .await
            .unwrap()
            .is_some(),
        "promo" => storage::promos::by_slug(conn, slug)
            .await
            .unwrap()
            .is_some(),
        other => panic!("no such kind of thing: {other}"),
    }
}

#[tokio::test]
async fn navigation_shows_what_the_role_may_open() {
    let app = TestApp::empty().await;
    let (editor, _) = signed_in(&app, "editor@example.com", Role::Editor).await;
    let (admin, _) = signed_in(&app, "admin@example.com", Role::Admin).await;
    let editor_page = editor.get("/admin").await.body;
    assert!(!editor_page.contains("href=\"/admin/users\""));
    assert!(!editor_page.contains("Recent activity"));
    assert!(
        editor_page.contains("href=\"/admin/promos\""),
        "editors may look"
    );
    assert!(!editor_page.contains("href=\"/admin/settings\""));
    let admin_page = admin.get("/admin").await.body;
    assert!(admin_page.contains("href=\"/admin/settings\""));
    assert!(admin_page.contains("href=\"/admin/users\""));
    assert!(admin_page.contains("href=\"/admin/audit\""));
}
