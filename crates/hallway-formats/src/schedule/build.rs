//! From a file as read ([`RawSchedule`]) to a checked [`Program`]: one place for the quirks
//! of published schedules, shared by every format.

use std::collections::HashMap;

use chrono::{
    DateTime, Duration, FixedOffset, LocalResult, NaiveDateTime, NaiveTime, TimeZone as _,
    Timelike, Utc,
};
use hallway_domain::program::{
    ConferenceInfo, Link, RoomDraft, SessionDraft, SessionInfo, SpeakerInfo, TrackDraft,
};
use hallway_domain::{
    Capacity, Colour, ConferenceDays, Guid, Program, SessionKind, Slug, TimeSpan, TimeZone,
};

use super::text::{PALETTE, html_to_text, kind_from_label, resolve_url};
use super::{Format, ImportError, ImportOptions, Imported, Location, RawSchedule, When};

/// The largest file accepted, in bytes (the 38C3 schedule.xml is 2.2 MB).
pub const MAX_BYTES: usize = 32 * 1024 * 1024;

/// At most this many warnings are kept; the rest are counted.
const MAX_WARNINGS: usize = 50;

struct Warnings {
    kept: Vec<String>,
    dropped: usize,
}

impl Warnings {
    fn push(&mut self, w: String) {
        if self.kept.len() < MAX_WARNINGS {
            self.kept.push(w);
        } else {
            self.dropped += 1;
        }
    }
}

/// The zone whose offset is `offset` all year (`Etc/GMT-1` is UTC+1), if it is whole hours.
fn zone_of_offset(offset: FixedOffset) -> Option<TimeZone> {
    let secs = offset.local_minus_utc();
    if secs % 3600 != 0 {
        return None;
    }
    let hours = secs / 3600;
    let name = match hours {
        0 => "UTC".to_owned(),
        h if h > 0 => format!("Etc/GMT-{h}"),
        h => format!("Etc/GMT+{}", -h),
    };
    TimeZone::parse(&name).ok()
}

fn local_instant(
    local: NaiveDateTime,
    zone: TimeZone,
    at: &Location,
    warnings: &mut Warnings,
) -> DateTime<Utc> {
    match zone.tz().from_local_datetime(&local) {
        LocalResult::Single(t) => t.with_timezone(&Utc),
        LocalResult::Ambiguous(first, _) => first.with_timezone(&Utc),
        LocalResult::None => {
            warnings.push(format!(
                "{at}: {local} does not exist in {} (the clocks skip it); taken an hour later",
                zone.name()
            ));
            let later = local + Duration::hours(1);
            zone.tz()
                .from_local_datetime(&later)
                .earliest()
                .map_or_else(|| Utc.from_utc_datetime(&local), |t| t.with_timezone(&Utc))
        }
    }
}

fn instant(when: When, zone: TimeZone, at: &Location, warnings: &mut Warnings) -> DateTime<Utc> {
    match when {
        When::Absolute(t) => t.with_timezone(&Utc),
        When::Local(t) => local_instant(t, zone, at, warnings),
    }
}

/// The wall-clock time of `when` at the venue.
fn local_of(when: When, zone: TimeZone) -> NaiveDateTime {
    match when {
        When::Absolute(t) => t.with_timezone(&zone.tz()).naive_local(),
        When::Local(t) => t,
    }
}

/// The day change a file implies when it does not declare one: events listed under a day
/// but starting on the next date (after midnight) belong to that day, so the day changes
/// after the latest of them, at the next full hour (never after noon, and never after the
/// earliest event listed on its own date).
fn implied_day_change(raw: &RawSchedule, zone: TimeZone) -> NaiveTime {
    let mut latest: Option<NaiveTime> = None;
    for e in &raw.events {
        let (Some(day), Some(start)) = (e.day, e.start) else {
            continue;
        };
        let local = local_of(start, zone);
        if local.date() > day
            && local.time() < NaiveTime::from_hms_opt(12, 0, 0).unwrap_or_default()
        {
            latest = latest.max(Some(local.time()));
        }
    }
    // Never later than the earliest event on its own date: that one must stay on its day.
    let earliest_own = raw
        .events
        .iter()
        .filter_map(|e| {
            let (day, start) = (e.day?, e.start?);
            let local = local_of(start, zone);
            (local.date() == day).then_some(local.time())
        })
        .min();
    latest
        .and_then(|t| NaiveTime::from_hms_opt((t.hour() + 1).min(12), 0, 0))
        .map(|t| earliest_own.map_or(t, |e| t.min(e)))
        .unwrap_or(NaiveTime::MIN)
}

