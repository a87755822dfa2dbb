//! Schedules in and out: the program as frab XML, c3voc JSON, iCalendar and CSV (with ETag
//! and Last-Modified so apps poll cheaply), one session as iCalendar, the changelog of
//! schedule versions, and organizers' uploads (API and page) that create or update a
//! conference's program without wiping attendees' agendas.

use askama::Template;
use askama_web::WebTemplate;
use axum::Json;
use axum::body::Bytes;
use axum::extract::{DefaultBodyLimit, Multipart, Path, Query, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, Utc};
use hallway_domain::changes::{ChangeEntry, StoredProgram};
use hallway_domain::{SessionId, Slug, TimeZone};
use hallway_formats::schedule::{self, ExportOptions, Format, ImportOptions, MAX_BYTES};
use hallway_store::{Account, ImportReport, ScheduleVersion};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::AppState;
use crate::auth::{ApiUser, MaybeUser, PageUser};
use crate::error::{ApiError, PageError};
use crate::request::{load, parse_id};
use crate::view::ConfHeader;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(upload))
        .routes(routes!(versions))
        .route("/c/{slug}/schedule.xml", axum::routing::get(export_xml))
        .route("/c/{slug}/schedule.json", axum::routing::get(export_json))
        .route("/c/{slug}/schedule.ics", axum::routing::get(export_ics))
        .route("/c/{slug}/schedule.csv", axum::routing::get(export_csv))
        .route(
            "/c/{slug}/sessions/{id}/calendar.ics",
            axum::routing::get(session_ics),
        )
        .route("/c/{slug}/changes", axum::routing::get(changes_page))
        .route(
            "/c/{slug}/import",
            axum::routing::get(import_page).post(import_form),
        )
        // Schedules are bigger than axum's 2 MB default; the parser has its own limit.
        .layer(DefaultBodyLimit::max(MAX_BYTES + 64 * 1024))
}

fn http_date(t: DateTime<Utc>) -> String {
    t.format("%a, %d %b %Y %H:%M:%S GMT").to_string()
}

/// The program of `slug` with what exports need besides it, if `viewer` may see it (an
/// unpublished conference's program is its organizers' only).
async fn exportable(
    state: &AppState,
    viewer: Option<&Account>,
    slug: &str,
    headers: &HeaderMap,
) -> Result<(StoredProgram, ExportOptions, DateTime<Utc>), PageError> {
    crate::request::ensure_visible(state, viewer, slug).await?;
    let missing = || PageError::NotFound(format!("There is no conference {slug:?}."));
    let slug = Slug::parse(slug).map_err(|_| missing())?;
    let program = state
        .store
        .stored_program(&slug)
        .await?
        .ok_or_else(missing)?;
    let id = program.conference.id;
    // One read gives the newest version and every changelog (for SEQUENCE).
    let versions = state.store.schedule_versions(id).await?;
    let latest = versions.first();
    // Exports change only with a new version, so they carry its time (and cache well).
    let modified = latest
        .as_ref()
        .map_or(DateTime::UNIX_EPOCH, |v| v.created_at);
    let options = ExportOptions {
        version: latest.map_or_else(|| "1".to_owned(), ScheduleVersion::export_label),
        public_url: state.public_url(headers),
        generated_at: modified,
        sequences: ScheduleVersion::sequences(&versions),
    };
    Ok((program, options, modified))
}

/// Answers `body` with validators; 304 when the client's copy is current.
fn cached(
    headers: &HeaderMap,
    body: Vec<u8>,
    media_type: &'static str,
    filename: &str,
    modified: DateTime<Utc>,
) -> Response {
    let digest = Sha256::digest(&body);
    let etag = format!(
        "\"{}\"",
        digest[..16]
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect::<String>()
    );
    let last_modified = http_date(modified);
    let not_modified = match headers
        .get(header::IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
    {
        Some(tags) => tags.split(',').any(|t| t.trim() == etag || t.trim() == "*"),
        None => headers
            .get(header::IF_MODIFIED_SINCE)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| DateTime::parse_from_rfc2822(v).ok())
            .is_some_and(|since| since.timestamp() >= modified.timestamp()),
    };
    let mut response = if not_modified {
        StatusCode::NOT_MODIFIED.into_response()
    } else {
        let mut r = body.into_response();
        r.headers_mut()
            .insert(header::CONTENT_TYPE, HeaderValue::from_static(media_type));
        if let Ok(v) = HeaderValue::from_str(&format!("inline; filename=\"{filename}\"")) {
            r.headers_mut().insert(header::CONTENT_DISPOSITION, v);
        }
        r
    };
    let h = response.headers_mut();
    if let Ok(v) = HeaderValue::from_str(&etag) {
        h.insert(header::ETAG, v);
    }
    if let Ok(v) = HeaderValue::from_str(&last_modified) {
        h.insert(header::LAST_MODIFIED, v);
    }
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-cache"));
    response
}

