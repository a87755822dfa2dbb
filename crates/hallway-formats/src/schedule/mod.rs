//! Conference programs in the formats real conferences publish: frab/pentabarf
//! `schedule.xml`, c3voc `schedule.json`, iCalendar and spreadsheets (CSV).
//!
//! Import is liberal: every parser reads its file into a [`RawSchedule`] as it stands, and
//! one builder turns that into a checked [`Program`], handling the quirks published files
//! have (missing or odd time zones, guids that are not UUIDs, persons with id 0, HTML in
//! abstracts, days that run past midnight, rooms used twice at once), each noted as a
//! warning. Export is strict: what we write validates against the c3voc schemas.

mod build;
pub mod csv;
pub mod frab;
pub mod ics;
pub mod json;
mod text;

use chrono::{DateTime, FixedOffset, NaiveDate, NaiveDateTime, NaiveTime};
use hallway_domain::changes::StoredProgram;
use hallway_domain::{Program, Slug, TimeZone};

pub use build::MAX_BYTES;
pub(crate) use build::build;
pub use text::{parse_duration, render_duration};

/// A schedule file format.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Format {
    /// frab/pentabarf `schedule.xml` (the c3voc XSD).
    Frab,
    /// c3voc `schedule.json`.
    Json,
    /// iCalendar (RFC 5545).
    Ics,
    /// A spreadsheet saved as CSV with a header row.
    Csv,
}

impl Format {
    /// Every format, in the order `--format` lists them.
    pub const ALL: [Format; 4] = [Format::Frab, Format::Json, Format::Ics, Format::Csv];

    /// Whether files of this format can state a session's seats (ours in CSV and
    /// iCalendar do; the c3voc schemas have no place for them).
    pub fn states_session_capacities(self) -> bool {
        matches!(self, Self::Csv | Self::Ics)
    }

    /// The name used on the command line and in URLs.
    pub fn name(self) -> &'static str {
        match self {
            Self::Frab => "xml",
            Self::Json => "json",
            Self::Ics => "ics",
            Self::Csv => "csv",
        }
    }

    /// Parses a `--format` value (`frab` and `xml` mean the same).
    pub fn parse(raw: &str) -> Option<Self> {
        match raw.to_ascii_lowercase().as_str() {
            "frab" | "xml" | "pentabarf" => Some(Self::Frab),
            "json" | "c3voc" => Some(Self::Json),
            "ics" | "ical" | "icalendar" => Some(Self::Ics),
            "csv" => Some(Self::Csv),
            _ => None,
        }
    }

    /// The media type of an export.
    pub fn media_type(self) -> &'static str {
        match self {
            Self::Frab => "application/xml; charset=utf-8",
            Self::Json => "application/json",
            Self::Ics => "text/calendar; charset=utf-8",
            Self::Csv => "text/csv; charset=utf-8",
        }
    }

    /// Guesses the format from the first bytes: `<` is XML, `{` JSON, `BEGIN:VCALENDAR`
    /// iCalendar, anything else CSV.
    pub fn detect(bytes: &[u8]) -> Self {
        let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
        let start = bytes
            .iter()
            .position(|b| !b.is_ascii_whitespace())
            .unwrap_or(bytes.len());
        let head = &bytes[start..];
        if head.starts_with(b"<") {
            Self::Frab
        } else if head.starts_with(b"{") {
            Self::Json
        } else if head.len() >= 15 && head[..15].eq_ignore_ascii_case(b"BEGIN:VCALENDAR") {
            Self::Ics
        } else {
            Self::Csv
        }
    }
}

impl std::fmt::Display for Format {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

/// Where in a file an import failed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Location {
    /// The file as a whole (too big, empty, not UTF-8 …).
    File,
    /// A line and column, 1-based (XML, iCalendar).
    Line {
        /// The line.
        line: usize,
        /// The column.
        column: usize,
    },
    /// A JSON path such as `schedule.conference.days[0].rooms.Saal 1[3].duration`.
    Path(String),
    /// A spreadsheet row (1-based, the header is row 1) and column name.
    Cell {
        /// The row.
        row: usize,
        /// The column's header.
        column: String,
    },
}

impl std::fmt::Display for Location {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::File => f.write_str("file"),
            Self::Line { line, column } => write!(f, "line {line}, column {column}"),
            Self::Path(p) => write!(f, "at {p}"),
            Self::Cell { row, column } => write!(f, "row {row}, column {column:?}"),
        }
    }
}

/// Why an import failed. Nothing is stored when one occurs.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{format} {at}: {message}")]
pub struct ImportError {
    /// The format being read.
    pub format: Format,
    /// Where.
    pub at: Location,
    /// What is wrong, naming the field.
    pub message: String,
}

impl ImportError {
    pub(crate) fn new(format: Format, at: Location, message: impl Into<String>) -> Self {
        Self {
            format,
            at,
            message: message.into(),
        }
    }
}

/// Choices the importing organizer makes.
#[derive(Clone, Debug, Default)]
pub struct ImportOptions {
    /// The conference's slug; else the file's acronym, else its title, made into a slug.
    pub slug: Option<Slug>,
    /// The venue's time zone; wins over what the file says (`--time-zone`).
    pub time_zone: Option<TimeZone>,
}

/// A file read into a program.
#[derive(Clone, Debug)]
pub struct Imported {
    /// The program, checked.
    pub program: Program,
    /// The file's own version string (frab `<version>`); may be empty.
    pub version: String,
    /// The format read.
    pub format: Format,
    /// What the import had to work around (a guid that is not a UUID, a room used twice at
    /// once …), one line each.
    pub warnings: Vec<String>,
}

