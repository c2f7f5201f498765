//! Field rules shared by every way content enters Tether: slugs, lengths, URLs, tags.

use crate::domain::problems::Problems;

pub const SLUG_MAX: usize = 120;
pub const TAG_MAX: usize = 60;
pub const TAGS_PER_ARTICLE_MAX: usize = 30;
pub const URL_MAX: usize = 2048;

/// Lowercase ASCII letters and digits in runs joined by single hyphens, 1 to 120 characters.
pub fn is_valid_slug(slug: &str) -> bool {
    is_slug_shaped(slug, SLUG_MAX)
}

fn is_slug_shaped(text: &str, max: usize) -> bool {
    !text.is_empty()
        && text.len() <= max
        && text.split('-').all(|run| {
            !run.is_empty()
                && run
                    .bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit())
        })
}

pub fn check_slug(problems: &mut Problems, path: &str, slug: &str) {
    check_shape(problems, path, slug, "slug", SLUG_MAX);
}

/// Refuses `text` unless it has the slug shape and at most `max` characters; `what` names it.
fn check_shape(problems: &mut Problems, path: &str, text: &str, what: &str, max: usize) {
    if !is_slug_shaped(text, max) {
        problems.push(
            path,
            format!(
                "\"{text}\" is not a valid {what}: use 1 to {max} lowercase letters and digits, \
                 joined by single hyphens"
            ),
        );
    }
}

/// Proposes a slug from a title: lowercase ASCII letters and digits, other runs a hyphen.
pub fn slug_from_title(title: &str) -> String {
    let mut slug = String::new();
    for c in title.chars().flat_map(char::to_lowercase) {
        if c.is_ascii_alphanumeric() {
            slug.push(c);
        } else if !slug.is_empty() && !slug.ends_with('-') {
            slug.push('-');
        }
    }
    slug.trim_end_matches('-')
        .chars()
        .take(SLUG_MAX)
        .collect::<String>()
        .trim_end_matches('-')
        .to_owned()
}

/// Tags follow the slug shape, shorter: they appear in URLs as `?tag=`.
pub fn is_valid_tag(tag: &str) -> bool {
    is_slug_shaped(tag, TAG_MAX)
}

pub fn check_tag(problems: &mut Problems, path: &str, tag: &str) {
    check_shape(problems, path, tag, "tag", TAG_MAX);
}

/// Required text: not blank, at most `max` characters.
pub fn check_required(problems: &mut Problems, path: &str, text: &str, max: usize) {
    if text.trim().is_empty() {
        problems.push(path, "must not be empty");
    } else {
        check_max_len(problems, path, text, max);
    }
}

/// Optional text: at most `max` characters.
pub fn check_optional(problems: &mut Problems, path: &str, text: Option<&str>, max: usize) {
    if let Some(text) = text {
        check_max_len(problems, path, text, max);
    }
}

pub fn check_max_len(problems: &mut Problems, path: &str, text: &str, max: usize) {
    let len = text.chars().count();
    if len > max {
        problems.push(
            path,
            format!("is {len} characters long; at most {max} are allowed"),
        );
    }
}

/// An absolute `http://` or `https://` URL with a host.
pub fn check_http_url(problems: &mut Problems, path: &str, text: &str) {
    if text.len() > URL_MAX {
        problems.push(path, format!("is longer than {URL_MAX} bytes"));
        return;
    }
    match url::Url::parse(text) {
        Ok(url)
            if matches!(url.scheme(), "http" | "https")
                && url.host_str().is_some_and(|h| !h.is_empty()) =>
        {
            if text.chars().any(char::is_control) || text.contains(' ') {
                problems.push(path, "must not contain spaces or control characters");
            } else if !text.is_ascii() {
                // Tracked links answer with this exact text as `Location`, which must be ASCII.
                problems.push(
                    path,
                    format!(
                        "must be plain ASCII; write it percent-encoded: {}",
                        url.as_str()
                    ),
                );
            }
        }
        _ => problems.push(
            path,
            format!("\"{text}\" is not an absolute http:// or https:// URL"),
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slugs() {
        for ok in ["a", "abc-123", "anxious-avoidant-dynamic", &"a".repeat(120)] {
            assert!(is_valid_slug(ok), "{ok}");
        }
        for bad in [
            "",
            "-a",
            "a-",
            "a--b",
            "A",
            "a_b",
            "a b",
            "é",
            &"a".repeat(121),
        ] {
            assert!(!is_valid_slug(bad), "{bad}");
        }
    }

    #[test]
    fn slugs_from_titles() {
        assert_eq!(
            slug_from_title("The Anxious-Avoidant Relationship Dynamic"),
            "the-anxious-avoidant-relationship-dynamic"
        );
        assert_eq!(slug_from_title("  What's   next?! "), "what-s-next");
        assert_eq!(slug_from_title("Été 2026"), "t-2026");
        assert_eq!(slug_from_title("!!!"), "");
    }

    #[test]
    fn urls() {
        let check = |u: &str| {
            let mut p = Problems::new();
            check_http_url(&mut p, "u", u);
            p.is_empty()
        };
        assert!(check("https://partner.example/therapy?x=1"));
        assert!(check("http://example.com"));
        for bad in [
            "javascript:alert(1)",
            "/relative",
            "ftp://x.example",
            "https://",
            "https://a b.example",
            "mailto:a@b.c",
        ] {
            assert!(!check(bad), "{bad}");
        }
    }
}
