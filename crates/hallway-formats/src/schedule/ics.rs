//! iCalendar (RFC 5545) programs: the whole program (or one session) as a calendar with a
//! VTIMEZONE for the venue's zone and `X-HALLWAY-…` properties that make a re-import of our
//! own export lossless, and published program calendars (frab, pretalx, ours) read back into
//! a [`RawSchedule`].
//!
//! Reading unfolds lines on bytes before decoding UTF-8, because published files fold in the
//! middle of multi-byte characters; a small content-line reader then keeps every line's
//! position for errors (the `icalendar` crate's parser only reports positions in the
//! unfolded text). Writing uses the `icalendar` crate for properties and events (escaping,
//! folding at 75 octets on character boundaries, CRLF) and writes the VTIMEZONE by hand.

use chrono::{
    DateTime, Datelike, Duration, FixedOffset, LocalResult, NaiveDate, NaiveDateTime, NaiveTime,
    Offset, TimeZone as _, Utc,
};
use chrono_tz::{OffsetComponents, OffsetName, Tz};
use hallway_domain::changes::StoredProgram;
use hallway_domain::{Guid, Session, SessionId};
use icalendar::{Component, Event, EventLike, Property};

use super::{ExportOptions, Format, ImportError, Location, RawEvent, RawPerson, RawSchedule, When};

/// Our PRODID.
const PRODID: &str = "-//hallway//conference program//EN";

/// The local date-time form of iCalendar (`20261122T093000`).
const LOCAL_FORMAT: &str = "%Y%m%dT%H%M%S";

// ---------------------------------------------------------------------------------------
// Writing
// ---------------------------------------------------------------------------------------

/// Renders the whole program as one calendar.
pub(crate) fn write(program: &StoredProgram, options: &ExportOptions) -> Vec<u8> {
    let sessions: Vec<&Session> = program.sessions.iter().collect();
    render(program, options, &sessions, true).into_bytes()
}

/// Renders one session of `program` as a calendar holding a single VEVENT (what an
/// "add to calendar" link serves); `None` when the program has no session `session`.
pub fn write_session(
    program: &StoredProgram,
    session: SessionId,
    options: &ExportOptions,
) -> Option<Vec<u8>> {
    let found = program.sessions.iter().find(|s| s.id == session)?;
    Some(render(program, options, &[found], false).into_bytes())
}

/// One property as a folded content line ending in CRLF.
fn push_property(out: &mut String, property: Property) {
    let line: Result<String, _> = property.try_into();
    out.push_str(&line.unwrap_or_default());
}

fn render(
    program: &StoredProgram,
    options: &ExportOptions,
    sessions: &[&Session],
    whole: bool,
) -> String {
    let info = &program.conference.info;
    let zone = info.time_zone.tz();
    let mut out = String::with_capacity(1024 + sessions.len() * 1024);
    out.push_str("BEGIN:VCALENDAR\r\n");
    push_property(&mut out, Property::new("PRODID", PRODID));
    push_property(&mut out, Property::new("VERSION", "2.0"));
    push_property(&mut out, Property::new("CALSCALE", "GREGORIAN"));
    push_property(&mut out, Property::new("METHOD", "PUBLISH"));
    push_property(&mut out, Property::new("NAME", info.name.as_str()));
    push_property(&mut out, Property::new("X-WR-CALNAME", info.name.as_str()));
    push_property(&mut out, Property::new("X-WR-TIMEZONE", zone.name()));
    if whole {
        let days = &info.days;
        let mut x = |key: &str, value: String| {
            if !value.is_empty() {
                push_property(&mut out, Property::new(key, value));
            }
        };
        x("X-HALLWAY-SLUG", info.slug.as_str().to_owned());
        x("X-HALLWAY-VERSION", options.version.trim().to_owned());
        x("X-HALLWAY-FIRST-DAY", days.first().to_string());
        x("X-HALLWAY-LAST-DAY", days.last().to_string());
        x(
            "X-HALLWAY-DAY-CHANGE",
            days.day_change().format("%H:%M:%S").to_string(),
        );
        x("X-HALLWAY-VENUE", info.venue.clone());
        x("X-HALLWAY-CITY", info.city.clone());
        x("X-HALLWAY-URL", info.url.clone());
        x("X-WR-CALDESC", info.description.clone());
        // Rooms and tracks in display order, so unused ones and the order survive.
        for room in &program.rooms {
            let mut p = Property::new("X-HALLWAY-ROOM", room.name.as_str());
            if let Some(c) = room.capacity {
                p.add_parameter("CAPACITY", &c.get().to_string());
            }
            push_property(&mut out, p);
        }
        for track in &program.tracks {
            let mut p = Property::new("X-HALLWAY-TRACK", track.name.as_str());
            p.add_parameter("COLOR", &track.colour.hex());
            push_property(&mut out, p);
        }
    }
    out.push_str(&vtimezone(zone, info.days.first().year()));
    for session in sessions {
        let event = session_event(program, options, session, zone);
        out.push_str(&event.try_into_string().unwrap_or_default());
    }
    out.push_str("END:VCALENDAR\r\n");
    out
}

/// `DTSTART`/`DTEND` in the zone's local time with `TZID`; an instant in the hour a clock
/// change repeats that is not the first of the two is written in UTC, so it reads back the
/// same.
fn time_property(key: &str, t: DateTime<Utc>, zone: Tz) -> Property {
    let local = t.with_timezone(&zone).naive_local();
    let first = zone
        .from_local_datetime(&local)
        .earliest()
        .map(|l| l.with_timezone(&Utc));
    if first == Some(t) {
        Property::new(key, local.format(LOCAL_FORMAT).to_string())
            .add_parameter("TZID", zone.name())
            .done()
    } else {
        Property::new(key, t.format("%Y%m%dT%H%M%SZ").to_string())
    }
}

/// Hallway's own page for a session.
fn session_page(program: &StoredProgram, options: &ExportOptions, session: &Session) -> String {
    format!(
        "{}/c/{}/sessions/{}",
        options.public_url.trim_end_matches('/'),
        program.conference.info.slug,
        session.id
    )
}

/// A parameter value made safe with RFC 6868 caret encoding (`^^`, `^'`, `^n`).
fn encode_parameter(raw: &str) -> String {
    raw.replace('^', "^^")
        .replace('"', "^'")
        .replace("\r\n", "^n")
        .replace(['\n', '\r'], "^n")
}

fn decode_parameter(raw: &str) -> String {
    let mut out = String::with_capacity(raw.len());
    let mut chars = raw.chars();
    while let Some(c) = chars.next() {
        if c != '^' {
            out.push(c);
            continue;
        }
        match chars.next() {
            Some('^') => out.push('^'),
            Some('\'') => out.push('"'),
            Some('n') => out.push('\n'),
            Some(other) => {
                out.push('^');
                out.push(other);
            }
            None => out.push('^'),
        }
    }
    out
}

