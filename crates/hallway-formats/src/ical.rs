//! iCalendar (RFC 5545) output: the attendee's personal agenda feed, one VEVENT per reserved
//! session with a VALARM at the attendee's reminder lead time. Times are UTC (`…Z`), which
//! every calendar client places in its own zone.

use chrono::{DateTime, Duration, Utc};
use hallway_domain::TimeSpan;
use icalendar::{Alarm, Calendar, Component, Event, EventLike};

/// One event of a feed.
#[derive(Clone, Debug)]
pub struct CalendarEntry {
    /// Stable across feed refreshes, unique across servers: `session-12@host`.
    pub uid: String,
    /// The session's title.
    pub title: String,
    /// The abstract, plain text.
    pub description: String,
    /// The room.
    pub location: String,
    /// The session's page.
    pub url: String,
    /// When.
    pub span: TimeSpan,
}

/// Renders a calendar named `name` holding `entries`; with `alarm_minutes`, each event
/// carries a display alarm that many minutes before its start. `stamp` is the DTSTAMP.
pub fn agenda_calendar(
    name: &str,
    entries: &[CalendarEntry],
    alarm_minutes: Option<u32>,
    stamp: DateTime<Utc>,
) -> String {
    let mut calendar = Calendar::new();
    calendar.name(name).ttl(&Duration::minutes(15));
    for e in entries {
        let mut event = Event::new();
        event
            .uid(&e.uid)
            .summary(&e.title)
            .description(&e.description)
            .location(&e.location)
            .url(&e.url)
            .timestamp(stamp)
            .starts(e.span.start())
            .ends(e.span.end());
        if let Some(m) = alarm_minutes {
            event.alarm(Alarm::display(
                &format!("{} starts in {m} min", e.title),
                -Duration::minutes(i64::from(m)),
            ));
        }
        calendar.push(event.done());
    }
    calendar.done().to_string()
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn entry(title: &str) -> CalendarEntry {
        let start = Utc.with_ymd_and_hms(2026, 11, 23, 9, 0, 0).unwrap();
        CalendarEntry {
            uid: "session-7@hallway.test".into(),
            title: title.into(),
            description: "About; commas, and\nnew lines.".into(),
            location: "Hall A".into(),
            url: "https://hallway.test/c/demo/sessions/7".into(),
            span: TimeSpan::starting_at(start, Duration::minutes(40)).unwrap(),
        }
    }

    #[test]
    fn the_feed_has_events_with_alarms() {
        let ics = agenda_calendar(
            "My agenda",
            &[entry("Rootless containers")],
            Some(10),
            Utc::now(),
        );
        assert!(ics.starts_with("BEGIN:VCALENDAR\r\n"), "{ics}");
        assert!(ics.contains("VERSION:2.0"));
        assert!(ics.contains("UID:session-7@hallway.test"));
        assert!(ics.contains("DTSTART:20261123T090000Z"));
        assert!(ics.contains("DTEND:20261123T094000Z"));
        // Ten minutes before the start (RFC 5545 allows -PT10M or -PT600S).
        assert!(ics.contains("BEGIN:VALARM"), "{ics}");
        assert!(
            ics.contains("TRIGGER:-PT10M") || ics.contains("TRIGGER:-PT600S"),
            "{ics}"
        );
        assert!(ics.contains("LOCATION:Hall A"));
        assert!(
            ics.contains("About\\; commas\\, and\\nnew lines."),
            "text is escaped: {ics}"
        );
        assert!(ics.lines().all(|l| l.len() <= 75), "lines are folded");
    }

    #[test]
    fn no_alarm_when_reminders_are_off() {
        let ics = agenda_calendar("My agenda", &[entry("X")], None, Utc::now());
        assert!(!ics.contains("VALARM"));
    }
}