/// Whether `url` is the session's page on the server that wrote the file (hallway's exports
/// link `{base_url}sessions/{id}`): not a page of the session's own to keep.
fn own_page(base_url: &str, url: &str) -> bool {
    let base = base_url.trim();
    !base.is_empty()
        && url
            .strip_prefix(base)
            .and_then(|rest| rest.strip_prefix("sessions/"))
            .is_some_and(|id| !id.is_empty() && id.bytes().all(|b| b.is_ascii_digit()))
}

pub(crate) fn build(
    raw: RawSchedule,
    format: Format,
    options: &ImportOptions,
) -> Result<Imported, ImportError> {
    let err = |at: Location, message: String| ImportError::new(format, at, message);
    let mut warnings = Warnings {
        kept: Vec::new(),
        dropped: 0,
    };
    if raw.events.is_empty() {
        return Err(err(Location::File, "the file has no events".into()));
    }

    // The zone: --time-zone, else the file's, else the offset its first event carries.
    let file_zone = (!raw.time_zone.trim().is_empty())
        .then(|| TimeZone::parse(raw.time_zone.trim()))
        .and_then(|z| match z {
            Ok(z) => Some(z),
            Err(e) => {
                warnings.push(format!("time zone: {e}; using the events' offsets"));
                None
            }
        });
    let offset_zone = || {
        raw.events.iter().find_map(|e| match e.start {
            Some(When::Absolute(t)) => Some(*t.offset()),
            _ => None,
        })
    };
    let zone = match (options.time_zone, file_zone) {
        (Some(z), _) => z,
        (None, Some(z)) => z,
        (None, None) => match offset_zone() {
            Some(offset) => match zone_of_offset(offset) {
                Some(z) => {
                    warnings.push(format!(
                        "the file names no time zone; using {} from the events' offset {offset} (pass --time-zone to name the venue's)",
                        z.name()
                    ));
                    z
                }
                None => {
                    warnings.push(format!(
                        "the file names no time zone and its offset {offset} is not whole hours; using UTC"
                    ));
                    TimeZone::parse("UTC").map_err(|e| err(Location::File, e.to_string()))?
                }
            },
            None => {
                warnings.push("the file names no time zone; using UTC (pass --time-zone)".into());
                TimeZone::parse("UTC").map_err(|e| err(Location::File, e.to_string()))?
            }
        },
    };
    let day_change = raw
        .day_change
        .unwrap_or_else(|| implied_day_change(&raw, zone));

    let slug = match &options.slug {
        Some(s) => s.clone(),
        None if !raw.acronym.trim().is_empty() => Slug::from_name(&raw.acronym),
        None if !raw.title.trim().is_empty() => Slug::from_name(&raw.title),
        None => {
            return Err(err(
                Location::File,
                "the file names no conference (no acronym, no title): pass --conference".into(),
            ));
        }
    };
    let name = [raw.title.trim(), raw.acronym.trim(), slug.as_str()]
        .into_iter()
        .find(|n| !n.is_empty())
        .unwrap_or("Conference")
        .to_owned();

    // Rooms and tracks: the ones the file declares, in its order, then the rest as events
    // name them.
    let mut rooms: Vec<RoomDraft> = Vec::new();
    let mut room_index: HashMap<String, usize> = HashMap::new();
    let mut add_room =
        |name: &str, capacity: Option<u32>, rooms: &mut Vec<RoomDraft>| -> Result<usize, String> {
            let key = name.trim().to_lowercase();
            if let Some(&i) = room_index.get(&key) {
                if rooms[i].capacity.is_none() && capacity.is_some() {
                    rooms[i].capacity = capacity.and_then(|c| Capacity::new(i64::from(c)).ok());
                }
                return Ok(i);
            }
            let capacity = capacity
                .map(|c| Capacity::new(i64::from(c)).map_err(|e| e.to_string()))
                .transpose()?;
            rooms.push(RoomDraft {
                name: name.trim().to_owned(),
                capacity,
            });
            room_index.insert(key, rooms.len() - 1);
            Ok(rooms.len() - 1)
        };
    for (name, capacity) in &raw.rooms {
        if !name.trim().is_empty() {
            add_room(name, *capacity, &mut rooms)
                .map_err(|e| err(Location::File, format!("room {name:?}: {e}")))?;
        }
    }
    let mut tracks: Vec<TrackDraft> = Vec::new();
    let mut track_index: HashMap<String, usize> = HashMap::new();
    let mut add_track =
        |name: &str, colour: &str, tracks: &mut Vec<TrackDraft>, warnings: &mut Warnings| {
            let key = name.trim().to_lowercase();
            if let Some(&i) = track_index.get(&key) {
                return i;
            }
            let fallback = || Colour::parse(PALETTE[tracks.len() % PALETTE.len()]).ok();
            let colour = match Colour::parse(colour.trim()) {
                Ok(c) => Some(c),
                Err(_) if colour.trim().is_empty() => fallback(),
                Err(e) => {
                    warnings.push(format!("track {name:?}: {e}; using one of ours"));
                    fallback()
                }
            };
            let Some(colour) = colour else {
                return usize::MAX;
            };
            tracks.push(TrackDraft {
                name: name.trim().to_owned(),
                colour,
            });
            track_index.insert(key, tracks.len() - 1);
            tracks.len() - 1
        };
    for (name, colour) in &raw.tracks {
        if !name.trim().is_empty() {
            add_track(name, colour, &mut tracks, &mut warnings);
        }
    }

    let mut speakers: Vec<SpeakerInfo> = Vec::new();
    let mut speaker_index: HashMap<String, usize> = HashMap::new();
    let mut sessions: Vec<SessionDraft> = Vec::with_capacity(raw.events.len());
    let mut guids: HashMap<Guid, usize> = HashMap::new();
    let mut first_day = raw.first_day;
    let mut last_day = raw.last_day;
    let mut bad_guids = 0usize;
    let mut person_zero = 0usize;

    for e in &raw.events {
        let at = &e.at;
        let title = e.title.trim();
        if title.is_empty() {
            return Err(err(at.clone(), "title: the event has no title".into()));
        }
        let Some(start) = e.start else {
            return Err(err(
                at.clone(),
                format!("start: the event {title:?} has no start"),
            ));
        };
        let start = instant(start, zone, at, &mut warnings);
        let end = match (e.duration, e.end) {
            (Some(d), _) => start + d,
            (None, Some(end)) => instant(end, zone, at, &mut warnings),
            (None, None) => {
                return Err(err(
                    at.clone(),
                    format!("duration: the event {title:?} has no duration or end"),
                ));
            }
        };
        let span = TimeSpan::new(start, end)
            .map_err(|e2| err(at.clone(), format!("duration: the event {title:?}: {e2}")))?;

        let room = if e.room.trim().is_empty() {
            warnings.push(format!(
                "{at}: the event {title:?} names no room; put in \"Unassigned\""
            ));
            "Unassigned"
        } else {
            e.room.as_str()
        };
        let room = add_room(room, None, &mut rooms).map_err(|m| err(at.clone(), m))?;
        let track = (!e.track.trim().is_empty())
            .then(|| add_track(&e.track, "", &mut tracks, &mut warnings))
            .filter(|i| *i != usize::MAX);

        let mut persons = Vec::new();
        for p in &e.persons {
            let pname = p.name.trim();
            if pname.is_empty() {
                continue;
            }
            let id = p.id.trim();
            if id == "0" {
                person_zero += 1;
            }
            let key = if id.is_empty() || id == "0" {
                format!("name:{}", pname.to_lowercase())
            } else {
                format!("id:{id}")
            };
            let index = match speaker_index.get(&key) {
                Some(&i) => i,
                None => {
                    let mut info =
                        SpeakerInfo::new(pname).map_err(|e2| err(at.clone(), e2.to_string()))?;
                    info.bio = html_to_text(&p.bio);
                    speakers.push(info);
                    speaker_index.insert(key, speakers.len() - 1);
                    speakers.len() - 1
                }
            };
            if !persons.contains(&index) {
                persons.push(index);
            }
        }

        let kind = kind_from_label(&e.kind, title);
        let mut info =
            SessionInfo::new(title, kind, span).map_err(|e2| err(at.clone(), e2.to_string()))?;
        info.subtitle = e.subtitle.trim().to_owned();
        info.label = if !e.label.trim().is_empty() {
            e.label.trim().to_owned()
        } else if SessionKind::parse(&e.kind.trim().to_lowercase()).is_err() {
            e.kind.trim().to_owned()
        } else {
            String::new()
        };
        info.abstract_text = html_to_text(&e.abstract_text);
        info.description = html_to_text(&e.description);
        info.language = e.language.trim().to_owned();
        info.url = resolve_url(&raw.base_url, &e.url)
            .filter(|u| !own_page(&raw.base_url, u))
            .unwrap_or_default();
        if let Some(c) = e.capacity {
            info.capacity_override = Some(
                Capacity::new(i64::from(c))
                    .map_err(|e2| err(at.clone(), format!("capacity: {e2}")))?,
            );
        }
        for (ltitle, lurl) in &e.links {
            match resolve_url(&raw.base_url, lurl) {
                Some(u) => {
                    let ltitle = if ltitle.trim().is_empty() {
                        u.as_str()
                    } else {
                        ltitle.trim()
                    };
                    if let Ok(link) = Link::new(ltitle, &u) {
                        info.links.push(link);
                    }
                }
                None => warnings.push(format!(
                    "{at}: link {lurl:?} is not an http(s) address; left out"
                )),
            }
        }

        // The guid: the file's if it is a UUID, else derived from the file's id, else from
        // the title and start; a repeated one (merged files) is made unique.
        let derived_key = if e.id.trim().is_empty() {
            format!(
                "{slug}/title/{}/{}",
                title.to_lowercase(),
                start.timestamp()
            )
        } else {
            format!("{slug}/id/{}", e.id.trim())
        };
        let mut guid = match Guid::parse(&e.guid) {
            Ok(g) => g,
            Err(_) => {
                bad_guids += 1;
                Guid::derived(&derived_key)
            }
        };
        if let Some(&other) = guids.get(&guid) {
            warnings.push(format!(
                "{at}: the event {title:?} repeats the guid (or id) of {:?}; given a new guid",
                sessions[other].info.title
            ));
            guid = Guid::derived(&format!(
                "{derived_key}/{}/{}",
                start.timestamp(),
                sessions.len()
            ));
        }
        guids.insert(guid, sessions.len());
        info.guid = guid;

        let local = start.with_timezone(&zone.tz()).naive_local();
        let day = if local.time() < day_change {
            local.date() - Duration::days(1)
        } else {
            local.date()
        };
        first_day = Some(first_day.map_or(day, |f| f.min(day)));
        last_day = Some(last_day.map_or(day, |l| l.max(day)));
        sessions.push(SessionDraft {
            room,
            track,
            speakers: persons,
            info,
        });
    }
    if bad_guids > 0 {
        warnings.push(format!(
            "{bad_guids} event(s) had no guid or one that is not a UUID; derived stable ones from their ids"
        ));
    }
    if person_zero > 0 {
        warnings.push(format!(
            "{person_zero} person entries had id 0; told apart by name"
        ));
    }

    let (Some(first), Some(last)) = (first_day, last_day) else {
        return Err(err(Location::File, "the file has no days".into()));
    };
    let (first, last) = (first.min(last), last.max(first));
    let days = ConferenceDays::new(first, last, day_change)
        .map_err(|e| err(Location::File, e.to_string()))?;
    let mut conference = ConferenceInfo::new(slug, &name, zone, days)
        .map_err(|e| err(Location::File, e.to_string()))?;
    conference.venue = raw.venue.trim().to_owned();
    conference.city = raw.city.trim().to_owned();
    conference.description = html_to_text(&raw.description);
    conference.url = resolve_url(&raw.base_url, &raw.url)
        .or_else(|| resolve_url("", &raw.base_url))
        .unwrap_or_default();
    let (program, clashes) =
        Program::with_room_clashes(conference, rooms, tracks, speakers, sessions)
            .map_err(|e| err(Location::File, e.to_string()))?;
    for (a, b) in clashes {
        let (a, b) = (&program.sessions()[a], &program.sessions()[b]);
        warnings.push(format!(
            "room {:?} holds {:?} and {:?} at once; both kept",
            program.rooms()[a.room].name,
            a.info.title,
            b.info.title
        ));
    }
    let mut kept = warnings.kept;
    if warnings.dropped > 0 {
        kept.push(format!("… and {} more warnings", warnings.dropped));
    }
    Ok(Imported {
        program,
        version: raw.version.trim().to_owned(),
        format,
        warnings: kept,
    })
}
