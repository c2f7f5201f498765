//! Tracked links and placements as readers and frontends meet them: `/go/{slug}` redirects
//! exactly and only to stored targets, clicks are counted exactly (also under concurrency and
//! across a graceful shutdown), and `placements` follow targeting, priority and schedules.

use chrono::Duration;
use reqwest::StatusCode;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
use serde_json::{Value, json};
use tether::domain::promotions::Placement;
use tether::storage::entities::{promo, promo_click_count};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

use crate::fixtures::{bundle, hours_ago, perspectives, promo as promo_json, ts};
use crate::support::{Options, TestApp, no_redirects, now};

const TARGET: &str = "https://partner.example/therapy?ref=tether&utm_source=site";

/// One promo `therapy` with [`TARGET`], and two articles tagged `anxious` and `avoidant`.
async fn app_with_promo() -> TestApp {
    let app = TestApp::empty().await;
    let mut therapy = promo_json("therapy", "affiliate");
    therapy["target_url"] = json!(TARGET);
    let mut anxious = crate::fixtures::article("for-anxious", "For anxious", &hours_ago(2));
    anxious["tags"] = json!(["anxious"]);
    let mut avoidant = crate::fixtures::article("for-avoidant", "For avoidant", &hours_ago(2));
    avoidant["tags"] = json!(["avoidant"]);
    app.import_value(&bundle(json!({
        "perspectives": perspectives(),
        "promos": [therapy, promo_json("book", "book"), promo_json("quiz", "quiz")],
        "articles": [anxious, avoidant],
    })))
    .await;
    app
}

async fn stored_clicks(app: &TestApp, slug: &str) -> u64 {
    app.state.clicks.flush().await;
    counted_in_database(app, slug).await
}

/// The clicks stored for `slug`, read from the database without flushing anything.
pub async fn counted_in_database(app: &TestApp, slug: &str) -> u64 {
    let promo = promo::Entity::find()
        .filter(promo::Column::Slug.eq(slug))
        .one(&app.db)
        .await
        .unwrap()
        .unwrap();
    promo_click_count::Entity::find()
        .filter(promo_click_count::Column::PromoId.eq(promo.id))
        .all(&app.db)
        .await
        .unwrap()
        .iter()
        .map(|row| u64::try_from(row.clicks).unwrap())
        .sum()
}

/// Sends `path` byte for byte (no client-side normalisation of `..` or encodings) and returns
/// the status and the `Location` header, if any.
async fn raw_get(app: &TestApp, path: &str) -> (u16, Option<String>) {
    let address = app.base.trim_start_matches("http://");
    let mut stream = tokio::net::TcpStream::connect(address).await.unwrap();
    let request = format!("GET {path} HTTP/1.1\r\nHost: {address}\r\nConnection: close\r\n\r\n");
    stream.write_all(request.as_bytes()).await.unwrap();
    let mut answer = Vec::new();
    stream.read_to_end(&mut answer).await.unwrap();
    let text = String::from_utf8_lossy(&answer);
    let status: u16 = text
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| panic!("no status in {text}"));
    let head = text.split("\r\n\r\n").next().unwrap_or("");
    let location = head.lines().find_map(|line| {
        let (name, value) = line.split_once(':')?;
        name.eq_ignore_ascii_case("location")
            .then(|| value.trim().to_owned())
    });
    (status, location)
}

#[tokio::test]
async fn api_links_are_tracked_and_redirect_exactly_to_the_stored_target() {
    let app = app_with_promo().await;
    let promo = app.data("/api/v1/promos/therapy").await;
    assert_eq!(promo["url"], app.url("/go/therapy"));
    assert_eq!(promo["rel"], "sponsored nofollow");

    let response = no_redirects()
        .get(app.url("/go/therapy"))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::FOUND);
    assert_eq!(response.headers()["location"], TARGET);
    assert_eq!(response.headers()["cache-control"], "no-store");
    assert_eq!(stored_clicks(&app, "therapy").await, 1);
}

