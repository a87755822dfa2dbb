//! The venue (issue #10): who a room's door admits, which session a door is counting for,
//! when the count starts again, and what a lab machine of a pool must carry. Pure rules;
//! the store applies them inside the transaction that holds the room's lock (DESIGN.md
//! invariants 6 and 7).

use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};

use crate::{SessionId, TimeSpan};

/// A conference's door settings.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct VenueSettings {
    /// Minutes after a session's start during which the seats of attendees who reserved it
    /// and have not arrived are held for them; walk-ins take them afterwards.
    pub reserved_minutes: u32,
    /// Minutes before a session's start from which its doors count for it.
    pub doors_open_minutes: u32,
    /// Whether a room's count starts again at 0 when the next session's doors open.
    pub reset_between: bool,
}

impl Default for VenueSettings {
    fn default() -> Self {
        Self {
            reserved_minutes: 10,
            doors_open_minutes: 15,
            reset_between: true,
        }
    }
}

/// The most minutes either window of [`VenueSettings`] may last.
pub const MAX_VENUE_MINUTES: u32 = 240;

/// Why venue settings were refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum VenueSettingsError {
    /// Occurs when a window is longer than [`MAX_VENUE_MINUTES`]; names the field.
    #[error("{0}: at most {MAX_VENUE_MINUTES} minutes")]
    TooLong(&'static str),
}

impl VenueSettings {
    /// Checks the windows.
    pub fn validate(self) -> Result<Self, VenueSettingsError> {
        if self.reserved_minutes > MAX_VENUE_MINUTES {
            return Err(VenueSettingsError::TooLong("reserved_minutes"));
        }
        if self.doors_open_minutes > MAX_VENUE_MINUTES {
            return Err(VenueSettingsError::TooLong("doors_open_minutes"));
        }
        Ok(self)
    }
}

/// Which way a person passes a door.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Direction {
    /// Entering (check-in).
    In,
    /// Leaving (check-out).
    Out,
}

/// The answer of a door, with its reason.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DoorReason {
    /// In, on the seat they reserved for the session.
    Reserved,
    /// In, on a free seat.
    WalkIn,
    /// Was inside already; not counted twice.
    AlreadyInside,
    /// Refused: the room is at capacity.
    Full,
    /// Refused: the free seats are held for attendees who reserved the session, until the
    /// end of the reserved-first window.
    HeldForReservations,
    /// Refused: no badge has this code (or it was rotated).
    UnknownBadge,
    /// Out: counted out of the room.
    CheckedOut,
    /// Out, but they were not counted in (nothing changed).
    NotInside,
}

impl DoorReason {
    /// The slug in the API.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Reserved => "reserved",
            Self::WalkIn => "walk_in",
            Self::AlreadyInside => "already_inside",
            Self::Full => "full",
            Self::HeldForReservations => "held_for_reservations",
            Self::UnknownBadge => "unknown_badge",
            Self::CheckedOut => "checked_out",
            Self::NotInside => "not_inside",
        }
    }

    /// Whether the person may pass.
    pub fn admitted(self) -> bool {
        matches!(
            self,
            Self::Reserved | Self::WalkIn | Self::AlreadyInside | Self::CheckedOut
        )
    }

    /// Words for the volunteer at the door.
    pub fn message(self) -> &'static str {
        match self {
            Self::Reserved => "Welcome: reserved seat",
            Self::WalkIn => "Welcome: free seat",
            Self::AlreadyInside => "Already checked in",
            Self::Full => "Room full",
            Self::HeldForReservations => "Seats held for reservations; try again shortly",
            Self::UnknownBadge => "Unknown badge",
            Self::CheckedOut => "Checked out",
            Self::NotInside => "Was not checked in",
        }
    }
}

/// What a door knows when someone wants in, read under the room's lock.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Entry {
    /// The room's capacity (`None`: unlimited).
    pub capacity: Option<u32>,
    /// People counted in now.
    pub occupancy: u32,
    /// Whether this person is counted in already.
    pub inside: bool,
    /// Whether they hold a reserved seat in the session the door counts for.
    pub has_reservation: bool,
    /// Seats of that session reserved by people not in yet, while they are held (0 once the
    /// reserved-first window is over, see [`held_seats`]).
    pub held: u32,
}

/// The door's decision to let someone in (DESIGN.md invariant 7: nobody is admitted at
/// capacity, whatever they reserved).
pub fn admit(e: Entry) -> DoorReason {
    if e.inside {
        return DoorReason::AlreadyInside;
    }
    let Some(capacity) = e.capacity else {
        return if e.has_reservation {
            DoorReason::Reserved
        } else {
            DoorReason::WalkIn
        };
    };
    if e.occupancy >= capacity {
        return DoorReason::Full;
    }
    if e.has_reservation {
        return DoorReason::Reserved;
    }
    if e.occupancy.saturating_add(e.held) >= capacity {
        return DoorReason::HeldForReservations;
    }
    DoorReason::WalkIn
}

