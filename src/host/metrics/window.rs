//! Time, and the sliding error window behind canary auto-abort.
//!
//! Time is read through [`Clock`] (or passed in as an [`Instant`]) so tests can step
//! it by hand instead of sleeping.

use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

/// A source of monotonic time.
pub trait Clock: Send + Sync {
    /// The current instant.
    fn now(&self) -> Instant;
}

/// The real clock ([`Instant::now`]).
#[derive(Debug, Clone, Copy, Default)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> Instant {
        Instant::now()
    }
}

/// A clock that only moves when told to, for deterministic tests.
#[derive(Debug)]
pub struct ManualClock {
    base: Instant,
    offset_ns: AtomicU64,
}

impl ManualClock {
    /// A clock standing at an arbitrary origin.
    pub fn new() -> Self {
        ManualClock {
            base: Instant::now(),
            offset_ns: AtomicU64::new(0),
        }
    }

    /// Moves the clock forward by `by`.
    pub fn advance(&self, by: Duration) {
        self.offset_ns.fetch_add(nanos(by), Ordering::Relaxed);
    }

    /// Sets the clock to `elapsed` after its origin.
    pub fn set(&self, elapsed: Duration) {
        self.offset_ns.store(nanos(elapsed), Ordering::Relaxed);
    }
}

impl Default for ManualClock {
    fn default() -> Self {
        Self::new()
    }
}

impl Clock for ManualClock {
    fn now(&self) -> Instant {
        self.base + Duration::from_nanos(self.offset_ns.load(Ordering::Relaxed))
    }
}

/// A duration in nanoseconds, saturating (584 years fit in a `u64`).
pub(super) fn nanos(d: Duration) -> u64 {
    u64::try_from(d.as_nanos()).unwrap_or(u64::MAX)
}

/// The longest window an [`ErrorWindow`] keeps, in seconds: it bounds the memory a
/// window takes (16 bytes a second).
pub const MAX_WINDOW_SECS: u64 = 3600;

#[derive(Debug, Clone, Copy)]
struct Slot {
    /// The second (since the window's origin) this slot counts; `u64::MAX` = unused.
    second: u64,
    calls: u32,
    errors: u32,
}

const UNUSED: Slot = Slot {
    second: u64::MAX,
    calls: 0,
    errors: 0,
};

/// Calls and errors over the last N seconds, one slot a second in a ring.
///
/// "The last N seconds" is the current, partly elapsed second plus the N − 1 before
/// it, so a window covers between N − 1 and N seconds of time; slots are reused
/// lazily, so nothing runs in the background.
#[derive(Debug, Clone)]
pub struct ErrorWindow {
    origin: Instant,
    slots: Box<[Slot]>,
}

impl ErrorWindow {
    /// A window of `length` (rounded up to whole seconds, 1 ..= [`MAX_WINDOW_SECS`])
    /// whose seconds are counted from `origin`.
    pub fn new(length: Duration, origin: Instant) -> Self {
        let secs = length.as_secs() + u64::from(length.subsec_nanos() > 0);
        let secs = secs.clamp(1, MAX_WINDOW_SECS);
        ErrorWindow {
            origin,
            // Bounded by MAX_WINDOW_SECS, so the cast cannot truncate.
            slots: vec![UNUSED; secs as usize].into_boxed_slice(),
        }
    }

    /// The window's length.
    pub fn length(&self) -> Duration {
        Duration::from_secs(self.slots.len() as u64)
    }

    fn second(&self, now: Instant) -> u64 {
        now.saturating_duration_since(self.origin).as_secs()
    }

    /// Counts one call at `now`, an error or not.
    pub fn record(&mut self, now: Instant, is_error: bool) {
        let second = self.second(now);
        let len = self.slots.len() as u64;
        let Some(slot) = self.slots.get_mut((second % len) as usize) else {
            return;
        };
        if slot.second != second {
            if slot.second != u64::MAX && slot.second > second {
                // A late record for a second the ring has already moved past (a
                // caller stalled a whole window between reading the clock and
                // recording): it is outside every window still answerable.
                return;
            }
            *slot = Slot {
                second,
                calls: 0,
                errors: 0,
            };
        }
        slot.calls = slot.calls.saturating_add(1);
        if is_error {
            slot.errors = slot.errors.saturating_add(1);
        }
    }

    /// `(calls, errors)` over the last `window` seconds at `now` (rounded up to whole
    /// seconds and capped at the window's length).
    pub fn counts_over(&self, now: Instant, window: Duration) -> (u64, u64) {
        let secs = window.as_secs() + u64::from(window.subsec_nanos() > 0);
        let secs = secs.clamp(1, self.slots.len() as u64);
        let current = self.second(now);
        self.slots
            .iter()
            .filter(|s| s.second <= current && s.second + secs > current)
            .fold((0, 0), |(calls, errors), s| {
                (calls + u64::from(s.calls), errors + u64::from(s.errors))
            })
    }

    /// Calls over the whole window at `now`.
    pub fn calls(&self, now: Instant) -> u64 {
        self.counts_over(now, self.length()).0
    }

    /// Errors over the whole window at `now`.
    pub fn errors(&self, now: Instant) -> u64 {
        self.counts_over(now, self.length()).1
    }

    /// Errors / calls over the whole window at `now`; 0.0 when there were no calls.
    pub fn error_rate(&self, now: Instant) -> f64 {
        let (calls, errors) = self.counts_over(now, self.length());
        rate(calls, errors)
    }

    /// Whether a canary should be aborted at `now`: at least `min_calls` calls (and at
    /// least one) in the window, and an error rate strictly above `max_error_rate`.
    /// The minimum keeps one early failure from aborting a canary that has barely
    /// been called.
    pub fn should_abort(&self, now: Instant, max_error_rate: f64, min_calls: u64) -> bool {
        let (calls, errors) = self.counts_over(now, self.length());
        calls > 0 && calls >= min_calls && rate(calls, errors) > max_error_rate
    }
}

/// `errors / calls`, 0.0 without calls.
pub(super) fn rate(calls: u64, errors: u64) -> f64 {
    if calls == 0 {
        0.0
    } else {
        errors as f64 / calls as f64
    }
}
