//! The conference directory: series (DockerCon) and their editions (DockerCon Europe 2017),
//! the filters people use on `/events`, and how the page groups editions.

use chrono::{Datelike, NaiveDate};
use serde::{Deserialize, Serialize};

use crate::ids::{ConferenceId, EditionId, SeriesId};
use crate::text::{Slug, TextError};

/// Why a directory entry was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum DirectoryError {
    /// Occurs when a text field is empty or too long.
    #[error("{field}: {error}")]
    Text {
        /// Which field.
        field: &'static str,
        /// What is wrong with it.
        error: TextError,
    },
    /// Occurs when an edition has only one of its two dates, or ends before it starts.
    #[error("dates must be both given or both absent, and end on or after the start")]
    BadDates,
    /// Occurs when a country is not an ISO 3166-1 alpha-2 code such as `DE`.
    #[error("{0:?} is not a two-letter country code such as DE")]
    BadCountry(String),
    /// Occurs when a URL is not an absolute http(s) URL.
    #[error("{0:?} is not an http(s) URL")]
    BadUrl(String),
}

fn text(field: &'static str, raw: &str) -> Result<String, DirectoryError> {
    crate::text::required(raw, 200).map_err(|error| DirectoryError::Text { field, error })
}

/// A series of conferences run under one name.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Series {
    /// Its id, once stored.
    pub id: Option<SeriesId>,
    /// URL segment derived from the name.
    pub slug: Slug,
    /// "DockerCon".
    pub name: String,
    /// Who runs it; may be empty.
    pub organizer: String,
    /// Topics, lowercase ("kubernetes", "cloud native").
    pub tags: Vec<String>,
    /// The language its talks are in, when not English (BCP 47); may be empty.
    pub language: String,
    /// What it is about, in our words; may be empty.
    pub description: String,
}

impl Series {
    /// A series called `name`, tags normalised to trimmed lowercase without repeats.
    pub fn new(name: &str, tags: &[String]) -> Result<Self, DirectoryError> {
        let name = text("name", name)?;
        let mut clean: Vec<String> = Vec::new();
        for t in tags {
            let t = text("tags", t)?.to_lowercase();
            if !clean.contains(&t) {
                clean.push(t);
            }
        }
        Ok(Self {
            id: None,
            slug: Slug::from_name(&name),
            name,
            organizer: String::new(),
            tags: clean,
            language: String::new(),
            description: String::new(),
        })
    }
}

/// One edition of a series, with or without dates (announced, not yet scheduled).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Edition {
    /// Its id, once stored.
    pub id: Option<EditionId>,
    /// URL segment derived from the name.
    pub slug: Slug,
    /// "DockerCon Europe 2017".
    pub name: String,
    /// Its series' name.
    pub series: String,
    /// The dates, local at the venue; `None` for an edition announced without dates.
    pub dates: Option<(NaiveDate, NaiveDate)>,
    /// The city.
    pub city: String,
    /// ISO 3166-1 alpha-2 code, uppercase.
    pub country: String,
    /// "Europe", "North America".
    pub region: String,
    /// The edition's web site.
    pub url: Option<String>,
    /// Attendance as stated by the organizer.
    pub attendance: Option<u32>,
    /// Number of parallel tracks, as stated.
    pub tracks: Option<u32>,
    /// The series' tags.
    pub tags: Vec<String>,
    /// The conference on this server that holds its program, if any.
    pub conference: Option<ConferenceId>,
}

/// Where an edition stands relative to today.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum EditionStatus {
    /// Announced, no dates yet.
    Announced,
    /// Not over yet (running or ahead).
    Upcoming,
    /// Over.
    Past,
}

/// What an edition is built from; checked by [`Edition::new`].
#[derive(Clone, Debug, Default)]
pub struct EditionFields<'a> {
    /// The name.
    pub name: &'a str,
    /// The series' name.
    pub series: &'a str,
    /// The first day.
    pub starts_on: Option<NaiveDate>,
    /// The last day.
    pub ends_on: Option<NaiveDate>,
    /// The city.
    pub city: &'a str,
    /// The country code.
    pub country: &'a str,
    /// The region.
    pub region: &'a str,
    /// The web site.
    pub url: Option<&'a str>,
    /// Stated attendance.
    pub attendance: Option<u32>,
    /// Stated number of tracks.
    pub tracks: Option<u32>,
}

impl Edition {
    /// Checks the fields and builds an edition.
    pub fn new(f: EditionFields<'_>) -> Result<Self, DirectoryError> {
        let name = text("name", f.name)?;
        let dates = match (f.starts_on, f.ends_on) {
            (Some(a), Some(b)) if b >= a => Some((a, b)),
            (None, None) => None,
            _ => return Err(DirectoryError::BadDates),
        };
        let country = f.country.trim();
        if country.len() != 2 || !country.bytes().all(|b| b.is_ascii_uppercase()) {
            return Err(DirectoryError::BadCountry(f.country.to_owned()));
        }
        let url = match f.url {
            Some(u) if u.starts_with("https://") || u.starts_with("http://") => {
                Some(u.trim().to_owned())
            }
            Some(u) => return Err(DirectoryError::BadUrl(u.to_owned())),
            None => None,
        };
        Ok(Self {
            id: None,
            slug: Slug::from_name(&name),
            name,
            series: text("series", f.series)?,
            dates,
            city: text("city", f.city)?,
            country: country.to_owned(),
            region: text("region", f.region)?,
            url,
            attendance: f.attendance,
            tracks: f.tracks,
            tags: Vec::new(),
            conference: None,
        })
    }