fn session_event(
    program: &StoredProgram,
    options: &ExportOptions,
    session: &Session,
    zone: Tz,
) -> Event {
    let info = &session.info;
    let page = session_page(program, options, session);
    let mut event = Event::new();
    event
        .uid(&format!("{}@hallway", info.guid))
        .timestamp(options.generated_at)
        .sequence(options.sequences.get(&info.guid).copied().unwrap_or(0))
        .summary(&info.title)
        .url(if info.url.is_empty() {
            &page
        } else {
            &info.url
        })
        .append_property(time_property("DTSTART", info.span.start(), zone))
        .append_property(time_property("DTEND", info.span.end(), zone));
    let description = match (info.abstract_text.is_empty(), info.description.is_empty()) {
        (false, false) => format!("{}\n\n{}", info.abstract_text, info.description),
        (false, true) => info.abstract_text.clone(),
        (true, _) => info.description.clone(),
    };
    if !description.is_empty() {
        event.description(&description);
    }
    if !info.description.is_empty() {
        event.add_property("X-HALLWAY-DESCRIPTION", info.description.as_str());
    }
    if let Some(room) = program.room(session.room) {
        event.location(&room.name);
        if let Some(c) = room.capacity {
            event.add_property("X-HALLWAY-ROOM-CAPACITY", c.get().to_string());
        }
    }
    if let Some(track) = session.track.and_then(|t| program.track(t)) {
        event.categories([track.name.as_str()]);
        event.add_property("X-HALLWAY-TRACK-COLOR", track.colour.hex());
    }
    event.add_property("X-HALLWAY-KIND", info.kind.as_str());
    if !info.label.is_empty() {
        event.add_property("X-HALLWAY-LABEL", info.label.as_str());
    }
    event.add_property("X-HALLWAY-PAGE", page.as_str());
    if let Some(c) = info.capacity_override {
        event.add_property("X-HALLWAY-CAPACITY", c.get().to_string());
    }
    if !info.subtitle.is_empty() {
        event.add_property("X-HALLWAY-SUBTITLE", info.subtitle.as_str());
    }
    if !info.language.is_empty() {
        event.add_property("X-HALLWAY-LANGUAGE", info.language.as_str());
    }
    for speaker in session.speakers.iter().filter_map(|p| program.speaker(*p)) {
        event.append_multi_property(Property::new(
            "X-HALLWAY-SPEAKER",
            speaker.info.name.as_str(),
        ));
    }
    for link in &info.links {
        let mut p = Property::new("X-HALLWAY-LINK", link.url.as_str());
        p.add_parameter("LABEL", &encode_parameter(&link.title));
        event.append_multi_property(p);
    }
    event.done()
}

/// `+HHMM` (or `+HHMMSS`).
fn format_offset(offset: FixedOffset) -> String {
    let secs = offset.local_minus_utc();
    let sign = if secs < 0 { '-' } else { '+' };
    let secs = secs.abs();
    let (h, m, s) = (secs / 3600, secs / 60 % 60, secs % 60);
    if s == 0 {
        format!("{sign}{h:02}{m:02}")
    } else {
        format!("{sign}{h:02}{m:02}{s:02}")
    }
}

/// The instants in `[from, to)` at which `zone`'s UTC offset changes, to the minute, each
/// with the offset before it: scanned in six-hour steps, then bisected.
fn transitions(
    zone: Tz,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
) -> Vec<(DateTime<Utc>, FixedOffset)> {
    let offset_at = |t: DateTime<Utc>| zone.offset_from_utc_datetime(&t.naive_utc()).fix();
    let step = Duration::hours(6);
    let mut found = Vec::new();
    let mut lo = from;
    while lo < to {
        let hi = (lo + step).min(to);
        let before = offset_at(lo);
        if offset_at(hi) == before {
            lo = hi;
            continue;
        }
        // Bisect to the first minute with the new offset.
        let (mut a, mut b) = (lo, hi);
        while b - a > Duration::minutes(1) {
            let mid = a + (b - a) / 2;
            let mid = mid - Duration::seconds(mid.timestamp().rem_euclid(60));
            let mid = if mid <= a {
                a + Duration::minutes(1)
            } else {
                mid
            };
            if offset_at(mid) == before {
                a = mid;
            } else {
                b = mid;
            }
        }
        found.push((b, before));
        lo = b;
    }
    found
}

/// The VTIMEZONE of `zone` over `year` and the next: one STANDARD or DAYLIGHT component per
/// real change of the UTC offset, with explicit DTSTART (local time before the change),
/// TZOFFSETFROM and TZOFFSETTO; a zone without changes gets one STANDARD component.
fn vtimezone(zone: Tz, year: i32) -> String {
    let start = |y: i32| {
        NaiveDate::from_ymd_opt(y, 1, 1)
            .map(|d| Utc.from_utc_datetime(&d.and_time(NaiveTime::MIN)))
            .unwrap_or_default()
    };
    let (from, to) = (start(year), start(year + 2));
    let mut out = format!("BEGIN:VTIMEZONE\r\nTZID:{}\r\n", zone.name());
    let changes = transitions(zone, from, to);
    if changes.is_empty() {
        let offset = zone.offset_from_utc_datetime(&from.naive_utc());
        let fixed = format_offset(offset.fix());
        out.push_str(&format!(
            "BEGIN:STANDARD\r\nDTSTART:19700101T000000\r\nTZOFFSETFROM:{fixed}\r\nTZOFFSETTO:{fixed}\r\n"
        ));
        if let Some(name) = offset.abbreviation() {
            out.push_str(&format!("TZNAME:{name}\r\n"));
        }
        out.push_str("END:STANDARD\r\n");
    }
    for (at, before) in changes {
        let after = zone.offset_from_utc_datetime(&at.naive_utc());
        let kind = if after.dst_offset().is_zero() {
            "STANDARD"
        } else {
            "DAYLIGHT"
        };
        let onset = (at.naive_utc() + Duration::seconds(i64::from(before.local_minus_utc())))
            .format(LOCAL_FORMAT);
        out.push_str(&format!(
            "BEGIN:{kind}\r\nDTSTART:{onset}\r\nTZOFFSETFROM:{}\r\nTZOFFSETTO:{}\r\n",
            format_offset(before),
            format_offset(after.fix())
        ));
        if let Some(name) = after.abbreviation() {
            out.push_str(&format!("TZNAME:{name}\r\n"));
        }
        out.push_str(&format!("END:{kind}\r\n"));
    }
    out.push_str("END:VTIMEZONE\r\n");
    out
}

// ---------------------------------------------------------------------------------------
// Reading
// ---------------------------------------------------------------------------------------

/// Where a piece of a logical (unfolded) line came from.
#[derive(Debug, Clone, Copy)]
struct Segment {
    /// Byte offset in the logical line.
    offset: usize,
    /// The physical line, 1-based.
    line: usize,
    /// The physical column of the segment's first byte, 1-based.
    column: usize,
}

