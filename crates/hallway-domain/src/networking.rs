//! Networking and feedback rules (issue #9): what a contact card holds and which parts an
//! attendee shares, the short badge code people type, and what a session rating and
//! comment may be. The store keeps these values; the web layer parses requests into them.

use serde::{Deserialize, Serialize};

/// Why a card field, a badge code or a piece of feedback was refused. Every variant names
/// the field, so the API can answer with it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum NetworkingError {
    /// Occurs when a card field is longer than it may be.
    #[error("{field}: at most {max} characters")]
    TooLong {
        /// The field.
        field: &'static str,
        /// Its limit.
        max: usize,
    },
    /// Occurs when a card field holds a line break or another control character (only the
    /// note may span lines).
    #[error("{field}: must be one line without control characters")]
    Control {
        /// The field.
        field: &'static str,
    },
    /// Occurs when the display name is empty.
    #[error("name: must not be empty")]
    EmptyName,
    /// Occurs when more than [`MAX_SOCIALS`] social handles are given.
    #[error("socials: at most {MAX_SOCIALS} handles")]
    TooManySocials,
    /// Occurs when a typed badge code is not 8 characters of [`CODE_ALPHABET`].
    #[error(
        "code: {0:?} is not a badge code (8 letters and digits like ABCD-2345; there is no 0, O, 1, I or L)"
    )]
    BadCode(String),
    /// Occurs when a rating is not a whole number from 1 to 5.
    #[error("rating: must be a whole number from 1 to 5")]
    BadRating,
    /// Occurs when a comment is longer than [`MAX_COMMENT`] characters.
    #[error("comment: at most {MAX_COMMENT} characters")]
    CommentTooLong,
}

impl NetworkingError {
    /// The field at fault, as named in the API.
    pub fn field(&self) -> &'static str {
        match self {
            Self::TooLong { field, .. } | Self::Control { field } => field,
            Self::EmptyName => "name",
            Self::TooManySocials => "socials",
            Self::BadCode(_) => "code",
            Self::BadRating => "rating",
            Self::CommentTooLong => "comment",
        }
    }

    /// The message without the field's name in front.
    pub fn message(&self) -> String {
        let text = self.to_string();
        text.strip_prefix(&format!("{}: ", self.field()))
            .map(str::to_owned)
            .unwrap_or(text)
    }
}

/// The most social handles on a card.
pub const MAX_SOCIALS: usize = 5;
/// The most characters of a comment.
pub const MAX_COMMENT: usize = 2000;
/// The fewest characters (after trimming) of a comment that earns points: a comment is
/// stored whatever its length, but "ok" is not worth points.
pub const COMMENT_MIN_FOR_POINTS: usize = 10;

/// Which parts of a card an attendee shares with the people they exchange with.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Sharing {
    /// The display name.
    pub name: bool,
    /// The company.
    pub company: bool,
    /// The role or job title.
    pub role: bool,
    /// The account's email address.
    pub email: bool,
    /// The social handles.
    pub socials: bool,
    /// The short note.
    pub note: bool,
}

impl Default for Sharing {
    /// Everything but the email address: an address is shared only when asked for.
    fn default() -> Self {
        Self {
            name: true,
            company: true,
            role: true,
            email: false,
            socials: true,
            note: true,
        }
    }
}

/// What an attendee writes on their card for one conference (the email comes from the
/// account). Built only by [`CardFields::parse`].
#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub struct CardFields {
    name: String,
    company: String,
    role: String,
    socials: Vec<String>,
    note: String,
}

fn one_line(field: &'static str, raw: &str, max: usize) -> Result<String, NetworkingError> {
    let t = raw.trim();
    if t.chars().count() > max {
        return Err(NetworkingError::TooLong { field, max });
    }
    if t.chars().any(char::is_control) {
        return Err(NetworkingError::Control { field });
    }
    Ok(t.to_owned())
}

