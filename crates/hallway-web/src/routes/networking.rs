//! Networking (issue #9): the contact card with its badge QR code and short code, the
//! mutual exchange (typed code, or the QR URL opened by a phone's camera), contacts with
//! private notes, blocks, vCard and CSV exports, points with levels, and the leaderboard.
//! The rules live in `hallway_domain::{networking, points}` and the store; this module maps
//! them to the API and the pages.
//!
//! The QR code encodes `{public URL}/c/{slug}/x/{token}`: the public URL is
//! `HALLWAY_PUBLIC_URL` when set, else the request's `Host` (with `X-Forwarded-Proto`), like
//! the schedule exports. Opening it shows the scan page; the exchange itself is a POST from
//! that page (the forms' CSRF protection applies), never a side effect of a GET.

use askama::Template;
use askama_web::WebTemplate;
use axum::Json;
use axum::extract::{Form, Path, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use chrono::{DateTime, Utc};
use hallway_domain::networking::{CardFields, NetworkingError, Sharing, ShortCode};
use hallway_domain::points::{ActionKind, ActionPoints, Level, PointsSettings};
use hallway_domain::{ConferenceId, UserId};
use hallway_formats::contacts::ContactCard;
use hallway_store::{Card, CardSecrets, CardUpdate, Contact, ExchangeOutcome, Target};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::program::{ConfHeader, detail};
use crate::AppState;
use crate::auth::{ApiUser, PageUser};
use crate::error::{ApiError, PageError, problem};

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(get_card, put_card))
        .routes(routes!(rotate_card))
        .routes(routes!(list_contacts, post_contact))
        .routes(routes!(put_contact, delete_contact))
        .routes(routes!(list_blocks))
        .routes(routes!(put_block, delete_block))
        .routes(routes!(get_points))
        .routes(routes!(get_leaderboard))
        .routes(routes!(get_settings, put_settings))
        .route("/c/{slug}/contacts.vcf", axum::routing::get(contacts_vcf))
        .route("/c/{slug}/contacts.csv", axum::routing::get(contacts_csv))
        .route(
            "/c/{slug}/contacts/{id}/vcard.vcf",
            axum::routing::get(contact_vcf),
        )
        .route(
            "/c/{slug}/card",
            axum::routing::get(card_page).post(card_form),
        )
        .route("/c/{slug}/card/rotate", axum::routing::post(rotate_form))
        .route("/c/{slug}/card/qr.svg", axum::routing::get(qr_svg))
        .route(
            "/c/{slug}/x/{token}",
            axum::routing::get(scan_page).post(scan_form),
        )
        .route(
            "/c/{slug}/contacts",
            axum::routing::get(contacts_page).post(code_form),
        )
        .route("/c/{slug}/contacts/{id}", axum::routing::post(contact_form))
        .route("/c/{slug}/blocks/{id}", axum::routing::post(unblock_form))
        .route("/c/{slug}/points", axum::routing::get(points_page))
        .route(
            "/c/{slug}/leaderboard",
            axum::routing::get(leaderboard_page).post(leaderboard_form),
        )
}

fn fresh_secrets() -> CardSecrets {
    crate::auth::new_card_secrets()
}

fn invalid(e: &NetworkingError) -> ApiError {
    ApiError::Invalid {
        field: e.field(),
        message: e.message(),
    }
}

async fn my_card(
    state: &AppState,
    conference: ConferenceId,
    user: UserId,
) -> Result<Card, ApiError> {
    Ok(state
        .store
        .ensure_card(conference, user, &mut fresh_secrets, state.clock.now())
        .await?)
}

/// The URL the badge's QR code encodes.
fn qr_url(state: &AppState, headers: &HeaderMap, slug: &str, token: &str) -> String {
    format!("{}/c/{slug}/x/{token}", state.public_url(headers))
}

/// The QR code of `url` as an SVG document.
fn qr_svg_of(url: &str) -> Result<String, ApiError> {
    let code = qrcode::QrCode::new(url.as_bytes())
        .map_err(|e| ApiError::Internal(format!("QR code: {e}")))?;
    Ok(code
        .render::<qrcode::render::svg::Color<'_>>()
        .min_dimensions(220, 220)
        .dark_color(qrcode::render::svg::Color("#000000"))
        .light_color(qrcode::render::svg::Color("#ffffff"))
        .build())
}

// ---------------------------------------------------------------------------------------
// DTOs

/// What a card shares.
#[derive(Debug, Clone, Copy, Serialize, Deserialize, ToSchema)]
pub struct ShareDto {
    name: bool,
    company: bool,
    role: bool,
    email: bool,
    socials: bool,
    note: bool,
}

impl From<Sharing> for ShareDto {
    fn from(s: Sharing) -> Self {
        Self {
            name: s.name,
            company: s.company,
            role: s.role,
            email: s.email,
            socials: s.socials,
            note: s.note,
        }
    }
}

impl From<ShareDto> for Sharing {
    fn from(s: ShareDto) -> Self {
        Self {
            name: s.name,
            company: s.company,
            role: s.role,
            email: s.email,
            socials: s.socials,
            note: s.note,
        }
    }
}

/// The caller's contact card in a conference.
#[derive(Debug, Serialize, ToSchema)]
pub struct CardDto {
    /// The short code to type, `ABCD-EFGH`.
    code: String,
    /// The URL the badge's QR code encodes (it holds the card's secret token).
    qr_url: String,
    /// The QR code as an SVG image.
    qr_svg_url: String,
    name: String,
    company: String,
    role: String,
    /// The account's email address (read-only here; shared only with `share.email`).
    email: String,
    socials: Vec<String>,
    note: String,
    /// What the people you exchange with see.
    share: ShareDto,
    /// Whether new exchanges are accepted.
    exchange: bool,
    /// Whether you appear on the leaderboard.
    leaderboard: bool,
}

fn card_dto(state: &AppState, card: &Card, slug: &str, headers: &HeaderMap) -> CardDto {
    CardDto {
        code: card.code.display(),
        qr_url: qr_url(state, headers, slug, &card.token),
        qr_svg_url: format!("/c/{slug}/card/qr.svg"),
        name: card.fields.name().to_owned(),
        company: card.fields.company().to_owned(),
        role: card.fields.role().to_owned(),
        email: card.email.clone(),
        socials: card.fields.socials().to_vec(),
        note: card.fields.note().to_owned(),
        share: card.sharing.into(),
        exchange: card.exchange,
        leaderboard: card.leaderboard,
    }
}

