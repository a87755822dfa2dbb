//! A conference and its program: the API under `/api/v1/conferences/{slug}` and the pages
//! under `/c/{slug}`.

use askama::Template;
use askama_web::WebTemplate;
use std::collections::HashMap;
use std::sync::Arc;

use axum::Json;
use axum::extract::{Path, Query, State};
use axum::http::header;
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, Duration, NaiveDate, Timelike, Utc};
use hallway_domain::program::Link;
use hallway_domain::{
    Conference, Room, Session, SessionId, SessionKind, Slug, Speaker, SpeakerId, Track,
};
use hallway_store::ConferenceDetail;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::AppState;
use crate::auth::MaybeUser;
use crate::error::{ApiError, PageError};
use crate::view::{
    ProgramIndex, SessionCard, TrackChip, clock_time, date_range, day_label, thousands, urlencode,
};

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(get_conference))
        .routes(routes!(list_sessions))
        .routes(routes!(get_session))
        .routes(routes!(list_speakers))
        .routes(routes!(get_speaker))
        .route("/c/{slug}", axum::routing::get(conference_page))
        .route("/c/{slug}/program", axum::routing::get(program_page))
        .route("/c/{slug}/sessions/{id}", axum::routing::get(session_page))
        .route("/c/{slug}/speakers/{id}", axum::routing::get(speaker_page))
}

/// A conference with its whole program, loaded for one request.
pub(super) struct Loaded {
    pub(super) detail: ConferenceDetail,
    pub(super) sessions: Vec<Session>,
    pub(super) speakers: Vec<Speaker>,
}

impl Loaded {
    pub(super) fn index(&self) -> ProgramIndex<'_> {
        ProgramIndex::new(
            &self.detail.conference,
            &self.detail.rooms,
            &self.detail.tracks,
            &self.speakers,
        )
    }
}

/// Why a conference could not be loaded: it does not exist, or the store failed.
pub(super) enum Missing {
    NotFound(String),
    Store(hallway_store::StoreError),
}

impl From<hallway_store::StoreError> for Missing {
    fn from(e: hallway_store::StoreError) -> Self {
        Self::Store(e)
    }
}

impl From<Missing> for ApiError {
    fn from(m: Missing) -> Self {
        match m {
            Missing::NotFound(what) => ApiError::NotFound(what),
            Missing::Store(e) => ApiError::Store(e),
        }
    }
}

impl From<Missing> for PageError {
    fn from(m: Missing) -> Self {
        match m {
            Missing::NotFound(what) => PageError::NotFound(what),
            Missing::Store(e) => PageError::Store(e),
        }
    }
}

pub(super) async fn detail(state: &AppState, slug: &str) -> Result<ConferenceDetail, Missing> {
    let missing = || Missing::NotFound(format!("There is no conference {slug:?}."));
    let slug = Slug::parse(slug).map_err(|_| missing())?;
    // An unpublished conference does not exist for the public pages and API; organizers
    // work on it in the workspace (`/c/{slug}/organize`).
    state
        .store
        .conference(&slug)
        .await?
        .filter(|d| d.published)
        .ok_or_else(missing)
}

pub(super) async fn load(state: &AppState, slug: &str) -> Result<Loaded, Missing> {
    let detail = detail(state, slug).await?;
    let (sessions, speakers) = state.store.program_of(&detail).await?;
    Ok(Loaded {
        detail,
        sessions,
        speakers,
    })
}

pub(super) fn parse_id(raw: &str, what: &str) -> Result<i64, Missing> {
    raw.parse::<i64>()
        .map_err(|_| Missing::NotFound(format!("There is no {what} {raw:?}.")))
}

// ---------------------------------------------------------------------------------------
// JSON API

/// A room.
#[derive(Debug, Serialize, ToSchema)]
pub struct RoomDto {
    id: i64,
    name: String,
    /// Seats; null when unknown (unlimited).
    capacity: Option<u32>,
}

impl From<&Room> for RoomDto {
    fn from(r: &Room) -> Self {
        Self {
            id: r.id.get(),
            name: r.name.clone(),
            capacity: r.capacity.map(|c| c.get()),
        }
    }
}

/// A track.
#[derive(Debug, Serialize, ToSchema)]
pub struct TrackDto {
    id: i64,
    name: String,
    /// `#rrggbb`.
    colour: String,
}

impl From<&Track> for TrackDto {
    fn from(t: &Track) -> Self {
        Self {
            id: t.id.get(),
            name: t.name.clone(),
            colour: t.colour.hex(),
        }
    }
}

