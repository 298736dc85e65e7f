//! `merchant-console`: the staff console, on its own address.

use std::process::ExitCode;

fn main() -> ExitCode {
    app::run_service(app::Service::Console, app::wiring::console)
}
