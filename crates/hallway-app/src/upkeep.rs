//! What the server does on its own, on a timer, rather than for a person: send reminders
//! that are due, return the machines of labs that ended, forget delivered events. Each step
//! is one transaction that writes its events (a reminder is an event of the outbox), so
//! several instances may run it at once without doing anything twice.

use chrono::TimeDelta;

use crate::{AppError, Context};

/// Claims the reminders that are due on `channel` ("live": the attendee's open pages);
/// each is claimed once, by one instance, and becomes an event for its attendee. Answers
/// how many.
#[tracing::instrument(name = "send_due_reminders", skip_all)]
pub async fn send_due_reminders(ctx: Context<'_>, channel: &str) -> Result<usize, AppError> {
    Ok(ctx.store.claim_due_reminders(ctx.now, channel).await?.len())
}

/// Returns the machines of every lab that has ended to their pools (invariant 6 holds even
/// when nobody looks); answers how many came back.
#[tracing::instrument(name = "return_ended_labs", skip_all)]
pub async fn return_ended_labs(ctx: Context<'_>) -> Result<u64, AppError> {
    Ok(ctx.store.return_all_ended_labs(ctx.now).await?)
}

/// Deletes the events older than `keep` (a reconnecting stream asks for no older ones);
/// answers how many.
#[tracing::instrument(name = "prune_events", skip_all)]
pub async fn prune_events(ctx: Context<'_>, keep: TimeDelta) -> Result<u64, AppError> {
    Ok(ctx.store.prune_events(ctx.now - keep).await?)
}

/// Writes when API tokens were last used (noted in memory by each request), in one
/// transaction; answers how many tokens.
#[tracing::instrument(name = "record_token_uses", skip_all)]
pub async fn record_token_uses(ctx: Context<'_>) -> Result<usize, AppError> {
    Ok(ctx.store.flush_token_uses().await?)
}
