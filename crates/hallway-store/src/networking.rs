//! Contact cards and the mutual exchange of them (issue #9).
//!
//! An exchange is one transaction: the pair is stored once in id order
//! (`contact_pairs`, primary key), each side gets its own `contacts` row (for a private
//! note, and to delete the contact on one side only), and both earn the contact points
//! under the pair's key (`contact:{low}:{high}`), so a pair earns once even after deleting
//! and exchanging again. Two people scanning each other at the same moment make one pair:
//! the second insert waits on the primary key and then does nothing; the awards are
//! idempotent by key (see `points`).
//!
//! Refusals, decided here: exchanging with oneself; the scanner's exchange is off; the
//! scanner blocked the other (they are told, it is their own doing); the other turned
//! exchange off or blocked the scanner — both answer the same neutral
//! [`ExchangeOutcome::Unavailable`], so a blocked person cannot tell a block from a
//! switched-off card.
//!
//! Contacts show what the other person shares *now*: turning a field off on a card hides
//! it from every contact too. Blocking someone removes the contact on both sides (the card
//! is withdrawn) and refuses new exchanges.

use chrono::{DateTime, Utc};
use hallway_domain::networking::{CardFields, Sharing, ShortCode};
use hallway_domain::points::Action;
use hallway_domain::{ConferenceId, UserId};

use crate::agenda::{MAX_ATTEMPTS, retryable, write_sql};
use crate::points::SETTINGS_SQL;
use crate::{Result, Store, StoreError, conflict_on_unique, from_json, on_pool, on_write, to_json};

/// The secrets of a card, made by the caller (which has the random source): the token in
/// the badge's QR URL and the short code.
#[derive(Clone, Debug)]
pub struct CardSecrets {
    /// At least 128 random bits, URL-safe.
    pub token: String,
    /// The typed code.
    pub code: ShortCode,
}

/// An attendee's card in one conference.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Card {
    /// Whose.
    pub user: UserId,
    /// The secret in the QR URL.
    pub token: String,
    /// The typed code.
    pub code: ShortCode,
    /// What is written on it.
    pub fields: CardFields,
    /// The account's email address (shared only with `sharing.email`).
    pub email: String,
    /// What is shared.
    pub sharing: Sharing,
    /// Whether new exchanges are accepted.
    pub exchange: bool,
    /// Whether the attendee is shown on the leaderboard.
    pub leaderboard: bool,
}

/// What a card's owner edits.
#[derive(Clone, Debug)]
pub struct CardUpdate {
    /// The text.
    pub fields: CardFields,
    /// What to share.
    pub sharing: Sharing,
    /// Accept new exchanges.
    pub exchange: bool,
    /// Show on the leaderboard.
    pub leaderboard: bool,
}

/// Someone in an attendee's contacts, with only what they share.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Contact {
    /// Their account id.
    pub user: UserId,
    /// Their name ("" when they do not share it).
    pub name: String,
    /// Company ("" when empty or not shared).
    pub company: String,
    /// Role.
    pub role: String,
    /// Email.
    pub email: String,
    /// Social handles.
    pub socials: Vec<String>,
    /// The note on their card.
    pub note: String,
    /// The owner's private note about them.
    pub private_note: String,
    /// When the contact was made (or made again).
    pub exchanged_at: DateTime<Utc>,
}

/// Whose card a scan names.
#[derive(Clone, Debug)]
pub enum Target {
    /// A typed code.
    Code(ShortCode),
    /// The token of a QR URL.
    Token(String),
}

/// What became of an exchange. Only `Exchanged` changed anything.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ExchangeOutcome {
    /// The two are each other's contacts.
    Exchanged {
        /// The other person, as the scanner sees them.
        contact: Contact,
        /// Whether the scanner did not have them as a contact before.
        new: bool,
        /// Points the scanner earned (0 when the pair earned before, or over the cap).
        points: u32,
    },
    /// No card has this code or token (or it was rotated).
    Unknown,
    /// The code is the scanner's own.
    Yourself,
    /// The scanner turned exchange off.
    ScannerOff,
    /// The scanner blocked the other person.
    YouBlocked,
    /// The other person does not exchange with the scanner now (exchange off or a block;
    /// deliberately not told apart).
    Unavailable,
}

