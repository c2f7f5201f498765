//! Promotion rules: a promo's status and whether readers see it, placements into named slots
//! (validation, which ones run), how promo links are marked, which requests count as clicks, and
//! where a click came from.
//!
//! Like publishing, everything here follows the clock at request time; no job flips a status.
//! [`promo_shows`] is the one answer to "do readers see this promo now": articles, placements,
//! the promo's own API path and its tracked link all ask it.

use serde::{Deserialize, Serialize};

use crate::domain::content::PromoKind;
use crate::domain::problems::{Problems, join};
use crate::domain::rules;
use crate::domain::timestamp::{self, Timestamp};

pub const SLOT_MAX: usize = 60;
pub const PRIORITY_RANGE: std::ops::RangeInclusive<i32> = -1000..=1000;

/// The text prefilled as an affiliate promo's disclosure until an admin sets another.
pub const DEFAULT_DISCLOSURE: &str =
    "Affiliate link — we may earn a commission at no extra cost to you.";

word_enum! {
    /// Where a promo stands at a moment.
    pub enum PromoStatus {
        Running = "running",
        Scheduled = "scheduled",
        Expired = "expired",
        Paused = "paused",
    }
}

impl PromoStatus {
    /// Paused wins over the schedule; an ended promo is expired even if it was paused.
    pub fn at(
        paused: bool,
        starts_at: Option<Timestamp>,
        ends_at: Option<Timestamp>,
        now: Timestamp,
    ) -> Self {
        if ends_at.is_some_and(|e| e <= now) {
            Self::Expired
        } else if paused {
            Self::Paused
        } else if starts_at.is_some_and(|s| now < s) {
            Self::Scheduled
        } else {
            Self::Running
        }
    }

    /// Whether readers see a promo in this state.
    pub fn shows(self) -> bool {
        self == Self::Running
    }
}

/// Whether readers see a promo now (inside its window and not paused).
pub fn promo_shows(
    paused: bool,
    starts_at: Option<Timestamp>,
    ends_at: Option<Timestamp>,
    now: Timestamp,
) -> bool {
    PromoStatus::at(paused, starts_at, ends_at, now).shows()
}

/// A window runs from `starts_at` (inclusive) until `ends_at` (exclusive); open ends are
/// unbounded. Promos and placements both have one.
pub fn window_is_open(
    starts_at: Option<Timestamp>,
    ends_at: Option<Timestamp>,
    now: Timestamp,
) -> bool {
    starts_at.is_none_or(|s| s <= now) && ends_at.is_none_or(|e| now < e)
}

/// The next moment after `now` at which a window opens or closes.
pub fn window_next_change(
    starts_at: Option<Timestamp>,
    ends_at: Option<Timestamp>,
    now: Timestamp,
) -> Option<Timestamp> {
    [starts_at, ends_at]
        .into_iter()
        .flatten()
        .filter(|t| *t > now)
        .min()
}

/// The `rel` attribute a frontend must put on a promo's link: affiliate links are sponsored.
pub fn promo_link_rel(kind: PromoKind) -> &'static str {
    match kind {
        PromoKind::Affiliate => "sponsored nofollow",
        PromoKind::Book | PromoKind::Quiz | PromoKind::Cta => "noopener",
    }
}

/// Whether a promo of this kind must carry a disclosure readers are shown.
pub fn needs_disclosure(kind: PromoKind) -> bool {
    kind == PromoKind::Affiliate
}

/// A slot name: lowercase letters, digits and single underscores (`article_end`).
pub fn is_valid_slot(slot: &str) -> bool {
    !slot.is_empty()
        && slot.len() <= SLOT_MAX
        && slot.split('_').all(|run| {
            !run.is_empty()
                && run
                    .bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit())
        })
}

/// A promo placed into a slot: optionally only for articles with `tag`, higher `priority` first,
/// shown inside its own window (and the promo's).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Placement {
    pub promo: String,
    pub slot: String,
    #[serde(default)]
    pub tag: Option<String>,
    #[serde(default)]
    pub priority: i32,
    #[serde(default, with = "timestamp::option")]
    pub starts_at: Option<Timestamp>,
    #[serde(default, with = "timestamp::option")]
    pub ends_at: Option<Timestamp>,
}

impl Placement {
    /// Checks the placement's own fields; `slots` are the site's slots (`None`: any well-formed
    /// name, as for bundles, whose slots are checked when served).
    pub fn validate(&self, path: &str, slots: Option<&[String]>, problems: &mut Problems) {
        rules::check_slug(problems, &join(path, "promo"), &self.promo);
        let slot_path = join(path, "slot");
        if !is_valid_slot(&self.slot) {
            problems.push(
                slot_path,
                format!(
                    "\"{}\" is not a slot name: use lowercase letters and digits joined by \
                     single underscores",
                    self.slot
                ),
            );
        } else if let Some(slots) = slots
            && !slots.contains(&self.slot)
        {
            problems.push(
                slot_path,
                format!(
                    "unknown slot \"{}\"; this site's slots are {}",
                    self.slot,
                    slots.join(", ")
                ),
            );
        }
        if let Some(tag) = &self.tag {
            rules::check_tag(problems, &join(path, "tag"), tag);
        }
        if !PRIORITY_RANGE.contains(&self.priority) {
            problems.push(
                join(path, "priority"),
                format!(
                    "must be a whole number from {} to {}",
                    PRIORITY_RANGE.start(),
                    PRIORITY_RANGE.end()
                ),
            );
        }
        if let (Some(starts), Some(ends)) = (self.starts_at, self.ends_at)
            && ends <= starts
        {
            problems.push(join(path, "ends_at"), "must be later than starts_at");
        }
    }

