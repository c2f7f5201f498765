//! The editors' screens: perspectives, feeling lists, step guides and articles, through the
//! real forms — validation with input kept, block arranging, publishing, scheduling, conflicts,
//! reference protection, preview — and what the public API serves afterwards.

use chrono::Duration;
use reqwest::StatusCode;
use tether::domain::accounts::Role;

use crate::admin_support::{Browser, signed_in};
use crate::support::{TestApp, assert_error};

const SLUG: &str = "anxious-avoidant-relationship-dynamic";

/// The editor form of an article as (name, value) pairs, as a browser would send it.
fn article_fields<'a>(
    title: &'a str,
    slug: &'a str,
    status: &'a str,
    blocks: &[(&'a str, &'a str, &'a str, &'a str)],
) -> Vec<(&'a str, &'a str)> {
    let mut fields = vec![
        ("title", title),
        ("slug", slug),
        ("subtitle", ""),
        ("summary", ""),
        ("tags", "anxious, new-tag"),
        ("status", status),
        ("published_at", ""),
    ];
    for (kind, heading, body, reference) in blocks {
        fields.extend([
            ("block_type", *kind),
            ("block_heading", *heading),
            ("block_body", *body),
            ("block_ref", *reference),
        ]);
    }
    fields
}

#[tokio::test]
async fn perspectives_are_added_renamed_and_protected() {
    let app = TestApp::with_sample().await;
    let (editor, _) = signed_in(&app, "ed@example.com", Role::Editor).await;
    let bad = editor
        .submit(
            "/admin/perspectives",
            "/admin/perspectives",
            &[("key", "Secure Partner"), ("label", "")],
        )
        .await;
    assert!(bad.body.contains("is not a valid slug"), "{}", bad.body);
    assert!(bad.body.contains("value=\"Secure Partner\""));
    editor
        .submit(
            "/admin/perspectives",
            "/admin/perspectives",
            &[("key", "secure"), ("label", "Secure partner")],
        )
        .await
        .assert_redirect("/admin/perspectives");
    editor
        .submit(
            "/admin/perspectives",
            "/admin/perspectives/secure",
            &[("label", "Securely attached")],
        )
        .await
        .assert_redirect("/admin/perspectives");
    let listed = app.data("/api/v1/perspectives").await;
    assert_eq!(
        listed[3],
        serde_json::json!({"key": "secure", "label": "Securely attached"})
    );
    // "anxious" is used by the sample's feelings and steps.
    let refused = editor
        .submit(
            "/admin/perspectives",
            "/admin/perspectives/anxious/delete",
            &[],
        )
        .await;
    assert_eq!(refused.status, StatusCode::OK);
    assert!(refused.body.contains("is still used"), "{}", refused.body);
    assert!(refused.body.contains("What You Might Be Feeling"));
    editor
        .submit(
            "/admin/perspectives",
            "/admin/perspectives/secure/delete",
            &[],
        )
        .await
        .assert_redirect("/admin/perspectives");
    assert_eq!(
        app.data("/api/v1/perspectives")
            .await
            .as_array()
            .unwrap()
            .len(),
        3
    );
}

