//! `GET /api/v1/articles` and `/api/v1/articles/{slug}`: visibility, pagination, filters,
//! search, errors, sanitizing, and the bounded number of queries.

use chrono::Duration;
use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::fixtures::{article, bundle, hours_ago, perspectives, promo, ts};
use crate::support::{Options, TestApp, assert_error, now};

/// `count` published articles, `a-1` the oldest.
async fn app_with_articles(count: usize) -> TestApp {
    let app = TestApp::empty().await;
    let articles: Vec<Value> = (1..=count)
        .map(|i| {
            article(
                &format!("a-{i}"),
                &format!("Article {i}"),
                &hours_ago((count - i + 1) as i64),
            )
        })
        .collect();
    app.import_value(&bundle(json!({"articles": articles})))
        .await;
    app
}

fn slugs(list: &Value) -> Vec<String> {
    list["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["slug"].as_str().unwrap().to_owned())
        .collect()
}

#[tokio::test]
async fn list_pages_newest_first() {
    let app = app_with_articles(25).await;
    let (status, first) = app.get_json("/api/v1/articles?per_page=10").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        first["meta"],
        json!({"page": 1, "per_page": 10, "total": 25})
    );
    assert_eq!(slugs(&first)[..3], ["a-25", "a-24", "a-23"]);
    let (_, third) = app.get_json("/api/v1/articles?per_page=10&page=3").await;
    assert_eq!(slugs(&third), ["a-5", "a-4", "a-3", "a-2", "a-1"]);
    let (status, beyond) = app.get_json("/api/v1/articles?per_page=10&page=4").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(beyond["data"], json!([]));
    assert_eq!(beyond["meta"]["total"], 25);
    let (_, default) = app.get_json("/api/v1/articles").await;
    assert_eq!(
        default["meta"],
        json!({"page": 1, "per_page": 20, "total": 25})
    );
    let (_, max) = app.get_json("/api/v1/articles?per_page=100").await;
    assert_eq!(max["data"].as_array().unwrap().len(), 25);
}

#[tokio::test]
async fn summaries_have_the_contract_fields_and_no_blocks() {
    let app = app_with_articles(1).await;
    let (_, list) = app.get_json("/api/v1/articles").await;
    let summary = list["data"][0].as_object().unwrap();
    let mut keys: Vec<&str> = summary.keys().map(String::as_str).collect();
    keys.sort();
    assert_eq!(
        keys,
        [
            "published_at",
            "slug",
            "subtitle",
            "summary",
            "tags",
            "title",
            "updated_at"
        ]
    );
    assert!(summary["published_at"].as_str().unwrap().ends_with('Z'));
}

#[tokio::test]
async fn bad_pagination_is_a_400_with_the_error_body() {
    let app = app_with_articles(1).await;
    for query in [
        "page=0",
        "page=abc",
        "page=-1",
        "page=1.5",
        "page=",
        "per_page=0",
        "per_page=101",
        "per_page=1000",
        "per_page=x",
        "page=99999999999999999999999",
    ] {
        let body = assert_error(
            &app,
            &format!("/api/v1/articles?{query}"),
            StatusCode::BAD_REQUEST,
            "bad_request",
        )
        .await;
        let param = query.split('=').next().unwrap();
        assert!(
            body["error"]["message"].as_str().unwrap().contains(param),
            "{query}: {body}"
        );
    }
}

#[tokio::test]
async fn only_published_and_due_articles_are_visible() {
    let app = TestApp::empty().await;
    let future = ts(now() + Duration::hours(2));
    let mut draft = article("draft", "Draft", &hours_ago(1));
    draft["status"] = json!("draft");
    let mut archived = article("archived", "Archived", &hours_ago(1));
    archived["status"] = json!("archived");
    let mut scheduled = article("scheduled", "Scheduled", &future);
    scheduled["status"] = json!("scheduled");
    let mut future_published = article("future-published", "Future", &future);
    future_published["status"] = json!("published");
    let visible = article("visible", "Visible", &hours_ago(1));
    app.import_value(&bundle(
        json!({"articles": [draft, archived, scheduled, future_published, visible]}),
    ))
    .await;

    let (_, list) = app.get_json("/api/v1/articles").await;
    assert_eq!(slugs(&list), ["visible"]);
    for hidden in ["draft", "archived", "scheduled", "future-published"] {
        assert_error(
            &app,
            &format!("/api/v1/articles/{hidden}"),
            StatusCode::NOT_FOUND,
            "not_found",
        )
        .await;
    }

    // No job runs: once the clock passes published_at, the scheduled article is simply there.
    app.clock.advance(Duration::hours(3));
    let (_, list) = app.get_json("/api/v1/articles").await;
    let mut visible_now = slugs(&list);
    visible_now.sort();
    assert_eq!(visible_now, ["future-published", "scheduled", "visible"]);
    assert_eq!(
        app.data("/api/v1/articles/scheduled").await["title"],
        "Scheduled"
    );
}

