//! A program's sessions in few statements: an import of thousands of sessions inserts and
//! updates them [`CHUNK`] rows per statement, with ids handed out beforehand, instead of a
//! statement (and, on SQLite, a round trip to sqlx's connection thread) per row.
//!
//! The macros take an open sqlx transaction of either backend (inside [`crate::on_pool!`]);
//! [`sqlx::QueryBuilder`] writes each backend's placeholders.

use hallway_domain::program::SessionInfo;

/// Rows per statement: 500 sessions bind 9,000 values, under SQLite's 32,766 and
/// PostgreSQL's 65,535.
pub(crate) const CHUNK: usize = 500;

/// A session to insert under an id from [`allocate_session_ids!`].
pub(crate) struct NewSession<'a> {
    pub id: i64,
    pub room: i64,
    pub track: Option<i64>,
    pub info: &'a SessionInfo,
    /// Its effective capacity (its own, or its room's).
    pub capacity: Option<i64>,
    /// Speaker ids in billing order.
    pub speakers: Vec<i64>,
}

/// A stored session whose fields an import rewrites (seats and speakers apart).
pub(crate) struct SessionUpdate<'a> {
    pub id: i64,
    pub room: i64,
    pub track: Option<i64>,
    pub info: &'a SessionInfo,
}

/// Appends `($1, $2, …)` binding the ids `$ids` (an iterator of `i64`) to the query
/// builder `$q`: the list of an `IN`.
macro_rules! push_ids {
    ($q:expr, $ids:expr) => {{
        $q.push("(");
        let mut list = $q.separated(", ");
        for id in $ids {
            list.push_bind(id);
        }
        $q.push(")");
    }};
}
pub(crate) use push_ids;

/// Hands out `$n` fresh session ids inside `$tx`: PostgreSQL takes them from the column's
/// sequence (safe beside other instances' inserts); SQLite, whose write transactions run
/// one at a time, counts on from the highest id stored or reserved for a draft.
macro_rules! allocate_session_ids {
    ($tx:expr, $backend:expr, $n:expr) => {{
        let n = i64::try_from($n).unwrap_or(i64::MAX);
        let ids: Vec<i64> = match $backend {
            $crate::Backend::Sqlite => {
                let max: i64 = sqlx::query_scalar(
                    "SELECT MAX((SELECT COALESCE(MAX(id), 0) FROM sessions), \
                                (SELECT COALESCE(MAX(id), 0) FROM session_id_reservations))",
                )
                .fetch_one(&mut *$tx)
                .await?;
                (1..=n).map(|i| max + i).collect()
            }
            $crate::Backend::Postgres => {
                sqlx::query_scalar(
                    "SELECT nextval(pg_get_serial_sequence('sessions', 'id')) FROM generate_series(1, $1)",
                )
                .bind(n)
                .fetch_all(&mut *$tx)
                .await?
            }
        };
        ids
    }};
}
pub(crate) use allocate_session_ids;

/// The ids of `$wanted.len()` new sessions of conference `$conference`: a session made in
/// the draft (`Some(id)`) gets the id reserved for it if the reservation is still there
/// (and takes it out), every other one a fresh id from [`allocate_session_ids!`].
macro_rules! session_ids {
    ($tx:expr, $backend:expr, $conference:expr, $wanted:expr) => {{
        let wanted: &[Option<i64>] = $wanted;
        let conference: i64 = $conference;
        let asked: Vec<i64> = wanted.iter().flatten().copied().collect();
        let mut reserved = std::collections::HashSet::new();
        for chunk in asked.chunks($crate::bulk::CHUNK) {
            let mut q = sqlx::QueryBuilder::new(
                "SELECT id FROM session_id_reservations WHERE conference_id = ",
            );
            q.push_bind(conference).push(" AND id IN ");
            $crate::bulk::push_ids!(q, chunk.iter().copied());
            let found: Vec<i64> = q.build_query_scalar().fetch_all(&mut *$tx).await?;
            reserved.extend(found);
        }
        // Each reservation once, even if two sessions ask for the same id.
        let kept: Vec<Option<i64>> = wanted
            .iter()
            .map(|w| w.filter(|id| reserved.remove(id)))
            .collect();
        let fresh_n = kept.iter().filter(|k| k.is_none()).count();
        let mut fresh = $crate::bulk::allocate_session_ids!($tx, $backend, fresh_n).into_iter();
        let claimed: Vec<i64> = kept.iter().flatten().copied().collect();
        for chunk in claimed.chunks($crate::bulk::CHUNK) {
            let mut q = sqlx::QueryBuilder::new("DELETE FROM session_id_reservations WHERE id IN ");
            $crate::bulk::push_ids!(q, chunk.iter().copied());
            q.build().execute(&mut *$tx).await?;
        }
        let mut out: Vec<i64> = Vec::with_capacity(kept.len());
        for k in kept {
            if let Some(id) = k.or_else(|| fresh.next()) {
                out.push(id);
            }
        }
        out
    }};
}
pub(crate) use session_ids;

