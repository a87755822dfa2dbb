//! Events: the changes other people (and other instances, and later push, e-mail and
//! webhooks) must hear about. The store writes each one in the same transaction as the
//! change it reports (the outbox, DESIGN invariant 10), as its kind and its parameters; the
//! words a person reads are made where it is shown, in that person's language.
//!
//! An event's JSON form is what the outbox keeps, so a change here must stay readable for
//! rows written before it: add variants and optional fields freely, and bump
//! [`Event::VERSION`] (with a reader of the old form) for anything else.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::points::ActionKind;
use crate::{ConferenceId, RoomId, SessionId, UserId};

/// What happened. Serialised with a `kind` tag (the SSE event name) and its parameters.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Event {
    /// A session's seat count changed (for everybody).
    Seats {
        /// The session.
        session: SessionId,
        /// Its capacity after the change (`None`: unlimited).
        capacity: Option<u32>,
        /// Seats taken after the change.
        reserved: u32,
    },
    /// The recipient got a seat off the waitlist.
    Promoted {
        /// The session whose seat it is.
        session: SessionId,
    },
    /// A session the recipient has a seat in starts soon.
    Reminder {
        /// The session.
        session: SessionId,
        /// When it starts.
        starts_at: DateTime<Utc>,
    },
    /// A room's door count changed (for everybody: door pages and the dashboard).
    Occupancy {
        /// The room.
        room: RoomId,
        /// People in it after the scan.
        occupancy: u32,
        /// Its capacity (`None`: unlimited).
        capacity: Option<u32>,
    },
    /// An organizer's announcement (for everybody, or for each person of its audience).
    Announcement {
        /// The announcement's id.
        id: i64,
        /// The organizer's words.
        text: String,
        /// Who it is for, as `Audience::to_text` spells it.
        audience: String,
    },
    /// A new schedule version was released (by import or from the workspace draft), for
    /// everybody: pages showing the program reload it.
    Released {
        /// The new version's number.
        version: i64,
        /// Sessions added, changed and removed by it.
        added: u32,
        /// Sessions changed.
        changed: u32,
        /// Sessions removed.
        removed: u32,
    },
    /// A release changed a session the recipient kept or waited for.
    SessionChanged {
        /// The session (for `removed`, the id it had).
        session: SessionId,
        /// Its title when the release was made (a removed session has no other).
        title: String,
        /// What the release did to it for the recipient.
        change: SessionChange,
    },
    /// The recipient earned points (a contact, a rating, a check-in, a lab); `points` may
    /// be 0 when the hourly cap took them.
    Points {
        /// What earned them.
        action: ActionKind,
        /// Points granted for it.
        points: u32,
        /// Their total in the conference after it.
        total: u64,
    },
}

/// What a release did to a session in someone's agenda.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SessionChange {
    /// Taken off the program; gone from the agenda.
    Removed,
    /// Moved, retimed or renamed; still in the agenda.
    Changed,
    /// Moved onto another session the recipient has a seat in, so taken out of the agenda.
    Dropped,
}

impl Event {
    /// The version of the stored form; rows carry it.
    pub const VERSION: i64 = 1;

    /// The kind's name: the `kind` tag, the outbox's `kind` column and the SSE event name.
    pub fn kind(&self) -> &'static str {
        match self {
            Self::Seats { .. } => "seats",
            Self::Promoted { .. } => "promoted",
            Self::Reminder { .. } => "reminder",
            Self::Occupancy { .. } => "occupancy",
            Self::Announcement { .. } => "announcement",
            Self::Released { .. } => "released",
            Self::SessionChanged { .. } => "session_changed",
            Self::Points { .. } => "points",
        }
    }
}

/// An event on its way: the conference it concerns and its one recipient, if it is not for
/// everybody.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Outgoing {
    /// The conference.
    pub conference: ConferenceId,
    /// Only this person hears of it, if set.
    pub to: Option<UserId>,
    /// What happened.
    pub event: Event,
}

impl Outgoing {
    /// An event for everybody in `conference`.
    pub fn everyone(conference: ConferenceId, event: Event) -> Self {
        Self {
            conference,
            to: None,
            event,
        }
    }

    /// An event for `to` alone.
    pub fn to(conference: ConferenceId, to: UserId, event: Event) -> Self {
        Self {
            conference,
            to: Some(to),
            event,
        }
    }
}

/// Where a reader of the outbox stands: the position of the last event it has. Positions
/// are ordered as events become visible, so "everything after this cursor" never skips an
/// event that commits late (the store explains how on each backend).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Cursor {
    tx: i64,
    id: i64,
}

impl Cursor {
    /// The position before every event.
    pub const START: Cursor = Cursor { tx: 0, id: 0 };

    /// A position as the store keeps it: the writing transaction's number and the row id.
    pub const fn new(tx: i64, id: i64) -> Self {
        Self { tx, id }
    }

    /// The transaction part.
    pub const fn tx(self) -> i64 {
        self.tx
    }

    /// The row id part.
    pub const fn id(self) -> i64 {
        self.id
    }

    /// Reads the text form ([`Cursor`]'s `Display`, the SSE `id:` field): `{tx}-{id}`, or a
    /// bare `{id}` for `tx` 0. `None` for anything else.
    pub fn parse(raw: &str) -> Option<Self> {
        let raw = raw.trim();
        let (tx, id) = match raw.split_once('-') {
            Some((tx, id)) => (tx.parse().ok()?, id.parse().ok()?),
            None => (0, raw.parse().ok()?),
        };
        (tx >= 0 && id >= 0).then_some(Self { tx, id })
    }
}

impl std::fmt::Display for Cursor {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if self.tx == 0 {
            write!(f, "{}", self.id)
        } else {
            write!(f, "{}-{}", self.tx, self.id)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn events_keep_their_stored_form() {
        let e = Event::Seats {
            session: SessionId::new(7),
            capacity: Some(80),
            reserved: 12,
        };
        let json = serde_json::to_string(&e).unwrap();
        assert_eq!(
            json,
            r#"{"kind":"seats","session":7,"capacity":80,"reserved":12}"#
        );
        assert_eq!(serde_json::from_str::<Event>(&json).unwrap(), e);
        assert_eq!(e.kind(), "seats");
    }

    #[test]
    fn cursors_read_what_they_write_and_nothing_else() {
        assert_eq!(Cursor::parse("42"), Some(Cursor::new(0, 42)));
        assert_eq!(Cursor::parse("900-42"), Some(Cursor::new(900, 42)));
        assert_eq!(Cursor::parse(""), None);
        assert_eq!(Cursor::parse("x-1"), None);
        assert_eq!(Cursor::parse("-1"), None);
        assert!(Cursor::new(1, 5) > Cursor::new(0, 900));
    }

    proptest! {
        #[test]
        fn a_cursor_survives_its_text(tx in 0i64..i64::MAX, id in 0i64..i64::MAX) {
            let c = Cursor::new(tx, id);
            prop_assert_eq!(Cursor::parse(&c.to_string()), Some(c));
        }
    }
}
