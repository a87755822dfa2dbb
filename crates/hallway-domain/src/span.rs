//! Time spans and the overlap rule behind "no double-booking" (DESIGN.md, invariant 2).
//!
//! A span is the half-open interval `[start, end)` of UTC instants. Two non-empty spans
//! overlap when they share an instant, so a session ending at 10:00 and one starting at
//! 10:00 do not overlap: people walk from one room to the next.
//!
//! A zero-length span (`start == end`) stands for the single instant `start`: it overlaps a
//! span that contains that instant (`start <= t < end`) and another zero-length span at the
//! same instant, and nothing else. That keeps overlap symmetric and makes a zero-length
//! marker at the very end of a session not collide with it.
//!
//! Instants are absolute, so spans across midnight (local or UTC) need no special case: a
//! session from 23:30 to 00:30 overlaps one from 00:00 to 01:00 the next day.

use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};

/// Why a span was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum SpanError {
    /// Occurs when the end lies before the start.
    #[error("ends at {end} before it starts at {start}")]
    EndsBeforeStart {
        /// The start that was given.
        start: DateTime<Utc>,
        /// The end that was given.
        end: DateTime<Utc>,
    },
    /// Occurs when a span is longer than [`TimeSpan::MAX_LEN_HOURS`].
    #[error("lasts longer than {} hours", TimeSpan::MAX_LEN_HOURS)]
    TooLong,
}

/// A half-open interval of UTC instants, `[start, end)`; `end >= start` always.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "RawSpan", into = "RawSpan")]
pub struct TimeSpan {
    start: DateTime<Utc>,
    end: DateTime<Utc>,
}

#[derive(Serialize, Deserialize)]
struct RawSpan {
    start: DateTime<Utc>,
    end: DateTime<Utc>,
}

impl TryFrom<RawSpan> for TimeSpan {
    type Error = SpanError;
    fn try_from(raw: RawSpan) -> Result<Self, Self::Error> {
        Self::new(raw.start, raw.end)
    }
}

impl From<TimeSpan> for RawSpan {
    fn from(span: TimeSpan) -> Self {
        Self {
            start: span.start,
            end: span.end,
        }
    }
}

impl TimeSpan {
    /// The longest span accepted: a session never lasts longer than a week. Longer spans
    /// in imported files are typos (a wrong year, a missing day change) and are refused.
    pub const MAX_LEN_HOURS: i64 = 24 * 7;

    /// A span from `start` to `end`.
    pub fn new(start: DateTime<Utc>, end: DateTime<Utc>) -> Result<Self, SpanError> {
        if end < start {
            return Err(SpanError::EndsBeforeStart { start, end });
        }
        if end - start > Duration::hours(Self::MAX_LEN_HOURS) {
            return Err(SpanError::TooLong);
        }
        Ok(Self { start, end })
    }

    /// A span of `duration` from `start`; a negative duration is refused like an end
    /// before the start.
    pub fn starting_at(start: DateTime<Utc>, duration: Duration) -> Result<Self, SpanError> {
        Self::new(start, start + duration)
    }

    /// The first instant of the span.
    pub fn start(&self) -> DateTime<Utc> {
        self.start
    }

    /// The instant the span ends; not part of a non-empty span.
    pub fn end(&self) -> DateTime<Utc> {
        self.end
    }

    /// How long the span lasts.
    pub fn duration(&self) -> Duration {
        self.end - self.start
    }

    /// Whether the span is a single instant.
    pub fn is_empty(&self) -> bool {
        self.start == self.end
    }

    /// Whether `t` lies in the span (`start <= t < end`; for an empty span, `t == start`).
    pub fn contains(&self, t: DateTime<Utc>) -> bool {
        if self.is_empty() {
            t == self.start
        } else {
            self.start <= t && t < self.end
        }
    }

    /// Whether the two spans share an instant (see the module docs for the rule).
    pub fn overlaps(&self, other: &TimeSpan) -> bool {
        match (self.is_empty(), other.is_empty()) {
            (false, false) => self.start < other.end && other.start < self.end,
            (true, _) => other.contains(self.start),
            (false, true) => self.contains(other.start),
        }
    }

    /// Whether the span has started but not ended at `now`.
    pub fn is_running_at(&self, now: DateTime<Utc>) -> bool {
        self.start <= now && now < self.end
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;
    use proptest::prelude::*;

    fn at(h: u32, m: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 11, 22, h, m, 0).unwrap()
    }

    fn span(a: (u32, u32), b: (u32, u32)) -> TimeSpan {
        TimeSpan::new(at(a.0, a.1), at(b.0, b.1)).unwrap()
    }

    #[test]
    fn end_before_start_is_refused() {
        assert!(matches!(
            TimeSpan::new(at(10, 0), at(9, 59)),
            Err(SpanError::EndsBeforeStart { .. })
        ));
        assert!(TimeSpan::starting_at(at(10, 0), Duration::minutes(-1)).is_err());
    }

