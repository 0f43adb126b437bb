//! The `dfc` command line: argument parsing, reading inputs, rendering errors once, and
//! mapping outcomes to exit statuses. The work itself is the library's.

mod build_cmd;
mod compile_cmd;
mod dump_cmd;
mod lint_cmd;
mod lint_config;
mod lint_fix;
mod output_file;
mod parse_cmd;
mod progress;
pub mod render;
mod rootless;
mod run_cmd;
mod secret_flag;
mod store_cmd;

use std::io::{self, Write};
use std::process::ExitCode;

use clap::{Parser, Subcommand};

/// What a command's outcome means for the exit status.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Status {
    /// 0: done, nothing to report.
    Clean,
    /// 1: findings (lint) or a failed build.
    Findings,
    /// 2: bad input, usage error or internal failure.
    Failure,
}

impl From<Status> for ExitCode {
    fn from(s: Status) -> ExitCode {
        ExitCode::from(match s {
            Status::Clean => 0,
            Status::Findings => 1,
            Status::Failure => 2,
        })
    }
}

#[derive(Debug, Parser)]
#[command(
    name = "dfc",
    version,
    about = "Dockerfile frontend compiler, linter and LLB toolchain"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Parse a Dockerfile and print its syntax tree.
    Parse(parse_cmd::ParseArgs),
    /// Check Dockerfiles with BuildKit's build checks.
    Lint(lint_cmd::LintArgs),
    /// Compile a Dockerfile to BuildKit LLB.
    Compile(compile_cmd::CompileArgs),
    /// Print an LLB Definition as dump-llb JSON lines or a Graphviz graph.
    Dump(dump_cmd::DumpArgs),
    /// Compile a Dockerfile and run it in one step (buildx's flags).
    Build(build_cmd::BuildArgs),
    /// Execute an LLB definition with the bundled runner and export the result.
    Run(run_cmd::RunArgs),
    /// Show the runner store's disk usage.
    Du(store_cmd::DuArgs),
    /// Remove cached snapshots from the runner store.
    Prune(store_cmd::PruneArgs),
    /// Run a command as root of the user namespace rootless builds use (for a
    /// non-root user: to inspect or remove a store holding subordinate ids).
    Unshare(rootless::UnshareArgs),
}

/// Runs the command line and returns the process exit code.
pub fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            let usage = e.use_stderr();
            let _ = e.print();
            return if usage {
                Status::Failure.into()
            } else {
                Status::Clean.into()
            };
        }
    };
    // A rootless re-run ties its life to its parent's.
    runner::userns::adopt_parent();
    if matches!(
        cli.command,
        Command::Build(_)
            | Command::Run(_)
            | Command::Du(_)
            | Command::Prune(_)
            | Command::Unshare(_)
    ) {
        if let Some(code) = rootless::enter() {
            return code;
        }
    }
    let status = match cli.command {
        Command::Parse(args) => parse_cmd::run(args),
        Command::Lint(args) => lint_cmd::run(args),
        Command::Compile(args) => compile_cmd::run(args),
        Command::Dump(args) => dump_cmd::run(args),
        Command::Build(args) => build_cmd::run(args),
        Command::Run(args) => run_cmd::run(args),
        Command::Du(args) => store_cmd::du(args),
        Command::Prune(args) => store_cmd::prune(args),
        Command::Unshare(args) => rootless::unshare(args),
    };
    status.into()
}

/// Writes command output to stdout; a closed pipe (`dfc ... | head`) is not an error.
pub(crate) fn emit(text: &str) -> Status {
    let mut out = io::stdout().lock();
    match out.write_all(text.as_bytes()).and_then(|_| out.flush()) {
        Ok(()) => Status::Clean,
        Err(e) if e.kind() == io::ErrorKind::BrokenPipe => Status::Clean,
        Err(e) => {
            eprintln!("error: cannot write output: {e}");
            Status::Failure
        }
    }
}

/// Writes binary output to stdout; a closed pipe is not an error.
pub(crate) fn emit_bytes(bytes: &[u8]) -> Status {
    let mut out = io::stdout().lock();
    match out.write_all(bytes).and_then(|_| out.flush()) {
        Ok(()) => Status::Clean,
        Err(e) if e.kind() == io::ErrorKind::BrokenPipe => Status::Clean,
        Err(e) => {
            eprintln!("error: cannot write output: {e}");
            Status::Failure
        }
    }
}
