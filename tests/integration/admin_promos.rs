//! The marketers' screens through HTTP: creating promos with every kind of bad input, who may do
//! what, pause/duplicate/delete, placements from the promo page, the CSV report, the click
//! report, link checks against a local server, the dashboard's promo alerts and the default
//! disclosure setting.

use axum::Router;
use axum::http::StatusCode as AxumStatus;
use axum::response::Redirect;
use axum::routing::get;
use chrono::Duration;
use reqwest::StatusCode;
use sea_orm::{EntityTrait, PaginatorTrait};
use serde_json::json;
use tether::domain::accounts::Role;
use tether::storage::entities::{promo, promo_placement};

use crate::admin_support::{Browser, signed_in};
use crate::fixtures::{bundle, hours_ago, promo as promo_json, ts};
use crate::support::{Options, TestApp, no_redirects, now};

async fn promo_count(app: &TestApp) -> u64 {
    promo::Entity::find().count(&app.db).await.unwrap()
}

/// Form fields to change, the field whose error is expected, and words of the message.
type Changes<'a> = &'a [(&'a str, &'a str)];

/// A valid affiliate promo form, with `changes` applied.
fn promo_form<'a>(changes: &[(&'a str, &'a str)]) -> Vec<(&'a str, &'a str)> {
    let mut fields = vec![
        ("kind", "affiliate"),
        ("title", "Talk to a Licensed Therapist"),
        ("slug", "online-therapy-2"),
        ("eyebrow", "Want to explore this with a professional?"),
        ("body", "Online therapy can help."),
        ("icon", "💬"),
        ("cta_label", "Get 20% Off →"),
        ("target_url", "https://partner.example/therapy"),
        ("disclosure", "Affiliate link — we may earn a commission."),
        ("starts_at", ""),
        ("ends_at", ""),
    ];
    for (name, value) in changes {
        if let Some(field) = fields.iter_mut().find(|(n, _)| n == name) {
            field.1 = value;
        }
    }
    fields
}

#[tokio::test]
async fn a_marketer_creates_a_promo_and_bad_input_is_refused_field_by_field() {
    let app = TestApp::with_sample().await;
    let (marketer, _) = signed_in(&app, "mia@example.com", Role::Marketer).await;
    let before = promo_count(&app).await;

    let cases: [(Changes, &str, &str); 6] = [
        (
            &[("disclosure", "")],
            "disclosure",
            "disclosure that readers are shown",
        ),
        (
            &[("target_url", "javascript:alert(1)")],
            "target_url",
            "not an absolute",
        ),
        (&[("target_url", "/offer")], "target_url", "not an absolute"),
        (
            &[
                ("starts_at", "2026-12-10T09:00"),
                ("ends_at", "2026-12-01T09:00"),
            ],
            "ends_at",
            "later than starts_at",
        ),
        (&[("slug", "online-therapy")], "slug", "already uses"),
        (
            &[("starts_at", "next tuesday")],
            "starts_at",
            "date and time",
        ),
    ];
    for (changes, field, message) in cases {
        let page = marketer
            .submit(
                "/admin/promos/new",
                "/admin/promos/new",
                &promo_form(changes),
            )
            .await;
        assert_eq!(page.status, StatusCode::OK, "{changes:?}");
        let error = format!("id=\"error-{field}\"");
        let at = page
            .body
            .find(&error)
            .unwrap_or_else(|| panic!("{changes:?}: no error next to {field}: {}", page.body));
        assert!(
            page.body[at..].contains(message),
            "{changes:?}: expected “{message}”"
        );
        // The input is kept.
        assert!(page.body.contains("Talk to a Licensed Therapist"));
        for (_, value) in changes {
            if !value.is_empty() {
                let shown = value.replace('&', "&amp;").replace('<', "&lt;");
                assert!(page.body.contains(&shown), "{value} is kept");
            }
        }
    }
    // A date that cannot be read does not hide the other fields' problems.
    let both = marketer
        .submit(
            "/admin/promos/new",
            "/admin/promos/new",
            &promo_form(&[("ends_at", "soon"), ("title", " ")]),
        )
        .await;
    assert!(both.body.contains("id=\"error-ends_at\""));
    assert!(both.body.contains("id=\"error-title\""));
    assert_eq!(promo_count(&app).await, before, "nothing was saved");

    let saved = marketer
        .submit("/admin/promos/new", "/admin/promos/new", &promo_form(&[]))
        .await;
    saved.assert_redirect("/admin/promos/online-therapy-2");
    let api = app.data("/api/v1/promos/online-therapy-2").await;
    assert_eq!(
        api["disclosure"],
        "Affiliate link — we may earn a commission."
    );
    assert_eq!(api["rel"], "sponsored nofollow");
    assert_eq!(api["url"], app.url("/go/online-therapy-2"));
    assert_eq!(api["icon"], "💬");
}