/// Changes to a card; absent fields keep their value. `code`, `qr_url`, `qr_svg_url` and
/// `email` are read-only and ignored, so a card read with GET can be sent back edited.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CardBody {
    name: Option<String>,
    company: Option<String>,
    role: Option<String>,
    socials: Option<Vec<String>>,
    note: Option<String>,
    share: Option<ShareDto>,
    exchange: Option<bool>,
    leaderboard: Option<bool>,
    #[serde(default)]
    #[schema(read_only)]
    #[allow(dead_code)] // accepted so a card read with GET can be sent back; ignored
    code: Option<String>,
    #[serde(default)]
    #[schema(read_only)]
    #[allow(dead_code)] // accepted so a card read with GET can be sent back; ignored
    qr_url: Option<String>,
    #[serde(default)]
    #[schema(read_only)]
    #[allow(dead_code)] // accepted so a card read with GET can be sent back; ignored
    qr_svg_url: Option<String>,
    #[serde(default)]
    #[schema(read_only)]
    #[allow(dead_code)] // accepted so a card read with GET can be sent back; ignored
    email: Option<String>,
}

fn apply(card: &Card, b: CardBody) -> Result<CardUpdate, ApiError> {
    let fields = CardFields::parse(
        b.name.as_deref().unwrap_or(card.fields.name()),
        b.company.as_deref().unwrap_or(card.fields.company()),
        b.role.as_deref().unwrap_or(card.fields.role()),
        b.socials.as_deref().unwrap_or(card.fields.socials()),
        b.note.as_deref().unwrap_or(card.fields.note()),
    )
    .map_err(|e| invalid(&e))?;
    Ok(CardUpdate {
        fields,
        sharing: b.share.map_or(card.sharing, Sharing::from),
        exchange: b.exchange.unwrap_or(card.exchange),
        leaderboard: b.leaderboard.unwrap_or(card.leaderboard),
    })
}

/// A contact, with only what they share.
#[derive(Debug, Serialize, ToSchema)]
pub struct ContactDto {
    /// Their account id (for notes, deleting, blocking).
    id: i64,
    /// "" when they do not share their name.
    name: String,
    company: String,
    role: String,
    email: String,
    socials: Vec<String>,
    /// The note on their card.
    note: String,
    /// Your private note about them.
    my_note: String,
    /// RFC 3339.
    exchanged_at: String,
    /// Their vCard.
    vcard_url: String,
}

fn contact_dto(c: &Contact, slug: &str) -> ContactDto {
    ContactDto {
        id: c.user.get(),
        name: c.name.clone(),
        company: c.company.clone(),
        role: c.role.clone(),
        email: c.email.clone(),
        socials: c.socials.clone(),
        note: c.note.clone(),
        my_note: c.private_note.clone(),
        exchanged_at: c.exchanged_at.to_rfc3339(),
        vcard_url: format!("/c/{slug}/contacts/{}/vcard.vcf", c.user),
    }
}

/// An exchange's result.
#[derive(Debug, Serialize, ToSchema)]
pub struct ExchangeDto {
    contact: ContactDto,
    /// Points you earned with it (0 when this pair earned before, or over the hourly cap).
    points: u32,
}

/// Whose card to exchange with.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ExchangeBody {
    /// The other person's badge code (`ABCD-EFGH`; case, spaces and hyphens do not matter).
    code: String,
}

/// A refusal of an exchange as problem+json; `None` for a success.
fn exchange_refusal(outcome: &ExchangeOutcome) -> Option<Response> {
    Some(match outcome {
        ExchangeOutcome::Exchanged { .. } => return None,
        ExchangeOutcome::Unknown => problem(
            StatusCode::NOT_FOUND,
            "unknown-code",
            "Unknown badge code",
            "No badge has this code (it may have been renewed); check it with its owner.".into(),
            Some("code"),
        ),
        ExchangeOutcome::Yourself => ApiError::Invalid {
            field: "code",
            message: "this is your own badge code; you cannot exchange with yourself".into(),
        }
        .into_response(),
        ExchangeOutcome::ScannerOff => problem(
            StatusCode::CONFLICT,
            "exchange-off",
            "Your exchange is off",
            "You turned contact exchange off; turn it on on your card first.".into(),
            None,
        ),
        ExchangeOutcome::YouBlocked => problem(
            StatusCode::CONFLICT,
            "blocked",
            "You blocked this attendee",
            "You blocked this attendee; unblock them on your contacts page to exchange.".into(),
            None,
        ),
        ExchangeOutcome::Unavailable => problem(
            StatusCode::CONFLICT,
            "exchange-unavailable",
            "Not exchanging",
            "This attendee is not exchanging contacts right now.".into(),
            None,
        ),
    })
}

/// A private note about a contact.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NoteBody {
    /// Up to 1000 characters; "" removes it.
    my_note: String,
}

fn parse_note(raw: &str) -> Result<String, ApiError> {
    let n = raw.trim().replace("\r\n", "\n");
    if n.chars().count() > 1000 {
        return Err(ApiError::Invalid {
            field: "my_note",
            message: "at most 1000 characters".into(),
        });
    }
    Ok(n)
}

/// Someone you blocked.
#[derive(Debug, Serialize, ToSchema)]
pub struct BlockedDto {
    id: i64,
    /// "" when they do not share their name.
    name: String,
}

/// A ledger row.
#[derive(Debug, Serialize, ToSchema)]
pub struct LedgerDto {
    /// contact, rating, comment, attended or lab.
    kind: String,
    /// Points granted (after the hourly cap).
    points: u32,
    /// What the action was worth.
    worth: u32,
    /// RFC 3339.
    at: String,
}

/// The caller's points and level.
#[derive(Debug, Serialize, ToSchema)]
pub struct PointsDto {
    /// The total (always the sum of the ledger).
    points: u64,
    /// The level reached ("Narwhal", …).
    level: String,
    /// Points at which the next level starts; null at the top.
    next_level_at: Option<u64>,
    /// The next level's name; null at the top.
    next_level: Option<String>,
    /// Rank on the leaderboard; null without points or when opted out.
    rank: Option<u64>,
    /// The latest ledger rows, newest first.
    recent: Vec<LedgerDto>,
}

/// One leaderboard row.
#[derive(Debug, Serialize, ToSchema)]
pub struct LeaderDto {
    rank: u64,
    /// "" when they do not share their name.
    name: String,
    points: u64,
    level: String,
    /// Whether this row is the caller.
    me: bool,
}

