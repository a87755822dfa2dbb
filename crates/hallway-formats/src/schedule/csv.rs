//! Programs as spreadsheets saved as CSV: one session a row under a header row, read into a
//! [`RawSchedule`] as written (local times; the builder places them in the conference's
//! zone) and written back with exactly the columns the reader understands.
//!
//! The columns are documented in the README ("CSV columns").

use std::collections::HashMap;

use chrono::{DateTime, Duration, FixedOffset, NaiveDate, NaiveDateTime, NaiveTime, Timelike};
use hallway_domain::changes::StoredProgram;

use super::text::parse_duration;
use super::{ExportOptions, Format, ImportError, Location, RawEvent, RawPerson, RawSchedule, When};

/// The columns we write, in order; the reader understands each.
const COLUMNS: [&str; 19] = [
    "title",
    "date",
    "start",
    "end",
    "duration",
    "room",
    "track",
    "kind",
    "speakers",
    "capacity",
    "abstract",
    "guid",
    "subtitle",
    "language",
    "url",
    "description",
    "room_capacity",
    "track_colour",
    "label",
];

/// What a column holds.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
enum Column {
    Title,
    Date,
    Start,
    End,
    Duration,
    Room,
    Track,
    Kind,
    Speakers,
    Capacity,
    Abstract,
    Guid,
    Id,
    Subtitle,
    Language,
    Url,
    Description,
    RoomCapacity,
    TrackColour,
    Label,
}

impl Column {
    /// The name we write in a header.
    fn canonical(self) -> &'static str {
        match self {
            Self::Title => "title",
            Self::Date => "date",
            Self::Start => "start",
            Self::End => "end",
            Self::Duration => "duration",
            Self::Room => "room",
            Self::Track => "track",
            Self::Kind => "kind",
            Self::Speakers => "speakers",
            Self::Capacity => "capacity",
            Self::Abstract => "abstract",
            Self::Guid => "guid",
            Self::Id => "id",
            Self::Subtitle => "subtitle",
            Self::Language => "language",
            Self::Url => "url",
            Self::Description => "description",
            Self::RoomCapacity => "room_capacity",
            Self::TrackColour => "track_colour",
            Self::Label => "label",
        }
    }

    /// The column a header names: case, spaces, underscores and hyphens do not matter.
    fn of_header(raw: &str) -> Option<Self> {
        let key: String = raw
            .chars()
            .filter(|c| !matches!(c, ' ' | '_' | '-' | '\u{feff}'))
            .flat_map(char::to_lowercase)
            .collect();
        Some(match key.as_str() {
            "title" | "sessiontitle" | "session" | "talk" => Self::Title,
            "date" | "day" => Self::Date,
            "start" | "starts" | "starttime" | "begin" | "from" | "time" => Self::Start,
            "end" | "ends" | "endtime" | "until" | "to" => Self::End,
            "duration" | "length" => Self::Duration,
            "room" | "location" | "roomname" => Self::Room,
            "track" | "category" => Self::Track,
            "kind" | "type" | "sessiontype" | "format" => Self::Kind,
            "speaker" | "speakers" | "person" | "persons" | "presenter" | "presenters" => {
                Self::Speakers
            }
            "capacity" | "seats" => Self::Capacity,
            "abstract" => Self::Abstract,
            "guid" | "uuid" => Self::Guid,
            "id" | "code" => Self::Id,
            "subtitle" => Self::Subtitle,
            "language" | "lang" => Self::Language,
            "url" | "link" => Self::Url,
            "description" => Self::Description,
            "roomcapacity" | "roomseats" => Self::RoomCapacity,
            "trackcolour" | "trackcolor" | "colour" | "color" => Self::TrackColour,
            "label" | "kindlabel" | "sessionlabel" => Self::Label,
            _ => return None,
        })
    }
}

/// A header row read: which field is where, and the header's own names for errors.
#[derive(Debug)]
struct Header {
    index: HashMap<Column, usize>,
    names: Vec<String>,
}

