//! Typed identifiers, so a session id can never be passed where a room id is expected.
//!
//! Ids are assigned by the store; the domain only carries them around.

use serde::{Deserialize, Serialize};

macro_rules! id_type {
    ($($(#[$meta:meta])* $name:ident),* $(,)?) => {$(
        $(#[$meta])*
        #[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
        #[serde(transparent)]
        pub struct $name(i64);

        impl $name {
            /// Wraps a raw id as the store hands it out.
            pub const fn new(raw: i64) -> Self {
                Self(raw)
            }

            /// The raw id, for the store and for URLs.
            pub const fn get(self) -> i64 {
                self.0
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                self.0.fmt(f)
            }
        }
    )*};
}

id_type!(
    /// A series of conferences in the directory (e.g. all DockerCons).
    SeriesId,
    /// One edition of a series in the directory.
    EditionId,
    /// A conference that has a program on this server.
    ConferenceId,
    /// A room of one conference.
    RoomId,
    /// A track of one conference.
    TrackId,
    /// A session (talk, keynote, lab, …) of one conference.
    SessionId,
    /// A speaker of one conference.
    SpeakerId,
    /// An account on this server.
    UserId,
);
