//! frab/pentabarf `schedule.xml`, the format of CCC congresses, FOSDEM and pretalx, read by
//! Giggity, EventFahrplan and ConfClerk. Reading takes every dialect seen in the wild and
//! refuses DTDs and entities outright (no entity-expansion bombs, no external entities);
//! writing follows the c3voc XSD exactly.

use std::collections::HashMap;

use chrono::{DateTime, Duration, NaiveDate, NaiveDateTime, NaiveTime, SecondsFormat, Utc};
use hallway_domain::changes::StoredProgram;
use hallway_domain::{Session, Slug};
use quick_xml::Writer;
use quick_xml::events::{BytesDecl, BytesText, Event};

use super::text::{parse_duration, render_duration};
use super::{ExportOptions, Format, ImportError, Location, RawEvent, RawPerson, RawSchedule, When};

/// Nesting deeper than this is refused (a schedule is five levels deep).
const MAX_DEPTH: usize = 64;

/// An element of the file with its text and children; `pos` is its byte offset.
#[derive(Debug, Default)]
struct Node {
    name: String,
    attrs: Vec<(String, String)>,
    text: String,
    children: Vec<Node>,
    line: usize,
    column: usize,
}

impl Node {
    fn attr(&self, name: &str) -> &str {
        self.attrs
            .iter()
            .find(|(k, _)| k == name)
            .map_or("", |(_, v)| v.as_str())
    }
    fn child(&self, name: &str) -> Option<&Node> {
        self.children.iter().find(|c| c.name == name)
    }
    fn children<'a>(&'a self, name: &'a str) -> impl Iterator<Item = &'a Node> {
        self.children.iter().filter(move |c| c.name == name)
    }
    fn text_of(&self, name: &str) -> &str {
        self.child(name).map_or("", |c| c.text.as_str())
    }
    fn at(&self) -> Location {
        Location::Line {
            line: self.line,
            column: self.column,
        }
    }
}

/// Turns increasing byte offsets into lines and columns without rescanning the file.
struct Cursor<'a> {
    text: &'a str,
    pos: usize,
    line: usize,
    column: usize,
}

impl Cursor<'_> {
    fn advance(&mut self, to: usize) -> (usize, usize) {
        let to = to.min(self.text.len());
        if to >= self.pos {
            for c in self.text.get(self.pos..to).unwrap_or("").chars() {
                if c == '\n' {
                    self.line += 1;
                    self.column = 1;
                } else {
                    self.column += 1;
                }
            }
            self.pos = to;
        }
        (self.line, self.column)
    }
}

/// The 1-based line and column of byte `pos` in `text`.
fn line_column(text: &str, pos: usize) -> Location {
    let pos = pos.min(text.len());
    let before = text.get(..pos).unwrap_or(text);
    let line = before.matches('\n').count() + 1;
    let column = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
    Location::Line { line, column }
}

