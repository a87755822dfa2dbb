//! Small validated strings shared by every other module.

use serde::{Deserialize, Serialize};

/// Why a piece of text was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum TextError {
    /// Occurs when a required text is empty or only white space.
    #[error("must not be empty")]
    Empty,
    /// Occurs when a text is longer than its field allows.
    #[error("is longer than {max} characters")]
    TooLong {
        /// The most characters the field takes.
        max: usize,
    },
    /// Occurs when a slug holds anything but `a-z`, `0-9` and inner single hyphens.
    #[error("{0:?} is not a slug: use lowercase letters, digits and single hyphens inside")]
    NotASlug(String),
}

/// A URL path segment naming a conference or edition: `dockercon-eu-2017`.
///
/// Lowercase ASCII letters and digits, with single hyphens between them, at most 64
/// characters. Slugs appear in URLs, so the rule keeps them readable and never in need of
/// escaping.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Slug(String);

impl Slug {
    /// The longest slug accepted.
    pub const MAX_LEN: usize = 64;

    /// Checks `raw` against the slug rule.
    pub fn parse(raw: &str) -> Result<Self, TextError> {
        if raw.is_empty() {
            return Err(TextError::Empty);
        }
        if raw.len() > Self::MAX_LEN {
            return Err(TextError::TooLong { max: Self::MAX_LEN });
        }
        let ok_chars = raw
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-');
        if !ok_chars || raw.starts_with('-') || raw.ends_with('-') || raw.contains("--") {
            return Err(TextError::NotASlug(raw.to_owned()));
        }
        Ok(Self(raw.to_owned()))
    }

    /// Makes a slug from a human name: "KubeCon + CloudNativeCon Europe 2017" becomes
    /// `kubecon-cloudnativecon-europe-2017`. Letters outside ASCII are dropped, runs of
    /// anything else become one hyphen. Falls back to `"x"` for a name with nothing usable.
    pub fn from_name(name: &str) -> Self {
        let mut out = String::with_capacity(name.len());
        for c in name.chars() {
            if c.is_ascii_alphanumeric() {
                out.push(c.to_ascii_lowercase());
            } else if !out.is_empty() && !out.ends_with('-') {
                out.push('-');
            }
        }
        while out.ends_with('-') {
            out.pop();
        }
        out.truncate(Self::MAX_LEN);
        while out.ends_with('-') {
            out.pop();
        }
        if out.is_empty() {
            out.push('x');
        }
        Self(out)
    }

    /// The slug as text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl TryFrom<String> for Slug {
    type Error = TextError;
    fn try_from(value: String) -> Result<Self, Self::Error> {
        Self::parse(&value)
    }
}

impl From<Slug> for String {
    fn from(value: Slug) -> Self {
        value.0
    }
}

impl std::fmt::Display for Slug {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

/// Trims `raw` and checks it is non-empty and at most `max` characters long.
pub fn required(raw: &str, max: usize) -> Result<String, TextError> {
    let trimmed = raw.trim();
    if trimmed.is_empty() {
        return Err(TextError::Empty);
    }
    if trimmed.chars().count() > max {
        return Err(TextError::TooLong { max });
    }
    Ok(trimmed.to_owned())
}

/// Trims `raw` and checks it is at most `max` characters long (empty is fine).
pub fn optional(raw: &str, max: usize) -> Result<String, TextError> {
    let trimmed = raw.trim();
    if trimmed.chars().count() > max {
        return Err(TextError::TooLong { max });
    }
    Ok(trimmed.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slugs_accept_the_url_friendly_form_only() {
        assert!(Slug::parse("dockercon-eu-2017").is_ok());
        assert!(Slug::parse("a").is_ok());
        for bad in ["", "Dockercon", "-a", "a-", "a--b", "a b", "ä", "a_b"] {
            assert!(Slug::parse(bad).is_err(), "{bad:?} was accepted");
        }
        assert_eq!(
            Slug::parse(&"a".repeat(65)),
            Err(TextError::TooLong { max: 64 })
        );
    }

    #[test]
    fn slugs_from_names_are_valid_slugs() {
        let slug = Slug::from_name("KubeCon + CloudNativeCon Europe 2017");
        assert_eq!(slug.as_str(), "kubecon-cloudnativecon-europe-2017");
        assert_eq!(Slug::from_name("  Über -- Con!  ").as_str(), "ber-con");
        assert_eq!(Slug::from_name("***").as_str(), "x");
        let long = Slug::from_name(&"ab ".repeat(50));
        assert!(Slug::parse(long.as_str()).is_ok());
    }

    #[test]
    fn slugs_deserialise_through_the_same_check() {
        let err = serde_json::from_str::<Slug>("\"Not A Slug\"").unwrap_err();
        assert!(err.to_string().contains("is not a slug"), "{err}");
    }

    #[test]
    fn required_text_is_trimmed_and_bounded() {
        assert_eq!(required("  hi ", 5).as_deref(), Ok("hi"));
        assert_eq!(required("   ", 5), Err(TextError::Empty));
        assert_eq!(required("abcdef", 5), Err(TextError::TooLong { max: 5 }));
    }
}
