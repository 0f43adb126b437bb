//! Rootless `dfc`: the commands that use the runner's store (`build`, `run`,
//! `du`, `prune`, `unshare`), started by an ordinary user, run themselves
//! again as root of a new user namespace (`runner::userns`), so the build,
//! the store and every output are the same as root's, owned by the user on
//! the host. `dfc unshare CMD` runs CMD in that namespace (to inspect or
//! remove a store whose files belong to subordinate ids).
//!
//! What it does not do: anything for root (no namespace is made), or choose
//! the mapping (`runner::userns::Mapping` reads /etc/subuid and /etc/subgid).

use std::ffi::OsString;
use std::os::unix::process::CommandExt;
use std::path::Path;
use std::process::ExitCode;

use clap::Args;

use super::Status;

#[derive(Debug, Args)]
pub struct UnshareArgs {
    /// The command and its arguments (default: $SHELL, else /bin/sh).
    #[arg(
        trailing_var_arg = true,
        allow_hyphen_values = true,
        value_name = "COMMAND"
    )]
    command: Vec<OsString>,
}

/// For a non-root caller, runs this `dfc` command again inside a user
/// namespace and returns its exit code; `None` when already root (of the
/// initial namespace or of a rootless one), so the command runs here.
pub fn enter() -> Option<ExitCode> {
    if runner::ops::running_as_root() {
        return None;
    }
    let run = runner::userns::Mapping::for_current_user(
        Path::new("/etc/subuid"),
        Path::new("/etc/subgid"),
    )
    .and_then(|m| runner::userns::reexec(&m));
    Some(match run {
        Ok(code) => ExitCode::from(u8::try_from(code).unwrap_or(u8::MAX)),
        Err(e) => {
            eprintln!("error: {}", super::run_cmd::chain(&e));
            Status::Failure.into()
        }
    })
}

/// `dfc unshare`: replaces this process with the command.
pub fn unshare(args: UnshareArgs) -> Status {
    let mut command = args.command.into_iter();
    let program = command.next().unwrap_or_else(|| {
        std::env::var_os("SHELL")
            .filter(|s| !s.is_empty())
            .unwrap_or_else(|| OsString::from("/bin/sh"))
    });
    let e = std::process::Command::new(&program).args(command).exec();
    eprintln!("error: cannot run {}: {e}", program.to_string_lossy());
    Status::Failure
}
