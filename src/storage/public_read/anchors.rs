//! Markers along the public lists, so that a deep page is a short walk along an index instead of
//! a walk from the top.
//!
//! A list's order, oldest first, is every article with a `visible_from` (those readers see, then
//! those scheduled for later). The marker list holds the key (`visible_from`, id) of every
//! [`EVERY`]th article in that order (by default). Readers see a prefix of it, and time only lengthens the
//! prefix, so a page `offset` rows from the newest is rows `total - offset - limit ..
//! total - offset` from the oldest: a walk from the marker just before them.
//!
//! Markers are kept per list (all articles, or one tag) with the list's `moves` counter
//! (`article_counts`, kept by triggers in every writer's transaction), and rebuilt when it has
//! changed: they are never used for an order other than the one they were read from.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use sea_orm::{ConnectionTrait, DatabaseBackend, Value};

use super::sql::{ListRows, Sql};
use crate::domain::timestamp::Timestamp;
use crate::storage::StorageError;

/// One marker every this many articles, unless told otherwise.
pub const EVERY: u64 = 500;

/// A list's markers, read while its `moves` counter had this value.
struct Markers {
    moves: i64,
    /// The keys of the articles at positions `every - 1`, `2 * every - 1`, … (oldest first).
    keys: Vec<(Value, i32)>,
}

/// Where a walk may start: the marker's position (oldest first, from 0) and its key.
pub struct Start {
    pub position: u64,
    pub visible_from: Value,
    pub id: i32,
}

/// Markers of every list read so far (in memory; one per list, a few kB each).
pub struct ListAnchors {
    every: u64,
    /// By tag ('' for all articles).
    lists: Mutex<HashMap<String, Arc<Markers>>>,
    /// One rebuild at a time: the requests that wait then find it done.
    building: tokio::sync::Mutex<()>,
}

impl Default for ListAnchors {
    fn default() -> Self {
        Self::with_spacing(EVERY)
    }
}

impl ListAnchors {
    pub fn new() -> Self {
        Self::default()
    }

    /// A marker every `every` articles (at least 1); [`EVERY`] by default. Pages fewer than
    /// `2 * every` from the top are walked from the top.
    pub fn with_spacing(every: u64) -> Self {
        Self {
            every: every.max(1),
            lists: Mutex::default(),
            building: tokio::sync::Mutex::default(),
        }
    }

    pub fn spacing(&self) -> u64 {
        self.every
    }

    fn current(&self, tag: Option<&str>, moves: i64) -> Option<Arc<Markers>> {
        self.lists
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .get(tag.unwrap_or(""))
            .filter(|m| m.moves == moves)
            .cloned()
    }

    /// The last marker at or before `position` in the list of `tag` (`None`: all articles),
    /// whose `moves` counter reads `moves`; `None` before the first marker.
    pub async fn start_before<C: ConnectionTrait>(
        &self,
        db: &C,
        tag: Option<&str>,
        moves: i64,
        position: u64,
    ) -> Result<Option<Start>, StorageError> {
        let every = self.every;
        if position + 1 < every {
            return Ok(None);
        }
        let markers = match self.current(tag, moves) {
            Some(markers) => markers,
            None => {
                let _turn = self.building.lock().await;
                match self.current(tag, moves) {
                    Some(markers) => markers,
                    None => self.rebuild(db, tag).await?,
                }
            }
        };
        // Marker `i` is at position `(i + 1) * every - 1`: the last one at or before `position`.
        let at_or_before = usize::try_from((position + 1) / every).unwrap_or(usize::MAX);
        let Some(i) = at_or_before.min(markers.keys.len()).checked_sub(1) else {
            return Ok(None);
        };
        let Some((visible_from, id)) = markers.keys.get(i) else {
            return Ok(None);
        };
        Ok(Some(Start {
            position: (u64::try_from(i).unwrap_or(u64::MAX) + 1) * every - 1,
            visible_from: visible_from.clone(),
            id: *id,
        }))
    }

    /// Reads the list's markers and keeps them if no write moved the list meanwhile (its
    /// counter read the same before and after). Returns them either way: a walk from them is
    /// no worse than one from the top, and the caller read `moves` before this began.
    async fn rebuild<C: ConnectionTrait>(
        &self,
        db: &C,
        tag: Option<&str>,
    ) -> Result<Arc<Markers>, StorageError> {
        let backend = db.get_database_backend();
        let before = moves(db, tag).await?;
        let rows = db
            .query_all_raw(marker_query(backend, tag, self.every).statement())
            .await?;
        let mut keys = Vec::with_capacity(rows.len());
        for row in &rows {
            let visible_from = match backend {
                DatabaseBackend::Postgres => Value::from(row.try_get_by_index::<Timestamp>(0)?),
                // SQLite keeps it as text: the same text is bound back, so it compares equal.
                _ => Value::from(row.try_get_by_index::<String>(0)?),
            };
            keys.push((visible_from, row.try_get_by_index::<i32>(1)?));
        }
        let markers = Arc::new(Markers {
            moves: before,
            keys,
        });
        if moves(db, tag).await? == before {
            self.lists
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .insert(tag.unwrap_or("").to_owned(), Arc::clone(&markers));
        }
        Ok(markers)
    }
}

/// The `moves` counter of the list of `tag` (`None`: all articles); 0 for a tag never used.
async fn moves<C: ConnectionTrait>(db: &C, tag: Option<&str>) -> Result<i64, StorageError> {
    let mut sql = Sql::new(db.get_database_backend());
    sql.push("SELECT moves FROM article_counts WHERE tag = ")
        .bind(tag.unwrap_or(""));
    Ok(match db.query_one_raw(sql.statement()).await? {
        Some(row) => row.try_get_by_index::<i64>(0)?,
        None => 0,
    })
}

/// Every `every`th key of a list, oldest first (one walk of its index).
fn marker_query(backend: DatabaseBackend, tag: Option<&str>, every: u64) -> Sql {
    let list = ListRows::of(tag);
    let id = list.id();
    let mut sql = Sql::new(backend);
    sql.push(&format!("SELECT visible_from, {id} FROM ("));
    list.select(
        &mut sql,
        &format!("visible_from, {id}, row_number() OVER (ORDER BY visible_from, {id}) AS n"),
    );
    sql.push(&format!(
        "visible_from IS NOT NULL) m WHERE n % {every} = 0 ORDER BY n"
    ));
    sql
}