/// Card columns, in order: user_id, token, code, name, company, role, socials, note,
/// share_name, share_company, share_role, share_email, share_socials, share_note,
/// exchange, leaderboard, email.
const CARD_COLUMNS: &str = "c.user_id, c.token, c.code, c.name, c.company, c.role, c.socials, c.note, \
     c.share_name, c.share_company, c.share_role, c.share_email, c.share_socials, c.share_note, \
     c.exchange, c.leaderboard, u.email";

#[derive(sqlx::FromRow)]
struct CardRow {
    user_id: i64,
    token: String,
    code: String,
    name: String,
    company: String,
    role: String,
    socials: String,
    note: String,
    share_name: i64,
    share_company: i64,
    share_role: i64,
    share_email: i64,
    share_socials: i64,
    share_note: i64,
    exchange: i64,
    leaderboard: i64,
    email: String,
}

impl TryFrom<CardRow> for Card {
    type Error = StoreError;
    fn try_from(r: CardRow) -> Result<Self> {
        let corrupt =
            |e: hallway_domain::networking::NetworkingError| StoreError::Corrupt(e.to_string());
        let socials: Vec<String> = from_json(&r.socials, "cards.socials")?;
        Ok(Self {
            user: UserId::new(r.user_id),
            token: r.token,
            code: ShortCode::parse(&r.code).map_err(corrupt)?,
            fields: CardFields::stored(&r.name, &r.company, &r.role, &socials, &r.note),
            email: r.email,
            sharing: Sharing {
                name: r.share_name != 0,
                company: r.share_company != 0,
                role: r.share_role != 0,
                email: r.share_email != 0,
                socials: r.share_socials != 0,
                note: r.share_note != 0,
            },
            exchange: r.exchange != 0,
            leaderboard: r.leaderboard != 0,
        })
    }
}

/// A contact's columns as the owner sees them: the other's card (or their account name,
/// shared by default, when they never opened their card) filtered by what they share.
const CONTACT_SELECT: &str = "SELECT k.contact_id, \
     CASE WHEN COALESCE(c.share_name, 1) = 1 THEN COALESCE(c.name, u.name) ELSE '' END, \
     CASE WHEN c.share_company = 1 THEN c.company ELSE '' END, \
     CASE WHEN c.share_role = 1 THEN c.role ELSE '' END, \
     CASE WHEN c.share_email = 1 THEN u.email ELSE '' END, \
     CASE WHEN c.share_socials = 1 THEN c.socials ELSE '[]' END, \
     CASE WHEN c.share_note = 1 THEN c.note ELSE '' END, \
     k.note, k.created_at \
     FROM contacts k JOIN users u ON u.id = k.contact_id \
     LEFT JOIN cards c ON c.conference_id = k.conference_id AND c.user_id = k.contact_id \
     WHERE k.conference_id = $1 AND k.owner_id = $2";

type ContactRow = (
    i64,
    String,
    String,
    String,
    String,
    Option<String>,
    Option<String>,
    String,
    i64,
);

fn contact_from(r: ContactRow) -> Result<Contact> {
    let (user, name, company, role, email, socials, note, private_note, at) = r;
    Ok(Contact {
        user: UserId::new(user),
        name,
        company,
        role,
        email,
        socials: from_json(socials.as_deref().unwrap_or("[]"), "cards.socials")?,
        note: note.unwrap_or_default(),
        private_note,
        exchanged_at: DateTime::from_timestamp(at, 0).unwrap_or_default(),
    })
}