/// A conference and the frame of its program.
#[derive(Debug, Serialize, ToSchema)]
pub struct ConferenceDto {
    slug: String,
    name: String,
    /// IANA time zone of the venue; local times on pages and exports use it.
    time_zone: String,
    /// Every conference day, YYYY-MM-DD.
    days: Vec<NaiveDate>,
    /// Local time at which one conference day turns into the next (HH:MM).
    day_change: String,
    venue: String,
    city: String,
    description: String,
    /// Rooms in display order.
    rooms: Vec<RoomDto>,
    tracks: Vec<TrackDto>,
}

/// A session as listed in the program.
#[derive(Debug, Serialize, ToSchema)]
pub struct SessionDto {
    id: i64,
    title: String,
    /// RFC 3339.
    starts_at: DateTime<Utc>,
    /// RFC 3339.
    ends_at: DateTime<Utc>,
    /// The conference day it belongs to (the day change applied), YYYY-MM-DD.
    day: NaiveDate,
    room: RoomRef,
    track: Option<TrackDto>,
    /// One of talk, keynote, workshop, lab, theater, break.
    kind: String,
    /// What the conference calls its kind ("Lightning talk"); the kind's name when it has none.
    kind_label: String,
    /// Seats; null = unlimited.
    capacity: Option<u32>,
    /// Seats still free; null = unlimited.
    seats_left: Option<u32>,
    /// `open`, `filling` (75 % taken or more), `full` or `unlimited`.
    seat_state: String,
    /// The seats in words, as the pages show them ("Filling · 12 of 80 seats left").
    seats_text: String,
    speakers: Vec<SpeakerRef>,
    #[serde(rename = "abstract")]
    abstract_text: String,
    /// BCP 47 language tag; empty when not stated.
    language: String,
    links: Vec<LinkDto>,
}

/// A room named by a session.
#[derive(Debug, Serialize, ToSchema)]
pub struct RoomRef {
    id: i64,
    name: String,
}

/// A speaker named by a session.
#[derive(Debug, Serialize, ToSchema)]
pub struct SpeakerRef {
    id: i64,
    name: String,
}

/// A link.
#[derive(Debug, Serialize, ToSchema)]
pub struct LinkDto {
    title: String,
    url: String,
}

impl From<&Link> for LinkDto {
    fn from(l: &Link) -> Self {
        Self {
            title: l.title.clone(),
            url: l.url.clone(),
        }
    }
}

/// A speaker with their sessions.
#[derive(Debug, Serialize, ToSchema)]
pub struct SpeakerDto {
    id: i64,
    name: String,
    company: String,
    bio: String,
    links: Vec<LinkDto>,
    /// Ids of their sessions, by start time.
    sessions: Vec<i64>,
}

fn conference_dto(d: &ConferenceDetail) -> ConferenceDto {
    let info = &d.conference.info;
    ConferenceDto {
        slug: info.slug.to_string(),
        name: info.name.clone(),
        time_zone: info.time_zone.name().to_owned(),
        days: info.days.dates(),
        day_change: info.days.day_change().format("%H:%M").to_string(),
        venue: info.venue.clone(),
        city: info.city.clone(),
        description: info.description.clone(),
        rooms: d.rooms.iter().map(RoomDto::from).collect(),
        tracks: d.tracks.iter().map(TrackDto::from).collect(),
    }
}

pub(super) fn session_dto(ix: &ProgramIndex<'_>, s: &Session) -> SessionDto {
    SessionDto {
        id: s.id.get(),
        title: s.info.title.clone(),
        starts_at: s.info.span.start(),
        ends_at: s.info.span.end(),
        day: ix.day_of(s),
        room: RoomRef {
            id: s.room.get(),
            name: ix.room_name(s.room),
        },
        track: ix.track(s.track).map(TrackDto::from),
        kind: s.info.kind.as_str().to_owned(),
        kind_label: s.info.kind_label().to_owned(),
        capacity: s.seats.capacity().map(|c| c.get()),
        seats_left: s.seats.left(),
        seat_state: crate::view::seat_state(s).to_owned(),
        seats_text: crate::view::seats_text(s),
        speakers: s
            .speakers
            .iter()
            .filter_map(|id| ix.speaker(*id))
            .map(|p| SpeakerRef {
                id: p.id.get(),
                name: p.info.name.clone(),
            })
            .collect(),
        abstract_text: s.info.abstract_text.clone(),
        language: s.info.language.clone(),
        links: s.info.links.iter().map(LinkDto::from).collect(),
    }
}

/// A conference: its days, time zone, rooms (with capacities) and tracks.
#[utoipa::path(
    get,
    path = "/api/v1/conferences/{slug}",
    tag = "program",
    params(("slug" = String, Path, description = "The conference's slug")),
    responses(
        (status = 200, body = ConferenceDto),
        (status = 404, description = "No such conference", body = crate::error::Problem,
         content_type = "application/problem+json")
    )
)]
async fn get_conference(
    State(state): State<AppState>,
    Path(slug): Path<String>,
) -> Result<Json<ConferenceDto>, ApiError> {
    Ok(Json(conference_dto(&detail(&state, &slug).await?)))
}

