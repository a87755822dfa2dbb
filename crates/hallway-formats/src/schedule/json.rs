//! c3voc `schedule.json` (frab's JSON, pretalx's export). Reading is lenient about types (ids
//! as numbers or strings, nulls for empty texts) and names the JSON path of what it cannot
//! use; writing validates against the c3voc JSON Schema.

use chrono::{DateTime, NaiveDate, NaiveDateTime, NaiveTime};
use hallway_domain::changes::StoredProgram;
use indexmap::IndexMap;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use super::frab::{acronym, date_of, days, event_slug, local_rfc3339, session_url, track_slug};
use super::text::{parse_duration, render_duration};
use super::{ExportOptions, Format, ImportError, Location, RawEvent, RawPerson, RawSchedule, When};

#[derive(Deserialize)]
struct File {
    schedule: Schedule,
}

#[derive(Deserialize)]
struct Schedule {
    #[serde(default)]
    version: Option<Value>,
    #[serde(default)]
    base_url: Option<String>,
    conference: Conference,
}

#[derive(Deserialize)]
struct Conference {
    #[serde(default)]
    acronym: Option<String>,
    #[serde(default)]
    title: Option<String>,
    #[serde(default)]
    start: Option<String>,
    #[serde(default)]
    end: Option<String>,
    #[serde(default)]
    time_zone_name: Option<String>,
    #[serde(default)]
    url: Option<String>,
    #[serde(default)]
    description: Option<String>,
    #[serde(default)]
    tracks: Vec<TrackIn>,
    #[serde(default)]
    rooms: Vec<RoomIn>,
    #[serde(default)]
    days: Vec<Day>,
}

#[derive(Deserialize)]
struct TrackIn {
    #[serde(default)]
    name: Option<String>,
    #[serde(default)]
    color: Option<String>,
}

#[derive(Deserialize)]
struct RoomIn {
    #[serde(default)]
    name: Option<String>,
    #[serde(default)]
    capacity: Option<f64>,
}

#[derive(Deserialize)]
struct Day {
    #[serde(default)]
    date: Option<String>,
    #[serde(default)]
    day_end: Option<String>,
    #[serde(default)]
    rooms: IndexMap<String, Vec<EventIn>>,
}

#[derive(Deserialize)]
struct EventIn {
    #[serde(default)]
    id: Option<Value>,
    #[serde(default)]
    code: Option<String>,
    #[serde(default)]
    guid: Option<String>,
    #[serde(default)]
    date: Option<String>,
    #[serde(default)]
    start: Option<String>,
    #[serde(default)]
    end: Option<String>,
    #[serde(default)]
    duration: Option<String>,
    #[serde(default)]
    room: Option<String>,
    #[serde(default)]
    url: Option<String>,
    #[serde(default)]
    title: Option<String>,
    #[serde(default)]
    subtitle: Option<String>,
    #[serde(default)]
    track: Option<String>,
    #[serde(default, rename = "type")]
    kind: Option<String>,
    #[serde(default)]
    language: Option<String>,
    #[serde(default, rename = "abstract")]
    abstract_text: Option<String>,
    #[serde(default)]
    description: Option<String>,
    #[serde(default)]
    persons: Vec<PersonIn>,
    #[serde(default)]
    links: Vec<LinkIn>,
}

#[derive(Deserialize)]
struct PersonIn {
    #[serde(default)]
    id: Option<Value>,
    #[serde(default)]
    guid: Option<String>,
    #[serde(default)]
    code: Option<String>,
    #[serde(default)]
    name: Option<String>,
    #[serde(default)]
    public_name: Option<String>,
    #[serde(default)]
    biography: Option<String>,
}

#[derive(Deserialize)]
struct LinkIn {
    #[serde(default)]
    url: Option<String>,
    #[serde(default)]
    title: Option<String>,
}

fn text(v: &Option<Value>) -> String {
    match v {
        Some(Value::String(s)) => s.clone(),
        Some(Value::Number(n)) => n.to_string(),
        _ => String::new(),
    }
}

fn s(v: Option<String>) -> String {
    v.unwrap_or_default()
}