/// A logical line, unfolded, still bytes.
#[derive(Debug)]
struct FoldedLine {
    bytes: Vec<u8>,
    segments: Vec<Segment>,
}

impl FoldedLine {
    fn starting(line: usize) -> Self {
        Self {
            bytes: Vec::new(),
            segments: vec![Segment {
                offset: 0,
                line,
                column: 1,
            }],
        }
    }

    /// The physical position of byte `offset` of the logical line (columns count bytes).
    fn position(&self, offset: usize) -> Location {
        let seg = self
            .segments
            .iter()
            .rev()
            .find(|s| s.offset <= offset)
            .copied()
            .unwrap_or(Segment {
                offset: 0,
                line: 1,
                column: 1,
            });
        Location::Line {
            line: seg.line,
            column: seg.column + (offset - seg.offset),
        }
    }
}

/// Splits `bytes` into logical lines, undoing RFC 5545 folding (a CRLF, LF or CR followed by
/// a space or tab) on bytes, so a fold inside a multi-byte character is mended.
fn unfold(bytes: &[u8]) -> Vec<FoldedLine> {
    let mut lines = Vec::new();
    let mut physical = 1;
    let mut current = FoldedLine::starting(physical);
    let mut i = 0;
    while i < bytes.len() {
        let b = bytes[i];
        if b != b'\r' && b != b'\n' {
            current.bytes.push(b);
            i += 1;
            continue;
        }
        let next = if b == b'\r' && bytes.get(i + 1) == Some(&b'\n') {
            i + 2
        } else {
            i + 1
        };
        physical += 1;
        if matches!(bytes.get(next), Some(b' ' | b'\t')) {
            current.segments.push(Segment {
                offset: current.bytes.len(),
                line: physical,
                column: 2,
            });
            i = next + 1;
        } else {
            lines.push(std::mem::replace(
                &mut current,
                FoldedLine::starting(physical),
            ));
            i = next;
        }
    }
    lines.push(current);
    lines
}

/// A content line: `NAME;PARAM=value:value`.
#[derive(Debug, Clone)]
struct ContentLine {
    /// The name, upper case.
    name: String,
    /// Parameters, names upper case, values unquoted.
    params: Vec<(String, String)>,
    /// The value as written (still escaped).
    value: String,
    /// Where the value starts.
    at: Location,
}

impl ContentLine {
    fn param(&self, key: &str) -> Option<&str> {
        self.params
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
    }

    /// The value as text (RFC 5545 TEXT escapes undone).
    fn text(&self) -> String {
        unescape(&self.value)
    }

    fn error(&self, message: String) -> ImportError {
        ImportError::new(Format::Ics, self.at.clone(), message)
    }
}

/// Reads a content line; `None` for anything that is not one (blank, no colon, no name).
fn content_line(text: &str, folded: &FoldedLine) -> Option<ContentLine> {
    let name_end = text.find([';', ':'])?;
    let name = text[..name_end].trim().to_ascii_uppercase();
    if name.is_empty() {
        return None;
    }
    let mut params = Vec::new();
    let mut rest = &text[name_end..];
    while let Some(after) = rest.strip_prefix(';') {
        let eq = after.find(['=', ':', ';'])?;
        let key = after[..eq].trim().to_ascii_uppercase();
        if !after[eq..].starts_with('=') {
            // A parameter without a value: skip it.
            rest = &after[eq..];
            continue;
        }
        let mut values = Vec::new();
        let mut tail = &after[eq + 1..];
        loop {
            if let Some(quoted) = tail.strip_prefix('"') {
                let close = quoted.find('"')?;
                values.push(quoted[..close].to_owned());
                tail = &quoted[close + 1..];
            } else {
                let end = tail.find([',', ';', ':']).unwrap_or(tail.len());
                values.push(tail[..end].to_owned());
                tail = &tail[end..];
            }
            match tail.strip_prefix(',') {
                Some(more) => tail = more,
                None => break,
            }
        }
        params.push((key, values.join(",")));
        rest = tail;
    }
    let value = rest.strip_prefix(':')?;
    let offset = text.len() - value.len();
    Some(ContentLine {
        name,
        params,
        value: value.to_owned(),
        at: folded.position(offset),
    })
}

/// Undoes TEXT escaping: `\n`, `\N`, `\,`, `\;`, `\\` (and `\:`, which some files write).
fn unescape(raw: &str) -> String {
    let mut out = String::with_capacity(raw.len());
    let mut chars = raw.chars();
    while let Some(c) = chars.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        match chars.next() {
            Some('n' | 'N') => out.push('\n'),
            Some(c @ ('\\' | ',' | ';' | ':' | '"')) => out.push(c),
            Some(other) => {
                out.push('\\');
                out.push(other);
            }
            None => out.push('\\'),
        }
    }
    out
}

/// Splits a TEXT list on unescaped commas, each item unescaped.
fn text_list(raw: &str) -> Vec<String> {
    let mut items = Vec::new();
    let mut start = 0;
    let mut escaped = false;
    for (i, c) in raw.char_indices() {
        match c {
            _ if escaped => escaped = false,
            '\\' => escaped = true,
            ',' => {
                items.push(unescape(&raw[start..i]));
                start = i + 1;
            }
            _ => {}
        }
    }
    items.push(unescape(&raw[start..]));
    items.retain(|i| !i.trim().is_empty());
    items
}

/// The IANA zone a TZID names: the whole TZID, or its tail after a vendor prefix
/// (`/mozilla.org/20050126_1/Europe/Berlin`).
fn iana_zone(tzid: &str) -> Option<Tz> {
    let tzid = tzid.trim();
    if let Ok(tz) = tzid.parse::<Tz>() {
        return Some(tz);
    }
    tzid.match_indices('/')
        .find_map(|(i, _)| tzid[i + 1..].parse::<Tz>().ok())
}

/// A DATE or DATE-TIME value as read.
#[derive(Debug, Clone, Copy)]
struct ReadTime {
    when: When,
    /// A DATE value (an all-day event).
    date_only: bool,
    /// The IANA zone its TZID named.
    zone: Option<Tz>,
}

