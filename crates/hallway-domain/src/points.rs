//! Points and levels (issue #9, DESIGN.md invariant 5): what each action is worth, the
//! idempotency key that makes it count once, the hourly cap, and the ladder of sea
//! creatures from Narwhal up. Every value can be changed per conference
//! ([`PointsSettings`]); the defaults are here.

use serde::{Deserialize, Serialize};

use crate::{SessionId, UserId};

/// Why conference settings were refused; each names its field.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum SettingsError {
    /// Occurs when a point value is above [`MAX_ACTION_POINTS`].
    #[error("points.{0}: at most {MAX_ACTION_POINTS}")]
    TooManyPoints(&'static str),
    /// Occurs when the hourly cap is 0 or above [`MAX_HOURLY_CAP`].
    #[error("hourly_cap: from 1 to {MAX_HOURLY_CAP}")]
    BadCap,
    /// Occurs when the minimum rating count is above 1000.
    #[error("min_ratings: from 0 to 1000")]
    BadMinRatings,
    /// Occurs when the level ladder is empty, longer than 20, does not start at 0 points,
    /// does not strictly increase, or has an empty or overlong (40) name.
    #[error("levels: {0}")]
    BadLevels(&'static str),
}

impl SettingsError {
    /// The field at fault, as named in the API.
    pub fn field(&self) -> &'static str {
        match self {
            Self::TooManyPoints(_) => "points",
            Self::BadCap => "hourly_cap",
            Self::BadMinRatings => "min_ratings",
            Self::BadLevels(_) => "levels",
        }
    }
}

/// The most points one action may be worth.
pub const MAX_ACTION_POINTS: u32 = 1000;
/// The highest hourly cap.
pub const MAX_HOURLY_CAP: u32 = 100_000;

/// The kinds of action that earn points.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ActionKind {
    /// A new contact exchanged (once per pair of people, ever).
    Contact,
    /// A session rated (once per session).
    Rating,
    /// A session commented on (once per session, comments of at least
    /// [`crate::networking::COMMENT_MIN_FOR_POINTS`] characters).
    Comment,
    /// A session attended (checked in at the door; issue #10).
    Attended,
    /// A hands-on lab completed (issue #10).
    Lab,
}

impl ActionKind {
    /// Every kind, in the order pages list them.
    pub const ALL: [Self; 5] = [
        Self::Contact,
        Self::Rating,
        Self::Comment,
        Self::Attended,
        Self::Lab,
    ];

    /// The name in the database and the API.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Contact => "contact",
            Self::Rating => "rating",
            Self::Comment => "comment",
            Self::Attended => "attended",
            Self::Lab => "lab",
        }
    }

    /// Parses [`Self::as_str`].
    pub fn parse(raw: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.as_str() == raw)
    }

    /// Words for the points page.
    pub fn label(self) -> &'static str {
        match self {
            Self::Contact => "New contact",
            Self::Rating => "Rated a session",
            Self::Comment => "Commented on a session",
            Self::Attended => "Attended a session",
            Self::Lab => "Completed a lab",
        }
    }
}

/// One action that earns points, with the key that makes it count once per attendee.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Action {
    kind: ActionKind,
    key: String,
}

impl Action {
    /// Exchanging contacts with `other`. The key names the pair in id order, so each of the
    /// two earns once for the pair, whoever scanned and however often they delete and
    /// exchange again. `None` for oneself: no points for that.
    pub fn contact(me: UserId, other: UserId) -> Option<Self> {
        if me == other {
            return None;
        }
        let (low, high) = if me < other { (me, other) } else { (other, me) };
        Some(Self {
            kind: ActionKind::Contact,
            key: format!("contact:{low}:{high}"),
        })
    }

    /// Rating `session` (the first rating; editing it earns nothing more).
    pub fn rating(session: SessionId) -> Self {
        Self {
            kind: ActionKind::Rating,
            key: format!("rating:{session}"),
        }
    }

    /// Commenting on `session` (the first comment that earns).
    pub fn comment(session: SessionId) -> Self {
        Self {
            kind: ActionKind::Comment,
            key: format!("comment:{session}"),
        }
    }

    /// Attending `session`.
    pub fn attended(session: SessionId) -> Self {
        Self {
            kind: ActionKind::Attended,
            key: format!("attended:{session}"),
        }
    }

    /// Completing the lab `session`.
    pub fn lab(session: SessionId) -> Self {
        Self {
            kind: ActionKind::Lab,
            key: format!("lab:{session}"),
        }
    }