#[tokio::test]
async fn editors_read_promos_but_cannot_change_them_or_download_reports() {
    let app = TestApp::with_sample().await;
    let (editor, _) = signed_in(&app, "ed@example.com", Role::Editor).await;
    let list = editor.get("/admin/promos").await;
    assert_eq!(list.status, StatusCode::OK);
    assert!(list.body.contains("online-therapy"));
    assert!(!list.body.contains("New promo"));
    let page = editor.get("/admin/promos/online-therapy").await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("readonly"));
    assert!(!page.body.contains("Add placement"));
    assert_eq!(
        editor.get("/admin/promos/new").await.status,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        editor.get("/admin/promos/report.csv").await.status,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        editor
            .get("/admin/promos/online-therapy/report")
            .await
            .status,
        StatusCode::FORBIDDEN
    );
    let token = page.csrf_token();
    let pause = editor
        .post_raw(
            "/admin/promos/online-therapy/pause",
            &[("csrf_token", &token)],
        )
        .await;
    assert_eq!(pause.status, StatusCode::FORBIDDEN);
    assert_eq!(
        app.data("/api/v1/promos/online-therapy").await["slug"],
        "online-therapy"
    );

    let anonymous = Browser::new(&app);
    let csv = anonymous.get("/admin/promos/report.csv").await;
    assert_eq!(csv.status, StatusCode::SEE_OTHER);
    assert!(csv.location().unwrap().starts_with("/admin/login"));
}

#[tokio::test]
async fn the_csv_report_counts_every_click() {
    let app = TestApp::with_sample().await;
    let client = no_redirects();
    for _ in 0..7 {
        client
            .get(app.url("/go/online-therapy"))
            .send()
            .await
            .unwrap();
    }
    client
        .get(app.url("/go/attachment-style-book"))
        .send()
        .await
        .unwrap();
    let (marketer, _) = signed_in(&app, "mia@example.com", Role::Marketer).await;
    let csv = marketer.get("/admin/promos/report.csv").await;
    assert_eq!(csv.status, StatusCode::OK);
    assert!(
        csv.headers["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/csv")
    );
    let mut lines = csv.body.lines();
    let header = lines.next().unwrap();
    assert!(header.starts_with("slug,kind,title,status,clicks,clicks_30d"));
    let rows: Vec<Vec<String>> = lines.map(parse_csv_line).collect();
    let therapy = rows.iter().find(|r| r[0] == "online-therapy").unwrap();
    assert_eq!(therapy[1], "affiliate");
    assert_eq!(therapy[2], "Talk to a Licensed Therapist");
    assert_eq!(therapy[3], "running");
    assert_eq!((therapy[4].as_str(), therapy[5].as_str()), ("7", "7"));
    let book = rows
        .iter()
        .find(|r| r[0] == "attachment-style-book")
        .unwrap();
    assert_eq!(book[4], "1");
    assert_eq!(rows.len() as u64, promo_count(&app).await);
}

/// RFC 4180, enough for the report.
pub fn parse_csv_line(line: &str) -> Vec<String> {
    let mut fields = vec![String::new()];
    let mut quoted = false;
    let mut chars = line.chars().peekable();
    while let Some(c) = chars.next() {
        match (c, quoted) {
            ('"', true) if chars.peek() == Some(&'"') => {
                chars.next();
                fields.last_mut().unwrap().push('"');
            }
            ('"', _) => quoted = !quoted,
            (',', false) => fields.push(String::new()),
            (c, _) => fields.last_mut().unwrap().push(c),
        }
    }
    fields
}

