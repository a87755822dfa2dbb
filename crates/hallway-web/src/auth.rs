//! Who is asking: log-in sessions (cookie) and API tokens (bearer), and the rate limits of
//! log-ins and sign-ups (password hashing is in `passwords`).
//!
//! Secrets are random 256-bit tokens, base64url; the database keeps only their SHA-256, so a
//! copy of the database does not let anyone in.

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderValue, header};
use axum::response::{IntoResponse, Redirect, Response};
use base64::Engine as _;
use hallway_store::Account;
use sha2::{Digest, Sha256};

use crate::AppState;
use crate::error::ApiError;

/// The cookie that carries a log-in session.
pub const SESSION_COOKIE: &str = "hallway_session";

/// How long a log-in lasts.
pub const LOGIN_DAYS: i64 = 30;

/// A new random secret (32 bytes, base64url without padding).
pub fn new_token() -> String {
    let mut bytes = [0u8; 32];
    getrandom::fill(&mut bytes).expect("the operating system's random source works");
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
}

/// New secrets for a contact card: a 256-bit token for the badge's QR URL and an
/// 8-character code to type.
pub fn new_card_secrets() -> hallway_store::CardSecrets {
    let mut bytes = [0u8; hallway_domain::networking::CODE_LEN];
    getrandom::fill(&mut bytes).expect("the operating system's random source works");
    hallway_store::CardSecrets {
        token: new_token(),
        code: hallway_domain::networking::ShortCode::from_random(&bytes),
    }
}

/// The SHA-256 of a token, hex: what the database stores.
pub fn digest(token: &str) -> String {
    Sha256::digest(token.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

pub use crate::passwords::HashCost;

/// A fixed-window counter per key.
#[derive(Debug)]
struct Windows<K> {
    limit: u32,
    window: Duration,
    hits: Mutex<HashMap<K, (Instant, u32)>>,
}

impl<K: std::hash::Hash + Eq + Clone> Windows<K> {
    fn new(limit: u32, window: Duration) -> Self {
        Self {
            limit,
            window,
            hits: Mutex::new(HashMap::new()),
        }
    }

    /// Seconds to wait when `key` is over its limit.
    fn blocked(&self, key: &K) -> Option<u64> {
        let hits = self.hits.lock().unwrap_or_else(|e| e.into_inner());
        hits.get(key).and_then(|(start, n)| {
            let elapsed = start.elapsed();
            (elapsed < self.window && *n >= self.limit)
                .then(|| (self.window - elapsed).as_secs().max(1))
        })
    }

    fn record(&self, key: &K) {
        let mut hits = self.hits.lock().unwrap_or_else(|e| e.into_inner());
        if hits.len() > 100_000 {
            let window = self.window;
            hits.retain(|_, (start, _)| start.elapsed() < window);
        }
        let entry = hits.entry(key.clone()).or_insert((Instant::now(), 0));
        if entry.0.elapsed() >= self.window {
            *entry = (Instant::now(), 0);
        }
        entry.1 += 1;
    }
}

/// How failed log-ins of one account from one address slow that pair down: five cost
/// nothing, then each attempt waits 30 seconds after the latest failure, doubling up to 15
/// minutes; failures are remembered for 15 minutes from the first. Counted in the database,
/// so it holds across instances; another address (the owner's phone) is not slowed.
pub const LOG_IN_SLOWDOWN: hallway_app::accounts::Slowdown = hallway_app::accounts::Slowdown {
    free: 5,
    first_delay: chrono::TimeDelta::seconds(30),
    longest: chrono::TimeDelta::minutes(15),
    window: chrono::TimeDelta::minutes(15),
};

/// Log-in rate limits per client address, generous because thousands of attendees at a
/// venue share one NAT address (default 6,000 per minute; `HALLWAY_LOGIN_PER_IP_PER_MINUTE`).
/// They are counted per instance; failures of one account from one address
/// ([`LOG_IN_SLOWDOWN`]) are counted in the database, so that holds across instances.
/// Sign-ups are limited per address the same way (default 600 per minute;
/// `HALLWAY_SIGNUPS_PER_IP_PER_MINUTE`): each one costs a password hash.
#[derive(Debug)]
pub struct LoginLimits {
    ips: Windows<IpAddr>,
    signups: Windows<IpAddr>,
}

impl LoginLimits {
    /// Limits with `per_ip_per_minute` log-in attempts and `signups_per_ip_per_minute`
    /// sign-ups per address.
    pub fn new(per_ip_per_minute: u32, signups_per_ip_per_minute: u32) -> Self {
        let minute = Duration::from_secs(60);
        Self {
            ips: Windows::new(per_ip_per_minute.max(1), minute),
            signups: Windows::new(signups_per_ip_per_minute.max(1), minute),
        }
    }

    /// Seconds to wait before trying to log in again from `ip`, if its limit is reached;
    /// otherwise counts the attempt.
    pub fn check(&self, ip: Option<IpAddr>) -> Option<u64> {
        Self::count(&self.ips, ip)
    }

    /// Seconds to wait before signing up again from `ip`, if its limit is reached;
    /// otherwise counts the sign-up.
    pub fn check_signup(&self, ip: Option<IpAddr>) -> Option<u64> {
        Self::count(&self.signups, ip)
    }

    fn count(windows: &Windows<IpAddr>, ip: Option<IpAddr>) -> Option<u64> {
        let ip = ip?;
        if let Some(wait) = windows.blocked(&ip) {
            return Some(wait);
        }
        windows.record(&ip);
        None
    }
}

/// Unknown badge codes one person may type in [`GUESS_WINDOW`] before being made to wait:
/// codes are short enough to type, so guessing them must not be free (counted per instance).
pub const CODE_GUESSES: u32 = 20;

/// The window of [`CODE_GUESSES`].
pub const GUESS_WINDOW: Duration = Duration::from_secs(10 * 60);

/// Counts unknown badge codes per person.
#[derive(Debug)]
pub struct CodeGuesses {
    users: Windows<i64>,
}

impl Default for CodeGuesses {
    fn default() -> Self {
        Self {
            users: Windows::new(CODE_GUESSES, GUESS_WINDOW),
        }
    }
}

impl CodeGuesses {
    /// Seconds `user` must wait before typing another code, if they typed too many unknown
    /// ones lately.
    pub fn blocked(&self, user: hallway_domain::UserId) -> Option<u64> {
        self.users.blocked(&user.get())
    }

    /// Counts an unknown code typed by `user`.
    pub fn record(&self, user: hallway_domain::UserId) {
        self.users.record(&user.get());
    }
}

/// The value of cookie `name` in the request's headers.
pub fn cookie<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v)
}