/// Filters of the session list.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct SessionsQuery {
    /// Only sessions of this conference day (YYYY-MM-DD).
    day: Option<String>,
    /// Only sessions of this track (its id).
    track: Option<String>,
    /// Only sessions of this kind: talk, keynote, workshop, lab, theater or break.
    kind: Option<String>,
    /// Words that must all appear in the title, abstract, speakers, room or track.
    q: Option<String>,
}

/// The parsed filters of a session list.
#[derive(Debug, Default, PartialEq)]
struct SessionFilter {
    day: Option<NaiveDate>,
    track: Option<i64>,
    kind: Option<SessionKind>,
    words: Vec<String>,
}

fn trimmed(v: &Option<String>) -> Option<&str> {
    v.as_deref().map(str::trim).filter(|s| !s.is_empty())
}

impl SessionsQuery {
    fn filter(&self) -> Result<SessionFilter, ApiError> {
        let invalid = |field, message| ApiError::Invalid { field, message };
        Ok(SessionFilter {
            day: trimmed(&self.day)
                .map(|s| {
                    s.parse::<NaiveDate>()
                        .map_err(|_| invalid("day", format!("{s:?} is not a date: use YYYY-MM-DD")))
                })
                .transpose()?,
            track: trimmed(&self.track)
                .map(|s| {
                    s.parse::<i64>()
                        .map_err(|_| invalid("track", format!("{s:?} is not a track id")))
                })
                .transpose()?,
            kind: trimmed(&self.kind)
                .map(|s| SessionKind::parse(s).map_err(|e| invalid("kind", e.to_string())))
                .transpose()?,
            words: trimmed(&self.q)
                .map(|q| {
                    q.to_lowercase()
                        .split_whitespace()
                        .map(str::to_owned)
                        .collect()
                })
                .unwrap_or_default(),
        })
    }
}

impl SessionFilter {
    fn matches(&self, ix: &ProgramIndex<'_>, s: &Session) -> bool {
        if self.day.is_some_and(|d| ix.day_of(s) != d) {
            return false;
        }
        if self
            .track
            .is_some_and(|t| s.track.map(|x| x.get()) != Some(t))
        {
            return false;
        }
        if self.kind.is_some_and(|k| s.info.kind != k) {
            return false;
        }
        if self.words.is_empty() {
            return true;
        }
        let mut hay = format!(
            "{} {} {} {}",
            s.info.title,
            s.info.abstract_text,
            ix.room_name(s.room),
            ix.track(s.track)
                .map(|t| t.name.as_str())
                .unwrap_or_default()
        );
        for p in s.speakers.iter().filter_map(|id| ix.speaker(*id)) {
            hay.push(' ');
            hay.push_str(&p.info.name);
        }
        let hay = hay.to_lowercase();
        self.words.iter().all(|w| hay.contains(w.as_str()))
    }
}

/// The program: every session with its room, track, speakers, capacity and seats left,
/// by start time.
#[utoipa::path(
    get,
    path = "/api/v1/conferences/{slug}/sessions",
    tag = "program",
    params(("slug" = String, Path, description = "The conference's slug"), SessionsQuery),
    responses(
        (status = 200, body = [SessionDto]),
        (status = 400, description = "A filter does not parse", body = crate::error::Problem,
         content_type = "application/problem+json"),
        (status = 404, description = "No such conference", body = crate::error::Problem,
         content_type = "application/problem+json")
    )
)]
async fn list_sessions(
    State(state): State<AppState>,
    Path(slug): Path<String>,
    Query(query): Query<SessionsQuery>,
) -> Result<Response, ApiError> {
    let filter = query.filter()?;
    let detail = detail(&state, &slug).await?;
    let program = state.store.shared_program_of(&detail).await?;
    let ix = ProgramIndex::new(
        &detail.conference,
        &detail.rooms,
        &detail.tracks,
        &program.speakers,
    );
    let parts = state.session_json.parts(&detail, &program, &ix);
    let mut body = String::with_capacity(parts.len_hint);
    body.push('[');
    let mut first = true;
    for ((session, seats), part) in program
        .sessions
        .iter()
        .zip(&program.seats)
        .zip(&parts.sessions)
    {
        if !filter.matches(&ix, session) {
            continue;
        }
        if !first {
            body.push(',');
        }
        first = false;
        part.write(&mut body, seats);
    }
    body.push(']');
    Ok(([(header::CONTENT_TYPE, "application/json")], body).into_response())
}