impl CardFields {
    /// Limits: name 1-80, company and role up to 80, up to [`MAX_SOCIALS`] handles of up to
    /// 100 (empty ones dropped), a note of up to 280 characters (lines allowed). Text is
    /// trimmed.
    pub fn parse(
        name: &str,
        company: &str,
        role: &str,
        socials: &[String],
        note: &str,
    ) -> Result<Self, NetworkingError> {
        let name = one_line("name", name, crate::account::MAX_NAME)?;
        if name.is_empty() {
            return Err(NetworkingError::EmptyName);
        }
        let socials: Vec<String> = socials
            .iter()
            .map(|s| one_line("socials", s, 100))
            .filter(|s| !matches!(s, Ok(s) if s.is_empty()))
            .collect::<Result<_, _>>()?;
        if socials.len() > MAX_SOCIALS {
            return Err(NetworkingError::TooManySocials);
        }
        let note = note.trim().replace("\r\n", "\n");
        if note.chars().count() > 280 {
            return Err(NetworkingError::TooLong {
                field: "note",
                max: 280,
            });
        }
        if note.chars().any(|c| c.is_control() && c != '\n') {
            return Err(NetworkingError::Control { field: "note" });
        }
        Ok(Self {
            name,
            company: one_line("company", company, 80)?,
            role: one_line("role", role, 80)?,
            socials,
            note,
        })
    }

    /// Stored fields as they are, made to fit: a row written before a limit, or by a path
    /// that did not check it, is cut to the limits and loses its control characters, so
    /// reading never fails on stored data.
    pub fn stored(name: &str, company: &str, role: &str, socials: &[String], note: &str) -> Self {
        let fit = |raw: &str, max: usize, lines: bool| -> String {
            raw.trim()
                .chars()
                .map(|c| {
                    if c.is_control() && !(lines && c == '\n') {
                        ' '
                    } else {
                        c
                    }
                })
                .take(max)
                .collect::<String>()
                .trim()
                .to_owned()
        };
        let name = fit(name, crate::account::MAX_NAME, false);
        Self {
            name: if name.is_empty() {
                "?".to_owned()
            } else {
                name
            },
            company: fit(company, 80, false),
            role: fit(role, 80, false),
            socials: socials
                .iter()
                .map(|s| fit(s, 100, false))
                .filter(|s| !s.is_empty())
                .take(MAX_SOCIALS)
                .collect(),
            note: fit(&note.replace("\r\n", "\n"), 280, true),
        }
    }

    /// The display name.
    pub fn name(&self) -> &str {
        &self.name
    }
    /// The company ("" when none).
    pub fn company(&self) -> &str {
        &self.company
    }
    /// The role or job title ("" when none).
    pub fn role(&self) -> &str {
        &self.role
    }
    /// Social handles or profile URLs.
    pub fn socials(&self) -> &[String] {
        &self.socials
    }
    /// The short note ("" when none).
    pub fn note(&self) -> &str {
        &self.note
    }
}

/// The characters of badge codes: digits and capitals without the look-alikes 0/O, 1/I/L.
pub const CODE_ALPHABET: &[u8; 31] = b"23456789ABCDEFGHJKMNPQRSTUVWXYZ";
/// Characters in a badge code (31^8, about 8.5 * 10^11 codes).
pub const CODE_LEN: usize = 8;

/// The short code on a badge that people type instead of scanning, stored as 8 characters
/// of [`CODE_ALPHABET`] and shown as `ABCD-EFGH`.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct ShortCode(String);

impl ShortCode {
    /// Reads a typed code: case, spaces and hyphens do not matter.
    pub fn parse(raw: &str) -> Result<Self, NetworkingError> {
        let s: String = raw
            .chars()
            .filter(|c| !c.is_whitespace() && *c != '-')
            .map(|c| c.to_ascii_uppercase())
            .collect();
        if s.len() == CODE_LEN && s.bytes().all(|b| CODE_ALPHABET.contains(&b)) {
            Ok(Self(s))
        } else {
            Err(NetworkingError::BadCode(raw.chars().take(40).collect()))
        }
    }

    /// A code from random bytes (the caller supplies randomness; at least [`CODE_LEN`]
    /// bytes are used, each mapped without bias worth noting: 256 = 8 * 31 + 8).
    pub fn from_random(bytes: &[u8; CODE_LEN]) -> Self {
        Self(
            bytes
                .iter()
                .map(|b| CODE_ALPHABET[usize::from(*b) % CODE_ALPHABET.len()] as char)
                .collect(),
        )
    }

    /// The stored form, 8 characters.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The form shown to people: `ABCD-EFGH`.
    pub fn display(&self) -> String {
        format!("{}-{}", &self.0[..4], &self.0[4..])
    }
}

/// A session rating, 1 to 5 stars.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct Rating(u8);

impl Rating {
    /// Accepts 1 to 5.
    pub fn new(raw: i64) -> Result<Self, NetworkingError> {
        u8::try_from(raw)
            .ok()
            .filter(|r| (1..=5).contains(r))
            .map(Self)
            .ok_or(NetworkingError::BadRating)
    }

