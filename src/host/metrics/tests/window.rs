//! The sliding error window, on injected time.

use std::time::{Duration, Instant};

use super::{manual, ms};
use crate::host::metrics::{ERROR_WINDOW, ErrorWindow, Outcome};

#[test]
fn error_window_slides_with_an_injected_clock() {
    let t0 = Instant::now();
    let at = |s: f64| t0 + Duration::from_secs_f64(s);
    let mut w = ErrorWindow::new(Duration::from_secs(10), t0);
    assert_eq!(w.length(), Duration::from_secs(10));
    for i in 0..10 {
        w.record(at(i as f64 + 0.5), false);
    }
    w.record(at(9.9), true);
    w.record(at(9.9), true);
    assert_eq!((w.calls(at(9.9)), w.errors(at(9.9))), (12, 2));
    assert!((w.error_rate(at(9.9)) - 2.0 / 12.0).abs() < 1e-12);
    assert!(w.should_abort(at(9.9), 0.1, 10));
    assert!(!w.should_abort(at(9.9), 0.1, 13), "too few calls to judge");
    assert!(!w.should_abort(at(9.9), 0.2, 10), "rate not exceeded");
    assert_eq!(w.counts_over(at(9.9), Duration::from_secs(1)), (3, 2));
    // Second 10 reuses the slot of second 0: seconds 1..=10 remain.
    w.record(at(10.2), false);
    assert_eq!(w.calls(at(10.2)), 12);
    // Five seconds later the errors of second 9 are still in; at 19 they are gone.
    assert_eq!(w.errors(at(15.0)), 2);
    assert_eq!(w.errors(at(19.0)), 0);
    assert_eq!(w.calls(at(100.0)), 0);
    assert_eq!(w.error_rate(at(100.0)), 0.0);
    assert!(!w.should_abort(at(100.0), 0.0, 0));
    // A record for a second the ring has moved past is dropped.
    w.record(at(0.0), true);
    assert_eq!(w.errors(at(10.5)), 2);
}

#[test]
fn metrics_error_rate_for_canary_abort() {
    let (clock, metrics) = manual();
    assert_eq!(metrics.error_rate("a", "2", Duration::from_secs(30)), None);
    for i in 0..60u64 {
        let outcome = if i >= 50 {
            Outcome::Error("trap")
        } else {
            Outcome::Ok
        };
        metrics.record_call("a", "2", outcome, ms(1));
        clock.advance(Duration::from_secs(1));
    }
    // At t = 60 s the last 10 s hold seconds 51..=59 (the current second is empty).
    let (rate, calls) = metrics
        .error_rate("a", "2", Duration::from_secs(10))
        .expect("known");
    assert_eq!(calls, 9);
    assert_eq!(rate, 1.0);
    let (rate, calls) = metrics
        .error_rate("a", "2", Duration::from_secs(60))
        .expect("known");
    assert_eq!(calls, 59);
    assert!((rate - 10.0 / 59.0).abs() < 1e-12);
    clock.advance(ERROR_WINDOW);
    assert_eq!(metrics.error_rate("a", "2", ERROR_WINDOW), Some((0.0, 0)));
}
