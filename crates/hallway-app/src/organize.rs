//! Organizer actions that are not about seats: the audit line every one of them leaves.

use crate::{AppError, Context, Organizer};

/// Writes an organizer action to the conference's audit log on its own (a change that has
/// a transaction of its own writes its audit line in it instead).
pub async fn record(
    ctx: Context<'_>,
    who: &Organizer,
    action: &str,
    what: &str,
) -> Result<(), AppError> {
    let a = who.account();
    ctx.store
        .record(who.conference(), a.id, &a.email, action, what, ctx.now)
        .await?;
    Ok(())
}