/// The top of the leaderboard and the caller's place.
#[derive(Debug, Serialize, ToSchema)]
pub struct LeaderboardDto {
    entries: Vec<LeaderDto>,
    /// The caller's rank (null without points or when opted out).
    my_rank: Option<u64>,
    my_points: u64,
    /// Whether the caller is shown (change with `leaderboard` on the card).
    on_leaderboard: bool,
}

/// The conference's points, levels and feedback settings.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PointsSettingsDto {
    /// Points per action: contact, rating, comment, attended, lab (0 to 1000 each).
    points: ActionPointsDto,
    /// The most points anyone earns in an hour (1 to 100000); actions over it count with
    /// what still fits.
    hourly_cap: u32,
    /// Ratings a session needs before its average is shown (0 to 1000).
    min_ratings: u32,
    /// The ladder: names and the points they start at, the first at 0, increasing.
    levels: Vec<LevelDto>,
}

/// Points per action kind.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ActionPointsDto {
    contact: u32,
    rating: u32,
    comment: u32,
    attended: u32,
    lab: u32,
}

/// A level of the ladder.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct LevelDto {
    name: String,
    at: u64,
}

impl From<PointsSettings> for PointsSettingsDto {
    fn from(s: PointsSettings) -> Self {
        Self {
            points: ActionPointsDto {
                contact: s.points.contact,
                rating: s.points.rating,
                comment: s.points.comment,
                attended: s.points.attended,
                lab: s.points.lab,
            },
            hourly_cap: s.hourly_cap,
            min_ratings: s.min_ratings,
            levels: s
                .levels
                .into_iter()
                .map(|l| LevelDto {
                    name: l.name,
                    at: l.at,
                })
                .collect(),
        }
    }
}

// ---------------------------------------------------------------------------------------
// API

async fn conference(state: &AppState, slug: &str) -> Result<ConferenceId, ApiError> {
    super::agenda::conference_id(state, slug).await
}

/// The caller's card (made on first use): the code to type, the QR URL, the fields and
/// what is shared.
#[utoipa::path(get, path = "/api/v1/conferences/{slug}/me/card", tag = "networking",
    params(("slug" = String, Path, description = "The conference's slug")),
    responses((status = 200, body = CardDto),
        (status = 401, body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 404, body = crate::error::Problem, content_type = "application/problem+json")))]
async fn get_card(
    State(state): State<AppState>,
    user: ApiUser,
    Path(slug): Path<String>,
    headers: HeaderMap,
) -> Result<Json<CardDto>, ApiError> {
    let c = conference(&state, &slug).await?;
    let card = my_card(&state, c, user.account.id).await?;
    Ok(Json(card_dto(&state, &card, &slug, &headers)))
}

/// Edits the caller's card: what it says, what it shares, whether exchanges are accepted
/// and whether the caller is on the leaderboard. Absent fields keep their value.
#[utoipa::path(put, path = "/api/v1/conferences/{slug}/me/card", tag = "networking",
    params(("slug" = String, Path, description = "The conference's slug")),
    request_body = CardBody,
    responses((status = 200, body = CardDto),
        (status = 400, description = "`invalid`, with `field`", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 401, body = crate::error::Problem, content_type = "application/problem+json")))]
async fn put_card(
    State(state): State<AppState>,
    user: ApiUser,
    Path(slug): Path<String>,
    headers: HeaderMap,
    body: axum::body::Bytes,
) -> Result<Json<CardDto>, ApiError> {
    let c = conference(&state, &slug).await?;
    let body: CardBody = super::parse_json(&body)?;
    let card = my_card(&state, c, user.account.id).await?;
    let update = apply(&card, body)?;
    let card = state
        .store
        .update_card(c, user.account.id, &update, state.clock.now())
        .await?
        .ok_or_else(|| ApiError::Internal("the card vanished".into()))?;
    Ok(Json(card_dto(&state, &card, &slug, &headers)))
}

/// Renews the card's token and code: the old QR code and code stop working at once.
#[utoipa::path(post, path = "/api/v1/conferences/{slug}/me/card/rotate", tag = "networking",
    params(("slug" = String, Path, description = "The conference's slug")),
    responses((status = 200, body = CardDto)))]
async fn rotate_card(
    State(state): State<AppState>,
    user: ApiUser,
    Path(slug): Path<String>,
    headers: HeaderMap,
) -> Result<Json<CardDto>, ApiError> {
    let c = conference(&state, &slug).await?;
    my_card(&state, c, user.account.id).await?;
    let card = state
        .store
        .rotate_card(c, user.account.id, &fresh_secrets(), state.clock.now())
        .await?
        .ok_or_else(|| ApiError::Internal("the card vanished".into()))?;
    Ok(Json(card_dto(&state, &card, &slug, &headers)))
}

/// The caller's contacts, newest first, with what each shares and the caller's notes.
#[utoipa::path(get, path = "/api/v1/conferences/{slug}/contacts", tag = "networking",
    params(("slug" = String, Path, description = "The conference's slug")),
    responses((status = 200, body = Vec<ContactDto>)))]
async fn list_contacts(
    State(state): State<AppState>,
    user: ApiUser,
    Path(slug): Path<String>,
) -> Result<Json<Vec<ContactDto>>, ApiError> {
    let c = conference(&state, &slug).await?;
    let contacts = state.store.contacts(c, user.account.id).await?;
    Ok(Json(
        contacts.iter().map(|k| contact_dto(k, &slug)).collect(),
    ))
}

/// Exchanges cards with the owner of `code`, both ways at once (a bump is mutual). Both
/// earn the contact points once per pair, ever.
#[utoipa::path(post, path = "/api/v1/conferences/{slug}/contacts", tag = "networking",
    params(("slug" = String, Path, description = "The conference's slug")),
    request_body = ExchangeBody,
    responses(
        (status = 201, description = "Exchanged", body = ExchangeDto),
        (status = 200, description = "Already in your contacts", body = ExchangeDto),
        (status = 400, description = "`invalid` (field `code`): not a code, or your own", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 404, description = "`unknown-code`", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 409, description = "`exchange-off` (yours is off), `blocked` (you blocked them) or `exchange-unavailable` (they do not exchange with you now)", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 429, description = "`too-many-codes`: 20 unknown codes in 10 minutes; see Retry-After", body = crate::error::Problem, content_type = "application/problem+json")))]