async fn export(
    state: AppState,
    viewer: MaybeUser,
    slug: String,
    headers: HeaderMap,
    format: Format,
) -> Result<Response, PageError> {
    let viewer = viewer.0.map(|(account, _)| account);
    let (program, options, modified) = exportable(&state, viewer.as_ref(), &slug, &headers).await?;
    let body = tokio::task::spawn_blocking(move || schedule::export(&program, format, &options))
        .await
        .map_err(|e| PageError::Internal(e.to_string()))?;
    let name = format!("{slug}-schedule.{}", format.name());
    Ok(cached(&headers, body, format.media_type(), &name, modified))
}

async fn export_xml(
    State(s): State<AppState>,
    viewer: MaybeUser,
    Path(slug): Path<String>,
    h: HeaderMap,
) -> Result<Response, PageError> {
    export(s, viewer, slug, h, Format::Frab).await
}

async fn export_json(
    State(s): State<AppState>,
    viewer: MaybeUser,
    Path(slug): Path<String>,
    h: HeaderMap,
) -> Result<Response, PageError> {
    export(s, viewer, slug, h, Format::Json).await
}

async fn export_ics(
    State(s): State<AppState>,
    viewer: MaybeUser,
    Path(slug): Path<String>,
    h: HeaderMap,
) -> Result<Response, PageError> {
    export(s, viewer, slug, h, Format::Ics).await
}

async fn export_csv(
    State(s): State<AppState>,
    viewer: MaybeUser,
    Path(slug): Path<String>,
    h: HeaderMap,
) -> Result<Response, PageError> {
    export(s, viewer, slug, h, Format::Csv).await
}

async fn session_ics(
    State(state): State<AppState>,
    MaybeUser(viewer): MaybeUser,
    Path((slug, id)): Path<(String, String)>,
    headers: HeaderMap,
) -> Result<Response, PageError> {
    let id = SessionId::new(parse_id(&id, "session")?);
    let viewer = viewer.map(|(account, _)| account);
    let (program, options, modified) = exportable(&state, viewer.as_ref(), &slug, &headers).await?;
    let body = schedule::ics::write_session(&program, id, &options)
        .ok_or_else(|| PageError::NotFound(format!("There is no session {id} in {slug}.")))?;
    Ok(cached(
        &headers,
        body,
        Format::Ics.media_type(),
        &format!("{slug}-session-{id}.ics"),
        modified,
    ))
}

/// How to read an uploaded schedule.
#[derive(Debug, Default, Deserialize, IntoParams)]
pub struct UploadQuery {
    /// `auto` (the default: guessed from the first bytes), `xml` (frab), `json` (c3voc),
    /// `ics` or `csv`.
    format: Option<String>,
    /// The venue's IANA time zone; wins over the file's.
    time_zone: Option<String>,
    /// `true`: report what would change and store nothing.
    dry_run: Option<bool>,
}

/// One session's line in the changelog.
#[derive(Debug, Serialize, ToSchema)]
pub struct ChangeDto {
    /// The session's guid.
    guid: String,
    /// Its title (the new one when retitled).
    title: String,
    /// What changed: added, removed, moved, room_changed, retitled, kind_changed,
    /// capacity_changed, speakers_changed, details_changed.
    changes: Vec<String>,
    /// Start before the change (RFC 3339), if it existed.
    before_starts_at: Option<DateTime<Utc>>,
    /// Room before the change.
    before_room: Option<String>,
    /// Start after the change, unless removed.
    after_starts_at: Option<DateTime<Utc>>,
    /// Room after the change.
    after_room: Option<String>,
}

