//! The organizer dashboard (issue #10): per session reserved / capacity / waitlist / checked
//! in, per room live occupancy, top-rated and most-waitlisted sessions, lab pool use and
//! points activity, as tables with server-rendered SVG charts that follow the live stream,
//! and each table as CSV.

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Path, State};
use axum::http::header;
use axum::response::{IntoResponse, Response};
use chrono::Duration;
use hallway_domain::ConferenceId;

use crate::AppState;
use crate::auth::PageUser;
use crate::error::PageError;
use crate::request::detail;
use crate::view::ConfHeader;

pub fn router() -> axum::Router<AppState> {
    axum::Router::new()
        .route(
            "/c/{slug}/dashboard",
            axum::routing::get(dashboard_page).post(door_rules_form),
        )
        .route(
            "/c/{slug}/dashboard/{table}",
            axum::routing::get(dashboard_csv),
        )
}

struct SessionRow {
    id: i64,
    title: String,
    room: String,
    reserved: u32,
    capacity: String,
    waitlisted: u32,
    checked_in: u32,
    rating: String,
    ratings: u32,
    average: f64,
}

struct RoomRow {
    id: i64,
    name: String,
    occupancy: u32,
    capacity: String,
    /// Bar length in the chart, 0 to 300.
    bar: u32,
    y: u32,
    full: bool,
}

struct LabRow {
    id: i64,
    title: String,
    machines: u32,
    in_use: u32,
}

struct HourRow {
    hour: String,
    points: u64,
    actions: u64,
    x: u64,
    height: u64,
    y: u64,
}

struct Dashboard {
    sessions: Vec<SessionRow>,
    rooms: Vec<RoomRow>,
    labs: Vec<LabRow>,
    hours: Vec<HourRow>,
}

#[derive(Template, WebTemplate)]
#[template(path = "dashboard.html")]
struct DashboardPage {
    conf: ConfHeader,
    d: Dashboard,
    top_rated: Vec<(i64, String, String, u32)>,
    most_waitlisted: Vec<(i64, String, u32)>,
    rooms_height: u32,
    /// The door rules as set (or as typed, when they were refused).
    venue: DoorRules,
    /// Why the door rules typed were refused, naming the field.
    venue_error: String,
}

/// The door rules' form, as typed.
#[derive(Clone, Debug, Default, serde::Deserialize)]
struct DoorRules {
    reserved_minutes: String,
    doors_open_minutes: String,
    /// A checkbox: present when ticked.
    reset_between: Option<String>,
}

impl From<hallway_domain::venue::VenueSettings> for DoorRules {
    fn from(s: hallway_domain::venue::VenueSettings) -> Self {
        Self {
            reserved_minutes: s.reserved_minutes.to_string(),
            doors_open_minutes: s.doors_open_minutes.to_string(),
            reset_between: s.reset_between.then(|| "on".to_owned()),
        }
    }
}

impl DoorRules {
    /// The settings, or the field that is wrong and why.
    fn parse(&self) -> Result<hallway_domain::venue::VenueSettings, String> {
        use hallway_domain::venue::{MAX_VENUE_MINUTES, VenueSettings, VenueSettingsError};
        let minutes = |raw: &str, label: &str| {
            raw.trim().parse::<u32>().map_err(|_| {
                format!("{label}: {raw:?} is not a number of minutes (0 to {MAX_VENUE_MINUTES}).")
            })
        };
        VenueSettings {
            reserved_minutes: minutes(&self.reserved_minutes, "Seats held for reservations")?,
            doors_open_minutes: minutes(&self.doors_open_minutes, "Doors open before the start")?,
            reset_between: self.reset_between.is_some(),
        }
        .validate()
        .map_err(|e| match e {
            VenueSettingsError::TooLong("reserved_minutes") => {
                format!("Seats held for reservations: at most {MAX_VENUE_MINUTES} minutes.")
            }
            VenueSettingsError::TooLong(_) => {
                format!("Doors open before the start: at most {MAX_VENUE_MINUTES} minutes.")
            }
            #[allow(unreachable_patterns)]
            _ => "These door rules are not valid.".to_owned(),
        })
    }
}

