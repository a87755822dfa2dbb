//! Importing a schedule and releasing the workspace draft: both store a program as the
//! conference's next schedule version, and both do it the same way whoever asks (the web
//! upload, the command line, the release button). One transaction merges the program, tells
//! the attendees of moved and removed sessions, writes the audit line, makes the creator of
//! a new conference its organizer, drops a released draft and writes the events (the
//! `released` event for everybody and one `session_changed` per attendee told).

use std::collections::HashMap;

use hallway_domain::Program;
use hallway_domain::Slug;
use hallway_domain::editor::Draft;
use hallway_store::{Account, ImportBy, ImportHow, ImportReport};

use crate::{AppError, Context, Organizer};

/// Who stores a schedule, with the permission that lets them.
#[derive(Clone, Debug)]
pub enum Importer {
    /// An organizer of the conference (updates it).
    Organizer(Organizer),
    /// A site admin importing a conference that does not exist yet (creates it and becomes
    /// its organizer).
    Admin(Account),
    /// The server's operator at the command line (`hallway import`): whoever can run the
    /// binary against the database may change any conference.
    Operator,
}

impl Importer {
    /// The importer `account` is for the conference `slug`: its organizer if it exists, a
    /// site admin if it does not; refused otherwise.
    pub async fn prove(ctx: Context<'_>, account: Account, slug: &Slug) -> Result<Self, AppError> {
        match ctx.store.conference(slug).await? {
            Some(d) => Ok(Self::Organizer(
                Organizer::prove(ctx.store, account, d.conference.id)
                    .await
                    .map_err(|_| {
                        AppError::Denied(
                            "only this conference's organizers may import its schedule".into(),
                        )
                    })?,
            )),
            None if account.is_admin => Ok(Self::Admin(account)),
            None => Err(AppError::Denied(
                "only site admins may create a conference by import".into(),
            )),
        }
    }

    fn by(&self, action: &str) -> ImportBy {
        let (user, actor) = match self {
            Self::Organizer(o) => (Some(o.account().id), o.account().email.to_string()),
            Self::Admin(a) => (Some(a.id), a.email.to_string()),
            Self::Operator => (None, "hallway import (command line)".to_owned()),
        };
        ImportBy {
            user,
            actor,
            action: action.to_owned(),
        }
    }
}

/// A schedule to store.
#[derive(Clone, Copy, Debug)]
pub struct Import<'a> {
    /// The program read from the file.
    pub program: &'a Program,
    /// The file's own version string (may be empty).
    pub label: &'a str,
    /// Where it came from, as the version list and the audit log show it
    /// ("import of schedule.xml").
    pub source: &'a str,
    /// Report what would change; store nothing.
    pub dry_run: bool,
    /// Whether the file states session capacities (see [`ImportHow`]).
    pub states_session_capacities: bool,
    /// When the import creates the conference: show it to the public at once. Otherwise a
    /// new conference starts unpublished, like one made in the editor, until its
    /// organizers publish it.
    pub publish: bool,
}

/// Stores `cmd` as the next schedule version of its conference (or reports what it would
/// change, `dry_run`).
#[tracing::instrument(name = "import", skip_all, fields(conference = %cmd.program.conference().slug, dry_run = cmd.dry_run))]
pub async fn import(
    ctx: Context<'_>,
    who: &Importer,
    cmd: Import<'_>,
) -> Result<ImportReport, AppError> {
    if let Importer::Organizer(o) = who {
        // The proof was for one conference; the file must be about that one.
        let id = ctx
            .store
            .conference(&cmd.program.conference().slug)
            .await?
            .map(|d| d.conference.id);
        if id != Some(o.conference()) {
            return Err(AppError::Denied(
                "this file is about another conference than the one you organize".into(),
            ));
        }
    }
    let how = ImportHow {
        dry_run: cmd.dry_run,
        states_session_capacities: cmd.states_session_capacities,
        by: Some(who.by("imported the schedule")),
        organizer_if_created: matches!(who, Importer::Admin(_)),
        drop_draft: false,
        unpublished: !cmd.publish,
        draft_ids: HashMap::new(),
    };
    let report = ctx
        .store
        .import_program(cmd.program, cmd.label, cmd.source, ctx.now, how)
        .await?;
    Ok(report)
}

/// Releases `program` (`draft` applied to the released program) as the next schedule
/// version, dropping the draft in the same transaction. Sessions made in the draft keep the
/// ids the draft gave them.
#[tracing::instrument(name = "release", skip_all, fields(conference = who.conference().get()))]
pub async fn release(
    ctx: Context<'_>,
    who: &Organizer,
    draft: &Draft,
    program: &Program,
) -> Result<ImportReport, AppError> {
    let importer = Importer::Organizer(who.clone());
    let how = ImportHow {
        dry_run: false,
        states_session_capacities: true,
        by: Some(importer.by("released a schedule version")),
        organizer_if_created: false,
        drop_draft: true,
        unpublished: false,
        draft_ids: draft.sessions.iter().map(|s| (s.guid, s.id)).collect(),
    };
    let source = format!("release by {}", who.account().email);
    Ok(ctx
        .store
        .import_program(program, "", &source, ctx.now, how)
        .await?)
}
