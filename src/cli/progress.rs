//! Progress displays for `dfc run` and `dfc build`: a live tty view, BuildKit's plain
//! lines, or one JSON object per event (rawjson), all on standard error. They only
//! render the solver's events; they decide nothing.

use std::collections::BTreeMap;
use std::io::{self, IsTerminal, Write};
use std::sync::{Arc, Mutex};
use std::time::SystemTime;

use clap::ValueEnum;
use runner::llb_schema::Digest;
use runner::{Event, EventKind, ProgressSink};

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Progress {
    /// tty when standard error is a terminal, else plain.
    Auto,
    /// A live display redrawn in place.
    Tty,
    /// BuildKit's plain progress lines.
    Plain,
    /// One JSON object per event.
    Rawjson,
}

/// BuildKit-style live display for a terminal: one line per started step
/// (number, name, elapsed time or CACHED/DONE/ERROR) and the last output
/// line of each running step, redrawn in place on every event.
struct Tty {
    state: Mutex<TtyState>,
}

/// A started step: vertex, name, start, status (empty while running), last output line.
type Row = (Digest, String, SystemTime, String, String);

#[derive(Default)]
struct TtyState {
    /// Started steps in start order.
    rows: Vec<Row>,
    /// Lines drawn last time (to move the cursor back over them).
    drawn: usize,
}

impl ProgressSink for Tty {
    fn event(&self, e: Event) {
        let Ok(mut st) = self.state.lock() else {
            return;
        };
        let idx = match st.rows.iter().position(|r| r.0 == e.vertex) {
            Some(i) => i,
            None => {
                st.rows
                    .push((e.vertex, e.name.clone(), e.at, String::new(), String::new()));
                st.rows.len() - 1
            }
        };
        let secs =
            e.at.duration_since(st.rows[idx].2)
                .map(|d| d.as_secs_f64())
                .unwrap_or(0.0);
        match &e.kind {
            EventKind::Started => {}
            EventKind::Cached => st.rows[idx].3 = "CACHED".into(),
            EventKind::Completed => st.rows[idx].3 = format!("DONE {secs:.1}s"),
            EventKind::Failed(m) => st.rows[idx].3 = format!("ERROR: {m}"),
            EventKind::Log(b) => {
                if let Some(l) = String::from_utf8_lossy(b)
                    .lines()
                    .rev()
                    .find(|l| !l.trim().is_empty())
                {
                    st.rows[idx].4 = l.chars().take(100).collect();
                }
            }
        }
        let mut text = String::new();
        if st.drawn > 0 {
            text.push_str(&format!("\x1b[{}A", st.drawn));
        }
        let mut lines = 0;
        for (i, (_, name, started, status, last)) in st.rows.iter().enumerate() {
            let shown = if status.is_empty() {
                format!(
                    "{:.1}s",
                    e.at.duration_since(*started)
                        .map(|d| d.as_secs_f64())
                        .unwrap_or(0.0)
                )
            } else {
                status.clone()
            };
            text.push_str(&format!("\x1b[2K => [{}] {name} {shown}\n", i + 1));
            lines += 1;
            if status.is_empty() && !last.is_empty() {
                text.push_str(&format!("\x1b[2K    {last}\n"));
                lines += 1;
            }
        }
        for _ in lines..st.drawn {
            text.push_str("\x1b[2K\n");
        }
        st.drawn = lines.max(st.drawn);
        let _ = io::stderr().lock().write_all(text.as_bytes());
    }
}

/// Each vertex's display number and start time, and the last number given.
type Numbering = (BTreeMap<Digest, (usize, SystemTime)>, usize);

/// Prints events to stderr as they arrive.
struct Printer {
    json: bool,
    state: Mutex<Numbering>,
}

impl ProgressSink for Printer {
    fn event(&self, e: Event) {
        let Ok(mut st) = self.state.lock() else {
            return;
        };
        let next = st.1 + 1;
        let (n, started) = *st.0.entry(e.vertex).or_insert((next, e.at));
        if n == next {
            st.1 = next;
        }
        let at =
            e.at.duration_since(SystemTime::UNIX_EPOCH)
                .map(|d| d.as_secs_f64())
                .unwrap_or(0.0);
        let secs =
            e.at.duration_since(started)
                .map(|d| d.as_secs_f64())
                .unwrap_or(0.0);
        let mut err = io::stderr().lock();
        let _ = if self.json {
            let (kind, text) = match &e.kind {
                EventKind::Started => ("started", String::new()),
                EventKind::Cached => ("cached", String::new()),
                EventKind::Completed => ("completed", String::new()),
                EventKind::Failed(m) => ("error", m.clone()),
                EventKind::Log(b) => ("log", String::from_utf8_lossy(b).into_owned()),
            };
            let v = serde_json::json!({"vertex": e.vertex.to_string(), "name": e.name, "event": kind, "time": at, "text": text});
            writeln!(err, "{v}")
        } else {
            match &e.kind {
                EventKind::Started => writeln!(err, "#{n} {}", e.name),
                EventKind::Cached => writeln!(err, "#{n} CACHED"),
                EventKind::Completed => writeln!(err, "#{n} DONE {secs:.1}s"),
                EventKind::Failed(m) => writeln!(err, "#{n} ERROR: {m}"),
                EventKind::Log(b) => String::from_utf8_lossy(b)
                    .lines()
                    .try_for_each(|l| writeln!(err, "#{n} {secs:.3} {l}")),
            }
        };
    }
}

/// The sink for a `--progress` choice.
pub fn sink(progress: Progress) -> Arc<dyn ProgressSink> {
    let tty = match progress {
        Progress::Tty => true,
        Progress::Auto => io::stderr().is_terminal(),
        Progress::Plain | Progress::Rawjson => false,
    };
    if tty {
        Arc::new(Tty {
            state: Mutex::new(TtyState::default()),
        })
    } else {
        Arc::new(Printer {
            json: progress == Progress::Rawjson,
            state: Mutex::new((BTreeMap::new(), 0)),
        })
    }
}