fn parse_tree(bytes: &[u8]) -> Result<Node, ImportError> {
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    let text = std::str::from_utf8(bytes).map_err(|e| {
        let prefix = String::from_utf8_lossy(&bytes[..e.valid_up_to()]);
        ImportError::new(
            Format::Frab,
            line_column(&prefix, prefix.len()),
            "the file is not UTF-8",
        )
    })?;
    let err = |pos: usize, message: String| {
        ImportError::new(Format::Frab, line_column(text, pos), message)
    };
    let mut cursor = Cursor {
        text,
        pos: 0,
        line: 1,
        column: 1,
    };
    let mut reader = quick_xml::Reader::from_str(text);
    reader.config_mut().check_end_names = true;
    let mut stack: Vec<Node> = vec![Node::default()];
    loop {
        let pos = usize::try_from(reader.buffer_position()).unwrap_or(usize::MAX);
        let event = reader.read_event().map_err(|e| {
            let at = usize::try_from(reader.error_position()).unwrap_or(pos);
            err(at, format!("not well-formed XML: {e}"))
        })?;
        let is_start = matches!(event, Event::Start(_));
        match event {
            Event::DocType(_) => {
                return Err(err(
                    pos,
                    "a DOCTYPE is not accepted: schedules need no DTD, and entity declarations could expand without bound".into(),
                ));
            }
            Event::Start(e) | Event::Empty(e) => {
                if stack.len() > MAX_DEPTH {
                    return Err(err(
                        pos,
                        format!("elements nest deeper than {MAX_DEPTH} levels"),
                    ));
                }
                let (line, column) = cursor.advance(pos);
                let mut node = Node {
                    name: AsRef::<str>::as_ref(&e.local_name()).to_owned(),
                    line,
                    column,
                    ..Node::default()
                };
                for a in e.attributes() {
                    let a = a.map_err(|x| err(pos, format!("attribute: {x}")))?;
                    let value = a.normalized_value(quick_xml::XmlVersion::Implicit1_0).map_err(|x| {
                        err(
                            pos,
                            format!(
                                "attribute {:?}: {x} (only &lt; &gt; &amp; &apos; &quot; and character references are accepted)",
                                AsRef::<str>::as_ref(&a.key)
                            ),
                        )
                    })?;
                    node.attrs.push((
                        AsRef::<str>::as_ref(&a.key.local_name()).to_owned(),
                        value.into_owned(),
                    ));
                }
                if is_start {
                    stack.push(node);
                } else if let Some(parent) = stack.last_mut() {
                    parent.children.push(node);
                }
            }
            Event::End(_) => {
                if stack.len() > 1
                    && let Some(node) = stack.pop()
                    && let Some(parent) = stack.last_mut()
                {
                    parent.children.push(node);
                }
            }
            Event::Text(t) => {
                if let Some(top) = stack.last_mut() {
                    top.text.push_str(&t.xml10_content());
                }
            }
            Event::CData(t) => {
                if let Some(top) = stack.last_mut() {
                    top.text.push_str(&t);
                }
            }
            Event::GeneralRef(r) => {
                let c = match r.resolve_char_ref() {
                    Ok(Some(c)) => c,
                    Ok(None) => match &*r {
                        "lt" => '<',
                        "gt" => '>',
                        "amp" => '&',
                        "apos" => '\'',
                        "quot" => '"',
                        other => {
                            return Err(err(
                                pos,
                                format!(
                                    "the entity &{other}; is not defined (only &lt; &gt; &amp; &apos; &quot; and character references are accepted)"
                                ),
                            ));
                        }
                    },
                    Err(e) => return Err(err(pos, format!("character reference: {e}"))),
                };
                if let Some(top) = stack.last_mut() {
                    top.text.push(c);
                }
            }
            Event::Eof => break,
            Event::Comment(_) | Event::Decl(_) | Event::PI(_) => {}
        }
    }
    if stack.len() != 1 {
        return Err(err(text.len(), "the file ends inside an element".into()));
    }
    let root = stack.pop().unwrap_or_default();
    root.children
        .into_iter()
        .find(|n| n.name == "schedule")
        .ok_or_else(|| err(0, "the root element is not <schedule>".into()))
}

fn parse_when(date: &str, day: Option<NaiveDate>, start: &str) -> Option<When> {
    if let Ok(t) = DateTime::parse_from_rfc3339(date.trim()) {
        return Some(When::Absolute(t));
    }
    let time = NaiveTime::parse_from_str(start.trim(), "%H:%M")
        .or_else(|_| NaiveTime::parse_from_str(start.trim(), "%H:%M:%S"))
        .ok()?;
    let day = NaiveDate::parse_from_str(date.trim().get(..10).unwrap_or(""), "%Y-%m-%d")
        .ok()
        .or(day)?;
    Some(When::Local(NaiveDateTime::new(day, time)))
}

