//! The conference directory: series and editions, replaced as a whole from the directory
//! file and read back for `/events`.

use chrono::NaiveDate;
use hallway_domain::{ConferenceId, Edition, EditionId, Series, SeriesId, Slug};

use crate::{Result, Store, StoreError, from_json, on_pool, on_write, to_json, to_u32};

#[derive(sqlx::FromRow)]
struct EditionRow {
    id: i64,
    slug: String,
    name: String,
    series: String,
    tags: String,
    starts_on: Option<String>,
    ends_on: Option<String>,
    city: String,
    country: String,
    region: String,
    url: Option<String>,
    attendance: Option<i64>,
    tracks: Option<i64>,
    conference_id: Option<i64>,
}

/// The edition select list with `$tail` appended; `concat!` keeps the SQL `&'static str`,
/// which sqlx asks of SQL text that carries no user input.
macro_rules! editions_sql {
    ($tail:literal) => {
        concat!(
            "SELECT e.id, e.slug, e.name, s.name AS series, s.tags, e.starts_on, ",
            "e.ends_on, e.city, e.country, e.region, e.url, e.attendance, e.tracks, e.conference_id ",
            "FROM editions e JOIN series s ON s.id = e.series_id ",
            $tail
        )
    };
}

fn date(raw: Option<String>, what: &str) -> Result<Option<NaiveDate>> {
    raw.map(|d| {
        d.parse::<NaiveDate>()
            .map_err(|e| StoreError::Corrupt(format!("{what} {d:?}: {e}")))
    })
    .transpose()
}

impl EditionRow {
    fn into_edition(self) -> Result<Edition> {
        let corrupt =
            |e: &dyn std::fmt::Display| StoreError::Corrupt(format!("edition {}: {e}", self.id));
        let slug = Slug::parse(&self.slug).map_err(|e| corrupt(&e))?;
        let dates = match (
            date(self.starts_on, "starts_on")?,
            date(self.ends_on, "ends_on")?,
        ) {
            (Some(a), Some(b)) => Some((a, b)),
            _ => None,
        };
        Ok(Edition {
            id: Some(EditionId::new(self.id)),
            slug,
            name: self.name,
            series: self.series,
            dates,
            city: self.city,
            country: self.country,
            region: self.region,
            url: self.url,
            attendance: self
                .attendance
                .map(|n| to_u32(n, "attendance"))
                .transpose()?,
            tracks: self.tracks.map(|n| to_u32(n, "tracks")).transpose()?,
            tags: from_json(&self.tags, "series tags")?,
            conference: self.conference_id.map(ConferenceId::new),
        })
    }
}

impl Store {
    /// Replaces the whole directory with `entries` in one transaction, keeping the links from
    /// editions to conferences on this server (matched by edition slug).
    pub async fn replace_directory(&self, entries: &[(Series, Vec<Edition>)]) -> Result<()> {
        on_write!(self, pool => {
            let mut tx = pool.begin().await?;
            let links: Vec<(String, i64)> = sqlx::query_as(
                "SELECT slug, conference_id FROM editions WHERE conference_id IS NOT NULL",
            )
            .fetch_all(&mut *tx)
            .await?;
            sqlx::query("DELETE FROM editions").execute(&mut *tx).await?;
            sqlx::query("DELETE FROM series").execute(&mut *tx).await?;
            for (series, editions) in entries {
                let series_id: i64 = sqlx::query_scalar(
                    "INSERT INTO series (slug, name, organizer, tags, language, description) \
                     VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
                )
                .bind(series.slug.as_str())
                .bind(&series.name)
                .bind(&series.organizer)
                .bind(to_json(&series.tags))
                .bind(&series.language)
                .bind(&series.description)
                .fetch_one(&mut *tx)
                .await
                .map_err(|e| crate::conflict_on_unique(e, || format!("two series share the slug {}", series.slug)))?;
                for e in editions {
                    let conference = links
                        .iter()
                        .find(|(slug, _)| slug == e.slug.as_str())
                        .map(|(_, id)| *id)
                        .or(e.conference.map(ConferenceId::get));
                    sqlx::query(
                        "INSERT INTO editions (series_id, slug, name, starts_on, ends_on, city, \
                         country, region, url, attendance, tracks, conference_id) \
                         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)",
                    )
                    .bind(series_id)
                    .bind(e.slug.as_str())
                    .bind(&e.name)
                    .bind(e.starts_on().map(|d| d.to_string()))
                    .bind(e.ends_on().map(|d| d.to_string()))
                    .bind(&e.city)
                    .bind(&e.country)
                    .bind(&e.region)
                    .bind(&e.url)
                    .bind(e.attendance.map(i64::from))
                    .bind(e.tracks.map(i64::from))
                    .bind(conference)
                    .execute(&mut *tx)
                    .await
                    .map_err(|err| crate::conflict_on_unique(err, || format!("two editions share the slug {}", e.slug)))?;
                }
            }
            tx.commit().await?;
        });
        Ok(())
    }