/// Reads `bytes` as `format` (or the detected one) into a checked program.
pub fn import(
    bytes: &[u8],
    format: Option<Format>,
    options: &ImportOptions,
) -> Result<Imported, ImportError> {
    let format = format.unwrap_or_else(|| Format::detect(bytes));
    if bytes.len() > MAX_BYTES {
        return Err(ImportError::new(
            format,
            Location::File,
            format!(
                "the file has {} bytes; at most {MAX_BYTES} are accepted",
                bytes.len()
            ),
        ));
    }
    let raw = match format {
        Format::Frab => frab::read(bytes)?,
        Format::Json => json::read(bytes)?,
        Format::Ics => ics::read(bytes)?,
        Format::Csv => csv::read(bytes)?,
    };
    build(raw, format, options)
}

/// What an export needs besides the program.
#[derive(Clone, Debug)]
pub struct ExportOptions {
    /// The schedule's version string (frab `<version>`).
    pub version: String,
    /// This server's address, e.g. `https://hallway.example.org`, for session links.
    pub public_url: String,
    /// When the export is made (iCalendar's DTSTAMP).
    pub generated_at: chrono::DateTime<chrono::Utc>,
    /// How many released versions changed each session (iCalendar's SEQUENCE); absent = 0.
    pub sequences: std::collections::HashMap<hallway_domain::Guid, u32>,
}

/// Renders `program` as `format`.
pub fn export(program: &StoredProgram, format: Format, options: &ExportOptions) -> Vec<u8> {
    match format {
        Format::Frab => frab::write(program, options),
        Format::Json => json::write(program, options),
        Format::Ics => ics::write(program, options),
        Format::Csv => csv::write(program, options),
    }
}

/// A room's guid in exports, derived from the conference and the room's name so it stays
/// the same from one export to the next.
pub fn room_guid(
    conference: &hallway_domain::program::ConferenceInfo,
    room: &str,
) -> hallway_domain::Guid {
    hallway_domain::Guid::derived(&format!("{}/room/{}", conference.slug, room.to_lowercase()))
}

/// When an event starts, as the file gives it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum When {
    /// An instant with its UTC offset (`2016-12-27T11:00:00+01:00`).
    Absolute(DateTime<FixedOffset>),
    /// A wall-clock time in the conference's zone.
    Local(NaiveDateTime),
}

/// A person as a file names them.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct RawPerson {
    /// The file's id for them; empty or `0` when it has none (then the name identifies them).
    pub id: String,
    /// Their name.
    pub name: String,
    /// Their biography, as given (HTML is turned into text later).
    pub bio: String,
}

/// An event as a file gives it, before any checks.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RawEvent {
    /// Where it is in the file, for errors.
    pub at: Location,
    /// The file's id (frab `id`, pretalx `code`); may be empty.
    pub id: String,
    /// The file's guid; may be empty or not a UUID.
    pub guid: String,
    /// Title.
    pub title: String,
    /// Subtitle.
    pub subtitle: String,
    /// The room's name.
    pub room: String,
    /// The track's name; may be empty.
    pub track: String,
    /// The file's type (`lecture`, `Talk`, `workshop` …), mapped to a session kind and kept as
    /// its label unless it names a kind.
    pub kind: String,
    /// The conference's name for the kind, when the file keeps it apart from `kind` (ours).
    pub label: String,
    /// Language code.
    pub language: String,
    /// Abstract (HTML or Markdown or text).
    pub abstract_text: String,
    /// Description (HTML or Markdown or text).
    pub description: String,
    /// The event's page; may be relative to the base URL.
    pub url: String,
    /// When it starts.
    pub start: Option<When>,
    /// How long it lasts.
    pub duration: Option<chrono::Duration>,
    /// When it ends (iCalendar, CSV), if no duration is given.
    pub end: Option<When>,
    /// The conference day the file lists it under, if it groups by day.
    pub day: Option<NaiveDate>,
    /// Its speakers, in billing order.
    pub persons: Vec<RawPerson>,
    /// Links as (title, URL); URLs may be relative.
    pub links: Vec<(String, String)>,
    /// Seats, if the file says (CSV).
    pub capacity: Option<u32>,
}

impl RawEvent {
    /// An event found at `at`, everything else empty.
    pub fn at(at: Location) -> Self {
        Self {
            at,
            id: String::new(),
            guid: String::new(),
            title: String::new(),
            subtitle: String::new(),
            room: String::new(),
            track: String::new(),
            kind: String::new(),
            label: String::new(),
            language: String::new(),
            abstract_text: String::new(),
            description: String::new(),
            url: String::new(),
            start: None,
            duration: None,
            end: None,
            day: None,
            persons: Vec::new(),
            links: Vec::new(),
            capacity: None,
        }
    }
}

/// A whole file as read, before any checks.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct RawSchedule {
    /// The version string.
    pub version: String,
    /// The conference's title.
    pub title: String,
    /// Its acronym (becomes the slug).
    pub acronym: String,
    /// Its website.
    pub url: String,
    /// The base for relative links.
    pub base_url: String,
    /// Venue and city.
    pub venue: String,
    /// City.
    pub city: String,
    /// What the conference is about.
    pub description: String,
    /// The IANA zone the file names, if any.
    pub time_zone: String,
    /// The first and last day the file declares.
    pub first_day: Option<NaiveDate>,
    /// The last day.
    pub last_day: Option<NaiveDate>,
    /// The day change the file declares or its day boundaries imply.
    pub day_change: Option<NaiveTime>,
    /// Rooms the file declares, in its order, with capacities when given.
    pub rooms: Vec<(String, Option<u32>)>,
    /// Tracks the file declares, with colours when given.
    pub tracks: Vec<(String, String)>,
    /// The events.
    pub events: Vec<RawEvent>,
}