/// The program JSON of a conference, each session cut in two around its seat fields and
/// kept while the program revision, rooms, tracks and the conference itself are those it
/// was made from: a program request then only writes the seats of this moment between the
/// kept pieces instead of building and serialising 300 sessions (see BENCHMARKS.md).
#[derive(Debug, Default)]
pub(crate) struct SessionJson {
    by_conference: std::sync::Mutex<HashMap<i64, Arc<SessionParts>>>,
}

/// The pieces of one conference's program JSON.
#[derive(Debug)]
pub(crate) struct SessionParts {
    revision: i64,
    detail: (
        hallway_domain::Conference,
        Vec<hallway_domain::Room>,
        Vec<hallway_domain::Track>,
    ),
    sessions: Vec<SessionPart>,
    len_hint: usize,
}

/// One session's JSON object without its seat fields: `head` ends after `kind_label`,
/// `tail` starts at `speakers` (the field order of [`SessionDto`]).
#[derive(Debug)]
struct SessionPart {
    head: String,
    tail: String,
}

impl SessionPart {
    /// Cuts `dto`'s JSON before `,"capacity":` and after the comma before `"speakers":`.
    /// Neither can occur inside a string value (a quote there is always escaped), and the
    /// field order is [`SessionDto`]'s; the test comparing every listed session with the
    /// single-session answer holds the two together.
    fn new(dto: &SessionDto) -> Self {
        let json = serde_json::to_string(dto).unwrap_or_default();
        let head_end = json.find(",\"capacity\":").unwrap_or(json.len());
        let tail_start = json.find(",\"speakers\":").map_or(json.len(), |i| i + 1);
        Self {
            head: json[..head_end].to_owned(),
            tail: json[tail_start..].to_owned(),
        }
    }

    /// Appends the whole object with `seats`.
    fn write(&self, out: &mut String, seats: &hallway_domain::Seats) {
        #[derive(Serialize)]
        struct Middle<'a> {
            capacity: Option<u32>,
            seats_left: Option<u32>,
            seat_state: &'a str,
            seats_text: &'a str,
        }
        let text = crate::view::seats_text_of(seats);
        let middle = serde_json::to_string(&Middle {
            capacity: seats.capacity().map(|c| c.get()),
            seats_left: seats.left(),
            seat_state: crate::view::seat_state_of(seats),
            seats_text: &text,
        })
        .unwrap_or_default();
        out.push_str(&self.head);
        out.push(',');
        out.push_str(middle.trim_start_matches('{').trim_end_matches('}'));
        out.push(',');
        out.push_str(&self.tail);
    }
}

impl SessionJson {
    /// The pieces for `program`, made now if those kept are of another revision.
    fn parts(
        &self,
        detail: &ConferenceDetail,
        program: &hallway_store::SharedProgram,
        ix: &ProgramIndex<'_>,
    ) -> Arc<SessionParts> {
        let id = detail.conference.id.get();
        let fits = |p: &SessionParts| {
            p.revision == program.revision
                && p.revision != i64::MIN
                && p.detail.0 == detail.conference
                && p.detail.1 == detail.rooms
                && p.detail.2 == detail.tracks
        };
        let lock = || {
            self.by_conference
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner)
        };
        if let Some(kept) = lock().get(&id).filter(|p| fits(p)) {
            return Arc::clone(kept);
        }
        let sessions: Vec<SessionPart> = program
            .sessions
            .iter()
            .map(|s| SessionPart::new(&session_dto(ix, s)))
            .collect();
        let len_hint = sessions
            .iter()
            .map(|p| p.head.len() + p.tail.len() + 120)
            .sum::<usize>()
            + 2;
        let parts = Arc::new(SessionParts {
            revision: program.revision,
            detail: (
                detail.conference.clone(),
                detail.rooms.clone(),
                detail.tracks.clone(),
            ),
            sessions,
            len_hint,
        });
        if program.revision != i64::MIN {
            let mut map = lock();
            if map.len() >= 64 && !map.contains_key(&id) {
                map.clear();
            }
            map.insert(id, Arc::clone(&parts));
        }
        parts
    }
}

/// One session.
#[utoipa::path(
    get,
    path = "/api/v1/conferences/{slug}/sessions/{id}",
    tag = "program",
    params(
        ("slug" = String, Path, description = "The conference's slug"),
        ("id" = i64, Path, description = "The session's id")
    ),
    responses(
        (status = 200, body = SessionDto),
        (status = 404, description = "No such conference or session", body = crate::error::Problem,
         content_type = "application/problem+json")
    )
)]
async fn get_session(
    State(state): State<AppState>,
    Path((slug, id)): Path<(String, String)>,
) -> Result<Json<SessionDto>, ApiError> {
    let loaded = load(&state, &slug).await?;
    let id = parse_id(&id, "session")?;
    let ix = loaded.index();
    loaded
        .sessions
        .iter()
        .find(|s| s.id == SessionId::new(id))
        .map(|s| Json(session_dto(&ix, s)))
        .ok_or_else(|| ApiError::NotFound(format!("There is no session {id} in {slug}.")))
}