    /// The first day, if dated.
    pub fn starts_on(&self) -> Option<NaiveDate> {
        self.dates.map(|d| d.0)
    }

    /// The last day, if dated.
    pub fn ends_on(&self) -> Option<NaiveDate> {
        self.dates.map(|d| d.1)
    }

    /// Where the edition stands on `today`.
    pub fn status(&self, today: NaiveDate) -> EditionStatus {
        match self.dates {
            None => EditionStatus::Announced,
            Some((_, end)) if end < today => EditionStatus::Past,
            Some(_) => EditionStatus::Upcoming,
        }
    }

    /// The month it starts in, as (year, month), if dated.
    pub fn month(&self) -> Option<(i32, u32)> {
        self.starts_on().map(|d| (d.year(), d.month()))
    }
}

/// The filters of `/events` and `GET /api/v1/events`. Empty fields match everything.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct EditionFilter {
    /// Region, matched ignoring case.
    pub region: Option<String>,
    /// Editions running on or after this day (undated editions are kept).
    pub from: Option<NaiveDate>,
    /// Editions starting on or before this day (undated editions are kept).
    pub to: Option<NaiveDate>,
    /// Editions starting in this year (undated editions are dropped).
    pub year: Option<i32>,
    /// A tag the series carries, matched ignoring case.
    pub tag: Option<String>,
    /// Words that must each appear in the name, series, city, country, region or tags.
    pub text: Option<String>,
}

impl EditionFilter {
    /// Whether `e` passes every filter that is set.
    pub fn matches(&self, e: &Edition) -> bool {
        let eq = |a: &str, b: &str| a.eq_ignore_ascii_case(b.trim());
        if let Some(r) = &self.region
            && !eq(&e.region, r)
        {
            return false;
        }
        if let (Some(from), Some(end)) = (self.from, e.ends_on())
            && end < from
        {
            return false;
        }
        if let (Some(to), Some(start)) = (self.to, e.starts_on())
            && start > to
        {
            return false;
        }
        if let Some(y) = self.year
            && e.starts_on().map(|d| d.year()) != Some(y)
        {
            return false;
        }
        if let Some(t) = &self.tag
            && !e.tags.iter().any(|tag| eq(tag, t))
        {
            return false;
        }
        if let Some(q) = &self.text {
            let hay = format!(
                "{} {} {} {} {} {}",
                e.name,
                e.series,
                e.city,
                e.country,
                e.region,
                e.tags.join(" ")
            )
            .to_lowercase();
            if !q
                .to_lowercase()
                .split_whitespace()
                .all(|word| hay.contains(word))
            {
                return false;
            }
        }
        true
    }
}

/// Editions grouped the way `/events` shows them: by region, then by month, each group in
/// date order; undated (announced) editions come last in their region.
pub fn group_by_region_and_month(editions: &[Edition]) -> Vec<(String, Vec<MonthGroup<'_>>)> {
    let mut regions: Vec<String> = editions.iter().map(|e| e.region.clone()).collect();
    regions.sort();
    regions.dedup();
    regions
        .into_iter()
        .map(|region| {
            let mut mine: Vec<&Edition> = editions.iter().filter(|e| e.region == region).collect();
            // Dated editions by date, undated ones last by name.
            mine.sort_by(|a, b| {
                (a.dates.is_none(), a.starts_on(), &a.name).cmp(&(
                    b.dates.is_none(),
                    b.starts_on(),
                    &b.name,
                ))
            });
            let mut groups: Vec<MonthGroup<'_>> = Vec::new();
            for e in mine {
                match groups.last_mut() {
                    Some(g) if g.month == e.month() => g.editions.push(e),
                    _ => groups.push(MonthGroup {
                        month: e.month(),
                        editions: vec![e],
                    }),
                }
            }
            (region, groups)
        })
        .collect()
}

