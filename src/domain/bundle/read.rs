//! Reading a bundle element by element from any byte stream, without holding the whole bundle:
//! each element of each section is parsed on its own (through a `serde_json::Value` of that one
//! element, so its problems read exactly as they always have) and handed to the caller.
//!
//! Structural problems (wrong version, unknown top-level field, a section that is not an
//! array, an element of the wrong shape) are collected with their JSON paths and returned in a
//! fixed order: the version, then the sections in bundle order, then unknown fields by name.
//! Malformed JSON stops the reading with its line and column.

use std::collections::HashSet;
use std::fmt;
use std::io::Read;

use serde::de::{
    DeserializeOwned, DeserializeSeed, Deserializer, Error as _, IgnoredAny, MapAccess, SeqAccess,
    Visitor,
};
use serde_json::Value;

use super::BUNDLE_VERSION;
use crate::domain::content::{Article, FeelingList, Perspective, Promo, StepGuide};
use crate::domain::problems::{Problems, join};
use crate::domain::promotions::Placement;

/// The sections of a bundle, in the order they are written (and written back).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Section {
    Perspectives,
    Promos,
    FeelingLists,
    StepGuides,
    Articles,
    Placements,
}

impl Section {
    pub const ALL: [Section; 6] = [
        Section::Perspectives,
        Section::Promos,
        Section::FeelingLists,
        Section::StepGuides,
        Section::Articles,
        Section::Placements,
    ];

    /// The section's key in bundle JSON.
    pub fn key(self) -> &'static str {
        match self {
            Section::Perspectives => "perspectives",
            Section::Promos => "promos",
            Section::FeelingLists => "feeling_lists",
            Section::StepGuides => "step_guides",
            Section::Articles => "articles",
            Section::Placements => "placements",
        }
    }

    /// What one element is called, in the plural, for people.
    pub fn plural(self) -> &'static str {
        match self {
            Section::Perspectives => "perspectives",
            Section::Promos => "promos",
            Section::FeelingLists => "feeling lists",
            Section::StepGuides => "step guides",
            Section::Articles => "articles",
            Section::Placements => "placements",
        }
    }

    fn from_key(key: &str) -> Option<Section> {
        Section::ALL.into_iter().find(|s| s.key() == key)
    }

    fn index(self) -> usize {
        self as usize
    }
}

/// One element of one section.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Element {
    Perspective(Perspective),
    Promo(Promo),
    FeelingList(FeelingList),
    StepGuide(StepGuide),
    Article(Article),
    Placement(Placement),
}

impl Element {
    pub fn section(&self) -> Section {
        match self {
            Element::Perspective(_) => Section::Perspectives,
            Element::Promo(_) => Section::Promos,
            Element::FeelingList(_) => Section::FeelingLists,
            Element::StepGuide(_) => Section::StepGuides,
            Element::Article(_) => Section::Articles,
            Element::Placement(_) => Section::Placements,
        }
    }
}

/// How many elements of each section were read, and in which order the sections appear.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Counts {
    counts: [usize; 6],
}

impl Counts {
    pub fn get(&self, section: Section) -> usize {
        self.counts[section.index()]
    }

    pub fn add(&mut self, section: Section) {
        self.counts[section.index()] += 1;
    }

    /// Adds the counts of another reading.
    pub fn merge(&mut self, other: &Counts) {
        for (mine, theirs) in self.counts.iter_mut().zip(other.counts) {
            *mine += theirs;
        }
    }

    pub fn total(&self) -> usize {
        self.counts.iter().sum()
    }
}

impl fmt::Display for Counts {
    /// `100000 articles, 50 feeling lists, ...`: the sections with elements, biggest first in
    /// the bundle's own order of importance (articles first).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let order = [
            Section::Articles,
            Section::FeelingLists,
            Section::StepGuides,
            Section::Promos,
            Section::Perspectives,
            Section::Placements,
        ];
        let mut first = true;
        for section in order {
            let n = self.get(section);
            if n == 0 && !(first && section == Section::Articles) {
                continue;
            }
            if !first {
                f.write_str(", ")?;
            }
            write!(f, "{n} {}", section.plural())?;
            first = false;
        }
        Ok(())
    }
}

/// What one reading found besides the elements.
#[derive(Debug, Clone, Default)]
pub struct Structure {
    /// Structural problems; when there are any the bundle must not be imported.
    pub problems: Problems,
    /// Elements read (and handed over) per section.
    pub counts: Counts,
    /// Sections in the order they appear in the input.
    pub order: Vec<Section>,
}

