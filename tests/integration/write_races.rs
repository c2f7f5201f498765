//! Writes at the same moment: saves of different articles all succeed, saves of one article
//! give one winner and conflicts, two creations of one slug give one article and a field
//! message, the last admin stays, first-run setup happens once, and a piece deleted while an
//! article refers to it is refused cleanly. Never a 500, on either database.

use std::sync::Arc;

use futures_like::join_all;
use reqwest::StatusCode;
use serde_json::json;
use tether::domain::accounts::Role;

use crate::admin_support::{Browser, Page, signed_in};
use crate::fixtures::{bundle, perspectives};
use crate::support::TestApp;

/// `futures::future::join_all` without the dependency: runs every future concurrently.
mod futures_like {
    pub async fn join_all<T: Send + 'static>(
        tasks: Vec<impl Future<Output = T> + Send + 'static>,
    ) -> Vec<T> {
        let handles: Vec<_> = tasks.into_iter().map(tokio::spawn).collect();
        let mut out = Vec::new();
        for handle in handles {
            out.push(handle.await.expect("task"));
        }
        out
    }
}

fn draft_articles(n: usize) -> serde_json::Value {
    let articles: Vec<_> = (0..n)
        .map(|i| {
            json!({"slug": format!("a{i}"), "title": format!("A{i}"), "status": "draft",
                   "blocks": [{"type": "text", "heading": null, "body": "Text."}]})
        })
        .collect();
    bundle(json!({"perspectives": perspectives(), "articles": articles}))
}

/// The editor form of an article, ready to post: token, version and fields.
async fn open_form(browser: &Browser, slug: &str, body: &str) -> Vec<(String, String)> {
    let page = browser.get(&format!("/admin/articles/{slug}")).await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    let version = value_of(&page, "version");
    vec![
        ("csrf_token".into(), page.csrf_token()),
        ("version".into(), version),
        ("title".into(), format!("Title of {slug}")),
        ("slug".into(), slug.into()),
        ("status".into(), "draft".into()),
        ("block_type".into(), "text".into()),
        ("block_heading".into(), String::new()),
        ("block_body".into(), body.into()),
        ("block_ref".into(), String::new()),
        ("action".into(), "save".into()),
    ]
}

fn value_of(page: &Page, name: &str) -> String {
    let marker = format!("name=\"{name}\" value=\"");
    let start = page.body.find(&marker).expect("field") + marker.len();
    let end = page.body[start..].find('"').unwrap() + start;
    page.body[start..end].to_owned()
}

async fn post(browser: Arc<Browser>, path: String, fields: Vec<(String, String)>) -> Page {
    let pairs: Vec<(&str, &str)> = fields
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    browser.post_raw(&path, &pairs).await
}

async fn editors(app: &TestApp, n: usize) -> Vec<Arc<Browser>> {
    let mut out = Vec::new();
    for i in 0..n {
        let (browser, _) = signed_in(app, &format!("ed{i}@example.com"), Role::Editor).await;
        out.push(Arc::new(browser));
    }
    out
}

fn statuses(pages: &[Page]) -> Vec<u16> {
    let mut s: Vec<u16> = pages.iter().map(|p| p.status.as_u16()).collect();
    s.sort_unstable();
    s
}

#[tokio::test]
async fn twenty_saves_of_different_articles_at_once_all_succeed() {
    let app = TestApp::empty().await;
    app.import_value(&draft_articles(20)).await;
    let browsers = editors(&app, 20).await;
    let mut posts = Vec::new();
    for (i, browser) in browsers.iter().enumerate() {
        let fields = open_form(browser, &format!("a{i}"), "Changed at once.").await;
        posts.push(post(
            Arc::clone(browser),
            format!("/admin/articles/a{i}"),
            fields,
        ));
    }
    let pages = join_all(posts).await;
    assert_eq!(
        statuses(&pages),
        vec![303; 20],
        "{:?}",
        pages.iter().map(|p| &p.body).find(|b| !b.is_empty())
    );
    for i in 0..20 {
        let stored = tether::storage::articles::load(&app.db, &format!("a{i}"))
            .await
            .unwrap()
            .unwrap();
        assert_eq!(stored.version, 2);
    }
}

