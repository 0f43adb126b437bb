use std::process::ExitCode;

fn main() -> ExitCode {
    dfc::cli::main()
}