/// Whether the client reached us over https (directly or through a proxy that says so).
fn is_https(headers: &HeaderMap) -> bool {
    headers
        .get("x-forwarded-proto")
        .is_some_and(|v| v.as_bytes().eq_ignore_ascii_case(b"https"))
}

/// `Set-Cookie` for a log-in session: HttpOnly, SameSite=Lax, Secure over https.
pub fn session_cookie(token: &str, request: &HeaderMap) -> HeaderValue {
    let secure = if is_https(request) { "; Secure" } else { "" };
    let max_age = LOGIN_DAYS * 24 * 3600;
    HeaderValue::from_str(&format!(
        "{SESSION_COOKIE}={token}; Path=/; HttpOnly; SameSite=Lax; Max-Age={max_age}{secure}"
    ))
    .unwrap_or_else(|_| HeaderValue::from_static(""))
}

/// `Set-Cookie` that removes the log-in session.
pub fn clear_session_cookie() -> HeaderValue {
    HeaderValue::from_static("hallway_session=; Path=/; HttpOnly; SameSite=Lax; Max-Age=0")
}

/// The client's address: the socket's peer, or, when that peer is one of the configured
/// trusted proxies (`--trusted-proxy`), the nearest address in `X-Forwarded-For` that is
/// not a trusted proxy itself. (`None` in tests without a socket.) Behind nginx without
/// `--trusted-proxy`, every client would share the proxy's address.
#[derive(Clone, Copy, Debug)]
pub struct ClientIp(pub Option<IpAddr>);

/// The client behind `peer` given the request's `X-Forwarded-For` and the proxies trusted.
pub fn client_address(peer: IpAddr, headers: &HeaderMap, trusted: &[IpAddr]) -> IpAddr {
    if !trusted.contains(&peer) {
        return peer;
    }
    let hops: Vec<IpAddr> = headers
        .get_all("x-forwarded-for")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .filter_map(|h| h.trim().parse().ok())
        .collect();
    hops.into_iter()
        .rev()
        .find(|h| !trusted.contains(h))
        .unwrap_or(peer)
}

impl FromRequestParts<AppState> for ClientIp {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        Ok(Self(
            parts
                .extensions
                .get::<axum::extract::ConnectInfo<std::net::SocketAddr>>()
                .map(|c| client_address(c.0.ip(), &parts.headers, state.trusted_proxies())),
        ))
    }
}

/// How the request authenticated.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Credential {
    /// A bearer token (its digest).
    Token(String),
    /// A log-in session cookie (its digest).
    Session(String),
}