impl Store {
    /// The attendee's card, if they opened it once.
    pub async fn card(&self, conference: ConferenceId, user: UserId) -> Result<Option<Card>> {
        let sql = format!(
            "SELECT {CARD_COLUMNS} FROM cards c JOIN users u ON u.id = c.user_id \
             WHERE c.conference_id = $1 AND c.user_id = $2"
        );
        let row: Option<CardRow> = on_pool!(self, pool => {
            sqlx::query_as(sqlx::AssertSqlSafe(sql)).bind(conference.get()).bind(user.get()).fetch_optional(pool).await?
        });
        row.map(Card::try_from).transpose()
    }

    /// The card whose QR token is `token` (`None` for an unknown or rotated token).
    pub async fn card_by_token(
        &self,
        conference: ConferenceId,
        token: &str,
    ) -> Result<Option<Card>> {
        let sql = format!(
            "SELECT {CARD_COLUMNS} FROM cards c JOIN users u ON u.id = c.user_id \
             WHERE c.conference_id = $1 AND c.token = $2"
        );
        let row: Option<CardRow> = on_pool!(self, pool => {
            sqlx::query_as(sqlx::AssertSqlSafe(sql)).bind(conference.get()).bind(token).fetch_optional(pool).await?
        });
        row.map(Card::try_from).transpose()
    }

    /// The attendee's card, made on first use with the account's name, the default sharing
    /// and the secrets `fresh` makes (asked again if a code is taken).
    pub async fn ensure_card(
        &self,
        conference: ConferenceId,
        user: UserId,
        fresh: &mut (dyn FnMut() -> CardSecrets + Send),
        now: DateTime<Utc>,
    ) -> Result<Card> {
        for _ in 0..8 {
            if let Some(card) = self.card(conference, user).await? {
                return Ok(card);
            }
            let s = fresh();
            let d = Sharing::default();
            let inserted = on_write!(self, pool => {
                sqlx::query(
                    "INSERT INTO cards (conference_id, user_id, token, code, name, share_name, share_company, share_role, \
                     share_email, share_socials, share_note, updated_at) \
                     SELECT $1, id, $3, $4, name, $5, $6, $7, $8, $9, $10, $11 FROM users WHERE id = $2 \
                     ON CONFLICT (conference_id, user_id) DO NOTHING",
                )
                .bind(conference.get())
                .bind(user.get())
                .bind(&s.token)
                .bind(s.code.as_str())
                .bind(i64::from(d.name))
                .bind(i64::from(d.company))
                .bind(i64::from(d.role))
                .bind(i64::from(d.email))
                .bind(i64::from(d.socials))
                .bind(i64::from(d.note))
                .bind(now.timestamp())
                .execute(pool)
                .await
                .map(|_| ())
            });
            match inserted {
                Ok(_) => {}
                // A taken code or token: try other secrets.
                Err(sqlx::Error::Database(db)) if db.is_unique_violation() => continue,
                Err(e) => return Err(e.into()),
            }
        }
        self.card(conference, user)
            .await?
            .ok_or_else(|| StoreError::Conflict("could not make a card; try again".to_owned()))
    }

    /// Changes what the card says and shares. `None` when the attendee has no card yet.
    pub async fn update_card(
        &self,
        conference: ConferenceId,
        user: UserId,
        u: &CardUpdate,
        now: DateTime<Utc>,
    ) -> Result<Option<Card>> {
        let n = on_write!(self, pool => {
            sqlx::query(
                "UPDATE cards SET name = $3, company = $4, role = $5, socials = $6, note = $7, share_name = $8, \
                 share_company = $9, share_role = $10, share_email = $11, share_socials = $12, share_note = $13, \
                 exchange = $14, leaderboard = $15, updated_at = $16 WHERE conference_id = $1 AND user_id = $2",
            )
            .bind(conference.get())
            .bind(user.get())
            .bind(u.fields.name())
            .bind(u.fields.company())
            .bind(u.fields.role())
            .bind(to_json(&u.fields.socials()))
            .bind(u.fields.note())
            .bind(i64::from(u.sharing.name))
            .bind(i64::from(u.sharing.company))
            .bind(i64::from(u.sharing.role))
            .bind(i64::from(u.sharing.email))
            .bind(i64::from(u.sharing.socials))
            .bind(i64::from(u.sharing.note))
            .bind(i64::from(u.exchange))
            .bind(i64::from(u.leaderboard))
            .bind(now.timestamp())
            .execute(pool)
            .await?
            .rows_affected()
        });
        if n == 0 {
            return Ok(None);
        }
        self.card(conference, user).await
    }

