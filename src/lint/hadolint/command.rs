//! Questions the rules ask about a [`Command`], with hadolint's exact meaning
//! (`Hadolint.Shell`: `cmdHasArgs`, `hasFlag`, `getArgsNoFlags`, `dropFlagArg`, …).

use super::shell::{Command, Part, Script};

impl Command {
    /// The argument texts.
    pub fn arg_texts(&self) -> impl Iterator<Item = &str> {
        self.args.iter().map(|a| a.text.as_str())
    }

    /// Named `name` and one of its arguments is one of `wanted`.
    pub fn has_args(&self, names: &[&str], wanted: &[&str]) -> bool {
        names.contains(&self.name.as_str()) && self.arg_texts().any(|a| wanted.contains(&a))
    }

    pub fn is(&self, name: &str, wanted: &str) -> bool {
        self.has_args(&[name], &[wanted])
    }

    pub fn has_arg(&self, wanted: &str) -> bool {
        self.arg_texts().any(|a| a == wanted)
    }

    pub fn count_flag(&self, flag: &str) -> usize {
        self.flags.iter().filter(|f| f.text == flag).count()
    }

    pub fn has_flag(&self, flag: &str) -> bool {
        self.count_flag(flag) > 0
    }

    pub fn has_any_flag(&self, flags: &[&str]) -> bool {
        self.flags.iter().any(|f| flags.contains(&f.text.as_str()))
    }

    /// Arguments that are not flags, as words (with where they are written).
    pub fn parts_no_flags(&self) -> Vec<&Part> {
        self.args
            .iter()
            .filter(|a| !self.flags.iter().any(|f| f.id == a.id))
            .collect()
    }

    /// Arguments that are not flags.
    pub fn args_no_flags(&self) -> Vec<&str> {
        self.args
            .iter()
            .filter(|a| !self.flags.iter().any(|f| f.id == a.id))
            .map(|a| a.text.as_str())
            .collect()
    }

    /// The command without the values of the flags in `drop` (a value is the next word,
    /// unless the flag was written `--flag=value`).
    pub fn drop_flag_arg(&self, drop: &[&str]) -> Command {
        let dropped: Vec<usize> = self
            .flags
            .iter()
            .filter(|f| drop.contains(&f.text.as_str()) && !self.inline_value(f.id))
            .filter_map(|f| self.value_id(f.id))
            .collect();
        Command {
            range: self.range.clone(),
            name: self.name.clone(),
            args: self
                .args
                .iter()
                .filter(|a| !dropped.contains(&a.id))
                .cloned()
                .collect(),
            flags: self.flags.clone(),
        }
    }

    /// The values given to `flag` (`useradd -u 1000` gives `1000` for `u`).
    pub fn flag_values(&self, flag: &str) -> Vec<&str> {
        let ids: Vec<usize> = self
            .flags
            .iter()
            .filter(|f| f.text == flag)
            .filter_map(|f| self.value_id(f.id))
            .collect();
        self.args
            .iter()
            .filter(|a| ids.contains(&a.id))
            .map(|a| a.text.as_str())
            .collect()
    }

    fn inline_value(&self, id: usize) -> bool {
        self.args.iter().any(|a| a.id == id && a.text.contains('='))
    }

    /// hadolint's `getValueId`: the argument right after the flag's word.
    fn value_id(&self, id: usize) -> Option<usize> {
        self.args.iter().map(|a| a.id).filter(|&i| i > id).min()
    }

    /// `pip install …` or `python… -m pip install …`.
    pub fn is_pip_install(&self) -> bool {
        let args: Vec<&str> = self.arg_texts().collect();
        let std = self.name.starts_with("pip")
            && !self.name.starts_with("pipenv")
            && args.contains(&"install");
        let python = self.name.starts_with("python")
            && args.windows(3).any(|w| w == ["-m", "pip", "install"]);
        std || python
    }
}

impl Script {
    pub fn any(&self, f: impl Fn(&Command) -> bool) -> bool {
        self.commands.iter().any(f)
    }

    pub fn uses(&self, program: &str) -> bool {
        self.commands.iter().any(|c| c.name == program)
    }

    /// The first command matching `f`.
    pub fn find(&self, f: impl Fn(&Command) -> bool) -> Option<&Command> {
        self.commands.iter().find(|c| f(c))
    }

    /// The position of the first command matching `f` (hadolint's `findCommandIndex`).
    pub fn position(&self, f: impl Fn(&Command) -> bool) -> Option<usize> {
        self.commands.iter().position(f)
    }

    /// A command matching `first` occurs, and before any command matching `then`; false
    /// when either is missing (hadolint's `(<) <$> findCommandIndex … <*> …`).
    pub fn runs_before(
        &self,
        first: impl Fn(&Command) -> bool,
        then: impl Fn(&Command) -> bool,
    ) -> bool {
        matches!((self.position(first), self.position(then)), (Some(a), Some(b)) if a < b)
    }
}
