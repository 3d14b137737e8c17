//! `factorgate`: the command line of the factorgate engine.
//!
//! Exit codes: 0 success, 1 a failed check, 2 a usage or input error (clap's own usage errors
//! exit 2 too). Results go to stdout; errors and progress to stderr.

mod replay;

use clap::{Parser, Subcommand};
use std::process::ExitCode;

#[derive(Debug, Parser)]
#[command(
    name = "factorgate",
    version,
    about = "Explainable MFA step-up and factor-change decisions: policy as code, and replay of IdP history"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Replays a policy over an IdP's logged sign-in history (Auth0, Okta, Entra).
    Replay(replay::ReplayArgs),
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match cli.command {
        Command::Replay(args) => match replay::run(args) {
            Ok(()) => ExitCode::SUCCESS,
            Err(replay::Fail(message)) => {
                eprintln!("factorgate replay: {message}");
                ExitCode::from(replay::EXIT_INPUT)
            }
        },
    }
}