    /// Gives the card new secrets: the old QR URL and code stop working at once.
    pub async fn rotate_card(
        &self,
        conference: ConferenceId,
        user: UserId,
        secrets: &CardSecrets,
        now: DateTime<Utc>,
    ) -> Result<Option<Card>> {
        let n = on_write!(self, pool => {
            sqlx::query("UPDATE cards SET token = $3, code = $4, updated_at = $5 WHERE conference_id = $1 AND user_id = $2")
                .bind(conference.get())
                .bind(user.get())
                .bind(&secrets.token)
                .bind(secrets.code.as_str())
                .bind(now.timestamp())
                .execute(pool)
                .await
                .map_err(|e| conflict_on_unique(e, || "that code is taken; try again".to_owned()))?
                .rows_affected()
        });
        if n == 0 {
            return Ok(None);
        }
        self.card(conference, user).await
    }

    /// Exchanges cards between `scanner` and the owner of `target`, both ways, in one
    /// transaction; see [`ExchangeOutcome`] and the module's notes.
    pub async fn exchange(
        &self,
        conference: ConferenceId,
        scanner: UserId,
        target: &Target,
        now: DateTime<Utc>,
    ) -> Result<ExchangeOutcome> {
        for _ in 0..MAX_ATTEMPTS {
            match self.exchange_once(conference, scanner, target, now).await {
                Err(StoreError::Database(e)) if retryable(&e) => continue,
                other => return other,
            }
        }
        Err(StoreError::Conflict(
            "too much contention; try again".to_owned(),
        ))
    }

    async fn exchange_once(
        &self,
        conference: ConferenceId,
        scanner: UserId,
        target: &Target,
        now: DateTime<Utc>,
    ) -> Result<ExchangeOutcome> {
        let (begin, _) = write_sql(self.backend());
        let (sql, key) = match target {
            Target::Code(c) => (
                "SELECT user_id, exchange FROM cards WHERE conference_id = $1 AND code = $2",
                c.as_str().to_owned(),
            ),
            Target::Token(t) => (
                "SELECT user_id, exchange FROM cards WHERE conference_id = $1 AND token = $2",
                t.clone(),
            ),
        };
        let c = conference.get();
        let s = scanner.get();
        let (points, new, t) = on_write!(self, pool => {
            let settings = crate::points::settings_of(
                sqlx::query_as(SETTINGS_SQL).bind(c).fetch_optional(pool).await?,
            )?;
            let mut tx = pool.begin_with(begin).await?;
            let found: Option<(i64, i64)> =
                sqlx::query_as(sql).bind(c).bind(&key).fetch_optional(&mut *tx).await?;
            let Some((t, their_exchange)) = found else {
                return Ok(ExchangeOutcome::Unknown);
            };
            if t == s {
                return Ok(ExchangeOutcome::Yourself);
            }
            let mine: Option<i64> = sqlx::query_scalar(
                "SELECT exchange FROM cards WHERE conference_id = $1 AND user_id = $2",
            )
            .bind(c)
            .bind(s)
            .fetch_optional(&mut *tx)
            .await?;
            if mine == Some(0) {
                return Ok(ExchangeOutcome::ScannerOff);
            }
            let blockers: Vec<i64> = sqlx::query_scalar(
                "SELECT blocker_id FROM contact_blocks WHERE conference_id = $1 AND \
                 ((blocker_id = $2 AND blocked_id = $3) OR (blocker_id = $3 AND blocked_id = $2))",
            )
            .bind(c)
            .bind(s)
            .bind(t)
            .fetch_all(&mut *tx)
            .await?;
            if blockers.contains(&s) {
                return Ok(ExchangeOutcome::YouBlocked);
            }
            if !blockers.is_empty() || their_exchange == 0 {
                return Ok(ExchangeOutcome::Unavailable);
            }
            let (low, high) = (s.min(t), s.max(t));
            sqlx::query(
                "INSERT INTO contact_pairs (conference_id, user_low, user_high, scanned_by, created_at) \
                 VALUES ($1, $2, $3, $4, $5) ON CONFLICT DO NOTHING",
            )
            .bind(c)
            .bind(low)
            .bind(high)
            .bind(s)
            .bind(now.timestamp())
            .execute(&mut *tx)
            .await?;
            let mut new = false;
            for (owner, other) in [(s, t), (t, s)] {
                let n = sqlx::query(
                    "INSERT INTO contacts (conference_id, owner_id, contact_id, created_at) VALUES ($1, $2, $3, $4) \
                     ON CONFLICT DO NOTHING",
                )
                .bind(c)
                .bind(owner)
                .bind(other)
                .bind(now.timestamp())
                .execute(&mut *tx)
                .await?
                .rows_affected();
                if owner == s {
                    new = n > 0;
                }
            }
            // Both sides earn under the pair's key, locked in id order.
            let action = Action::contact(scanner, UserId::new(t))
                .ok_or_else(|| StoreError::Corrupt("self-exchange got through".to_owned()))?;
            let mut mine_points = 0;
            for who in [low, high] {
                let got = award_in!(tx, c, who, &action, &settings, now);
                if who == s {
                    mine_points = got.unwrap_or(0);
                }
            }
            tx.commit().await?;
            (mine_points, new, t)
        });
        self.events_written();
        let contact = self
            .contact_of(conference, scanner, UserId::new(t))
            .await?
            .ok_or_else(|| StoreError::Corrupt("the new contact vanished".to_owned()))?;
        Ok(ExchangeOutcome::Exchanged {
            contact,
            new,
            points,
        })
    }

