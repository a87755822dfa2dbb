//! The words of a notification, made when it is shown: in the conference's time zone, with
//! a session's title as the program has it now (a removed session keeps the title it had).

use hallway_domain::notice::Notice;
use hallway_domain::{SessionId, TimeZone};

/// What `notice` says. `title_of` finds a session's title in the program now.
pub fn word_notice(
    notice: &Notice,
    tz: TimeZone,
    title_of: impl Fn(SessionId) -> Option<String>,
) -> String {
    let title = |session| title_of(session).unwrap_or_else(|| "a session".to_owned());
    let zone = tz.tz();
    match notice {
        Notice::Promoted { session } => format!(
            "A seat freed up: you are now in \u{201c}{}\u{201d}.",
            title(*session)
        ),
        Notice::Reminder { session, starts_at } => format!(
            "\u{201c}{}\u{201d} starts at {}.",
            title(*session),
            super::clock_time(tz, *starts_at)
        ),
        Notice::Removed { title } => format!(
            "\u{201c}{title}\u{201d} was taken off the program; it is no longer in your agenda."
        ),
        Notice::Changed {
            title,
            was,
            starts_at,
            ends_at,
            room,
            ..
        } => {
            let name = match was {
                Some(was) => format!("\u{201c}{was}\u{201d} is now \u{201c}{title}\u{201d}"),
                None => format!("\u{201c}{title}\u{201d}"),
            };
            format!(
                "{name} changed: now {}\u{2013}{} in {room}.",
                starts_at.with_timezone(&zone).format("%a %-d %b, %H:%M"),
                ends_at.with_timezone(&zone).format("%H:%M")
            )
        }
        Notice::Dropped { title, other, .. } => format!(
            "\u{201c}{title}\u{201d} moved and now overlaps \u{201c}{other}\u{201d} in your agenda, so we took it out. Add it again if you prefer it."
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::{TimeZone as _, Utc};

    #[test]
    fn notices_are_worded_in_the_conference_zone() {
        let tz = TimeZone::parse("Europe/Berlin").unwrap();
        let at = |h, m| Utc.with_ymd_and_hms(2026, 12, 27, h, m, 0).unwrap();
        let changed = Notice::Changed {
            session: SessionId::new(4),
            title: "New title".into(),
            was: Some("Old title".into()),
            starts_at: at(13, 0),
            ends_at: at(13, 45),
            room: "Saal 1".into(),
        };
        assert_eq!(
            word_notice(&changed, tz, |_| None),
            "\u{201c}Old title\u{201d} is now \u{201c}New title\u{201d} changed: now Sun 27 Dec, 14:00\u{2013}14:45 in Saal 1."
        );
        let reminder = Notice::Reminder {
            session: SessionId::new(4),
            starts_at: at(9, 30),
        };
        assert_eq!(
            word_notice(&reminder, tz, |_| Some("Keynote".into())),
            "\u{201c}Keynote\u{201d} starts at 10:30."
        );
    }
}