impl From<&ChangeEntry> for ChangeDto {
    fn from(e: &ChangeEntry) -> Self {
        Self {
            guid: e.guid.to_string(),
            title: e.title().to_owned(),
            changes: e
                .changes
                .iter()
                .map(|c| {
                    serde_json::to_value(c)
                        .ok()
                        .and_then(|v| v.as_str().map(str::to_owned))
                        .unwrap_or_default()
                })
                .collect(),
            before_starts_at: e.before.as_ref().map(|s| s.starts_at),
            before_room: e.before.as_ref().map(|s| s.room.clone()),
            after_starts_at: e.after.as_ref().map(|s| s.starts_at),
            after_room: e.after.as_ref().map(|s| s.room.clone()),
        }
    }
}

/// What an upload did, or would do.
#[derive(Debug, Serialize, ToSchema)]
pub struct ImportResult {
    /// Whether nothing was stored (a dry run).
    dry_run: bool,
    /// Whether the conference was created by this upload.
    created: bool,
    /// The schedule version written (or that would be).
    version: i64,
    /// The format read.
    format: String,
    /// The file's own version string.
    label: String,
    /// Conference days, rooms, tracks, sessions and speakers in the file.
    days: usize,
    /// Rooms.
    rooms: usize,
    /// Tracks.
    tracks: usize,
    /// Sessions.
    sessions: usize,
    /// Speakers.
    speakers: usize,
    /// Sessions added, changed and removed against the stored program.
    added: u32,
    /// Changed.
    changed: u32,
    /// Removed.
    removed: u32,
    /// Attendees told about a change to a session they kept.
    notified: u32,
    /// Reservations taken out (session removed, or moved onto another of the attendee's).
    dropped: usize,
    /// Waiting attendees who got a seat.
    promoted: usize,
    /// What the import worked around in the file.
    warnings: Vec<String>,
    /// The changelog.
    changes: Vec<ChangeDto>,
}

/// Reads `bytes` and stores them as `slug`'s program (or reports, with `dry_run`). Admins
/// may create a conference this way; organizers update theirs.
async fn run_import(
    state: &AppState,
    account: &Account,
    slug: &str,
    bytes: Vec<u8>,
    query: &UploadQuery,
    source: &str,
) -> Result<ImportResult, ApiError> {
    let slug = Slug::parse(slug).map_err(|e| ApiError::Invalid {
        field: "slug",
        message: e.to_string(),
    })?;
    let who =
        hallway_app::schedule::Importer::prove(state.context(), account.clone(), &slug).await?;
    let format = match query.format.as_deref().map(str::trim) {
        None | Some("" | "auto") => None,
        Some(f) => Some(Format::parse(f).ok_or_else(|| ApiError::Invalid {
            field: "format",
            message: format!("{f:?} is not one of auto, xml, json, ics, csv"),
        })?),
    };
    let time_zone = match query.time_zone.as_deref().map(str::trim) {
        None | Some("") => None,
        Some(z) => Some(TimeZone::parse(z).map_err(|e| ApiError::Invalid {
            field: "time_zone",
            message: e.to_string(),
        })?),
    };
    let options = ImportOptions {
        slug: Some(slug),
        time_zone,
    };
    let imported = tokio::task::spawn_blocking(move || schedule::import(&bytes, format, &options))
        .await
        .map_err(|e| ApiError::Internal(e.to_string()))?
        .map_err(|e| ApiError::Invalid {
            field: "file",
            message: e.to_string(),
        })?;
    let dry_run = query.dry_run.unwrap_or(false);
    let p = &imported.program;
    let (slug, days, rooms, tracks, sessions, speakers) = (
        p.conference().slug.clone(),
        p.conference().days.dates().len(),
        p.rooms().len(),
        p.tracks().len(),
        p.sessions().len(),
        p.speakers().len(),
    );
    let cmd = hallway_app::schedule::Import {
        program: &imported.program,
        label: &imported.version,
        source,
        dry_run,
        states_session_capacities: imported.format.states_session_capacities(),
        // A conference an upload creates starts unpublished; its organizers publish it in
        // the workspace.
        publish: false,
    };
    // The audit line, the creator's organizer role and the events are written with it.
    let report: ImportReport = hallway_app::schedule::import(state.context(), &who, cmd).await?;
    if !dry_run {
        tracing::info!(conference = %slug, version = report.version, added = report.added, changed = report.changed, removed = report.removed, "schedule imported");
    }
    Ok(ImportResult {
        dry_run,
        created: report.created,
        version: report.version,
        format: imported.format.name().to_owned(),
        label: imported.version.clone(),
        days,
        rooms,
        tracks,
        sessions,
        speakers,
        added: report.added,
        changed: report.changed,
        removed: report.removed,
        notified: report.notified,
        dropped: report.dropped.len(),
        promoted: report.promotions.len(),
        warnings: imported.warnings,
        changes: report.entries.iter().map(ChangeDto::from).collect(),
    })
}

