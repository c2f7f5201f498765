//! Reading the admin's content forms: repeated fields (one per item, step or block, in order)
//! and the action button that was pressed.
//!
//! Item and block forms work without JavaScript: "add", "move up", "move down" and "remove" are
//! submit buttons (`action=up:3`) that change the unsaved draft and show it again; only
//! `action=save` writes.

use chrono::{NaiveDateTime, TimeZone, Utc};
use serde::Deserialize;

use crate::domain::timestamp::Timestamp;

/// `YYYY-MM-DDTHH:MM` (a datetime-local field, sent in UTC by the admin's script) as a timestamp.
pub fn parse_datetime(text: &str) -> Option<Timestamp> {
    let text = text.trim();
    NaiveDateTime::parse_from_str(text, "%Y-%m-%dT%H:%M")
        .or_else(|_| NaiveDateTime::parse_from_str(text, "%Y-%m-%dT%H:%M:%S"))
        .ok()
        .map(|t| Utc.from_utc_datetime(&t))
}

/// A timestamp as a datetime-local field's value (UTC; the admin's script shows local time).
pub fn format_datetime(t: Option<Timestamp>) -> String {
    t.map(|t| t.format("%Y-%m-%dT%H:%M").to_string())
        .unwrap_or_default()
}

/// An optional date field: blank is `None`; a bad value adds a problem under `name`.
pub fn optional_datetime(
    fields: &Fields,
    name: &str,
    problems: &mut crate::domain::problems::Problems,
) -> Option<Timestamp> {
    let text = fields.get(name);
    if text.trim().is_empty() {
        return None;
    }
    let parsed = parse_datetime(text);
    if parsed.is_none() {
        problems.push(name, "enter a date and time such as 2026-12-01T09:00");
    }
    parsed
}

/// The fields of a URL-encoded form, in the order sent.
#[derive(Deserialize)]
#[serde(transparent)]
pub struct Fields(pub Vec<(String, String)>);

impl Fields {
    /// The first value of `name`, or "".
    pub fn get(&self, name: &str) -> &str {
        self.0
            .iter()
            .find(|(k, _)| k == name)
            .map_or("", |(_, v)| v.as_str())
    }

    /// `Some(value)` unless the field is absent or blank.
    pub fn optional(&self, name: &str) -> Option<String> {
        let value = self.get(name).trim();
        (!value.is_empty()).then(|| value.to_owned())
    }

    /// Every value of `name`, in order.
    pub fn all(&self, name: &str) -> Vec<&str> {
        self.0
            .iter()
            .filter(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
            .collect()
    }

    pub fn action(&self) -> Action {
        Action::parse(self.get("action"))
    }
}

/// Which button submitted the form.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    Save,
    Add,
    MoveUp(usize),
    MoveDown(usize),
    Remove(usize),
}

impl Action {
    fn parse(text: &str) -> Action {
        let index = |rest: &str| rest.parse::<usize>().ok();
        match text.split_once(':') {
            Some(("up", rest)) => index(rest).map_or(Action::Save, Action::MoveUp),
            Some(("down", rest)) => index(rest).map_or(Action::Save, Action::MoveDown),
            Some(("remove", rest)) => index(rest).map_or(Action::Save, Action::Remove),
            _ if text.starts_with("add") => Action::Add,
            _ => Action::Save,
        }
    }

    /// Applies a move or removal to `items`; `true` if it changed the list (unsaved).
    pub fn rearrange<T>(self, items: &mut Vec<T>) -> bool {
        match self {
            Action::MoveUp(i) if i > 0 && i < items.len() => items.swap(i - 1, i),
            Action::MoveDown(i) if i + 1 < items.len() => items.swap(i, i + 1),
            Action::Remove(i) if i < items.len() => {
                items.remove(i);
            }
            _ => return false,
        }
        true
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn actions_rearrange() {
        let mut items = vec!['a', 'b', 'c'];
        assert!(Action::parse("up:1").rearrange(&mut items));
        assert_eq!(items, ['b', 'a', 'c']);
        assert!(Action::parse("down:1").rearrange(&mut items));
        assert_eq!(items, ['b', 'c', 'a']);
        assert!(Action::parse("remove:0").rearrange(&mut items));
        assert_eq!(items, ['c', 'a']);
        assert!(!Action::parse("up:0").rearrange(&mut items));
        assert!(!Action::parse("down:1").rearrange(&mut items));
        assert!(!Action::parse("remove:9").rearrange(&mut items));
        assert_eq!(Action::parse("save"), Action::Save);
        assert_eq!(Action::parse("add_text"), Action::Add);
    }
}
