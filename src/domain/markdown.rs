//! Markdown to sanitized HTML for the public API's `html` fields.
//!
//! pulldown-cmark renders CommonMark (with tables, strikethrough and task lists); ammonia then
//! keeps formatting and drops every script, event-handler attribute and `javascript:` URL, so a
//! frontend can insert the result as HTML.

use pulldown_cmark::{Options, Parser, html};

pub fn to_safe_html(markdown: &str) -> String {
    let options =
        Options::ENABLE_TABLES | Options::ENABLE_STRIKETHROUGH | Options::ENABLE_TASKLISTS;
    let mut unsafe_html = String::with_capacity(markdown.len() * 3 / 2);
    html::push_html(&mut unsafe_html, Parser::new_ext(markdown, options));
    ammonia::Builder::default()
        .link_rel(Some("noopener noreferrer"))
        .clean(&unsafe_html)
        .to_string()
}

#[cfg(test)]
mod tests {
    use super::to_safe_html;

    #[test]
    fn keeps_formatting() {
        let html = to_safe_html("**bold** and *it* and [link](https://example.com)");
        assert!(html.contains("<strong>bold</strong>"));
        assert!(html.contains("<em>it</em>"));
        assert!(html.contains("href=\"https://example.com\""));
    }

    #[test]
    fn removes_hostile_markup() {
        let html = to_safe_html(
            "<script>alert(1)</script>\n\n<img src=x onerror=alert(1)>\n\n[x](javascript:alert(1))\n\n<a href=\"javascript:alert(2)\">y</a>",
        );
        assert!(!html.contains("<script"), "{html}");
        assert!(!html.contains("onerror"), "{html}");
        assert!(!html.contains("javascript:"), "{html}");
    }

    #[test]
    fn escapes_special_characters() {
        assert_eq!(to_safe_html("a < b & c"), "<p>a &lt; b &amp; c</p>\n");
    }
}
