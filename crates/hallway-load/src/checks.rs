//! DESIGN.md invariants 1-3, checked in the database once the load has stopped:
//! 1 and 2 by the store's own check (the one `hallway backup` and `hallway copy` run), 3 by
//! reading every attendee's agenda through the store: each session's waitlist positions
//! are 1, 2, … n without gaps or repeats, and no attendee waits for a session that has a
//! free seat they could take (one that overlaps none of their reserved sessions) — after
//! a replace freed a seat, the promotion must have happened in the same transaction.
//! Not checked: that each promotion was notified.

use std::collections::BTreeMap;

use anyhow::Context as _;
use hallway_domain::{SessionId, Slug, UserId};
use hallway_store::{DatabaseUrl, Store, StoreOptions};

/// What the checks found.
#[derive(Clone, Debug, Default)]
pub struct InvariantSummary {
    /// Sessions checked (invariant 1).
    pub sessions: u64,
    /// Reserved seats in the database.
    pub reserved_seats: u64,
    /// Invariant 1 breaches, described.
    pub seat_violations: Vec<String>,
    /// Invariant 2 breaches, described.
    pub double_bookings: Vec<String>,
    /// Sessions with a waitlist.
    pub waitlisted_sessions: u64,
    /// Waitlist places.
    pub waitlist_places: u64,
    /// Invariant 3 breaches, described.
    pub waitlist_violations: Vec<String>,
}

impl InvariantSummary {
    /// All breaches.
    pub fn violations(&self) -> usize {
        self.seat_violations.len() + self.double_bookings.len() + self.waitlist_violations.len()
    }
}

/// Checks the invariants in the database at `url` for conference `slug`, whose attendees
/// are `users`.
pub async fn check(url: &str, slug: &str, users: &[i64]) -> anyhow::Result<InvariantSummary> {
    let url = DatabaseUrl::parse(url).context("--db")?;
    let options = StoreOptions {
        max_connections: 2,
        ..StoreOptions::default()
    };
    let store = Store::connect(&url, &options)
        .await
        .with_context(|| format!("connecting to {url}"))?;
    let report = store
        .check_invariants()
        .await
        .context("checking invariants 1 and 2")?;
    let mut summary = InvariantSummary {
        sessions: report.sessions,
        reserved_seats: report.reserved_seats,
        seat_violations: report
            .seat_violations
            .iter()
            .map(ToString::to_string)
            .collect(),
        double_bookings: report
            .double_bookings
            .iter()
            .map(ToString::to_string)
            .collect(),
        ..InvariantSummary::default()
    };

    let slug = Slug::parse(slug).context("--conference")?;
    let conference = store
        .conference(&slug)
        .await?
        .with_context(|| format!("no conference {slug} in the database"))?
        .conference
        .id;
    let sessions: BTreeMap<SessionId, hallway_domain::Session> = store
        .sessions(conference)
        .await?
        .into_iter()
        .map(|s| (s.id, s))
        .collect();
    // Per session: (position, user) of everyone waiting.
    let mut queues: BTreeMap<SessionId, Vec<(u32, i64)>> = BTreeMap::new();
    for &user in users {
        let agenda = store.agenda(conference, UserId::new(user)).await?;
        for &(session, position) in &agenda.waitlisted {
            queues.entry(session).or_default().push((position, user));
            let Some(wanted) = sessions.get(&session) else {
                continue;
            };
            if wanted.seats.left().unwrap_or(u32::MAX) == 0 {
                continue;
            }
            let clashes = agenda.reserved.iter().any(|r| {
                sessions
                    .get(r)
                    .is_some_and(|held| held.info.span.overlaps(&wanted.info.span))
            });
            if !clashes {
                summary.waitlist_violations.push(format!(
                    "user {user} waits at place {position} for session {session}, which has {} free seats and overlaps nothing of theirs",
                    wanted.seats.left().unwrap_or(u32::MAX)
                ));
            }
        }
    }
    summary.waitlisted_sessions = u64::try_from(queues.len()).unwrap_or(u64::MAX);
    for (session, mut queue) in queues {
        summary.waitlist_places += u64::try_from(queue.len()).unwrap_or(u64::MAX);
        queue.sort_unstable();
        let positions: Vec<u32> = queue.iter().map(|(p, _)| *p).collect();
        let expected: Vec<u32> = (1..=u32::try_from(queue.len()).unwrap_or(u32::MAX)).collect();
        if positions != expected {
            summary.waitlist_violations.push(format!(
                "session {session}: waitlist positions are not 1..{}: {:?}",
                queue.len(),
                positions.iter().take(20).collect::<Vec<_>>()
            ));
        }
    }
    store.close().await;
    Ok(summary)
}