#[tokio::test]
async fn pause_resume_duplicate_and_delete() {
    let app = TestApp::with_sample().await;
    let (marketer, _) = signed_in(&app, "mia@example.com", Role::Marketer).await;
    let page = "/admin/promos/online-therapy";
    marketer
        .submit(page, "/admin/promos/online-therapy/pause", &[])
        .await
        .assert_redirect(page);
    let (status, _) = app.get_json("/api/v1/promos/online-therapy").await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let article = app
        .data("/api/v1/articles/anxious-avoidant-relationship-dynamic")
        .await;
    assert!(
        !article.to_string().contains("\"online-therapy\""),
        "a paused promo leaves articles"
    );
    marketer
        .submit(page, "/admin/promos/online-therapy/resume", &[])
        .await
        .assert_redirect(page);
    assert_eq!(
        app.data("/api/v1/promos/online-therapy").await["slug"],
        "online-therapy"
    );

    marketer
        .submit(page, "/admin/promos/online-therapy/duplicate", &[])
        .await
        .assert_redirect("/admin/promos/online-therapy-copy");
    let copy = marketer.get("/admin/promos/online-therapy-copy").await;
    assert!(copy.body.contains("status-paused"), "a copy starts paused");

    // The original is shown by the sample article: deleting it is refused, with the reason.
    let refused = marketer
        .submit(page, "/admin/promos/online-therapy/delete", &[])
        .await;
    assert_eq!(refused.status, StatusCode::OK);
    assert!(refused.body.contains("remove it from them first"));
    assert!(
        refused
            .body
            .contains("anxious-avoidant-relationship-dynamic")
    );
    marketer
        .submit(
            "/admin/promos/online-therapy-copy",
            "/admin/promos/online-therapy-copy/delete",
            &[],
        )
        .await
        .assert_redirect("/admin/promos");
    assert_eq!(
        marketer
            .get("/admin/promos/online-therapy-copy")
            .await
            .status,
        StatusCode::NOT_FOUND
    );
}

#[tokio::test]
async fn placements_are_added_from_the_promo_page_and_bad_ones_are_explained() {
    let app = TestApp::with_sample().await;
    let (marketer, _) = signed_in(&app, "mia@example.com", Role::Marketer).await;
    let page = "/admin/promos/attachment-style-book";
    let action = "/admin/promos/attachment-style-book/placements";
    let placements_before = promo_placement::Entity::find()
        .count(&app.db)
        .await
        .unwrap();
    for (fields, field, message) in [
        (
            vec![("slot", "footer"), ("tag", ""), ("priority", "0")],
            "slot",
            "unknown slot",
        ),
        (
            vec![
                ("slot", "sidebar"),
                ("tag", "no-such-tag"),
                ("priority", "0"),
            ],
            "tag",
            "no article has the tag",
        ),
        (
            vec![("slot", "sidebar"), ("tag", ""), ("priority", "high")],
            "priority",
            "whole number",
        ),
        (
            vec![
                ("slot", "sidebar"),
                ("starts_at", "2026-12-10T09:00"),
                ("ends_at", "2026-12-01T09:00"),
            ],
            "ends_at",
            "later than starts_at",
        ),
    ] {
        let refused = marketer.submit(page, action, &fields).await;
        assert_eq!(refused.status, StatusCode::OK, "{field}");
        assert!(refused.body.contains(message), "{field}: {}", refused.body);
        assert!(refused.body.contains("The placement was not added"));
    }
    assert_eq!(
        promo_placement::Entity::find()
            .count(&app.db)
            .await
            .unwrap(),
        placements_before,
        "nothing was saved"
    );
    let kept = marketer
        .submit(page, action, &[("slot", "sidebar"), ("tag", "no-such-tag")])
        .await;
    assert!(
        kept.body.contains("value=\"no-such-tag\""),
        "the input is kept"
    );

    marketer
        .submit(
            page,
            action,
            &[
                ("slot", "article_end"),
                ("tag", "anxious"),
                ("priority", "3"),
            ],
        )
        .await
        .assert_redirect("/admin/promos/attachment-style-book#placements");
    let placed = app.data("/api/v1/placements/article_end?tag=anxious").await;
    assert_eq!(placed[0]["slug"], "attachment-style-book");
    let shown = marketer.get(page).await;
    assert!(shown.body.contains("<code>article_end</code>"));

    // The overview lists each slot in the order frontends receive it.
    let overview = marketer.get("/admin/placements").await;
    assert_eq!(overview.status, StatusCode::OK);
    let slot = &overview.body[overview.body.find("id=\"slot-article_end\"").unwrap()..];
    let slot = &slot[..slot.find("</section>").unwrap()];
    assert!(slot.contains("attachment-style-book"), "{slot}");
    assert!(slot.contains(">live<"));
    let sidebar = &overview.body[overview.body.find("id=\"slot-sidebar\"").unwrap()..];
    assert!(
        sidebar.contains("attachment-style-quiz"),
        "the sample's own placement"
    );
}