/// Reads a schedule.json into a raw schedule.
pub(crate) fn read(bytes: &[u8]) -> Result<RawSchedule, ImportError> {
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    let mut de = serde_json::Deserializer::from_slice(bytes);
    let file: File = serde_path_to_error::deserialize(&mut de).map_err(|e| {
        let inner = e.inner();
        let message = inner.to_string();
        let message = message
            .rsplit_once(" at line ")
            .map_or(message.as_str(), |(m, _)| m);
        let at = if inner.is_syntax() || inner.is_eof() {
            Location::Line {
                line: inner.line(),
                column: inner.column(),
            }
        } else {
            Location::Path(e.path().to_string())
        };
        ImportError::new(
            Format::Json,
            at,
            format!(
                "{message} (line {}, column {})",
                inner.line(),
                inner.column()
            ),
        )
    })?;
    let c = file.schedule.conference;
    let mut raw = RawSchedule {
        version: text(&file.schedule.version),
        title: s(c.title),
        acronym: s(c.acronym),
        url: s(c.url),
        description: s(c.description),
        base_url: s(file.schedule.base_url),
        time_zone: s(c.time_zone_name),
        first_day: c.start.as_deref().and_then(date_of),
        last_day: c.end.as_deref().and_then(date_of),
        ..RawSchedule::default()
    };
    for t in c.tracks {
        raw.tracks.push((s(t.name), s(t.color)));
    }
    for r in c.rooms {
        let capacity = r
            .capacity
            .filter(|c| *c >= 1.0 && c.fract() == 0.0 && *c <= f64::from(u32::MAX));
        #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
        raw.rooms.push((s(r.name), capacity.map(|c| c as u32)));
    }
    for (d, day) in c.days.into_iter().enumerate() {
        let date = day.date.as_deref().and_then(date_of);
        if raw.day_change.is_none()
            && let (Some(date), Some(Ok(end))) = (
                date,
                day.day_end.as_deref().map(DateTime::parse_from_rfc3339),
            )
        {
            let end = end.naive_local();
            if end.date() > date
                && end.time() <= NaiveTime::from_hms_opt(12, 0, 0).unwrap_or_default()
            {
                raw.day_change = Some(super::frab::day_boundary(end.time()));
            }
        }
        for (room, events) in day.rooms {
            if !raw.rooms.iter().any(|(n, _)| *n == room) {
                raw.rooms.push((room.clone(), None));
            }
            for (i, e) in events.into_iter().enumerate() {
                let path = format!("schedule.conference.days[{d}].rooms.{room}[{i}]");
                raw.events.push(event(e, &room, date, path)?);
            }
        }
    }
    Ok(raw)
}

fn event(
    e: EventIn,
    room: &str,
    day: Option<NaiveDate>,
    path: String,
) -> Result<RawEvent, ImportError> {
    let err = |field: &str, message: String| {
        ImportError::new(
            Format::Json,
            Location::Path(format!("{path}.{field}")),
            message,
        )
    };
    let mut ev = RawEvent::at(Location::Path(path.clone()));
    ev.id = text(&e.id);
    if ev.id.is_empty() {
        ev.id = s(e.code);
    }
    ev.guid = s(e.guid);
    ev.title = s(e.title);
    ev.subtitle = s(e.subtitle);
    ev.room = e
        .room
        .filter(|r| !r.trim().is_empty())
        .unwrap_or_else(|| room.to_owned());
    ev.track = s(e.track);
    ev.kind = s(e.kind);
    ev.language = s(e.language);
    ev.abstract_text = s(e.abstract_text);
    ev.description = s(e.description);
    ev.url = s(e.url);
    ev.day = day;
    let date = s(e.date);
    ev.start = match DateTime::parse_from_rfc3339(date.trim()) {
        Ok(t) => Some(When::Absolute(t)),
        Err(_) => {
            let start = s(e.start);
            let time = NaiveTime::parse_from_str(start.trim(), "%H:%M")
                .or_else(|_| NaiveTime::parse_from_str(start.trim(), "%H:%M:%S"))
                .map_err(|_| err("date", format!("{date:?} is not a date-time such as 2020-12-14T09:00:00+01:00, and start {start:?} is not HH:MM")))?;
            let d = date_of(&date)
                .or(day)
                .ok_or_else(|| err("date", format!("{date:?} is not a date")))?;
            Some(When::Local(NaiveDateTime::new(d, time)))
        }
    };
    match (e.duration, e.end) {
        (Some(d), _) if !d.trim().is_empty() => {
            ev.duration = Some(parse_duration(&d).ok_or_else(|| {
                err(
                    "duration",
                    format!("{d:?} is not a duration (HH:MM or HH:MM:SS)"),
                )
            })?);
        }
        (_, Some(end)) => {
            ev.end = Some(When::Absolute(
                DateTime::parse_from_rfc3339(end.trim())
                    .map_err(|_| err("end", format!("{end:?} is not a date-time")))?,
            ));
        }
        _ => {}
    }
    for p in e.persons {
        let id = match text(&p.id) {
            id if !id.is_empty() => id,
            _ => p.guid.or(p.code).unwrap_or_default(),
        };
        ev.persons.push(RawPerson {
            id,
            name: p.name.or(p.public_name).unwrap_or_default(),
            bio: s(p.biography),
        });
    }
    for l in e.links {
        ev.links.push((s(l.title), s(l.url)));
    }
    Ok(ev)
}

