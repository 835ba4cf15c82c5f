//! Extramile's domain: types that can only exist valid, the rules, the
//! services that apply them, and the store traits they are persisted through.
//! Nothing here knows about HTTP or SQL.

/// Unit enums stored as text: one list gives the serde name, the stored
/// name and the parser, so the three can never drift apart.
#[macro_export]
macro_rules! str_enum {
    ($(#[$m:meta])* $name:ident { $($variant:ident => $text:literal),* $(,)? }) => {
        $(#[$m])*
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash,
                 serde::Serialize, serde::Deserialize, utoipa::ToSchema)]
        // Every stored text is the snake_case variant name (a unit test
        // checks), which lets serde and the OpenAPI schema agree.
        #[serde(rename_all = "snake_case")]
        pub enum $name { $($variant),* }

        impl $name {
            pub const ALL: &'static [$name] = &[$($name::$variant),*];
            pub fn as_str(self) -> &'static str {
                match self { $($name::$variant => $text),* }
            }
            pub fn parse(field: &str, s: &str) -> $crate::Result<Self> {
                match s { $($text => Ok($name::$variant),)*
                    _ => Err($crate::DomainError::invalid(field, format!(
                        "must be one of: {}", [$($text),*].join(", ")))) }
            }
        }
        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
            }
        }
    };
}

pub mod access;
pub mod admin;
pub mod audit;
pub mod authority;
pub mod cases;
pub mod consults;
pub mod customers;
pub mod error;
pub mod feedback;
pub mod fieldwork;
pub mod followups;
pub mod ids;
pub mod interactions;
pub mod jobs;
pub mod ledger;
pub mod live;
pub mod moves;
pub mod orders;
pub mod reports;
pub mod resources;
pub mod routing;
pub mod store;
pub mod telephony;
pub mod time;
pub mod workspace;

pub use error::{DomainError, Result};
