//! Start-up failures name `DATABASE_URL` and say what is wrong, commands give up within
//! seconds, and a password in the URL is never printed.

use std::process::Command;
use std::time::{Duration, Instant};

fn tether(database_url: &str, dir: &std::path::Path) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_tether"));
    command
        .current_dir(dir)
        .env("DATABASE_URL", database_url)
        .env("RUST_LOG", "warn")
        .env_remove("TETHER_SAMPLE_CONTENT");
    command
}

/// Runs `migrate` and returns its error output, after checking it failed within `limit`.
fn migrate_fails(database_url: &str, limit: Duration) -> String {
    let dir = tempfile::tempdir().unwrap();
    let started = Instant::now();
    let out = tether(database_url, dir.path())
        .arg("migrate")
        .output()
        .unwrap();
    let took = started.elapsed();
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    assert!(!out.status.success(), "{stderr}");
    assert!(took < limit, "gave up after {took:?}: {stderr}");
    assert!(stderr.contains("DATABASE_URL"), "{stderr}");
    stderr
}

#[test]
fn sqlite_failures_say_what_is_wrong() {
    let dir = tempfile::tempdir().unwrap();
    let missing = format!(
        "sqlite://{}/no/such/dir/t.db?mode=rwc",
        dir.path().display()
    );
    let said = migrate_fails(&missing, Duration::from_secs(5));
    assert!(said.contains("does not exist"), "{said}");

    let not_a_db = dir.path().join("notes.db");
    std::fs::write(&not_a_db, "these are notes, not a database ".repeat(200)).unwrap();
    let said = migrate_fails(
        &format!("sqlite://{}?mode=rwc", not_a_db.display()),
        Duration::from_secs(5),
    );
    assert!(said.contains("not a SQLite database"), "{said}");
}

#[test]
fn a_read_only_sqlite_file_is_named_as_such() {
    if running_as_root() {
        // Root writes to read-only files; the check needs an ordinary user.
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("ro.db");
        let made = tether(&format!("sqlite://{}?mode=rwc", file.display()), dir.path())
            .arg("migrate")
            .output()
            .unwrap();
        assert!(made.status.success());
        let said = migrate_fails(
            &format!("sqlite://{}?mode=ro", file.display()),
            Duration::from_secs(5),
        );
        assert!(said.contains("read-only"), "{said}");
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("ro.db");
    let made = tether(&format!("sqlite://{}?mode=rwc", file.display()), dir.path())
        .arg("migrate")
        .output()
        .unwrap();
    assert!(made.status.success());
    let mut permissions = std::fs::metadata(&file).unwrap().permissions();
    permissions.set_readonly(true);
    std::fs::set_permissions(&file, permissions).unwrap();
    let said = migrate_fails(
        &format!("sqlite://{}?mode=rwc", file.display()),
        Duration::from_secs(5),
    );
    assert!(said.contains("read-only"), "{said}");
}

fn running_as_root() -> bool {
    std::env::var("USER").is_ok_and(|u| u == "root")
        || std::fs::read_to_string("/proc/self/status").is_ok_and(|s| {
            s.lines()
                .find(|l| l.starts_with("Uid:"))
                .is_some_and(|l| l.split_whitespace().nth(1) == Some("0"))
        })
}

#[test]
fn postgres_failures_say_what_is_wrong_and_hide_the_password() {
    // Nothing listens on this port: the server "is down".
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    drop(listener);
    let down = format!("postgres://tether:s3cret-pw@127.0.0.1:{port}/tether");
    let said = migrate_fails(&down, Duration::from_secs(8));
    assert!(said.contains("does not answer"), "{said}");
    assert!(!said.contains("s3cret-pw"), "{said}");
    assert!(said.contains("***"), "{said}");

    let garbled = "postgres://tether:pa ss@word@@db host/tether";
    let said = migrate_fails(garbled, Duration::from_secs(5));
    assert!(!said.contains("pa ss"), "{said}");

    if let Ok(server) = std::env::var("TEST_DATABASE_URL")
        && server.starts_with("postgres")
    {
        let mut url = url::Url::parse(&server).unwrap();
        url.set_path("/tether_no_such_database");
        let said = migrate_fails(url.as_str(), Duration::from_secs(5));
        assert!(said.contains("does not exist"), "{said}");
    }
}