#[tokio::test]
async fn the_click_report_draws_days_and_names_the_referring_articles() {
    let app = TestApp::with_sample().await;
    let client = no_redirects();
    for _ in 0..3 {
        client
            .get(app.url("/go/online-therapy"))
            .header(
                "referer",
                "https://site.example/anxious-avoidant-relationship-dynamic",
            )
            .send()
            .await
            .unwrap();
    }
    client
        .get(app.url("/go/online-therapy"))
        .send()
        .await
        .unwrap();
    let (marketer, _) = signed_in(&app, "mia@example.com", Role::Marketer).await;
    let report = marketer.get("/admin/promos/online-therapy/report").await;
    assert_eq!(report.status, StatusCode::OK);
    assert!(
        report.body.contains("data-total-clicks>4<"),
        "{}",
        report.body
    );
    assert_eq!(report.body.matches("<rect").count(), 30);
    let today = app.clock_now().format("%Y-%m-%d").to_string();
    assert!(report.body.contains(&format!("{today}: 4 clicks")));
    assert!(
        report.body.contains("The Anxious-Avoidant"),
        "the article's title"
    );
    let ninety = marketer
        .get("/admin/promos/online-therapy/report?days=90")
        .await;
    assert_eq!(ninety.body.matches("<rect").count(), 90);
}

/// A local server standing in for partners' sites.
async fn partner_site() -> String {
    let router = Router::new()
        .route("/fine", get(|| async { "welcome" }))
        .route("/moved", get(|| async { Redirect::permanent("/fine") }))
        .route("/gone", get(|| async { (AxumStatus::NOT_FOUND, "no") }));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, router).await.unwrap() });
    base
}

#[tokio::test]
async fn link_checks_record_health_and_flag_problems_on_the_dashboard() {
    let app = TestApp::start(Options {
        allow_private_links: true,
        ..Options::default()
    })
    .await;
    let site = partner_site().await;
    let promos: Vec<_> = [("fine", "/fine"), ("moved", "/moved"), ("gone", "/gone")]
        .iter()
        .map(|(slug, path)| {
            let mut p = promo_json(slug, "book");
            p["target_url"] = json!(format!("{site}{path}"));
            p
        })
        .collect();
    app.import_value(&bundle(json!({ "promos": promos }))).await;
    let (marketer, _) = signed_in(&app, "mia@example.com", Role::Marketer).await;
    for (slug, verdict) in [("fine", "ok"), ("moved", "redirected"), ("gone", "broken")] {
        let page = format!("/admin/promos/{slug}");
        marketer
            .submit(&page, &format!("{page}/check-link"), &[])
            .await
            .assert_redirect(&page);
        let shown = marketer.get(&page).await;
        assert!(
            shown.body.contains(&format!("link-{verdict}")),
            "{slug}: {}",
            shown.body
        );
    }
    let dashboard = marketer.get("/admin").await;
    let problems = &dashboard.body[dashboard.body.find("id=\"link-problems\"").unwrap()..];
    assert!(problems.contains("/admin/promos/gone"));
    assert!(problems.contains("/admin/promos/moved"));
    assert!(!problems.contains("/admin/promos/fine\""));
}