/// Imports a schedule file (frab XML, c3voc JSON, iCalendar or CSV, as the raw request body)
/// into a conference: organizers update theirs, site admins may create one. Sessions are
/// matched by guid, so attendees' agendas survive; attendees of removed or moved sessions
/// are notified. A failed import changes nothing; its problem names the place in the file.
#[utoipa::path(
    post,
    path = "/api/v1/conferences/{slug}/schedule",
    tag = "organizing",
    params(("slug" = String, Path, description = "The conference's slug"), UploadQuery),
    request_body(content = Vec<u8>, content_type = "application/octet-stream", description = "The schedule file"),
    responses(
        (status = 200, body = ImportResult, description = "Updated (or, dry run, what would change)"),
        (status = 201, body = ImportResult, description = "The conference was created"),
        (status = 400, body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 403, body = crate::error::Problem, content_type = "application/problem+json")
    )
)]
async fn upload(
    State(state): State<AppState>,
    user: ApiUser,
    Path(slug): Path<String>,
    Query(query): Query<UploadQuery>,
    body: Bytes,
) -> Result<(StatusCode, Json<ImportResult>), ApiError> {
    let result = run_import(
        &state,
        &user.account,
        &slug,
        body.to_vec(),
        &query,
        "upload (API)",
    )
    .await?;
    let status = if result.created && !result.dry_run {
        StatusCode::CREATED
    } else {
        StatusCode::OK
    };
    Ok((status, Json(result)))
}

/// A schedule version.
#[derive(Debug, Serialize, ToSchema)]
pub struct VersionDto {
    /// 1, 2, …
    version: i64,
    /// The imported file's own version string.
    label: String,
    /// Where it came from.
    source: String,
    /// When it was stored.
    created_at: DateTime<Utc>,
    /// Sessions added, changed, removed.
    added: u32,
    /// Changed.
    changed: u32,
    /// Removed.
    removed: u32,
    /// The changelog.
    changes: Vec<ChangeDto>,
}

/// The schedule versions of a conference with their changelogs, newest first.
#[utoipa::path(
    get,
    path = "/api/v1/conferences/{slug}/versions",
    tag = "program",
    params(("slug" = String, Path, description = "The conference's slug")),
    responses(
        (status = 200, body = Vec<VersionDto>),
        (status = 404, body = crate::error::Problem, content_type = "application/problem+json")
    )
)]
async fn versions(
    State(state): State<AppState>,
    Path(slug): Path<String>,
) -> Result<Json<Vec<VersionDto>>, ApiError> {
    let loaded = load(&state, &slug).await?;
    let list = state
        .store
        .schedule_versions(loaded.detail.conference.id)
        .await?;
    Ok(Json(
        list.iter()
            .map(|v| VersionDto {
                version: v.version,
                label: v.label.clone(),
                source: v.source.clone(),
                created_at: v.created_at,
                added: v.added,
                changed: v.changed,
                removed: v.removed,
                changes: v.entries.iter().map(ChangeDto::from).collect(),
            })
            .collect(),
    ))
}

struct EntryView {
    title: String,
    /// The title before a retitling, else empty.
    was: String,
    /// The session's page, while it exists.
    href: String,
    changes: String,
    before: String,
    after: String,
    removed: bool,
    added: bool,
}

struct VersionView {
    version: i64,
    label: String,
    source: String,
    when: String,
    summary: String,
    entries: Vec<EntryView>,
}

#[derive(Template, WebTemplate)]
#[template(path = "changes.html")]
struct ChangesPage {
    conf: ConfHeader,
    versions: Vec<VersionView>,
}