fn read_time(line: &ContentLine) -> Result<ReadTime, ImportError> {
    let raw = line.value.trim();
    let bad = || {
        line.error(format!(
            "{}: {raw:?} is not a date-time such as 20261122T093000 or a date such as 20261122",
            line.name
        ))
    };
    let date = |s: &str| NaiveDate::parse_from_str(s, "%Y%m%d").ok();
    if raw.len() == 8
        || line
            .param("VALUE")
            .is_some_and(|v| v.eq_ignore_ascii_case("DATE"))
    {
        let d = date(raw).ok_or_else(bad)?;
        return Ok(ReadTime {
            when: When::Local(d.and_time(NaiveTime::MIN)),
            date_only: true,
            zone: None,
        });
    }
    let (body, utc) = match raw.strip_suffix(['Z', 'z']) {
        Some(b) => (b, true),
        None => (raw, false),
    };
    let local = NaiveDateTime::parse_from_str(body, LOCAL_FORMAT)
        .or_else(|_| NaiveDateTime::parse_from_str(body, "%Y%m%dT%H%M"))
        .map_err(|_| bad())?;
    if utc {
        return Ok(ReadTime {
            when: When::Absolute(Utc.from_utc_datetime(&local).fixed_offset()),
            date_only: false,
            zone: None,
        });
    }
    let zone = line.param("TZID").and_then(iana_zone);
    let when = match zone.map(|z| z.from_local_datetime(&local)) {
        Some(LocalResult::Single(t) | LocalResult::Ambiguous(t, _)) => {
            When::Absolute(t.fixed_offset())
        }
        // Floating, an unknown TZID, or a time the clocks skip: the builder decides.
        Some(LocalResult::None) | None => When::Local(local),
    };
    Ok(ReadTime {
        when,
        date_only: false,
        zone,
    })
}

/// Parses an RFC 5545 duration (`PT1H30M`, `P1D`, `P1W`, `+PT45M`); negative ones are refused.
fn parse_ical_duration(raw: &str) -> Option<Duration> {
    let raw = raw.trim().to_ascii_uppercase();
    let raw = raw.strip_prefix('+').unwrap_or(&raw);
    let body = raw.strip_prefix('P')?;
    let (date, time) = match body.split_once('T') {
        Some((d, t)) => (d, Some(t)),
        None => (body, None),
    };
    let mut total = Duration::zero();
    let mut any = false;
    let mut read = |part: &str, units: &[(char, i64)]| -> Option<()> {
        let mut number = String::new();
        for c in part.chars() {
            if c.is_ascii_digit() {
                number.push(c);
                continue;
            }
            let (_, secs) = units.iter().find(|(u, _)| *u == c)?;
            let n: i64 = number.parse().ok()?;
            total = total.checked_add(&Duration::seconds(n.checked_mul(*secs)?))?;
            number.clear();
            any = true;
        }
        number.is_empty().then_some(())
    };
    read(date, &[('W', 7 * 86_400), ('D', 86_400)])?;
    if let Some(time) = time {
        if time.is_empty() {
            return None;
        }
        read(time, &[('H', 3600), ('M', 60), ('S', 1)])?;
    }
    any.then_some(total)
}

/// Parses `HH:MM` or `HH:MM:SS`.
fn parse_clock(raw: &str) -> Option<NaiveTime> {
    let raw = raw.trim();
    NaiveTime::parse_from_str(raw, "%H:%M:%S")
        .or_else(|_| NaiveTime::parse_from_str(raw, "%H:%M"))
        .ok()
}

fn positive(line: &ContentLine) -> Result<u32, ImportError> {
    line.value
        .trim()
        .parse::<u32>()
        .ok()
        .filter(|n| *n > 0)
        .ok_or_else(|| {
            line.error(format!(
                "{}: {:?} is not a positive whole number",
                line.name,
                line.value.trim()
            ))
        })
}

/// One VEVENT's lines.
#[derive(Debug)]
struct EventLines {
    begin: usize,
    lines: Vec<ContentLine>,
}

/// An event read, plus what it says about rooms, tracks and zones.
#[derive(Debug)]
struct ReadEvent {
    event: RawEvent,
    summary: String,
    has_speakers: bool,
    room_capacity: Option<u32>,
    track_colour: String,
    zone: Option<Tz>,
    cancelled: bool,
}

fn read_event(e: &EventLines) -> Result<ReadEvent, ImportError> {
    let mut event = RawEvent::at(Location::Line {
        line: e.begin,
        column: 1,
    });
    let mut out_summary = String::new();
    let mut description = String::new();
    let mut own_description: Option<String> = None;
    let mut url = String::new();
    let mut page = String::new();
    let mut own_speakers = Vec::new();
    let mut attendees: Vec<(String, bool)> = Vec::new();
    let mut date_only = false;
    let mut zone = None;
    let mut room_capacity = None;
    let mut track_colour = String::new();
    let mut cancelled = false;
    for line in &e.lines {
        match line.name.as_str() {
            "SUMMARY" => out_summary = line.text(),
            "DTSTART" => {
                let t = read_time(line)?;
                event.start = Some(t.when);
                date_only = t.date_only;
                zone = zone.or(t.zone);
            }
            "DTEND" => {
                let t = read_time(line)?;
                event.end = Some(t.when);
                zone = zone.or(t.zone);
            }
            "DURATION" => {
                event.duration = Some(parse_ical_duration(&line.value).ok_or_else(|| {
                    line.error(format!(
                        "DURATION: {:?} is not a duration such as PT1H30M",
                        line.value.trim()
                    ))
                })?);
            }
            "LOCATION" => event.room = line.text(),
            "CATEGORIES" if event.track.is_empty() => {
                event.track = text_list(&line.value)
                    .into_iter()
                    .next()
                    .unwrap_or_default();
            }
            "DESCRIPTION" => description = line.text(),
            "UID" => {
                let uid = line.text();
                let uid = uid.trim();
                let local = uid.rsplit_once('@').map_or(uid, |(l, _)| l);
                if Guid::parse(local).is_ok() {
                    local.clone_into(&mut event.guid);
                } else {
                    uid.clone_into(&mut event.id);
                }
            }
            "URL" => url = line.text().trim().to_owned(),
            "STATUS" => cancelled = line.value.trim().eq_ignore_ascii_case("CANCELLED"),
            "ATTENDEE" => {
                if let Some(cn) = line.param("CN") {
                    let chair = line
                        .param("ROLE")
                        .is_some_and(|r| r.eq_ignore_ascii_case("CHAIR"));
                    attendees.push((decode_parameter(cn), chair));
                }
            }
            "X-HALLWAY-SPEAKER" => own_speakers.push(line.text()),
            "X-HALLWAY-SPEAKERS" => own_speakers.extend(text_list(&line.value)),
            "X-HALLWAY-KIND" => event.kind = line.text(),
            "X-HALLWAY-LABEL" => event.label = line.text(),
            "X-HALLWAY-CAPACITY" => event.capacity = Some(positive(line)?),
            "X-HALLWAY-ROOM-CAPACITY" => room_capacity = Some(positive(line)?),
            "X-HALLWAY-TRACK-COLOR" | "X-HALLWAY-TRACK-COLOUR" => track_colour = line.text(),
            "X-HALLWAY-SUBTITLE" => event.subtitle = line.text(),
            "X-HALLWAY-LANGUAGE" => event.language = line.text(),
            "X-HALLWAY-DESCRIPTION" => own_description = Some(line.text()),
            "X-HALLWAY-PAGE" => page = line.text().trim().to_owned(),
            "X-HALLWAY-LINK" => {
                let label = line
                    .param("LABEL")
                    .map(decode_parameter)
                    .unwrap_or_default();
                event.links.push((label, line.text().trim().to_owned()));
            }
            _ => {}
        }
    }
    // Our export puts abstract and description into DESCRIPTION and the description alone
    // into X-HALLWAY-DESCRIPTION: take them apart again.
    match own_description {
        Some(d) if description == d => event.description = d,
        Some(d) => {
            let suffix = format!("\n\n{d}");
            event.abstract_text = description
                .strip_suffix(&suffix)
                .map_or_else(|| description.clone(), str::to_owned);
            event.description = d;
        }
        None => event.abstract_text = description,
    }
    // A URL that is only hallway's page for the session is not the session's own.
    if url != page {
        event.url = url;
    }
    if date_only && event.end.is_none() && event.duration.is_none() {
        event.duration = Some(Duration::days(1));
    }
    let chairs = attendees.iter().any(|(_, chair)| *chair);
    let names: Vec<String> = if own_speakers.is_empty() {
        attendees
            .into_iter()
            .filter(|(_, chair)| *chair || !chairs)
            .map(|(n, _)| n)
            .collect()
    } else {
        own_speakers
    };
    event.persons = names
        .into_iter()
        .filter(|n| !n.trim().is_empty())
        .map(|name| RawPerson {
            name: name.trim().to_owned(),
            ..RawPerson::default()
        })
        .collect();
    event.title.clone_from(&out_summary);
    Ok(ReadEvent {
        has_speakers: !event.persons.is_empty(),
        event,
        summary: out_summary,
        room_capacity,
        track_colour,
        zone,
        cancelled,
    })
}

