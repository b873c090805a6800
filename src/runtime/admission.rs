//! Admission control: a fixed number of calls run at once, a bounded number wait,
//! and the rest are refused at once (the HTTP layer answers 503 with
//! `Retry-After`) instead of queueing without end. Used twice: host-wide, for
//! calls executing at all, and per component, for its `max_instances`.
//!
//! A waiting call that is dropped (its client went away) leaves the queue
//! immediately; a permit is released when the call holding it ends or is
//! dropped.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Instant;

use tokio::sync::{OwnedSemaphorePermit, Semaphore};

/// Calls allowed to wait per running slot before new ones are refused.
pub const QUEUE_PER_SLOT: usize = 4;

/// Why a call was not admitted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Refused {
    /// Every slot is taken and the wait queue is full.
    Full,
    /// The call's deadline passed while it waited.
    Deadline,
}

/// A gate of `size` concurrent slots with a wait queue of `max_waiting`.
#[derive(Debug)]
pub(crate) struct Admission {
    permits: Arc<Semaphore>,
    size: usize,
    waiting: AtomicUsize,
    max_waiting: usize,
}

/// Decrements the waiting count however the wait ends.
struct Waiting<'a>(&'a AtomicUsize);

impl Drop for Waiting<'_> {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::AcqRel);
    }
}

impl Admission {
    /// `size` slots, `size * QUEUE_PER_SLOT` waiters.
    pub(crate) fn new(size: usize) -> Self {
        Admission {
            permits: Arc::new(Semaphore::new(size)),
            size,
            waiting: AtomicUsize::new(0),
            max_waiting: size.saturating_mul(QUEUE_PER_SLOT),
        }
    }

    /// How many slots there are.
    pub(crate) fn size(&self) -> usize {
        self.size
    }

    /// Slots taken right now.
    pub(crate) fn busy(&self) -> usize {
        self.size.saturating_sub(self.permits.available_permits())
    }

    /// Calls waiting right now.
    pub(crate) fn waiting(&self) -> usize {
        self.waiting.load(Ordering::Acquire)
    }

    /// A slot if one is free now.
    pub(crate) fn try_enter(&self) -> Option<OwnedSemaphorePermit> {
        self.permits.clone().try_acquire_owned().ok()
    }

    /// A slot, waiting (in a bounded queue) until `deadline` at the latest.
    pub(crate) async fn enter(&self, deadline: Instant) -> Result<OwnedSemaphorePermit, Refused> {
        if let Some(permit) = self.try_enter() {
            return Ok(permit);
        }
        if self.waiting.fetch_add(1, Ordering::AcqRel) >= self.max_waiting {
            self.waiting.fetch_sub(1, Ordering::AcqRel);
            return Err(Refused::Full);
        }
        let _waiting = Waiting(&self.waiting);
        match tokio::time::timeout_at(deadline.into(), self.permits.clone().acquire_owned()).await {
            Ok(Ok(permit)) => Ok(permit),
            // The semaphore is never closed; should it be, the call is refused.
            Ok(Err(_)) => Err(Refused::Full),
            Err(_) => Err(Refused::Deadline),
        }
    }
}