#[tokio::test]
async fn feeling_lists_are_edited_with_items_kept_through_errors() {
    let app = TestApp::with_sample().await;
    let (editor, _) = signed_in(&app, "ed@example.com", Role::Editor).await;
    let page = "/admin/feeling-lists/new";
    // Adding a row is not saving.
    let more = editor
        .submit(
            page,
            page,
            &[
                ("title", "Breakup feelings"),
                ("slug", "breakup"),
                ("item_perspective", "anxious"),
                ("item_text", "Panic"),
                ("action", "add"),
            ],
        )
        .await;
    assert_eq!(more.status, StatusCode::OK);
    assert_eq!(more.body.matches("name=\"item_text\"").count(), 2);
    assert!(more.body.contains("Unsaved changes"));
    let invalid = editor
        .submit(
            page,
            page,
            &[
                ("title", "Breakup feelings"),
                ("slug", "Bad Slug"),
                ("item_perspective", "anxious"),
                ("item_text", "Panic"),
                ("item_perspective", "avoidant"),
                ("item_text", " "),
                ("action", "save"),
            ],
        )
        .await;
    assert!(
        invalid.body.contains("is not a valid slug"),
        "{}",
        invalid.body
    );
    assert!(invalid.body.contains("must not be empty"));
    assert!(invalid.body.contains("value=\"Panic\""), "typed text kept");
    let saved = editor
        .submit(
            page,
            page,
            &[
                ("title", "Breakup feelings"),
                ("slug", "breakup"),
                ("item_perspective", "avoidant"),
                ("item_text", "Relief"),
                ("item_perspective", "anxious"),
                ("item_text", "Panic"),
                ("action", "up:1"),
            ],
        )
        .await;
    let first_panic = saved.body.find("value=\"Panic\"").unwrap();
    let then_relief = saved.body.find("value=\"Relief\"").unwrap();
    assert!(first_panic < then_relief, "moved up");
    editor
        .submit(
            page,
            page,
            &[
                ("title", "Breakup feelings"),
                ("slug", "breakup"),
                ("item_perspective", "anxious"),
                ("item_text", "Panic"),
                ("item_perspective", "avoidant"),
                ("item_text", "Relief"),
                ("action", "save"),
            ],
        )
        .await
        .assert_redirect("/admin/feeling-lists/breakup");
    let list = app.data("/api/v1/feeling-lists/breakup").await;
    assert_eq!(list["items"][0]["text"], "Panic");
    assert_eq!(list["items"][1]["perspective"], "avoidant");

    // A list articles use cannot be deleted; the page names the articles.
    let used = editor
        .submit(
            "/admin/feeling-lists/anxious-avoidant-feelings",
            "/admin/feeling-lists/anxious-avoidant-feelings/delete",
            &[],
        )
        .await;
    assert!(used.body.contains("used by 1 article"), "{}", used.body);
    assert!(
        used.body
            .contains("The Anxious-Avoidant Relationship Dynamic")
    );
    editor
        .submit(
            "/admin/feeling-lists/breakup",
            "/admin/feeling-lists/breakup/delete",
            &[],
        )
        .await
        .assert_redirect("/admin/feeling-lists");
    assert_error(
        &app,
        "/api/v1/feeling-lists/breakup",
        StatusCode::NOT_FOUND,
        "not_found",
    )
    .await;
}

#[tokio::test]
async fn step_guides_are_created_and_reach_the_api() {
    let app = TestApp::with_sample().await;
    let (editor, _) = signed_in(&app, "ed@example.com", Role::Editor).await;
    let page = "/admin/step-guides/new";
    editor
        .submit(
            page,
            page,
            &[
                ("title", "Repair"),
                ("slug", "repair"),
                ("step_title", "Pause."),
                ("step_body", "Take **ten** breaths."),
                ("step_perspective", ""),
                ("step_title", "Reach out."),
                ("step_body", "Say one kind thing."),
                ("step_perspective", "avoidant"),
                ("action", "save"),
            ],
        )
        .await
        .assert_redirect("/admin/step-guides/repair");
    let guide = app.data("/api/v1/step-guides/repair").await;
    assert_eq!(
        guide["items"][0]["html"],
        "<p>Take <strong>ten</strong> breaths.</p>\n"
    );
    assert_eq!(guide["items"][1]["perspective"], "avoidant");
    assert_eq!(guide["items"][1]["number"], 2);
}