/// Reads an iCalendar file as it stands.
pub(crate) fn read(bytes: &[u8]) -> Result<RawSchedule, ImportError> {
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    let mut raw = RawSchedule::default();
    let mut stack: Vec<(String, usize)> = Vec::new();
    let mut events: Vec<EventLines> = Vec::new();
    let mut current: Option<EventLines> = None;
    let mut seen_calendar = false;
    let mut calendar_zone: Option<Tz> = None;
    let mut prodid = String::new();
    let mut rooms: Vec<(String, Option<u32>)> = Vec::new();
    let mut tracks: Vec<(String, String)> = Vec::new();

    for folded in unfold(bytes) {
        let text = match std::str::from_utf8(&folded.bytes) {
            Ok(t) => t,
            Err(e) => {
                return Err(ImportError::new(
                    Format::Ics,
                    folded.position(e.valid_up_to()),
                    "the file is not UTF-8 here (save it as UTF-8)",
                ));
            }
        };
        let Some(line) = content_line(text, &folded) else {
            continue;
        };
        let line_number = match line.at {
            Location::Line { line, .. } => line,
            _ => 0,
        };
        let top = stack.last().map(|(n, _)| n.as_str());
        match line.name.as_str() {
            "BEGIN" => {
                let what = line.value.trim().to_ascii_uppercase();
                if what == "VCALENDAR" {
                    seen_calendar = true;
                }
                if what == "VEVENT" && top == Some("VCALENDAR") {
                    current = Some(EventLines {
                        begin: line_number,
                        lines: Vec::new(),
                    });
                }
                stack.push((what, line_number));
            }
            "END" => {
                let what = line.value.trim().to_ascii_uppercase();
                if let Some(i) = stack.iter().rposition(|(n, _)| *n == what) {
                    stack.truncate(i);
                    if what == "VEVENT" && stack.len() == 1 {
                        events.extend(current.take());
                    }
                }
            }
            _ => match top {
                Some("VEVENT") => {
                    if let Some(c) = current.as_mut() {
                        c.lines.push(line);
                    }
                }
                Some("VTIMEZONE") if line.name == "TZID" => {
                    calendar_zone = calendar_zone.or_else(|| iana_zone(&line.text()));
                }
                Some("VCALENDAR") => {
                    read_calendar_line(&line, &mut raw, &mut prodid, &mut rooms, &mut tracks)?
                }
                _ => {}
            },
        }
    }
    if !seen_calendar {
        return Err(ImportError::new(
            Format::Ics,
            Location::Line { line: 1, column: 1 },
            "BEGIN:VCALENDAR: the file is not an iCalendar file",
        ));
    }
    if let Some((what, line)) = stack.last() {
        return Err(ImportError::new(
            Format::Ics,
            Location::Line {
                line: *line,
                column: 1,
            },
            format!("END:{what}: the file ends inside the {what} begun here (is it cut short?)"),
        ));
    }

    let mut read_events = Vec::with_capacity(events.len());
    for e in &events {
        let r = read_event(e)?;
        if !r.cancelled {
            read_events.push(r);
        }
    }
    split_speakers_from_titles(&mut read_events, &prodid);

    let mut event_zone = None;
    for r in read_events {
        event_zone = event_zone.or(r.zone);
        let room = r.event.room.trim();
        if !room.is_empty() {
            merge_room(&mut rooms, room, r.room_capacity);
        }
        let track = r.event.track.trim();
        if !track.is_empty() {
            merge_track(&mut tracks, track, &r.track_colour);
        }
        raw.events.push(r.event);
    }
    if raw.time_zone.trim().is_empty()
        && let Some(z) = event_zone.or(calendar_zone)
    {
        raw.time_zone = z.name().to_owned();
    }
    raw.rooms = rooms;
    raw.tracks = tracks;
    Ok(raw)
}

fn merge_room(rooms: &mut Vec<(String, Option<u32>)>, name: &str, capacity: Option<u32>) {
    let key = name.to_lowercase();
    match rooms.iter_mut().find(|(n, _)| n.to_lowercase() == key) {
        Some((_, c)) => *c = c.or(capacity),
        None => rooms.push((name.to_owned(), capacity)),
    }
}

fn merge_track(tracks: &mut Vec<(String, String)>, name: &str, colour: &str) {
    let key = name.to_lowercase();
    match tracks.iter_mut().find(|(n, _)| n.to_lowercase() == key) {
        Some((_, c)) => {
            if c.trim().is_empty() {
                colour.trim().clone_into(c);
            }
        }
        None => tracks.push((name.to_owned(), colour.trim().to_owned())),
    }
}