    /// The kind.
    pub fn kind(&self) -> ActionKind {
        self.kind
    }

    /// The idempotency key: unique per conference and attendee.
    pub fn key(&self) -> &str {
        &self.key
    }
}

/// A rung of the ladder: the name of the level and the points it starts at.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Level {
    /// "Narwhal".
    pub name: String,
    /// Points at which it is reached.
    pub at: u64,
}

/// Where an attendee stands on the ladder.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Standing {
    /// The level reached.
    pub level: String,
    /// Its 1-based rung.
    pub rung: usize,
    /// Points at which the current level started.
    pub level_at: u64,
    /// The next level and the points it starts at; `None` at the top.
    pub next: Option<(String, u64)>,
}

impl Standing {
    /// Progress to the next level in percent (100 at the top).
    pub fn percent(&self, points: u64) -> u64 {
        match &self.next {
            Some((_, at)) if *at > self.level_at => {
                (points.saturating_sub(self.level_at) * 100 / (at - self.level_at)).min(100)
            }
            _ => 100,
        }
    }
}

/// A conference's rules for points and feedback.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PointsSettings {
    /// Points per action kind.
    pub points: ActionPoints,
    /// The most points an attendee earns in any hour; an action over it is recorded with
    /// what still fits (maybe 0) and counts as done.
    pub hourly_cap: u32,
    /// Ratings a session needs before its average is shown.
    pub min_ratings: u32,
    /// The ladder, from 0 points up.
    pub levels: Vec<Level>,
}

/// Points per action kind.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ActionPoints {
    /// A new contact.
    pub contact: u32,
    /// A first rating of a session.
    pub rating: u32,
    /// A first comment on a session.
    pub comment: u32,
    /// A session attended.
    pub attended: u32,
    /// A lab completed.
    pub lab: u32,
}

impl ActionPoints {
    /// What `kind` is worth.
    pub fn of(&self, kind: ActionKind) -> u32 {
        match kind {
            ActionKind::Contact => self.contact,
            ActionKind::Rating => self.rating,
            ActionKind::Comment => self.comment,
            ActionKind::Attended => self.attended,
            ActionKind::Lab => self.lab,
        }
    }
}

/// The default ladder: sea creatures from Narwhal to Blue Whale, Orca second from the top.
pub fn default_levels() -> Vec<Level> {
    [
        ("Narwhal", 0),
        ("Pufferfish", 15),
        ("Sea Turtle", 40),
        ("Dolphin", 80),
        ("Manta Ray", 140),
        ("Orca", 220),
        ("Blue Whale", 320),
    ]
    .into_iter()
    .map(|(name, at)| Level {
        name: name.to_owned(),
        at,
    })
    .collect()
}

impl Default for PointsSettings {
    fn default() -> Self {
        Self {
            points: ActionPoints {
                contact: 5,
                rating: 2,
                comment: 3,
                attended: 2,
                lab: 10,
            },
            hourly_cap: 60,
            min_ratings: 3,
            levels: default_levels(),
        }
    }
}

impl PointsSettings {
    /// Checks every rule of [`SettingsError`]; names are trimmed.
    pub fn validate(mut self) -> Result<Self, SettingsError> {
        for kind in ActionKind::ALL {
            if self.points.of(kind) > MAX_ACTION_POINTS {
                return Err(SettingsError::TooManyPoints(kind.as_str()));
            }
        }
        if self.hourly_cap == 0 || self.hourly_cap > MAX_HOURLY_CAP {
            return Err(SettingsError::BadCap);
        }
        if self.min_ratings > 1000 {
            return Err(SettingsError::BadMinRatings);
        }
        if self.levels.is_empty() || self.levels.len() > 20 {
            return Err(SettingsError::BadLevels("give 1 to 20 levels"));
        }
        if self.levels[0].at != 0 {
            return Err(SettingsError::BadLevels(
                "the first level starts at 0 points",
            ));
        }
        if self.levels.windows(2).any(|w| w[1].at <= w[0].at) {
            return Err(SettingsError::BadLevels(
                "each level needs more points than the one before",
            ));
        }
        for l in &mut self.levels {
            l.name = l.name.trim().to_owned();
            if l.name.is_empty() || l.name.chars().count() > 40 {
                return Err(SettingsError::BadLevels("names are 1 to 40 characters"));
            }
        }
        Ok(self)
    }

