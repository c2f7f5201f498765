//! Feeling lists, step guides and perspectives on their own.

use serde_json::json;

use crate::fixtures::{bundle, perspectives};
use crate::support::TestApp;

#[tokio::test]
async fn feeling_lists_and_step_guides_keep_their_order_and_perspectives() {
    let app = TestApp::empty().await;
    app.import_value(&bundle(json!({
        "perspectives": perspectives(),
        "feeling_lists": [{"slug": "list", "title": "Feelings", "items": [
            {"perspective": "avoidant", "text": "Second? No, first"},
            {"perspective": "anxious", "text": "Then this"}
        ]}],
        "step_guides": [{"slug": "guide", "title": "Steps", "steps": [
            {"title": "Lead one.", "body": "Body *one*.", "perspective": null},
            {"title": "Lead two.", "body": "", "perspective": "anxious"}
        ]}]
    })))
    .await;
    assert_eq!(
        app.data("/api/v1/feeling-lists/list").await,
        json!({"slug": "list", "title": "Feelings", "items": [
            {"perspective": "avoidant", "perspective_label": "Avoidant partner", "text": "Second? No, first"},
            {"perspective": "anxious", "perspective_label": "Anxious partner", "text": "Then this"}
        ]})
    );
    assert_eq!(
        app.data("/api/v1/step-guides/guide").await,
        json!({"slug": "guide", "title": "Steps", "items": [
            {"number": 1, "title": "Lead one.", "body": "Body *one*.", "html": "<p>Body <em>one</em>.</p>\n", "perspective": null},
            {"number": 2, "title": "Lead two.", "body": "", "html": "", "perspective": "anxious"}
        ]})
    );
}

#[tokio::test]
async fn perspectives_keep_the_order_they_were_defined_in() {
    let app = TestApp::empty().await;
    app.import_value(&bundle(json!({"perspectives": [
        {"key": "zeta", "label": "Z"}, {"key": "alpha", "label": "A"}
    ]})))
    .await;
    app.import_value(&bundle(
        json!({"perspectives": [{"key": "middle", "label": "M"}, {"key": "zeta", "label": "Zed"}]}),
    ))
    .await;
    assert_eq!(
        app.data("/api/v1/perspectives").await,
        json!([{"key": "zeta", "label": "Zed"}, {"key": "alpha", "label": "A"}, {"key": "middle", "label": "M"}])
    );
}
