//! Capacity and seats left: what every listing of a session shows before anyone tries to
//! reserve (DESIGN.md, invariant 1: reserved <= capacity).

use serde::{Deserialize, Serialize};

/// How many people a room or a session holds: at least one, at most a stadium.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(try_from = "u32", into = "u32")]
pub struct Capacity(u32);

/// Why a capacity was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("capacity must be between 1 and {max}, not {given}", max = Capacity::MAX)]
pub struct CapacityError {
    /// The number that was given.
    pub given: i64,
}

impl Capacity {
    /// The largest capacity accepted.
    pub const MAX: u32 = 1_000_000;

    /// Checks `n` is a usable capacity.
    pub fn new(n: i64) -> Result<Self, CapacityError> {
        if (1..=i64::from(Self::MAX)).contains(&n) {
            // The range check above makes the cast lossless.
            Ok(Self(n as u32))
        } else {
            Err(CapacityError { given: n })
        }
    }

    /// The number of seats.
    pub fn get(self) -> u32 {
        self.0
    }
}

impl TryFrom<u32> for Capacity {
    type Error = CapacityError;
    fn try_from(value: u32) -> Result<Self, Self::Error> {
        Self::new(i64::from(value))
    }
}

impl From<Capacity> for u32 {
    fn from(value: Capacity) -> Self {
        value.0
    }
}

/// How full a session is, as shown next to it in every listing.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SeatState {
    /// No limit: anyone may come (breaks, or rooms without a known capacity).
    Unlimited,
    /// Under three quarters taken.
    Open,
    /// At least three quarters taken: worth a hint before people try.
    Filling,
    /// Every seat is taken; only the waitlist is left.
    Full,
}

/// The seats of one session: its capacity (if any) and how many are reserved.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Seats {
    capacity: Option<Capacity>,
    reserved: u32,
}

impl Seats {
    /// The share of seats from which a session counts as filling, in percent.
    pub const FILLING_PERCENT: u64 = 75;

    /// Seats of a session with `capacity` of which `reserved` are taken. `reserved` above
    /// the capacity would break invariant 1; it is kept as given so that a report can show
    /// it, and [`Seats::left`] answers zero.
    pub fn new(capacity: Option<Capacity>, reserved: u32) -> Self {
        Self { capacity, reserved }
    }

    /// The capacity, `None` for unlimited.
    pub fn capacity(&self) -> Option<Capacity> {
        self.capacity
    }

    /// How many seats are reserved.
    pub fn reserved(&self) -> u32 {
        self.reserved
    }

    /// Seats still free; `None` for unlimited.
    pub fn left(&self) -> Option<u32> {
        self.capacity.map(|c| c.get().saturating_sub(self.reserved))
    }

    /// How full the session is.
    pub fn state(&self) -> SeatState {
        match self.capacity {
            None => SeatState::Unlimited,
            Some(c) if self.reserved >= c.get() => SeatState::Full,
            Some(c)
                if u64::from(self.reserved) * 100 >= u64::from(c.get()) * Self::FILLING_PERCENT =>
            {
                SeatState::Filling
            }
            Some(_) => SeatState::Open,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn cap(n: i64) -> Option<Capacity> {
        Some(Capacity::new(n).unwrap())
    }

    #[test]
    fn capacity_must_be_positive_and_bounded() {
        assert!(Capacity::new(0).is_err());
        assert!(Capacity::new(-3).is_err());
        assert!(Capacity::new(1).is_ok());
        assert!(Capacity::new(1_000_001).is_err());
        assert!(serde_json::from_str::<Capacity>("0").is_err());
    }

    #[test]
    fn state_follows_the_filling_threshold() {
        assert_eq!(Seats::new(None, 10_000).state(), SeatState::Unlimited);
        assert_eq!(Seats::new(cap(100), 74).state(), SeatState::Open);
        assert_eq!(Seats::new(cap(100), 75).state(), SeatState::Filling);
        assert_eq!(Seats::new(cap(100), 99).state(), SeatState::Filling);
        assert_eq!(Seats::new(cap(100), 100).state(), SeatState::Full);
        assert_eq!(Seats::new(cap(4), 3).state(), SeatState::Filling);
        assert_eq!(Seats::new(cap(4), 2).state(), SeatState::Open);
    }

    #[test]
    fn seats_left_never_goes_negative() {
        assert_eq!(Seats::new(cap(80), 81).left(), Some(0));
        assert_eq!(Seats::new(cap(80), 30).left(), Some(50));
        assert_eq!(Seats::new(None, 3).left(), None);
    }

    proptest! {
        #[test]
        fn left_plus_reserved_is_capacity_until_full(c in 1i64..10_000, r in 0u32..20_000) {
            let seats = Seats::new(cap(c), r);
            let left = seats.left().unwrap();
            prop_assert_eq!(u64::from(left) + u64::from(r.min(c as u32)), c as u64);
            prop_assert_eq!(left == 0, seats.state() == SeatState::Full);
        }
    }
}