/// The date at the start of `raw` (`2016-12-27` or `2016-12-27T10:00:00+01:00`).
pub(crate) fn date_of(raw: &str) -> Option<NaiveDate> {
    NaiveDate::parse_from_str(raw.trim().get(..10).unwrap_or(""), "%Y-%m-%d").ok()
}

/// Reads a schedule.xml of any dialect into a raw schedule.
pub(crate) fn read(bytes: &[u8]) -> Result<RawSchedule, ImportError> {
    let root = parse_tree(bytes)?;
    let err = |at: Location, message: String| ImportError::new(Format::Frab, at, message);
    let mut raw = RawSchedule {
        version: root.text_of("version").to_owned(),
        ..RawSchedule::default()
    };
    let Some(conference) = root.child("conference") else {
        return Err(err(root.at(), "<schedule> has no <conference>".into()));
    };
    raw.title = conference.text_of("title").to_owned();
    raw.acronym = conference.text_of("acronym").to_owned();
    raw.venue = conference.text_of("venue").to_owned();
    raw.city = conference.text_of("city").to_owned();
    raw.base_url = conference.text_of("base_url").to_owned();
    raw.url = conference.text_of("url").to_owned();
    raw.time_zone = conference.text_of("time_zone_name").to_owned();
    raw.first_day = date_of(conference.text_of("start"));
    raw.last_day = date_of(conference.text_of("end"));
    if let Some(dc) = conference.child("day_change") {
        let t = dc.text.trim();
        raw.day_change = Some(
            NaiveTime::parse_from_str(t, "%H:%M:%S")
                .or_else(|_| NaiveTime::parse_from_str(t, "%H:%M"))
                .map_err(|_| {
                    err(
                        dc.at(),
                        format!("day_change: {t:?} is not a time (HH:MM:SS)"),
                    )
                })?,
        );
    }
    // Tracks inside <conference> (c3voc) or in a <tracks> list (FOSDEM).
    let track_lists = conference
        .children("track")
        .chain(root.children("tracks").flat_map(|t| t.children("track")));
    for t in track_lists {
        let name = if t.attr("name").is_empty() {
            t.text.trim()
        } else {
            t.attr("name")
        };
        raw.tracks
            .push((name.to_owned(), t.attr("color").to_owned()));
    }
    // A <persons> list (FOSDEM) carries biographies by id.
    let mut bios: HashMap<&str, &str> = HashMap::new();
    for p in root.children("persons").flat_map(|p| p.children("person")) {
        let bio = p.text_of("biography");
        if !p.attr("id").is_empty() && !bio.trim().is_empty() {
            bios.insert(p.attr("id"), bio);
        }
    }
    for r in root.children("rooms").flat_map(|r| r.children("room")) {
        raw.rooms.push((r.attr("name").to_owned(), None));
    }
    for day in root.children("day") {
        let date = date_of(day.attr("date"));
        if raw.day_change.is_none()
            && let (Some(date), Ok(end)) = (date, DateTime::parse_from_rfc3339(day.attr("end")))
        {
            let end = end.naive_local();
            if end.date() > date
                && end.time() <= NaiveTime::from_hms_opt(12, 0, 0).unwrap_or_default()
            {
                raw.day_change = Some(day_boundary(end.time()));
            }
        }
        for room in day.children("room") {
            if !raw.rooms.iter().any(|(n, _)| n == room.attr("name")) {
                raw.rooms.push((room.attr("name").to_owned(), None));
            }
            for e in room.children("event") {
                raw.events.push(event(e, room.attr("name"), date, &bios)?);
            }
        }
    }
    Ok(raw)
}

/// The day change a day's end implies: FOSDEM ends a day at 08:59 and others at 03:59:59
/// when the next starts at the full minute.
pub(crate) fn day_boundary(end: NaiveTime) -> NaiveTime {
    use chrono::Timelike;
    if end.second() == 59 {
        end + Duration::seconds(1)
    } else if end.minute() == 59 {
        end + Duration::minutes(1)
    } else {
        end
    }
}

