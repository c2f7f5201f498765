//! The domain's closed sets (article status, block kind, promo kind, role, event kind) as
//! string-backed entity columns. A stored word the code does not know is an error that names the
//! row it is in, never a silent default.

use sea_orm::sea_query::{ArrayType, ColumnType, Nullable, StringLen, ValueType, ValueTypeErr};
use sea_orm::{ColIdx, DbErr, IntoActiveValue, QueryResult, TryGetError, TryGetable, Value};

use crate::domain::accounts::Role;
use crate::domain::content::{ArticleStatus, BlockKind, PromoKind};
use crate::domain::events::EventKind;
use crate::storage::errors::unknown_value;

/// The id of the row being read, when the query selected it (for error messages).
fn row_id(res: &QueryResult) -> Option<i64> {
    res.try_get_by::<i32, _>("id")
        .map(i64::from)
        .or_else(|_| res.try_get_by::<i64, _>("id"))
        .or_else(|_| res.try_get_by::<i64, _>("seq"))
        .ok()
}

macro_rules! word_column {
    ($ty:ty, $what:literal) => {
        impl From<$ty> for Value {
            fn from(value: $ty) -> Self {
                value.as_str().into()
            }
        }

        impl TryGetable for $ty {
            fn try_get_by<I: ColIdx>(res: &QueryResult, index: I) -> Result<Self, TryGetError> {
                let text = String::try_get_by(res, index)?;
                <$ty>::parse(&text).ok_or_else(|| {
                    let known: Vec<&str> = <$ty>::ALL.iter().map(|v| v.as_str()).collect();
                    TryGetError::DbErr(DbErr::Type(unknown_value(
                        $what,
                        &text,
                        row_id(res),
                        &known,
                    )))
                })
            }
        }

        impl ValueType for $ty {
            fn try_from(value: Value) -> Result<Self, ValueTypeErr> {
                let text = <String as ValueType>::try_from(value)?;
                <$ty>::parse(&text).ok_or(ValueTypeErr)
            }

            fn type_name() -> String {
                stringify!($ty).to_owned()
            }

            fn array_type() -> ArrayType {
                ArrayType::String
            }

            fn column_type() -> ColumnType {
                ColumnType::String(StringLen::None)
            }
        }

        impl Nullable for $ty {
            fn null() -> Value {
                Value::String(None)
            }
        }

        impl IntoActiveValue<$ty> for $ty {
            fn into_active_value(self) -> sea_orm::ActiveValue<$ty> {
                sea_orm::ActiveValue::Set(self)
            }
        }
    };
}

word_column!(ArticleStatus, "the article status");
word_column!(BlockKind, "the block kind");
word_column!(PromoKind, "the promo kind");
word_column!(Role, "the role");
word_column!(EventKind, "the event kind");
