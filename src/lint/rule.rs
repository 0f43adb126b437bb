//! Rule metadata: the static description every rule file declares, and the one table
//! of all rules ([`RULES`]).

use super::diagnostic::Severity;
use super::rules;

/// Where a rule comes from.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Origin {
    /// A BuildKit build check (`docker build --check`).
    BuildKit,
    /// A hadolint `DLxxxx` rule.
    Hadolint,
}

/// How a rule can be fixed by `dfc lint --fix`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Fixable {
    No,
    /// A mechanical rewrite of the flagged text.
    Yes,
}

/// A rule's fixed description. Each rule file has one `pub const RULE: Rule`.
#[derive(Debug)]
pub struct Rule {
    /// BuildKit check name or hadolint code.
    pub code: &'static str,
    pub origin: Origin,
    pub severity: Severity,
    /// One-line description (BuildKit's rule description).
    pub summary: &'static str,
    pub url: &'static str,
    /// Off unless asked for (BuildKit's experimental rules).
    pub experimental: bool,
    pub fixable: Fixable,
    /// User documentation in markdown: what it does, why, example, use instead.
    pub doc: &'static str,
}

/// Every rule dfc knows, BuildKit checks first, each group in code order.
pub static RULES: &[&Rule] = &[
    &rules::buildkit::consistent_instruction_casing::RULE,
    &rules::buildkit::copy_ignored_file::RULE,
    &rules::buildkit::duplicate_stage_name::RULE,
    &rules::buildkit::expose_invalid_format::RULE,
    &rules::buildkit::expose_proto_casing::RULE,
    &rules::buildkit::from_as_casing::RULE,
    &rules::buildkit::from_platform_flag_const_disallowed::RULE,
    &rules::buildkit::invalid_base_image_platform::RULE,
    &rules::buildkit::invalid_default_arg_in_from::RULE,
    &rules::buildkit::invalid_definition_description::RULE,
    &rules::buildkit::json_args_recommended::RULE,
    &rules::buildkit::legacy_key_value_format::RULE,
    &rules::buildkit::maintainer_deprecated::RULE,
    &rules::buildkit::multiple_instructions_disallowed::RULE,
    &rules::buildkit::no_empty_continuation::RULE,
    &rules::buildkit::redundant_target_platform::RULE,
    &rules::buildkit::reserved_stage_name::RULE,
    &rules::buildkit::secrets_used_in_arg_or_env::RULE,
    &rules::buildkit::stage_name_casing::RULE,
    &rules::buildkit::undefined_arg_in_from::RULE,
    &rules::buildkit::undefined_var::RULE,
    &rules::buildkit::workdir_relative_path::RULE,
    &rules::hadolint::dl1001::RULE,
    &rules::hadolint::dl3000::RULE,
    &rules::hadolint::dl3001::RULE,
    &rules::hadolint::dl3002::RULE,
    &rules::hadolint::dl3003::RULE,
    &rules::hadolint::dl3004::RULE,
    &rules::hadolint::dl3006::RULE,
    &rules::hadolint::dl3007::RULE,
    &rules::hadolint::dl3008::RULE,
    &rules::hadolint::dl3009::RULE,
    &rules::hadolint::dl3010::RULE,
    &rules::hadolint::dl3011::RULE,
    &rules::hadolint::dl3012::RULE,
    &rules::hadolint::dl3013::RULE,
    &rules::hadolint::dl3014::RULE,
    &rules::hadolint::dl3015::RULE,
    &rules::hadolint::dl3016::RULE,
    &rules::hadolint::dl3018::RULE,
    &rules::hadolint::dl3019::RULE,
    &rules::hadolint::dl3020::RULE,
    &rules::hadolint::dl3021::RULE,
    &rules::hadolint::dl3022::RULE,
    &rules::hadolint::dl3023::RULE,
    &rules::hadolint::dl3024::RULE,
    &rules::hadolint::dl3025::RULE,
    &rules::hadolint::dl3026::RULE,
    &rules::hadolint::dl3027::RULE,
    &rules::hadolint::dl3028::RULE,
    &rules::hadolint::dl3029::RULE,
    &rules::hadolint::dl3030::RULE,
    &rules::hadolint::dl3032::RULE,
    &rules::hadolint::dl3033::RULE,
    &rules::hadolint::dl3034::RULE,
    &rules::hadolint::dl3035::RULE,
    &rules::hadolint::dl3036::RULE,
    &rules::hadolint::dl3037::RULE,
    &rules::hadolint::dl3038::RULE,
    &rules::hadolint::dl3040::RULE,
    &rules::hadolint::dl3041::RULE,
    &rules::hadolint::dl3042::RULE,
    &rules::hadolint::dl3043::RULE,
    &rules::hadolint::dl3044::RULE,
    &rules::hadolint::dl3045::RULE,
    &rules::hadolint::dl3046::RULE,
    &rules::hadolint::dl3047::RULE,
    &rules::hadolint::dl3048::RULE,
    &rules::hadolint::dl3049::RULE,
    &rules::hadolint::dl3050::RULE,
    &rules::hadolint::dl3051::RULE,
    &rules::hadolint::dl3052::RULE,
    &rules::hadolint::dl3053::RULE,
    &rules::hadolint::dl3054::RULE,
    &rules::hadolint::dl3055::RULE,
    &rules::hadolint::dl3056::RULE,
    &rules::hadolint::dl3057::RULE,
    &rules::hadolint::dl3058::RULE,
    &rules::hadolint::dl3059::RULE,
    &rules::hadolint::dl3060::RULE,
    &rules::hadolint::dl3061::RULE,
    &rules::hadolint::dl3062::RULE,
    &rules::hadolint::dl3063::RULE,
    &rules::hadolint::dl3064::RULE,
    &rules::hadolint::dl3065::RULE,
    &rules::hadolint::dl3066::RULE,
    &rules::hadolint::dl3067::RULE,
    &rules::hadolint::dl4000::RULE,
    &rules::hadolint::dl4001::RULE,
    &rules::hadolint::dl4003::RULE,
    &rules::hadolint::dl4004::RULE,
    &rules::hadolint::dl4005::RULE,
    &rules::hadolint::dl4006::RULE,
];

/// The rule with this code (case-insensitive), if any.
pub fn find(code: &str) -> Option<&'static Rule> {
    RULES
        .iter()
        .copied()
        .find(|r| r.code.eq_ignore_ascii_case(code))
}