fn event(
    e: &Node,
    room: &str,
    day: Option<NaiveDate>,
    bios: &HashMap<&str, &str>,
) -> Result<RawEvent, ImportError> {
    let mut ev = RawEvent::at(e.at());
    ev.id = e.attr("id").to_owned();
    if ev.id.is_empty() {
        ev.id = e.attr("code").to_owned();
    }
    ev.guid = e.attr("guid").to_owned();
    ev.title = e.text_of("title").to_owned();
    ev.subtitle = e.text_of("subtitle").to_owned();
    ev.room = match e.text_of("room").trim() {
        "" => room.to_owned(),
        r => r.to_owned(),
    };
    ev.track = e.text_of("track").to_owned();
    ev.kind = e.text_of("type").to_owned();
    ev.language = e.text_of("language").to_owned();
    ev.abstract_text = e.text_of("abstract").to_owned();
    ev.description = e.text_of("description").to_owned();
    ev.url = e.text_of("url").to_owned();
    ev.day = day;
    ev.start = parse_when(e.text_of("date"), day, e.text_of("start"));
    if ev.start.is_none() {
        let at = e
            .child("date")
            .or(e.child("start"))
            .map_or_else(|| e.at(), Node::at);
        return Err(ImportError::new(
            Format::Frab,
            at,
            format!(
                "date/start: the event {:?} has no start this reader understands (want <date> as 2016-12-27T11:00:00+01:00 or <start> as HH:MM)",
                ev.title
            ),
        ));
    }
    if let Some(d) = e.child("duration") {
        ev.duration = Some(parse_duration(&d.text).ok_or_else(|| {
            ImportError::new(
                Format::Frab,
                d.at(),
                format!(
                    "duration: {:?} is not a duration (HH:MM or HH:MM:SS)",
                    d.text.trim()
                ),
            )
        })?);
    }
    for p in e.children("persons").flat_map(|p| p.children("person")) {
        let name = if p.children.is_empty() {
            p.text.trim()
        } else {
            p.text_of("name").trim()
        };
        let id = if p.attr("id").is_empty() {
            p.attr("guid")
        } else {
            p.attr("id")
        };
        ev.persons.push(RawPerson {
            id: id.to_owned(),
            name: name.to_owned(),
            bio: bios
                .get(p.attr("id"))
                .copied()
                .unwrap_or_default()
                .to_owned(),
        });
    }
    for l in e.children("links").flat_map(|l| l.children("link")) {
        ev.links
            .push((l.text.trim().to_owned(), l.attr("href").to_owned()));
    }
    Ok(ev)
}

/// The acronym both c3voc schemas accept: the slug with `_` for `-`, at least 4 long.
pub(crate) fn acronym(slug: &Slug) -> String {
    let mut a = slug.as_str().replace('-', "_");
    while a.len() < 4 {
        a.push('_');
    }
    a
}

/// An event slug matching the XSD's `voc-slug-new` and the JSON schema.
pub(crate) fn event_slug(acronym: &str, s: &Session) -> String {
    let title = Slug::from_name(&s.info.title);
    let title = title.as_str().replace('-', "_");
    format!("{acronym}-{}-{}", s.id, title.trim_matches('_'))
        .trim_end_matches(['-', '_'])
        .to_owned()
}

/// A track slug matching `[a-z][a-z0-9-]+`.
pub(crate) fn track_slug(name: &str) -> String {
    let s = Slug::from_name(name);
    let s = s.as_str();
    if s.starts_with(|c: char| c.is_ascii_lowercase()) && s.len() >= 2 {
        s.to_owned()
    } else {
        format!("t-{s}")
    }
}

/// What exports write as a session's type: its label, else its kind.
pub(crate) fn type_of(s: &Session) -> &str {
    if s.info.label.is_empty() {
        s.info.kind.as_str()
    } else {
        &s.info.label
    }
}