impl Header {
    fn read(record: &csv::StringRecord) -> Result<Self, ImportError> {
        let names: Vec<String> = record.iter().map(|h| h.trim().to_owned()).collect();
        let mut index = HashMap::new();
        for (i, name) in names.iter().enumerate() {
            if let Some(c) = Column::of_header(name) {
                index.entry(c).or_insert(i);
            }
        }
        // "description" is the abstract when the sheet has no abstract column.
        if !index.contains_key(&Column::Abstract)
            && let Some(i) = index.remove(&Column::Description)
        {
            index.insert(Column::Abstract, i);
        }
        for (column, name) in [(Column::Title, "title"), (Column::Room, "room")] {
            if !index.contains_key(&column) {
                return Err(ImportError::new(
                    Format::Csv,
                    Location::Cell {
                        row: 1,
                        column: name.into(),
                    },
                    format!("the header row has no {name} column (it is required)"),
                ));
            }
        }
        if !index.contains_key(&Column::Start) {
            return Err(ImportError::new(
                Format::Csv,
                Location::Cell {
                    row: 1,
                    column: "start".into(),
                },
                "the header row has no start column (it is required)",
            ));
        }
        Ok(Self { index, names })
    }

    /// The header's name for `column` (for errors), else the name we write.
    fn name(&self, column: Column) -> String {
        self.index
            .get(&column)
            .and_then(|i| self.names.get(*i))
            .filter(|n| !n.is_empty())
            .cloned()
            .unwrap_or_else(|| column.canonical().to_owned())
    }
}

/// One data row being read.
struct Row<'a> {
    header: &'a Header,
    record: &'a csv::StringRecord,
    row: usize,
}

impl Row<'_> {
    /// The cell of `column`, trimmed; empty when the sheet lacks the column or the row is
    /// short. A cell our export defused (`'=…`, see `table::cell`) reads as what it was.
    fn get(&self, column: Column) -> &str {
        let cell = self
            .header
            .index
            .get(&column)
            .and_then(|i| self.record.get(*i))
            .map_or("", str::trim);
        crate::table::undefused(cell)
    }

    fn error(&self, column: Column, message: String) -> ImportError {
        ImportError::new(
            Format::Csv,
            Location::Cell {
                row: self.row,
                column: self.header.name(column),
            },
            message,
        )
    }

    fn positive(&self, column: Column) -> Result<Option<u32>, ImportError> {
        let raw = self.get(column);
        if raw.is_empty() {
            return Ok(None);
        }
        raw.parse::<u32>()
            .ok()
            .filter(|n| *n > 0)
            .map(Some)
            .ok_or_else(|| self.error(column, format!("{raw:?} is not a positive whole number")))
    }
}

/// `HH:MM` or `HH:MM:SS` (the hour may have one digit).
fn parse_clock(raw: &str) -> Option<NaiveTime> {
    let parts: Vec<&str> = raw.split(':').collect();
    let num = |s: &str| {
        (!s.is_empty() && s.len() <= 2 && s.bytes().all(|b| b.is_ascii_digit()))
            .then(|| s.parse::<u32>().ok())
            .flatten()
    };
    match parts.as_slice() {
        [h, m] if m.len() == 2 => NaiveTime::from_hms_opt(num(h)?, num(m)?, 0),
        [h, m, s] if m.len() == 2 && s.len() == 2 => {
            NaiveTime::from_hms_opt(num(h)?, num(m)?, num(s)?)
        }
        _ => None,
    }
}

/// A full date-time in a start or end cell: RFC 3339 with an offset (absolute), or without
/// one (`2026-11-22T10:00`, `2026-11-22 10:00:00`: local).
fn parse_date_time(raw: &str) -> Option<When> {
    if let Ok(t) = DateTime::parse_from_rfc3339(raw) {
        return Some(When::Absolute(t));
    }
    [
        "%Y-%m-%dT%H:%M:%S",
        "%Y-%m-%dT%H:%M",
        "%Y-%m-%d %H:%M:%S",
        "%Y-%m-%d %H:%M",
    ]
    .iter()
    .find_map(|f| NaiveDateTime::parse_from_str(raw, f).ok())
    .map(When::Local)
}

