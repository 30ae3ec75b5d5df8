//! Throttling what could otherwise be tried at speed: sign-ins, and every route that takes a
//! secret without a signed-in person (invitation and email-change tokens, refresh tokens).
//!
//! Each attempt is counted *before* it is checked, in one atomic statement
//! ([`rate_limit::hit`]), and checked only when its own count is within the limit; an attempt
//! that turns out not to count (it succeeded, or it was refused without being checked) is
//! taken back. So however many requests arrive at once, at most the limit are ever checked.
//!
//! Sign-in policy (documented in the README):
//! - **account at address**: 5 failures per 15 minutes for one email from one address. An
//!   attacker elsewhere cannot lock the person out: their own address has its own counter.
//! - **address**: 20 failures per 15 minutes from one address, whichever accounts they name.
//! - **account**: 10 failures per hour from anywhere (guesses spread over many addresses).
//!   Beyond it only addresses the person signed in from successfully before may try; a
//!   correct password from one of them still signs in.
//!
//! Counters hold keyed hashes ([`KeyedHash`]) of emails and addresses, never the values.

use chrono::{Duration, Utc};
use diesel_async::AsyncPgConnection;

use crate::auth::keyed_hash::KeyedHash;
use crate::db::models::rate_limit::{self, Counter};
use crate::error::ApiError;

/// A limit: at most `max` counted attempts per `window` under one key.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limit {
    /// Names the counter in its key (`sign-in-pair:<hash>`).
    pub scope: &'static str,
    /// Attempts allowed in a window.
    pub max: i32,
    /// The window, in minutes.
    pub window_minutes: i64,
}

/// Failed sign-ins for one email from one address.
pub const SIGN_IN_ACCOUNT_AT_ADDRESS: Limit = Limit {
    scope: "sign-in-pair",
    max: 5,
    window_minutes: 15,
};
/// Failed sign-ins from one address, any accounts (several people may share one address).
pub const SIGN_IN_ADDRESS: Limit = Limit {
    scope: "sign-in-address",
    max: 20,
    window_minutes: 15,
};
/// Failed sign-ins for one email from anywhere; beyond it only known addresses may try.
pub const SIGN_IN_ACCOUNT: Limit = Limit {
    scope: "sign-in-account",
    max: 10,
    window_minutes: 60,
};
/// Unknown or used invitation tokens from one address.
pub const INVITATION_ADDRESS: Limit = Limit {
    scope: "invitation-address",
    max: 10,
    window_minutes: 15,
};
/// Unknown or spent refresh tokens from one address.
pub const REFRESH_ADDRESS: Limit = Limit {
    scope: "refresh-address",
    max: 30,
    window_minutes: 15,
};
/// Unknown or used email-confirmation tokens from one address.
pub const EMAIL_CONFIRMATION_ADDRESS: Limit = Limit {
    scope: "email-confirmation-address",
    max: 10,
    window_minutes: 15,
};

/// Reset links asked for from one address, whichever emails they name.
pub const PASSWORD_RESET_ADDRESS: Limit = Limit {
    scope: "password-reset-address",
    max: 10,
    window_minutes: 60,
};
/// Reset links asked for one email from anywhere (an inbox is not flooded).
pub const PASSWORD_RESET_ACCOUNT: Limit = Limit {
    scope: "password-reset-account",
    max: 3,
    window_minutes: 60,
};
/// Unknown, used or expired reset tokens from one address.
pub const PASSWORD_RESET_CONFIRM_ADDRESS: Limit = Limit {
    scope: "password-reset-confirm-address",
    max: 10,
    window_minutes: 15,
};
/// Wrong current passwords given by one signed-in person when changing it (a stolen access
/// token must not become a way to guess the password).
pub const PASSWORD_CHANGE_PERSON: Limit = Limit {
    scope: "password-change-person",
    max: 5,
    window_minutes: 15,
};

/// Wrong second-factor codes for one person, across sign-ins, setting up and turning off
/// (six digits are guessed in a million tries; this keeps it far out of reach).
pub const MFA_CODE_PERSON: Limit = Limit {
    scope: "mfa-code-person",
    max: 10,
    window_minutes: 15,
};
/// Unknown or expired second-step tokens and wrong codes from one address.
pub const MFA_CODE_ADDRESS: Limit = Limit {
    scope: "mfa-code-address",
    max: 20,
    window_minutes: 15,
};

impl Limit {
    fn key(&self, hash: &str) -> String {
        format!("{}:{hash}", self.scope)
    }

    fn window(&self) -> Duration {
        Duration::minutes(self.window_minutes)
    }
}

/// An attempt, counted under each of its limits.
#[must_use = "an attempt is either kept (it counted) or refunded"]
pub struct Attempt {
    counters: Vec<(Limit, Counter)>,
}

