//! The pure core of hallway: the types a conference is made of and the rules that hold
//! between them. No I/O, no async, no SQL: everything here is a value or a function of values,
//! so the web layer, the store and the file formats all agree on what is valid.
//!
//! Constructors validate: a value of a type from this crate is always well-formed (a `Slug`
//! is a slug, a `TimeSpan` never ends before it starts). Deserialisation goes through the
//! same constructors (`#[serde(try_from)]`), so JSON, forms and imported files cannot skip
//! the checks.

pub mod account;
pub mod agenda;
pub mod changes;
pub mod directory;
pub mod editor;
pub mod events;
pub mod guid;
pub mod ids;
pub mod networking;
pub mod notice;
pub mod points;
pub mod program;
pub mod seats;
pub mod span;
pub mod text;
pub mod venue;

pub use account::{Email, Password};
pub use directory::{Edition, EditionFilter, EditionStatus, Series};
pub use guid::Guid;
pub use ids::{ConferenceId, EditionId, RoomId, SeriesId, SessionId, SpeakerId, TrackId, UserId};
pub use program::{
    Colour, Conference, ConferenceDays, Program, ProgramError, Room, Session, SessionDraft,
    SessionKind, Speaker, TimeZone, Track,
};
pub use seats::{Capacity, SeatState, Seats};
pub use span::{SpanError, TimeSpan};
pub use text::{Slug, TextError};
