//! What every attendee will do, decided before anything is sent: which sessions they add
//! (a Zipf-like popularity, keynotes first), whether they queue when a session is full and
//! whether they swap when it clashes, and which session page they read. Seeded: the same
//! seed and program give the same plan, so two runs differ only in timing.

use rand::distr::Distribution as _;
use rand::distr::weighted::WeightedIndex;
use rand::seq::SliceRandom as _;
use rand::{Rng as _, SeedableRng as _};
use rand_chacha::ChaCha8Rng;

/// Share of adds refused as full that ask for the waitlist instead.
pub const WAITLIST_SHARE: f64 = 1.0 / 3.0;
/// Share of adds refused for a clash that retry replacing the clashing sessions.
pub const REPLACE_SHARE: f64 = 0.5;
/// Zipf exponent of session popularity.
const ZIPF_S: f64 = 1.0;

/// A session as the program JSON describes it, as far as the plan needs.
#[derive(Clone, Debug)]
pub struct PlannedSession {
    /// Its id.
    pub id: i64,
    /// `keynote`, `talk`, …
    pub kind: String,
}

/// One add of one attendee.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Add {
    /// The session wanted.
    pub session: i64,
    /// Ask for the waitlist when it is full.
    pub waitlist_if_full: bool,
    /// Swap out the clashing sessions when it clashes.
    pub replace_if_conflict: bool,
}

/// One attendee's part of the rush.
#[derive(Clone, Debug)]
pub struct Journey {
    /// The adds, in order.
    pub adds: Vec<Add>,
    /// The session whose page the read mix fetches for this attendee.
    pub page: i64,
}

/// The journeys of all attendees; `journeys[i]` is attendee `i`'s.
#[derive(Clone, Debug)]
pub struct Plan {
    /// One per attendee.
    pub journeys: Vec<Journey>,
}

impl Plan {
    /// Plans `attendees` journeys of `adds` distinct sessions each over the reservable
    /// `sessions` (breaks already left out).
    pub fn new(
        sessions: &[PlannedSession],
        attendees: usize,
        adds: usize,
        seed: u64,
    ) -> anyhow::Result<Self> {
        anyhow::ensure!(
            sessions.len() >= adds,
            "the program has {} reservable sessions, fewer than --adds {adds}",
            sessions.len()
        );
        let mut rng = ChaCha8Rng::seed_from_u64(seed);
        // Popularity ranks: keynotes first (in program order), the rest shuffled, so that a
        // popular talk may be in a small room and fill.
        let mut ranked: Vec<i64> = sessions
            .iter()
            .filter(|s| s.kind == "keynote")
            .map(|s| s.id)
            .collect();
        let mut rest: Vec<i64> = sessions
            .iter()
            .filter(|s| s.kind != "keynote")
            .map(|s| s.id)
            .collect();
        rest.shuffle(&mut rng);
        ranked.extend(rest);
        let weights = (1..=ranked.len()).map(|rank| 1.0 / (rank as f64).powf(ZIPF_S));
        let popularity = WeightedIndex::new(weights)
            .map_err(|e| anyhow::anyhow!("session popularity weights: {e}"))?;
        let journeys = (0..attendees)
            .map(|_| {
                let mut picked: Vec<i64> = Vec::with_capacity(adds);
                while picked.len() < adds {
                    let id = ranked[popularity.sample(&mut rng)];
                    if !picked.contains(&id) {
                        picked.push(id);
                    }
                }
                let adds = picked
                    .into_iter()
                    .map(|session| Add {
                        session,
                        waitlist_if_full: rng.random_bool(WAITLIST_SHARE),
                        replace_if_conflict: rng.random_bool(REPLACE_SHARE),
                    })
                    .collect();
                Journey {
                    adds,
                    page: ranked[popularity.sample(&mut rng)],
                }
            })
            .collect();
        Ok(Self { journeys })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn program() -> Vec<PlannedSession> {
        (1..=50)
            .map(|id| PlannedSession {
                id,
                kind: if id == 7 { "keynote" } else { "talk" }.to_owned(),
            })
            .collect()
    }

    #[test]
    fn the_same_seed_gives_the_same_plan_and_adds_are_distinct() {
        let a = Plan::new(&program(), 100, 6, 42).unwrap();
        let b = Plan::new(&program(), 100, 6, 42).unwrap();
        for (x, y) in a.journeys.iter().zip(&b.journeys) {
            assert_eq!(x.adds, y.adds);
            let mut ids: Vec<i64> = x.adds.iter().map(|a| a.session).collect();
            ids.sort_unstable();
            ids.dedup();
            assert_eq!(ids.len(), 6);
        }
    }

    #[test]
    fn the_keynote_is_the_most_popular_session() {
        let plan = Plan::new(&program(), 1000, 3, 1).unwrap();
        let mut counts = std::collections::HashMap::new();
        for add in plan.journeys.iter().flat_map(|j| &j.adds) {
            *counts.entry(add.session).or_insert(0) += 1;
        }
        let top = counts.iter().max_by_key(|(_, n)| **n).map(|(id, _)| *id);
        assert_eq!(top, Some(7));
    }
}