    /// Every edition in the directory, in date order (undated last), with series names and
    /// tags filled in.
    pub async fn editions(&self) -> Result<Vec<Edition>> {
        let rows: Vec<EditionRow> = on_pool!(self, pool => {
            sqlx::query_as(editions_sql!("ORDER BY e.starts_on IS NULL, e.starts_on, e.name"))
                .fetch_all(pool).await?
        });
        rows.into_iter().map(EditionRow::into_edition).collect()
    }

    /// One edition by its slug.
    pub async fn edition(&self, slug: &Slug) -> Result<Option<Edition>> {
        let row: Option<EditionRow> = on_pool!(self, pool => {
            sqlx::query_as(editions_sql!("WHERE e.slug = $1"))
                .bind(slug.as_str()).fetch_optional(pool).await?
        });
        row.map(EditionRow::into_edition).transpose()
    }

    /// Every series, by name.
    pub async fn series(&self) -> Result<Vec<Series>> {
        let rows: Vec<(i64, String, String, String, String, String, String)> = on_pool!(self, pool => {
            sqlx::query_as(
                "SELECT id, slug, name, organizer, tags, language, description FROM series ORDER BY name",
            )
            .fetch_all(pool)
            .await?
        });
        rows.into_iter()
            .map(|(id, slug, name, organizer, tags, language, description)| {
                Ok(Series {
                    id: Some(SeriesId::new(id)),
                    slug: Slug::parse(&slug).map_err(|e| StoreError::Corrupt(e.to_string()))?,
                    name,
                    organizer,
                    tags: from_json(&tags, "series tags")?,
                    language,
                    description,
                })
            })
            .collect()
    }

    /// Points the edition `edition` at `conference`, whose program is on this server.
    /// Answers whether such an edition exists.
    pub async fn link_edition(&self, edition: &Slug, conference: ConferenceId) -> Result<bool> {
        let done = on_write!(self, pool => {
            sqlx::query("UPDATE editions SET conference_id = $1 WHERE slug = $2")
                .bind(conference.get())
                .bind(edition.as_str())
                .execute(pool)
                .await?
                .rows_affected()
        });
        Ok(done == 1)
    }

    /// Points no edition at `conference` any more.
    pub async fn unlink_editions(&self, conference: ConferenceId) -> Result<()> {
        on_write!(self, pool => {
            sqlx::query("UPDATE editions SET conference_id = NULL WHERE conference_id = $1")
                .bind(conference.get())
                .execute(pool)
                .await?;
        });
        Ok(())
    }

