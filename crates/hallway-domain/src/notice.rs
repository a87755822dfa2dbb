//! Notifications: what an attendee finds in their agenda later (a seat off the waitlist, a
//! session about to start, what a release did to their sessions). The store keeps each as
//! its kind and parameters; the words are made where it is shown, in the reader's time
//! zone and language, so a notification written today reads right in tomorrow's wording.
//!
//! The JSON form is what the store keeps: add variants and optional fields freely; rename
//! nothing.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::SessionId;

/// What an attendee is told.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Notice {
    /// A seat freed up and is now theirs.
    Promoted {
        /// The session.
        session: SessionId,
    },
    /// A session they have a seat in starts soon.
    Reminder {
        /// The session.
        session: SessionId,
        /// When it starts.
        starts_at: DateTime<Utc>,
    },
    /// A release took a session they kept or waited for off the program.
    Removed {
        /// The session's title (it has no page any more).
        title: String,
    },
    /// A release moved, retimed or renamed a session they kept or waited for.
    Changed {
        /// The session.
        session: SessionId,
        /// Its title now.
        title: String,
        /// Its title before, when the release renamed it.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        was: Option<String>,
        /// When it is now.
        starts_at: DateTime<Utc>,
        /// Until when.
        ends_at: DateTime<Utc>,
        /// Where it is now.
        room: String,
    },
    /// A release moved a session onto another one they have a seat in, so it was taken
    /// out of their agenda.
    Dropped {
        /// The session taken out.
        session: SessionId,
        /// Its title.
        title: String,
        /// The title of the session it now overlaps.
        other: String,
    },
}

impl Notice {
    /// The kind's name, as the store's `kind` column keeps it.
    pub fn kind(&self) -> &'static str {
        match self {
            Self::Promoted { .. } => "promoted",
            Self::Reminder { .. } => "reminder",
            Self::Removed { .. } => "removed",
            Self::Changed { .. } => "changed",
            Self::Dropped { .. } => "dropped",
        }
    }

    /// The session it is about, if it still has one.
    pub fn session(&self) -> Option<SessionId> {
        match self {
            Self::Promoted { session }
            | Self::Reminder { session, .. }
            | Self::Changed { session, .. }
            | Self::Dropped { session, .. } => Some(*session),
            Self::Removed { .. } => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn notices_keep_their_stored_form() {
        let n = Notice::Dropped {
            session: SessionId::new(7),
            title: "Moved".into(),
            other: "Kept".into(),
        };
        let json = serde_json::to_string(&n).unwrap();
        assert_eq!(
            json,
            r#"{"kind":"dropped","session":7,"title":"Moved","other":"Kept"}"#
        );
        assert_eq!(serde_json::from_str::<Notice>(&json).unwrap(), n);
        assert_eq!(n.kind(), "dropped");
        let promoted: Notice = serde_json::from_str(r#"{"kind":"promoted","session":3}"#).unwrap();
        assert_eq!(promoted.session(), Some(SessionId::new(3)));
    }
}