async fn changes_page(
    State(state): State<AppState>,
    Path(slug): Path<String>,
) -> Result<ChangesPage, PageError> {
    let loaded = load(&state, &slug).await?;
    let c = &loaded.detail.conference;
    let tz = c.info.time_zone.tz();
    let slot = |s: &Option<hallway_domain::changes::Slot>| {
        s.as_ref().map_or_else(String::new, |s| {
            format!(
                "{}–{}, {}",
                s.starts_at.with_timezone(&tz).format("%a %-d %b %H:%M"),
                s.ends_at.with_timezone(&tz).format("%H:%M"),
                s.room
            )
        })
    };
    let versions = state
        .store
        .schedule_versions(c.id)
        .await?
        .into_iter()
        .map(|v| VersionView {
            version: v.version,
            label: v.label.clone(),
            source: v.source.clone(),
            when: v
                .created_at
                .with_timezone(&tz)
                .format("%a %-d %b %Y, %H:%M")
                .to_string(),
            summary: if v.version == 1 && v.entries.is_empty() {
                format!("First version: {} sessions.", v.added)
            } else if v.added + v.changed + v.removed == 0 {
                "No session changed.".to_owned()
            } else {
                format!(
                    "{} added, {} changed, {} removed.",
                    v.added, v.changed, v.removed
                )
            },
            entries: v
                .entries
                .iter()
                .map(|e| EntryView {
                    title: e.title().to_owned(),
                    was: match (&e.before, &e.after) {
                        (Some(b), Some(a)) if b.title != a.title => b.title.clone(),
                        _ => String::new(),
                    },
                    href: loaded
                        .sessions
                        .iter()
                        .find(|s| s.info.guid == e.guid && e.after.is_some())
                        .map_or_else(String::new, |s| {
                            format!("/c/{}/sessions/{}", c.info.slug, s.id)
                        }),
                    changes: e
                        .changes
                        .iter()
                        .map(|c| c.label())
                        .collect::<Vec<_>>()
                        .join(", "),
                    before: slot(&e.before),
                    after: slot(&e.after),
                    removed: e.after.is_none(),
                    added: e.before.is_none(),
                })
                .collect(),
        })
        .collect();
    Ok(ChangesPage {
        conf: ConfHeader::new(c),
        versions,
    })
}

#[derive(Template, WebTemplate)]
#[template(path = "import.html")]
struct ImportPage {
    conf: ConfHeader,
    error: String,
    result: Option<ImportResult>,
}

async fn organizer_page(
    state: &AppState,
    user: &PageUser,
    slug: &str,
) -> Result<ConfHeader, PageError> {
    let (detail, _) = crate::request::organized(state, &user.account, slug).await?;
    Ok(ConfHeader::new(&detail.conference))
}

async fn import_page(
    State(state): State<AppState>,
    user: PageUser,
    Path(slug): Path<String>,
) -> Result<ImportPage, PageError> {
    Ok(ImportPage {
        conf: organizer_page(&state, &user, &slug).await?,
        error: String::new(),
        result: None,
    })
}

async fn import_form(
    State(state): State<AppState>,
    user: PageUser,
    Path(slug): Path<String>,
    mut form: Multipart,
) -> Result<ImportPage, PageError> {
    let conf = organizer_page(&state, &user, &slug).await?;
    let mut file = Vec::new();
    let mut name = String::new();
    let mut query = UploadQuery::default();
    while let Some(field) = form
        .next_field()
        .await
        .map_err(|e| PageError::Invalid(format!("The upload broke off: {e}")))?
    {
        match field.name().unwrap_or("") {
            "file" => {
                name = field.file_name().unwrap_or("").to_owned();
                file = field
                    .bytes()
                    .await
                    .map_err(|e| PageError::Invalid(format!("The upload broke off: {e}")))?
                    .to_vec();
            }
            "format" => query.format = field.text().await.ok(),
            "time_zone" => query.time_zone = field.text().await.ok(),
            "dry_run" => query.dry_run = Some(true),
            _ => {}
        }
    }
    if file.is_empty() {
        return Ok(ImportPage {
            conf,
            error: "Choose a schedule file to upload.".into(),
            result: None,
        });
    }
    let source = if name.is_empty() {
        "upload".to_owned()
    } else {
        format!("upload of {name}")
    };
    match run_import(&state, &user.account, &slug, file, &query, &source).await {
        Ok(result) => Ok(ImportPage {
            conf,
            error: String::new(),
            result: Some(result),
        }),
        Err(ApiError::Invalid { message, .. }) => Ok(ImportPage {
            conf,
            error: message,
            result: None,
        }),
        Err(e) => Err(PageError::from(e)),
    }
}