/// The local date and time of `when`, and its offset when it has one.
fn parts(when: When) -> (NaiveDateTime, Option<FixedOffset>) {
    match when {
        When::Absolute(t) => (t.naive_local(), Some(*t.offset())),
        When::Local(t) => (t, None),
    }
}

fn read_row(row: &Row<'_>) -> Result<RawEvent, ImportError> {
    let mut e = RawEvent::at(Location::Cell {
        row: row.row,
        column: row.header.name(Column::Title),
    });
    e.title = row.get(Column::Title).to_owned();

    let date_raw = row.get(Column::Date);
    let date = if date_raw.is_empty() {
        None
    } else {
        Some(
            NaiveDate::parse_from_str(date_raw, "%Y-%m-%d")
                .ok()
                .filter(|_| date_raw.len() == 10)
                .ok_or_else(|| {
                    row.error(
                        Column::Date,
                        format!("{date_raw:?} is not a date (use YYYY-MM-DD)"),
                    )
                })?,
        )
    };
    let start_raw = row.get(Column::Start);
    let start = if start_raw.is_empty() {
        return Err(row.error(Column::Start, "the start is empty".into()));
    } else if let Some(when) = parse_date_time(start_raw) {
        // A full date-time; a date beside it names the conference day it is listed under.
        e.day = date;
        when
    } else {
        let time = parse_clock(start_raw).ok_or_else(|| {
            row.error(
                Column::Start,
                format!("{start_raw:?} is not a time (use HH:MM)"),
            )
        })?;
        let Some(date) = date else {
            return Err(row.error(
                Column::Date,
                format!("the date is empty (the start {start_raw:?} needs one, as YYYY-MM-DD)"),
            ));
        };
        e.day = Some(date);
        When::Local(date.and_time(time))
    };
    e.start = Some(start);

    let end_raw = row.get(Column::End);
    if !end_raw.is_empty() {
        let end = match parse_date_time(end_raw) {
            Some(when) => when,
            None => {
                let time = parse_clock(end_raw).ok_or_else(|| {
                    row.error(
                        Column::End,
                        format!("{end_raw:?} is not a time (use HH:MM)"),
                    )
                })?;
                // The end's date is the start's, or the next day when the clock went past
                // midnight; it keeps the start's offset.
                let (start_local, offset) = parts(start);
                let mut end = start_local.date().and_time(time);
                if end < start_local {
                    end += Duration::days(1);
                }
                match offset.and_then(|o| end.and_local_timezone(o).single()) {
                    Some(t) => When::Absolute(t),
                    None => When::Local(end),
                }
            }
        };
        e.end = Some(end);
    }
    let duration_raw = row.get(Column::Duration);
    if !duration_raw.is_empty() {
        e.duration = Some(parse_duration(duration_raw).ok_or_else(|| {
            row.error(
                Column::Duration,
                format!("{duration_raw:?} is not a duration (use HH:MM or minutes)"),
            )
        })?);
    }
    if e.end.is_none() && e.duration.is_none() {
        return Err(row.error(
            Column::End,
            "the row has neither an end nor a duration".into(),
        ));
    }

    e.room = row.get(Column::Room).to_owned();
    e.track = row.get(Column::Track).to_owned();
    e.kind = row.get(Column::Kind).to_owned();
    e.label = row.get(Column::Label).to_owned();
    e.persons = row
        .get(Column::Speakers)
        .split(';')
        .map(str::trim)
        .filter(|n| !n.is_empty())
        .map(|name| RawPerson {
            name: name.to_owned(),
            ..RawPerson::default()
        })
        .collect();
    e.capacity = row.positive(Column::Capacity)?;
    e.abstract_text = row.get(Column::Abstract).to_owned();
    e.guid = row.get(Column::Guid).to_owned();
    e.id = row.get(Column::Id).to_owned();
    e.subtitle = row.get(Column::Subtitle).to_owned();
    e.language = row.get(Column::Language).to_owned();
    e.url = row.get(Column::Url).to_owned();
    e.description = row.get(Column::Description).to_owned();
    Ok(e)
}