#[tokio::test]
async fn nothing_but_a_stored_slug_produces_a_redirect() {
    let app = app_with_promo().await;
    // Each request either redirects to exactly the stored target or does not redirect at all.
    let attempts = [
        "/go/therapy?url=https://evil.example/",
        "/go/therapy?next=//evil.example&redirect=https%3A%2F%2Fevil.example",
        "/go/therapy?%0d%0aLocation:%20https://evil.example",
        "/go/therapy%0d%0aLocation:%20https://evil.example",
        "/go/therapy%2F..%2F..%2Fevil.example",
        "/go/..%2Fadmin",
        "/go/../admin",
        "/go/%2e%2e/admin",
        "/go/https:%2F%2Fevil.example",
        "/go//evil.example",
        "/go/https://evil.example",
        "/go/therapy/https://evil.example",
        "/go/therapy/",
        "/go/THERAPY",
        "/go/therapy%00",
        "/go/",
        "/go",
        "//evil.example/go/therapy",
        "/go/%74herapy",
    ];
    for path in attempts {
        let (status, location) = raw_get(&app, path).await;
        match location {
            Some(location) => {
                assert!(
                    (300..400).contains(&status),
                    "{path}: Location on a {status}"
                );
                assert_eq!(location, TARGET, "{path} redirected elsewhere");
            }
            None => assert!(
                !(300..400).contains(&status),
                "{path}: a {status} without Location"
            ),
        }
    }
    // The percent-encoded slug decodes to the real one; query strings are ignored: those count.
    let counted = stored_clicks(&app, "therapy").await;
    assert_eq!(counted, 4, "the three query variants and %74herapy");
}

#[tokio::test]
async fn unknown_paused_scheduled_and_ended_promos_do_not_redirect() {
    let app = TestApp::empty().await;
    let mut paused = promo_json("paused", "book");
    paused["paused"] = json!(true);
    let mut later = promo_json("later", "book");
    later["starts_at"] = json!(ts(now() + Duration::hours(1)));
    let mut ended = promo_json("ended", "book");
    ended["ends_at"] = json!(hours_ago(1));
    app.import_value(&bundle(json!({"promos": [paused, later, ended]})))
        .await;
    let client = no_redirects();
    for (slug, status) in [
        ("nope", StatusCode::NOT_FOUND),
        ("paused", StatusCode::NOT_FOUND),
        ("later", StatusCode::NOT_FOUND),
        ("ended", StatusCode::GONE),
    ] {
        let response = client
            .get(app.url(&format!("/go/{slug}")))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), status, "{slug}");
        assert!(response.headers().get("location").is_none());
        let body: Value = response.json().await.unwrap();
        assert!(body["error"]["code"].is_string(), "{body}");
    }
}

#[tokio::test]
async fn clicks_are_counted_exactly_under_concurrent_load() {
    let app = app_with_promo().await;
    let clients = 32;
    let each = 25;
    let mut tasks = Vec::new();
    for _ in 0..clients {
        let client = no_redirects();
        let url = app.url("/go/therapy");
        tasks.push(tokio::spawn(async move {
            for _ in 0..each {
                let response = client.get(&url).send().await.unwrap();
                assert_eq!(response.status(), StatusCode::FOUND);
            }
        }));
    }
    for task in tasks {
        task.await.unwrap();
    }
    assert_eq!(stored_clicks(&app, "therapy").await, clients * each);
}

#[tokio::test]
async fn clicks_waiting_to_be_written_survive_a_graceful_shutdown() {
    let app = app_with_promo().await;
    let client = no_redirects();
    for _ in 0..57 {
        client.get(app.url("/go/therapy")).send().await.unwrap();
    }
    // No flush: the clicks are still waiting when the server stops.
    app.state.clicks.shutdown().await;
    assert_eq!(counted_in_database(&app, "therapy").await, 57);
}