/// Every speaker, by name, with the ids of their sessions.
#[utoipa::path(
    get,
    path = "/api/v1/conferences/{slug}/speakers",
    tag = "program",
    params(("slug" = String, Path, description = "The conference's slug")),
    responses(
        (status = 200, body = [SpeakerDto]),
        (status = 404, description = "No such conference", body = crate::error::Problem,
         content_type = "application/problem+json")
    )
)]
async fn list_speakers(
    State(state): State<AppState>,
    Path(slug): Path<String>,
) -> Result<Json<Vec<SpeakerDto>>, ApiError> {
    let loaded = load(&state, &slug).await?;
    Ok(Json(
        loaded
            .speakers
            .iter()
            .map(|p| speaker_dto(p, &loaded.sessions))
            .collect(),
    ))
}

fn speaker_dto(p: &Speaker, sessions: &[Session]) -> SpeakerDto {
    SpeakerDto {
        id: p.id.get(),
        name: p.info.name.clone(),
        company: p.info.company.clone(),
        bio: p.info.bio.clone(),
        links: p.info.links.iter().map(LinkDto::from).collect(),
        sessions: sessions
            .iter()
            .filter(|s| s.speakers.contains(&p.id))
            .map(|s| s.id.get())
            .collect(),
    }
}

/// One speaker.
#[utoipa::path(
    get,
    path = "/api/v1/conferences/{slug}/speakers/{id}",
    tag = "program",
    params(
        ("slug" = String, Path, description = "The conference's slug"),
        ("id" = i64, Path, description = "The speaker's id")
    ),
    responses(
        (status = 200, body = SpeakerDto),
        (status = 404, description = "No such conference or speaker", body = crate::error::Problem,
         content_type = "application/problem+json")
    )
)]
async fn get_speaker(
    State(state): State<AppState>,
    Path((slug, id)): Path<(String, String)>,
) -> Result<Json<SpeakerDto>, ApiError> {
    let loaded = load(&state, &slug).await?;
    let id = parse_id(&id, "speaker")?;
    loaded
        .speakers
        .iter()
        .find(|p| p.id == SpeakerId::new(id))
        .map(|p| Json(speaker_dto(p, &loaded.sessions)))
        .ok_or_else(|| ApiError::NotFound(format!("There is no speaker {id} in {slug}.")))
}

// ---------------------------------------------------------------------------------------
// Pages

/// The header every conference page shares.
#[derive(Debug)]
pub struct ConfHeader {
    pub slug: String,
    pub name: String,
    pub when: String,
    pub place: String,
    pub time_zone: String,
}

impl ConfHeader {
    pub fn new(c: &Conference) -> Self {
        let i = &c.info;
        let place = [i.venue.as_str(), i.city.as_str()]
            .into_iter()
            .filter(|s| !s.is_empty())
            .collect::<Vec<_>>()
            .join(", ");
        Self {
            slug: i.slug.to_string(),
            name: i.name.clone(),
            when: date_range(i.days.first(), i.days.last()),
            place,
            time_zone: i.time_zone.name().to_owned(),
        }
    }
}

#[derive(Debug)]
struct DayView {
    date: String,
    label: String,
    sessions: usize,
}

#[derive(Debug)]
struct RoomView {
    name: String,
    capacity: String,
}

#[derive(Template, WebTemplate)]
#[template(path = "conference.html")]
struct ConferencePage {
    conf: ConfHeader,
    description: String,
    days: Vec<DayView>,
    rooms: Vec<RoomView>,
    tracks: Vec<TrackChip>,
    session_count: usize,
    speaker_count: usize,
    seat_total: String,
    now: Vec<SessionCard>,
    next: Vec<SessionCard>,
}

