//! The OpenAPI document describes what the server really answers: real responses of every
//! endpoint are validated against the schemas in the served document.

use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::support::TestApp;

/// Validates `instance` against the response schema the document gives for `path` and `status`.
fn validate(doc: &Value, path: &str, status: &str, instance: &Value) {
    let schema =
        &doc["paths"][path]["get"]["responses"][status]["content"]["application/json"]["schema"];
    assert!(
        schema.is_object(),
        "no {status} JSON schema documented for {path}"
    );
    let mut root = schema.clone();
    root["components"] = doc["components"].clone();
    let validator = jsonschema::validator_for(&root).expect("the schema compiles");
    let errors: Vec<String> = validator
        .iter_errors(instance)
        .map(|e| format!("{e} at {}", e.instance_path()))
        .collect();
    assert!(
        errors.is_empty(),
        "{path} {status} does not match its schema:\n{}\n{instance:#}",
        errors.join("\n")
    );
}

#[tokio::test]
async fn real_answers_match_the_document() {
    let app = TestApp::with_sample().await;
    let (status, doc) = app.get_json("/api/openapi.json").await;
    assert_eq!(status, StatusCode::OK);
    assert!(doc["openapi"].as_str().unwrap().starts_with("3."));

    let cases = [
        ("/api/v1/articles", "/api/v1/articles?per_page=5", "200"),
        ("/api/v1/articles", "/api/v1/articles?page=0", "400"),
        (
            "/api/v1/articles/{slug}",
            "/api/v1/articles/anxious-avoidant-relationship-dynamic",
            "200",
        ),
        ("/api/v1/articles/{slug}", "/api/v1/articles/missing", "404"),
        (
            "/api/v1/feeling-lists/{slug}",
            "/api/v1/feeling-lists/anxious-avoidant-feelings",
            "200",
        ),
        (
            "/api/v1/feeling-lists/{slug}",
            "/api/v1/feeling-lists/missing",
            "404",
        ),
        (
            "/api/v1/step-guides/{slug}",
            "/api/v1/step-guides/anxious-avoidant-what-to-do",
            "200",
        ),
        (
            "/api/v1/step-guides/{slug}",
            "/api/v1/step-guides/missing",
            "404",
        ),
        (
            "/api/v1/promos/{slug}",
            "/api/v1/promos/online-therapy",
            "200",
        ),
        (
            "/api/v1/promos/{slug}",
            "/api/v1/promos/attachment-style-book",
            "200",
        ),
        ("/api/v1/promos/{slug}", "/api/v1/promos/missing", "404"),
        ("/api/v1/perspectives", "/api/v1/perspectives", "200"),
        ("/healthz", "/healthz", "200"),
    ];
    for (template, path, status) in cases {
        let (actual, body) = app.get_json(path).await;
        assert_eq!(actual.as_str(), status, "{path}");
        validate(&doc, template, status, &body);
    }
}

#[tokio::test]
async fn every_public_endpoint_is_documented() {
    let app = TestApp::empty().await;
    let doc = app.data_or_whole("/api/openapi.json").await;
    let mut paths: Vec<&str> = doc["paths"]
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    paths.sort();
    assert_eq!(
        paths,
        [
            "/api/v1/articles",
            "/api/v1/articles/{slug}",
            "/api/v1/feeling-lists/{slug}",
            "/api/v1/perspectives",
            "/api/v1/placements/{slot}",
            "/api/v1/promos/{slug}",
            "/api/v1/step-guides/{slug}",
            "/healthz"
        ]
    );
    // The block union documents all four block types.
    let text = doc.to_string();
    for kind in ["text", "feelings", "steps", "promo"] {
        assert!(
            text.contains(&json!(kind).to_string()),
            "block type {kind} undocumented"
        );
    }
}