/// The account behind the request, if any.
async fn identify(
    parts: &Parts,
    state: &AppState,
) -> Result<Option<(Account, Credential)>, ApiError> {
    if let Some(value) = parts.headers.get(header::AUTHORIZATION) {
        let token = value
            .to_str()
            .ok()
            .and_then(|v| v.strip_prefix("Bearer "))
            .map(str::trim)
            .ok_or(ApiError::Unauthorized("use Authorization: Bearer <token>"))?;
        let d = digest(token);
        return match state
            .store
            .account_by_api_token(&d, state.clock.now())
            .await?
        {
            Some(a) => Ok(Some((a, Credential::Token(d)))),
            None => Err(ApiError::Unauthorized(
                "the token is unknown, revoked or expired",
            )),
        };
    }
    if let Some(token) = cookie(&parts.headers, SESSION_COOKIE) {
        let d = digest(token);
        if let Some(a) = state.store.account_by_login(&d, state.clock.now()).await? {
            return Ok(Some((a, Credential::Session(d))));
        }
    }
    Ok(None)
}

/// An authenticated API caller; without credentials the route answers 401 problem+json.
#[derive(Clone, Debug)]
pub struct ApiUser {
    /// The account.
    pub account: Account,
    /// How it authenticated.
    pub credential: Credential,
}

impl FromRequestParts<AppState> for ApiUser {
    type Rejection = ApiError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        match identify(parts, state).await? {
            Some((account, credential)) => Ok(Self {
                account,
                credential,
            }),
            None => Err(ApiError::Unauthorized(
                "log in or send Authorization: Bearer <token>",
            )),
        }
    }
}

/// The logged-in visitor of a page, if any (never rejects).
#[derive(Clone, Debug)]
pub struct MaybeUser(pub Option<(Account, Credential)>);

impl FromRequestParts<AppState> for MaybeUser {
    type Rejection = Response;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        match identify(parts, state).await {
            Ok(found) => Ok(Self(found)),
            // A page with a bad bearer header or a failing store: treat as logged out, but
            // let a store failure surface.
            Err(ApiError::Unauthorized(_)) => Ok(Self(None)),
            Err(e) => Err(e.into_response()),
        }
    }
}

/// The logged-in visitor of a page; others are sent to the log-in page and back.
#[derive(Clone, Debug)]
pub struct PageUser {
    /// The account.
    pub account: Account,
    /// The log-in session's digest (for log-out and password change).
    pub credential: Credential,
}

impl FromRequestParts<AppState> for PageUser {
    type Rejection = Response;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        match MaybeUser::from_request_parts(parts, state).await? {
            MaybeUser(Some((account, credential))) => Ok(Self {
                account,
                credential,
            }),
            MaybeUser(None) => {
                let next = parts
                    .uri
                    .path_and_query()
                    .map(|p| p.as_str())
                    .unwrap_or("/");
                Err(
                    Redirect::to(&format!("/login?next={}", crate::view::urlencode(next)))
                        .into_response(),
                )
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_are_random_and_digests_stable() {
        let a = new_token();
        assert_ne!(a, new_token());
        assert_eq!(a.len(), 43);
        assert_eq!(digest("x"), digest("x"));
        assert_eq!(
            digest("abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
    }

    #[test]
    fn the_client_behind_a_trusted_proxy_is_the_nearest_untrusted_hop() {
        let proxy: IpAddr = [127, 0, 0, 1].into();
        let mut h = HeaderMap::new();
        h.insert(
            "x-forwarded-for",
            "198.51.100.7, 203.0.113.5".parse().unwrap(),
        );
        assert_eq!(
            client_address(proxy, &h, &[proxy]),
            IpAddr::from([203, 0, 113, 5]),
            "the hop the proxy saw, not what the client claimed before it"
        );
        assert_eq!(client_address(proxy, &h, &[]), proxy, "no trust, no header");
        let other: IpAddr = [192, 0, 2, 1].into();
        assert_eq!(client_address(other, &h, &[proxy]), other);
        assert_eq!(client_address(proxy, &HeaderMap::new(), &[proxy]), proxy);
    }

    #[test]
    fn address_limits_count_every_attempt() {
        let limits = LoginLimits::new(3, 2);
        let ip: IpAddr = [10, 0, 0, 1].into();
        let other: IpAddr = [10, 0, 0, 2].into();
        for _ in 0..3 {
            assert!(limits.check(Some(ip)).is_none());
        }
        assert!(limits.check(Some(ip)).is_some(), "the limit (3) is reached");
        // Sign-ups are counted apart from log-ins.
        for _ in 0..2 {
            assert!(limits.check_signup(Some(ip)).is_none());
        }
        assert!(limits.check_signup(Some(ip)).is_some(), "two sign-ups");
        assert!(limits.check_signup(Some(other)).is_none());
        assert!(
            limits.check(Some(other)).is_none(),
            "other addresses are not"
        );
        assert!(limits.check(None).is_none(), "no address, no limit");
    }

    #[test]
    fn cookies_are_found_among_others() {
        let mut h = HeaderMap::new();
        h.insert(
            header::COOKIE,
            HeaderValue::from_static("a=1; hallway_session=tok; b=2"),
        );
        assert_eq!(cookie(&h, SESSION_COOKIE), Some("tok"));
        assert_eq!(cookie(&h, "c"), None);
    }
}
