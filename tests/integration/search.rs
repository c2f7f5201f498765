//! Full-text search (CONTRACT section 4) on both databases: ranked by relevance (title, then
//! subtitle and summary, then text), English word forms, phrases, exclusions, the last word as
//! a prefix, case folding beyond ASCII, and bad input that finds nothing instead of failing.

use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::fixtures::{article, bundle, hours_ago};
use crate::support::{TestApp, assert_error, save_article};

fn slugs(page: &Value) -> Vec<String> {
    page["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["slug"].as_str().unwrap().to_owned())
        .collect()
}

async fn search(app: &TestApp, q: &str) -> Value {
    let (status, body) = app
        .get_json(&format!("/api/v1/articles?q={}", urlencode(q)))
        .await;
    assert_eq!(status, StatusCode::OK, "{q}: {body}");
    body
}

fn urlencode(q: &str) -> String {
    q.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' => (b as char).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}

async fn corpus() -> TestApp {
    let app = TestApp::empty().await;
    let mut title = article("in-title", "Secure ATTACHMENT basics", &hours_ago(5));
    title["blocks"] = json!([{"type": "text", "heading": null, "body": "Calm words."}]);
    let mut subtitle = article("in-subtitle", "Two", &hours_ago(4));
    subtitle["subtitle"] = json!("On attachment wounds");
    let mut summary = article("in-summary", "Three", &hours_ago(3));
    summary["summary"] = json!("Why Attachment matters");
    let mut body = article("in-body", "Four", &hours_ago(2));
    body["blocks"] = json!([{"type": "text", "heading": "Été",
        "body": "The *attachment* system: when one partner keeps running after the other, \
                 the pursue withdraw cycle begins. 100% explained_well."}]);
    let other = article("other", "Unrelated", &hours_ago(1));
    let mut draft = article("draft-attachment", "Attachment draft", &hours_ago(1));
    draft["status"] = json!("draft");
    app.import_value(&bundle(
        json!({"articles": [title, subtitle, summary, body, other, draft]}),
    ))
    .await;
    app
}

#[tokio::test]
async fn results_are_ranked_title_first_then_subtitle_and_summary_then_text() {
    let app = corpus().await;
    let found = search(&app, "attachment").await;
    // Subtitle and summary weigh the same: the newer comes first.
    assert_eq!(
        slugs(&found),
        ["in-title", "in-summary", "in-subtitle", "in-body"]
    );
    assert_eq!(found["meta"]["total"], 4, "drafts are never found");
    assert_eq!(search(&app, "AtTaChMeNt").await["meta"]["total"], 4);
    assert_eq!(
        slugs(&search(&app, "attachment WOUNDS").await),
        ["in-subtitle"]
    );
}

#[tokio::test]
async fn english_forms_phrases_exclusions_and_prefixes() {
    let app = corpus().await;
    // "runs" and "run" find "running" (stemming).
    assert_eq!(slugs(&search(&app, "runs").await), ["in-body"]);
    assert_eq!(slugs(&search(&app, "partners run").await), ["in-body"]);
    // A phrase needs its words together, in order.
    assert_eq!(
        slugs(&search(&app, "\"pursue withdraw\"").await),
        ["in-body"]
    );
    assert_eq!(
        search(&app, "\"withdraw pursue\"").await["meta"]["total"],
        0
    );
    // -word leaves out what has it.
    assert_eq!(
        slugs(&search(&app, "attachment -wounds -matters").await),
        ["in-title", "in-body"]
    );
    // The last word matches as a prefix, as someone types.
    assert_eq!(slugs(&search(&app, "attach").await).len(), 4);
    assert_eq!(slugs(&search(&app, "secure attachm").await), ["in-title"]);
    // Beyond ASCII, case is folded.
    assert_eq!(slugs(&search(&app, "ÉTÉ").await), ["in-body"]);
    assert_eq!(slugs(&search(&app, "100%").await), ["in-body"]);
}

#[tokio::test]
async fn queries_of_only_operators_or_excluded_words_find_nothing() {
    let app = corpus().await;
    for q in ["%", "-attachment", "\" \"", "*", "-", "()", "NOT", "zebra"] {
        let found = search(&app, q).await;
        assert_eq!(found["meta"]["total"], 0, "{q}: {found}");
        assert_eq!(found["data"], json!([]), "{q}");
    }
    // Only stop words: PostgreSQL ignores them (nothing found); SQLite has no stop words and
    // searches them as words. Either way the answer is a page, never an error.
    let stop = search(&app, "the").await;
    assert!(stop["meta"]["total"].as_u64().is_some());
    assert_eq!(
        search(&app, " ").await["meta"]["total"],
        5,
        "a blank q lists everything"
    );

    let long = "a".repeat(501);
    assert_error(
        &app,
        &format!("/api/v1/articles?q={long}"),
        StatusCode::BAD_REQUEST,
        "bad_request",
    )
    .await;
    assert_eq!(search(&app, &"a".repeat(500)).await["meta"]["total"], 0);
}

#[tokio::test]
async fn search_combines_with_tags_and_pages_past_the_end() {
    let app = corpus().await;
    let mut tagged = article("tagged", "Attachment and tags", &hours_ago(6));
    tagged["tags"] = json!(["calm"]);
    app.import_value(&bundle(json!({"articles": [tagged]})))
        .await;
    let (_, both) = app.get_json("/api/v1/articles?q=attachment&tag=calm").await;
    assert_eq!(slugs(&both), ["tagged"]);
    let (_, past) = app
        .get_json("/api/v1/articles?q=attachment&page=9&per_page=2")
        .await;
    assert_eq!(past["data"], json!([]));
    assert_eq!(
        past["meta"]["total"], 5,
        "an empty page keeps the right total"
    );
}

/// Totals come from counters the database keeps; they must stay exact through every kind of
/// write, and follow the clock for scheduled articles.
#[tokio::test]
async fn list_and_tag_totals_stay_exact_through_writes_and_time() {
    use tether::domain::publishing::EditorAction;
    use tether::operations::Actor;
    use tether::operations::articles;

    let app = TestApp::empty().await;
    let mut a = article("a", "A", &hours_ago(3));
    a["tags"] = json!(["calm", "pairs"]);
    let mut b = article("b", "B", &hours_ago(2));
    b["tags"] = json!(["calm"]);
    let mut later = article(
        "later",
        "Later",
        &crate::fixtures::ts(crate::support::now() + chrono::Duration::hours(1)),
    );
    later["status"] = json!("scheduled");
    later["tags"] = json!(["calm"]);
    let mut draft = article("draft", "Draft", &hours_ago(1));
    draft["status"] = json!("draft");
    draft["tags"] = json!(["pairs"]);
    app.import_value(&bundle(json!({"articles": [a, b, later, draft]})))
        .await;

    let total = |path: &'static str| {
        let app = &app;
        async move {
            app.data_or_whole(path).await["meta"]["total"]
                .as_u64()
                .unwrap()
        }
    };
    assert_eq!(total("/api/v1/articles").await, 2);
    assert_eq!(total("/api/v1/articles?tag=calm").await, 2);
    assert_eq!(total("/api/v1/articles?tag=pairs").await, 1);

    // Publish the draft, retag "b", unpublish "a": through the same operation as the admin.
    let save = |slug: &'static str, edit: fn(&mut tether::domain::content::Article), action| {
        let app = &app;
        async move {
            save_article(&app.db, slug, app.clock_now(), action, edit).await;
            app.caught_up().await;
        }
    };
    save("draft", |_| {}, EditorAction::Publish).await;
    save("b", |d| d.tags = vec!["pairs".into()], EditorAction::Save).await;
    save("a", |_| {}, EditorAction::Unpublish).await;
    assert_eq!(total("/api/v1/articles").await, 2, "b and draft");
    assert_eq!(total("/api/v1/articles?tag=calm").await, 0);
    assert_eq!(total("/api/v1/articles?tag=pairs").await, 2);

    articles::delete(&app.db, Actor::command_line(), "b".into(), app.clock_now())
        .await
        .unwrap();
    app.caught_up().await;
    assert_eq!(total("/api/v1/articles?tag=pairs").await, 1);

    // The scheduled article counts once its time has come, with no write.
    app.clock.advance(chrono::Duration::hours(2));
    assert_eq!(total("/api/v1/articles").await, 2);
    assert_eq!(total("/api/v1/articles?tag=calm").await, 1);
}