#[tokio::test]
async fn twenty_saves_of_one_article_at_once_give_one_save_and_nineteen_conflicts() {
    let app = TestApp::empty().await;
    app.import_value(&draft_articles(1)).await;
    let browsers = editors(&app, 20).await;
    let mut posts = Vec::new();
    for (i, browser) in browsers.iter().enumerate() {
        let fields = open_form(browser, "a0", &format!("Version by editor {i}.")).await;
        posts.push(post(
            Arc::clone(browser),
            "/admin/articles/a0".into(),
            fields,
        ));
    }
    let pages = join_all(posts).await;
    let mut expected = vec![303];
    expected.extend([409; 19]);
    expected.sort_unstable();
    assert_eq!(statuses(&pages), expected);
    for conflict in pages.iter().filter(|p| p.status == StatusCode::CONFLICT) {
        assert!(
            conflict.body.contains("Version by editor"),
            "the editor's text is kept"
        );
    }
    let stored = tether::storage::articles::load(&app.db, "a0")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(stored.version, 2);
}

#[tokio::test]
async fn two_new_articles_with_one_slug_at_once_give_one_article_and_a_field_message() {
    let app = TestApp::empty().await;
    app.import_value(&bundle(json!({"perspectives": perspectives()})))
        .await;
    let browsers = editors(&app, 10).await;
    let mut posts = Vec::new();
    for (i, browser) in browsers.iter().enumerate() {
        let token = browser.get("/admin/articles/new").await.csrf_token();
        let fields = vec![
            ("csrf_token".to_owned(), token),
            ("title".into(), format!("Same {i}")),
            ("slug".into(), "same".into()),
            ("status".into(), "draft".into()),
            ("block_type".into(), "text".into()),
            ("block_heading".into(), String::new()),
            ("block_body".into(), "Text.".into()),
            ("block_ref".into(), String::new()),
            ("action".into(), "save".into()),
        ];
        posts.push(post(
            Arc::clone(browser),
            "/admin/articles/new".into(),
            fields,
        ));
    }
    let pages = join_all(posts).await;
    let created = pages
        .iter()
        .filter(|p| p.status == StatusCode::SEE_OTHER)
        .count();
    assert_eq!(created, 1, "{:?}", statuses(&pages));
    for refused in pages.iter().filter(|p| p.status != StatusCode::SEE_OTHER) {
        assert_eq!(refused.status, StatusCode::OK);
        assert!(
            refused.body.contains("another article already uses"),
            "{}",
            refused.body
        );
        assert!(refused.body.contains("Same "), "the title typed is kept");
    }
}

/// The users page form that makes the user `id` an editor.
async fn demotion_form(browser: &Browser, id: i32) -> (String, Vec<(String, String)>) {
    let path = format!("/admin/users/{id}");
    let token = browser.get(&path).await.csrf_token();
    let fields = vec![
        ("csrf_token".to_owned(), token),
        ("display_name".into(), "Demoted".into()),
        ("role".into(), "editor".into()),
        ("active".into(), "on".into()),
    ];
    (path, fields)
}

#[tokio::test]
async fn two_admins_demoting_each_other_at_once_leave_one_admin() {
    for _ in 0..3 {
        let app = TestApp::empty().await;
        let (ana, ana_user) = signed_in(&app, "ana@example.com", Role::Admin).await;
        let (bo, bo_user) = signed_in(&app, "bo@example.com", Role::Admin).await;
        let (ana_path, ana_fields) = demotion_form(&ana, bo_user.id).await;
        let (bo_path, bo_fields) = demotion_form(&bo, ana_user.id).await;
        let pages = join_all(vec![
            post(Arc::new(ana), ana_path, ana_fields),
            post(Arc::new(bo), bo_path, bo_fields),
        ])
        .await;
        // One wins; the other is told why, or (demoted first) is no longer allowed to ask.
        let won = pages
            .iter()
            .filter(|p| p.status == StatusCode::SEE_OTHER)
            .count();
        assert_eq!(won, 1, "{:?}", statuses(&pages));
        for refused in pages.iter().filter(|p| p.status != StatusCode::SEE_OTHER) {
            assert!(
                refused.status == StatusCode::FORBIDDEN
                    || refused.body.contains("last active admin"),
                "{}: {}",
                refused.status,
                refused.body
            );
        }
        let admins = tether::storage::accounts::list_users(&app.db)
            .await
            .unwrap()
            .into_iter()
            .filter(|u| u.role == Role::Admin && u.active)
            .count();
        assert_eq!(admins, 1);
    }
}