async fn post_contact(
    State(state): State<AppState>,
    user: ApiUser,
    Path(slug): Path<String>,
    body: axum::body::Bytes,
) -> Result<Response, ApiError> {
    let c = conference(&state, &slug).await?;
    let body: ExchangeBody = super::parse_json(&body)?;
    let code = ShortCode::parse(&body.code).map_err(|e| invalid(&e))?;
    if let Some(wait) = state.guesses.blocked(user.account.id) {
        return Ok(too_many_codes(wait));
    }
    let outcome = state
        .store
        .exchange(c, user.account.id, &Target::Code(code), state.clock.now())
        .await?;
    if outcome == ExchangeOutcome::Unknown {
        state.guesses.record(user.account.id);
    }
    if let Some(refusal) = exchange_refusal(&outcome) {
        return Ok(refusal);
    }
    let ExchangeOutcome::Exchanged {
        contact,
        new,
        points,
    } = outcome
    else {
        return Err(ApiError::Internal("unexpected exchange outcome".into()));
    };
    let status = if new {
        StatusCode::CREATED
    } else {
        StatusCode::OK
    };
    Ok((
        status,
        Json(ExchangeDto {
            contact: contact_dto(&contact, &slug),
            points,
        }),
    )
        .into_response())
}

/// 429 after too many unknown codes: waiting `wait` seconds.
fn too_many_codes(wait: u64) -> Response {
    let mut r = problem(
        StatusCode::TOO_MANY_REQUESTS,
        "too-many-codes",
        "Too many unknown codes",
        format!("Too many unknown badge codes; try again in {wait} s."),
        Some("code"),
    );
    if let Ok(v) = header::HeaderValue::from_str(&wait.to_string()) {
        r.headers_mut().insert(header::RETRY_AFTER, v);
    }
    r
}

fn parse_user(raw: &str) -> Result<UserId, ApiError> {
    raw.parse::<i64>()
        .map(UserId::new)
        .map_err(|_| ApiError::NotFound(format!("There is no contact {raw:?}.")))
}

/// Sets your private note about a contact.
#[utoipa::path(put, path = "/api/v1/conferences/{slug}/contacts/{id}", tag = "networking",
    params(("slug" = String, Path, description = "The conference's slug"), ("id" = i64, Path, description = "The contact's id")),
    request_body = NoteBody,
    responses((status = 200, body = ContactDto), (status = 404, body = crate::error::Problem, content_type = "application/problem+json")))]
async fn put_contact(
    State(state): State<AppState>,
    user: ApiUser,
    Path((slug, id)): Path<(String, String)>,
    body: axum::body::Bytes,
) -> Result<Json<ContactDto>, ApiError> {
    let c = conference(&state, &slug).await?;
    let other = parse_user(&id)?;
    let body: NoteBody = super::parse_json(&body)?;
    let note = parse_note(&body.my_note)?;
    let not_found = || ApiError::NotFound(format!("{id} is not in your contacts."));
    if !state
        .store
        .set_contact_note(c, user.account.id, other, &note)
        .await?
    {
        return Err(not_found());
    }
    let contact = state
        .store
        .contact_of(c, user.account.id, other)
        .await?
        .ok_or_else(not_found)?;
    Ok(Json(contact_dto(&contact, &slug)))
}

/// Deletes a contact from your list (they keep theirs). Exchanging again later earns no
/// new points.
#[utoipa::path(delete, path = "/api/v1/conferences/{slug}/contacts/{id}", tag = "networking",
    params(("slug" = String, Path, description = "The conference's slug"), ("id" = i64, Path, description = "The contact's id")),
    responses((status = 204, description = "Deleted"), (status = 404, body = crate::error::Problem, content_type = "application/problem+json")))]
async fn delete_contact(
    State(state): State<AppState>,
    user: ApiUser,
    Path((slug, id)): Path<(String, String)>,
) -> Result<StatusCode, ApiError> {
    let c = conference(&state, &slug).await?;
    let other = parse_user(&id)?;
    if state
        .store
        .delete_contact(c, user.account.id, other)
        .await?
    {
        Ok(StatusCode::NO_CONTENT)
    } else {
        Err(ApiError::NotFound(format!("{id} is not in your contacts.")))
    }
}

/// The people you blocked.
#[utoipa::path(get, path = "/api/v1/conferences/{slug}/blocks", tag = "networking",
    params(("slug" = String, Path, description = "The conference's slug")),
    responses((status = 200, body = Vec<BlockedDto>)))]
async fn list_blocks(
    State(state): State<AppState>,
    user: ApiUser,
    Path(slug): Path<String>,
) -> Result<Json<Vec<BlockedDto>>, ApiError> {
    let c = conference(&state, &slug).await?;
    let blocked = state.store.blocked(c, user.account.id).await?;
    Ok(Json(
        blocked
            .into_iter()
            .map(|(id, name)| BlockedDto { id: id.get(), name })
            .collect(),
    ))
}

/// Blocks someone: they leave your contacts and you theirs, and neither of you can
/// exchange with the other until you unblock them. They are not told; their scans of your
/// badge get the same answer as a card with exchange off.
#[utoipa::path(put, path = "/api/v1/conferences/{slug}/blocks/{id}", tag = "networking",
    params(("slug" = String, Path, description = "The conference's slug"), ("id" = i64, Path, description = "The person's id")),
    responses((status = 204, description = "Blocked"), (status = 400, description = "`invalid`: yourself", body = crate::error::Problem, content_type = "application/problem+json")))]
async fn put_block(
    State(state): State<AppState>,
    user: ApiUser,
    Path((slug, id)): Path<(String, String)>,
) -> Result<StatusCode, ApiError> {
    let c = conference(&state, &slug).await?;
    let other = parse_user(&id)?;
    if other == user.account.id {
        return Err(ApiError::Invalid {
            field: "id",
            message: "you cannot block yourself".into(),
        });
    }
    state
        .store
        .block(c, user.account.id, other, state.clock.now())
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Lifts a block.
#[utoipa::path(delete, path = "/api/v1/conferences/{slug}/blocks/{id}", tag = "networking",
    params(("slug" = String, Path, description = "The conference's slug"), ("id" = i64, Path, description = "The person's id")),
    responses((status = 204, description = "Unblocked"), (status = 404, body = crate::error::Problem, content_type = "application/problem+json")))]
