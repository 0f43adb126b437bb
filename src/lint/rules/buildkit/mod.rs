//! BuildKit's 22 build checks, under BuildKit's names. The checks are called by the
//! engine in [`crate::lint::buildkit`], which walks the file the way BuildKit's parser and
//! converter do; each file here decides what is reported and how it reads.

pub mod consistent_instruction_casing;
pub mod copy_ignored_file;
pub mod duplicate_stage_name;
pub mod expose_invalid_format;
pub mod expose_proto_casing;
pub mod from_as_casing;
pub mod from_platform_flag_const_disallowed;
pub mod invalid_base_image_platform;
pub mod invalid_default_arg_in_from;
pub mod invalid_definition_description;
pub mod json_args_recommended;
pub mod legacy_key_value_format;
pub mod maintainer_deprecated;
pub mod multiple_instructions_disallowed;
pub mod no_empty_continuation;
pub mod redundant_target_platform;
pub mod reserved_stage_name;
pub mod secrets_used_in_arg_or_env;
pub mod stage_name_casing;
pub mod undefined_arg_in_from;
pub mod undefined_var;
pub mod workdir_relative_path;

/// Shorthand for the rule constants below.
macro_rules! buildkit_rule {
    ($code:literal, $slug:literal, $summary:literal, $doc:expr) => {
        buildkit_rule!(
            $code,
            $slug,
            $summary,
            $doc,
            false,
            crate::lint::rule::Fixable::No
        )
    };
    ($code:literal, $slug:literal, $summary:literal, $doc:expr, $experimental:expr, $fix:expr) => {
        crate::lint::rule::Rule {
            code: $code,
            origin: crate::lint::rule::Origin::BuildKit,
            severity: crate::lint::diagnostic::Severity::Warning,
            summary: $summary,
            url: concat!("https://docs.docker.com/go/dockerfile/rule/", $slug, "/"),
            experimental: $experimental,
            fixable: $fix,
            doc: $doc,
        }
    };
}
pub(crate) use buildkit_rule;
