//! The `tether` binary: everything happens in [`tether::cli`].

use std::process::ExitCode;

#[tokio::main]
async fn main() -> ExitCode {
    // A `.env` file in the working directory may set configuration; a missing one is fine.
    let _ = dotenvy::dotenv();
    tether::cli::run().await
}
