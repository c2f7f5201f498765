//! SQL text built with bound values, numbered the way each database wants, and the rows of one
//! public list (all articles, or one tag's), which the pages and their markers both walk.

use sea_orm::{DatabaseBackend, Statement, Value};

/// SQL text with its values, numbered the way the database wants (`?` or `$n`).
pub(super) struct Sql {
    pub(super) backend: DatabaseBackend,
    pub(super) text: String,
    pub(super) values: Vec<Value>,
}

impl Sql {
    pub(super) fn new(backend: DatabaseBackend) -> Self {
        Self {
            backend,
            text: String::new(),
            values: Vec::new(),
        }
    }

    pub(super) fn push(&mut self, text: &str) -> &mut Self {
        self.text.push_str(text);
        self
    }

    /// Appends a placeholder for `value`.
    pub(super) fn bind(&mut self, value: impl Into<Value>) -> &mut Self {
        self.values.push(value.into());
        match self.backend {
            DatabaseBackend::Postgres => {
                let n = self.values.len();
                self.text.push_str(&format!("${n}"));
            }
            _ => self.text.push('?'),
        }
        self
    }

    pub(super) fn statement(&self) -> Statement {
        Statement::from_sql_and_values(self.backend, &self.text, self.values.clone())
    }
}

/// One public list's rows, in `(visible_from, id)` order: `articles` for all articles, or
/// `article_tags` for one tag's.
#[derive(Clone, Copy)]
pub(super) struct ListRows<'a> {
    tag: Option<&'a str>,
}

impl<'a> ListRows<'a> {
    /// The list of `tag`, or of all articles.
    pub(super) fn of(tag: Option<&'a str>) -> Self {
        Self { tag }
    }

    /// The article id's column.
    pub(super) fn id(self) -> &'static str {
        match self.tag {
            Some(_) => "article_id",
            None => "id",
        }
    }

    /// Appends `SELECT {columns} FROM {table} WHERE ` and, for a tag, its condition and
    /// `AND `: the caller adds the rest of the condition.
    pub(super) fn select(self, sql: &mut Sql, columns: &str) {
        let table = match self.tag {
            Some(_) => "article_tags",
            None => "articles",
        };
        sql.push(&format!("SELECT {columns} FROM {table} WHERE "));
        if let Some(tag) = self.tag {
            sql.push("tag = ").bind(tag).push(" AND ");
        }
    }
}

pub(super) fn to_i64(n: u64) -> i64 {
    i64::try_from(n).unwrap_or(i64::MAX)
}
