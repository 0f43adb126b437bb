//! hadolint's `DL` rules, under hadolint's codes and with its messages. The engine in
//! [`crate::lint::hadolint`] parses the file and RUN scripts once; each file here holds one
//! rule: its description, documentation and check over the whole file.

use crate::lint::hadolint::shell::{Command, Part, Script};
use crate::lint::hadolint::{File, Out};

pub mod dl1001;
pub mod dl3000;
pub mod dl3001;
pub mod dl3002;
pub mod dl3003;
pub mod dl3004;
pub mod dl3006;
pub mod dl3007;
pub mod dl3008;
pub mod dl3009;
pub mod dl3010;
pub mod dl3011;
pub mod dl3012;
pub mod dl3013;
pub mod dl3014;
pub mod dl3015;
pub mod dl3016;
pub mod dl3018;
pub mod dl3019;
pub mod dl3020;
pub mod dl3021;
pub mod dl3022;
pub mod dl3023;
pub mod dl3024;
pub mod dl3025;
pub mod dl3026;
pub mod dl3027;
pub mod dl3028;
pub mod dl3029;
pub mod dl3030;
pub mod dl3032;
pub mod dl3033;
pub mod dl3034;
pub mod dl3035;
pub mod dl3036;
pub mod dl3037;
pub mod dl3038;
pub mod dl3040;
pub mod dl3041;
pub mod dl3042;
pub mod dl3043;
pub mod dl3044;
pub mod dl3045;
pub mod dl3046;
pub mod dl3047;
pub mod dl3048;
pub mod dl3049;
pub mod dl3050;
pub mod dl3051;
pub mod dl3052;
pub mod dl3053;
pub mod dl3054;
pub mod dl3055;
pub mod dl3056;
pub mod dl3057;
pub mod dl3058;
pub mod dl3059;
pub mod dl3060;
pub mod dl3061;
pub mod dl3062;
pub mod dl3063;
pub mod dl3064;
pub mod dl3065;
pub mod dl3066;
pub mod dl3067;
pub mod dl4000;
pub mod dl4001;
pub mod dl4003;
pub mod dl4004;
pub mod dl4005;
pub mod dl4006;

/// Shorthand for the rule constants: code, severity, message, documentation.
macro_rules! hadolint_rule {
    ($code:literal, $severity:ident, $message:expr, $doc:expr) => {
        crate::lint::rule::Rule {
            code: $code,
            origin: crate::lint::rule::Origin::Hadolint,
            severity: crate::lint::diagnostic::Severity::$severity,
            summary: $message,
            url: concat!("https://github.com/hadolint/hadolint/wiki/", $code),
            experimental: false,
            fixable: crate::lint::rule::Fixable::No,
            doc: $doc,
        }
    };
}
pub(crate) use hadolint_rule;

