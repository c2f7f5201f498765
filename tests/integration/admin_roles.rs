//! Who may open what: every admin route, walked as an anonymous visitor, an editor, a marketer
//! and an admin, compared with the table below.

use reqwest::StatusCode;
use tether::domain::accounts::Role;

use crate::admin_support::{Browser, PASSWORD, create_user, signed_in};
use crate::support::TestApp;

/// What each kind of visitor gets.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Answer {
    Ok,
    /// Redirect (to sign in, or after a successful form).
    Redirect,
    Forbidden,
    NotFound,
}

use Answer::*;

/// (method, path, form fields, answers for [anonymous, editor, marketer, admin])
type Row = (
    &'static str,
    String,
    Vec<(&'static str, &'static str)>,
    [Answer; 4],
);

fn answer(status: StatusCode) -> Answer {
    match status {
        StatusCode::OK => Ok,
        StatusCode::SEE_OTHER => Redirect,
        StatusCode::FORBIDDEN => Forbidden,
        StatusCode::NOT_FOUND => NotFound,
        other => panic!("unexpected status {other}"),
    }
}

#[tokio::test]
async fn every_admin_route_answers_each_role_as_the_table_says() {
    let app = TestApp::empty().await;
    let target = create_user(&app, "target@example.com", Role::Editor).await;
    let target_page = format!("/admin/users/{}", target.id);
    let target_password = format!("/admin/users/{}/password", target.id);

    // (method, path, form fields, [anonymous, editor, marketer, admin])
    let table: Vec<Row> = vec![
        ("GET", "/admin".into(), vec![], [Redirect, Ok, Ok, Ok]),
        ("GET", "/admin/login".into(), vec![], [Ok, Ok, Ok, Ok]),
        (
            "GET",
            "/admin/setup".into(),
            vec![],
            [NotFound, NotFound, NotFound, NotFound],
        ),
        (
            "GET",
            "/admin/account".into(),
            vec![],
            [Redirect, Ok, Ok, Ok],
        ),
        (
            "POST",
            "/admin/account".into(),
            vec![("display_name", "Renamed")],
            [Redirect, Redirect, Redirect, Redirect],
        ),
        (
            "GET",
            "/admin/users".into(),
            vec![],
            [Redirect, Forbidden, Forbidden, Ok],
        ),
        (
            "GET",
            "/admin/users/new".into(),
            vec![],
            [Redirect, Forbidden, Forbidden, Ok],
        ),
        (
            "POST",
            "/admin/users".into(),
            vec![
                ("email", "made@example.com"),
                ("display_name", "Made"),
                ("role", "editor"),
                ("password", PASSWORD),
            ],
            [Redirect, Forbidden, Forbidden, Redirect],
        ),
        (
            "GET",
            target_page.clone(),
            vec![],
            [Redirect, Forbidden, Forbidden, Ok],
        ),
        (
            "POST",
            target_page.clone(),
            vec![
                ("display_name", "Target"),
                ("role", "editor"),
                ("active", "on"),
            ],
            [Redirect, Forbidden, Forbidden, Redirect],
        ),
        (
            "POST",
            target_password.clone(),
            vec![("password", PASSWORD)],
            [Redirect, Forbidden, Forbidden, Redirect],
        ),
        (
            "GET",
            "/admin/audit".into(),
            vec![],
            [Redirect, Forbidden, Forbidden, Ok],
        ),
        (
            "GET",
            "/admin/users/999999".into(),
            vec![],
            [Redirect, Forbidden, Forbidden, NotFound],
        ),
        (
            "GET",
            "/admin/articles".into(),
            vec![],
            [Redirect, Ok, Ok, Ok],
        ),
        (
            "GET",
            "/admin/articles/new".into(),
            vec![],
            [Redirect, Ok, Forbidden, Ok],
        ),
        (
            "GET",
            "/admin/articles/missing".into(),
            vec![],
            [Redirect, NotFound, NotFound, NotFound],
        ),
        (
            "GET",
            "/admin/feeling-lists".into(),
            vec![],
            [Redirect, Ok, Ok, Ok],
        ),
        (
            "GET",
            "/admin/feeling-lists/new".into(),
            vec![],
            [Redirect, Ok, Forbidden, Ok],
        ),
        (
            "GET",
            "/admin/step-guides".into(),
            vec![],
            [Redirect, Ok, Ok, Ok],
        ),
        (
            "GET",
            "/admin/step-guides/new".into(),
            vec![],
            [Redirect, Ok, Forbidden, Ok],
        ),
        (
            "GET",
            "/admin/perspectives".into(),
            vec![],
            [Redirect, Ok, Ok, Ok],
        ),
        (
            "GET",
            "/admin/promos".into(),
            vec![],
            [Redirect, Ok, Ok, Ok],
        ),
        (
            "GET",
            "/admin/placements".into(),
            vec![],
            [Redirect, Ok, Ok, Ok],
        ),
        (
            "GET",
            "/admin/promos/new".into(),
            vec![],
            [Redirect, Forbidden, Ok, Ok],
        ),
        (
            "GET",
            "/admin/promos/report.csv".into(),
            vec![],
            [Redirect, Forbidden, Ok, Ok],
        ),
        (
            "GET",
            "/admin/promos/missing".into(),
            vec![],
            [Redirect, NotFound, NotFound, NotFound],
        ),
        (
            "GET",
            "/admin/promos/missing/report".into(),
            vec![],
            [Redirect, Forbidden, NotFound, NotFound],
        ),
        (
            "POST",
            "/admin/promos/missing/pause".into(),
            vec![],
            [Redirect, Forbidden, NotFound, NotFound],
        ),
        (
            "POST",
            "/admin/promos/missing/placements".into(),
            vec![("slot", "sidebar")],
            [Redirect, Forbidden, NotFound, NotFound],
        ),
        (
            "GET",
            "/admin/settings".into(),
            vec![],
            [Redirect, Forbidden, Forbidden, Ok],
        ),
        (
            "POST",
            "/admin/settings".into(),
            vec![("default_disclosure", "Sponsored link.")],
            [Redirect, Forbidden, Forbidden, Redirect],
        ),
        // The editor creates "calm" first, so the admin's identical form shows "key taken" (200).
        (
            "POST",
            "/admin/perspectives".into(),
            vec![("key", "calm"), ("label", "Calm")],
            [Redirect, Redirect, Forbidden, Ok],
        ),
    ];

    let anonymous = Browser::new(&app);
    let (editor, _) = signed_in(&app, "editor@example.com", Role::Editor).await;
    let (marketer, _) = signed_in(&app, "marketer@example.com", Role::Marketer).await;
    let (admin, _) = signed_in(&app, "admin@example.com", Role::Admin).await;
    let visitors = [
        ("anonymous", &anonymous),
        ("editor", &editor),
        ("marketer", &marketer),
        ("admin", &admin),
    ];

    let mut mismatches = Vec::new();
    for (method, path, fields, expected) in &table {
        for ((who, browser), want) in visitors.iter().zip(expected) {
            let page = if *method == "GET" {
                browser.get(path).await
            } else {
                // A real token of this visitor's session, so only authorization decides.
                let token = browser.get("/admin/login").await.csrf_token();
                let mut all = vec![("csrf_token", token.as_str())];
                all.extend(fields.iter().copied());
                browser.post_raw(path, &all).await
            };
            let got = answer(page.status);
            if got != *want {
                mismatches.push(format!(
                    "{method} {path} as {who}: expected {want:?}, got {got:?}"
                ));
            }
        }
    }
    assert!(mismatches.is_empty(), "{}", mismatches.join("\n"));
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
