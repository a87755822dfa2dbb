//! The conference directory file (`data/container-events.json`): series with their
//! editions, facts only. Each entry passes the domain's checks as it is read, so an error
//! carries the line and column of the entry at fault.
//!
//! Shape: `{"about": "…", "series": [{"name", "organizer"?, "tags"?, "language"?,
//! "description"?, "editions": [{"name", "starts_on"?, "ends_on"?, "city", "country",
//! "region", "url"?, "attendance"?, "tracks"?}]}]}`. Unknown fields are ignored so that the
//! file can grow.

use chrono::NaiveDate;
use hallway_domain::directory::{DirectoryError, EditionFields};
use hallway_domain::{Edition, Series};
use serde::Deserialize;

use crate::ParseError;

/// A series and its editions, as read from the directory file.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SeriesEntry {
    /// The series.
    pub series: Series,
    /// Its editions, in file order; each carries the series' name and tags.
    pub editions: Vec<Edition>,
}

/// Reads a directory file. Fails on the first entry that is malformed, naming it.
pub fn parse_directory(bytes: &[u8]) -> Result<Vec<SeriesEntry>, ParseError> {
    let file: RawFile = serde_json::from_slice(bytes).map_err(|e| ParseError::from_json(&e))?;
    Ok(file.series.into_iter().map(|c| c.0).collect())
}

#[derive(Deserialize)]
struct RawFile {
    series: Vec<CheckedSeries>,
}

#[derive(Deserialize)]
#[serde(try_from = "RawSeries")]
struct CheckedSeries(SeriesEntry);

#[derive(Deserialize)]
struct RawSeries {
    name: String,
    #[serde(default)]
    organizer: String,
    #[serde(default)]
    tags: Vec<String>,
    #[serde(default)]
    language: String,
    #[serde(default)]
    description: String,
    editions: Vec<CheckedEdition>,
}

/// An edition checked where it stands in the file, so an error points at it; its series'
/// name and tags are filled in by the series around it.
#[derive(Deserialize)]
#[serde(try_from = "RawEdition")]
struct CheckedEdition(Edition);

#[derive(Deserialize)]
struct RawEdition {
    name: String,
    starts_on: Option<NaiveDate>,
    ends_on: Option<NaiveDate>,
    city: String,
    country: String,
    region: String,
    url: Option<String>,
    attendance: Option<u32>,
    tracks: Option<u32>,
}

impl TryFrom<RawEdition> for CheckedEdition {
    type Error = String;

    fn try_from(e: RawEdition) -> Result<Self, Self::Error> {
        Edition::new(EditionFields {
            name: &e.name,
            // Replaced by the series' own name once the series is read.
            series: &e.name,
            starts_on: e.starts_on,
            ends_on: e.ends_on,
            city: &e.city,
            country: &e.country,
            region: &e.region,
            url: e.url.as_deref(),
            attendance: e.attendance,
            tracks: e.tracks,
        })
        .map(Self)
        .map_err(|err| format!("edition {:?}: {err}", e.name))
    }
}

impl TryFrom<RawSeries> for CheckedSeries {
    type Error = String;

    fn try_from(raw: RawSeries) -> Result<Self, Self::Error> {
        let mut series = Series::new(&raw.name, &raw.tags)
            .map_err(|e: DirectoryError| format!("series {:?}: {e}", raw.name))?;
        series.organizer = raw.organizer.trim().to_owned();
        series.language = raw.language.trim().to_owned();
        series.description = raw.description.trim().to_owned();
        let editions = raw
            .editions
            .into_iter()
            .map(|CheckedEdition(mut e)| {
                e.series = series.name.clone();
                e.tags = series.tags.clone();
                e
            })
            .collect();
        Ok(Self(SeriesEntry { series, editions }))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ParseErrorKind;

    const SHIPPED: &[u8] = include_bytes!("../../../data/container-events.json");

    #[test]
    fn the_shipped_directory_has_23_editions() {
        let entries = parse_directory(SHIPPED).unwrap();
        let editions: Vec<&Edition> = entries.iter().flat_map(|s| &s.editions).collect();
        assert_eq!(editions.len(), 23);
        let undated = editions.iter().filter(|e| e.dates.is_none()).count();
        assert_eq!(
            undated, 4,
            "the four Open Container Days are announced without dates"
        );
        let dceu = editions
            .iter()
            .find(|e| e.name == "DockerCon Europe 2017")
            .unwrap();
        assert_eq!(dceu.attendance, Some(5000));
        assert_eq!(dceu.tracks, Some(8));
        assert_eq!(dceu.country, "DK");
        assert!(dceu.tags.contains(&"docker".to_owned()));
        let mut slugs: Vec<&str> = editions.iter().map(|e| e.slug.as_str()).collect();
        slugs.sort();
        slugs.dedup();
        assert_eq!(slugs.len(), 23, "edition slugs are unique");
    }

    #[test]
    fn a_bad_entry_is_named_with_its_position() {
        let input = br#"{"series": [
  {"name": "X", "editions": [
    {"name": "X 2017", "starts_on": "2017-01-02", "city": "Oslo", "country": "NO", "region": "Europe"}
  ]}
]}"#;
        let err = parse_directory(input).unwrap_err();
        // serde_json reports the position after the edition object it rejected.
        assert_eq!(err.line, 4, "{err}");
        assert!(matches!(err.kind, ParseErrorKind::Invalid(_)));
        let text = err.to_string();
        assert!(text.contains("\"X 2017\""), "{text}");
        assert!(text.contains("dates"), "{text}");
    }

    #[test]
    fn broken_json_is_a_syntax_error_with_position() {
        let err = parse_directory(b"{\"series\": [\n  {\"name\": }\n]}").unwrap_err();
        assert_eq!((err.line, err.column), (2, 12));
        assert!(matches!(err.kind, ParseErrorKind::Syntax(_)), "{err}");
    }

    #[test]
    fn a_bad_date_names_the_field() {
        let input = br#"{"series": [{"name": "X", "editions": [
  {"name": "X", "starts_on": "2017-13-01", "ends_on": "2017-01-01", "city": "A", "country": "NO", "region": "E"}]}]}"#;
        let err = parse_directory(input).unwrap_err();
        assert_eq!(err.line, 2);
        assert!(
            err.to_string().contains("input is out of range")
                || err.to_string().contains("starts_on"),
            "{err}"
        );
    }
}
