//! `hallway`: serve a conference platform, build the demo, manage data from the shell.

use clap::Parser;

fn main() -> std::process::ExitCode {
    let cli = hallway::cli::Cli::parse();
    match hallway::run::main(cli) {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            // `{:#}` prints the whole chain of contexts on one line.
            #[allow(clippy::print_stderr)]
            {
                eprintln!("hallway: {e:#}");
            }
            std::process::ExitCode::FAILURE
        }
    }
}
