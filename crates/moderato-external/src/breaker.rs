//! A small circuit breaker: after `failures` consecutive failures the circuit
//! opens for `cooldown`; then one trial call is let through (half-open).
//!
//! This module must never sleep or block: it only answers "may I call?".

use std::sync::Mutex;
use std::time::{Duration, Instant};

/// Breaker settings.
#[derive(Debug, Clone, Copy)]
pub struct BreakerSettings {
    /// Consecutive failures that open the circuit.
    pub failures: u32,
    /// How long it stays open.
    pub cooldown: Duration,
}

impl Default for BreakerSettings {
    fn default() -> Self {
        BreakerSettings {
            failures: 3,
            cooldown: Duration::from_secs(30),
        }
    }
}

#[derive(Debug)]
struct State {
    consecutive_failures: u32,
    open_until: Option<Instant>,
    trial_in_flight: bool,
}

/// A circuit breaker for one classifier.
#[derive(Debug)]
pub struct Breaker {
    settings: BreakerSettings,
    state: Mutex<State>,
}

impl Breaker {
    /// A closed breaker.
    pub fn new(settings: BreakerSettings) -> Breaker {
        Breaker {
            settings,
            state: Mutex::new(State {
                consecutive_failures: 0,
                open_until: None,
                trial_in_flight: false,
            }),
        }
    }

    /// Whether a call may go out now.
    pub fn allow(&self) -> bool {
        let Ok(mut state) = self.state.lock() else {
            return true;
        };
        match state.open_until {
            None => true,
            Some(until) if Instant::now() < until => false,
            Some(_) => {
                // Half-open: exactly one trial call.
                if state.trial_in_flight {
                    false
                } else {
                    state.trial_in_flight = true;
                    true
                }
            }
        }
    }

    /// A call succeeded: close the circuit.
    pub fn record_success(&self) {
        if let Ok(mut state) = self.state.lock() {
            state.consecutive_failures = 0;
            state.open_until = None;
            state.trial_in_flight = false;
        }
    }

    /// A call failed: count it, and open the circuit at the threshold (or again after a failed trial).
    pub fn record_failure(&self) {
        if let Ok(mut state) = self.state.lock() {
            state.consecutive_failures += 1;
            if state.trial_in_flight || state.consecutive_failures >= self.settings.failures {
                state.open_until = Some(Instant::now() + self.settings.cooldown);
                state.trial_in_flight = false;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn opens_after_failures_and_half_opens_after_cooldown() {
        let breaker = Breaker::new(BreakerSettings {
            failures: 2,
            cooldown: Duration::from_millis(30),
        });
        assert!(breaker.allow());
        breaker.record_failure();
        assert!(breaker.allow());
        breaker.record_failure();
        assert!(!breaker.allow(), "open after two failures");
        std::thread::sleep(Duration::from_millis(40));
        assert!(breaker.allow(), "one trial after the cooldown");
        assert!(!breaker.allow(), "only one trial at a time");
        breaker.record_failure();
        assert!(!breaker.allow(), "a failed trial opens it again");
        std::thread::sleep(Duration::from_millis(40));
        assert!(breaker.allow());
        breaker.record_success();
        assert!(
            breaker.allow() && breaker.allow(),
            "closed after a successful trial"
        );
    }
}
