//! Stored values and the rules every way in shares: a word the code does not know is an error
//! naming its row (never a silent default), a scheduled time in the past is refused by import as
//! by the admin, and a scheduled article that went live exports as published, so the round trip
//! stays exact.

use chrono::Duration;
use sea_orm::{ConnectionTrait, DatabaseBackend};
use serde_json::json;
use tether::storage::{StorageError, bundle};

use crate::fixtures::{article, bundle as bundle_json, ts};
use crate::support::{TestApp, TestDatabase, import, now};

#[tokio::test]
async fn an_unknown_stored_status_is_an_error_that_names_the_row() {
    let app = TestApp::empty().await;
    app.import_value(&bundle_json(
        json!({"articles": [article("a", "A", &ts(now()))]}),
    ))
    .await;
    // Only a hand-made change can store such a word: the schema's CHECK refuses it.
    match app.db.get_database_backend() {
        DatabaseBackend::Postgres => {
            app.db
                .execute_unprepared("ALTER TABLE articles DROP CONSTRAINT articles_status_check")
                .await
                .unwrap();
            app.db
                .execute_unprepared("UPDATE articles SET status = 'publishd'")
                .await
                .unwrap();
        }
        _ => {
            let pool = app.db.conn().get_sqlite_connection_pool();
            let mut conn = pool.acquire().await.unwrap();
            sea_orm::sqlx::query("PRAGMA ignore_check_constraints = ON")
                .execute(&mut *conn)
                .await
                .unwrap();
            sea_orm::sqlx::query("UPDATE articles SET status = 'publishd'")
                .execute(&mut *conn)
                .await
                .unwrap();
            sea_orm::sqlx::query("PRAGMA ignore_check_constraints = OFF")
                .execute(&mut *conn)
                .await
                .unwrap();
        }
    }
    let error = bundle::export(&app.db, now()).await.unwrap_err();
    let StorageError::UnknownValue(message) = &error else {
        panic!("{error:?}");
    };
    assert!(message.contains("\"publishd\""), "{message}");
    assert!(message.contains("the row with id 1"), "{message}");
    assert!(
        message.contains("draft, published, scheduled, archived"),
        "{message}"
    );
}

#[tokio::test]
async fn import_refuses_a_scheduled_time_in_the_past_as_the_admin_does() {
    let app = TestApp::empty().await;
    let mut late = article("late", "Late", &ts(now() - Duration::hours(1)));
    late["status"] = json!("scheduled");
    let refused = app
        .import(&bundle_json(json!({"articles": [late]})).to_string())
        .await
        .unwrap_err();
    assert!(
        refused
            .contains("articles[0].published_at: a scheduled article needs a time in the future"),
        "{refused}"
    );
}

#[tokio::test]
async fn a_scheduled_article_that_went_live_exports_as_published_and_round_trips() {
    let app = TestApp::empty().await;
    let mut soon = article("soon", "Soon", &ts(now() + Duration::minutes(5)));
    soon["status"] = json!("scheduled");
    app.import_value(&bundle_json(json!({"articles": [soon]})))
        .await;
    let later = now() + Duration::hours(1);
    let first = bundle::export(&app.db, later).await.unwrap();
    assert_eq!(first.articles[0].status.as_str(), "published");

    let other = TestDatabase::create().await;
    let other_db = other.connect().await;
    import(&other_db, &first.to_json()).await.unwrap();
    let second = bundle::export(&other_db, later).await.unwrap();
    assert_eq!(first.to_json(), second.to_json());
}
