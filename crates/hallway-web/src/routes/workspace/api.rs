//! The workspace's JSON API (documented in the OpenAPI document).

use super::organized;
use super::service::{
    AuditDto, ConferenceDto, ConferencePatch, DirectoryBody, DirectoryDto, DraftDto,
    DraftSessionDto, EditRefusal, InvitationDto, InviteBody, MemberDto, NewConference, ReleaseDto,
    RoomBody, RoomDto, SavedSession, SessionBody, SpeakerBody, SpeakerDto, TrackBody, TrackDto,
    create, directory_apply, do_release, drop_member, make_invitation, patch_conference, pending,
    released, remove_session, room_add, room_delete, room_update, save_session, speaker_add,
    speaker_delete, speaker_update, track_add, track_delete, track_update, working_draft,
};
use crate::AppState;
use crate::auth::ApiUser;
use crate::error::ApiError;
use crate::request::{ApiJson, ApiPath};
use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

pub(super) fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(create_conference))
        .routes(routes!(update_conference))
        .routes(routes!(add_room))
        .routes(routes!(update_room, delete_room))
        .routes(routes!(add_track))
        .routes(routes!(update_track, delete_track))
        .routes(routes!(add_speaker))
        .routes(routes!(update_speaker, delete_speaker))
        .routes(routes!(get_draft))
        .routes(routes!(add_session))
        .routes(routes!(update_session, delete_session))
        .routes(routes!(release))
        .routes(routes!(invite))
        .routes(routes!(members))
        .routes(routes!(remove_member))
        .routes(routes!(audit))
        .routes(routes!(set_directory))
}

/// Creates a conference (site admins). It starts unpublished and empty; the creator becomes
/// its organizer.
#[utoipa::path(
    post,
    path = "/api/v1/conferences",
    tag = "organizing",
    request_body = NewConference,
    responses(
        (status = 201, body = ConferenceDto),
        (status = 400, body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 403, body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 409, body = crate::error::Problem, content_type = "application/problem+json")
    )
)]
async fn create_conference(
    State(state): State<AppState>,
    user: ApiUser,
    ApiJson(body): ApiJson<NewConference>,
) -> Result<(StatusCode, Json<ConferenceDto>), ApiError> {
    let detail = create(&state, &user.account, &body).await?;
    Ok((StatusCode::CREATED, Json(ConferenceDto::from(&detail))))
}

/// Changes a conference's details, or publishes or unpublishes it (organizers).
#[utoipa::path(
    patch,
    path = "/api/v1/conferences/{slug}",
    tag = "organizing",
    params(("slug" = String, Path, description = "The conference's slug")),
    request_body = ConferencePatch,
    responses(
        (status = 200, body = ConferenceDto),
        (status = 400, body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 403, body = crate::error::Problem, content_type = "application/problem+json")
    )
)]
async fn update_conference(
    State(state): State<AppState>,
    user: ApiUser,
    Path(slug): Path<String>,
    ApiJson(body): ApiJson<ConferencePatch>,
) -> Result<Json<ConferenceDto>, ApiError> {
    let detail = organized(&state, &user.account, &slug).await?;
    let detail = patch_conference(&state, &user.account, &detail, body).await?;
    Ok(Json(ConferenceDto::from(&detail)))
}

/// Adds a room (organizers).
#[utoipa::path(
    post,
    path = "/api/v1/conferences/{slug}/rooms",
    tag = "organizing",
    params(("slug" = String, Path, description = "The conference's slug")),
    request_body = RoomBody,
    responses(
        (status = 201, body = RoomDto),
        (status = 400, body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 403, body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 409, body = crate::error::Problem, content_type = "application/problem+json")
    )
)]
async fn add_room(
    State(state): State<AppState>,
    user: ApiUser,
    Path(slug): Path<String>,
    ApiJson(body): ApiJson<RoomBody>,
) -> Result<(StatusCode, Json<RoomDto>), ApiError> {
    let detail = organized(&state, &user.account, &slug).await?;
    Ok((
        StatusCode::CREATED,
        Json(room_add(&state, &user.account, &detail, &body).await?),
    ))
}