    /// The attendee's contacts, newest first.
    pub async fn contacts(&self, conference: ConferenceId, owner: UserId) -> Result<Vec<Contact>> {
        let sql = format!("{CONTACT_SELECT} ORDER BY k.created_at DESC, k.contact_id DESC");
        let rows: Vec<ContactRow> = on_pool!(self, pool => {
            sqlx::query_as(sqlx::AssertSqlSafe(sql)).bind(conference.get()).bind(owner.get()).fetch_all(pool).await?
        });
        rows.into_iter().map(contact_from).collect()
    }

    /// One contact of the attendee.
    pub async fn contact_of(
        &self,
        conference: ConferenceId,
        owner: UserId,
        other: UserId,
    ) -> Result<Option<Contact>> {
        let sql = format!("{CONTACT_SELECT} AND k.contact_id = $3");
        let row: Option<ContactRow> = on_pool!(self, pool => {
            sqlx::query_as(sqlx::AssertSqlSafe(sql))
                .bind(conference.get())
                .bind(owner.get())
                .bind(other.get())
                .fetch_optional(pool)
                .await?
        });
        row.map(contact_from).transpose()
    }

    /// Sets the owner's private note on a contact; `false` when it is not their contact.
    pub async fn set_contact_note(
        &self,
        conference: ConferenceId,
        owner: UserId,
        other: UserId,
        note: &str,
    ) -> Result<bool> {
        let n = on_write!(self, pool => {
            sqlx::query("UPDATE contacts SET note = $4 WHERE conference_id = $1 AND owner_id = $2 AND contact_id = $3")
                .bind(conference.get())
                .bind(owner.get())
                .bind(other.get())
                .bind(note)
                .execute(pool)
                .await?
                .rows_affected()
        });
        Ok(n > 0)
    }

    /// Removes a contact from the owner's list (theirs stays); `false` when it was not
    /// there. The pair stays recorded, so exchanging again earns no new points.
    pub async fn delete_contact(
        &self,
        conference: ConferenceId,
        owner: UserId,
        other: UserId,
    ) -> Result<bool> {
        let n = on_write!(self, pool => {
            sqlx::query("DELETE FROM contacts WHERE conference_id = $1 AND owner_id = $2 AND contact_id = $3")
                .bind(conference.get())
                .bind(owner.get())
                .bind(other.get())
                .execute(pool)
                .await?
                .rows_affected()
        });
        Ok(n > 0)
    }

