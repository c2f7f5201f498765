//! The content model and its rules, independent of HTTP and of the database.
//!
//! Every way content gets in (the admin, `tether import`, the CLI) builds these types and runs
//! the same validation and workflow rules, so a rule such as "an affiliate promo needs a
//! disclosure" or "a scheduled article needs a future time" lives in one place.

/// Declares a closed set of values that are written as fixed lowercase words (in bundles, the
/// API, forms and database columns): the enum, `ALL`, `as_str`, `parse` and `Display`.
macro_rules! word_enum {
    (
        $(#[$meta:meta])*
        $vis:vis enum $name:ident {
            $( $(#[$variant_meta:meta])* $variant:ident = $word:literal ),+ $(,)?
        }
    ) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
        $vis enum $name {
            $( $(#[$variant_meta])* #[serde(rename = $word)] $variant ),+
        }

        impl $name {
            pub const ALL: &'static [$name] = &[$($name::$variant),+];

            pub fn as_str(self) -> &'static str {
                match self {
                    $($name::$variant => $word),+
                }
            }

            pub fn parse(text: &str) -> Option<Self> {
                Self::ALL.iter().copied().find(|value| value.as_str() == text)
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
            }
        }
    };
}

pub mod accounts;
pub mod bundle;
pub mod content;
pub mod events;
pub mod markdown;
pub mod passwords;
pub mod preview;
pub mod problems;
pub mod promotions;
pub mod publishing;
pub mod rules;
pub mod search;
pub mod timestamp;
