//! The `tether` binary: everything happens in [`tether::cli`].

use std::process::ExitCode;

#[tokio::main]
async fn main() -> ExitCode {
    return_large_blocks_to_the_os();
    // A `.env` file in the working directory may set configuration; a missing one is fine.
    let _ = dotenvy::dotenv();
    tether::cli::run().await
}

/// Blocks of 1 MiB and more (argon2 takes 19 MiB per password check) are mapped when allocated
/// and unmapped when freed, never kept in glibc's heap. With glibc's adaptive threshold each
/// check's block stayed resident after it was freed: six sign-ins one after another took the
/// server from 25 to 141 MB, and 200 at once to 665 MB.
#[cfg(all(target_os = "linux", target_env = "gnu"))]
fn return_large_blocks_to_the_os() {
    // SAFETY: mallopt only sets one of glibc's allocation parameters; it takes no pointer and
    // may be called at any time.
    let done = unsafe { libc::mallopt(libc::M_MMAP_THRESHOLD, 1 << 20) };
    if done != 1 {
        eprintln!("warning: could not set the allocator's mmap threshold; memory may grow");
    }
}

#[cfg(not(all(target_os = "linux", target_env = "gnu")))]
fn return_large_blocks_to_the_os() {}
