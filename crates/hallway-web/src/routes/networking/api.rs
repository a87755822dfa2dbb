//! The JSON API of this feature (documented in the OpenAPI document).

use super::{
    BlockedDto, CardDto, LeaderboardDto, PointsDto, ShareDto, card_dto, fresh_secrets,
    leaderboard_dto, my_card, parse_note, parse_user, points_dto,
};
use crate::AppState;
use crate::auth::ApiUser;
use crate::error::{ApiError, problem};
use axum::Json;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use hallway_domain::ConferenceId;
use hallway_domain::networking::{CardFields, NetworkingError, Sharing, ShortCode};
use hallway_domain::points::{ActionPoints, Level, PointsSettings};
use hallway_store::{Card, CardUpdate, Contact, ExchangeOutcome, Target};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

pub(super) fn router() -> OpenApiRouter<AppState> {
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
}

fn invalid(e: &NetworkingError) -> ApiError {
    ApiError::Invalid {
        field: e.field(),
        message: e.message(),
    }
}

// ---------------------------------------------------------------------------------------
// DTOs

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
    Ok(crate::request::published_id(state, slug).await?)
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
    let body: CardBody = crate::request::parse_json(&body)?;
    let card = my_card(&state, c, user.account.id).await?;
    let update = apply(&card, body)?;
    let card = hallway_app::networking::update_card(
        state.context(),
        &hallway_app::Attendee::new(user.account.clone(), c),
        &update,
    )
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
    let card = hallway_app::networking::rotate_card(
        state.context(),
        &hallway_app::Attendee::new(user.account.clone(), c),
        &fresh_secrets(),
    )
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
    let body: ExchangeBody = crate::request::parse_json(&body)?;
    let code = ShortCode::parse(&body.code).map_err(|e| invalid(&e))?;
    if let Some(wait) = state.guesses.blocked(user.account.id) {
        return Ok(too_many_codes(wait));
    }
    let who = hallway_app::Attendee::new(user.account.clone(), c);
    let outcome =
        hallway_app::networking::exchange(state.context(), &who, &Target::Code(code)).await?;
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
    let body: NoteBody = crate::request::parse_json(&body)?;
    let note = parse_note(&body.my_note)?;
    let not_found = || ApiError::NotFound(format!("{id} is not in your contacts."));
    if !hallway_app::networking::set_contact_note(
        state.context(),
        &hallway_app::Attendee::new(user.account.clone(), c),
        other,
        &note,
    )
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
    if hallway_app::networking::delete_contact(
        state.context(),
        &hallway_app::Attendee::new(user.account.clone(), c),
        other,
    )
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
    responses((status = 204, description = "Blocked"), (status = 400, description = "`invalid`: yourself", body = crate::error::Problem, content_type = "application/problem+json"), (status = 404, description = "There is no such person", body = crate::error::Problem, content_type = "application/problem+json")))]

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
    hallway_app::networking::block(
        state.context(),
        &hallway_app::Attendee::new(user.account.clone(), c),
        other,
    )
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
    if hallway_app::networking::unblock(
        state.context(),
        &hallway_app::Attendee::new(user.account.clone(), c),
        other,
    )
    .await?
    {
        Ok(StatusCode::NO_CONTENT)
    } else {
        Err(ApiError::NotFound(format!("You have not blocked {id}.")))
    }
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
    let c = crate::request::organizer_conference(&state, &slug, &user.account)
        .await?
        .conference();
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
    let who = crate::request::organizer_conference(&state, &slug, &user.account).await?;
    let b: PointsSettingsDto = crate::request::parse_json(&body)?;
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
    hallway_app::networking::set_points_settings(state.context(), &who, &settings).await?;
    Ok(Json(settings.into()))
}

// ---------------------------------------------------------------------------------------
// Exports
