//! The reusable pieces articles show as blocks: feeling lists and step guides (one generic,
//! [`StoredPiece`], over the two), and the slug ↔ id map of everything a block may refer to
//! ([`References`]).
//!
//! Both kinds are a titled, slugged header row with ordered child rows. The headers are read and
//! written once for both (the tables share their columns); only the child rows differ.

use std::collections::HashMap;
use std::future::Future;

use sea_orm::sea_query::{Alias, Expr, ExprTrait, Order, Query};
use sea_orm::{
    ActiveValue::Set, ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter, QueryOrder,
    QuerySelect,
};

use crate::domain::content::{Block, BlockKind, FeelingItem, FeelingList, Piece, Step, StepGuide};
use crate::domain::timestamp::Timestamp;
use crate::storage::StorageError;
use crate::storage::articles::BlockRow;
use crate::storage::entities::{
    article_block, feeling_item, feeling_list, guide_step, perspective, promo, step_guide,
};
use crate::storage::insert_all;

/// A piece's header row.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Header {
    pub id: i32,
    pub slug: String,
    pub title: String,
}

/// Which headers to read.
#[derive(Debug, Clone)]
pub enum Which {
    All,
    Slug(String),
    Ids(Vec<i32>),
}

/// How a feeling list or a step guide is stored: what differs between the two.
pub trait StoredPiece: Piece {
    /// The header table (`feeling_lists`).
    const TABLE: &'static str;
    /// The column of a block that refers to a piece of this kind.
    const BLOCK_COLUMN: article_block::Column;

    /// The pieces of these headers with their rows in order; `keys` maps perspective ids to keys.
    fn assemble<C: ConnectionTrait>(
        db: &C,
        headers: Vec<Header>,
        keys: &HashMap<i32, String>,
    ) -> impl Future<Output = Result<Vec<(i32, Self)>, DbErr>> + Send;

    /// Replaces the rows of the piece `id`; `ids` maps perspective keys to ids.
    fn replace_rows<C: ConnectionTrait>(
        &self,
        db: &C,
        id: i32,
        ids: &HashMap<String, i32>,
    ) -> impl Future<Output = Result<(), DbErr>> + Send;

    /// Ids of the pieces with a row from the perspective `perspective_id`.
    fn using_perspective<C: ConnectionTrait>(
        db: &C,
        perspective_id: i32,
    ) -> impl Future<Output = Result<Vec<i32>, DbErr>> + Send;
}

/// Header rows, by slug.
pub async fn headers<P: StoredPiece, C: ConnectionTrait>(
    db: &C,
    which: Which,
) -> Result<Vec<Header>, DbErr> {
    let table = Alias::new(P::TABLE);
    let mut query = Query::select();
    query
        .columns([Alias::new("id"), Alias::new("slug"), Alias::new("title")])
        .from(table)
        .order_by(Alias::new("slug"), Order::Asc);
    match which {
        Which::All => {}
        Which::Slug(slug) => {
            query.and_where(Expr::col(Alias::new("slug")).eq(slug));
        }
        Which::Ids(ids) if ids.is_empty() => return Ok(Vec::new()),
        Which::Ids(ids) => {
            query.and_where(Expr::col(Alias::new("id")).is_in(ids));
        }
    }
    db.query_all(&query)
        .await?
        .into_iter()
        .map(|row| {
            Ok(Header {
                id: row.try_get("", "id")?,
                slug: row.try_get("", "slug")?,
                title: row.try_get("", "title")?,
            })
        })
        .collect()
}

/// The pieces `which` selects, with their rows, by slug.
pub async fn load<P: StoredPiece, C: ConnectionTrait>(
    db: &C,
    which: Which,
) -> Result<Vec<(i32, P)>, DbErr> {
    let headers = headers::<P, C>(db, which).await?;
    if headers.is_empty() {
        return Ok(Vec::new());
    }
    let keys = perspective_keys(db).await?;
    P::assemble(db, headers, &keys).await
}

/// The piece with this slug, and its id.
pub async fn find<P: StoredPiece, C: ConnectionTrait>(
    db: &C,
    slug: &str,
) -> Result<Option<(i32, P)>, DbErr> {
    Ok(load::<P, C>(db, Which::Slug(slug.to_owned()))
        .await?
        .into_iter()
        .next())
}

