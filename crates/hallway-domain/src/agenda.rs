//! The rules of the personal agenda (DESIGN.md, invariants 2 and 3): which reserved sessions
//! a new one collides with, who on a waitlist gets a freed seat, and until when an agenda
//! may still change.

use chrono::{DateTime, Duration, Utc};

use crate::span::TimeSpan;

/// The items of `reserved` whose span overlaps `candidate`, in the order given.
pub fn conflicts<'a, T>(
    candidate: &TimeSpan,
    reserved: impl IntoIterator<Item = (T, &'a TimeSpan)>,
) -> Vec<T> {
    reserved
        .into_iter()
        .filter(|(_, span)| span.overlaps(candidate))
        .map(|(item, _)| item)
        .collect()
}

/// Who gets a freed seat of a session during `span`: the index of the first of `waiting`
/// (in waitlist order, earliest first) none of whose reserved sessions overlaps `span`.
/// Those with an overlap are skipped but keep their place. `None` when nobody fits.
pub fn promotion_candidate<'a, I>(span: &TimeSpan, waiting: I) -> Option<usize>
where
    I: IntoIterator<Item = &'a [TimeSpan]>,
{
    waiting
        .into_iter()
        .position(|reserved| reserved.iter().all(|r| !r.overlaps(span)))
}

/// Whether an agenda may still change for a session during `span` at `now`: until
/// `grace_minutes` after its start (organizers set the grace per conference).
pub fn open_for_changes(span: &TimeSpan, now: DateTime<Utc>, grace_minutes: u32) -> bool {
    now < span.start() + Duration::minutes(i64::from(grace_minutes))
}

/// Where a session stands in an attendee's agenda.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum AgendaState {
    /// The attendee holds a seat.
    Reserved,
    /// The attendee waits for a seat (first come, first served).
    Waitlisted,
}

impl AgendaState {
    /// The stored and API spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Reserved => "reserved",
            Self::Waitlisted => "waitlisted",
        }
    }

    /// Reads [`Self::as_str`]'s spelling.
    pub fn parse(raw: &str) -> Option<Self> {
        match raw {
            "reserved" => Some(Self::Reserved),
            "waitlisted" => Some(Self::Waitlisted),
            _ => None,
        }
    }
}

/// Seats kept above a capacity: lowering a session's capacity below the seats taken keeps
/// everyone in, and the seats over the new capacity are "kept over". They are given up
/// first as people leave ([`kept_over_after_release`]), so nobody new is admitted until the
/// count is below the new capacity.
pub fn kept_over(capacity: Option<u32>, reserved: u32) -> u32 {
    capacity.map_or(0, |c| reserved.saturating_sub(c))
}

/// The seats kept over after one seat is freed: one fewer, never below zero.
pub fn kept_over_after_release(kept_over: u32) -> u32 {
    kept_over.saturating_sub(1)
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;
    use proptest::prelude::*;

    fn span(h: u32, m: u32, minutes: i64) -> TimeSpan {
        TimeSpan::starting_at(
            Utc.with_ymd_and_hms(2026, 11, 22, h, m, 0).unwrap(),
            Duration::minutes(minutes),
        )
        .unwrap()
    }

    #[test]
    fn agenda_states_read_what_they_write() {
        for s in [AgendaState::Reserved, AgendaState::Waitlisted] {
            assert_eq!(AgendaState::parse(s.as_str()), Some(s));
        }
        assert_eq!(AgendaState::parse("Reserved"), None);
    }

    #[test]
    fn seats_over_a_lowered_capacity_are_kept_and_given_up_first() {
        assert_eq!(kept_over(Some(10), 14), 4);
        assert_eq!(kept_over(Some(10), 9), 0);
        assert_eq!(kept_over(None, 500), 0);
        assert_eq!(kept_over_after_release(4), 3);
        assert_eq!(kept_over_after_release(0), 0);
    }

    #[test]
    fn conflicts_name_every_overlapping_session() {
        let a = span(9, 0, 60);
        let b = span(10, 0, 60);
        let c = span(10, 30, 60);
        let got = conflicts(&span(9, 30, 90), [(1, &a), (2, &b), (3, &c)]);
        assert_eq!(got, vec![1, 2, 3]);
        assert_eq!(
            conflicts(&span(11, 0, 30), [(1, &a), (2, &b), (3, &c)]),
            vec![3]
        );
        assert!(
            conflicts::<i32>(&span(8, 0, 60), [(1, &a)]).is_empty(),
            "touching is fine"
        );
    }

    #[test]
    fn the_first_waiting_without_overlap_is_promoted() {
        let seat = span(10, 0, 60);
        let busy = [span(10, 30, 30)];
        let free = [span(12, 0, 30)];
        let none: [TimeSpan; 0] = [];
        let waiting: Vec<&[TimeSpan]> = vec![&busy, &free, &none];
        assert_eq!(promotion_candidate(&seat, waiting.clone()), Some(1));
        let all_busy: Vec<&[TimeSpan]> = vec![&busy, &busy];
        assert_eq!(promotion_candidate(&seat, all_busy), None);
        assert_eq!(promotion_candidate(&seat, Vec::<&[TimeSpan]>::new()), None);
    }

    #[test]
    fn changes_close_after_the_grace_period() {
        let s = span(10, 0, 60);
        let at = |h, m| Utc.with_ymd_and_hms(2026, 11, 22, h, m, 0).unwrap();
        assert!(open_for_changes(&s, at(9, 59), 0));
        assert!(!open_for_changes(&s, at(10, 0), 0));
        assert!(open_for_changes(&s, at(10, 4), 5));
        assert!(!open_for_changes(&s, at(10, 5), 5));
    }

    proptest! {
        #[test]
        fn the_promoted_one_fits_and_everyone_before_does_not(
            starts in proptest::collection::vec(proptest::collection::vec((0u32..10, 0i64..120), 0..4), 0..8)
        ) {
            let seat = span(12, 0, 60);
            let waiting: Vec<Vec<TimeSpan>> = starts
                .iter()
                .map(|v| v.iter().map(|(h, len)| span(8 + h, 0, *len)).collect())
                .collect();
            let picked = promotion_candidate(&seat, waiting.iter().map(Vec::as_slice));
            let fits = |r: &Vec<TimeSpan>| r.iter().all(|x| !x.overlaps(&seat));
            match picked {
                Some(i) => {
                    prop_assert!(fits(&waiting[i]));
                    prop_assert!(waiting[..i].iter().all(|r| !fits(r)));
                }
                None => prop_assert!(waiting.iter().all(|r| !fits(r))),
            }
        }
    }
}