async fn conference_page(
    State(state): State<AppState>,
    Path(slug): Path<String>,
) -> Result<ConferencePage, PageError> {
    let loaded = load(&state, &slug).await?;
    let ix = loaded.index();
    let now = state.clock.now();
    let c = &loaded.detail.conference;
    let days = c
        .info
        .days
        .dates()
        .into_iter()
        .map(|d| DayView {
            date: d.to_string(),
            label: day_label(d),
            sessions: loaded.sessions.iter().filter(|s| ix.day_of(s) == d).count(),
        })
        .collect();
    let (running, next) = now_and_next(&loaded.sessions, now);
    let seat_total: u64 = loaded
        .detail
        .rooms
        .iter()
        .filter_map(|r| r.capacity)
        .map(|c| u64::from(c.get()))
        .sum();
    Ok(ConferencePage {
        conf: ConfHeader::new(c),
        description: c.info.description.clone(),
        days,
        rooms: loaded
            .detail
            .rooms
            .iter()
            .map(|r| RoomView {
                name: r.name.clone(),
                capacity: r
                    .capacity
                    .map(|c| format!("{} seats", thousands(c.get())))
                    .unwrap_or_else(|| "capacity not set".to_owned()),
            })
            .collect(),
        tracks: loaded.detail.tracks.iter().map(TrackChip::new).collect(),
        session_count: loaded.sessions.len(),
        speaker_count: loaded.speakers.len(),
        seat_total: thousands(u32::try_from(seat_total).unwrap_or(u32::MAX)),
        now: running.iter().map(|s| ix.card(s, now)).collect(),
        next: next.iter().map(|s| ix.card(s, now)).collect(),
    })
}

/// Sessions running at `now` (breaks left out), and those of the next start time after it.
pub fn now_and_next(sessions: &[Session], now: DateTime<Utc>) -> (Vec<&Session>, Vec<&Session>) {
    let running = sessions
        .iter()
        .filter(|s| s.info.kind.is_reservable() && s.info.span.is_running_at(now))
        .collect();
    let next_start = sessions
        .iter()
        .filter(|s| s.info.kind.is_reservable() && s.info.span.start() > now)
        .map(|s| s.info.span.start())
        .min();
    let next = next_start
        .map(|t| {
            sessions
                .iter()
                .filter(|s| s.info.kind.is_reservable() && s.info.span.start() == t)
                .collect()
        })
        .unwrap_or_default();
    (running, next)
}

#[derive(Debug)]
struct DayTab {
    date: String,
    label: String,
    selected: bool,
}

#[derive(Debug)]
struct Opt {
    value: String,
    label: String,
    selected: bool,
}

/// One cell of the grid: a session placed by row (5-minute steps) and column (room).
#[derive(Debug)]
struct GridCell {
    card: SessionCard,
    column: usize,
    row_start: usize,
    row_end: usize,
}

#[derive(Debug)]
struct GridHour {
    label: String,
    row: usize,
}

#[derive(Debug)]
struct Grid {
    rooms: Vec<String>,
    hours: Vec<GridHour>,
    cells: Vec<GridCell>,
    rows: usize,
    /// Where "now" falls, when the grid shows today: the row and the offset into it (0-4
    /// minutes), with the local time for its label.
    now: Option<NowLine>,
}

#[derive(Debug)]
struct NowLine {
    row: usize,
    minutes_into_row: i64,
    time: String,
}

#[derive(Debug)]
struct Slot {
    time: String,
    sessions: Vec<SessionCard>,
}

#[derive(Template, WebTemplate)]
#[template(path = "program.html")]
struct ProgramPage {
    conf: ConfHeader,
    days: Vec<DayTab>,
    day: String,
    view: &'static str,
    tracks: Vec<Opt>,
    kinds: Vec<Opt>,
    q: String,
    error: Option<String>,
    grid: Grid,
    slots: Vec<Slot>,
    shown: usize,
    /// The query string without `view`, to switch views keeping the filters.
    filters_qs: String,
    logged_in: bool,
    /// This page's path and query, to come back to after an agenda action.
    here: String,
}

#[derive(Debug, Default, Deserialize)]
struct ProgramQuery {
    #[serde(flatten)]
    filter: SessionsQuery,
    view: Option<String>,
}

const ROW_MINUTES: i64 = 5;