/// Reads a CSV file with a header row as it stands.
pub(crate) fn read(bytes: &[u8]) -> Result<RawSchedule, ImportError> {
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_reader(bytes);
    let csv_error = |e: csv::Error, row: usize| {
        let at = match e.position() {
            Some(p) => Location::Line {
                line: usize::try_from(p.line()).unwrap_or(row),
                column: 1,
            },
            None => Location::Cell {
                row,
                column: String::new(),
            },
        };
        let message = match e.kind() {
            csv::ErrorKind::Utf8 { .. } => "the file is not UTF-8 here (save it as UTF-8)".into(),
            _ => e.to_string(),
        };
        ImportError::new(Format::Csv, at, message)
    };

    let mut records = reader.records();
    let Some(first) = records.next() else {
        return Err(ImportError::new(
            Format::Csv,
            Location::File,
            "the file is empty (it needs a header row naming the columns)",
        ));
    };
    let first = first.map_err(|e| csv_error(e, 1))?;
    let header = Header::read(&first)?;

    let mut raw = RawSchedule::default();
    let mut rooms: Vec<(String, Option<u32>)> = Vec::new();
    let mut tracks: Vec<(String, String)> = Vec::new();
    // Spreadsheet rows: blank lines (which the csv reader skips) count, line breaks inside
    // a quoted cell do not.
    let mut lines = LineCounter::new(bytes);
    let mut inner_breaks = newlines(&first);
    let mut row = 1;
    for record in records {
        let record = record.map_err(|e| csv_error(e, row + 1))?;
        if let Some(p) = record.position() {
            let start = usize::try_from(p.byte()).unwrap_or(usize::MAX);
            row = lines
                .line_of(start)
                .saturating_sub(inner_breaks)
                .max(row + 1);
        } else {
            row += 1;
        }
        inner_breaks += newlines(&record);
        if record.iter().all(|c| c.trim().is_empty()) {
            continue;
        }
        let r = Row {
            header: &header,
            record: &record,
            row,
        };
        let event = read_row(&r)?;
        let room_capacity = r.positive(Column::RoomCapacity)?;
        if !event.room.trim().is_empty() {
            let key = event.room.trim().to_lowercase();
            match rooms.iter_mut().find(|(n, _)| n.to_lowercase() == key) {
                Some((_, c)) => *c = c.or(room_capacity),
                None => rooms.push((event.room.trim().to_owned(), room_capacity)),
            }
        }
        if !event.track.trim().is_empty() {
            let colour = r.get(Column::TrackColour);
            let key = event.track.trim().to_lowercase();
            match tracks.iter_mut().find(|(n, _)| n.to_lowercase() == key) {
                Some((_, c)) if c.is_empty() => colour.clone_into(c),
                Some(_) => {}
                None => tracks.push((event.track.trim().to_owned(), colour.to_owned())),
            }
        }
        raw.events.push(event);
    }
    raw.rooms = rooms;
    raw.tracks = tracks;
    Ok(raw)
}

/// How many line breaks the cells of `record` hold.
fn newlines(record: &csv::StringRecord) -> usize {
    record.iter().map(|c| c.matches('\n').count()).sum()
}

/// Physical line numbers of byte offsets, counted as the offsets grow.
#[derive(Debug)]
struct LineCounter<'a> {
    bytes: &'a [u8],
    scanned: usize,
    breaks: usize,
}

impl<'a> LineCounter<'a> {
    fn new(bytes: &'a [u8]) -> Self {
        Self {
            bytes,
            scanned: 0,
            breaks: 0,
        }
    }

