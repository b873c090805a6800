//! A token bucket: a burst, then a steady rate. It bounds what untrusted
//! parties can make the host write (guest log lines, audit rows for failed
//! logins), and counts what it turned away so the next accepted item can say so.

use std::time::Instant;

/// `burst` items at once, refilled at `per_second`.
#[derive(Debug)]
pub struct TokenBucket {
    burst: f64,
    per_second: f64,
    tokens: f64,
    last: Instant,
    /// Items turned away since the last one accepted.
    pub dropped: u64,
}

impl TokenBucket {
    /// A full bucket.
    pub fn new(burst: f64, per_second: f64) -> Self {
        TokenBucket {
            burst,
            per_second,
            tokens: burst,
            last: Instant::now(),
            dropped: 0,
        }
    }

    /// Whether one more item may go through now (otherwise it is counted in
    /// [`TokenBucket::dropped`]).
    pub fn take(&mut self) -> bool {
        self.take_n(1.0)
    }

    /// Whether an item costing `cost` tokens may go through now.
    pub fn take_n(&mut self, cost: f64) -> bool {
        let now = Instant::now();
        let refill = now.duration_since(self.last).as_secs_f64() * self.per_second;
        self.tokens = (self.tokens + refill).min(self.burst);
        self.last = now;
        if self.tokens >= cost {
            self.tokens -= cost;
            true
        } else {
            self.dropped += 1;
            false
        }
    }

    /// Like [`TokenBucket::take`], returning how many were turned away before
    /// this accepted one (and resetting that count).
    pub fn take_counting(&mut self) -> Option<u64> {
        self.take().then(|| std::mem::take(&mut self.dropped))
    }
}
