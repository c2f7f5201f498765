//! Logging: `RUST_LOG` filters (default `info`), `TETHER_LOG_FORMAT=json` for structured lines.
//! Logs go to standard error so `tether export` can write the bundle to standard output.

use tracing_subscriber::EnvFilter;

use crate::config::Config;

pub fn init(config: &Config) {
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info"));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr);
    // A second call (tests) keeps the first subscriber; that is fine.
    let _ = if config.log_json {
        builder.json().try_init()
    } else {
        builder.try_init()
    };
}