/// Writes a piece: a new header row (`id` = None) or the header of `id` (its slug may change),
/// then its rows. Returns its id.
pub async fn save<P: StoredPiece, C: ConnectionTrait>(
    db: &C,
    id: Option<i32>,
    piece: &P,
    now: Timestamp,
) -> Result<i32, StorageError> {
    let table = Alias::new(P::TABLE);
    let id = match id {
        Some(id) => {
            let update = Query::update()
                .table(table)
                .values([
                    (Alias::new("slug"), piece.slug().into()),
                    (Alias::new("title"), piece.title().into()),
                    (Alias::new("updated_at"), now.into()),
                ])
                .and_where(Expr::col(Alias::new("id")).eq(id))
                .to_owned();
            db.execute(&update).await?;
            id
        }
        None => {
            let insert = Query::insert()
                .into_table(table)
                .columns([
                    Alias::new("slug"),
                    Alias::new("title"),
                    Alias::new("created_at"),
                    Alias::new("updated_at"),
                ])
                .values_panic([
                    piece.slug().into(),
                    piece.title().into(),
                    now.into(),
                    now.into(),
                ])
                .returning_col(Alias::new("id"))
                .to_owned();
            let row = db
                .query_one(&insert)
                .await?
                .ok_or_else(|| StorageError::Database(DbErr::RecordNotInserted))?;
            row.try_get::<i32>("", "id")?
        }
    };
    let ids = perspective_ids(db).await?;
    piece.replace_rows(db, id, &ids).await?;
    Ok(id)
}

/// Holds the piece `id` until the transaction ends, so no article block can start referring to
/// it meanwhile (a row lock on PostgreSQL; SQLite's writers already take turns).
pub async fn lock<P: StoredPiece, C: ConnectionTrait>(db: &C, id: i32) -> Result<(), DbErr> {
    let select = Query::select()
        .column(Alias::new("id"))
        .from(Alias::new(P::TABLE))
        .and_where(Expr::col(Alias::new("id")).eq(id))
        .lock_exclusive()
        .to_owned();
    db.query_one(&select).await?;
    Ok(())
}

/// Deletes the piece `id` (its rows go with it).
pub async fn delete<P: StoredPiece, C: ConnectionTrait>(db: &C, id: i32) -> Result<(), DbErr> {
    let delete = Query::delete()
        .from_table(Alias::new(P::TABLE))
        .and_where(Expr::col(Alias::new("id")).eq(id))
        .to_owned();
    db.execute(&delete).await?;
    Ok(())
}

/// Every piece (slug, title, number of articles using it), by title.
pub async fn overview<P: StoredPiece, C: ConnectionTrait>(
    db: &C,
) -> Result<Vec<(String, String, usize)>, DbErr> {
    let mut used: HashMap<i32, usize> = HashMap::new();
    let pairs: Vec<(Option<i32>, i32)> = article_block::Entity::find()
        .select_only()
        .column(P::BLOCK_COLUMN)
        .column(article_block::Column::ArticleId)
        .filter(P::BLOCK_COLUMN.is_not_null())
        .distinct()
        .into_tuple()
        .all(db)
        .await?;
    for (piece, _) in pairs {
        if let Some(piece) = piece {
            *used.entry(piece).or_default() += 1;
        }
    }
    let mut rows: Vec<(String, String, usize)> = headers::<P, C>(db, Which::All)
        .await?
        .into_iter()
        .map(|h| {
            let n = used.get(&h.id).copied().unwrap_or(0);
            (h.slug, h.title, n)
        })
        .collect();
    rows.sort_by(|a, b| (&a.1, &a.0).cmp(&(&b.1, &b.0)));
    Ok(rows)
}

/// Perspective id → key.
pub async fn perspective_keys<C: ConnectionTrait>(db: &C) -> Result<HashMap<i32, String>, DbErr> {
    Ok(perspective::Entity::find()
        .all(db)
        .await?
        .into_iter()
        .map(|p| (p.id, p.key))
        .collect())
}

/// Perspective key → id.
pub async fn perspective_ids<C: ConnectionTrait>(db: &C) -> Result<HashMap<String, i32>, DbErr> {
    Ok(perspective_keys(db)
        .await?
        .into_iter()
        .map(|(id, key)| (key, id))
        .collect())
}

/// A perspective key, for a stored id (the foreign key keeps it known).
fn key_of(keys: &HashMap<i32, String>, id: i32) -> Result<String, DbErr> {
    keys.get(&id)
        .cloned()
        .ok_or_else(|| DbErr::RecordNotFound(format!("perspective {id}")))
}

/// A perspective id, for a validated key.
fn id_of(ids: &HashMap<String, i32>, key: &str) -> Result<i32, DbErr> {
    ids.get(key)
        .copied()
        .ok_or_else(|| DbErr::RecordNotFound(format!("perspective \"{key}\"")))
}