async fn delete_block(
    State(state): State<AppState>,
    user: ApiUser,
    Path((slug, id)): Path<(String, String)>,
) -> Result<StatusCode, ApiError> {
    let c = conference(&state, &slug).await?;
    let other = parse_user(&id)?;
    if state.store.unblock(c, user.account.id, other).await? {
        Ok(StatusCode::NO_CONTENT)
    } else {
        Err(ApiError::NotFound(format!("You have not blocked {id}.")))
    }
}

async fn points_dto(
    state: &AppState,
    c: ConferenceId,
    user: UserId,
    recent: u32,
) -> Result<(PointsDto, PointsSettings), ApiError> {
    let settings = state.store.points_settings(c).await?;
    let points = state.store.points(c, user).await?;
    let standing = settings.level_of(points);
    let ledger = state.store.ledger(c, user, recent).await?;
    Ok((
        PointsDto {
            points,
            level: standing.level.clone(),
            next_level_at: standing.next.as_ref().map(|(_, at)| *at),
            next_level: standing.next.map(|(n, _)| n),
            rank: state.store.rank_of(c, user).await?,
            recent: ledger
                .into_iter()
                .map(|e| LedgerDto {
                    kind: e.kind.as_str().to_owned(),
                    points: e.points,
                    worth: e.worth,
                    at: e.at.to_rfc3339(),
                })
                .collect(),
        },
        settings,
    ))
}

/// The caller's points (the sum of their ledger), level and the points of the next level.
#[utoipa::path(get, path = "/api/v1/conferences/{slug}/me/points", tag = "networking",
    params(("slug" = String, Path, description = "The conference's slug")),
    responses((status = 200, body = PointsDto)))]
async fn get_points(
    State(state): State<AppState>,
    user: ApiUser,
    Path(slug): Path<String>,
) -> Result<Json<PointsDto>, ApiError> {
    let c = conference(&state, &slug).await?;
    Ok(Json(points_dto(&state, c, user.account.id, 20).await?.0))
}

const LEADERBOARD_SIZE: u32 = 50;

async fn leaderboard_dto(
    state: &AppState,
    c: ConferenceId,
    user: UserId,
) -> Result<LeaderboardDto, ApiError> {
    let settings = state.store.points_settings(c).await?;
    let rows = state.store.leaderboard(c, LEADERBOARD_SIZE).await?;
    let on = state
        .store
        .card(c, user)
        .await?
        .is_none_or(|card| card.leaderboard);
    Ok(LeaderboardDto {
        entries: rows
            .into_iter()
            .map(|r| LeaderDto {
                rank: r.rank,
                level: settings.level_of(r.points).level,
                name: r.name,
                points: r.points,
                me: r.user == user,
            })
            .collect(),
        my_rank: state.store.rank_of(c, user).await?,
        my_points: state.store.points(c, user).await?,
        on_leaderboard: on,
    })
}

/// The top 50 attendees by points (those who opted out are left out; ties share a rank),
/// and the caller's place.
#[utoipa::path(get, path = "/api/v1/conferences/{slug}/leaderboard", tag = "networking",
    params(("slug" = String, Path, description = "The conference's slug")),
    responses((status = 200, body = LeaderboardDto)))]
async fn get_leaderboard(
    State(state): State<AppState>,
    user: ApiUser,
    Path(slug): Path<String>,
) -> Result<Json<LeaderboardDto>, ApiError> {
    let c = conference(&state, &slug).await?;
    Ok(Json(leaderboard_dto(&state, c, user.account.id).await?))
}

/// The conference's points values, hourly cap, minimum rating count and level ladder
/// (organizers).
#[utoipa::path(get, path = "/api/v1/conferences/{slug}/networking", tag = "networking",
    params(("slug" = String, Path, description = "The conference's slug")),
    responses((status = 200, body = PointsSettingsDto), (status = 403, body = crate::error::Problem, content_type = "application/problem+json")))]
async fn get_settings(
    State(state): State<AppState>,
    user: ApiUser,
    Path(slug): Path<String>,
) -> Result<Json<PointsSettingsDto>, ApiError> {
    let c = super::organize::organizer_conference(&state, &slug, &user.account).await?;
    Ok(Json(state.store.points_settings(c).await?.into()))
}

/// Changes the conference's points values, cap, minimum rating count and ladder
/// (organizers). Points already awarded keep their value.
#[utoipa::path(put, path = "/api/v1/conferences/{slug}/networking", tag = "networking",
    params(("slug" = String, Path, description = "The conference's slug")),
    request_body = PointsSettingsDto,
    responses((status = 200, body = PointsSettingsDto),
        (status = 400, description = "`invalid`, with `field`", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 403, body = crate::error::Problem, content_type = "application/problem+json")))]
async fn put_settings(
    State(state): State<AppState>,
    user: ApiUser,
    Path(slug): Path<String>,
    body: axum::body::Bytes,
) -> Result<Json<PointsSettingsDto>, ApiError> {
    let c = super::organize::organizer_conference(&state, &slug, &user.account).await?;
    let b: PointsSettingsDto = super::parse_json(&body)?;
    let settings = PointsSettings {
        points: ActionPoints {
            contact: b.points.contact,
            rating: b.points.rating,
            comment: b.points.comment,
            attended: b.points.attended,
            lab: b.points.lab,
        },
        hourly_cap: b.hourly_cap,
        min_ratings: b.min_ratings,
        levels: b
            .levels
            .into_iter()
            .map(|l| Level {
                name: l.name,
                at: l.at,
            })
            .collect(),
    }
    .validate()
    .map_err(|e| ApiError::Invalid {
        field: e.field(),
        message: e.to_string(),
    })?;
    state.store.set_points_settings(c, &settings).await?;
    state
        .store
        .record(
            c,
            user.account.id,
            &user.account.email,
            "changed the points and feedback settings",
            "",
            state.clock.now(),
        )
        .await?;
    Ok(Json(settings.into()))
}

// ---------------------------------------------------------------------------------------
// Exports

fn export_card(c: &Contact, conference: &str) -> ContactCard {
    ContactCard {
        name: c.name.clone(),
        company: c.company.clone(),
        role: c.role.clone(),
        email: c.email.clone(),
        socials: c.socials.clone(),
        note: c.note.clone(),
        private_note: c.private_note.clone(),
        exchanged_at: c.exchanged_at,
        conference: conference.to_owned(),
    }
}

fn download(content_type: &'static str, filename: String, body: Vec<u8>) -> Response {
    (
        [
            (header::CONTENT_TYPE, content_type.to_owned()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{filename}\""),
            ),
            (header::CACHE_CONTROL, "private, no-store".to_owned()),
        ],
        body,
    )
        .into_response()
}