#[tokio::test]
async fn tag_filter() {
    let app = TestApp::empty().await;
    let mut one = article("one", "One", &hours_ago(2));
    one["tags"] = json!(["anxious", "breakups"]);
    let mut two = article("two", "Two", &hours_ago(1));
    two["tags"] = json!(["avoidant"]);
    app.import_value(&bundle(json!({"articles": [one, two]})))
        .await;
    let (_, list) = app.get_json("/api/v1/articles?tag=anxious").await;
    assert_eq!(slugs(&list), ["one"]);
    assert_eq!(list["data"][0]["tags"], json!(["anxious", "breakups"]));
    assert_eq!(list["meta"]["total"], 1);
    let (_, none) = app.get_json("/api/v1/articles?tag=unused").await;
    assert_eq!(none["meta"]["total"], 0);
    assert_error(
        &app,
        "/api/v1/articles?tag=Not%20A%20Tag",
        StatusCode::BAD_REQUEST,
        "bad_request",
    )
    .await;
}

#[tokio::test]
async fn unknown_slugs_routes_and_methods_get_the_error_envelope() {
    let app = TestApp::with_sample().await;
    assert_error(
        &app,
        "/api/v1/articles/no-such-article",
        StatusCode::NOT_FOUND,
        "not_found",
    )
    .await;
    assert_error(
        &app,
        "/api/v1/articles/NOT..a slug",
        StatusCode::NOT_FOUND,
        "not_found",
    )
    .await;
    assert_error(
        &app,
        "/api/v1/articles/%FF%FE",
        StatusCode::BAD_REQUEST,
        "bad_request",
    )
    .await;
    assert_error(
        &app,
        "/api/v1/feeling-lists/nope",
        StatusCode::NOT_FOUND,
        "not_found",
    )
    .await;
    assert_error(
        &app,
        "/api/v1/step-guides/nope",
        StatusCode::NOT_FOUND,
        "not_found",
    )
    .await;
    assert_error(
        &app,
        "/api/v1/promos/nope",
        StatusCode::NOT_FOUND,
        "not_found",
    )
    .await;
    assert_error(&app, "/api/v2/articles", StatusCode::NOT_FOUND, "not_found").await;
    assert_error(&app, "/nothing/here", StatusCode::NOT_FOUND, "not_found").await;
    for method in [
        reqwest::Method::POST,
        reqwest::Method::PUT,
        reqwest::Method::DELETE,
        reqwest::Method::PATCH,
    ] {
        let response = app
            .client
            .request(method.clone(), app.url("/api/v1/articles"))
            .send()
            .await
            .unwrap();
        assert_eq!(
            response.status(),
            StatusCode::METHOD_NOT_ALLOWED,
            "{method}"
        );
        let body: Value = response.json().await.unwrap();
        assert_eq!(body["error"]["code"], "method_not_allowed");
    }
}

#[tokio::test]
async fn markdown_is_rendered_and_sanitized() {
    let app = TestApp::empty().await;
    let mut hostile = article("hostile", "Hostile", &hours_ago(1));
    hostile["blocks"] = json!([{"type": "text", "heading": "<b>h</b>", "body":
        "**bold** and [ok](https://example.com)\n\n<script>alert('x')</script>\n\n<img src=x onerror=\"alert(1)\">\n\n[bad](javascript:alert(1))\n\n<a href=\"JaVaScRiPt:alert(2)\" onclick=\"x()\">y</a>\n\n<iframe src=\"https://evil.example\"></iframe>\n\n1 < 2 & \"quotes\""}]);
    app.import_value(&bundle(json!({"articles": [hostile]})))
        .await;
    let article = app.data("/api/v1/articles/hostile").await;
    let block = &article["blocks"][0];
    let html = block["html"].as_str().unwrap();
    assert!(html.contains("<strong>bold</strong>"), "{html}");
    assert!(html.contains("<a href=\"https://example.com\""), "{html}");
    let lower = html.to_lowercase();
    for forbidden in [
        "<script",
        "onerror",
        "onclick",
        "javascript:",
        "<iframe",
        "alert('x')",
    ] {
        assert!(!lower.contains(forbidden), "{forbidden} in {html}");
    }
    assert!(html.contains("1 &lt; 2 &amp;"), "{html}");
    // The Markdown itself is returned exactly as written.
    assert!(
        block["body"]
            .as_str()
            .unwrap()
            .contains("<script>alert('x')</script>")
    );
    assert_eq!(block["heading"], "<b>h</b>");
}