#[derive(Serialize)]
struct PersonOut<'a> {
    id: i64,
    public_name: &'a str,
    #[serde(skip_serializing_if = "str::is_empty")]
    biography: &'a str,
}

/// Whether the JSON Schema's `time_zone_name` pattern takes `name`.
fn schema_zone(name: &str) -> bool {
    if name == "UTC" {
        return true;
    }
    let Some((a, b)) = name.split_once('/') else {
        return false;
    };
    let word = |w: &str| {
        let mut c = w.chars();
        c.next().is_some_and(|f| f.is_ascii_uppercase())
            && c.next().is_some_and(|x| x.is_ascii_lowercase())
    };
    word(a) && a[1..].chars().all(|x| x.is_ascii_lowercase()) && word(b)
}

/// Renders `program` as a schedule.json that validates against the c3voc JSON Schema.
pub(crate) fn write(program: &StoredProgram, options: &ExportOptions) -> Vec<u8> {
    let c = &program.conference.info;
    let acronym = acronym(&c.slug);
    let public = options.public_url.trim_end_matches('/');
    let tz = c.time_zone.tz();
    let mut day_list = Vec::new();
    for (index, (date, start, end, sessions)) in days(program).into_iter().enumerate() {
        let mut rooms = serde_json::Map::new();
        for room in &program.rooms {
            let events: Vec<Value> = sessions
                .iter()
                .filter(|s| s.room == room.id)
                .map(|s| {
                    let persons: Vec<PersonOut> = s
                        .speakers
                        .iter()
                        .filter_map(|p| program.speaker(*p))
                        .map(|p| PersonOut {
                            id: p.id.get(),
                            public_name: &p.info.name,
                            biography: &p.info.bio,
                        })
                        .collect();
                    let links: Vec<Value> = s
                        .info
                        .links
                        .iter()
                        .map(|l| json!({"url": l.url, "title": l.title}))
                        .collect();
                    json!({
                        "guid": s.info.guid.to_string(),
                        "id": s.id.get(),
                        "date": local_rfc3339(program, s.info.span.start()),
                        "start": s.info.span.start().with_timezone(&tz).format("%H:%M").to_string(),
                        "duration": render_duration(s.info.span.duration()),
                        "room": room.name,
                        "slug": event_slug(&acronym, s),
                        "url": session_url(program, s, options),
                        "title": s.info.title,
                        "subtitle": s.info.subtitle,
                        "track": s.track.and_then(|t| program.track(t)).map(|t| t.name.clone()),
                        "type": super::frab::type_of(s),
                        "language": s.info.language,
                        "abstract": s.info.abstract_text,
                        "description": s.info.description,
                        "recording_license": "",
                        "do_not_record": false,
                        "persons": persons,
                        "links": links,
                        "attachments": [],
                    })
                })
                .collect();
            if !events.is_empty() {
                rooms.insert(room.name.clone(), Value::Array(events));
            }
        }
        day_list.push(json!({
            "index": index + 1,
            "date": date.to_string(),
            "day_start": local_rfc3339(program, start),
            "day_end": local_rfc3339(program, end),
            "rooms": rooms,
        }));
    }
    let mut conference = json!({
        "acronym": acronym,
        "title": c.name,
        "start": c.days.first().to_string(),
        "end": c.days.last().to_string(),
        "daysCount": c.days.dates().len(),
        "timeslot_duration": "00:05",
        "tracks": program.tracks.iter().map(|t| json!({"name": t.name, "slug": track_slug(&t.name), "color": t.colour.hex()})).collect::<Vec<_>>(),
        "rooms": program.rooms.iter().map(|r| {
            let mut room = json!({"name": r.name, "guid": super::room_guid(c, &r.name).to_string()});
            if let Some(cap) = r.capacity {
                room["capacity"] = json!(cap.get());
            }
            room
        }).collect::<Vec<_>>(),
        "days": day_list,
    });
    if schema_zone(c.time_zone.name()) {
        conference["time_zone_name"] = json!(c.time_zone.name());
    }
    if c.url.starts_with("http://") || c.url.starts_with("https://") {
        conference["url"] = json!(c.url);
    }
    if !c.description.is_empty() {
        conference["description"] = json!(c.description);
    }
    let file = json!({
        "$schema": "https://c3voc.de/schedule/schema.json",
        "generator": {"name": "hallway", "version": env!("CARGO_PKG_VERSION")},
        "schedule": {
            "version": options.version,
            "base_url": format!("{public}/c/{}/", c.slug),
            "conference": conference,
        }
    });
    let mut out = serde_json::to_vec_pretty(&file).unwrap_or_default();
    out.push(b'\n');
    out
}