/// Changes a room (organizers). A new capacity applies at once to its sessions without their
/// own: raising it promotes waiting attendees; lowering it keeps everyone already in.
#[utoipa::path(
    put,
    path = "/api/v1/conferences/{slug}/rooms/{id}",
    tag = "organizing",
    params(("slug" = String, Path, description = "The conference's slug"), ("id" = i64, Path, description = "The room's id")),
    request_body = RoomBody,
    responses(
        (status = 200, body = RoomDto),
        (status = 403, body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 404, body = crate::error::Problem, content_type = "application/problem+json")
    )
)]
async fn update_room(
    State(state): State<AppState>,
    user: ApiUser,
    ApiPath((slug, id)): ApiPath<(String, i64)>,
    ApiJson(body): ApiJson<RoomBody>,
) -> Result<Json<RoomDto>, ApiError> {
    let detail = organized(&state, &user.account, &slug).await?;
    Ok(Json(
        room_update(&state, &user.account, &detail, id, &body).await?,
    ))
}

/// Deletes a room no session uses (organizers).
#[utoipa::path(
    delete,
    path = "/api/v1/conferences/{slug}/rooms/{id}",
    tag = "organizing",
    params(("slug" = String, Path, description = "The conference's slug"), ("id" = i64, Path, description = "The room's id")),
    responses(
        (status = 204),
        (status = 403, body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 409, body = crate::error::Problem, content_type = "application/problem+json")
    )
)]
async fn delete_room(
    State(state): State<AppState>,
    user: ApiUser,
    ApiPath((slug, id)): ApiPath<(String, i64)>,
) -> Result<StatusCode, ApiError> {
    let detail = organized(&state, &user.account, &slug).await?;
    room_delete(&state, &user.account, &detail, id).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Adds a track (organizers).
#[utoipa::path(
    post,
    path = "/api/v1/conferences/{slug}/tracks",
    tag = "organizing",
    params(("slug" = String, Path, description = "The conference's slug")),
    request_body = TrackBody,
    responses(
        (status = 201, body = TrackDto),
        (status = 400, body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 403, body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 409, body = crate::error::Problem, content_type = "application/problem+json")
    )
)]
async fn add_track(
    State(state): State<AppState>,
    user: ApiUser,
    Path(slug): Path<String>,
    ApiJson(body): ApiJson<TrackBody>,
) -> Result<(StatusCode, Json<TrackDto>), ApiError> {
    let detail = organized(&state, &user.account, &slug).await?;
    Ok((
        StatusCode::CREATED,
        Json(track_add(&state, &user.account, &detail, &body).await?),
    ))
}

/// Changes a track (organizers).
#[utoipa::path(
    put,
    path = "/api/v1/conferences/{slug}/tracks/{id}",
    tag = "organizing",
    params(("slug" = String, Path, description = "The conference's slug"), ("id" = i64, Path, description = "The track's id")),
    request_body = TrackBody,
    responses(
        (status = 200, body = TrackDto),
        (status = 403, body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 404, body = crate::error::Problem, content_type = "application/problem+json")
    )
)]
async fn update_track(
    State(state): State<AppState>,
    user: ApiUser,
    ApiPath((slug, id)): ApiPath<(String, i64)>,
    ApiJson(body): ApiJson<TrackBody>,
) -> Result<Json<TrackDto>, ApiError> {
    let detail = organized(&state, &user.account, &slug).await?;
    Ok(Json(
        track_update(&state, &user.account, &detail, id, &body).await?,
    ))
}