/// Editions of one month (or the undated ones, `month == None`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MonthGroup<'a> {
    /// (year, month), or `None` for announced editions without dates.
    pub month: Option<(i32, u32)>,
    /// The editions, in date order.
    pub editions: Vec<&'a Edition>,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    fn edition(name: &str, region: &str, dates: Option<(NaiveDate, NaiveDate)>) -> Edition {
        let mut e = Edition::new(EditionFields {
            name,
            series: "S",
            starts_on: dates.map(|x| x.0),
            ends_on: dates.map(|x| x.1),
            city: "Berlin",
            country: "DE",
            region,
            ..Default::default()
        })
        .unwrap();
        e.tags = vec!["kubernetes".into(), "cloud native".into()];
        e
    }

    #[test]
    fn editions_check_their_fields() {
        let base = EditionFields {
            name: "X 2017",
            series: "X",
            city: "Prague",
            country: "CZ",
            region: "Europe",
            ..Default::default()
        };
        assert!(Edition::new(base.clone()).is_ok());
        let one_date = EditionFields {
            starts_on: Some(d(2017, 1, 1)),
            ..base.clone()
        };
        assert_eq!(Edition::new(one_date), Err(DirectoryError::BadDates));
        let backwards = EditionFields {
            starts_on: Some(d(2017, 1, 2)),
            ends_on: Some(d(2017, 1, 1)),
            ..base.clone()
        };
        assert_eq!(Edition::new(backwards), Err(DirectoryError::BadDates));
        let country = EditionFields {
            country: "Czechia",
            ..base.clone()
        };
        assert!(matches!(
            Edition::new(country),
            Err(DirectoryError::BadCountry(_))
        ));
        let url = EditionFields {
            url: Some("ftp://x"),
            ..base.clone()
        };
        assert!(matches!(Edition::new(url), Err(DirectoryError::BadUrl(_))));
        let nameless = EditionFields { name: " ", ..base };
        assert!(matches!(
            Edition::new(nameless),
            Err(DirectoryError::Text { field: "name", .. })
        ));
    }

    #[test]
    fn status_depends_on_today() {
        let e = edition("A", "Europe", Some((d(2017, 10, 16), d(2017, 10, 19))));
        assert_eq!(e.status(d(2017, 10, 19)), EditionStatus::Upcoming);
        assert_eq!(e.status(d(2017, 10, 20)), EditionStatus::Past);
        assert_eq!(
            edition("B", "Europe", None).status(d(2017, 1, 1)),
            EditionStatus::Announced
        );
    }

    #[test]
    fn filters_combine() {
        let e = edition(
            "KubeCon Europe 2017",
            "Europe",
            Some((d(2017, 3, 28), d(2017, 3, 30))),
        );
        let f = |f: EditionFilter| f.matches(&e);
        assert!(f(EditionFilter::default()));
        assert!(f(EditionFilter {
            region: Some("europe".into()),
            ..Default::default()
        }));
        assert!(!f(EditionFilter {
            region: Some("North America".into()),
            ..Default::default()
        }));
        assert!(f(EditionFilter {
            year: Some(2017),
            ..Default::default()
        }));
        assert!(!f(EditionFilter {
            year: Some(2018),
            ..Default::default()
        }));
        assert!(f(EditionFilter {
            tag: Some("Cloud Native".into()),
            ..Default::default()
        }));
        assert!(!f(EditionFilter {
            tag: Some("cloud".into()),
            ..Default::default()
        }));
        assert!(f(EditionFilter {
            text: Some("kubecon berlin".into()),
            ..Default::default()
        }));
        assert!(!f(EditionFilter {
            text: Some("kubecon austin".into()),
            ..Default::default()
        }));
        // from/to keep editions that overlap the range.
        assert!(f(EditionFilter {
            from: Some(d(2017, 3, 30)),
            ..Default::default()
        }));
        assert!(!f(EditionFilter {
            from: Some(d(2017, 3, 31)),
            ..Default::default()
        }));
        assert!(f(EditionFilter {
            to: Some(d(2017, 3, 28)),
            ..Default::default()
        }));
        assert!(!f(EditionFilter {
            to: Some(d(2017, 3, 27)),
            ..Default::default()
        }));
        let undated = edition("Open Days", "Europe", None);
        assert!(
            EditionFilter {
                from: Some(d(2030, 1, 1)),
                ..Default::default()
            }
            .matches(&undated)
        );
        assert!(
            !EditionFilter {
                year: Some(2017),
                ..Default::default()
            }
            .matches(&undated)
        );
    }

    #[test]
    fn grouping_puts_regions_then_months_then_undated() {
        let es = vec![
            edition("Late", "Europe", Some((d(2017, 10, 23), d(2017, 10, 26)))),
            edition("Undated", "Europe", None),
            edition("Early", "Europe", Some((d(2017, 10, 16), d(2017, 10, 19)))),
            edition("March", "Europe", Some((d(2017, 3, 28), d(2017, 3, 30)))),
            edition(
                "Austin",
                "North America",
                Some((d(2017, 4, 17), d(2017, 4, 20))),
            ),
        ];
        let groups = group_by_region_and_month(&es);
        assert_eq!(groups.len(), 2);
        let (region, months) = &groups[0];
        assert_eq!(region, "Europe");
        let names: Vec<Vec<&str>> = months
            .iter()
            .map(|g| g.editions.iter().map(|e| e.name.as_str()).collect())
            .collect();
        assert_eq!(
            names,
            vec![vec!["March"], vec!["Early", "Late"], vec!["Undated"]]
        );
        assert_eq!(months[2].month, None);
    }
}