#[tokio::test]
async fn an_article_is_written_arranged_published_and_read_back() {
    let app = TestApp::with_sample().await;
    let (editor, _) = signed_in(&app, "ed@example.com", Role::Editor).await;
    let page = "/admin/articles/new";
    let blocks = [
        ("text", "Intro", "Hello **there**", ""),
        ("feelings", "", "", "anxious-avoidant-feelings"),
        ("steps", "", "", "anxious-avoidant-what-to-do"),
        ("promo", "", "", "online-therapy"),
    ];
    // Move the promo above the steps: the page comes back, unsaved, in the new order.
    let mut fields = article_fields("Pursue and withdraw", "", "draft", &blocks);
    fields.push(("action", "up:3"));
    let arranged = editor.submit(page, page, &fields).await;
    assert!(arranged.body.contains("Unsaved changes"));
    let promo_at = arranged
        .body
        .find("value=\"online-therapy\" selected")
        .unwrap();
    let steps_at = arranged
        .body
        .find("value=\"anxious-avoidant-what-to-do\" selected")
        .unwrap();
    assert!(promo_at < steps_at, "promo now before steps");

    let arranged_blocks = [blocks[0], blocks[1], blocks[3], blocks[2]];
    let mut save = article_fields("Pursue and withdraw", "", "draft", &arranged_blocks);
    save.push(("action", "save"));
    editor
        .submit(page, page, &save)
        .await
        .assert_redirect("/admin/articles/pursue-and-withdraw");
    assert_error(
        &app,
        "/api/v1/articles/pursue-and-withdraw",
        StatusCode::NOT_FOUND,
        "not_found",
    )
    .await;

    let preview = editor
        .get("/admin/articles/pursue-and-withdraw/preview")
        .await;
    assert_eq!(preview.status, StatusCode::OK);
    assert!(preview.body.contains("Hello <strong>there</strong>"));
    assert!(
        preview
            .body
            .contains("Affiliate link — we may earn a commission"),
        "disclosure shown"
    );
    assert!(preview.body.contains("rel=\"sponsored nofollow\""));

    let edit = "/admin/articles/pursue-and-withdraw";
    let form = editor.get(edit).await;
    assert!(form.body.contains("name=\"version\" value=\"1\""));
    let mut publish = article_fields(
        "Pursue and withdraw",
        "pursue-and-withdraw",
        "draft",
        &arranged_blocks,
    );
    publish.extend([("version", "1"), ("action", "publish")]);
    editor
        .submit(edit, edit, &publish)
        .await
        .assert_redirect(edit);
    let article = app.data("/api/v1/articles/pursue-and-withdraw").await;
    let kinds: Vec<&str> = article["blocks"]
        .as_array()
        .unwrap()
        .iter()
        .map(|b| b["type"].as_str().unwrap())
        .collect();
    assert_eq!(kinds, ["text", "feelings", "promo", "steps"]);
    assert_eq!(article["tags"], serde_json::json!(["anxious", "new-tag"]));

    let mut unpublish = article_fields(
        "Pursue and withdraw",
        "pursue-and-withdraw",
        "published",
        &arranged_blocks,
    );
    unpublish.extend([("version", "2"), ("action", "unpublish")]);
    editor
        .submit(edit, edit, &unpublish)
        .await
        .assert_redirect(edit);
    assert_error(
        &app,
        "/api/v1/articles/pursue-and-withdraw",
        StatusCode::NOT_FOUND,
        "not_found",
    )
    .await;

    // What the admin saved exports and imports identically.
    let exported = tether::storage::bundle::export(&app.db, crate::support::now())
        .await
        .unwrap();
    let again = crate::support::TestDatabase::create().await;
    let again_db = again.connect().await;
    crate::support::import(&again_db, &exported.to_json())
        .await
        .unwrap();
    assert_eq!(
        tether::storage::bundle::export(&again_db, crate::support::now())
            .await
            .unwrap(),
        exported
    );
}

#[tokio::test]
async fn bad_input_is_shown_next_to_its_field_and_nothing_is_saved() {
    let app = TestApp::with_sample().await;
    let (editor, _) = signed_in(&app, "ed@example.com", Role::Editor).await;
    let page = "/admin/articles/new";
    let mut fields = article_fields(
        "",
        "taken",
        "scheduled",
        &[
            ("text", "", "<script>alert(1)</script>", ""),
            ("feelings", "", "", "deleted-list"),
        ],
    );
    fields.retain(|(k, _)| *k != "published_at");
    fields.extend([("published_at", "2020-01-01T09:00"), ("action", "save")]);
    let refused = editor.submit(page, page, &fields).await;
    assert_eq!(refused.status, StatusCode::OK);
    assert!(
        refused
            .body
            .contains("a scheduled article needs a time in the future"),
        "{}",
        refused.body
    );
    assert!(
        refused
            .body
            .contains("&lt;script&gt;alert(1)&lt;&#x2f;script&gt;"),
        "typed Markdown kept, escaped"
    );
    assert!(!refused.body.contains("<script>alert(1)"));

    let mut fields = article_fields("", SLUG, "draft", &[("feelings", "", "", "deleted-list")]);
    fields.push(("action", "save"));
    let refused = editor.submit(page, page, &fields).await;
    assert!(
        refused.body.contains("must not be empty"),
        "{}",
        refused.body
    );
    assert!(
        refused
            .body
            .contains("unknown feeling list \\\"deleted-list\\\"")
            || refused
                .body
                .contains("unknown feeling list &quot;deleted-list&quot;"),
        "{}",
        refused.body
    );
    let mut fields = article_fields("Fine", SLUG, "draft", &[]);
    fields.push(("action", "save"));
    let taken = editor.submit(page, page, &fields).await;
    assert!(
        taken.body.contains("another article already uses"),
        "{}",
        taken.body
    );
    assert_eq!(
        app.data("/api/v1/articles").await.as_array().unwrap().len(),
        1
    );
}

