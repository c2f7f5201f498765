//! Requests dropped at any moment (a reader's client giving up, a timeout) never leave a pooled
//! connection inside a transaction: afterwards every connection of the server's pool is idle
//! (PostgreSQL's `pg_stat_activity`) or can begin a transaction of its own (SQLite).

use std::time::Duration;

use axum::body::Body;
use axum::http::Request;
use sea_orm::{ConnectionTrait, DatabaseBackend, Statement};
use tether::domain::accounts::Role;
use tower::ServiceExt;

use crate::admin_support::{PASSWORD, create_user};
use crate::support::{Options, TestApp};

/// A small deterministic generator, so a failure can be replayed.
struct Lcg(u64);

impl Lcg {
    fn below(&mut self, n: u64) -> u64 {
        self.0 = self
            .0
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        (self.0 >> 33) % n
    }
}

fn token_in(body: &str, name: &str) -> String {
    let marker = format!("name=\"{name}\" value=\"");
    let start = body.find(&marker).expect("field") + marker.len();
    let end = body[start..].find('"').unwrap() + start;
    body[start..end].to_owned()
}

#[tokio::test]
async fn requests_dropped_at_random_points_leave_no_connection_in_a_transaction() {
    let app = TestApp::start(Options {
        sample: true,
        read_cache: false,
        ..Options::default()
    })
    .await;
    let mut random = Lcg(0x7e7e_0001);

    // Public reads, cut off by the server's own timeout at a random moment.
    let router = tether::http::router(app.state.clone());
    let paths = [
        "/api/v1/articles?page=1",
        "/api/v1/articles?q=anxious%20partner",
        "/api/v1/articles?tag=avoidant",
        "/api/v1/articles/anxious-avoidant-relationship-dynamic",
        "/api/v1/feeling-lists/anxious-avoidant-feelings",
        "/api/v1/placements/sidebar",
    ];
    for i in 0..300 {
        let path = paths[i % paths.len()];
        let request = Request::get(path).body(Body::empty()).unwrap();
        let wait = Duration::from_micros(random.below(3_000));
        let _ = tokio::time::timeout(wait, router.clone().oneshot(request)).await;
    }

    // Saves, whose clients give up at a random moment.
    create_user(&app, "ed@example.com", Role::Editor).await;
    let client = reqwest::Client::builder()
        .cookie_store(true)
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let login = client.get(app.url("/admin/login")).send().await.unwrap();
    let token = token_in(&login.text().await.unwrap(), "csrf_token");
    let signed = client
        .post(app.url("/admin/login"))
        .form(&[
            ("csrf_token", token.as_str()),
            ("email", "ed@example.com"),
            ("password", PASSWORD),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(signed.status(), reqwest::StatusCode::SEE_OTHER);
    let editor = "/admin/articles/anxious-avoidant-relationship-dynamic";
    let mut answered = 0;
    for i in 0..60 {
        let form = client.get(app.url(editor)).send().await.unwrap();
        let body = form.text().await.unwrap();
        let fields = [
            ("csrf_token", token_in(&body, "csrf_token")),
            ("version", token_in(&body, "version")),
            ("title", format!("Title {i}")),
            ("slug", "anxious-avoidant-relationship-dynamic".to_owned()),
            ("status", "published".to_owned()),
            ("published_at", "2026-11-01T09:00".to_owned()),
            ("block_type", "text".to_owned()),
            ("block_heading", String::new()),
            ("block_body", format!("Body {i}")),
            ("block_ref", String::new()),
            ("action", "save".to_owned()),
        ];
        let wait = Duration::from_micros(500 + random.below(20_000));
        let sent = client
            .post(app.url(editor))
            .timeout(wait)
            .form(&fields)
            .send()
            .await;
        answered += usize::from(sent.is_ok());
    }
    assert!(answered < 60, "some requests must have been cut off");

    // Every transaction begun has ended: spawned transactions finish on their own.
    tokio::time::sleep(Duration::from_millis(500)).await;
    let server = app.state.db.conn();
    match server.get_database_backend() {
        DatabaseBackend::Postgres => {
            let rows = app
                .db
                .query_all_raw(Statement::from_string(
                    DatabaseBackend::Postgres,
                    "SELECT state FROM pg_stat_activity \
                     WHERE datname = current_database() AND pid <> pg_backend_pid()",
                ))
                .await
                .unwrap();
            let states: Vec<String> = rows
                .iter()
                .map(|r| {
                    r.try_get::<Option<String>>("", "state")
                        .unwrap()
                        .unwrap_or_default()
                })
                .collect();
            assert!(
                states.iter().all(|s| !s.starts_with("idle in transaction")),
                "{states:?}"
            );
        }
        _ => {
            // Hold every connection of the server's pool at once and begin on each: one left
            // inside a transaction would refuse.
            let pool = server.get_sqlite_connection_pool();
            let mut held = Vec::new();
            for _ in 0..pool.size() {
                held.push(pool.acquire().await.unwrap());
            }
            for conn in &mut held {
                sea_orm::sqlx::query("BEGIN")
                    .execute(&mut **conn)
                    .await
                    .expect("a connection outside any transaction");
                sea_orm::sqlx::query("ROLLBACK")
                    .execute(&mut **conn)
                    .await
                    .unwrap();
            }
        }
    }
    // And the server still answers and writes.
    assert_eq!(
        app.get("/api/v1/articles").await.status(),
        reqwest::StatusCode::OK
    );
}