async fn program_page(
    State(state): State<AppState>,
    MaybeUser(user): MaybeUser,
    Path(slug): Path<String>,
    Query(query): Query<ProgramQuery>,
) -> Result<ProgramPage, PageError> {
    let loaded = load(&state, &slug).await?;
    let agenda = match &user {
        Some((account, _)) => Some(
            state
                .store
                .agenda(loaded.detail.conference.id, account.id)
                .await?,
        ),
        None => None,
    };
    let ix = loaded.index();
    let now = state.clock.now();
    let info = &loaded.detail.conference.info;
    let (mut filter, error) = match query.filter.filter() {
        Ok(f) => (f, None),
        Err(e) => (
            SessionFilter::default(),
            Some(format!("Filter ignored: {e}")),
        ),
    };
    // Without a day, show today when it is a conference day, else the first day.
    let today = info.days.day_of(now, info.time_zone);
    let day =
        filter
            .day
            .filter(|d| info.days.contains(*d))
            .unwrap_or(if info.days.contains(today) {
                today
            } else {
                info.days.first()
            });
    filter.day = Some(day);
    let shown: Vec<&Session> = loaded
        .sessions
        .iter()
        .filter(|s| filter.matches(&ix, s))
        .collect();
    let view = if query.view.as_deref() == Some("list") {
        "list"
    } else {
        "grid"
    };

    let mut slots: Vec<Slot> = Vec::new();
    for s in &shown {
        let time = clock_time(info.time_zone, s.info.span.start());
        match slots.last_mut() {
            Some(slot) if slot.time == time => slot.sessions.push(ix.card(s, now)),
            _ => slots.push(Slot {
                time,
                sessions: vec![ix.card(s, now)],
            }),
        }
    }

    let mut grid = build_grid(&ix, &loaded.detail.rooms, &shown, now);
    for cell in &mut grid.cells {
        cell.card.mark_agenda(agenda.as_ref());
    }
    let mut qs = vec![("day", day.to_string())];
    if let Some(t) = filter.track {
        qs.push(("track", t.to_string()));
    }
    if let Some(k) = filter.kind {
        qs.push(("kind", k.as_str().to_owned()));
    }
    let q = trimmed(&query.filter.q).unwrap_or_default().to_owned();
    if !q.is_empty() {
        qs.push(("q", q.clone()));
    }
    let filters_qs = qs
        .iter()
        .map(|(k, v)| format!("{k}={}", urlencode(v)))
        .collect::<Vec<_>>()
        .join("&");
    Ok(ProgramPage {
        conf: ConfHeader::new(&loaded.detail.conference),
        days: info
            .days
            .dates()
            .into_iter()
            .map(|d| DayTab {
                date: d.to_string(),
                label: day_label(d),
                selected: d == day,
            })
            .collect(),
        day: day.to_string(),
        view,
        tracks: loaded
            .detail
            .tracks
            .iter()
            .map(|t| Opt {
                value: t.id.to_string(),
                label: t.name.clone(),
                selected: filter.track == Some(t.id.get()),
            })
            .collect(),
        kinds: SessionKind::ALL
            .iter()
            .map(|k| Opt {
                value: k.as_str().to_owned(),
                label: k.label().to_owned(),
                selected: filter.kind == Some(*k),
            })
            .collect(),
        q,
        error,
        shown: shown.len(),
        grid,
        slots,
        here: format!("/c/{}/program?{filters_qs}&view={view}", info.slug),
        filters_qs,
        logged_in: user.is_some(),
    })
}

fn build_grid(
    ix: &ProgramIndex<'_>,
    rooms: &[Room],
    shown: &[&Session],
    now: DateTime<Utc>,
) -> Grid {
    let tz = ix.conference.info.time_zone;
    let Some(first) = shown.iter().map(|s| s.info.span.start()).min() else {
        return Grid {
            rooms: vec![],
            hours: vec![],
            cells: vec![],
            rows: 0,
            now: None,
        };
    };
    let last = shown
        .iter()
        .map(|s| s.info.span.end())
        .max()
        .unwrap_or(first);
    // Hours start on the hour in local time (zones such as Asia/Kolkata are off by 30 min).
    let local_first = first.with_timezone(&tz.tz());
    let origin = first
        - Duration::minutes(i64::from(local_first.minute()))
        - Duration::seconds(i64::from(local_first.second()));
    let row_of = |t: DateTime<Utc>| {
        usize::try_from((t - origin).num_minutes() / ROW_MINUTES).unwrap_or(0) + 2
    };
    let used: Vec<&Room> = rooms
        .iter()
        .filter(|r| shown.iter().any(|s| s.room == r.id))
        .collect();
    let cells = shown
        .iter()
        .map(|s| {
            let row_start = row_of(s.info.span.start());
            GridCell {
                card: ix.card(s, now),
                column: used.iter().position(|r| r.id == s.room).unwrap_or(0) + 2,
                row_start,
                row_end: row_of(s.info.span.end()).max(row_start + 1),
            }
        })
        .collect();
    let rows = row_of(last).saturating_sub(1);
    let mut hours = Vec::new();
    let mut t = origin;
    while t < last {
        hours.push(GridHour {
            label: clock_time(tz, t),
            row: row_of(t),
        });
        t += Duration::hours(1);
    }
    let now_line = (origin <= now && now < last).then(|| NowLine {
        row: row_of(now),
        minutes_into_row: (now - origin).num_minutes() % ROW_MINUTES,
        time: clock_time(tz, now),
    });
    Grid {
        rooms: used.iter().map(|r| r.name.clone()).collect(),
        hours,
        cells,
        rows,
        now: now_line,
    }
}