#[tokio::test]
async fn a_stale_save_shows_the_conflict_page_and_keeps_the_editors_text() {
    let app = TestApp::with_sample().await;
    let (first, _) = signed_in(&app, "ana@example.com", Role::Editor).await;
    let (second, _) = signed_in(&app, "bo@example.com", Role::Editor).await;
    let edit = format!("/admin/articles/{SLUG}");
    let version = {
        let page = first.get(&edit).await.body;
        let start = page.find("name=\"version\" value=\"").unwrap() + 22;
        page[start..start + page[start..].find('"').unwrap()].to_owned()
    };
    let token_first = first.get(&edit).await.csrf_token();
    let token_second = second.get(&edit).await.csrf_token();
    let blocks = [("text", "", "Only block", "")];
    let mut mine = article_fields("First editor's title", SLUG, "published", &blocks);
    mine.retain(|(k, _)| *k != "published_at");
    mine.extend([
        ("version", version.as_str()),
        ("action", "save"),
        ("published_at", "2026-11-24T09:00"),
        ("csrf_token", token_first.as_str()),
    ]);
    first.post_raw(&edit, &mine).await.assert_redirect(&edit);

    let mut theirs = article_fields("Second editor's title", SLUG, "published", &blocks);
    theirs.retain(|(k, _)| *k != "published_at");
    theirs.extend([
        ("version", version.as_str()),
        ("action", "save"),
        ("published_at", "2026-11-24T09:00"),
        ("csrf_token", token_second.as_str()),
    ]);
    let conflict = second.post_raw(&edit, &theirs).await;
    assert_eq!(conflict.status, StatusCode::CONFLICT);
    assert!(conflict.body.contains("Someone else saved this article"));
    assert!(
        conflict.body.contains("First editor&#x27;s title")
            || conflict.body.contains("First editor's title")
    );
    assert!(
        conflict
            .body
            .contains("value=\"Second editor&#x27;s title\""),
        "the second editor's text is kept: {}",
        conflict.body
    );
    assert_eq!(
        app.data(&format!("/api/v1/articles/{SLUG}")).await["title"],
        "First editor's title"
    );

    // Saving over it on purpose, from the conflict page's own form.
    let token = conflict.csrf_token();
    let current = {
        let start = conflict.body.find("name=\"version\" value=\"").unwrap() + 22;
        conflict.body[start..start + conflict.body[start..].find('"').unwrap()].to_owned()
    };
    let mut again = article_fields("Second editor's title", SLUG, "published", &blocks);
    again.retain(|(k, _)| *k != "published_at");
    again.extend([
        ("version", current.as_str()),
        ("action", "save"),
        ("published_at", "2026-11-24T09:00"),
        ("csrf_token", token.as_str()),
    ]);
    second.post_raw(&edit, &again).await.assert_redirect(&edit);
    assert_eq!(
        app.data(&format!("/api/v1/articles/{SLUG}")).await["title"],
        "Second editor's title"
    );
}

#[tokio::test]
async fn scheduled_articles_appear_when_due() {
    let app = TestApp::with_sample().await;
    let (editor, _) = signed_in(&app, "ed@example.com", Role::Editor).await;
    let page = "/admin/articles/new";
    let when = (app.clock_now() + Duration::hours(2))
        .format("%Y-%m-%dT%H:%M")
        .to_string();
    let mut fields = article_fields("Later", "later", "scheduled", &[("text", "", "Soon.", "")]);
    fields.retain(|(k, _)| *k != "published_at");
    fields.extend([("published_at", when.as_str()), ("action", "save")]);
    editor
        .submit(page, page, &fields)
        .await
        .assert_redirect("/admin/articles/later");
    assert_error(
        &app,
        "/api/v1/articles/later",
        StatusCode::NOT_FOUND,
        "not_found",
    )
    .await;
    app.clock.advance(Duration::hours(3));
    assert_eq!(app.data("/api/v1/articles/later").await["title"], "Later");
}

