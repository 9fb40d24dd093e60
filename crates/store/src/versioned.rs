//! An in-memory copy of database state (the catalogue snapshot, the guide's index), replaced
//! when a version counter in the database moves. Checking that counter costs a query, so it is
//! done at most once a second per instance, by one caller at a time.

use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::{Arc, RwLock};
use std::time::Instant;

pub struct Versioned<T> {
    current: RwLock<Arc<T>>,
    checked_ms: AtomicI64,
    started: Instant,
}

impl<T> Versioned<T> {
    pub fn new(value: T) -> Versioned<T> {
        Versioned {
            current: RwLock::new(Arc::new(value)),
            checked_ms: AtomicI64::new(0),
            started: Instant::now(),
        }
    }

    /// The copy in memory.
    pub fn get(&self) -> Arc<T> {
        match self.current.read() {
            Ok(g) => g.clone(),
            Err(poisoned) => poisoned.into_inner().clone(),
        }
    }

    pub fn replace(&self, value: Arc<T>) {
        match self.current.write() {
            Ok(mut g) => *g = value,
            Err(poisoned) => *poisoned.into_inner() = value,
        }
    }

    /// True for the one caller that should check the database now (a second since the last).
    pub fn check_due(&self) -> bool {
        let now = self.started.elapsed().as_millis() as i64;
        let last = self.checked_ms.load(Ordering::Relaxed);
        now - last >= 1000
            && self
                .checked_ms
                .compare_exchange(last, now, Ordering::AcqRel, Ordering::Relaxed)
                .is_ok()
    }
}