/// Deletes a track; its sessions stay, without a track (organizers).
#[utoipa::path(
    delete,
    path = "/api/v1/conferences/{slug}/tracks/{id}",
    tag = "organizing",
    params(("slug" = String, Path, description = "The conference's slug"), ("id" = i64, Path, description = "The track's id")),
    responses((status = 204), (status = 403, body = crate::error::Problem, content_type = "application/problem+json"))
)]
async fn delete_track(
    State(state): State<AppState>,
    user: ApiUser,
    ApiPath((slug, id)): ApiPath<(String, i64)>,
) -> Result<StatusCode, ApiError> {
    let detail = organized(&state, &user.account, &slug).await?;
    track_delete(&state, &user.account, &detail, id).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Adds a speaker (organizers).
#[utoipa::path(
    post,
    path = "/api/v1/conferences/{slug}/speakers",
    tag = "organizing",
    params(("slug" = String, Path, description = "The conference's slug")),
    request_body = SpeakerBody,
    responses(
        (status = 201, body = SpeakerDto),
        (status = 400, body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 403, body = crate::error::Problem, content_type = "application/problem+json")
    )
)]
async fn add_speaker(
    State(state): State<AppState>,
    user: ApiUser,
    Path(slug): Path<String>,
    ApiJson(body): ApiJson<SpeakerBody>,
) -> Result<(StatusCode, Json<SpeakerDto>), ApiError> {
    let detail = organized(&state, &user.account, &slug).await?;
    Ok((
        StatusCode::CREATED,
        Json(speaker_add(&state, &user.account, &detail, &body).await?),
    ))
}

/// Changes a speaker (organizers).
#[utoipa::path(
    put,
    path = "/api/v1/conferences/{slug}/speakers/{id}",
    tag = "organizing",
    params(("slug" = String, Path, description = "The conference's slug"), ("id" = i64, Path, description = "The speaker's id")),
    request_body = SpeakerBody,
    responses((status = 200, body = SpeakerDto), (status = 403, body = crate::error::Problem, content_type = "application/problem+json"), (status = 404, body = crate::error::Problem, content_type = "application/problem+json"))
)]
async fn update_speaker(
    State(state): State<AppState>,
    user: ApiUser,
    ApiPath((slug, id)): ApiPath<(String, i64)>,
    ApiJson(body): ApiJson<SpeakerBody>,
) -> Result<Json<SpeakerDto>, ApiError> {
    let detail = organized(&state, &user.account, &slug).await?;
    Ok(Json(
        speaker_update(&state, &user.account, &detail, id, &body).await?,
    ))
}

/// Deletes a speaker; their sessions stay (organizers).
#[utoipa::path(
    delete,
    path = "/api/v1/conferences/{slug}/speakers/{id}",
    tag = "organizing",
    params(("slug" = String, Path, description = "The conference's slug"), ("id" = i64, Path, description = "The speaker's id")),
    responses((status = 204), (status = 403, body = crate::error::Problem, content_type = "application/problem+json"))
)]
async fn delete_speaker(
    State(state): State<AppState>,
    user: ApiUser,
    ApiPath((slug, id)): ApiPath<(String, i64)>,
) -> Result<StatusCode, ApiError> {
    let detail = organized(&state, &user.account, &slug).await?;
    speaker_delete(&state, &user.account, &detail, id).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// The draft of the next release (organizers).
#[utoipa::path(
    get,
    path = "/api/v1/conferences/{slug}/draft",
    tag = "organizing",
    params(("slug" = String, Path, description = "The conference's slug")),
    responses((status = 200, body = DraftDto), (status = 403, body = crate::error::Problem, content_type = "application/problem+json"))
)]
async fn get_draft(
    State(state): State<AppState>,
    user: ApiUser,
    Path(slug): Path<String>,
) -> Result<Json<DraftDto>, ApiError> {
    let detail = organized(&state, &user.account, &slug).await?;
    let (draft, revision) = working_draft(&state, &detail).await?;
    let program = released(&state, &detail).await?;
    Ok(Json(DraftDto {
        revision,
        pending: pending(&draft, &program),
        sessions: draft
            .sorted()
            .into_iter()
            .map(DraftSessionDto::from)
            .collect(),
    }))
}