    #[test]
    fn spans_longer_than_a_week_are_refused() {
        let start = at(0, 0);
        assert!(TimeSpan::new(start, start + Duration::hours(24 * 7)).is_ok());
        assert_eq!(
            TimeSpan::new(
                start,
                start + Duration::hours(24 * 7) + Duration::seconds(1)
            ),
            Err(SpanError::TooLong)
        );
    }

    #[test]
    fn touching_spans_do_not_overlap() {
        let first = span((9, 0), (10, 0));
        let second = span((10, 0), (11, 0));
        assert!(!first.overlaps(&second));
        assert!(!second.overlaps(&first));
    }

    #[test]
    fn shared_minutes_overlap() {
        let a = span((9, 0), (10, 1));
        let b = span((10, 0), (11, 0));
        assert!(a.overlaps(&b));
        let inner = span((9, 30), (9, 40));
        assert!(a.overlaps(&inner) && inner.overlaps(&a));
        assert!(a.overlaps(&a));
    }

    #[test]
    fn zero_length_spans_overlap_what_contains_their_instant() {
        let session = span((9, 0), (10, 0));
        let at_start = span((9, 0), (9, 0));
        let inside = span((9, 30), (9, 30));
        let at_end = span((10, 0), (10, 0));
        assert!(at_start.overlaps(&session) && session.overlaps(&at_start));
        assert!(inside.overlaps(&session) && session.overlaps(&inside));
        assert!(!at_end.overlaps(&session) && !session.overlaps(&at_end));
        assert!(inside.overlaps(&inside));
        assert!(!inside.overlaps(&at_start));
    }

    #[test]
    fn spans_across_midnight_overlap_the_next_day() {
        let late = TimeSpan::new(
            Utc.with_ymd_and_hms(2026, 11, 22, 23, 30, 0).unwrap(),
            Utc.with_ymd_and_hms(2026, 11, 23, 0, 30, 0).unwrap(),
        )
        .unwrap();
        let after_midnight = TimeSpan::new(
            Utc.with_ymd_and_hms(2026, 11, 23, 0, 0, 0).unwrap(),
            Utc.with_ymd_and_hms(2026, 11, 23, 1, 0, 0).unwrap(),
        )
        .unwrap();
        let next_evening = TimeSpan::new(
            Utc.with_ymd_and_hms(2026, 11, 23, 23, 30, 0).unwrap(),
            Utc.with_ymd_and_hms(2026, 11, 24, 0, 30, 0).unwrap(),
        )
        .unwrap();
        assert!(late.overlaps(&after_midnight));
        assert!(!late.overlaps(&next_evening));
        assert_eq!(late.duration(), Duration::hours(1));
    }

    #[test]
    fn serde_goes_through_the_constructor() {
        let ok: TimeSpan = serde_json::from_str(
            r#"{"start":"2026-11-22T09:00:00Z","end":"2026-11-22T10:00:00Z"}"#,
        )
        .unwrap();
        assert_eq!(ok, span((9, 0), (10, 0)));
        let err = serde_json::from_str::<TimeSpan>(
            r#"{"start":"2026-11-22T10:00:00Z","end":"2026-11-22T09:00:00Z"}"#,
        )
        .unwrap_err();
        assert!(err.to_string().contains("before it starts"), "{err}");
    }

    /// Spans within one week, at minute resolution, including empty ones.
    fn any_span() -> impl Strategy<Value = TimeSpan> {
        (0i64..7 * 24 * 60, 0i64..6 * 60).prop_map(|(start, len)| {
            let base = at(0, 0);
            TimeSpan::starting_at(base + Duration::minutes(start), Duration::minutes(len)).unwrap()
        })
    }

    proptest! {
        #[test]
        fn overlap_is_symmetric(a in any_span(), b in any_span()) {
            prop_assert_eq!(a.overlaps(&b), b.overlaps(&a));
        }

        #[test]
        fn overlap_means_a_shared_instant(a in any_span(), b in any_span()) {
            // At minute resolution, a shared instant exists iff a shared minute mark does.
            let shared = (0..=7 * 24 * 60 + 6 * 60)
                .map(|m| at(0, 0) + Duration::minutes(m))
                .any(|t| a.contains(t) && b.contains(t));
            prop_assert_eq!(a.overlaps(&b), shared);
        }

        #[test]
        fn back_to_back_spans_never_overlap(a in any_span(), len in 1i64..600) {
            prop_assume!(!a.is_empty());
            let next = TimeSpan::starting_at(a.end(), Duration::minutes(len)).unwrap();
            prop_assert!(!a.overlaps(&next));
        }

        #[test]
        fn overlap_survives_shifting_both(a in any_span(), b in any_span(), shift in -10_000i64..10_000) {
            let d = Duration::minutes(shift);
            let a2 = TimeSpan::new(a.start() + d, a.end() + d).unwrap();
            let b2 = TimeSpan::new(b.start() + d, b.end() + d).unwrap();
            prop_assert_eq!(a.overlaps(&b), a2.overlaps(&b2));
        }

        #[test]
        fn every_span_overlaps_itself(a in any_span()) {
            prop_assert!(a.overlaps(&a));
        }
    }
}