fn read_calendar_line(
    line: &ContentLine,
    raw: &mut RawSchedule,
    prodid: &mut String,
    rooms: &mut Vec<(String, Option<u32>)>,
    tracks: &mut Vec<(String, String)>,
) -> Result<(), ImportError> {
    let text = || line.text().trim().to_owned();
    let day = || {
        NaiveDate::parse_from_str(line.value.trim(), "%Y-%m-%d").map_err(|_| {
            line.error(format!(
                "{}: {:?} is not a date (use YYYY-MM-DD)",
                line.name,
                line.value.trim()
            ))
        })
    };
    match line.name.as_str() {
        "PRODID" => *prodid = text(),
        "X-WR-CALNAME" => raw.title = text(),
        "NAME" if raw.title.is_empty() => raw.title = text(),
        "X-WR-TIMEZONE" => raw.time_zone = text(),
        "X-HALLWAY-SLUG" => raw.acronym = text(),
        "X-HALLWAY-VERSION" => raw.version = text(),
        "X-HALLWAY-VENUE" => raw.venue = text(),
        "X-HALLWAY-CITY" => raw.city = text(),
        "X-HALLWAY-URL" => raw.url = text(),
        "X-WR-CALDESC" => raw.description = text(),
        "X-HALLWAY-FIRST-DAY" => raw.first_day = Some(day()?),
        "X-HALLWAY-LAST-DAY" => raw.last_day = Some(day()?),
        "X-HALLWAY-DAY-CHANGE" => {
            raw.day_change = Some(parse_clock(&line.value).ok_or_else(|| {
                line.error(format!(
                    "X-HALLWAY-DAY-CHANGE: {:?} is not a time (use HH:MM)",
                    line.value.trim()
                ))
            })?);
        }
        "X-HALLWAY-ROOM" => {
            let capacity = match line.param("CAPACITY") {
                Some(c) => Some(c.trim().parse::<u32>().ok().filter(|n| *n > 0).ok_or_else(
                    || {
                        line.error(format!(
                            "X-HALLWAY-ROOM: CAPACITY={c:?} is not a positive whole number"
                        ))
                    },
                )?),
                None => None,
            };
            let name = text();
            if !name.is_empty() {
                merge_room(rooms, &name, capacity);
            }
        }
        "X-HALLWAY-TRACK" => {
            let name = text();
            if !name.is_empty() {
                merge_track(tracks, &name, line.param("COLOR").unwrap_or_default());
            }
        }
        _ => {}
    }
    Ok(())
}

