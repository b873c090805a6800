//! One output budget per component for everything a guest can make the host
//! write: log lines, standard output and error, and denial reports (which also
//! become audit rows on a host). A guest that floods any of them is cut off at
//! the same rate, and the next line that goes through says how much was dropped.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use super::events::{Denial, EventSink, LogLevel};
use crate::budget::TokenBucket;

/// Tokens at once per component.
const BURST: f64 = 200.0;
/// Tokens per second per component.
const PER_SECOND: f64 = 100.0;
/// Output bytes one token pays for (a log line or a denial costs one token).
const BYTES_PER_TOKEN: usize = 1024;

/// Wraps a sink with a budget per component.
pub struct BudgetedSink {
    inner: Arc<dyn EventSink>,
    budgets: Mutex<HashMap<String, TokenBucket>>,
}

impl BudgetedSink {
    /// `inner`, budgeted.
    pub fn new(inner: Arc<dyn EventSink>) -> Self {
        BudgetedSink {
            inner,
            budgets: Mutex::new(HashMap::new()),
        }
    }

    /// `Some(items dropped before this one)` if `component` may spend `cost`.
    fn admit(&self, component: &str, cost: f64) -> Option<u64> {
        let mut budgets = self.budgets.lock().unwrap_or_else(|p| p.into_inner());
        let bucket = budgets
            .entry(component.to_string())
            .or_insert_with(|| TokenBucket::new(BURST, PER_SECOND));
        bucket
            .take_n(cost)
            .then(|| std::mem::take(&mut bucket.dropped))
    }

    fn note_dropped(&self, component: &str, version: &str, dropped: u64) {
        if dropped > 0 {
            self.inner.log(
                component,
                version,
                LogLevel::Warn,
                &format!(
                    "{dropped} log lines, output writes or denial reports dropped (rate limit: {PER_SECOND} lines or KiB/s)"
                ),
            );
        }
    }
}

impl EventSink for BudgetedSink {
    fn enabled(&self, level: LogLevel) -> bool {
        self.inner.enabled(level)
    }

    fn log(&self, component: &str, version: &str, level: LogLevel, message: &str) {
        if let Some(dropped) = self.admit(component, 1.0) {
            self.note_dropped(component, version, dropped);
            self.inner.log(component, version, level, message);
        }
    }

    fn denied(&self, denial: &Denial) {
        if let Some(dropped) = self.admit(&denial.component, 1.0) {
            self.note_dropped(&denial.component, &denial.version, dropped);
            self.inner.denied(denial);
        }
    }

    fn output(&self, component: &str, version: &str, bytes: &[u8]) {
        // A write bigger than the burst costs the whole burst (and goes through
        // when the bucket is full) rather than never.
        let cost = (bytes.len().div_ceil(BYTES_PER_TOKEN).max(1) as f64).min(BURST);
        if let Some(dropped) = self.admit(component, cost) {
            self.note_dropped(component, version, dropped);
            self.inner.output(component, version, bytes);
        }
    }
}