#[tokio::test]
async fn marketers_read_content_but_cannot_change_it() {
    let app = TestApp::with_sample().await;
    let (marketer, _) = signed_in(&app, "mo@example.com", Role::Marketer).await;
    for path in [
        "/admin/articles",
        "/admin/feeling-lists",
        "/admin/step-guides",
        "/admin/perspectives",
        &format!("/admin/articles/{SLUG}"),
    ] {
        assert_eq!(marketer.get(path).await.status, StatusCode::OK, "{path}");
    }
    let edit = format!("/admin/articles/{SLUG}");
    let page = marketer.get(&edit).await;
    assert!(
        !page.body.contains("value=\"publish\""),
        "no publishing buttons"
    );
    let token = page.csrf_token();
    let denied = marketer
        .post_raw(
            &edit,
            &[
                ("csrf_token", token.as_str()),
                ("title", "Hijacked"),
                ("status", "draft"),
                ("version", "1"),
                ("action", "save"),
            ],
        )
        .await;
    assert_eq!(denied.status, StatusCode::FORBIDDEN);
    assert_eq!(
        marketer.get("/admin/articles/new").await.status,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        app.data(&format!("/api/v1/articles/{SLUG}")).await["title"],
        "The Anxious-Avoidant Relationship Dynamic"
    );
    let _ = Browser::new(&app);
}

#[tokio::test]
async fn the_article_list_searches_and_filters() {
    let app = TestApp::with_sample().await;
    let (editor, _) = signed_in(&app, "ed@example.com", Role::Editor).await;
    let list = editor
        .get("/admin/articles?q=ANXIOUS&status=published&perspective=anxious&sort=title")
        .await;
    assert!(
        list.body
            .contains("The Anxious-Avoidant Relationship Dynamic"),
        "{}",
        list.body
    );
    let none = editor.get("/admin/articles?status=draft").await;
    assert!(none.body.contains("No articles match."));
    let none = editor.get("/admin/articles?tag=unused").await;
    assert!(none.body.contains("No articles match."));
}

#[tokio::test]
async fn every_save_keeps_a_revision_that_can_be_compared_and_restored() {
    let app = TestApp::with_sample().await;
    let (editor, _) = signed_in(&app, "ed@example.com", Role::Editor).await;
    let page = "/admin/articles/new";
    let mut first = article_fields(
        "Version one",
        "revised",
        "draft",
        &[("text", "", "First text.", "")],
    );
    first.push(("action", "save"));
    editor
        .submit(page, page, &first)
        .await
        .assert_redirect("/admin/articles/revised");
    let edit = "/admin/articles/revised";
    let mut second = article_fields(
        "Version two",
        "revised",
        "draft",
        &[
            ("text", "", "Second text.", ""),
            ("promo", "", "", "online-therapy"),
        ],
    );
    second.extend([("version", "1"), ("action", "save")]);
    editor
        .submit(edit, edit, &second)
        .await
        .assert_redirect(edit);

    let list = editor.get("/admin/articles/revised/revisions").await;
    assert_eq!(list.status, StatusCode::OK);
    assert!(list.body.contains("ed@example.com"));
    let link = |body: &str, nth: usize| -> String {
        let marker = "href=\"/admin/articles/revised/revisions/";
        let start = body
            .match_indices(marker)
            .nth(nth)
            .expect("a revision link")
            .0
            + 6;
        body[start..start + body[start..].find('"').unwrap()].to_owned()
    };
    // Newest first: the second link is version 1.
    let oldest = link(&list.body, 1);
    let view = editor.get(&oldest).await;
    assert!(view.body.contains("Version 1"), "{}", view.body);
    assert!(
        view.body.contains("title: “Version one” → “Version two”"),
        "{}",
        view.body
    );
    assert!(view.body.contains("block 2: promo added"));

    editor
        .submit(&oldest, &format!("{oldest}/restore"), &[("version", "2")])
        .await
        .assert_redirect(edit);
    let restored = tether::storage::articles::load(app.db.conn(), "revised")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(restored.article.title, "Version one");
    assert_eq!(restored.version, 3, "restoring makes a new version");
    let list = editor.get("/admin/articles/revised/revisions").await;
    assert_eq!(list.body.matches("View and compare").count(), 3);
    // A stale restore (the article moved on) gets the conflict page.
    let stale = editor
        .submit(&oldest, &format!("{oldest}/restore"), &[("version", "2")])
        .await;
    assert_eq!(stale.status, StatusCode::CONFLICT);
}

