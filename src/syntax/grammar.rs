//! The pest grammar (`grammar/dockerfile.pest`) bound to a parser type.
//!
//! Only the derive lives here; walking the pairs is [`super::parser`]'s job.

#[derive(pest_derive::Parser)]
#[grammar = "../grammar/dockerfile.pest"]
pub struct DockerfileGrammar;