#[derive(Debug)]
struct LinkView {
    title: String,
    url: String,
}

#[derive(Template, WebTemplate)]
#[template(path = "session.html")]
struct SessionPage {
    conf: ConfHeader,
    logged_in: bool,
    organizer: bool,
    capacity_override: String,
    card: SessionCard,
    capacity: String,
    reserved: String,
    abstract_paragraphs: Vec<String>,
    language: String,
    links: Vec<LinkView>,
    duration: String,
    feedback: super::feedback::FeedbackPanel,
    /// Set after rating, to say it was saved.
    rated: bool,
}

#[derive(Debug, Deserialize)]
struct RatedQuery {
    rated: Option<String>,
}

async fn session_page(
    State(state): State<AppState>,
    MaybeUser(user): MaybeUser,
    Path((slug, id)): Path<(String, String)>,
    Query(rated): Query<RatedQuery>,
) -> Result<SessionPage, PageError> {
    let loaded = load(&state, &slug).await?;
    let agenda = match &user {
        Some((account, _)) => Some(
            state
                .store
                .agenda(loaded.detail.conference.id, account.id)
                .await?,
        ),
        None => None,
    };
    let organizer = match &user {
        Some((account, _)) => {
            super::organize::is_organizer(&state, loaded.detail.conference.id, account).await?
        }
        None => false,
    };
    let id = parse_id(&id, "session")?;
    let ix = loaded.index();
    let s = loaded
        .sessions
        .iter()
        .find(|s| s.id == SessionId::new(id))
        .ok_or_else(|| {
            PageError::NotFound(format!("There is no session {id} in this conference."))
        })?;
    let minutes = s.info.span.duration().num_minutes();
    let holds_seat = agenda.as_ref().is_some_and(|a| a.reserved.contains(&s.id));
    let feedback = super::feedback::panel(
        &state,
        loaded.detail.conference.id,
        s,
        user.as_ref().map(|(a, _)| a),
        holds_seat,
    )
    .await?;
    Ok(SessionPage {
        feedback,
        rated: rated.rated.is_some(),
        conf: ConfHeader::new(&loaded.detail.conference),
        logged_in: user.is_some(),
        organizer,
        capacity_override: s
            .info
            .capacity_override
            .map(|c| c.get().to_string())
            .unwrap_or_default(),
        card: ix.card(s, state.clock.now()).with_agenda(agenda.as_ref()),
        capacity: s
            .seats
            .capacity()
            .map(|c| thousands(c.get()))
            .unwrap_or_else(|| "Unlimited".to_owned()),
        reserved: thousands(s.seats.reserved()),
        abstract_paragraphs: s
            .info
            .abstract_text
            .split("\n\n")
            .map(str::trim)
            .filter(|p| !p.is_empty())
            .map(str::to_owned)
            .collect(),
        language: s.info.language.clone(),
        links: s
            .info
            .links
            .iter()
            .map(|l| LinkView {
                title: l.title.clone(),
                url: l.url.clone(),
            })
            .collect(),
        duration: if minutes >= 60 && minutes % 60 == 0 {
            format!("{} h", minutes / 60)
        } else if minutes > 60 {
            format!("{} h {} min", minutes / 60, minutes % 60)
        } else {
            format!("{minutes} min")
        },
    })
}

#[derive(Template, WebTemplate)]
#[template(path = "speaker.html")]
struct SpeakerPage {
    conf: ConfHeader,
    name: String,
    company: String,
    bio: String,
    links: Vec<LinkView>,
    sessions: Vec<SessionCard>,
}

async fn speaker_page(
    State(state): State<AppState>,
    Path((slug, id)): Path<(String, String)>,
) -> Result<SpeakerPage, PageError> {
    let loaded = load(&state, &slug).await?;
    let id = parse_id(&id, "speaker")?;
    let ix = loaded.index();
    let p = loaded
        .speakers
        .iter()
        .find(|p| p.id == SpeakerId::new(id))
        .ok_or_else(|| {
            PageError::NotFound(format!("There is no speaker {id} in this conference."))
        })?;
    let now = state.clock.now();
    Ok(SpeakerPage {
        conf: ConfHeader::new(&loaded.detail.conference),
        name: p.info.name.clone(),
        company: p.info.company.clone(),
        bio: p.info.bio.clone(),
        links: p
            .info
            .links
            .iter()
            .map(|l| LinkView {
                title: l.title.clone(),
                url: l.url.clone(),
            })
            .collect(),
        sessions: loaded
            .sessions
            .iter()
            .filter(|s| s.speakers.contains(&p.id))
            .map(|s| ix.card(s, now).with_day())
            .collect(),
    })
}
