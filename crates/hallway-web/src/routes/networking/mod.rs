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

mod api;
mod pages;

use utoipa_axum::router::OpenApiRouter;

use crate::AppState;
use crate::error::ApiError;
use axum::http::HeaderMap;
use hallway_domain::networking::Sharing;
use hallway_domain::points::PointsSettings;
use hallway_domain::{ConferenceId, UserId};
use hallway_store::{Card, CardSecrets};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

pub fn router() -> OpenApiRouter<AppState> {
    api::router().merge(pages::router())
}

fn fresh_secrets() -> CardSecrets {
    crate::auth::new_card_secrets()
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

fn parse_user(raw: &str) -> Result<UserId, ApiError> {
    raw.parse::<i64>()
        .map(UserId::new)
        .map_err(|_| ApiError::NotFound(format!("There is no contact {raw:?}.")))
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

const LEADERBOARD_SIZE: u32 = 50;
