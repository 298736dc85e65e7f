//! `kuper-listener`: receives Kuper's webhooks and sends notifications back.

use std::process::ExitCode;

fn main() -> ExitCode {
    app::run_service(app::Service::KuperListener, app::wiring::kuper_listener)
}
