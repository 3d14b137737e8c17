//! `factorgate`: the engine on the command line, for CI and review.
//!
//! Exit codes (as grep and diff): 0 success, 1 a failed check (an invalid policy, a failing
//! case, a `--fail-on` condition met), 2 a usage or input error (clap's own code for usage).
//! Results go to stdout (`--format json` on every command), errors to stderr.

mod common;
mod decide;
mod diff;
mod exceptions;
mod locate;
mod replay;
mod test;
mod validate;

use clap::{Parser, Subcommand};
use common::{Format, Status};
use std::path::PathBuf;
use std::process::ExitCode;

/// Explainable MFA step-up and factor-change decisions: validate, test, decide and diff
/// policies from the terminal and in CI, and replay them over an IdP's logged history.
#[derive(Parser)]
#[command(name = "factorgate", version, about, long_about = None)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Validate a policy: every problem with its line, column and JSON pointer.
    ///
    /// Exit 0 valid, 1 invalid (not JSON included), 2 unreadable.
    Validate {
        /// The policy file (`-` for stdin, `default` for the embedded default).
        policy: PathBuf,
        #[arg(long, value_enum, default_value_t = Format::Text)]
        format: Format,
    },
    /// Run case files (the tests/vectors format) under a policy.
    ///
    /// Cases without a policy of their own run under POLICY, with their `policyPatch` merged
    /// over it. Exit 0 all pass, 1 a case fails, 2 a malformed case or an unusable policy.
    Test {
        /// The policy (`default` for the embedded default).
        policy: PathBuf,
        /// Case files, or directories of them (`*.json`, recursively).
        #[arg(required = true)]
        cases: Vec<PathBuf>,
        #[arg(long, value_enum, default_value_t = test::TestFormat::Text)]
        format: test::TestFormat,
    },
    /// One decision: a login, a factor change when the request has `change`, or a privileged
    /// action when it has `action`.
    ///
    /// `--format json` prints the engine's answer as it is. Exit 0 a decision, 2 a refused
    /// request or an unusable policy.
    Decide {
        /// The policy (`default` for the embedded default).
        policy: PathBuf,
        /// The request (`-` for stdin).
        request: PathBuf,
        /// Force the entry point instead of choosing it by the request's shape.
        #[arg(long, value_enum)]
        entry: Option<decide::EntryArg>,
        /// The host clock (RFC 3339) when the request has no `now`; default: the wall clock.
        #[arg(long)]
        now: Option<String>,
        /// Sign state with the key in this environment variable (never a key on the command line).
        #[arg(long, value_name = "VAR")]
        state_key_env: Option<String>,
        #[arg(long, value_enum, default_value_t = Format::Text)]
        format: Format,
    },
    /// Review a policy's exceptions: expired, expiring soon, too long, without expiry.
    Exceptions {
        /// The policy (`default` for the embedded default).
        policy: PathBuf,
        /// The review time (RFC 3339); default: now.
        #[arg(long)]
        now: Option<String>,
        /// Which findings make the exit code 1.
        #[arg(long, value_enum, default_value_t = exceptions::FailOn::Invalid)]
        fail_on: exceptions::FailOn,
        #[arg(long, value_enum, default_value_t = Format::Text)]
        format: Format,
    },
    /// Every decision that changes from policy OLD to NEW over the cases, or over an IdP's
    /// logged history (`--logs`, replayed as `factorgate replay NEW --against OLD` does), field
    /// by field, each change classed stricter or looser.
    ///
    /// Exit 0 done, 1 a `--fail-on` condition met, 2 a usage or input error (malformed log
    /// lines are counted, never an error).
    Diff {
        /// The policy before (`default` for the embedded default).
        old: PathBuf,
        /// The policy after.
        new: PathBuf,
        /// Case files or directories (the tests/vectors format).
        #[arg(long, num_args = 1.., required_unless_present = "logs", conflicts_with = "logs")]
        cases: Vec<PathBuf>,
        /// Log files to replay both policies over (JSON lines or arrays, as `replay` reads).
        #[arg(long, num_args = 1.., requires = "source")]
        logs: Vec<PathBuf>,
        /// Whose log format `--logs` are in.
        #[arg(long, value_enum, requires = "logs")]
        source: Option<replay::Source>,
        /// What the directory knows of the users (as `replay --users`).
        #[arg(long, value_name = "FILE", requires = "logs")]
        users: Option<PathBuf>,
        /// Days from the first logged event that only build memory (as `replay --warmup`).
        #[arg(long, default_value_t = 0, value_name = "DAYS", requires = "logs")]
        warmup: u32,
        /// Threads for `--logs` (0: all cores).
        #[arg(long, default_value_t = 0, requires = "logs")]
        threads: usize,
        /// Exit 1 when a decision changes this way (for CI gates).
        #[arg(long, value_enum, default_value_t = diff::FailOn::Never)]
        fail_on: diff::FailOn,
        #[arg(long, value_enum, default_value_t = Format::Text)]
        format: Format,
    },
    /// Replays a policy over an IdP's logged sign-in history (Auth0, Okta, Entra).
    Replay(Box<replay::ReplayArgs>),
}

fn main() -> ExitCode {
    match Cli::parse().command {
        Command::Replay(args) => match replay::run(*args) {
            Ok(()) => ExitCode::SUCCESS,
            Err(replay::Fail(message)) => {
                eprintln!("factorgate replay: {message}");
                ExitCode::from(replay::EXIT_INPUT)
            }
        },
        command => policy_command(&command),
    }
}

/// The policy-as-code commands, which share their result type and exit codes.
fn policy_command(command: &Command) -> ExitCode {
    let result = match command {
        Command::Validate { policy, format } => validate::run(policy, *format),
        Command::Test {
            policy,
            cases,
            format,
        } => test::run(policy, cases, *format),
        Command::Decide {
            policy,
            request,
            entry,
            now,
            state_key_env,
            format,
        } => decide::run(decide::Args {
            policy,
            request,
            entry: *entry,
            now: now.as_deref(),
            state_key_env: state_key_env.as_deref(),
            format: *format,
        }),
        Command::Exceptions {
            policy,
            now,
            fail_on,
            format,
        } => exceptions::run(policy, now.as_deref(), *fail_on, *format),
        Command::Diff {
            old,
            new,
            logs,
            source: Some(source),
            users,
            warmup,
            threads,
            fail_on,
            format,
            ..
        } if !logs.is_empty() => diff::run_logs(diff::LogArgs {
            old,
            new,
            logs,
            source: *source,
            users: users.as_deref(),
            warmup: *warmup,
            threads: *threads,
            fail_on: *fail_on,
            format: *format,
        }),
        Command::Diff {
            old,
            new,
            cases,
            fail_on,
            format,
            ..
        } => diff::run(diff::Args {
            old,
            new,
            cases,
            fail_on: *fail_on,
            format: *format,
        }),
        Command::Replay(_) => return ExitCode::from(2),
    };
    match result {
        Ok(Status::Ok) => ExitCode::SUCCESS,
        Ok(Status::Failed) => ExitCode::from(1),
        Err(trouble) => {
            eprintln!("factorgate: {}", trouble.0);
            ExitCode::from(2)
        }
    }
}