#[tokio::test]
async fn old_revisions_are_pruned_past_the_configured_count() {
    use tether::domain::content::{Article, ArticleStatus, Block};
    use tether::domain::publishing::EditorAction;
    use tether::operations::Actor;
    use tether::operations::articles::{self, ArticleSave};
    use tether::storage::revisions::{self, Author};
    let app = TestApp::empty().await;
    let author = Author {
        user_id: None,
        name: "script".into(),
        keep: 2,
    };
    let mut article = Article {
        slug: "pruned".into(),
        title: "v1".into(),
        subtitle: None,
        summary: None,
        status: ArticleStatus::Draft,
        published_at: None,
        tags: vec![],
        blocks: vec![Block::Text {
            heading: None,
            body: "x".into(),
        }],
    };
    let save = |existing: Option<(String, i32)>, draft: Article| {
        let app = &app;
        let author = author.clone();
        async move {
            let request = ArticleSave {
                existing,
                draft,
                action: EditorAction::Save,
            };
            articles::save(
                &app.db,
                Actor::command_line(),
                author,
                request,
                crate::support::now(),
            )
            .await
            .unwrap()
            .version
        }
    };
    let mut version = save(None, article.clone()).await;
    for title in ["v2", "v3", "v4"] {
        article.title = title.into();
        version = save(Some(("pruned".into(), version)), article.clone()).await;
    }
    let id = tether::storage::articles::row_by_slug(app.db.conn(), "pruned")
        .await
        .unwrap()
        .unwrap()
        .id;
    let kept = revisions::list(app.db.conn(), id).await.unwrap();
    let versions: Vec<i32> = kept.iter().map(|r| r.version).collect();
    assert_eq!(versions, [4, 3]);
}

#[tokio::test]
async fn preview_links_let_a_frontend_read_a_draft_until_they_expire() {
    let app = TestApp::with_sample().await;
    let (editor, _) = signed_in(&app, "ed@example.com", Role::Editor).await;
    let page = "/admin/articles/new";
    let mut fields = article_fields(
        "Secret draft",
        "secret-draft",
        "draft",
        &[("text", "", "Not yet.", "")],
    );
    fields.push(("action", "save"));
    editor
        .submit(page, page, &fields)
        .await
        .assert_redirect("/admin/articles/secret-draft");
    assert_error(
        &app,
        "/api/v1/articles/secret-draft",
        StatusCode::NOT_FOUND,
        "not_found",
    )
    .await;

    let preview = editor.get("/admin/articles/secret-draft/preview").await;
    let html = preview.body.replace("&#x2f;", "/");
    let start = html
        .find("/api/v1/articles/secret-draft?preview=")
        .expect("a preview link");
    let end = start + html[start..].find('"').unwrap();
    let path = html[start..end].to_owned();
    assert!(
        html[..start].ends_with(&app.base),
        "an absolute link on the public URL"
    );
    let response = app.get(&path).await;
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(response.headers()["cache-control"], "private, no-store");
    let body: serde_json::Value = response.json().await.unwrap();
    assert_eq!(body["data"]["title"], "Secret draft");
    // A published article's cached answer is not affected by previews.
    assert_error(
        &app,
        "/api/v1/articles/secret-draft",
        StatusCode::NOT_FOUND,
        "not_found",
    )
    .await;

    let token = path.split("preview=").nth(1).unwrap().to_owned();
    assert_error(
        &app,
        &format!("/api/v1/articles/{SLUG}?preview={token}"),
        StatusCode::FORBIDDEN,
        "invalid_preview_token",
    )
    .await;
    let mut tampered = token.clone();
    tampered.replace_range(0..1, if tampered.starts_with('9') { "8" } else { "9" });
    assert_error(
        &app,
        &format!("/api/v1/articles/secret-draft?preview={tampered}"),
        StatusCode::FORBIDDEN,
        "invalid_preview_token",
    )
    .await;
    assert_error(
        &app,
        "/api/v1/articles/secret-draft?preview=nonsense",
        StatusCode::FORBIDDEN,
        "invalid_preview_token",
    )
    .await;
    app.clock.advance(Duration::hours(49));
    assert_error(&app, &path, StatusCode::FORBIDDEN, "invalid_preview_token").await;
}