impl StoredPiece for FeelingList {
    const TABLE: &'static str = "feeling_lists";
    const BLOCK_COLUMN: article_block::Column = article_block::Column::FeelingListId;

    async fn assemble<C: ConnectionTrait>(
        db: &C,
        headers: Vec<Header>,
        keys: &HashMap<i32, String>,
    ) -> Result<Vec<(i32, Self)>, DbErr> {
        let mut items: HashMap<i32, Vec<FeelingItem>> = HashMap::new();
        for item in feeling_item::Entity::find()
            .filter(feeling_item::Column::FeelingListId.is_in(headers.iter().map(|h| h.id)))
            .order_by_asc(feeling_item::Column::FeelingListId)
            .order_by_asc(feeling_item::Column::Position)
            .all(db)
            .await?
        {
            items
                .entry(item.feeling_list_id)
                .or_default()
                .push(FeelingItem {
                    perspective: key_of(keys, item.perspective_id)?,
                    text: item.text,
                });
        }
        Ok(headers
            .into_iter()
            .map(|h| {
                let list = FeelingList {
                    items: items.remove(&h.id).unwrap_or_default(),
                    slug: h.slug,
                    title: h.title,
                };
                (h.id, list)
            })
            .collect())
    }

    async fn replace_rows<C: ConnectionTrait>(
        &self,
        db: &C,
        id: i32,
        ids: &HashMap<String, i32>,
    ) -> Result<(), DbErr> {
        feeling_item::Entity::delete_many()
            .filter(feeling_item::Column::FeelingListId.eq(id))
            .exec(db)
            .await?;
        let rows = self
            .items
            .iter()
            .enumerate()
            .map(|(position, item)| {
                Ok(feeling_item::ActiveModel {
                    feeling_list_id: Set(id),
                    position: Set(position as i32),
                    perspective_id: Set(id_of(ids, &item.perspective)?),
                    text: Set(item.text.clone()),
                    ..Default::default()
                })
            })
            .collect::<Result<Vec<_>, DbErr>>()?;
        insert_all(db, rows).await
    }

    async fn using_perspective<C: ConnectionTrait>(
        db: &C,
        perspective_id: i32,
    ) -> Result<Vec<i32>, DbErr> {
        feeling_item::Entity::find()
            .select_only()
            .column(feeling_item::Column::FeelingListId)
            .filter(feeling_item::Column::PerspectiveId.eq(perspective_id))
            .distinct()
            .into_tuple()
            .all(db)
            .await
    }
}

impl StoredPiece for StepGuide {
    const TABLE: &'static str = "step_guides";
    const BLOCK_COLUMN: article_block::Column = article_block::Column::StepGuideId;

    async fn assemble<C: ConnectionTrait>(
        db: &C,
        headers: Vec<Header>,
        keys: &HashMap<i32, String>,
    ) -> Result<Vec<(i32, Self)>, DbErr> {
        let mut steps: HashMap<i32, Vec<Step>> = HashMap::new();
        for step in guide_step::Entity::find()
            .filter(guide_step::Column::StepGuideId.is_in(headers.iter().map(|h| h.id)))
            .order_by_asc(guide_step::Column::StepGuideId)
            .order_by_asc(guide_step::Column::Position)
            .all(db)
            .await?
        {
            let perspective = step.perspective_id.map(|id| key_of(keys, id)).transpose()?;
            steps.entry(step.step_guide_id).or_default().push(Step {
                title: step.title,
                body: step.body,
                perspective,
            });
        }
        Ok(headers
            .into_iter()
            .map(|h| {
                let guide = StepGuide {
                    steps: steps.remove(&h.id).unwrap_or_default(),
                    slug: h.slug,
                    title: h.title,
                };
                (h.id, guide)
            })
            .collect())
    }

    async fn replace_rows<C: ConnectionTrait>(
        &self,
        db: &C,
        id: i32,
        ids: &HashMap<String, i32>,
    ) -> Result<(), DbErr> {
        guide_step::Entity::delete_many()
            .filter(guide_step::Column::StepGuideId.eq(id))
            .exec(db)
            .await?;
        let rows = self
            .steps
            .iter()
            .enumerate()
            .map(|(position, step)| {
                Ok(guide_step::ActiveModel {
                    step_guide_id: Set(id),
                    position: Set(position as i32),
                    title: Set(step.title.clone()),
                    body: Set(step.body.clone()),
                    perspective_id: Set(step
                        .perspective
                        .as_deref()
                        .map(|key| id_of(ids, key))
                        .transpose()?),
                    ..Default::default()
                })
            })
            .collect::<Result<Vec<_>, DbErr>>()?;
        insert_all(db, rows).await
    }

