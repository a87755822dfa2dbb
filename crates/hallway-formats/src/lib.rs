//! File formats hallway reads and writes. Every parser takes bytes and returns domain types
//! (or a [`ParseError`] saying what is wrong and where); every renderer takes domain types
//! and returns bytes. Nothing here touches the network, the disk or the database.

pub mod contacts;
pub mod directory;
mod error;
pub mod ical;
pub mod machines;
pub mod schedule;
pub mod table;

pub use error::{ParseError, ParseErrorKind};