/// Seats held for attendees of `session` who reserved and are not in yet: `reserved -
/// arrived` until `reserved_minutes` after its start, 0 afterwards.
pub fn held_seats(
    session: &TimeSpan,
    reserved: u32,
    arrived: u32,
    settings: &VenueSettings,
    now: DateTime<Utc>,
) -> u32 {
    let until = session.start() + Duration::minutes(i64::from(settings.reserved_minutes));
    if now >= until {
        0
    } else {
        reserved.saturating_sub(arrived)
    }
}

/// The session a room's doors count for at `now`: the one whose doors opened last
/// (`doors_open_minutes` before its start) among those not over. `None` between sessions.
pub fn door_session(
    sessions: &[(SessionId, TimeSpan)],
    settings: &VenueSettings,
    now: DateTime<Utc>,
) -> Option<SessionId> {
    let open = Duration::minutes(i64::from(settings.doors_open_minutes));
    sessions
        .iter()
        .filter(|(_, span)| span.start() - open <= now && now < span.end())
        .max_by_key(|(id, span)| (span.start(), *id))
        .map(|(id, _)| *id)
}

/// Whether the count kept for `counted` starts again at 0 now that the doors count for
/// `current`.
pub fn resets(
    counted: Option<SessionId>,
    current: Option<SessionId>,
    settings: &VenueSettings,
) -> bool {
    settings.reset_between && counted != current
}

/// The longest field of a lab machine.
pub const MAX_MACHINE_FIELD: usize = 500;

/// Why a lab machine was refused; names the field.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum MachineError {
    /// Occurs when a field is empty (after trimming).
    #[error("{0} is empty")]
    Empty(&'static str),
    /// Occurs when a field is longer than [`MAX_MACHINE_FIELD`] characters or holds a
    /// control character.
    #[error("{0} is longer than {MAX_MACHINE_FIELD} characters or holds a control character")]
    Bad(&'static str),
}

impl MachineError {
    /// The field at fault.
    pub fn field(&self) -> &'static str {
        match self {
            Self::Empty(f) | Self::Bad(f) => f,
        }
    }
}

/// A lab machine and its access details, as organizers import them.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Machine {
    name: String,
    address: String,
    username: String,
    secret: String,
}

impl Machine {
    /// The field names in import order (the CSV header).
    pub const FIELDS: [&'static str; 4] = ["name", "address", "username", "secret"];

    /// Checks and trims the four fields.
    pub fn new(
        name: &str,
        address: &str,
        username: &str,
        secret: &str,
    ) -> Result<Self, MachineError> {
        fn field(raw: &str, what: &'static str) -> Result<String, MachineError> {
            let t = raw.trim();
            if t.is_empty() {
                return Err(MachineError::Empty(what));
            }
            if t.chars().count() > MAX_MACHINE_FIELD || t.chars().any(char::is_control) {
                return Err(MachineError::Bad(what));
            }
            Ok(t.to_owned())
        }
        Ok(Self {
            name: field(name, "name")?,
            address: field(address, "address")?,
            username: field(username, "username")?,
            secret: field(secret, "secret")?,
        })
    }

    /// The machine's name in the pool (unique per lab).
    pub fn name(&self) -> &str {
        &self.name
    }
    /// Where to connect.
    pub fn address(&self) -> &str {
        &self.address
    }
    /// The account on it.
    pub fn username(&self) -> &str {
        &self.username
    }
    /// The password or key.
    pub fn secret(&self) -> &str {
        &self.secret
    }
}

/// Who an announcement is for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Audience {
    /// Everyone at the conference.
    Everyone,
    /// The people in (or headed to) one room.
    Room(crate::RoomId),
    /// The attendees of one session (reserved or checked in).
    Session(SessionId),
}

impl Audience {
    /// Parses `everyone`, `room:{id}` or `session:{id}` (the API's and the form's spelling).
    pub fn parse(raw: &str) -> Option<Self> {
        let raw = raw.trim();
        if raw == "everyone" {
            return Some(Self::Everyone);
        }
        let (what, id) = raw.split_once(':')?;
        let id: i64 = id.trim().parse().ok().filter(|n| *n > 0)?;
        match what.trim() {
            "room" => Some(Self::Room(crate::RoomId::new(id))),
            "session" => Some(Self::Session(SessionId::new(id))),
            _ => None,
        }
    }