/// Adds a session to the draft (organizers). Refused with 409 `room-conflict` when its room
/// is taken at that time (the `conflicts` name the sessions), or `outside-days`; a speaker
/// in two places at once and a capacity below the seats reserved come back as warnings.
#[utoipa::path(
    post,
    path = "/api/v1/conferences/{slug}/sessions",
    tag = "organizing",
    params(("slug" = String, Path, description = "The conference's slug")),
    request_body = SessionBody,
    responses(
        (status = 201, body = SavedSession),
        (status = 400, body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 403, body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 409, body = crate::error::Problem, content_type = "application/problem+json", description = "room-conflict or outside-days")
    )
)]
async fn add_session(
    State(state): State<AppState>,
    user: ApiUser,
    Path(slug): Path<String>,
    ApiJson(body): ApiJson<SessionBody>,
) -> Result<(StatusCode, Json<SavedSession>), EditRefusal> {
    let detail = organized(&state, &user.account, &slug).await?;
    let (session, warnings) =
        save_session(&state, &user.account, &detail, None, &body, false).await?;
    Ok((
        StatusCode::CREATED,
        Json(SavedSession {
            session: DraftSessionDto::from(&session),
            warnings,
        }),
    ))
}

/// Changes a session in the draft: move it (time, room), retitle it, change its speakers or
/// seats (organizers). Same refusals and warnings as adding one.
#[utoipa::path(
    patch,
    path = "/api/v1/conferences/{slug}/sessions/{id}",
    tag = "organizing",
    params(("slug" = String, Path, description = "The conference's slug"), ("id" = i64, Path, description = "The session's id in the draft")),
    request_body = SessionBody,
    responses(
        (status = 200, body = SavedSession),
        (status = 403, body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 404, body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 409, body = crate::error::Problem, content_type = "application/problem+json")
    )
)]
async fn update_session(
    State(state): State<AppState>,
    user: ApiUser,
    ApiPath((slug, id)): ApiPath<(String, i64)>,
    ApiJson(body): ApiJson<SessionBody>,
) -> Result<Json<SavedSession>, EditRefusal> {
    let detail = organized(&state, &user.account, &slug).await?;
    let (session, warnings) =
        save_session(&state, &user.account, &detail, Some(id), &body, false).await?;
    Ok(Json(SavedSession {
        session: DraftSessionDto::from(&session),
        warnings,
    }))
}

/// Cancels a session in the draft (organizers): the next release takes it off the program
/// and tells its attendees.
#[utoipa::path(
    delete,
    path = "/api/v1/conferences/{slug}/sessions/{id}",
    tag = "organizing",
    params(("slug" = String, Path, description = "The conference's slug"), ("id" = i64, Path, description = "The session's id in the draft")),
    responses((status = 204), (status = 403, body = crate::error::Problem, content_type = "application/problem+json"), (status = 404, body = crate::error::Problem, content_type = "application/problem+json"))
)]
async fn delete_session(
    State(state): State<AppState>,
    user: ApiUser,
    ApiPath((slug, id)): ApiPath<(String, i64)>,
) -> Result<StatusCode, ApiError> {
    let detail = organized(&state, &user.account, &slug).await?;
    remove_session(&state, &user.account, &detail, id).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Releases the draft as the next schedule version (organizers): the public program becomes
/// the draft; attendees whose reserved sessions moved, changed room or were cancelled are
/// told once; freed seats go to the waitlist.
#[utoipa::path(
    post,
    path = "/api/v1/conferences/{slug}/releases",
    tag = "organizing",
    params(("slug" = String, Path, description = "The conference's slug")),
    responses(
        (status = 201, body = ReleaseDto),
        (status = 403, body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 409, body = crate::error::Problem, content_type = "application/problem+json")
    )
)]
async fn release(
    State(state): State<AppState>,
    user: ApiUser,
    Path(slug): Path<String>,
) -> Result<(StatusCode, Json<ReleaseDto>), ApiError> {
    let detail = organized(&state, &user.account, &slug).await?;
    Ok((
        StatusCode::CREATED,
        Json(do_release(&state, &user.account, &detail).await?),
    ))
}