    /// The number of stars.
    pub fn get(self) -> u8 {
        self.0
    }
}

/// A comment on a session: trimmed, at most [`MAX_COMMENT`] characters; empty means none.
pub fn parse_comment(raw: &str) -> Result<String, NetworkingError> {
    let c = raw.trim().replace("\r\n", "\n");
    if c.chars().count() > MAX_COMMENT {
        return Err(NetworkingError::CommentTooLong);
    }
    Ok(c)
}

/// Whether a (parsed) comment is long enough to earn points.
pub fn comment_earns(comment: &str) -> bool {
    comment.chars().count() >= COMMENT_MIN_FOR_POINTS
}

/// The average of ratings to show, or `None` while fewer than `min_count` were given (a
/// single rating would identify its author to the speaker).
pub fn shown_average(sum: u64, count: u64, min_count: u32) -> Option<f64> {
    (count > 0 && count >= u64::from(min_count)).then(|| sum as f64 / count as f64)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn cards_are_trimmed_and_bounded() {
        let c = CardFields::parse(
            " Ada ",
            "ACME",
            "",
            &["@ada".into(), " ".into()],
            " hi\r\nthere ",
        )
        .unwrap();
        assert_eq!(c.name(), "Ada");
        assert_eq!(c.socials(), ["@ada".to_owned()]);
        assert_eq!(c.note(), "hi\nthere");
        assert_eq!(
            CardFields::parse("", "", "", &[], ""),
            Err(NetworkingError::EmptyName)
        );
        assert_eq!(
            CardFields::parse("A", &"x".repeat(81), "", &[], ""),
            Err(NetworkingError::TooLong {
                field: "company",
                max: 80
            })
        );
        assert_eq!(
            CardFields::parse("A", "", "x\ny", &[], ""),
            Err(NetworkingError::Control { field: "role" })
        );
        let many: Vec<String> = (0..6).map(|i| format!("@{i}")).collect();
        assert_eq!(
            CardFields::parse("A", "", "", &many, ""),
            Err(NetworkingError::TooManySocials)
        );
        assert!(CardFields::parse("A", "", "", &[], &"n".repeat(281)).is_err());
    }

    #[test]
    fn codes_are_read_forgivingly_and_refused_clearly() {
        let c = ShortCode::parse(" abcd-2345 ").unwrap();
        assert_eq!(c.as_str(), "ABCD2345");
        assert_eq!(c.display(), "ABCD-2345");
        for bad in [
            "",
            "ABCD234",
            "ABCD23456",
            "ABCD-2340",
            "OOOOIIII",
            "ABCD 234L",
        ] {
            assert!(ShortCode::parse(bad).is_err(), "{bad:?}");
        }
        let e = ShortCode::parse("nope").unwrap_err().to_string();
        assert!(e.starts_with("code: "), "{e}");
    }

    #[test]
    fn ratings_are_one_to_five() {
        assert!(Rating::new(0).is_err());
        assert!(Rating::new(6).is_err());
        assert!(Rating::new(-1).is_err());
        assert_eq!(Rating::new(5).unwrap().get(), 5);
    }

    #[test]
    fn comments_are_bounded_and_short_ones_earn_nothing() {
        assert_eq!(parse_comment("  ok ").unwrap(), "ok");
        assert!(!comment_earns("ok"));
        assert!(comment_earns("Great demo, thanks"));
        assert_eq!(
            parse_comment(&"x".repeat(2001)),
            Err(NetworkingError::CommentTooLong)
        );
    }

    #[test]
    fn averages_hide_below_the_minimum() {
        assert_eq!(shown_average(10, 2, 3), None);
        assert_eq!(shown_average(12, 3, 3), Some(4.0));
        assert_eq!(shown_average(0, 0, 0), None);
    }

    proptest! {
        #[test]
        fn random_codes_parse_back(bytes in any::<[u8; 8]>()) {
            let c = ShortCode::from_random(&bytes);
            prop_assert_eq!(ShortCode::parse(&c.display()).unwrap(), c.clone());
            prop_assert_eq!(ShortCode::parse(&c.as_str().to_lowercase()).unwrap(), c);
        }

        #[test]
        fn parsed_cards_respect_their_limits(name in "\\PC{1,100}", note in "\\PC{0,300}") {
            if let Ok(c) = CardFields::parse(&name, "", "", &[], &note) {
                prop_assert!(!c.name().is_empty() && c.name().chars().count() <= 80);
                prop_assert!(c.note().chars().count() <= 280);
            }
        }
    }
}
