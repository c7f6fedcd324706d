use std::process::ExitCode;

fn main() -> ExitCode {
    checkgate::exit::install_panic_hook();
    ExitCode::from(checkgate::cli::main(std::env::args_os()) as u8)
}
