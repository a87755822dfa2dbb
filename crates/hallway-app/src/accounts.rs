//! Accounts: a sign-up, which anyone may do (the web layer hashes the password and makes
//! the secrets; their hashes are stored).

use hallway_store::{Account, NewAccount};

use crate::{AppError, Context};

/// Creates the account with its first log-in session, API token and calendar key, in one
/// transaction; refused (a store conflict) when the address has an account with a
/// password. An account made without one (an imported attendee) is claimed.
#[tracing::instrument(name = "sign_up", skip_all)]
pub async fn sign_up(ctx: Context<'_>, new: &NewAccount<'_>) -> Result<Account, AppError> {
    Ok(ctx.store.sign_up(new, ctx.now).await?)
}