/// frab and pretalx calendars give no speakers of their own but write every SUMMARY as
/// `Title - Speaker A, Speaker B` (`Title - ` when nobody speaks): take them apart when
/// every event follows that form.
fn split_speakers_from_titles(events: &mut [ReadEvent], prodid: &str) {
    let prodid = prodid.to_lowercase();
    if events.is_empty()
        || prodid.contains("hallway")
        || events
            .iter()
            .any(|e| e.has_speakers || !e.summary.contains(" - "))
    {
        return;
    }
    let known_producer = ["frab", "ri_cal", "pretalx", "pentabarf"]
        .iter()
        .any(|p| prodid.contains(p));
    let some_without_speakers = events.iter().any(|e| e.summary.trim_end().ends_with(" -"));
    if !known_producer && !some_without_speakers {
        return;
    }
    for e in events {
        let Some(i) = e.summary.rfind(" - ") else {
            continue;
        };
        e.event.title = e.summary[..i].trim().to_owned();
        e.event.persons = e.summary[i + 3..]
            .split(", ")
            .map(str::trim)
            .filter(|n| !n.is_empty())
            .map(|name| RawPerson {
                name: name.to_owned(),
                ..RawPerson::default()
            })
            .collect();
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::schedule::{ImportOptions, import};
    use hallway_domain::program::{
        ConferenceInfo, Link, RoomDraft, SessionDraft, SessionInfo, SpeakerInfo, TrackDraft,
    };
    use hallway_domain::{
        Capacity, Colour, ConferenceDays, Program, SessionKind, Slug, TimeSpan, TimeZone,
    };

    const FIXTURE: &[u8] = include_bytes!("../../tests/fixtures/33c3-frab-schedule.ics");

    fn options() -> ExportOptions {
        ExportOptions {
            version: "1.0".into(),
            public_url: "https://hallway.example.org".into(),
            generated_at: Utc.with_ymd_and_hms(2026, 11, 1, 12, 0, 0).unwrap(),
            sequences: std::collections::HashMap::new(),
        }
    }

    /// A small program: two days, rooms with capacities, a track with a colour, speakers, a
    /// session after midnight (the day changes at 04:00), a keynote, a break and a session
    /// with a capacity override. Sessions and speakers are in the order an import makes them.
    pub(crate) fn program() -> Program {
        let zone = TimeZone::parse("Europe/Berlin").unwrap();
        let days = ConferenceDays::new(
            NaiveDate::from_ymd_opt(2026, 11, 22).unwrap(),
            NaiveDate::from_ymd_opt(2026, 11, 23).unwrap(),
            NaiveTime::from_hms_opt(4, 0, 0).unwrap(),
        )
        .unwrap();
        let mut conference =
            ConferenceInfo::new(Slug::parse("democon").unwrap(), "DemoCon 2026", zone, days)
                .unwrap();
        conference.venue = "Hall 7, Messe".into();
        conference.city = "Berlin".into();
        conference.description = "Three days of containers;\nbring, a laptop.".into();
        conference.url = "https://democon.example.org/".into();
        let rooms = vec![
            RoomDraft {
                name: "Main Hall".into(),
                capacity: Capacity::new(500).ok(),
            },
            RoomDraft {
                name: "Workshop Room; B".into(),
                capacity: Capacity::new(40).ok(),
            },
            RoomDraft {
                name: "Foyer".into(),
                capacity: None,
            },
        ];
        let tracks = vec![
            TrackDraft {
                name: "Rust".into(),
                colour: Colour::parse("#1f6feb").unwrap(),
            },
            TrackDraft {
                name: "Security, Privacy".into(),
                colour: Colour::parse("#b3261e").unwrap(),
            },
        ];
        let speakers = ["Ada Lovelace", "Grace Hopper", "Jürgen Käse-Müller"]
            .iter()
            .map(|n| SpeakerInfo::new(n).unwrap())
            .collect();
        let at = |d: u32, h: u32, m: u32| {
            zone.tz()
                .with_ymd_and_hms(2026, 11, d, h, m, 0)
                .unwrap()
                .with_timezone(&Utc)
        };
        let session = |title: &str, kind, start, minutes, room, track, speakers: Vec<usize>| {
            let mut info = SessionInfo::new(
                title,
                kind,
                TimeSpan::starting_at(start, Duration::minutes(minutes)).unwrap(),
            )
            .unwrap();
            info.guid = Guid::derived(title);
            SessionDraft {
                room,
                track,
                speakers,
                info,
            }
        };
        let mut keynote = session(
            "Opening keynote: Käse, Brot; und \"Wein\"",
            SessionKind::Keynote,
            at(22, 9, 0),
            60,
            0,
            None,
            vec![0],
        );
        keynote.info.abstract_text = "Why we meet.\nTwo lines, with commas; and semicolons.".into();
        keynote.info.description =
            "A longer text.\n\nIn two paragraphs \\ with a backslash.".into();
        keynote.info.subtitle = "The state of things".into();
        keynote.info.language = "en".into();
        keynote.info.url = "https://democon.example.org/talks/keynote".into();
        keynote.info.links = vec![
            Link::new(
                "Slides \"final\"",
                "https://democon.example.org/slides/1.pdf",
            )
            .unwrap(),
        ];
        let mut workshop = session(
            "Rust workshop",
            SessionKind::Workshop,
            at(22, 10, 30),
            90,
            1,
            Some(0),
            vec![1, 2],
        );
        workshop.info.capacity_override = Capacity::new(25).ok();
        workshop.info.description = "Bring a laptop.".into();
        let talk = session(
            "Threat models for conferences",
            SessionKind::Talk,
            at(22, 10, 30),
            45,
            0,
            Some(1),
            vec![2],
        );
        let lunch = session(
            "Lunch",
            SessionKind::Break,
            at(22, 12, 30),
            60,
            2,
            None,
            vec![],
        );
        let night = session(
            "Night owls",
            SessionKind::Theater,
            at(23, 1, 30),
            60,
            0,
            None,
            vec![1],
        );
        let day2 = session(
            "Day two talk",
            SessionKind::Talk,
            at(23, 10, 0),
            30,
            0,
            Some(0),
            vec![0],
        );
        Program::new(
            conference,
            rooms,
            tracks,
            speakers,
            vec![keynote, workshop, talk, lunch, night, day2],
        )
        .unwrap()
    }

    fn import_ics(bytes: &[u8]) -> crate::schedule::Imported {
        import(bytes, Some(Format::Ics), &ImportOptions::default()).unwrap()
    }

    #[test]
    fn the_33c3_calendar_imports_with_its_sessions_rooms_and_speakers() {
        // The file has no calendar name: the conference must be named on import.
        let err = import(FIXTURE, Some(Format::Ics), &ImportOptions::default()).unwrap_err();
        assert!(err.message.contains("names no conference"), "{err}");

        let options = ImportOptions {
            slug: Some(Slug::parse("33c3").unwrap()),
            ..ImportOptions::default()
        };
        let imported = import(FIXTURE, Some(Format::Ics), &options).unwrap();
        let p = &imported.program;
        // Counted in the file: 150 VEVENTs, 4 distinct LOCATIONs (Saal 1, 2, 6, G) and 207
        // distinct names after the " - " of the SUMMARY lines.
        assert_eq!(p.sessions().len(), 150);
        assert_eq!(p.rooms().len(), 4);
        assert_eq!(p.speakers().len(), 207);
        assert_eq!(p.conference().time_zone.name(), "Europe/Berlin");
        assert_eq!(p.conference().days.first().to_string(), "2016-12-27");
        assert_eq!(p.conference().days.last().to_string(), "2016-12-30");
        let snowden = p
            .sessions()
            .iter()
            .find(|s| s.info.title.starts_with("3 Years After Snowden"))
            .unwrap();
        assert_eq!(
            snowden.info.title,
            "3 Years After Snowden: Is Germany fighting State Surveillance?"
        );
        let names: Vec<&str> = snowden
            .speakers
            .iter()
            .map(|i| p.speakers()[*i].name.as_str())
            .collect();
        assert_eq!(names, ["anna", "Andre Meister"]);
        assert_eq!(
            snowden.info.guid.to_string(),
            "4745fbc3-87d4-41eb-8c82-2c1bb8a51beb"
        );
        assert_eq!(
            snowden.info.span.start(),
            Utc.with_ymd_and_hms(2016, 12, 28, 16, 15, 0).unwrap()
        );
        assert_eq!(snowden.info.span.duration(), Duration::hours(1));
        assert_eq!(p.rooms()[snowden.room].name, "Saal 1");
        // Multi-byte characters folded across lines come back whole.
        assert!(
            p.sessions()
                .iter()
                .any(|s| s.info.abstract_text.contains("„sicher“"))
        );
        let stream = p
            .sessions()
            .iter()
            .find(|s| s.info.title == "Methodisch inkorrekt! Stream")
            .unwrap();
        assert!(stream.speakers.is_empty());
    }

    fn calendar(lines: &[&[u8]], eol: &[u8]) -> Vec<u8> {
        let mut out = Vec::new();
        for l in lines {
            out.extend_from_slice(l);
            out.extend_from_slice(eol);
        }
        out
    }

    fn small_calendar(summary: &[&[u8]], eol: &[u8]) -> Vec<u8> {
        let mut lines: Vec<&[u8]> = vec![
            b"BEGIN:VCALENDAR",
            b"VERSION:2.0",
            b"X-WR-CALNAME:Cheese Days",
            b"X-WR-TIMEZONE:Europe/Zurich",
            b"BEGIN:VEVENT",
            b"UID:talk-1@cheese.example",
            b"DTSTART;TZID=Europe/Zurich:20261122T100000",
            b"DURATION:PT1H30M",
            b"LOCATION:Stube",
            b"X-UNKNOWN;FOO=bar:whatever",
            b"this line is no property",
        ];
        lines.extend_from_slice(summary);
        lines.extend_from_slice(&[b"END:VEVENT".as_slice(), b"END:VCALENDAR"]);
        calendar(&lines, eol)
    }

    #[test]
    fn a_fold_inside_a_multi_byte_character_is_mended() {
        // 'ä' is C3 A4: the fold falls between the two bytes.
        let summary: &[&[u8]] = &[b"SUMMARY:K\xC3", b" \xA4se"];
        for eol in [b"\r\n".as_slice(), b"\n"] {
            let imported = import_ics(&small_calendar(summary, eol));
            let s = &imported.program.sessions()[0];
            assert_eq!(s.info.title, "Käse");
            assert_eq!(s.info.span.duration(), Duration::minutes(90));
            assert_eq!(
                s.info.span.start(),
                Utc.with_ymd_and_hms(2026, 11, 22, 9, 0, 0).unwrap()
            );
            assert_eq!(imported.program.conference().name, "Cheese Days");
            assert_eq!(
                imported.program.conference().time_zone.name(),
                "Europe/Zurich"
            );
        }
    }

    #[test]
    fn crlf_and_lf_files_read_the_same() {
        let summary: &[&[u8]] = &[b"SUMMARY:Cheese\\, bread\\; wine \\\\ more\\nlines"];
        let crlf = read(&small_calendar(summary, b"\r\n")).unwrap();
        let lf = read(&small_calendar(summary, b"\n")).unwrap();
        assert_eq!(crlf.events.len(), 1);
        assert_eq!(crlf.events[0].title, "Cheese, bread; wine \\ more\nlines");
        // The UID is no UUID: it becomes the id the builder derives a guid from.
        assert_eq!(crlf.events[0].id, "talk-1@cheese.example");
        assert!(crlf.events[0].guid.is_empty());
        let strip = |mut r: RawSchedule| {
            for e in &mut r.events {
                e.at = Location::File;
            }
            r
        };
        assert_eq!(strip(crlf), strip(lf));
    }

    #[test]
    fn invalid_utf8_and_bad_values_are_reported_with_their_position() {
        let bad = small_calendar(&[b"SUMMARY:K\xFFse"], b"\r\n");
        let err = read(&bad).unwrap_err();
        assert_eq!(
            err.at,
            Location::Line {
                line: 12,
                column: 10
            }
        );
        let bad = calendar(
            &[
                b"BEGIN:VCALENDAR",
                b"BEGIN:VEVENT",
                b"SUMMARY:x",
                b"DTSTART:2026-11-22",
                b"END:VEVENT",
                b"END:VCALENDAR",
            ],
            b"\n",
        );
        let err = read(&bad).unwrap_err();
        assert_eq!(err.at, Location::Line { line: 4, column: 9 });
        assert!(err.message.starts_with("DTSTART:"), "{err}");
        let cut = calendar(&[b"BEGIN:VCALENDAR", b"BEGIN:VEVENT", b"SUMMARY:x"], b"\n");
        assert!(read(&cut).is_err());
    }

    #[test]
    fn durations_in_rfc_5545_form() {
        assert_eq!(parse_ical_duration("PT1H30M"), Some(Duration::minutes(90)));
        assert_eq!(parse_ical_duration("PT45M"), Some(Duration::minutes(45)));
        assert_eq!(parse_ical_duration("+P1DT2H"), Some(Duration::hours(26)));
        assert_eq!(parse_ical_duration("P1W"), Some(Duration::days(7)));
        assert_eq!(parse_ical_duration("PT90S"), Some(Duration::seconds(90)));
        for bad in ["", "P", "PT", "-PT1H", "1H", "PT1X", "PT1H30"] {
            assert_eq!(parse_ical_duration(bad), None, "{bad}");
        }
    }

    #[test]
    fn our_export_imports_back_unchanged() {
        let original = program();
        let stored = StoredProgram::numbered(&original);
        let bytes = write(&stored, &options());
        let text = String::from_utf8(bytes.clone()).unwrap();
        assert!(text.starts_with("BEGIN:VCALENDAR\r\n"));
        assert!(text.ends_with("END:VCALENDAR\r\n"));
        assert!(
            text.split("\r\n").all(|l| l.len() <= 75),
            "folded at 75 octets"
        );
        assert!(
            !text.replace("\r\n", "").contains('\n'),
            "CRLF line ends only"
        );
        assert_eq!(text.matches("BEGIN:VEVENT").count(), 6);
        assert!(text.contains("DTSTART;TZID=Europe/Berlin:20261122T090000\r\n"));
        assert!(text.contains("X-WR-CALNAME:DemoCon 2026\r\n"));
        assert!(text.contains("X-WR-TIMEZONE:Europe/Berlin\r\n"));
        // A session without its own URL links to its page here.
        assert!(text.contains("URL:https://hallway.example.org/c/democon/sessions/"));

        let options = ImportOptions {
            slug: Some(Slug::parse("democon").unwrap()),
            ..ImportOptions::default()
        };
        let imported = import(&bytes, Some(Format::Ics), &options).unwrap();
        assert_eq!(
            imported.program, original,
            "warnings: {:?}",
            imported.warnings
        );
        assert_eq!(imported.version, "1.0");
        // The slug travels in the file too.
        assert_eq!(import_ics(&bytes).program, original);
    }

    #[test]
    fn one_session_makes_a_calendar_with_one_event() {
        let stored = StoredProgram::numbered(&program());
        let id = stored.sessions[1].id;
        let one = String::from_utf8(write_session(&stored, id, &options()).unwrap()).unwrap();
        assert_eq!(one.matches("BEGIN:VEVENT").count(), 1);
        assert_eq!(one.matches("END:VEVENT").count(), 1);
        assert!(one.contains("BEGIN:VTIMEZONE"));
        assert!(one.contains(&format!("UID:{}@hallway", stored.sessions[1].info.guid)));
        assert!(write_session(&stored, SessionId::new(999), &options()).is_none());
    }

    #[test]
    fn sequence_follows_the_released_versions() {
        let stored = StoredProgram::numbered(&program());
        let mut options = options();
        let guid = stored.sessions[0].info.guid;
        options.sequences.insert(guid, 3);
        let text = String::from_utf8(write(&stored, &options)).unwrap();
        let first = text.split("BEGIN:VEVENT").nth(1).unwrap();
        assert!(first.contains(&format!("UID:{guid}@hallway")), "{first}");
        assert!(first.contains("SEQUENCE:3\r\n"), "{first}");
        let second = text.split("BEGIN:VEVENT").nth(2).unwrap();
        assert!(second.contains("SEQUENCE:0\r\n"), "{second}");
        assert!(text.contains("DTSTAMP:20261101T120000Z\r\n"));
    }

    #[test]
    fn berlin_changes_clocks_on_the_last_sundays_of_march_and_october() {
        let tz: Tz = "Europe/Berlin".parse().unwrap();
        let v = vtimezone(tz, 2026);
        assert!(
            v.starts_with("BEGIN:VTIMEZONE\r\nTZID:Europe/Berlin\r\n"),
            "{v}"
        );
        assert!(
            v.contains(
                "BEGIN:DAYLIGHT\r\nDTSTART:20260329T020000\r\nTZOFFSETFROM:+0100\r\nTZOFFSETTO:+0200\r\nTZNAME:CEST\r\nEND:DAYLIGHT\r\n"
            ),
            "{v}"
        );
        assert!(
            v.contains(
                "BEGIN:STANDARD\r\nDTSTART:20261025T030000\r\nTZOFFSETFROM:+0200\r\nTZOFFSETTO:+0100\r\nTZNAME:CET\r\nEND:STANDARD\r\n"
            ),
            "{v}"
        );
        // The next year's changes are there too, and nothing else.
        assert!(v.contains("DTSTART:20270328T020000"), "{v}");
        assert!(v.contains("DTSTART:20271031T030000"), "{v}");
        assert_eq!(v.matches("BEGIN:DAYLIGHT").count(), 2);
        assert_eq!(v.matches("BEGIN:STANDARD").count(), 2);

        let tokyo = vtimezone("Asia/Tokyo".parse().unwrap(), 2026);
        assert_eq!(tokyo.matches("BEGIN:STANDARD").count(), 1, "{tokyo}");
        assert!(
            tokyo.contains("TZOFFSETFROM:+0900\r\nTZOFFSETTO:+0900"),
            "{tokyo}"
        );
        assert!(!tokyo.contains("DAYLIGHT"));
    }

    #[test]
    fn the_later_of_two_repeated_hours_is_written_in_utc() {
        let tz: Tz = "Europe/Berlin".parse().unwrap();
        // 02:30 happens twice on 2026-10-25: 00:30 UTC and 01:30 UTC.
        let first = Utc.with_ymd_and_hms(2026, 10, 25, 0, 30, 0).unwrap();
        let second = Utc.with_ymd_and_hms(2026, 10, 25, 1, 30, 0).unwrap();
        let a: String = time_property("DTSTART", first, tz).try_into().unwrap();
        let b: String = time_property("DTSTART", second, tz).try_into().unwrap();
        assert_eq!(a, "DTSTART;TZID=Europe/Berlin:20261025T023000\r\n");
        assert_eq!(b, "DTSTART:20261025T013000Z\r\n");
    }
}
