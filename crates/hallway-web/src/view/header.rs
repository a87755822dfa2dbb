//! The header every conference page starts with, and the "now and next" of a program.

use chrono::{DateTime, Utc};
use hallway_domain::{Conference, Session};

use super::date_range;

/// The header every conference page shares.
#[derive(Debug)]
pub struct ConfHeader {
    pub slug: String,
    pub name: String,
    pub when: String,
    pub place: String,
    pub time_zone: String,
    /// Where the page's live stream starts: the event position when the request came in.
    pub live_after: String,
}

impl ConfHeader {
    pub fn new(c: &Conference) -> Self {
        let i = &c.info;
        let place = [i.venue.as_str(), i.city.as_str()]
            .into_iter()
            .filter(|s| !s.is_empty())
            .collect::<Vec<_>>()
            .join(", ");
        Self {
            slug: i.slug.to_string(),
            name: i.name.clone(),
            when: date_range(i.days.first(), i.days.last()),
            place,
            time_zone: i.time_zone.name().to_owned(),
            live_after: crate::live::position_at_request(),
        }
    }
}

/// Sessions running at `now` (breaks left out), and those of the next start time after it.
pub fn now_and_next(sessions: &[Session], now: DateTime<Utc>) -> (Vec<&Session>, Vec<&Session>) {
    let running = sessions
        .iter()
        .filter(|s| s.info.kind.is_reservable() && s.info.span.is_running_at(now))
        .collect();
    let next_start = sessions
        .iter()
        .filter(|s| s.info.kind.is_reservable() && s.info.span.start() > now)
        .map(|s| s.info.span.start())
        .min();
    let next = next_start
        .map(|t| {
            sessions
                .iter()
                .filter(|s| s.info.kind.is_reservable() && s.info.span.start() == t)
                .collect()
        })
        .unwrap_or_default();
    (running, next)
}