    /// The 1-based line of the first byte at or after `offset` that is not a line break (a
    /// record's position points at the blank lines before it).
    fn line_of(&mut self, offset: usize) -> usize {
        let mut start = offset.min(self.bytes.len());
        while matches!(self.bytes.get(start), Some(b'\r' | b'\n')) {
            start += 1;
        }
        if start > self.scanned {
            self.breaks += self.bytes[self.scanned..start]
                .iter()
                .filter(|b| **b == b'\n')
                .count();
            self.scanned = start;
        }
        self.breaks + 1
    }
}

/// `HH:MM`, or `HH:MM:SS` when the seconds are not zero.
fn clock(t: NaiveTime) -> String {
    if t.second() == 0 {
        t.format("%H:%M").to_string()
    } else {
        t.format("%H:%M:%S").to_string()
    }
}

/// A duration as `HH:MM` (hours may pass 23), or `HH:MM:SS` when it has seconds.
fn length(d: Duration) -> String {
    let secs = d.num_seconds().max(0);
    let (h, m, s) = (secs / 3600, secs / 60 % 60, secs % 60);
    if s == 0 {
        format!("{h:02}:{m:02}")
    } else {
        format!("{h:02}:{m:02}:{s:02}")
    }
}

/// Renders the program as CSV: a header row of [`COLUMNS`], then one row per session in
/// the stored order, times local to the conference's zone. The date is the conference day
/// the session belongs to; a session after midnight that still belongs to the day before
/// (before the day change) gets its start as a full RFC 3339 date-time.
pub(crate) fn write(program: &StoredProgram, _options: &ExportOptions) -> Vec<u8> {
    let info = &program.conference.info;
    let zone = info.time_zone.tz();
    let mut writer = csv::WriterBuilder::new()
        .terminator(csv::Terminator::CRLF)
        .from_writer(Vec::new());
    let mut rows: Vec<Vec<String>> = Vec::with_capacity(program.sessions.len() + 1);
    rows.push(COLUMNS.iter().map(|c| (*c).to_owned()).collect());
    for s in &program.sessions {
        let start = s.info.span.start().with_timezone(&zone);
        let end = s.info.span.end().with_timezone(&zone);
        let day = info.days.day_of(s.info.span.start(), info.time_zone);
        let start_cell = if start.date_naive() == day {
            clock(start.time())
        } else {
            start.to_rfc3339()
        };
        let room = program.room(s.room);
        let track = s.track.and_then(|t| program.track(t));
        let speakers: Vec<&str> = s
            .speakers
            .iter()
            .filter_map(|p| program.speaker(*p))
            .map(|p| p.info.name.as_str())
            .collect();
        rows.push(vec![
            s.info.title.clone(),
            day.to_string(),
            start_cell,
            clock(end.time()),
            length(s.info.span.duration()),
            room.map(|r| r.name.clone()).unwrap_or_default(),
            track.map(|t| t.name.clone()).unwrap_or_default(),
            s.info.kind.as_str().to_owned(),
            speakers.join("; "),
            s.info
                .capacity_override
                .map(|c| c.get().to_string())
                .unwrap_or_default(),
            s.info.abstract_text.clone(),
            s.info.guid.to_string(),
            s.info.subtitle.clone(),
            s.info.language.clone(),
            s.info.url.clone(),
            s.info.description.clone(),
            room.and_then(|r| r.capacity)
                .map(|c| c.get().to_string())
                .unwrap_or_default(),
            track.map(|t| t.colour.hex()).unwrap_or_default(),
            s.info.label.clone(),
        ]);
    }
    for row in rows {
        // Titles, names and abstracts are the organizers' and speakers' text: a cell that a
        // spreadsheet would run as a formula is defused, as in every CSV we write.
        if writer
            .write_record(row.iter().map(|c| crate::table::cell(c)))
            .is_err()
        {
            return Vec::new();
        }
    }
    writer.into_inner().unwrap_or_default()
}

#[cfg(test)]
#[path = "csv_tests.rs"]
mod tests;