#[tokio::test]
async fn the_last_admin_rule_holds_when_both_demotions_are_checked_at_once() {
    use tether::operations::Actor;
    use tether::operations::users::{self, UserChanges};
    for _ in 0..10 {
        let app = TestApp::empty().await;
        let ana = crate::admin_support::create_user(&app, "ana@example.com", Role::Admin).await;
        let bo = crate::admin_support::create_user(&app, "bo@example.com", Role::Admin).await;
        let demote = |id: i32| {
            let db = app.db.clone();
            async move {
                let changes = UserChanges {
                    display_name: "Demoted".into(),
                    role: Role::Editor,
                    active: true,
                };
                users::update(
                    &db,
                    Actor::command_line(),
                    id,
                    changes,
                    crate::support::now(),
                )
                .await
            }
        };
        let outcomes = join_all(vec![demote(ana.id), demote(bo.id)]).await;
        let won = outcomes.iter().filter(|o| o.is_ok()).count();
        assert_eq!(won, 1, "{outcomes:?}");
        for refused in outcomes.iter().filter_map(|o| o.as_ref().err()) {
            assert!(
                refused.to_string().contains("last active admin"),
                "{refused}"
            );
        }
    }
}

#[tokio::test]
async fn first_run_setup_sent_ten_times_at_once_creates_one_admin() {
    let app = TestApp::empty().await;
    let mut posts = Vec::new();
    for i in 0..10 {
        let browser = Browser::new(&app);
        let token = browser.get("/admin/setup").await.csrf_token();
        let fields = vec![
            ("csrf_token".to_owned(), token),
            ("email".into(), format!("admin{i}@example.com")),
            ("display_name".into(), "Admin".into()),
            ("password".into(), "a long enough password".into()),
            ("password_confirm".into(), "a long enough password".into()),
        ];
        posts.push(post(Arc::new(browser), "/admin/setup".into(), fields));
    }
    let pages = join_all(posts).await;
    let mut expected = vec![303];
    expected.extend([404; 9]);
    expected.sort_unstable();
    assert_eq!(statuses(&pages), expected);
    assert_eq!(
        tether::storage::accounts::count_users(&app.db)
            .await
            .unwrap(),
        1
    );
}

#[tokio::test]
async fn a_list_deleted_while_articles_are_saved_with_it_is_refused_cleanly() {
    let app = TestApp::empty().await;
    app.import_value(&draft_articles(5)).await;
    let browsers = editors(&app, 6).await;
    for round in 0..3 {
        let slug = format!("list-{round}");
        let list = json!({"slug": slug, "title": "List", "items": [{"perspective": "anxious", "text": "x"}]});
        app.import_value(&bundle(json!({"feeling_lists": [list]})))
            .await;
        let mut posts = Vec::new();
        for (i, browser) in browsers.iter().take(5).enumerate() {
            let mut fields = open_form(browser, &format!("a{i}"), "With the list.").await;
            fields.extend([
                ("block_type".to_owned(), "feelings".to_owned()),
                ("block_heading".into(), String::new()),
                ("block_body".into(), String::new()),
                ("block_ref".into(), slug.clone()),
            ]);
            posts.push(post(
                Arc::clone(browser),
                format!("/admin/articles/a{i}"),
                fields,
            ));
        }
        let deleter = Arc::clone(&browsers[5]);
        let page = format!("/admin/feeling-lists/{slug}");
        let token = deleter.get(&page).await.csrf_token();
        posts.push(post(
            deleter,
            format!("{page}/delete"),
            vec![("csrf_token".into(), token)],
        ));
        let pages = join_all(posts).await;
        for page in &pages {
            assert!(
                page.status == StatusCode::SEE_OTHER || page.status == StatusCode::OK,
                "{}: {}",
                page.status,
                page.body
            );
        }
        let deleted = pages.last().unwrap().status == StatusCode::SEE_OTHER;
        let saved = pages[..5]
            .iter()
            .filter(|p| p.status == StatusCode::SEE_OTHER)
            .count();
        // Either the list went first (no article refers to it) or articles did (it stays).
        assert!(deleted != (saved > 0), "deleted {deleted}, saved {saved}");
    }
}