async fn load(
    state: &AppState,
    slug: &str,
    user: &PageUser,
) -> Result<(ConfHeader, ConferenceId, Dashboard), PageError> {
    let d = detail(state, slug).await?;
    let c: ConferenceId = d.conference.id;
    if !crate::request::is_organizer(state, c, &user.account).await? {
        return Err(PageError::Forbidden(
            "Only the conference's organizers see its dashboard.".into(),
        ));
    }
    let now = state.clock.now();
    let (sessions, _) = state.store.program_of(&d).await?;
    let activity = state.store.session_activity(c).await?;
    let room_name = |id| {
        d.rooms
            .iter()
            .find(|r| r.id == id)
            .map(|r| r.name.clone())
            .unwrap_or_default()
    };
    let mut rows = Vec::with_capacity(sessions.len());
    for s in sessions.iter() {
        let a = activity
            .iter()
            .find(|a| a.session == s.id)
            .cloned()
            .unwrap_or(hallway_store::SessionActivity {
                session: s.id,
                waitlisted: 0,
                checked_in: 0,
                ratings: 0,
                rating_sum: 0,
            });
        let average = if a.ratings > 0 {
            f64::from(a.rating_sum) / f64::from(a.ratings)
        } else {
            0.0
        };
        rows.push(SessionRow {
            id: s.id.get(),
            title: s.info.title.clone(),
            room: room_name(s.room),
            reserved: s.seats.reserved(),
            capacity: s
                .seats
                .capacity()
                .map_or_else(|| "unlimited".to_owned(), |c| c.get().to_string()),
            waitlisted: a.waitlisted,
            checked_in: a.checked_in,
            rating: if a.ratings > 0 {
                format!("{average:.1}")
            } else {
                String::new()
            },
            ratings: a.ratings,
            average,
        });
    }
    let rooms: Vec<RoomRow> = state
        .store
        .occupancy(c, now)
        .await?
        .into_iter()
        .enumerate()
        .map(|(i, r)| {
            let cap = r.capacity.unwrap_or(0);
            let bar = (r.occupancy.min(cap) * 300).checked_div(cap).unwrap_or(0);
            RoomRow {
                id: r.room.get(),
                name: r.name,
                occupancy: r.occupancy,
                capacity: r
                    .capacity
                    .map_or_else(|| "unlimited".to_owned(), |c| c.to_string()),
                bar,
                y: u32::try_from(i).unwrap_or(0) * 22,
                full: cap > 0 && r.occupancy >= cap,
            }
        })
        .collect();
    let labs = state
        .store
        .lab_use(c, now)
        .await?
        .into_iter()
        .map(|(s, machines, in_use)| LabRow {
            id: s.get(),
            title: sessions
                .iter()
                .find(|x| x.id == s)
                .map(|x| x.info.title.clone())
                .unwrap_or_default(),
            machines,
            in_use,
        })
        .collect();
    let tz = d.conference.info.time_zone.tz();
    let activity = state
        .store
        .points_activity(c, now - Duration::hours(12))
        .await?;
    let most = activity.iter().map(|a| a.1).max().unwrap_or(0).max(1);
    let hours = activity
        .into_iter()
        .enumerate()
        .map(|(i, (h, points, actions))| {
            let height = points * 120 / most;
            HourRow {
                hour: h.with_timezone(&tz).format("%a %H:00").to_string(),
                points,
                actions,
                x: i as u64 * 32,
                height,
                y: 130 - height,
            }
        })
        .collect();
    Ok((
        ConfHeader::new(&d.conference),
        c,
        Dashboard {
            sessions: rows,
            rooms,
            labs,
            hours,
        },
    ))
}

async fn dashboard_page(
    State(state): State<AppState>,
    user: PageUser,
    Path(slug): Path<String>,
) -> Result<DashboardPage, PageError> {
    page(&state, &slug, &user).await
}

