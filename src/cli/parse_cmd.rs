//! `dfc parse`: print a Dockerfile's syntax tree as JSON (with spans) or as BuildKit's
//! parser dump.

use std::path::PathBuf;

use clap::{Args, ValueEnum};

use super::render::{read_input, report};
use super::{emit, Status};

#[derive(Debug, Args)]
pub struct ParseArgs {
    /// The Dockerfile to read, or - for standard input.
    #[arg(default_value = "Dockerfile")]
    file: PathBuf,
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Json)]
    format: Format,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
enum Format {
    /// The syntax tree with byte spans, as JSON.
    Json,
    /// BuildKit's parser dump (`(run "echo hi")` per instruction).
    Buildkit,
}

pub fn run(args: ParseArgs) -> Status {
    let input = match read_input(&args.file) {
        Ok(i) => i,
        Err(msg) => {
            eprintln!("error: {msg}");
            return Status::Failure;
        }
    };
    match args.format {
        Format::Buildkit => {
            let p = crate::syntax::parse(&input.text);
            if !p.errors.is_empty() {
                return fail(&input, crate::parse_errors(p.errors));
            }
            emit(&crate::syntax::dump::dump_file(&p.file))
        }
        Format::Json => match crate::parse(&input.text) {
            Ok(tree) => match serde_json::to_string_pretty(&tree) {
                Ok(mut s) => {
                    s.push('\n');
                    emit(&s)
                }
                Err(e) => {
                    eprintln!("error: cannot serialise the syntax tree: {e}");
                    Status::Failure
                }
            },
            Err(e) => fail(&input, e),
        },
    }
}

fn fail(input: &super::render::Input, e: crate::ParseError) -> Status {
    for err in e.errors {
        report(input, err);
    }
    Status::Failure
}