/// Why a reading stopped before the end.
#[derive(Debug, thiserror::Error)]
pub enum ReadError {
    /// Not JSON, or not a JSON object: the one problem, with its position.
    #[error("{0}")]
    Malformed(Problems),
    /// The input could not be read.
    #[error("cannot read the bundle: {0}")]
    Io(std::io::Error),
    /// The caller asked to stop.
    #[error("stopped")]
    Stopped,
}

/// What to do with each element: `false` stops the reading.
pub type Sink<'s> = dyn FnMut(usize, Element) -> bool + 's;

const STOPPED: &str = "tether: reading stopped";
const NOT_AN_OBJECT: &str = "tether: not an object";

/// Reads a bundle from `input`, handing each well-formed element of the sections `wanted`
/// accepts to `sink` (with its index in its section) in input order. Sections not wanted are
/// skipped without being checked.
pub fn read(
    input: impl Read,
    wanted: &dyn Fn(Section) -> bool,
    sink: &mut Sink<'_>,
) -> Result<Structure, ReadError> {
    let mut reader = Reading {
        wanted,
        sink,
        version_seen: false,
        seen: HashSet::new(),
        ranked: Vec::new(),
        unknown: Vec::new(),
        counts: Counts::default(),
        order: Vec::new(),
    };
    let mut de =
        serde_json::Deserializer::from_reader(std::io::BufReader::with_capacity(1 << 16, input));
    let outcome = de
        .deserialize_any(TopVisitor {
            reading: &mut reader,
        })
        .and_then(|()| de.end());
    if let Err(error) = outcome {
        return Err(classify(error));
    }
    Ok(reader.finish())
}

fn classify(error: serde_json::Error) -> ReadError {
    if error.is_io() {
        return ReadError::Io(std::io::Error::other(error.to_string()));
    }
    let text = error.to_string();
    if text.starts_with(STOPPED) {
        return ReadError::Stopped;
    }
    let mut problems = Problems::new();
    if text.starts_with(NOT_AN_OBJECT) {
        problems.push("", "a bundle must be a JSON object");
    } else {
        problems.push(
            "",
            format!(
                "malformed JSON at line {}, column {}: {}",
                error.line(),
                error.column(),
                strip_position(&text)
            ),
        );
    }
    ReadError::Malformed(problems)
}

/// serde_json appends " at line L column C" to its messages; the position is reported separately.
pub(super) fn strip_position(text: &str) -> String {
    match text.rfind(" at line ") {
        Some(at) => text[..at].to_owned(),
        None => text.to_owned(),
    }
}

struct Reading<'r, 's> {
    wanted: &'r dyn Fn(Section) -> bool,
    sink: &'r mut Sink<'s>,
    version_seen: bool,
    seen: HashSet<String>,
    /// Problems with their rank (0 the version, then 1 + the section) and element index.
    ranked: Vec<(usize, usize, String, String)>,
    unknown: Vec<String>,
    counts: Counts,
    order: Vec<Section>,
}

impl Reading<'_, '_> {
    fn problem(&mut self, rank: usize, index: usize, path: String, message: String) {
        self.ranked.push((rank, index, path, message));
    }

    fn version(&mut self, value: Value) {
        self.version_seen = true;
        match value {
            Value::Number(n) if n.as_u64() == Some(BUNDLE_VERSION) => {}
            other => self.problem(
                0,
                0,
                "version".to_owned(),
                format!("is {other}; this Tether reads bundle version {BUNDLE_VERSION}"),
            ),
        }
    }

    fn element(&mut self, section: Section, index: usize, value: Value) -> bool {
        let parsed = match section {
            Section::Perspectives => parse(value).map(Element::Perspective),
            Section::Promos => parse(value).map(Element::Promo),
            Section::FeelingLists => parse(value).map(Element::FeelingList),
            Section::StepGuides => parse(value).map(Element::StepGuide),
            Section::Articles => parse(value).map(Element::Article),
            Section::Placements => parse(value).map(Element::Placement),
        };
        match parsed {
            Ok(element) => {
                self.counts.add(section);
                (self.sink)(index, element)
            }
            Err((inner, message)) => {
                let item_path = format!("{}[{index}]", section.key());
                let path = if inner == "." {
                    item_path
                } else {
                    join(&item_path, &inner)
                };
                self.problem(1 + section.index(), index, path, message);
                true
            }
        }
    }