#[tokio::test]
async fn the_periodic_check_covers_every_promo_that_has_not_ended() {
    let app = TestApp::start(Options {
        allow_private_links: true,
        ..Options::default()
    })
    .await;
    let site = partner_site().await;
    let mut fine = promo_json("fine", "book");
    fine["target_url"] = json!(format!("{site}/fine"));
    let mut gone = promo_json("gone", "book");
    gone["target_url"] = json!(format!("{site}/gone"));
    let mut ended = promo_json("ended", "book");
    ended["target_url"] = json!(format!("{site}/gone"));
    ended["ends_at"] = json!(hours_ago(1));
    app.import_value(&bundle(json!({ "promos": [fine, gone, ended] })))
        .await;
    let checked = tether::app::check_all_links(&app.state).await.unwrap();
    assert_eq!(checked, 2, "the ended promo is not checked");
    let verdicts: Vec<(String, Option<String>)> = promo::Entity::find()
        .all(&app.db)
        .await
        .unwrap()
        .into_iter()
        .map(|p| (p.slug, p.link_verdict))
        .collect();
    for (slug, verdict) in verdicts {
        let expected = match slug.as_str() {
            "fine" => Some("ok"),
            "gone" => Some("broken"),
            _ => None,
        };
        assert_eq!(verdict.as_deref(), expected, "{slug}");
    }
}

#[tokio::test]
async fn link_checks_never_reach_private_addresses_unless_allowed() {
    let app = TestApp::empty().await;
    let site = partner_site().await;
    let mut local = promo_json("local", "book");
    local["target_url"] = json!(format!("{site}/fine"));
    app.import_value(&bundle(json!({ "promos": [local] })))
        .await;
    let (marketer, _) = signed_in(&app, "mia@example.com", Role::Marketer).await;
    marketer
        .submit("/admin/promos/local", "/admin/promos/local/check-link", &[])
        .await
        .assert_redirect("/admin/promos/local");
    let shown = marketer.get("/admin/promos/local").await;
    assert!(shown.body.contains("link-blocked"), "{}", shown.body);
    assert!(shown.body.contains("private address"));
}

#[tokio::test]
async fn the_dashboard_lists_promos_ending_within_a_week() {
    let app = TestApp::empty().await;
    let mut soon = promo_json("ends-soon", "quiz");
    soon["ends_at"] = json!(ts(now() + Duration::days(3)));
    let mut later = promo_json("ends-later", "quiz");
    later["ends_at"] = json!(ts(now() + Duration::days(30)));
    let mut over = promo_json("over", "quiz");
    over["ends_at"] = json!(hours_ago(1));
    app.import_value(&bundle(json!({ "promos": [soon, later, over] })))
        .await;
    let (marketer, _) = signed_in(&app, "mia@example.com", Role::Marketer).await;
    let dashboard = marketer.get("/admin").await;
    let section = &dashboard.body[dashboard.body.find("id=\"promos-ending\"").unwrap()..];
    let section = &section[..section.find("</section>").unwrap()];
    assert!(section.contains("ends-soon"));
    assert!(!section.contains("ends-later"));
    assert!(!section.contains("/admin/promos/over"));
}

#[tokio::test]
async fn admins_set_the_default_disclosure_that_new_affiliate_promos_start_with() {
    let app = TestApp::empty().await;
    let (admin, _) = signed_in(&app, "ada@example.com", Role::Admin).await;
    let blank = admin
        .submit(
            "/admin/settings",
            "/admin/settings",
            &[("default_disclosure", "  ")],
        )
        .await;
    assert_eq!(blank.status, StatusCode::OK);
    assert!(blank.body.contains("must not be empty"));
    admin
        .submit(
            "/admin/settings",
            "/admin/settings",
            &[("default_disclosure", "We earn from qualifying purchases.")],
        )
        .await
        .assert_redirect("/admin/settings");
    let (marketer, _) = signed_in(&app, "mia@example.com", Role::Marketer).await;
    assert_eq!(
        marketer.get("/admin/settings").await.status,
        StatusCode::FORBIDDEN
    );
    let form = marketer.get("/admin/promos/new").await;
    assert!(form.body.contains("We earn from qualifying purchases."));
}