/// A rule's check over a whole file.
pub type Check = fn(&File<'_>, &mut Out<'_, '_>);

/// Every hadolint rule: description and check, in code order.
pub static RULES: &[(&crate::lint::rule::Rule, Check)] = &[
    (&dl1001::RULE, dl1001::check),
    (&dl3000::RULE, dl3000::check),
    (&dl3001::RULE, dl3001::check),
    (&dl3002::RULE, dl3002::check),
    (&dl3003::RULE, dl3003::check),
    (&dl3004::RULE, dl3004::check),
    (&dl3006::RULE, dl3006::check),
    (&dl3007::RULE, dl3007::check),
    (&dl3008::RULE, dl3008::check),
    (&dl3009::RULE, dl3009::check),
    (&dl3010::RULE, dl3010::check),
    (&dl3011::RULE, dl3011::check),
    (&dl3012::RULE, dl3012::check),
    (&dl3013::RULE, dl3013::check),
    (&dl3014::RULE, dl3014::check),
    (&dl3015::RULE, dl3015::check),
    (&dl3016::RULE, dl3016::check),
    (&dl3018::RULE, dl3018::check),
    (&dl3019::RULE, dl3019::check),
    (&dl3020::RULE, dl3020::check),
    (&dl3021::RULE, dl3021::check),
    (&dl3022::RULE, dl3022::check),
    (&dl3023::RULE, dl3023::check),
    (&dl3024::RULE, dl3024::check),
    (&dl3025::RULE, dl3025::check),
    (&dl3026::RULE, dl3026::check),
    (&dl3027::RULE, dl3027::check),
    (&dl3028::RULE, dl3028::check),
    (&dl3029::RULE, dl3029::check),
    (&dl3030::RULE, dl3030::check),
    (&dl3032::RULE, dl3032::check),
    (&dl3033::RULE, dl3033::check),
    (&dl3034::RULE, dl3034::check),
    (&dl3035::RULE, dl3035::check),
    (&dl3036::RULE, dl3036::check),
    (&dl3037::RULE, dl3037::check),
    (&dl3038::RULE, dl3038::check),
    (&dl3040::RULE, dl3040::check),
    (&dl3041::RULE, dl3041::check),
    (&dl3042::RULE, dl3042::check),
    (&dl3043::RULE, dl3043::check),
    (&dl3044::RULE, dl3044::check),
    (&dl3045::RULE, dl3045::check),
    (&dl3046::RULE, dl3046::check),
    (&dl3047::RULE, dl3047::check),
    (&dl3048::RULE, dl3048::check),
    (&dl3049::RULE, dl3049::check),
    (&dl3050::RULE, dl3050::check),
    (&dl3051::RULE, dl3051::check),
    (&dl3052::RULE, dl3052::check),
    (&dl3053::RULE, dl3053::check),
    (&dl3054::RULE, dl3054::check),
    (&dl3055::RULE, dl3055::check),
    (&dl3056::RULE, dl3056::check),
    (&dl3057::RULE, dl3057::check),
    (&dl3058::RULE, dl3058::check),
    (&dl3059::RULE, dl3059::check),
    (&dl3060::RULE, dl3060::check),
    (&dl3061::RULE, dl3061::check),
    (&dl3062::RULE, dl3062::check),
    (&dl3063::RULE, dl3063::check),
    (&dl3064::RULE, dl3064::check),
    (&dl3065::RULE, dl3065::check),
    (&dl3066::RULE, dl3066::check),
    (&dl3067::RULE, dl3067::check),
    (&dl4000::RULE, dl4000::check),
    (&dl4001::RULE, dl4001::check),
    (&dl4003::RULE, dl4003::check),
    (&dl4004::RULE, dl4004::check),
    (&dl4005::RULE, dl4005::check),
    (&dl4006::RULE, dl4006::check),
];

/// Reports every `keyword` instruction after the first in its stage (ONBUILD triggers
/// excluded): the shared check of DL4003 (CMD) and DL4004 (ENTRYPOINT).
pub(crate) fn repeats_in_stage(
    file: &File<'_>,
    out: &mut Out<'_, '_>,
    rule: &'static crate::lint::rule::Rule,
    keyword: &str,
    label: &str,
) {
    let mut seen = false;
    for i in file.instrs.iter().filter(|i| !i.onbuild) {
        if i.keyword == "from" {
            seen = false;
        } else if i.keyword == keyword {
            if seen {
                out.report(rule, i, i.node.keyword_span, label);
            }
            seen = true;
        }
    }
}

/// Reports each RUN (under ONBUILD too, when `onbuild`) that runs a command matching `bad`,
/// pointing at the first such command: the shared check of the rules about one command.
pub(crate) fn flag_command(
    file: &File<'_>,
    out: &mut Out<'_, '_>,
    rule: &'static crate::lint::rule::Rule,
    onbuild: bool,
    label: &str,
    bad: impl Fn(&Command) -> bool,
) {
    for (i, script) in file.runs(onbuild) {
        if let Some(c) = script.find(&bad) {
            out.report(rule, i, i.command_span(c), label);
        }
    }
}

/// The package words of every command of `script` matching `installs` (a package
/// manager's install command): its non-flag arguments without the values of `value_flags`
/// and without the `verbs` (`install`, `add`, …).
pub(crate) fn packages(
    script: &Script,
    installs: impl Fn(&Command) -> bool,
    value_flags: &[&str],
    verbs: &[&str],
) -> Vec<Part> {
    script
        .commands
        .iter()
        .filter(|c| installs(c))
        .flat_map(|c| {
            let kept = c.drop_flag_arg(value_flags);
            kept.parts_no_flags()
                .into_iter()
                .filter(|p| !verbs.contains(&p.text.as_str()))
                .cloned()
                .collect::<Vec<Part>>()
        })
        .collect()
}

/// Reports each RUN (under ONBUILD too) that installs a package `pinned` rejects, pointing
/// at the first such package: the shared check of the version-pinning rules.
pub(crate) fn flag_unpinned(
    file: &File<'_>,
    out: &mut Out<'_, '_>,
    rule: &'static crate::lint::rule::Rule,
    label: &str,
    packages_of: impl Fn(&Script) -> Vec<Part>,
    pinned: impl Fn(&str) -> bool,
) {
    for (i, script) in file.runs(true) {
        if let Some(p) = packages_of(script).iter().find(|p| !pinned(&p.text)) {
            out.report(rule, i, i.span_of(&p.range), label);
        }
    }
}