#[tokio::test]
async fn promos_outside_their_window_are_left_out_of_articles() {
    let app = TestApp::empty().await;
    let mut later = promo("later", "quiz");
    later["starts_at"] = json!(ts(now() + Duration::hours(1)));
    let mut ended = promo("ended", "book");
    ended["ends_at"] = json!(ts(now() - Duration::hours(1)));
    let mut ending = promo("ending", "affiliate");
    ending["ends_at"] = json!(ts(now() + Duration::hours(1)));
    let mut a = article("with-promos", "With promos", &hours_ago(1));
    a["blocks"] = json!([
        {"type": "promo", "ref": "later"}, {"type": "promo", "ref": "ended"}, {"type": "promo", "ref": "ending"},
        {"type": "text", "heading": null, "body": "end"}
    ]);
    app.import_value(&bundle(
        json!({"promos": [later, ended, ending], "articles": [a]}),
    ))
    .await;

    let promo_slugs = |article: &Value| -> Vec<String> {
        article["blocks"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|b| b["type"] == "promo")
            .map(|b| b["slug"].as_str().unwrap().to_owned())
            .collect()
    };
    assert_eq!(
        promo_slugs(&app.data("/api/v1/articles/with-promos").await),
        ["ending"]
    );
    assert_error(
        &app,
        "/api/v1/promos/later",
        StatusCode::NOT_FOUND,
        "not_found",
    )
    .await;
    assert_error(
        &app,
        "/api/v1/promos/ended",
        StatusCode::NOT_FOUND,
        "not_found",
    )
    .await;
    assert_eq!(
        app.data("/api/v1/promos/ending").await["rel"],
        "sponsored nofollow"
    );

    app.clock.advance(Duration::minutes(90));
    assert_eq!(
        promo_slugs(&app.data("/api/v1/articles/with-promos").await),
        ["later"]
    );
    assert_error(
        &app,
        "/api/v1/promos/ending",
        StatusCode::NOT_FOUND,
        "not_found",
    )
    .await;
    assert_eq!(app.data("/api/v1/promos/later").await["kind"], "quiz");
}

/// A bundle whose article has `blocks` blocks cycling over every kind.
fn article_with_blocks(slug: &str, blocks: usize) -> Value {
    let kinds = [
        json!({"type": "text", "heading": "H", "body": "text"}),
        json!({"type": "feelings", "ref": "list"}),
        json!({"type": "steps", "ref": "guide"}),
        json!({"type": "promo", "ref": "offer"}),
    ];
    let mut a = article(slug, slug, &hours_ago(1));
    a["blocks"] = Value::Array(
        (0..blocks)
            .map(|i| kinds[i % kinds.len()].clone())
            .collect(),
    );
    a
}

#[tokio::test]
async fn reading_an_article_costs_the_same_queries_whatever_its_blocks() {
    let app = TestApp::start(Options {
        read_cache: false,
        ..Options::default()
    })
    .await;
    app.import_value(&bundle(json!({
        "perspectives": perspectives(),
        "promos": [promo("offer", "affiliate")],
        "feeling_lists": [{"slug": "list", "title": "L", "items": [{"perspective": "anxious", "text": "x"}]}],
        "step_guides": [{"slug": "guide", "title": "G", "steps": [{"title": "t", "body": "b", "perspective": "avoidant"}]}],
        "articles": [article_with_blocks("small", 4), article_with_blocks("large", 60)]
    })))
    .await;
    let small = app
        .statements_during(async {
            app.data("/api/v1/articles/small").await;
        })
        .await;
    let large = app
        .statements_during(async {
            let article = app.data("/api/v1/articles/large").await;
            assert_eq!(article["blocks"].as_array().unwrap().len(), 60);
        })
        .await;
    assert_eq!(
        small.len(),
        large.len(),
        "small: {small:#?}\nlarge: {large:#?}"
    );
    assert!(large.len() <= 12, "{large:#?}");

    let listing = app
        .statements_during(async {
            app.data("/api/v1/articles").await;
        })
        .await;
    assert!(
        !listing.iter().any(|s| s.contains("article_blocks")),
        "listing loaded blocks: {listing:#?}"
    );
}