    fn finish(mut self) -> Structure {
        if !self.version_seen {
            self.problem(
                0,
                0,
                "version".to_owned(),
                format!("is missing; set it to {BUNDLE_VERSION}"),
            );
        }
        self.ranked
            .sort_by_key(|(rank, index, _, _)| (*rank, *index));
        let mut problems = Problems::new();
        for (_, _, path, message) in self.ranked {
            problems.push(path, message);
        }
        self.unknown.sort();
        for key in self.unknown {
            problems.push(
                key,
                "unknown field; expected version, perspectives, promos, feeling_lists, step_guides, articles or placements",
            );
        }
        Structure {
            problems,
            counts: self.counts,
            order: self.order,
        }
    }
}

fn parse<T: DeserializeOwned>(value: Value) -> Result<T, (String, String)> {
    serde_path_to_error::deserialize::<_, T>(value)
        .map_err(|error| (error.path().to_string(), error.into_inner().to_string()))
}

struct TopVisitor<'a, 'r, 's> {
    reading: &'a mut Reading<'r, 's>,
}

impl<'de> Visitor<'de> for TopVisitor<'_, '_, '_> {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a bundle object")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        let reading = self.reading;
        while let Some(key) = map.next_key::<String>()? {
            if !reading.seen.insert(key.clone()) {
                reading.problem(
                    usize::MAX,
                    0,
                    key.clone(),
                    "appears more than once in the bundle".to_owned(),
                );
            }
            if key == "version" {
                let value = map.next_value::<Value>()?;
                reading.version(value);
                continue;
            }
            let Some(section) = Section::from_key(&key) else {
                map.next_value::<IgnoredAny>()?;
                reading.unknown.push(key);
                continue;
            };
            reading.order.push(section);
            if (reading.wanted)(section) {
                map.next_value_seed(SectionSeed {
                    reading: &mut *reading,
                    section,
                })?;
            } else {
                map.next_value::<IgnoredAny>()?;
            }
        }
        Ok(())
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        while seq.next_element::<IgnoredAny>()?.is_some() {}
        Err(A::Error::custom(NOT_AN_OBJECT))
    }

    fn visit_bool<E: serde::de::Error>(self, _: bool) -> Result<(), E> {
        Err(E::custom(NOT_AN_OBJECT))
    }

    fn visit_i64<E: serde::de::Error>(self, _: i64) -> Result<(), E> {
        Err(E::custom(NOT_AN_OBJECT))
    }

    fn visit_u64<E: serde::de::Error>(self, _: u64) -> Result<(), E> {
        Err(E::custom(NOT_AN_OBJECT))
    }

    fn visit_f64<E: serde::de::Error>(self, _: f64) -> Result<(), E> {
        Err(E::custom(NOT_AN_OBJECT))
    }

    fn visit_str<E: serde::de::Error>(self, _: &str) -> Result<(), E> {
        Err(E::custom(NOT_AN_OBJECT))
    }

    fn visit_unit<E: serde::de::Error>(self) -> Result<(), E> {
        Err(E::custom(NOT_AN_OBJECT))
    }
}

struct SectionSeed<'a, 'r, 's> {
    reading: &'a mut Reading<'r, 's>,
    section: Section,
}

impl<'de> DeserializeSeed<'de> for SectionSeed<'_, '_, '_> {
    type Value = ();

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<(), D::Error> {
        deserializer.deserialize_any(self)
    }
}

impl SectionSeed<'_, '_, '_> {
    fn not_an_array(self) {
        let key = self.section.key();
        self.reading.problem(
            1 + self.section.index(),
            0,
            key.to_owned(),
            "must be an array".to_owned(),
        );
    }
}

impl<'de> Visitor<'de> for SectionSeed<'_, '_, '_> {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("an array")
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        let mut index = 0;
        while let Some(value) = seq.next_element::<Value>()? {
            if !self.reading.element(self.section, index, value) {
                return Err(A::Error::custom(STOPPED));
            }
            index += 1;
        }
        Ok(())
    }

    fn visit_unit<E: serde::de::Error>(self) -> Result<(), E> {
        Ok(())
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        while map.next_entry::<IgnoredAny, IgnoredAny>()?.is_some() {}
        self.not_an_array();
        Ok(())
    }

    fn visit_bool<E: serde::de::Error>(self, _: bool) -> Result<(), E> {
        self.not_an_array();
        Ok(())
    }

    fn visit_i64<E: serde::de::Error>(self, _: i64) -> Result<(), E> {
        self.not_an_array();
        Ok(())
    }

    fn visit_u64<E: serde::de::Error>(self, _: u64) -> Result<(), E> {
        self.not_an_array();
        Ok(())
    }

    fn visit_f64<E: serde::de::Error>(self, _: f64) -> Result<(), E> {
        self.not_an_array();
        Ok(())
    }

    fn visit_str<E: serde::de::Error>(self, _: &str) -> Result<(), E> {
        self.not_an_array();
        Ok(())
    }
}