/// The link of a session: its own page elsewhere, else ours.
pub(crate) fn session_url(program: &StoredProgram, s: &Session, options: &ExportOptions) -> String {
    if s.info.url.starts_with("http://") || s.info.url.starts_with("https://") {
        s.info.url.clone()
    } else {
        format!(
            "{}/c/{}/sessions/{}",
            options.public_url.trim_end_matches('/'),
            program.conference.info.slug,
            s.id
        )
    }
}

/// The sessions of each conference day, in order, with the day's start and end instants.
/// A conference day as exports list it: its date, start, end and sessions.
pub(crate) type DaySlice<'a> = (NaiveDate, DateTime<Utc>, DateTime<Utc>, Vec<&'a Session>);

pub(crate) fn days(program: &StoredProgram) -> Vec<DaySlice<'_>> {
    let c = &program.conference.info;
    let tz = c.time_zone.tz();
    let at = |date: NaiveDate| {
        let local = NaiveDateTime::new(date, c.days.day_change());
        chrono::TimeZone::from_local_datetime(&tz, &local)
            .earliest()
            .map_or_else(|| local.and_utc(), |t| t.with_timezone(&Utc))
    };
    c.days
        .dates()
        .into_iter()
        .map(|d| {
            let sessions = program
                .sessions
                .iter()
                .filter(|s| c.days.day_of(s.info.span.start(), c.time_zone) == d)
                .collect();
            (d, at(d), at(d + Duration::days(1)), sessions)
        })
        .collect()
}

/// An instant as the schemas want it: local time with its offset.
pub(crate) fn local_rfc3339(program: &StoredProgram, t: DateTime<Utc>) -> String {
    t.with_timezone(&program.conference.info.time_zone.tz())
        .to_rfc3339_opts(SecondsFormat::Secs, false)
}

/// Renders `program` as a schedule.xml that validates against the c3voc XSD.
pub(crate) fn write(program: &StoredProgram, options: &ExportOptions) -> Vec<u8> {
    let mut w = Writer::new_with_indent(Vec::new(), b' ', 2);
    // Writing into a Vec cannot fail.
    let _ = write_into(&mut w, program, options);
    let mut out = w.into_inner();
    out.push(b'\n');
    out
}

type XmlResult = std::io::Result<()>;

fn text_el(w: &mut Writer<Vec<u8>>, name: &str, text: &str) -> XmlResult {
    w.create_element(name)
        .write_text_content(BytesText::new(text))?;
    Ok(())
}

