//! The pages and forms of this feature.

use super::{
    BlockedDto, CardDto, LeaderboardDto, card_dto, fresh_secrets, leaderboard_dto, my_card,
    parse_note, parse_user, points_dto, qr_svg_of, qr_url,
};
use crate::AppState;
use crate::auth::PageUser;
use crate::error::PageError;
use crate::request::PageForm;
use crate::request::detail;
use crate::view::ConfHeader;
use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use chrono::{DateTime, Utc};
use hallway_domain::networking::{CardFields, Sharing, ShortCode};
use hallway_domain::points::ActionKind;
use hallway_formats::contacts::ContactCard;
use hallway_store::{CardUpdate, Contact, ExchangeOutcome, Target};
use serde::Deserialize;
use utoipa_axum::router::OpenApiRouter;

pub(super) fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
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
    PageForm(f): PageForm<CardForm>,
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
    hallway_app::networking::update_card(
        state.context(),
        &hallway_app::Attendee::new(user.account.clone(), d.conference.id),
        &update,
    )
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
    hallway_app::networking::rotate_card(
        state.context(),
        &hallway_app::Attendee::new(user.account.clone(), d.conference.id),
        &fresh_secrets(),
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
    let who = hallway_app::Attendee::new(user.account.clone(), d.conference.id);
    let outcome =
        hallway_app::networking::exchange(state.context(), &who, &Target::Token(token.clone()))
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
    PageForm(f): PageForm<CodeForm>,
) -> Result<Response, PageError> {
    let d = detail(&state, &slug).await?;
    let code = ShortCode::parse(&f.code).map_err(|e| PageError::Invalid(e.to_string()))?;
    if let Some(wait) = state.guesses.blocked(user.account.id) {
        return Err(PageError::Invalid(format!(
            "Too many unknown badge codes; try again in {wait} s."
        )));
    }
    let who = hallway_app::Attendee::new(user.account.clone(), d.conference.id);
    let outcome =
        hallway_app::networking::exchange(state.context(), &who, &Target::Code(code)).await?;
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
    PageForm(f): PageForm<ContactForm>,
) -> Result<Redirect, PageError> {
    let d = detail(&state, &slug).await?;
    let c = d.conference.id;
    let other = parse_user(&id)?;
    let m = match f.action.as_str() {
        "note" => {
            let note = parse_note(&f.my_note)?;
            hallway_app::networking::set_contact_note(
                state.context(),
                &hallway_app::Attendee::new(user.account.clone(), c),
                other,
                &note,
            )
            .await?;
            "note"
        }
        "delete" => {
            hallway_app::networking::delete_contact(
                state.context(),
                &hallway_app::Attendee::new(user.account.clone(), c),
                other,
            )
            .await?;
            "deleted"
        }
        "block" if other != user.account.id => {
            hallway_app::networking::block(
                state.context(),
                &hallway_app::Attendee::new(user.account.clone(), c),
                other,
            )
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
    hallway_app::networking::unblock(
        state.context(),
        &hallway_app::Attendee::new(user.account.clone(), d.conference.id),
        other,
    )
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
    PageForm(f): PageForm<LeaderboardForm>,
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
    hallway_app::networking::update_card(
        state.context(),
        &hallway_app::Attendee::new(user.account.clone(), c),
        &update,
    )
    .await?;
    let m = if show { "shown" } else { "hidden" };
    Ok(Redirect::to(&format!("/c/{slug}/leaderboard?m={m}")))
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
