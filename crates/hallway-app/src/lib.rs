//! The use cases: one function per thing a person does, each taking the actor that does it
//! and a typed command. The actor's type is the permission: an [`Organizer`] can only be
//! made by the check that proves the role ([`Organizer::prove`]), so a use case that takes
//! one cannot be reached without it. Pages, the API and the command line call these
//! functions and only translate HTTP or arguments to and from them.
//!
//! A use case runs its change in one transaction of the store, which also writes the events
//! the change causes (the outbox) and, for organizer actions, the audit line. Nothing is
//! published from here: the web layer's dispatcher reads committed events.
//!
//! What is here: accounts (sign-up, log-in and out, passwords, API tokens, reminder
//! settings, the calendar key, notices read, the operator's `hallway user add`), the agenda
//! (reserve, cancel), capacities, imports and releases, the draft editor, conferences
//! (create, change, publish), doors and door rules, announcements, labs and their machine
//! pools, cards, contacts and blocks, card exchanges, ratings and comments, points settings,
//! rooms, tracks, speakers, the team and invitations, speaker accounts, the directory entry,
//! and the server's own upkeep (due reminders, ended labs, old events).

pub mod accounts;
mod actor;
pub mod agenda;
pub mod conferences;
pub mod draft;
mod error;
pub mod networking;
pub mod organize;
pub mod schedule;
pub mod setup;
pub mod upkeep;
pub mod venue;

pub use actor::{Attendee, DoorStaff, Organizer, SiteAdmin};
pub use error::AppError;

use chrono::{DateTime, Utc};
use hallway_store::Store;

/// What every use case runs with: the store and the moment of the request.
#[derive(Clone, Copy, Debug)]
pub struct Context<'a> {
    /// The database.
    pub store: &'a Store,
    /// When the request was made (the clock of the web layer or the command line).
    pub now: DateTime<Utc>,
}