async fn export(
    state: &AppState,
    slug: &str,
    user: &PageUser,
) -> Result<(Vec<ContactCard>, String), PageError> {
    let d = detail(state, slug).await?;
    let contacts = state
        .store
        .contacts(d.conference.id, user.account.id)
        .await?;
    let name = d.conference.info.name.clone();
    Ok((
        contacts.iter().map(|c| export_card(c, &name)).collect(),
        name,
    ))
}

/// All contacts as vCard 4.0 (cookie or bearer token).
async fn contacts_vcf(
    State(state): State<AppState>,
    user: PageUser,
    Path(slug): Path<String>,
) -> Result<Response, PageError> {
    let (cards, _) = export(&state, &slug, &user).await?;
    Ok(download(
        "text/vcard; charset=utf-8",
        format!("{slug}-contacts.vcf"),
        hallway_formats::contacts::vcards(&cards).into_bytes(),
    ))
}

/// All contacts as CSV.
async fn contacts_csv(
    State(state): State<AppState>,
    user: PageUser,
    Path(slug): Path<String>,
) -> Result<Response, PageError> {
    let (cards, _) = export(&state, &slug, &user).await?;
    Ok(download(
        "text/csv; charset=utf-8",
        format!("{slug}-contacts.csv"),
        hallway_formats::contacts::csv(&cards),
    ))
}

/// One contact as vCard 4.0.
async fn contact_vcf(
    State(state): State<AppState>,
    user: PageUser,
    Path((slug, id)): Path<(String, String)>,
) -> Result<Response, PageError> {
    let d = detail(&state, &slug).await?;
    let other = parse_user(&id)?;
    let c = state
        .store
        .contact_of(d.conference.id, user.account.id, other)
        .await?
        .ok_or_else(|| PageError::NotFound(format!("{id} is not in your contacts.")))?;
    Ok(download(
        "text/vcard; charset=utf-8",
        format!("contact-{id}.vcf"),
        hallway_formats::contacts::vcards(&[export_card(&c, &d.conference.info.name)]).into_bytes(),
    ))
}

// ---------------------------------------------------------------------------------------
// Pages

/// The QR code of the visitor's badge.
async fn qr_svg(
    State(state): State<AppState>,
    user: PageUser,
    Path(slug): Path<String>,
    headers: HeaderMap,
) -> Result<Response, PageError> {
    let d = detail(&state, &slug).await?;
    let card = my_card(&state, d.conference.id, user.account.id).await?;
    let svg = qr_svg_of(&qr_url(&state, &headers, &slug, &card.token))?;
    Ok((
        [
            (header::CONTENT_TYPE, "image/svg+xml"),
            (header::CACHE_CONTROL, "private, no-store"),
        ],
        svg,
    )
        .into_response())
}

#[derive(Template, WebTemplate)]
#[template(path = "card.html")]
struct CardPage {
    conf: ConfHeader,
    card: CardDto,
    socials: String,
    /// The QR code, inline SVG made by us from our own URL.
    qr: String,
    message: String,
}

async fn card_page(
    State(state): State<AppState>,
    user: PageUser,
    Path(slug): Path<String>,
    headers: HeaderMap,
    axum::extract::Query(q): axum::extract::Query<MessageQuery>,
) -> Result<CardPage, PageError> {
    let d = detail(&state, &slug).await?;
    let card = my_card(&state, d.conference.id, user.account.id).await?;
    let dto = card_dto(&state, &card, &slug, &headers);
    let svg = qr_svg_of(&dto.qr_url)?;
    // Inline: drop the XML declaration and label the image.
    let svg = svg
        .split_once("?>")
        .map_or(svg.as_str(), |(_, rest)| rest)
        .trim()
        .replacen(
            "<svg",
            "<svg role=\"img\" aria-label=\"QR code of your badge\"",
            1,
        );
    Ok(CardPage {
        conf: ConfHeader::new(&d.conference),
        socials: dto.socials.join("\n"),
        card: dto,
        qr: svg,
        message: message_text(q.m.as_deref()),
    })
}

#[derive(Debug, Deserialize)]
struct MessageQuery {
    /// A short key of the message to show after a redirect.
    m: Option<String>,
}

fn message_text(key: Option<&str>) -> String {
    match key {
        Some("saved") => "Your card is saved.",
        Some("rotated") => "Your badge has a new code and QR code; the old ones no longer work.",
        Some("exchanged") => "Contacts exchanged.",
        Some("already") => "You already have each other's cards.",
        Some("deleted") => "Contact deleted.",
        Some("blocked") => {
            "Blocked: they are gone from your contacts and cannot exchange with you."
        }
        Some("unblocked") => "Unblocked.",
        Some("note") => "Note saved.",
        Some("hidden") => "You are no longer shown on the leaderboard.",
        Some("shown") => "You are shown on the leaderboard.",
        _ => "",
    }
    .to_owned()
}

#[derive(Debug, Deserialize)]
struct CardForm {
    name: String,
    #[serde(default)]
    company: String,
    #[serde(default)]
    role: String,
    /// One handle per line.
    #[serde(default)]
    socials: String,
    #[serde(default)]
    note: String,
    share_name: Option<String>,
    share_company: Option<String>,
    share_role: Option<String>,
    share_email: Option<String>,
    share_socials: Option<String>,
    share_note: Option<String>,
    exchange: Option<String>,
}

async fn card_form(
    State(state): State<AppState>,
    user: PageUser,
    Path(slug): Path<String>,
    Form(f): Form<CardForm>,
) -> Result<Redirect, PageError> {
    let d = detail(&state, &slug).await?;
    let card = my_card(&state, d.conference.id, user.account.id).await?;
    let socials: Vec<String> = f.socials.lines().map(str::to_owned).collect();
    let fields = CardFields::parse(&f.name, &f.company, &f.role, &socials, &f.note)
        .map_err(|e| PageError::Invalid(e.to_string()))?;
    let update = CardUpdate {
        fields,
        sharing: Sharing {
            name: f.share_name.is_some(),
            company: f.share_company.is_some(),
            role: f.share_role.is_some(),
            email: f.share_email.is_some(),
            socials: f.share_socials.is_some(),
            note: f.share_note.is_some(),
        },
        exchange: f.exchange.is_some(),
        leaderboard: card.leaderboard,
    };
    state
        .store
        .update_card(d.conference.id, user.account.id, &update, state.clock.now())
        .await?;
    Ok(Redirect::to(&format!("/c/{slug}/card?m=saved")))
}