/// Inserts `$rows` (`&[NewSession]`) of conference `$conference` and their speakers.
macro_rules! insert_sessions {
    ($tx:expr, $conference:expr, $rows:expr) => {{
        let rows: &[$crate::bulk::NewSession<'_>] = $rows;
        let conference: i64 = $conference;
        for chunk in rows.chunks($crate::bulk::CHUNK) {
            let mut q = sqlx::QueryBuilder::new(
                "INSERT INTO sessions (id, conference_id, room_id, track_id, title, kind, starts_at, \
                 ends_at, capacity_override, capacity, abstract, language, links, guid, subtitle, \
                 description, url, label) ",
            );
            q.push_values(chunk, |mut b, s| {
                let info = s.info;
                b.push_bind(s.id)
                    .push_bind(conference)
                    .push_bind(s.room)
                    .push_bind(s.track)
                    .push_bind(info.title.clone())
                    .push_bind(info.kind.as_str())
                    .push_bind(info.span.start().timestamp())
                    .push_bind(info.span.end().timestamp())
                    .push_bind(info.capacity_override.map(|c| i64::from(c.get())))
                    .push_bind(s.capacity)
                    .push_bind(info.abstract_text.clone())
                    .push_bind(info.language.clone())
                    .push_bind($crate::to_json(&info.links))
                    .push_bind(info.guid.to_string())
                    .push_bind(info.subtitle.clone())
                    .push_bind(info.description.clone())
                    .push_bind(info.url.clone())
                    .push_bind(info.label.clone());
            });
            q.build().execute(&mut *$tx).await?;
        }
        let links: Vec<(i64, i64, i64)> = rows
            .iter()
            .flat_map(|s| {
                s.speakers
                    .iter()
                    .enumerate()
                    .map(|(position, p)| (s.id, *p, i64::try_from(position).unwrap_or(i64::MAX)))
            })
            .collect();
        $crate::bulk::insert_speaker_links!($tx, conference, &links);
    }};
}
pub(crate) use insert_sessions;

/// Inserts `$links` (`&[(session, speaker, position)]`) of conference `$conference`.
macro_rules! insert_speaker_links {
    ($tx:expr, $conference:expr, $links:expr) => {{
        let links: &[(i64, i64, i64)] = $links;
        let conference: i64 = $conference;
        for chunk in links.chunks($crate::bulk::CHUNK * 4) {
            let mut q = sqlx::QueryBuilder::new(
                "INSERT INTO session_speakers (conference_id, session_id, speaker_id, position) ",
            );
            q.push_values(chunk, |mut b, (session, speaker, position)| {
                b.push_bind(conference)
                    .push_bind(*session)
                    .push_bind(*speaker)
                    .push_bind(*position);
            });
            q.push(" ON CONFLICT DO NOTHING");
            q.build().execute(&mut *$tx).await?;
        }
    }};
}
pub(crate) use insert_speaker_links;

/// Rewrites the fields of `$rows` (`&[SessionUpdate]`) from a `VALUES` list joined on the
/// id (`UPDATE … FROM`, which both backends have; the list's columns are `column1` …).
macro_rules! update_sessions {
    ($tx:expr, $rows:expr) => {{
        let rows: &[$crate::bulk::SessionUpdate<'_>] = $rows;
        for chunk in rows.chunks($crate::bulk::CHUNK) {
            let mut q = sqlx::QueryBuilder::new(
                "UPDATE sessions SET room_id = v.column2, track_id = v.column3, title = v.column4, \
                 kind = v.column5, starts_at = v.column6, ends_at = v.column7, abstract = v.column8, \
                 language = v.column9, links = v.column10, guid = v.column11, subtitle = v.column12, \
                 description = v.column13, url = v.column14, label = v.column15 FROM (",
            );
            q.push_values(chunk, |mut b, s| {
                let info = s.info;
                b.push_bind(s.id)
                    .push_bind(s.room)
                    .push_bind(s.track)
                    .push_bind(info.title.clone())
                    .push_bind(info.kind.as_str())
                    .push_bind(info.span.start().timestamp())
                    .push_bind(info.span.end().timestamp())
                    .push_bind(info.abstract_text.clone())
                    .push_bind(info.language.clone())
                    .push_bind($crate::to_json(&info.links))
                    .push_bind(info.guid.to_string())
                    .push_bind(info.subtitle.clone())
                    .push_bind(info.description.clone())
                    .push_bind(info.url.clone())
                    .push_bind(info.label.clone());
            });
            q.push(") AS v WHERE sessions.id = v.column1");
            q.build().execute(&mut *$tx).await?;
        }
    }};
}
pub(crate) use update_sessions;

/// Gives each of `$speakers` (`&[(session, Vec<speaker>)]`) exactly those speakers.
macro_rules! replace_speaker_links {
    ($tx:expr, $conference:expr, $speakers:expr) => {{
        let speakers: &[(i64, Vec<i64>)] = $speakers;
        for chunk in speakers.chunks($crate::bulk::CHUNK * 4) {
            let mut q =
                sqlx::QueryBuilder::new("DELETE FROM session_speakers WHERE session_id IN ");
            $crate::bulk::push_ids!(q, chunk.iter().map(|(session, _)| *session));
            q.build().execute(&mut *$tx).await?;
        }
        let links: Vec<(i64, i64, i64)> = speakers
            .iter()
            .flat_map(|(session, ps)| {
                ps.iter().enumerate().map(|(position, p)| {
                    (*session, *p, i64::try_from(position).unwrap_or(i64::MAX))
                })
            })
            .collect();
        $crate::bulk::insert_speaker_links!($tx, $conference, &links);
    }};
}
pub(crate) use replace_speaker_links;
