use std::process::ExitCode;

use clap::Parser;

fn main() -> ExitCode {
    checkgate::exit::install_panic_hook();
    let cli = checkgate::cli::Cli::parse();
    ExitCode::from(checkgate::cli::run(cli) as u8)
}
