//! Throttling of sign-in attempts: a counter per key (an account, a client address, or the pair)
//! that counts attempts in a window and, when one more than the limit arrives, blocks the key
//! for a while — twice as long as the previous block each time it happens again within a day.
//!
//! An attempt is *reserved* before the password is checked, so requests in flight together
//! count against the limit too (a check-then-act counter lets parallel guesses through); a
//! sign-in that succeeds gives its attempt back.

use chrono::{DateTime, Duration, Utc};

/// A key's state as stored.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Counter {
    /// Attempts reserved in the current window.
    pub attempts: i64,
    pub window_start: DateTime<Utc>,
    pub blocked_until: Option<DateTime<Utc>>,
    /// Blocks in a row (forgotten after a quiet day): the next block lasts `window × 2^strikes`.
    pub strikes: i64,
    pub updated_at: DateTime<Utc>,
}

impl Counter {
    pub fn new(now: DateTime<Utc>) -> Counter {
        Counter { attempts: 0, window_start: now, blocked_until: None, strikes: 0, updated_at: now }
    }
}

/// How many attempts a key may make in a window.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limit {
    pub attempts: i64,
    pub window: Duration,
}

/// The longest block, however often a key was blocked.
pub const MAX_BLOCK: Duration = Duration::hours(24);
/// After this long without attempts, a key's earlier blocks are forgotten.
pub const FORGET_AFTER: Duration = Duration::hours(24);

/// What became of an attempt.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// The attempt may go ahead; store the counter.
    Allowed(Counter),
    /// This attempt went over the limit: the key is blocked from now; store the counter.
    Blocked { counter: Counter, until: DateTime<Utc> },
    /// The key was blocked already; nothing changes.
    StillBlocked { until: DateTime<Utc> },
}

/// Reserves one attempt on a key.
pub fn reserve(counter: Option<Counter>, now: DateTime<Utc>, limit: Limit) -> Outcome {
    let mut c = counter.unwrap_or_else(|| Counter::new(now));
    if let Some(until) = c.blocked_until {
        if now < until {
            return Outcome::StillBlocked { until };
        }
        c.blocked_until = None;
        c.attempts = 0;
        c.window_start = now;
    }
    if now - c.updated_at > FORGET_AFTER {
        c.strikes = 0;
    }
    if now - c.window_start >= limit.window {
        c.attempts = 0;
        c.window_start = now;
    }
    c.updated_at = now;
    c.attempts += 1;
    if c.attempts <= limit.attempts {
        return Outcome::Allowed(c);
    }
    let factor = 1i32 << c.strikes.clamp(0, 16);
    let block = (limit.window * factor).min(MAX_BLOCK);
    let until = now + block;
    c.strikes += 1;
    c.attempts = 0;
    c.window_start = now;
    c.blocked_until = Some(until);
    Outcome::Blocked { counter: c, until }
}

/// Gives back the attempt of a sign-in that succeeded. `forgive` also forgets the key's earlier
/// failures and blocks (the pair of the account and the client that just proved the password).
pub fn release(mut c: Counter, forgive: bool) -> Counter {
    if forgive {
        c.attempts = 0;
        c.strikes = 0;
        c.blocked_until = None;
    } else {
        c.attempts = (c.attempts - 1).max(0);
    }
    c
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(minutes: i64) -> DateTime<Utc> {
        DateTime::from_timestamp(1_800_000_000, 0).expect("a time") + Duration::minutes(minutes)
    }

    const FIVE: Limit = Limit { attempts: 5, window: Duration::minutes(15) };

    fn allowed(o: Outcome) -> Counter {
        match o {
            Outcome::Allowed(c) => c,
            other => panic!("expected the attempt to be allowed: {other:?}"),
        }
    }

    #[test]
    fn the_sixth_attempt_in_a_window_blocks_and_blocks_grow() {
        let mut c = None;
        for _ in 0..5 {
            c = Some(allowed(reserve(c, at(0), FIVE)));
        }
        let Outcome::Blocked { counter, until } = reserve(c, at(1), FIVE) else { panic!("not blocked") };
        assert_eq!(until, at(16));
        assert_eq!(reserve(Some(counter), at(10), FIVE), Outcome::StillBlocked { until: at(16) });
        // After the block: five more, then a block twice as long.
        let mut c = Some(counter);
        for _ in 0..5 {
            c = Some(allowed(reserve(c, at(16), FIVE)));
        }
        let Outcome::Blocked { counter, until } = reserve(c, at(17), FIVE) else { panic!("not blocked") };
        assert_eq!(until, at(17 + 30));
        // A quiet day forgets the strikes.
        let mut c = Some(counter);
        for _ in 0..5 {
            c = Some(allowed(reserve(c, at(17 + 30 + 24 * 60 + 1), FIVE)));
        }
        let Outcome::Blocked { until, .. } = reserve(c, at(17 + 30 + 24 * 60 + 2), FIVE) else { panic!() };
        assert_eq!(until, at(17 + 30 + 24 * 60 + 2 + 15));
    }

    #[test]
    fn windows_roll_and_blocks_are_capped() {
        let mut c = None;
        for _ in 0..5 {
            c = Some(allowed(reserve(c, at(0), FIVE)));
        }
        // A new window starts the count again.
        let c = allowed(reserve(c, at(15), FIVE));
        assert_eq!(c.attempts, 1);
        let mut c = Counter { strikes: 40, ..c };
        c.attempts = 5;
        let Outcome::Blocked { until, .. } = reserve(Some(c), at(16), FIVE) else { panic!() };
        assert_eq!(until, at(16) + MAX_BLOCK);
    }

    #[test]
    fn success_gives_the_attempt_back() {
        let c = allowed(reserve(None, at(0), FIVE));
        assert_eq!(release(c, false).attempts, 0);
        let c = Counter { attempts: 4, strikes: 2, blocked_until: Some(at(5)), ..c };
        let r = release(c, true);
        assert_eq!((r.attempts, r.strikes, r.blocked_until), (0, 0, None));
        assert_eq!(release(Counter { attempts: 0, ..c }, false).attempts, 0);
    }
}