    /// Adds `edition` to the directory under the series of its `series` name (created when
    /// new, then owned by `by`), pointing at `conference`. An existing series takes the
    /// edition only from its owner, or from anyone when `by` is `None` (a site admin).
    /// Fails with [`crate::StoreError::Conflict`] when the edition's slug is taken.
    pub async fn add_edition(
        &self,
        edition: &Edition,
        conference: ConferenceId,
        by: Option<hallway_domain::UserId>,
        audit: Option<&crate::AuditLine>,
        now: chrono::DateTime<chrono::Utc>,
    ) -> Result<EditionAdded> {
        let series = Series::new(&edition.series, &[])
            .map_err(|e| crate::StoreError::Conflict(e.to_string()))?;
        let by = by.map(hallway_domain::UserId::get);
        let added = on_write!(self, pool => {
            let mut tx = pool.begin().await?;
            let found: Option<(i64, Option<i64>)> =
                sqlx::query_as("SELECT id, created_by FROM series WHERE slug = $1")
                    .bind(series.slug.as_str())
                    .fetch_optional(&mut *tx)
                    .await?;
            let series_id = match found {
                Some((_, owner)) if by.is_some() && owner != by => {
                    return Ok(EditionAdded::SeriesNotYours);
                }
                Some((id, _)) => id,
                None => sqlx::query_scalar(
                    "INSERT INTO series (slug, name, created_by) VALUES ($1, $2, $3) RETURNING id",
                )
                .bind(series.slug.as_str())
                .bind(&series.name)
                .bind(by)
                .fetch_one(&mut *tx)
                .await?,
            };
            sqlx::query("UPDATE editions SET conference_id = NULL WHERE conference_id = $1")
                .bind(conference.get())
                .execute(&mut *tx)
                .await?;
            sqlx::query(
                "INSERT INTO editions (series_id, slug, name, starts_on, ends_on, city, \
                 country, region, url, conference_id) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
            )
            .bind(series_id)
            .bind(edition.slug.as_str())
            .bind(&edition.name)
            .bind(edition.starts_on().map(|d| d.to_string()))
            .bind(edition.ends_on().map(|d| d.to_string()))
            .bind(&edition.city)
            .bind(&edition.country)
            .bind(&edition.region)
            .bind(&edition.url)
            .bind(conference.get())
            .execute(&mut *tx)
            .await
            .map_err(|err| crate::conflict_on_unique(err, || format!("the directory already has an edition {}", edition.slug)))?;
            if let Some(line) = audit {
                crate::organize::record_in!(tx, conference, line, now);
            }
            tx.commit().await?;
            EditionAdded::Added
        });
        Ok(added)
    }

    /// Links `conference` to the directory's `edition` instead of the one it had (`None`:
    /// to none) and writes `audit`, in one transaction. An edition linked to another
    /// conference is taken only when `take_linked` (a site admin). Changes nothing unless
    /// it answers [`Relinked::Done`].
    pub async fn relink_edition(
        &self,
        conference: ConferenceId,
        edition: Option<&Slug>,
        take_linked: bool,
        audit: &crate::AuditLine,
        now: chrono::DateTime<chrono::Utc>,
    ) -> Result<Relinked> {
        let linked = on_write!(self, pool => {
            let mut tx = pool.begin().await?;
            let outcome = match edition {
                None => Relinked::Done,
                Some(slug) => {
                    let holder: Option<Option<i64>> =
                        sqlx::query_scalar("SELECT conference_id FROM editions WHERE slug = $1")
                            .bind(slug.as_str())
                            .fetch_optional(&mut *tx)
                            .await?;
                    match holder {
                        None => Relinked::NoSuchEdition,
                        Some(Some(other)) if other != conference.get() && !take_linked => {
                            Relinked::LinkedElsewhere
                        }
                        Some(_) => Relinked::Done,
                    }
                }
            };
            if outcome == Relinked::Done {
                sqlx::query("UPDATE editions SET conference_id = NULL WHERE conference_id = $1")
                    .bind(conference.get())
                    .execute(&mut *tx)
                    .await?;
                if let Some(slug) = edition {
                    sqlx::query("UPDATE editions SET conference_id = $1 WHERE slug = $2")
                        .bind(conference.get())
                        .bind(slug.as_str())
                        .execute(&mut *tx)
                        .await?;
                }
                crate::organize::record_in!(tx, conference, audit, now);
                tx.commit().await?;
            }
            outcome
        });
        Ok(linked)
    }
}

/// What adding a directory edition did.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum EditionAdded {
    /// It is in the directory, linked to the conference.
    Added,
    /// Nothing: the series is someone else's.
    SeriesNotYours,
}

/// What linking a directory edition did.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Relinked {
    /// The conference is linked to it (or to none).
    Done,
    /// Nothing: there is no such edition.
    NoSuchEdition,
    /// Nothing: the edition shows another conference.
    LinkedElsewhere,
}