#[tokio::test]
async fn the_live_preview_renders_markdown_as_the_api_will() {
    let app = TestApp::with_sample().await;
    let (editor, _) = signed_in(&app, "ed@example.com", Role::Editor).await;
    let rendered = editor
        .submit(
            "/admin/articles/new",
            "/admin/markdown-preview",
            &[("markdown", "**bold** <script>alert(1)</script>")],
        )
        .await;
    assert_eq!(rendered.status, StatusCode::OK);
    assert!(
        rendered.body.contains("<strong>bold</strong>"),
        "{}",
        rendered.body
    );
    assert!(!rendered.body.contains("<script"));
    let (marketer, _) = signed_in(&app, "mo@example.com", Role::Marketer).await;
    let refused = marketer
        .submit(
            "/admin/articles",
            "/admin/markdown-preview",
            &[("markdown", "x")],
        )
        .await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn deleting_an_article_asks_first_and_the_api_forgets_it() {
    let app = TestApp::with_sample().await;
    let (editor, _) = signed_in(&app, "ed@example.com", Role::Editor).await;
    let ask = editor.get(&format!("/admin/articles/{SLUG}/delete")).await;
    assert_eq!(ask.status, StatusCode::OK);
    assert!(ask.body.contains("Delete for good"));
    assert_eq!(
        app.data(&format!("/api/v1/articles/{SLUG}")).await["slug"],
        SLUG,
        "asking deletes nothing"
    );
    let path = format!("/admin/articles/{SLUG}/delete");
    editor
        .submit(&path, &path, &[])
        .await
        .assert_redirect("/admin/articles");
    assert_error(
        &app,
        &format!("/api/v1/articles/{SLUG}"),
        StatusCode::NOT_FOUND,
        "not_found",
    )
    .await;
    // The feeling list it used is free to delete now.
    let list = "/admin/feeling-lists/anxious-avoidant-feelings";
    editor
        .submit(list, &format!("{list}/delete"), &[])
        .await
        .assert_redirect("/admin/feeling-lists");
}

#[tokio::test]
async fn updating_the_pickers_keeps_the_draft() {
    let app = TestApp::with_sample().await;
    let (editor, _) = signed_in(&app, "ed@example.com", Role::Editor).await;
    let page = "/admin/articles/new";
    let first = editor.get(page).await;
    assert!(!first.body.contains("Made meanwhile"));
    // Another tab creates a feeling list…
    editor
        .submit(
            "/admin/feeling-lists/new",
            "/admin/feeling-lists/new",
            &[
                ("title", "Made meanwhile"),
                ("slug", "made-meanwhile"),
                ("item_perspective", "both"),
                ("item_text", "Hope"),
                ("action", "save"),
            ],
        )
        .await
        .assert_redirect("/admin/feeling-lists/made-meanwhile");
    // …and the article's draft, refreshed, offers it and keeps what was typed.
    let mut fields = article_fields(
        "Typed title",
        "",
        "draft",
        &[("text", "", "Typed body", "")],
    );
    fields.push(("action", "refresh"));
    let refreshed = editor.submit(page, page, &fields).await;
    assert!(refreshed.body.contains("Made meanwhile"));
    assert!(refreshed.body.contains("value=\"Typed title\""));
    assert!(refreshed.body.contains("Typed body"));
    assert_error(
        &app,
        "/api/v1/articles/typed-title",
        StatusCode::NOT_FOUND,
        "not_found",
    )
    .await;
}

#[tokio::test]
async fn slugs_are_checked_while_typing() {
    let app = TestApp::with_sample().await;
    let (editor, _) = signed_in(&app, "ed@example.com", Role::Editor).await;
    let check = |query: String| {
        let editor = &editor;
        async move {
            let page = editor
                .get(&format!("/admin/articles/slug-check?{query}"))
                .await;
            assert_eq!(page.status, StatusCode::OK);
            serde_json::from_str::<serde_json::Value>(&page.body).unwrap()
        }
    };
    assert_eq!(check(format!("slug={SLUG}")).await["ok"], false);
    assert_eq!(
        check(format!("slug={SLUG}&current={SLUG}")).await["ok"],
        true,
        "an article keeps its own slug"
    );
    assert_eq!(check("slug=Not%20A%20Slug".into()).await["ok"], false);
    assert_eq!(check("slug=fresh-one".into()).await["message"], "available");
    let (marketer, _) = signed_in(&app, "mo@example.com", Role::Marketer).await;
    assert_eq!(
        marketer
            .get("/admin/articles/slug-check?slug=x")
            .await
            .status,
        StatusCode::FORBIDDEN
    );
}