/// Saves the door rules typed on the dashboard; a refusal shows the page again with what
/// was typed and which field is wrong, and changes nothing.
async fn door_rules_form(
    State(state): State<AppState>,
    user: PageUser,
    Path(slug): Path<String>,
    axum::Form(typed): axum::Form<DoorRules>,
) -> Result<Response, PageError> {
    let c = detail(&state, &slug).await?.conference.id;
    if !crate::request::is_organizer(&state, c, &user.account).await? {
        return Err(PageError::Forbidden(
            "Only the conference's organizers set its door rules.".into(),
        ));
    }
    match typed.parse() {
        Ok(settings) => {
            let who = hallway_app::Organizer::prove(&state.store, user.account.clone(), c).await?;
            hallway_app::venue::set_door_rules(state.context(), &who, &settings).await?;
            Ok(
                axum::response::Redirect::to(&format!("/c/{slug}/dashboard#door-rules"))
                    .into_response(),
            )
        }
        Err(message) => {
            // The whole page again only for a refusal, with what was typed.
            let mut shown = page(&state, &slug, &user).await?;
            shown.venue = typed;
            shown.venue_error = message;
            Ok((axum::http::StatusCode::BAD_REQUEST, shown).into_response())
        }
    }
}

async fn page(state: &AppState, slug: &str, user: &PageUser) -> Result<DashboardPage, PageError> {
    let (conf, conference, d) = load(state, slug, user).await?;
    let venue = state.store.venue_settings(conference).await?.into();
    let mut rated: Vec<&SessionRow> = d.sessions.iter().filter(|s| s.ratings > 0).collect();
    rated.sort_by(|a, b| {
        b.average
            .total_cmp(&a.average)
            .then(b.ratings.cmp(&a.ratings))
    });
    let top_rated = rated
        .iter()
        .take(5)
        .map(|s| (s.id, s.title.clone(), s.rating.clone(), s.ratings))
        .collect();
    let mut waiting: Vec<&SessionRow> = d.sessions.iter().filter(|s| s.waitlisted > 0).collect();
    waiting.sort_by_key(|s| std::cmp::Reverse(s.waitlisted));
    let most_waitlisted = waiting
        .iter()
        .take(5)
        .map(|s| (s.id, s.title.clone(), s.waitlisted))
        .collect();
    let rooms_height = u32::try_from(d.rooms.len()).unwrap_or(0) * 22 + 4;
    Ok(DashboardPage {
        conf,
        d,
        top_rated,
        most_waitlisted,
        rooms_height,
        venue,
        venue_error: String::new(),
    })
}

use hallway_formats::table::csv;

/// `sessions.csv`, `rooms.csv`, `labs.csv` or `points.csv`.
async fn dashboard_csv(
    State(state): State<AppState>,
    user: PageUser,
    Path((slug, table)): Path<(String, String)>,
) -> Result<Response, PageError> {
    let (_, _, d) = load(&state, &slug, &user).await?;
    let body = match table.as_str() {
        "sessions.csv" => csv(
            &[
                "id",
                "title",
                "room",
                "reserved",
                "capacity",
                "waitlisted",
                "checked_in",
                "ratings",
                "average_rating",
            ],
            d.sessions.iter().map(|s| {
                vec![
                    s.id.to_string(),
                    s.title.clone(),
                    s.room.clone(),
                    s.reserved.to_string(),
                    s.capacity.clone(),
                    s.waitlisted.to_string(),
                    s.checked_in.to_string(),
                    s.ratings.to_string(),
                    s.rating.clone(),
                ]
            }),
        ),
        "rooms.csv" => csv(
            &["id", "room", "occupancy", "capacity"],
            d.rooms.iter().map(|r| {
                vec![
                    r.id.to_string(),
                    r.name.clone(),
                    r.occupancy.to_string(),
                    r.capacity.clone(),
                ]
            }),
        ),
        "labs.csv" => csv(
            &["session", "title", "machines", "in_use"],
            d.labs.iter().map(|l| {
                vec![
                    l.id.to_string(),
                    l.title.clone(),
                    l.machines.to_string(),
                    l.in_use.to_string(),
                ]
            }),
        ),
        "points.csv" => csv(
            &["hour", "points", "actions"],
            d.hours
                .iter()
                .map(|h| vec![h.hour.clone(), h.points.to_string(), h.actions.to_string()]),
        ),
        _ => return Err(PageError::NotFound(format!("There is no table {table:?}."))),
    };
    Ok((
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8".to_owned()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{slug}-{table}\""),
            ),
        ],
        body,
    )
        .into_response())
}