    /// The spelling [`Self::parse`] reads.
    pub fn to_text(self) -> String {
        match self {
            Self::Everyone => "everyone".to_owned(),
            Self::Room(r) => format!("room:{r}"),
            Self::Session(s) => format!("session:{s}"),
        }
    }
}

/// The longest announcement, in characters.
pub const MAX_ANNOUNCEMENT: usize = 1_000;

/// Checks an announcement's text: trimmed, 1 to [`MAX_ANNOUNCEMENT`] characters.
pub fn parse_announcement(raw: &str) -> Option<String> {
    let t = raw.trim();
    (!t.is_empty() && t.chars().count() <= MAX_ANNOUNCEMENT).then(|| t.to_owned())
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use chrono::TimeZone as _;
    use proptest::prelude::*;

    use super::*;

    fn at(h: u32, m: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 11, 22, h, m, 0).unwrap()
    }

    fn entry(capacity: Option<u32>, occupancy: u32, held: u32, reserved: bool) -> Entry {
        Entry {
            capacity,
            occupancy,
            inside: false,
            has_reservation: reserved,
            held,
        }
    }

    #[test]
    fn reservations_come_first_and_nobody_passes_a_full_room() {
        assert_eq!(admit(entry(Some(10), 9, 0, false)), DoorReason::WalkIn);
        assert_eq!(admit(entry(Some(10), 10, 0, true)), DoorReason::Full);
        assert_eq!(
            admit(entry(Some(10), 7, 3, false)),
            DoorReason::HeldForReservations
        );
        assert_eq!(admit(entry(Some(10), 7, 3, true)), DoorReason::Reserved);
        assert_eq!(admit(entry(None, 7000, 3, false)), DoorReason::WalkIn);
        let inside = Entry {
            inside: true,
            ..entry(Some(10), 10, 0, false)
        };
        assert_eq!(admit(inside), DoorReason::AlreadyInside);
    }

    #[test]
    fn held_seats_end_with_the_window() {
        let s = TimeSpan::starting_at(at(10, 0), Duration::minutes(50)).unwrap();
        let v = VenueSettings::default();
        assert_eq!(held_seats(&s, 30, 12, &v, at(9, 50)), 18);
        assert_eq!(held_seats(&s, 30, 12, &v, at(10, 9)), 18);
        assert_eq!(held_seats(&s, 30, 12, &v, at(10, 10)), 0);
    }

    #[test]
    fn doors_count_for_the_session_whose_doors_opened_last() {
        let v = VenueSettings::default();
        let a = (
            SessionId::new(1),
            TimeSpan::starting_at(at(10, 0), Duration::minutes(50)).unwrap(),
        );
        let b = (
            SessionId::new(2),
            TimeSpan::starting_at(at(11, 0), Duration::minutes(50)).unwrap(),
        );
        let both = [a, b];
        assert_eq!(door_session(&both, &v, at(9, 40)), None);
        assert_eq!(door_session(&both, &v, at(9, 45)), Some(SessionId::new(1)));
        assert_eq!(door_session(&both, &v, at(10, 44)), Some(SessionId::new(1)));
        assert_eq!(door_session(&both, &v, at(10, 45)), Some(SessionId::new(2)));
        assert_eq!(door_session(&both, &v, at(11, 50)), None);
        assert!(resets(Some(SessionId::new(1)), Some(SessionId::new(2)), &v));
        let keep = VenueSettings {
            reset_between: false,
            ..v
        };
        assert!(!resets(Some(SessionId::new(1)), None, &keep));
    }

    #[test]
    fn machines_name_the_bad_field() {
        assert_eq!(
            Machine::new("m1", " ", "u", "s").unwrap_err().field(),
            "address"
        );
        assert_eq!(
            Machine::new("m1", "10.0.0.1", "u", "a\tb").unwrap_err(),
            MachineError::Bad("secret")
        );
        assert_eq!(Machine::new(" m1 ", "h", "u", "s").unwrap().name(), "m1");
    }

    #[test]
    fn audiences_read_back_what_they_write() {
        for a in [
            Audience::Everyone,
            Audience::Room(crate::RoomId::new(3)),
            Audience::Session(SessionId::new(12)),
        ] {
            assert_eq!(Audience::parse(&a.to_text()), Some(a));
        }
        assert_eq!(Audience::parse("room:x"), None);
        assert_eq!(Audience::parse("hall"), None);
        assert_eq!(parse_announcement("  "), None);
    }

    proptest! {
        #[test]
        fn admitting_never_passes_capacity(cap in 1u32..50, occ in 0u32..60, held in 0u32..60, r: bool) {
            let d = admit(entry(Some(cap), occ, held, r));
            if d.admitted() {
                prop_assert!(occ < cap);
            }
        }
    }
}