impl Attempt {
    /// Counts one attempt under each `(limit, hash)`.
    pub async fn count(
        conn: &mut AsyncPgConnection,
        limits: &[(Limit, String)],
    ) -> Result<Self, ApiError> {
        let mut keyed: Vec<(Limit, String)> = limits
            .iter()
            .map(|(limit, hash)| (*limit, limit.key(hash)))
            .collect();
        // One order for every caller, so that two upserts of the same keys cannot deadlock.
        keyed.sort_by(|a, b| a.1.cmp(&b.1));
        let windows: Vec<(String, Duration)> = keyed
            .iter()
            .map(|(limit, key)| (key.clone(), limit.window()))
            .collect();
        let counters = rate_limit::hit(conn, &windows).await?;
        let counters = keyed
            .into_iter()
            .filter_map(|(limit, key)| {
                let counter = counters.iter().find(|c| c.key == key)?.clone();
                Some((limit, counter))
            })
            .collect();
        Ok(Self { counters })
    }

    /// `Some(seconds until it resets)` when this attempt is beyond `limit`.
    pub fn beyond(&self, limit: Limit) -> Option<u64> {
        self.counters
            .iter()
            .find(|(l, counter)| *l == limit && counter.hits > limit.max)
            .map(|(_, counter)| (counter.window_ends_at - Utc::now()).num_seconds().max(1) as u64)
    }

    /// The 429 for the first of `limits` this attempt is beyond, after taking the attempt
    /// back (it was not checked, so it must not count).
    pub async fn refuse_if_beyond(
        self,
        conn: &mut AsyncPgConnection,
        limits: &[Limit],
    ) -> Result<Self, ApiError> {
        let wait = limits.iter().filter_map(|limit| self.beyond(*limit)).max();
        match wait {
            Some(seconds) => {
                self.refund(conn).await?;
                Err(ApiError::too_many_requests(seconds))
            }
            None => Ok(self),
        }
    }

    /// Takes the attempt back from every counter: it turned out not to count.
    pub async fn refund(self, conn: &mut AsyncPgConnection) -> Result<(), ApiError> {
        let keys: Vec<String> = self.counters.into_iter().map(|(_, c)| c.key).collect();
        rate_limit::refund(conn, &keys).await?;
        Ok(())
    }

    /// Keeps the attempt counted (it failed).
    pub fn keep(self) {}
}

/// Counts an attempt from `address` under one per-address `limit`, refusing with 429 beyond
/// it. Refund it when the secret it carried turns out to be good.
pub async fn per_address(
    conn: &mut AsyncPgConnection,
    hashes: KeyedHash<'_>,
    limit: Limit,
    address: &str,
) -> Result<Attempt, ApiError> {
    Attempt::count(conn, &[(limit, hashes.address(address))])
        .await?
        .refuse_if_beyond(conn, &[limit])
        .await
}

/// A sign-in attempt's keys (see the module's policy).
pub struct SignIn {
    account_at_address: String,
    address: String,
    account: String,
}

impl SignIn {
    /// The keys for `email` signing in from `address`.
    pub fn new(hashes: KeyedHash<'_>, email: &str, address: &str) -> Self {
        Self {
            account_at_address: hashes.email_at_address(email, address),
            address: hashes.address(address),
            account: hashes.email(email),
        }
    }

    /// Counts the attempt as a failure in advance and answers it, or a 429 when it may not be
    /// checked (then it does not count).
    pub async fn begin(&self, conn: &mut AsyncPgConnection) -> Result<Attempt, ApiError> {
        let attempt = Attempt::count(
            conn,
            &[
                (SIGN_IN_ACCOUNT_AT_ADDRESS, self.account_at_address.clone()),
                (SIGN_IN_ADDRESS, self.address.clone()),
                (SIGN_IN_ACCOUNT, self.account.clone()),
            ],
        )
        .await?;
        let mut limits = vec![SIGN_IN_ACCOUNT_AT_ADDRESS, SIGN_IN_ADDRESS];
        if attempt.beyond(SIGN_IN_ACCOUNT).is_some()
            && !rate_limit::is_known_address(conn, &self.account_at_address).await?
        {
            limits.push(SIGN_IN_ACCOUNT);
        }
        attempt.refuse_if_beyond(conn, &limits).await
    }

    /// The password was right: the attempt does not count, earlier failures from this
    /// address for this account are forgotten, and the address becomes known.
    pub async fn succeeded(
        &self,
        conn: &mut AsyncPgConnection,
        attempt: Attempt,
    ) -> Result<(), ApiError> {
        attempt.refund(conn).await?;
        rate_limit::clear(
            conn,
            &SIGN_IN_ACCOUNT_AT_ADDRESS.key(&self.account_at_address),
        )
        .await?;
        rate_limit::remember_address(conn, &self.account_at_address).await?;
        Ok(())
    }
}

/// The address a request came from, as text: the TCP peer, never a forwarded header a client
/// could forge. (Behind a reverse proxy every request shares the proxy's address; see the
/// README.)
pub fn peer_address(request: &actix_web::HttpRequest) -> String {
    address_text(peer_ip(request))
}

/// The address a request came from, as [`peer_address`] names it, kept unformatted: most
/// requests never write it down, and formatting it cost every request about 1,400
/// instructions (callgrind, the unread badge).
pub fn peer_ip(request: &actix_web::HttpRequest) -> Option<std::net::IpAddr> {
    request.peer_addr().map(|peer| peer.ip())
}

/// [`peer_ip`] as the text stored in audit records and throttle keys.
pub fn address_text(ip: Option<std::net::IpAddr>) -> String {
    ip.map_or_else(|| "unknown".into(), |ip| ip.to_string())
}