    /// The level of `points` and the next one (`level_of(points) -> (level, next_level_at)`).
    pub fn level_of(&self, points: u64) -> Standing {
        let rung = self
            .levels
            .iter()
            .rposition(|l| l.at <= points)
            .unwrap_or(0);
        let here = self.levels.get(rung);
        Standing {
            level: here.map(|l| l.name.clone()).unwrap_or_default(),
            rung: rung + 1,
            level_at: here.map_or(0, |l| l.at),
            next: self.levels.get(rung + 1).map(|l| (l.name.clone(), l.at)),
        }
    }
}

/// The points an action worth `worth` gets when `earned_last_hour` points were earned in
/// the hour before it: all of them while under `cap`, what fits otherwise (maybe 0).
pub fn capped(worth: u32, earned_last_hour: u64, cap: u32) -> u32 {
    let room = u64::from(cap).saturating_sub(earned_last_hour);
    u32::try_from(room.min(u64::from(worth))).unwrap_or(worth)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn the_ladder_starts_at_narwhal_and_orca_is_near_the_top() {
        let s = PointsSettings::default();
        assert_eq!(s.level_of(0).level, "Narwhal");
        assert_eq!(s.level_of(0).next, Some(("Pufferfish".to_owned(), 15)));
        assert_eq!(s.level_of(14).level, "Narwhal");
        assert_eq!(s.level_of(15).level, "Pufferfish");
        let orca = s.levels.iter().position(|l| l.name == "Orca").unwrap();
        assert_eq!(orca, s.levels.len() - 2);
        let top = s.level_of(10_000);
        assert_eq!(top.level, "Blue Whale");
        assert_eq!(top.next, None);
        assert_eq!(top.percent(10_000), 100);
        assert_eq!(s.level_of(20).percent(20), 20); // 5 of 25 to Sea Turtle
        assert_eq!(s.clone().validate(), Ok(s));
    }

    #[test]
    fn keys_name_the_pair_once_and_refuse_oneself() {
        let (a, b) = (UserId::new(7), UserId::new(3));
        assert_eq!(Action::contact(a, b).unwrap().key(), "contact:3:7");
        assert_eq!(Action::contact(a, b), Action::contact(b, a));
        assert_eq!(Action::contact(a, a), None);
        assert_eq!(Action::rating(SessionId::new(4)).key(), "rating:4");
        assert_ne!(
            Action::rating(SessionId::new(4)).key(),
            Action::comment(SessionId::new(4)).key()
        );
        assert_eq!(Action::lab(SessionId::new(4)).kind(), ActionKind::Lab);
        for k in ActionKind::ALL {
            assert_eq!(ActionKind::parse(k.as_str()), Some(k));
        }
    }

    #[test]
    fn the_cap_grants_what_fits() {
        assert_eq!(capped(5, 0, 60), 5);
        assert_eq!(capped(5, 57, 60), 3);
        assert_eq!(capped(5, 60, 60), 0);
        assert_eq!(capped(5, 90, 60), 0);
    }

    #[test]
    fn bad_settings_name_their_field() {
        let mut s = PointsSettings::default();
        s.points.lab = 1001;
        assert_eq!(
            s.validate().unwrap_err().to_string(),
            "points.lab: at most 1000"
        );
        let mut s = PointsSettings::default();
        s.levels[1].at = 0;
        assert!(s.validate().unwrap_err().to_string().starts_with("levels:"));
        let mut s = PointsSettings::default();
        s.levels[0].at = 1;
        assert!(s.validate().is_err());
        let s = PointsSettings {
            hourly_cap: 0,
            ..PointsSettings::default()
        };
        assert_eq!(s.validate(), Err(SettingsError::BadCap));
        let mut s = PointsSettings::default();
        s.levels[2].name = " ".into();
        assert!(s.validate().is_err());
    }

    proptest! {
        #[test]
        fn levels_never_go_down_and_next_is_above(a in 0u64..1000, b in 0u64..1000) {
            let s = PointsSettings::default();
            let (lo, hi) = (a.min(b), a.max(b));
            prop_assert!(s.level_of(lo).rung <= s.level_of(hi).rung);
            let st = s.level_of(a);
            prop_assert!(st.level_at <= a);
            if let Some((_, at)) = st.next { prop_assert!(at > a); }
            prop_assert!(st.percent(a) <= 100);
        }

        #[test]
        fn a_capped_hour_never_exceeds_the_cap(worths in proptest::collection::vec(0u32..50, 0..40), cap in 1u32..200) {
            let mut earned = 0u64;
            for w in worths {
                let g = capped(w, earned, cap);
                prop_assert!(g <= w);
                earned += u64::from(g);
                prop_assert!(earned <= u64::from(cap));
            }
        }
    }
}