    /// Blocks `blocked` for `blocker`: removes the contact on both sides and refuses new
    /// exchanges between them (idempotent). Refuses blocking oneself.
    pub async fn block(
        &self,
        conference: ConferenceId,
        blocker: UserId,
        blocked: UserId,
        now: DateTime<Utc>,
    ) -> Result<bool> {
        if blocker == blocked {
            return Err(StoreError::Conflict("you cannot block yourself".to_owned()));
        }
        let (c, a, b) = (conference.get(), blocker.get(), blocked.get());
        let found = on_write!(self, pool => {
            let mut tx = pool.begin().await?;
            let known: Option<i64> = sqlx::query_scalar("SELECT id FROM users WHERE id = $1")
                .bind(b)
                .fetch_optional(&mut *tx)
                .await?;
            if known.is_none() {
                return Ok(false);
            }
            sqlx::query(
                "INSERT INTO contact_blocks (conference_id, blocker_id, blocked_id, created_at) \
                 SELECT $1, $2, id, $4 FROM users WHERE id = $3 ON CONFLICT DO NOTHING",
            )
            .bind(c)
            .bind(a)
            .bind(b)
            .bind(now.timestamp())
            .execute(&mut *tx)
            .await?;
            sqlx::query(
                "DELETE FROM contacts WHERE conference_id = $1 AND \
                 ((owner_id = $2 AND contact_id = $3) OR (owner_id = $3 AND contact_id = $2))",
            )
            .bind(c)
            .bind(a)
            .bind(b)
            .execute(&mut *tx)
            .await?;
            tx.commit().await?;
            true
        });
        Ok(found)
    }

    /// Lifts a block; `false` when there was none.
    pub async fn unblock(
        &self,
        conference: ConferenceId,
        blocker: UserId,
        blocked: UserId,
    ) -> Result<bool> {
        let n = on_write!(self, pool => {
            sqlx::query("DELETE FROM contact_blocks WHERE conference_id = $1 AND blocker_id = $2 AND blocked_id = $3")
                .bind(conference.get())
                .bind(blocker.get())
                .bind(blocked.get())
                .execute(pool)
                .await?
                .rows_affected()
        });
        Ok(n > 0)
    }

    /// The people the attendee blocked, with their account names.
    pub async fn blocked(
        &self,
        conference: ConferenceId,
        blocker: UserId,
    ) -> Result<Vec<(UserId, String)>> {
        let rows: Vec<(i64, String)> = on_pool!(self, pool => {
            sqlx::query_as(
                "SELECT b.blocked_id, CASE WHEN COALESCE(c.share_name, 1) = 1 THEN COALESCE(c.name, u.name) ELSE '' END \
                 FROM contact_blocks b JOIN users u ON u.id = b.blocked_id \
                 LEFT JOIN cards c ON c.conference_id = b.conference_id AND c.user_id = b.blocked_id \
                 WHERE b.conference_id = $1 AND b.blocker_id = $2 ORDER BY b.created_at",
            )
            .bind(conference.get())
            .bind(blocker.get())
            .fetch_all(pool)
            .await?
        });
        Ok(rows
            .into_iter()
            .map(|(id, n)| (UserId::new(id), n))
            .collect())
    }

    /// How many pairs exchanged cards in the conference (each pair once).
    pub async fn count_contact_pairs(&self, conference: ConferenceId) -> Result<u64> {
        let n: i64 = on_pool!(self, pool => {
            sqlx::query_scalar("SELECT COUNT(*) FROM contact_pairs WHERE conference_id = $1")
                .bind(conference.get())
                .fetch_one(pool)
                .await?
        });
        Ok(u64::try_from(n).unwrap_or(0))
    }
}