#[tokio::test]
async fn head_requests_and_bots_are_redirected_but_not_counted() {
    let app = app_with_promo().await;
    let client = no_redirects();
    let head = client.head(app.url("/go/therapy")).send().await.unwrap();
    assert_eq!(head.status(), StatusCode::FOUND);
    assert_eq!(head.headers()["location"], TARGET);
    for bot in [
        "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)",
        "facebookexternalhit/1.1 (+http://www.facebook.com/externalhit_uatext.php)",
        "Slackbot-LinkExpanding 1.0 (+https://api.slack.com/robots)",
    ] {
        let response = client
            .get(app.url("/go/therapy"))
            .header("user-agent", bot)
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::FOUND, "{bot}");
    }
    assert_eq!(stored_clicks(&app, "therapy").await, 0);
    let person = client
        .get(app.url("/go/therapy"))
        .header(
            "user-agent",
            "Mozilla/5.0 (Macintosh) AppleWebKit/605.1.15 Version/18.0 Safari/605.1.15",
        )
        .header(
            "referer",
            "https://site.example/articles/for-anxious?utm_medium=x",
        )
        .send()
        .await
        .unwrap();
    assert_eq!(person.status(), StatusCode::FOUND);
    assert_eq!(stored_clicks(&app, "therapy").await, 1);
    let click = promo_click_count::Entity::find()
        .one(&app.db)
        .await
        .unwrap()
        .unwrap();
    assert_ne!(click.article_id, 0, "attributed to the article");
}

async fn place(app: &TestApp, promo: &str, slot: &str, tag: Option<&str>, priority: i32) {
    place_for(app, promo, slot, tag, priority, None, None).await;
}

async fn place_for(
    app: &TestApp,
    promo: &str,
    slot: &str,
    tag: Option<&str>,
    priority: i32,
    starts_at: Option<chrono::DateTime<chrono::Utc>>,
    ends_at: Option<chrono::DateTime<chrono::Utc>>,
) {
    let slots = app.state.config.promo_slots.clone();
    tether::operations::promos::place(
        &app.db,
        tether::operations::Actor::command_line(),
        Placement {
            promo: promo.to_owned(),
            slot: slot.to_owned(),
            tag: tag.map(str::to_owned),
            priority,
            starts_at,
            ends_at,
        },
        &slots,
        now(),
    )
    .await
    .unwrap();
    app.caught_up().await;
}

fn slugs(blocks: &Value) -> Vec<&str> {
    blocks
        .as_array()
        .unwrap_or_else(|| panic!("not a list: {blocks}"))
        .iter()
        .map(|b| {
            assert_eq!(b["type"], "promo");
            b["slug"].as_str().unwrap()
        })
        .collect()
}

