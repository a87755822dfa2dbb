//! The pages and forms of this feature.

use super::{SessionFilter, SessionsQuery, trimmed};
use crate::AppState;
use crate::auth::MaybeUser;
use crate::error::PageError;
use crate::request::{load, parse_id};
use crate::view::{ConfHeader, now_and_next};
use crate::view::{
    ProgramIndex, SessionCard, TrackChip, clock_time, day_label, thousands, urlencode,
};
use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Path, Query, State};
use chrono::{DateTime, Duration, Timelike, Utc};
use hallway_domain::{Room, Session, SessionId, SessionKind, SpeakerId};
use serde::Deserialize;
use utoipa_axum::router::OpenApiRouter;

pub(super) fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .route("/c/{slug}", axum::routing::get(conference_page))
        .route("/c/{slug}/program", axum::routing::get(program_page))
        .route("/c/{slug}/sessions/{id}", axum::routing::get(session_page))
        .route("/c/{slug}/speakers/{id}", axum::routing::get(speaker_page))
}

// ---------------------------------------------------------------------------------------
// Pages

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
    feedback: crate::view::feedback::FeedbackPanel,
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
            crate::request::is_organizer(&state, loaded.detail.conference.id, account).await?
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
    let feedback = crate::view::feedback::panel(
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
