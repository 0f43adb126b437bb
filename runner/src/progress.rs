//! Progress events of a solve, with timestamps, sent to a [`ProgressSink`].
//! Displays (tty, plain, rawjson) are the CLI's; this module only defines the
//! events and a sink that collects them (tests, rawjson).

use std::sync::Mutex;
use std::time::SystemTime;

use llb_schema::Digest;

/// What happened to a vertex.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum EventKind {
    /// Work on the vertex started.
    Started,
    /// The result came from the cache; nothing ran.
    Cached,
    /// The vertex completed.
    Completed,
    /// The vertex failed with this message.
    Failed(String),
    /// A chunk of the vertex's output (stdout and stderr interleaved).
    Log(Vec<u8>),
}

/// One progress event.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Event {
    /// The vertex's op digest.
    pub vertex: Digest,
    /// Its display name.
    pub name: String,
    /// What happened.
    pub kind: EventKind,
    /// When.
    pub at: SystemTime,
}

/// Receives events from solver threads.
pub trait ProgressSink: Send + Sync {
    /// Called once per event, from any thread.
    fn event(&self, event: Event);
}

/// Keeps every event in order of arrival.
#[derive(Debug, Default)]
pub struct Collect {
    events: Mutex<Vec<Event>>,
}

impl Collect {
    /// The events so far.
    pub fn events(&self) -> Vec<Event> {
        self.events.lock().map(|e| e.clone()).unwrap_or_default()
    }
}

impl ProgressSink for Collect {
    fn event(&self, event: Event) {
        if let Ok(mut e) = self.events.lock() {
            e.push(event);
        }
    }
}

/// Drops every event.
#[derive(Debug, Default, Clone, Copy)]
pub struct Discard;

impl ProgressSink for Discard {
    fn event(&self, _event: Event) {}
}