    /// Whether the placement applies to a page with these tags (untargeted ones apply to all).
    pub fn targets(&self, tags: &[String]) -> bool {
        self.tag.as_ref().is_none_or(|t| tags.contains(t))
    }

    /// Whether the placement's own window is open (readers see it only while its promo shows
    /// too).
    pub fn is_running(&self, now: Timestamp) -> bool {
        window_is_open(self.starts_at, self.ends_at, now)
    }
}

/// Well-known robots, link previewers and monitors, matched case-insensitively in the
/// User-Agent. Their requests are redirected but not counted as clicks.
const BOT_MARKERS: &[&str] = &[
    "bot",
    "crawl",
    "spider",
    "slurp",
    "facebookexternalhit",
    "facebookcatalog",
    "embedly",
    "preview",
    "pingdom",
    "uptimerobot",
    "lighthouse",
    "python-requests",
    "headlesschrome",
    "wget",
    "curl/",
    "go-http-client",
];

pub fn is_bot(user_agent: &str) -> bool {
    let ua = user_agent.to_ascii_lowercase();
    BOT_MARKERS.iter().any(|marker| ua.contains(marker))
}

/// The article a click came from, coarsely: the last path segment of the referring page, when it
/// has the shape of a slug (frontends usually end article URLs with the slug). Nothing else of
/// the referrer is kept.
pub fn referring_slug(referrer: &str) -> Option<String> {
    let parsed = url::Url::parse(referrer).ok()?;
    let segment = parsed.path_segments()?.rev().find(|s| !s.is_empty())?;
    rules::is_valid_slug(segment).then(|| segment.to_owned())
}

/// The tracked link readers follow: `{public_url}/go/{slug}`.
pub fn tracked_url(public_url: &str, slug: &str) -> String {
    format!("{public_url}/go/{slug}")
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::{Duration, Utc};

    #[test]
    fn status_follows_the_clock() {
        let now = Utc::now();
        let past = Some(now - Duration::days(1));
        let future = Some(now + Duration::days(1));
        assert_eq!(
            PromoStatus::at(false, None, None, now),
            PromoStatus::Running
        );
        assert_eq!(
            PromoStatus::at(false, future, None, now),
            PromoStatus::Scheduled
        );
        assert_eq!(
            PromoStatus::at(false, None, past, now),
            PromoStatus::Expired
        );
        assert_eq!(
            PromoStatus::at(true, past, future, now),
            PromoStatus::Paused
        );
        assert_eq!(PromoStatus::at(true, None, past, now), PromoStatus::Expired);
        assert_eq!(
            PromoStatus::at(false, None, Some(now), now),
            PromoStatus::Expired
        );
    }

    #[test]
    fn windows_are_half_open() {
        let now = Utc::now();
        assert!(window_is_open(None, None, now));
        assert!(window_is_open(Some(now), None, now));
        assert!(!window_is_open(None, Some(now), now));
        assert!(!window_is_open(Some(now + Duration::seconds(1)), None, now));
        assert_eq!(
            window_next_change(
                Some(now - Duration::days(1)),
                Some(now + Duration::days(1)),
                now
            ),
            Some(now + Duration::days(1))
        );
        assert!(promo_shows(false, None, None, now));
        assert!(!promo_shows(true, None, None, now));
        assert!(!promo_shows(
            false,
            Some(now + Duration::days(1)),
            None,
            now
        ));
        assert!(!promo_shows(false, None, Some(now), now));
    }

    #[test]
    fn slot_names() {
        for ok in ["article_end", "sidebar", "a1_b2"] {
            assert!(is_valid_slot(ok), "{ok}");
        }
        for bad in [
            "",
            "Article",
            "a__b",
            "_a",
            "a_",
            "a-b",
            "a b",
            &"a".repeat(61),
        ] {
            assert!(!is_valid_slot(bad), "{bad}");
        }
    }

    #[test]
    fn placements_are_checked() {
        let slots = vec!["article_end".to_owned()];
        let mut placement = Placement {
            promo: "p".into(),
            slot: "article_end".into(),
            tag: Some("anxious".into()),
            priority: 0,
            starts_at: None,
            ends_at: None,
        };
        let mut problems = Problems::new();
        placement.validate("", Some(&slots), &mut problems);
        assert!(problems.is_empty(), "{problems}");
        placement.slot = "footer".into();
        placement.tag = Some("Not a tag".into());
        placement.priority = 5000;
        let now = Utc::now();
        placement.starts_at = Some(now);
        placement.ends_at = Some(now - Duration::hours(1));
        placement.validate("", Some(&slots), &mut problems);
        let paths: Vec<&str> = problems.iter().map(|p| p.path.as_str()).collect();
        assert_eq!(paths, ["slot", "tag", "priority", "ends_at"]);
    }

    #[test]
    fn bots_and_people() {
        assert!(is_bot("Mozilla/5.0 (compatible; Googlebot/2.1)"));
        assert!(is_bot("facebookexternalhit/1.1"));
        assert!(is_bot("curl/8.5.0"));
        assert!(!is_bot(
            "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 Chrome/131.0 Safari/537.36"
        ));
        assert!(!is_bot(""));
    }

    #[test]
    fn referrers_are_reduced_to_a_slug() {
        assert_eq!(
            referring_slug("https://site.example/articles/anxious-avoidant?utm=x#top").as_deref(),
            Some("anxious-avoidant")
        );
        assert_eq!(
            referring_slug("https://site.example/blog/my-post/").as_deref(),
            Some("my-post")
        );
        assert_eq!(referring_slug("https://site.example/"), None);
        assert_eq!(referring_slug("https://site.example/Some_Page"), None);
        assert_eq!(referring_slug("not a url"), None);
    }
}
