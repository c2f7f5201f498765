//! The shipped sample: the real page, line by line, back from the public API.

use serde_json::Value;

use crate::support::TestApp;

const PAGE: &str = include_str!("../fixtures/anxious-avoidant-page.txt");
const SLUG: &str = "anxious-avoidant-relationship-dynamic";

/// Strips what the page shows as decoration: bullets, step numbers, perspective labels.
fn normalize_page_line(line: &str) -> String {
    let mut line = line.trim().trim_start_matches('•').trim();
    if let Some((number, rest)) = line.split_once(". ")
        && number.chars().all(|c| c.is_ascii_digit())
    {
        line = rest;
    }
    if line.starts_with('(')
        && let Some((_, rest)) = line.split_once(") ")
    {
        line = rest;
    }
    line.to_owned()
}

/// The article as a reader sees it, one line per piece of text, in order.
fn reader_lines(article: &Value) -> Vec<String> {
    let mut lines = vec![
        article["title"].as_str().unwrap().to_owned(),
        article["subtitle"].as_str().unwrap().to_owned(),
    ];
    let mut push = |v: &Value| {
        if let Some(s) = v.as_str() {
            lines.push(s.to_owned());
        }
    };
    for block in article["blocks"].as_array().unwrap() {
        match block["type"].as_str().unwrap() {
            "text" => {
                push(&block["heading"]);
                push(&block["body"]);
            }
            "feelings" => {
                push(&block["title"]);
                for item in block["items"].as_array().unwrap() {
                    push(&item["text"]);
                }
            }
            "steps" => {
                push(&block["title"]);
                for item in block["items"].as_array().unwrap() {
                    push(&Value::String(format!(
                        "{} {}",
                        item["title"].as_str().unwrap(),
                        item["body"].as_str().unwrap()
                    )));
                }
            }
            "promo" => {
                for field in [
                    "icon",
                    "eyebrow",
                    "title",
                    "body",
                    "cta_label",
                    "disclosure",
                ] {
                    push(&block[field]);
                }
            }
            other => panic!("unexpected block type {other}"),
        }
    }
    lines
}

#[tokio::test]
async fn every_line_of_the_page_comes_back_in_order() {
    let app = TestApp::with_sample().await;
    let article = app.data(&format!("/api/v1/articles/{SLUG}")).await;
    let expected: Vec<String> = PAGE
        .lines()
        .filter(|l| !l.trim().is_empty())
        .map(normalize_page_line)
        .collect();
    assert_eq!(reader_lines(&article), expected);
}

#[tokio::test]
async fn sample_blocks_have_the_right_kinds_perspectives_and_promo_rules() {
    let app = TestApp::with_sample().await;
    let article = app.data(&format!("/api/v1/articles/{SLUG}")).await;
    let blocks = article["blocks"].as_array().unwrap();
    let kinds: Vec<&str> = blocks.iter().map(|b| b["type"].as_str().unwrap()).collect();
    assert_eq!(
        kinds,
        [
            "text", "text", "feelings", "steps", "text", "promo", "promo", "promo"
        ]
    );

    let feelings = &blocks[2];
    let perspectives: Vec<&str> = feelings["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["perspective"].as_str().unwrap())
        .collect();
    assert_eq!(
        perspectives,
        ["anxious", "avoidant", "both", "anxious", "avoidant", "both"]
    );
    assert_eq!(feelings["items"][0]["perspective_label"], "Anxious partner");
    assert_eq!(feelings["items"][2]["perspective_label"], "Both");

    let steps = blocks[3]["items"].as_array().unwrap();
    let numbers: Vec<u64> = steps
        .iter()
        .map(|s| s["number"].as_u64().unwrap())
        .collect();
    assert_eq!(numbers, [1, 2, 3, 4, 5]);
    assert_eq!(steps[1]["perspective"], "anxious");
    assert_eq!(steps[2]["perspective"], "avoidant");
    assert!(
        steps[0]["html"]
            .as_str()
            .unwrap()
            .starts_with("<p>Read about")
    );

    let therapy = &blocks[5];
    assert_eq!(therapy["kind"], "affiliate");
    assert_eq!(therapy["rel"], "sponsored nofollow");
    assert_eq!(
        therapy["disclosure"],
        "Affiliate link — we may earn a commission at no extra cost to you."
    );
    // Readers follow Tether's tracked link, which redirects to the stored target.
    assert_eq!(
        therapy["url"],
        app.url("/go/online-therapy"),
        "the tracked link starts with TETHER_PUBLIC_URL"
    );
    assert_eq!(blocks[6]["kind"], "book");
    assert_eq!(blocks[7]["kind"], "quiz");
    assert_eq!(blocks[7]["cta_label"], "Take the Free Quiz →");
    assert_ne!(blocks[7]["rel"], "sponsored nofollow");
    // The sample also places the quiz in every article's sidebar.
    assert_eq!(
        article["placements"]["sidebar"][0]["slug"],
        "attachment-style-quiz"
    );
    assert_eq!(article["placements"]["article_end"], serde_json::json!([]));
}

#[tokio::test]
async fn sample_pieces_are_served_on_their_own() {
    let app = TestApp::with_sample().await;
    let list = app
        .data("/api/v1/feeling-lists/anxious-avoidant-feelings")
        .await;
    assert_eq!(list["title"], "What You Might Be Feeling");
    assert_eq!(list["items"].as_array().unwrap().len(), 6);
    assert!(list.get("type").is_none());
    let guide = app
        .data("/api/v1/step-guides/anxious-avoidant-what-to-do")
        .await;
    assert_eq!(guide["items"][4]["title"], "Consider couples therapy.");
    let promo = app.data("/api/v1/promos/online-therapy").await;
    assert_eq!(promo["title"], "Talk to a Licensed Therapist");
    let perspectives = app.data("/api/v1/perspectives").await;
    assert_eq!(
        perspectives,
        serde_json::json!([
            {"key": "anxious", "label": "Anxious partner"},
            {"key": "avoidant", "label": "Avoidant partner"},
            {"key": "both", "label": "Both"}
        ])
    );
}