/// Invites someone to the team (organizers). The answer holds the sign-in link to pass on.
#[utoipa::path(
    post,
    path = "/api/v1/conferences/{slug}/invitations",
    tag = "organizing",
    params(("slug" = String, Path, description = "The conference's slug")),
    request_body = InviteBody,
    responses((status = 201, body = InvitationDto), (status = 400, body = crate::error::Problem, content_type = "application/problem+json"), (status = 403, body = crate::error::Problem, content_type = "application/problem+json"))
)]
async fn invite(
    State(state): State<AppState>,
    user: ApiUser,
    Path(slug): Path<String>,
    ApiJson(body): ApiJson<InviteBody>,
) -> Result<(StatusCode, Json<InvitationDto>), ApiError> {
    let detail = organized(&state, &user.account, &slug).await?;
    Ok((
        StatusCode::CREATED,
        Json(make_invitation(&state, &user.account, &detail, &body).await?),
    ))
}

/// The team: organizers, volunteers and speakers (organizers).
#[utoipa::path(
    get,
    path = "/api/v1/conferences/{slug}/members",
    tag = "organizing",
    params(("slug" = String, Path, description = "The conference's slug")),
    responses((status = 200, body = Vec<MemberDto>), (status = 403, body = crate::error::Problem, content_type = "application/problem+json"))
)]
async fn members(
    State(state): State<AppState>,
    user: ApiUser,
    Path(slug): Path<String>,
) -> Result<Json<Vec<MemberDto>>, ApiError> {
    let detail = organized(&state, &user.account, &slug).await?;
    Ok(Json(
        state
            .store
            .members(detail.conference.id)
            .await?
            .into_iter()
            .map(|m| MemberDto {
                user_id: m.user.get(),
                email: m.email,
                name: m.name,
                role: m.role.as_str().to_owned(),
            })
            .collect(),
    ))
}

/// Takes a role away from a team member (organizers; not from yourself as organizer).
#[utoipa::path(
    delete,
    path = "/api/v1/conferences/{slug}/members/{user_id}/{role}",
    tag = "organizing",
    params(("slug" = String, Path, description = "The conference's slug"), ("user_id" = i64, Path, description = "The account"), ("role" = String, Path, description = "organizer, volunteer or speaker")),
    responses((status = 204), (status = 403, body = crate::error::Problem, content_type = "application/problem+json"), (status = 404, body = crate::error::Problem, content_type = "application/problem+json"))
)]
async fn remove_member(
    State(state): State<AppState>,
    user: ApiUser,
    ApiPath((slug, member, role)): ApiPath<(String, i64, String)>,
) -> Result<StatusCode, ApiError> {
    let detail = organized(&state, &user.account, &slug).await?;
    drop_member(&state, &user.account, &detail, member, &role).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// The audit log: every organizer action, newest first (organizers).
#[utoipa::path(
    get,
    path = "/api/v1/conferences/{slug}/audit",
    tag = "organizing",
    params(("slug" = String, Path, description = "The conference's slug")),
    responses((status = 200, body = Vec<AuditDto>), (status = 403, body = crate::error::Problem, content_type = "application/problem+json"))
)]
async fn audit(
    State(state): State<AppState>,
    user: ApiUser,
    Path(slug): Path<String>,
) -> Result<Json<Vec<AuditDto>>, ApiError> {
    let detail = organized(&state, &user.account, &slug).await?;
    Ok(Json(
        state
            .store
            .audit_log(detail.conference.id, 500)
            .await?
            .into_iter()
            .map(|e| AuditDto {
                actor: e.actor,
                action: e.action,
                detail: e.detail,
                at: e.at,
            })
            .collect(),
    ))
}

/// Links the conference to its directory entry, creates one, or unlinks it (organizers).
#[utoipa::path(
    put,
    path = "/api/v1/conferences/{slug}/directory",
    tag = "organizing",
    params(("slug" = String, Path, description = "The conference's slug")),
    request_body = DirectoryBody,
    responses((status = 200, body = DirectoryDto), (status = 400, body = crate::error::Problem, content_type = "application/problem+json"), (status = 403, body = crate::error::Problem, content_type = "application/problem+json"))
)]
async fn set_directory(
    State(state): State<AppState>,
    user: ApiUser,
    Path(slug): Path<String>,
    ApiJson(body): ApiJson<DirectoryBody>,
) -> Result<Json<DirectoryDto>, ApiError> {
    let detail = organized(&state, &user.account, &slug).await?;
    Ok(Json(
        directory_apply(&state, &user.account, &detail, &body).await?,
    ))
}