async fn rotate_form(
    State(state): State<AppState>,
    user: PageUser,
    Path(slug): Path<String>,
) -> Result<Redirect, PageError> {
    let d = detail(&state, &slug).await?;
    my_card(&state, d.conference.id, user.account.id).await?;
    state
        .store
        .rotate_card(
            d.conference.id,
            user.account.id,
            &fresh_secrets(),
            state.clock.now(),
        )
        .await?;
    Ok(Redirect::to(&format!("/c/{slug}/card?m=rotated")))
}

#[derive(Template, WebTemplate)]
#[template(path = "scan.html")]
struct ScanPage {
    conf: ConfHeader,
    token: String,
    /// The owner's name if they share it.
    name: String,
    /// `ready`, `yourself`, `unknown`, `already`, or a refusal's text in `refusal`.
    state: &'static str,
    refusal: String,
}

async fn scan_page(
    State(state): State<AppState>,
    user: PageUser,
    Path((slug, token)): Path<(String, String)>,
) -> Result<Response, PageError> {
    let d = detail(&state, &slug).await?;
    let card = state.store.card_by_token(d.conference.id, &token).await?;
    let mut page = ScanPage {
        conf: ConfHeader::new(&d.conference),
        token: token.clone(),
        name: String::new(),
        state: "ready",
        refusal: String::new(),
    };
    match card {
        None => {
            page.state = "unknown";
            return Ok((StatusCode::NOT_FOUND, page).into_response());
        }
        Some(c) if c.user == user.account.id => page.state = "yourself",
        Some(c) => {
            if c.sharing.name {
                page.name = c.fields.name().to_owned();
            }
            if state
                .store
                .contact_of(d.conference.id, user.account.id, c.user)
                .await?
                .is_some()
            {
                page.state = "already";
            }
        }
    }
    Ok(page.into_response())
}

async fn scan_form(
    State(state): State<AppState>,
    user: PageUser,
    Path((slug, token)): Path<(String, String)>,
) -> Result<Response, PageError> {
    let d = detail(&state, &slug).await?;
    let outcome = state
        .store
        .exchange(
            d.conference.id,
            user.account.id,
            &Target::Token(token.clone()),
            state.clock.now(),
        )
        .await?;
    exchanged_redirect(&slug, d.conference, outcome, Some(token))
}

/// After an exchange from a page: to the contacts with a message, or the scan page
/// explaining a refusal.
fn exchanged_redirect(
    slug: &str,
    conference: hallway_domain::Conference,
    outcome: ExchangeOutcome,
    token: Option<String>,
) -> Result<Response, PageError> {
    let refusal = match outcome {
        ExchangeOutcome::Exchanged { new, contact, .. } => {
            let m = if new { "exchanged" } else { "already" };
            return Ok(Redirect::to(&format!(
                "/c/{slug}/contacts?m={m}#contact-{}",
                contact.user
            ))
            .into_response());
        }
        ExchangeOutcome::Unknown => {
            "No badge has this code (it may have been renewed). Check it with its owner."
        }
        ExchangeOutcome::Yourself => "This is your own badge: there is nobody to exchange with.",
        ExchangeOutcome::ScannerOff => {
            "You turned contact exchange off. Turn it on on your card first."
        }
        ExchangeOutcome::YouBlocked => {
            "You blocked this attendee. Unblock them on your contacts page to exchange."
        }
        ExchangeOutcome::Unavailable => "This attendee is not exchanging contacts right now.",
    };
    let page = ScanPage {
        conf: ConfHeader::new(&conference),
        token: token.unwrap_or_default(),
        name: String::new(),
        state: "refused",
        refusal: refusal.to_owned(),
    };
    Ok((StatusCode::CONFLICT, page).into_response())
}

#[derive(Debug)]
struct ContactView {
    id: i64,
    name: String,
    company: String,
    role: String,
    email: String,
    socials: Vec<String>,
    note: String,
    my_note: String,
    when: String,
}

#[derive(Template, WebTemplate)]
#[template(path = "contacts.html")]
struct ContactsPage {
    conf: ConfHeader,
    contacts: Vec<ContactView>,
    blocked: Vec<BlockedDto>,
    message: String,
}

async fn contacts_page(
    State(state): State<AppState>,
    user: PageUser,
    Path(slug): Path<String>,
    axum::extract::Query(q): axum::extract::Query<MessageQuery>,
) -> Result<ContactsPage, PageError> {
    let d = detail(&state, &slug).await?;
    let c = d.conference.id;
    let tz = d.conference.info.time_zone;
    let contacts = state.store.contacts(c, user.account.id).await?;
    let blocked = state.store.blocked(c, user.account.id).await?;
    Ok(ContactsPage {
        conf: ConfHeader::new(&d.conference),
        contacts: contacts
            .into_iter()
            .map(|k| ContactView {
                id: k.user.get(),
                name: k.name,
                company: k.company,
                role: k.role,
                email: k.email,
                socials: k.socials,
                note: k.note,
                my_note: k.private_note,
                when: when(tz, k.exchanged_at),
            })
            .collect(),
        blocked: blocked
            .into_iter()
            .map(|(id, name)| BlockedDto { id: id.get(), name })
            .collect(),
        message: message_text(q.m.as_deref()),
    })
}

fn when(tz: hallway_domain::TimeZone, t: DateTime<Utc>) -> String {
    let local = t.with_timezone(&tz.tz());
    format!(
        "{} {}",
        crate::view::day_label(local.date_naive()),
        crate::view::clock_time(tz, t)
    )
}

#[derive(Debug, Deserialize)]
struct CodeForm {
    code: String,
}

async fn code_form(
    State(state): State<AppState>,
    user: PageUser,
    Path(slug): Path<String>,
    Form(f): Form<CodeForm>,
) -> Result<Response, PageError> {
    let d = detail(&state, &slug).await?;
    let code = ShortCode::parse(&f.code).map_err(|e| PageError::Invalid(e.to_string()))?;
    if let Some(wait) = state.guesses.blocked(user.account.id) {
        return Err(PageError::Invalid(format!(
            "Too many unknown badge codes; try again in {wait} s."
        )));
    }
    let outcome = state
        .store
        .exchange(
            d.conference.id,
            user.account.id,
            &Target::Code(code),
            state.clock.now(),
        )
        .await?;
    if outcome == ExchangeOutcome::Unknown {
        state.guesses.record(user.account.id);
    }
    exchanged_redirect(&slug, d.conference, outcome, None)
}

