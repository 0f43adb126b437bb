//! Where expansion looks variables up: the [`Env`] trait and [`EnvMap`], an ordered map that
//! implements it.
//!
//! Names are compared exactly (case-sensitive), as BuildKit does on Unix. Nothing here expands
//! or parses anything; `EnvMap::from_kv_strings` only cuts `NAME=value` at the first `=`.

use std::collections::{BTreeMap, HashMap};
use std::hash::BuildHasher;

use indexmap::IndexMap;

/// A read-only view of variables for expansion.
///
/// `get` returning `None` means *unset*, which is not the same as set to `""`:
/// `${v-w}` gives `w` only for an unset `v`, `${v:-w}` for unset or empty.
pub trait Env {
    /// The value of `name`, or `None` when it is unset.
    fn get(&self, name: &str) -> Option<&str>;
    /// The names that are set, in the implementation's order (insertion order for [`EnvMap`]).
    fn keys(&self) -> Vec<String>;
}

impl<T: Env + ?Sized> Env for &T {
    fn get(&self, name: &str) -> Option<&str> {
        (**self).get(name)
    }
    fn keys(&self) -> Vec<String> {
        (**self).keys()
    }
}

/// Ordered variables: insertion order is kept, and setting a name again replaces its value
/// in place (the later value wins, the name keeps its first position).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct EnvMap {
    vars: IndexMap<String, String>,
}

impl EnvMap {
    /// An empty environment.
    pub fn new() -> EnvMap {
        EnvMap::default()
    }

    /// Sets `name` to `value`; a name set before keeps its position and takes the new value.
    pub fn set(&mut self, name: impl Into<String>, value: impl Into<String>) {
        self.vars.insert(name.into(), value.into());
    }

    /// Builder form of [`EnvMap::set`].
    pub fn with(mut self, name: impl Into<String>, value: impl Into<String>) -> EnvMap {
        self.set(name, value);
        self
    }

    /// Removes `name`, returning its value if it was set. Keeps the order of the others.
    pub fn remove(&mut self, name: &str) -> Option<String> {
        self.vars.shift_remove(name)
    }

    /// From `NAME=value` strings (the process-environment form): cut at the first `=`; an
    /// entry without `=` sets the name to `""`. Later entries override earlier ones.
    pub fn from_kv_strings<I, S>(entries: I) -> EnvMap
    where
        I: IntoIterator<Item = S>,
        S: AsRef<str>,
    {
        let mut env = EnvMap::new();
        for entry in entries {
            let entry = entry.as_ref();
            let (name, value) = entry.split_once('=').unwrap_or((entry, ""));
            env.set(name, value);
        }
        env
    }

    /// The value of `name`, or `None` when unset.
    pub fn get(&self, name: &str) -> Option<&str> {
        self.vars.get(name).map(String::as_str)
    }

    /// Number of variables set.
    pub fn len(&self) -> usize {
        self.vars.len()
    }

    /// Whether no variable is set.
    pub fn is_empty(&self) -> bool {
        self.vars.is_empty()
    }

    /// `(name, value)` pairs in order.
    pub fn iter(&self) -> impl Iterator<Item = (&str, &str)> {
        self.vars.iter().map(|(k, v)| (k.as_str(), v.as_str()))
    }
}

impl Env for EnvMap {
    fn get(&self, name: &str) -> Option<&str> {
        EnvMap::get(self, name)
    }
    fn keys(&self) -> Vec<String> {
        self.vars.keys().cloned().collect()
    }
}

impl<K: Into<String>, V: Into<String>> FromIterator<(K, V)> for EnvMap {
    fn from_iter<I: IntoIterator<Item = (K, V)>>(iter: I) -> EnvMap {
        let mut env = EnvMap::new();
        env.extend(iter);
        env
    }
}

impl<K: Into<String>, V: Into<String>> Extend<(K, V)> for EnvMap {
    fn extend<I: IntoIterator<Item = (K, V)>>(&mut self, iter: I) {
        for (k, v) in iter {
            self.set(k, v);
        }
    }
}

impl<S: BuildHasher> Env for IndexMap<String, String, S> {
    fn get(&self, name: &str) -> Option<&str> {
        IndexMap::get(self, name).map(String::as_str)
    }
    fn keys(&self) -> Vec<String> {
        IndexMap::keys(self).cloned().collect()
    }
}

/// Keys come in the map's (unspecified) iteration order.
impl<S: BuildHasher> Env for HashMap<String, String, S> {
    fn get(&self, name: &str) -> Option<&str> {
        HashMap::get(self, name).map(String::as_str)
    }
    fn keys(&self) -> Vec<String> {
        HashMap::keys(self).cloned().collect()
    }
}

impl Env for BTreeMap<String, String> {
    fn get(&self, name: &str) -> Option<&str> {
        BTreeMap::get(self, name).map(String::as_str)
    }
    fn keys(&self) -> Vec<String> {
        BTreeMap::keys(self).cloned().collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn later_set_overrides_in_place() {
        let env = EnvMap::from_kv_strings(["A=1", "B=2", "A=3", "C", "D=x=y"]);
        assert_eq!(env.get("A"), Some("3"));
        assert_eq!(env.get("C"), Some(""));
        assert_eq!(env.get("D"), Some("x=y"));
        assert_eq!(env.get("a"), None, "names are case-sensitive");
        assert_eq!(Env::keys(&env), vec!["A", "B", "C", "D"]);
    }

    #[test]
    fn remove_and_collect() {
        let mut env: EnvMap = [("X", "1"), ("Y", "2")].into_iter().collect();
        assert_eq!(env.remove("X"), Some("1".to_owned()));
        assert_eq!(env.len(), 1);
        assert_eq!(env.iter().collect::<Vec<_>>(), vec![("Y", "2")]);
        let by_ref: &dyn Env = &&env;
        assert_eq!(by_ref.get("Y"), Some("2"));
    }
}