fn write_into(
    w: &mut Writer<Vec<u8>>,
    program: &StoredProgram,
    options: &ExportOptions,
) -> XmlResult {
    let c = &program.conference.info;
    let acronym = acronym(&c.slug);
    let public = options.public_url.trim_end_matches('/');
    w.write_event(Event::Decl(BytesDecl::new("1.0", Some("UTF-8"), None)))?;
    w.create_element("schedule").write_inner_content(|w| {
        w.create_element("generator")
            .with_attribute(("name", "hallway"))
            .with_attribute(("version", env!("CARGO_PKG_VERSION")))
            .write_empty()?;
        text_el(w, "url", &format!("{public}/c/{}/schedule.xml", c.slug))?;
        text_el(w, "version", &options.version)?;
        w.create_element("conference").write_inner_content(|w| {
            text_el(w, "acronym", &acronym)?;
            text_el(w, "title", &c.name)?;
            text_el(w, "start", &c.days.first().to_string())?;
            text_el(w, "end", &c.days.last().to_string())?;
            text_el(w, "days", &c.days.dates().len().to_string())?;
            text_el(w, "timeslot_duration", "00:05")?;
            text_el(w, "base_url", &format!("{public}/c/{}/", c.slug))?;
            if c.url.starts_with("http://") || c.url.starts_with("https://") {
                text_el(w, "url", &c.url)?;
            }
            text_el(w, "time_zone_name", c.time_zone.name())?;
            for t in &program.tracks {
                w.create_element("track")
                    .with_attribute(("name", t.name.as_str()))
                    .with_attribute(("color", t.colour.hex().as_str()))
                    .with_attribute(("slug", track_slug(&t.name).as_str()))
                    .write_text_content(BytesText::new(&t.name))?;
            }
            Ok(())
        })?;
        for (index, (date, start, end, sessions)) in days(program).into_iter().enumerate() {
            w.create_element("day")
                .with_attribute(("index", (index + 1).to_string().as_str()))
                .with_attribute(("date", date.to_string().as_str()))
                .with_attribute(("start", local_rfc3339(program, start).as_str()))
                .with_attribute(("end", local_rfc3339(program, end).as_str()))
                .write_inner_content(|w| {
                    for room in &program.rooms {
                        let here: Vec<&&Session> =
                            sessions.iter().filter(|s| s.room == room.id).collect();
                        // A room without any session is listed, empty, on the first day.
                        let unused =
                            index == 0 && !program.sessions.iter().any(|s| s.room == room.id);
                        if here.is_empty() && !unused {
                            continue;
                        }
                        w.create_element("room")
                            .with_attribute(("name", room.name.as_str()))
                            .with_attribute((
                                "guid",
                                super::room_guid(c, &room.name).to_string().as_str(),
                            ))
                            .write_inner_content(|w| {
                                for s in here {
                                    write_event(w, program, s, &acronym, options)?;
                                }
                                Ok(())
                            })?;
                    }
                    Ok(())
                })?;
        }
        Ok(())
    })?;
    Ok(())
}

fn write_event(
    w: &mut Writer<Vec<u8>>,
    program: &StoredProgram,
    s: &Session,
    acronym: &str,
    options: &ExportOptions,
) -> XmlResult {
    let tz = program.conference.info.time_zone.tz();
    let room = program.room(s.room).map_or("", |r| r.name.as_str());
    let track = s
        .track
        .and_then(|t| program.track(t))
        .map_or("", |t| t.name.as_str());
    w.create_element("event")
        .with_attribute(("guid", s.info.guid.to_string().as_str()))
        .with_attribute(("id", s.id.to_string().as_str()))
        .write_inner_content(|w| {
            text_el(w, "date", &local_rfc3339(program, s.info.span.start()))?;
            text_el(
                w,
                "start",
                &s.info
                    .span
                    .start()
                    .with_timezone(&tz)
                    .format("%H:%M")
                    .to_string(),
            )?;
            text_el(w, "duration", &render_duration(s.info.span.duration()))?;
            text_el(w, "room", room)?;
            text_el(w, "slug", &event_slug(acronym, s))?;
            text_el(w, "url", &session_url(program, s, options))?;
            text_el(w, "title", &s.info.title)?;
            text_el(w, "subtitle", &s.info.subtitle)?;
            text_el(w, "track", track)?;
            text_el(w, "type", type_of(s))?;
            text_el(w, "language", &s.info.language)?;
            text_el(w, "abstract", &s.info.abstract_text)?;
            text_el(w, "description", &s.info.description)?;
            w.create_element("persons").write_inner_content(|w| {
                for p in s.speakers.iter().filter_map(|p| program.speaker(*p)) {
                    w.create_element("person")
                        .with_attribute(("id", p.id.to_string().as_str()))
                        .write_text_content(BytesText::new(&p.info.name))?;
                }
                Ok(())
            })?;
            w.create_element("links").write_inner_content(|w| {
                for l in &s.info.links {
                    w.create_element("link")
                        .with_attribute(("href", l.url.as_str()))
                        .write_text_content(BytesText::new(&l.title))?;
                }
                Ok(())
            })?;
            Ok(())
        })?;
    Ok(())
}