#[derive(Debug, Deserialize)]
struct ContactForm {
    /// `note`, `delete` or `block`.
    action: String,
    #[serde(default)]
    my_note: String,
}

async fn contact_form(
    State(state): State<AppState>,
    user: PageUser,
    Path((slug, id)): Path<(String, String)>,
    Form(f): Form<ContactForm>,
) -> Result<Redirect, PageError> {
    let d = detail(&state, &slug).await?;
    let c = d.conference.id;
    let other = parse_user(&id)?;
    let m = match f.action.as_str() {
        "note" => {
            let note = parse_note(&f.my_note)?;
            state
                .store
                .set_contact_note(c, user.account.id, other, &note)
                .await?;
            "note"
        }
        "delete" => {
            state
                .store
                .delete_contact(c, user.account.id, other)
                .await?;
            "deleted"
        }
        "block" if other != user.account.id => {
            state
                .store
                .block(c, user.account.id, other, state.clock.now())
                .await?;
            "blocked"
        }
        _ => {
            return Err(PageError::Invalid(
                "action: use note, delete or block".into(),
            ));
        }
    };
    Ok(Redirect::to(&format!("/c/{slug}/contacts?m={m}")))
}

async fn unblock_form(
    State(state): State<AppState>,
    user: PageUser,
    Path((slug, id)): Path<(String, String)>,
) -> Result<Redirect, PageError> {
    let d = detail(&state, &slug).await?;
    let other = parse_user(&id)?;
    state
        .store
        .unblock(d.conference.id, user.account.id, other)
        .await?;
    Ok(Redirect::to(&format!("/c/{slug}/contacts?m=unblocked")))
}

#[derive(Debug)]
struct LedgerView {
    label: &'static str,
    points: u32,
    capped: bool,
    when: String,
}

#[derive(Debug)]
struct RuleView {
    label: &'static str,
    points: u32,
}

#[derive(Debug)]
struct LadderView {
    name: String,
    at: u64,
    here: bool,
}

#[derive(Template, WebTemplate)]
#[template(path = "points.html")]
struct PointsPage {
    conf: ConfHeader,
    points: u64,
    level: String,
    next_level: String,
    next_level_at: u64,
    percent: u64,
    to_go: u64,
    rank: String,
    recent: Vec<LedgerView>,
    rules: Vec<RuleView>,
    ladder: Vec<LadderView>,
    hourly_cap: u32,
    /// Sessions the visitor speaks in (linked by an organizer), for their feedback.
    spoken: Vec<(i64, String)>,
}

async fn points_page(
    State(state): State<AppState>,
    user: PageUser,
    Path(slug): Path<String>,
) -> Result<PointsPage, PageError> {
    let d = detail(&state, &slug).await?;
    let c = d.conference.id;
    let tz = d.conference.info.time_zone;
    let (dto, settings) = points_dto(&state, c, user.account.id, 20).await?;
    let standing = settings.level_of(dto.points);
    let ledger = state.store.ledger(c, user.account.id, 20).await?;
    let spoken_ids = state.store.sessions_spoken_by(c, user.account.id).await?;
    let spoken = if spoken_ids.is_empty() {
        Vec::new()
    } else {
        let (sessions, _) = state.store.program_of(&d).await?;
        spoken_ids
            .iter()
            .filter_map(|id| sessions.iter().find(|s| s.id == *id))
            .map(|s| (s.id.get(), s.info.title.clone()))
            .collect()
    };
    Ok(PointsPage {
        spoken,
        conf: ConfHeader::new(&d.conference),
        points: dto.points,
        percent: standing.percent(dto.points),
        to_go: dto
            .next_level_at
            .map_or(0, |at| at.saturating_sub(dto.points)),
        next_level_at: dto.next_level_at.unwrap_or(0),
        next_level: dto.next_level.clone().unwrap_or_default(),
        level: dto.level.clone(),
        rank: dto.rank.map(|r| format!("#{r}")).unwrap_or_default(),
        recent: ledger
            .into_iter()
            .map(|e| LedgerView {
                label: e.kind.label(),
                points: e.points,
                capped: e.points < e.worth,
                when: when(tz, e.at),
            })
            .collect(),
        rules: ActionKind::ALL
            .into_iter()
            .map(|k| RuleView {
                label: k.label(),
                points: settings.points.of(k),
            })
            .collect(),
        ladder: settings
            .levels
            .iter()
            .map(|l| LadderView {
                name: l.name.clone(),
                at: l.at,
                here: l.name == standing.level,
            })
            .collect(),
        hourly_cap: settings.hourly_cap,
    })
}

#[derive(Template, WebTemplate)]
#[template(path = "leaderboard.html")]
struct LeaderboardPage {
    conf: ConfHeader,
    board: LeaderboardDto,
    message: String,
}

async fn leaderboard_page(
    State(state): State<AppState>,
    user: PageUser,
    Path(slug): Path<String>,
    axum::extract::Query(q): axum::extract::Query<MessageQuery>,
) -> Result<LeaderboardPage, PageError> {
    let d = detail(&state, &slug).await?;
    Ok(LeaderboardPage {
        conf: ConfHeader::new(&d.conference),
        board: leaderboard_dto(&state, d.conference.id, user.account.id).await?,
        message: message_text(q.m.as_deref()),
    })
}

#[derive(Debug, Deserialize)]
struct LeaderboardForm {
    /// `show` or `hide`.
    action: String,
}

async fn leaderboard_form(
    State(state): State<AppState>,
    user: PageUser,
    Path(slug): Path<String>,
    Form(f): Form<LeaderboardForm>,
) -> Result<Redirect, PageError> {
    let d = detail(&state, &slug).await?;
    let c = d.conference.id;
    let card = my_card(&state, c, user.account.id).await?;
    let show = match f.action.as_str() {
        "show" => true,
        "hide" => false,
        _ => return Err(PageError::Invalid("action: use show or hide".into())),
    };
    let update = CardUpdate {
        fields: card.fields,
        sharing: card.sharing,
        exchange: card.exchange,
        leaderboard: show,
    };
    state
        .store
        .update_card(c, user.account.id, &update, state.clock.now())
        .await?;
    let m = if show { "shown" } else { "hidden" };
    Ok(Redirect::to(&format!("/c/{slug}/leaderboard?m={m}")))
}