    async fn using_perspective<C: ConnectionTrait>(
        db: &C,
        perspective_id: i32,
    ) -> Result<Vec<i32>, DbErr> {
        guide_step::Entity::find()
            .select_only()
            .column(guide_step::Column::StepGuideId)
            .filter(guide_step::Column::PerspectiveId.eq(perspective_id))
            .distinct()
            .into_tuple()
            .all(db)
            .await
    }
}

/// Slug ↔ id of one kind of piece.
#[derive(Debug, Default, Clone)]
pub struct SlugIds {
    ids: HashMap<String, i32>,
    slugs: HashMap<i32, String>,
}

impl SlugIds {
    pub fn insert(&mut self, slug: &str, id: i32) {
        self.ids.insert(slug.to_owned(), id);
        self.slugs.insert(id, slug.to_owned());
    }

    pub fn id(&self, slug: &str) -> Option<i32> {
        self.ids.get(slug).copied()
    }

    pub fn slug(&self, id: i32) -> Option<&str> {
        self.slugs.get(&id).map(String::as_str)
    }

    pub fn contains(&self, slug: &str) -> bool {
        self.ids.contains_key(slug)
    }

    fn from_rows(rows: Vec<(i32, String)>) -> Self {
        let mut out = Self::default();
        for (id, slug) in rows {
            out.insert(&slug, id);
        }
        out
    }
}

/// Slug ↔ id of everything an article block may refer to.
#[derive(Debug, Default, Clone)]
pub struct References {
    pub feeling_lists: SlugIds,
    pub step_guides: SlugIds,
    pub promos: SlugIds,
}

impl References {
    /// Everything stored.
    pub async fn load<C: ConnectionTrait>(db: &C) -> Result<Self, DbErr> {
        Ok(Self {
            feeling_lists: SlugIds::from_rows(
                feeling_list::Entity::find()
                    .select_only()
                    .columns([feeling_list::Column::Id, feeling_list::Column::Slug])
                    .into_tuple()
                    .all(db)
                    .await?,
            ),
            step_guides: SlugIds::from_rows(
                step_guide::Entity::find()
                    .select_only()
                    .columns([step_guide::Column::Id, step_guide::Column::Slug])
                    .into_tuple()
                    .all(db)
                    .await?,
            ),
            promos: SlugIds::from_rows(
                promo::Entity::find()
                    .select_only()
                    .columns([promo::Column::Id, promo::Column::Slug])
                    .into_tuple()
                    .all(db)
                    .await?,
            ),
        })
    }

    /// The stored form of a block; a reference to something that no longer exists is an error
    /// (it was deleted since the block was checked).
    pub fn block_row(&self, block: &Block) -> Result<BlockRow, StorageError> {
        let mut row = BlockRow {
            kind: block.kind(),
            heading: None,
            body: None,
            feeling_list_id: None,
            step_guide_id: None,
            promo_id: None,
        };
        let find = |map: &SlugIds, what: &str, slug: &str| {
            map.id(slug).map(Some).ok_or_else(|| {
                StorageError::BrokenReference(format!("the {what} \"{slug}\" no longer exists"))
            })
        };
        match block {
            Block::Text { heading, body } => {
                row.heading = heading.clone();
                row.body = Some(body.clone());
            }
            Block::Feelings { reference } => {
                row.feeling_list_id = find(&self.feeling_lists, "feeling list", reference)?;
            }
            Block::Steps { reference } => {
                row.step_guide_id = find(&self.step_guides, "step guide", reference)?;
            }
            Block::Promo { reference } => {
                row.promo_id = find(&self.promos, "promo", reference)?;
            }
        }
        Ok(row)
    }

    /// The block a stored row holds, its reference named by slug.
    pub fn block(&self, row: BlockRow) -> Block {
        let name = |map: &SlugIds, id: Option<i32>| {
            id.and_then(|id| map.slug(id))
                .unwrap_or_default()
                .to_owned()
        };
        match row.kind {
            BlockKind::Text => Block::Text {
                heading: row.heading,
                body: row.body.unwrap_or_default(),
            },
            BlockKind::Feelings => Block::Feelings {
                reference: name(&self.feeling_lists, row.feeling_list_id),
            },
            BlockKind::Steps => Block::Steps {
                reference: name(&self.step_guides, row.step_guide_id),
            },
            BlockKind::Promo => Block::Promo {
                reference: name(&self.promos, row.promo_id),
            },
        }
    }
}
