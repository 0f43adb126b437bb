//! The build state of one stage as BuildKit's `llb.State` carries it: the current
//! filesystem output, environment, working directory, user, platform and network /
//! security defaults for later RUNs.
//!
//! What it does not do: create ops (see `ops.rs`) or track the image config (`image.rs`).

use crate::shell::Env;

use super::graph::OutRef;

/// BuildKit's `llb.EnvList`: setting a name moves it to the end; deleting removes it.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct EnvList {
    entries: Vec<(String, String)>,
}

impl EnvList {
    pub fn new() -> EnvList {
        EnvList::default()
    }

    pub fn add_or_replace(&mut self, key: &str, value: &str) {
        self.entries.retain(|(k, _)| k != key);
        self.entries.push((key.to_string(), value.to_string()));
    }

    /// `EnvList.Delete`.
    pub fn delete(&mut self, key: &str) {
        self.entries.retain(|(k, _)| k != key);
    }

    pub fn to_array(&self) -> Vec<String> {
        self.entries
            .iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect()
    }
}

impl Env for EnvList {
    fn get(&self, name: &str) -> Option<&str> {
        self.entries
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }

    fn keys(&self) -> Vec<String> {
        self.entries.iter().map(|(k, _)| k.clone()).collect()
    }
}

/// The state of a stage between instructions.
#[derive(Clone, Debug, Default)]
pub struct State {
    /// The root filesystem; `None` is scratch.
    pub output: Option<OutRef>,
    pub env: EnvList,
    /// The working directory; `None` until set (BuildKit then uses `/`).
    pub dir: Option<String>,
    pub user: Option<String>,
}

impl State {
    pub fn scratch() -> State {
        State::default()
    }

    /// The working directory, `/` when unset.
    pub fn dir(&self) -> String {
        self.dir.clone().unwrap_or_else(|| "/".to_string())
    }

    /// BuildKit's `State.Dir`: relative paths are joined onto the current directory.
    pub fn set_dir(&mut self, dir: &str) {
        let value = if dir.starts_with('/') {
            dir.to_string()
        } else {
            super::paths::join(&[&self.dir(), dir])
        };
        self.dir = Some(value);
    }
}
