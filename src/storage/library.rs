//! The reusable pieces articles show as blocks: feeling lists and step guides (one generic,
//! [`StoredPiece`], over the two), and the slug ↔ id map of everything a block may refer to
//! ([`References`]).
//!
//! Both kinds are a titled, slugged header row with ordered child rows. The headers are read and
//! written once for both (the tables share their columns); only the child rows differ.

use std::collections::HashMap;

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

/// How a feeling list or a step guide is stored: a header row in `TABLE`, and ordered rows in
/// `Row`'s table. What differs between the two is only how a row maps to the domain.
pub trait StoredPiece: Piece {
    /// The header table (`feeling_lists`).
    const TABLE: &'static str;
    /// The column of a block that refers to a piece of this kind.
    const BLOCK_COLUMN: article_block::Column;
    /// The table of its rows, and the columns placing a row in its piece and perspective.
    type Row: EntityTrait<ActiveModel: Send + Sync>;
    const PARENT: <Self::Row as EntityTrait>::Column;
    const POSITION: <Self::Row as EntityTrait>::Column;
    const PERSPECTIVE: <Self::Row as EntityTrait>::Column;

    /// The piece of this header, from its stored rows in order; `keys` maps perspective ids to
    /// keys.
    fn from_rows(
        header: Header,
        rows: Vec<<Self::Row as EntityTrait>::Model>,
        keys: &HashMap<i32, String>,
    ) -> Result<Self, DbErr>;
    /// The piece a stored row belongs to.
    fn parent_of(row: &<Self::Row as EntityTrait>::Model) -> i32;
    /// Its rows to store for the piece `id`; `ids` maps perspective keys to ids.
    fn to_rows(
        &self,
        id: i32,
        ids: &HashMap<String, i32>,
    ) -> Result<Vec<<Self::Row as EntityTrait>::ActiveModel>, DbErr>;
}

/// The pieces of these headers with their rows in order.
pub async fn assemble<P: StoredPiece, C: ConnectionTrait>(
    db: &C,
    headers: Vec<Header>,
    keys: &HashMap<i32, String>,
) -> Result<Vec<(i32, P)>, DbErr> {
    let mut rows: HashMap<i32, Vec<<P::Row as EntityTrait>::Model>> = HashMap::new();
    for row in P::Row::find()
        .filter(P::PARENT.is_in(headers.iter().map(|h| h.id)))
        .order_by_asc(P::PARENT)
        .order_by_asc(P::POSITION)
        .all(db)
        .await?
    {
        rows.entry(P::parent_of(&row)).or_default().push(row);
    }
    headers
        .into_iter()
        .map(|h| {
            let id = h.id;
            Ok((
                id,
                P::from_rows(h, rows.remove(&id).unwrap_or_default(), keys)?,
            ))
        })
        .collect()
}

/// Replaces the rows of the piece `id`.
async fn replace_rows<P: StoredPiece, C: ConnectionTrait>(
    db: &C,
    piece: &P,
    id: i32,
) -> Result<(), DbErr> {
    P::Row::delete_many()
        .filter(P::PARENT.eq(id))
        .exec(db)
        .await?;
    let ids = perspective_ids(db).await?;
    insert_all(db, piece.to_rows(id, &ids)?).await
}

/// Ids of the pieces with a row from the perspective `perspective_id`.
pub async fn using_perspective<P: StoredPiece, C: ConnectionTrait>(
    db: &C,
    perspective_id: i32,
) -> Result<Vec<i32>, DbErr> {
    P::Row::find()
        .select_only()
        .column(P::PARENT)
        .filter(P::PERSPECTIVE.eq(perspective_id))
        .distinct()
        .into_tuple()
        .all(db)
        .await
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
    assemble::<P, C>(db, headers, &keys).await
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
    replace_rows(db, piece, id).await?;
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
    type Row = feeling_item::Entity;
    const PARENT: feeling_item::Column = feeling_item::Column::FeelingListId;
    const POSITION: feeling_item::Column = feeling_item::Column::Position;
    const PERSPECTIVE: feeling_item::Column = feeling_item::Column::PerspectiveId;

    fn from_rows(
        header: Header,
        rows: Vec<feeling_item::Model>,
        keys: &HashMap<i32, String>,
    ) -> Result<Self, DbErr> {
        let items = rows
            .into_iter()
            .map(|row| {
                Ok(FeelingItem {
                    perspective: key_of(keys, row.perspective_id)?,
                    text: row.text,
                })
            })
            .collect::<Result<_, DbErr>>()?;
        Ok(FeelingList {
            slug: header.slug,
            title: header.title,
            items,
        })
    }

    fn parent_of(row: &feeling_item::Model) -> i32 {
        row.feeling_list_id
    }

    fn to_rows(
        &self,
        id: i32,
        ids: &HashMap<String, i32>,
    ) -> Result<Vec<feeling_item::ActiveModel>, DbErr> {
        (0..)
            .zip(&self.items)
            .map(|(position, item)| {
                Ok(feeling_item::ActiveModel {
                    feeling_list_id: Set(id),
                    position: Set(position),
                    perspective_id: Set(id_of(ids, &item.perspective)?),
                    text: Set(item.text.clone()),
                    ..Default::default()
                })
            })
            .collect()
    }
}

impl StoredPiece for StepGuide {
    const TABLE: &'static str = "step_guides";
    const BLOCK_COLUMN: article_block::Column = article_block::Column::StepGuideId;
    type Row = guide_step::Entity;
    const PARENT: guide_step::Column = guide_step::Column::StepGuideId;
    const POSITION: guide_step::Column = guide_step::Column::Position;
    const PERSPECTIVE: guide_step::Column = guide_step::Column::PerspectiveId;

    fn from_rows(
        header: Header,
        rows: Vec<guide_step::Model>,
        keys: &HashMap<i32, String>,
    ) -> Result<Self, DbErr> {
        let steps = rows
            .into_iter()
            .map(|row| {
                let perspective = row.perspective_id.map(|id| key_of(keys, id)).transpose()?;
                Ok(Step {
                    title: row.title,
                    body: row.body,
                    perspective,
                })
            })
            .collect::<Result<_, DbErr>>()?;
        Ok(StepGuide {
            slug: header.slug,
            title: header.title,
            steps,
        })
    }

    fn parent_of(row: &guide_step::Model) -> i32 {
        row.step_guide_id
    }

    fn to_rows(
        &self,
        id: i32,
        ids: &HashMap<String, i32>,
    ) -> Result<Vec<guide_step::ActiveModel>, DbErr> {
        (0..)
            .zip(&self.steps)
            .map(|(position, step)| {
                let perspective = step.perspective.as_deref();
                Ok(guide_step::ActiveModel {
                    step_guide_id: Set(id),
                    position: Set(position),
                    title: Set(step.title.clone()),
                    body: Set(step.body.clone()),
                    perspective_id: Set(perspective.map(|key| id_of(ids, key)).transpose()?),
                    ..Default::default()
                })
            })
            .collect()
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