#[tokio::test]
async fn placements_follow_tags_priorities_and_schedules() {
    let app = app_with_promo().await;
    let before = app.data("/api/v1/articles/for-anxious").await;
    assert_eq!(
        before["placements"],
        json!({"article_start": [], "article_end": [], "sidebar": []}),
        "every slot has a key"
    );

    place(&app, "book", "article_end", None, 0).await;
    place(&app, "therapy", "article_end", Some("anxious"), 10).await;
    let in_an_hour = now() + Duration::hours(1);
    place_for(&app, "quiz", "sidebar", None, 0, Some(in_an_hour), None).await;
    place_for(&app, "book", "sidebar", None, 5, None, Some(in_an_hour)).await;

    let anxious = app.data("/api/v1/articles/for-anxious").await;
    assert_eq!(
        slugs(&anxious["placements"]["article_end"]),
        ["therapy", "book"]
    );
    assert_eq!(
        anxious["placements"]["article_end"][0]["url"],
        app.url("/go/therapy")
    );
    assert_eq!(slugs(&anxious["placements"]["sidebar"]), ["book"]);
    let avoidant = app.data("/api/v1/articles/for-avoidant").await;
    assert_eq!(slugs(&avoidant["placements"]["article_end"]), ["book"]);

    assert_eq!(
        slugs(&app.data("/api/v1/placements/article_end?tag=anxious").await),
        ["therapy", "book"]
    );
    assert_eq!(
        slugs(&app.data("/api/v1/placements/article_end").await),
        ["book"]
    );
    assert_eq!(
        slugs(&app.data("/api/v1/placements/article_end?tag=nobody").await),
        ["book"]
    );

    // Two hours on: the quiz placement has started, the book's sidebar placement has ended.
    app.clock.advance(Duration::hours(2));
    assert_eq!(
        slugs(&app.data("/api/v1/placements/sidebar").await),
        ["quiz"]
    );
    let anxious = app.data("/api/v1/articles/for-anxious").await;
    assert_eq!(slugs(&anxious["placements"]["sidebar"]), ["quiz"]);

    crate::support::assert_error(
        &app,
        "/api/v1/placements/footer",
        StatusCode::NOT_FOUND,
        "not_found",
    )
    .await;
    crate::support::assert_error(
        &app,
        "/api/v1/placements/sidebar?tag=Not%20a%20tag",
        StatusCode::BAD_REQUEST,
        "bad_request",
    )
    .await;
}

#[tokio::test]
async fn paused_promos_leave_articles_and_placements() {
    let app = app_with_promo().await;
    place(&app, "therapy", "article_end", None, 0).await;
    assert_eq!(
        slugs(&app.data("/api/v1/placements/article_end").await),
        ["therapy"]
    );
    tether::operations::promos::set_paused(
        &app.db,
        tether::operations::Actor::command_line(),
        "therapy".into(),
        true,
        now(),
    )
    .await
    .unwrap();
    app.caught_up().await;
    assert!(
        slugs(&app.data("/api/v1/placements/article_end").await).is_empty(),
        "seen on the next request"
    );
    crate::support::assert_error(
        &app,
        "/api/v1/promos/therapy",
        StatusCode::NOT_FOUND,
        "not_found",
    )
    .await;
}

#[tokio::test]
async fn ended_promos_disappear_on_the_next_request_without_a_job() {
    let app = TestApp::start(Options::default()).await;
    let mut offer = promo_json("offer", "affiliate");
    offer["ends_at"] = json!(ts(now() + Duration::minutes(30)));
    let mut article = crate::fixtures::article("story", "Story", &hours_ago(1));
    article["blocks"] = json!([{"type": "promo", "ref": "offer"}]);
    app.import_value(&bundle(json!({"promos": [offer], "articles": [article]})))
        .await;
    place(&app, "offer", "sidebar", None, 0).await;

    // Read (and cache) everything while it runs.
    assert_eq!(
        app.data("/api/v1/articles/story").await["blocks"][0]["slug"],
        "offer"
    );
    assert_eq!(
        slugs(&app.data("/api/v1/placements/sidebar").await),
        ["offer"]
    );
    assert_eq!(app.data("/api/v1/promos/offer").await["slug"], "offer");
    let client = no_redirects();
    let running = client.get(app.url("/go/offer")).send().await.unwrap();
    assert_eq!(running.status(), StatusCode::FOUND);

    app.clock.advance(Duration::minutes(31));
    let story = app.data("/api/v1/articles/story").await;
    assert_eq!(story["blocks"], json!([]));
    assert_eq!(story["placements"]["sidebar"], json!([]));
    assert!(slugs(&app.data("/api/v1/placements/sidebar").await).is_empty());
    crate::support::assert_error(
        &app,
        "/api/v1/promos/offer",
        StatusCode::NOT_FOUND,
        "not_found",
    )
    .await;
    let ended = client.get(app.url("/go/offer")).send().await.unwrap();
    assert_eq!(ended.status(), StatusCode::GONE);
}
