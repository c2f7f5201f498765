//! Managing users and one's own account, the audit trail, and `tether user create`.

use std::io::Write;
use std::process::{Command, Stdio};

use reqwest::StatusCode;
use tether::domain::accounts::Role;
use tether::storage::accounts;

use crate::admin_support::{Browser, PASSWORD, signed_in};
use crate::support::{TestApp, TestDatabase};

#[tokio::test]
async fn admins_create_users_with_inline_errors_and_input_kept() {
    let app = TestApp::empty().await;
    let (admin, _) = signed_in(&app, "ana@example.com", Role::Admin).await;
    let bad = admin
        .submit(
            "/admin/users/new",
            "/admin/users",
            &[
                ("email", "ANA@example.com"),
                ("display_name", "<script>alert(1)</script>"),
                ("role", "superuser"),
                ("password", "too short"),
            ],
        )
        .await;
    assert_eq!(bad.status, StatusCode::OK);
    assert!(
        bad.body.contains("choose one of the roles"),
        "forged role: {}",
        bad.body
    );
    assert!(bad.body.contains("use at least 12 characters"));
    assert!(
        bad.body
            .contains("value=\"&lt;script&gt;alert(1)&lt;&#x2f;script&gt;\"")
            || bad.body.contains("&lt;script&gt;"),
        "escaped, kept"
    );
    assert!(!bad.body.contains("<script>alert(1)"));
    let duplicate = admin
        .submit(
            "/admin/users/new",
            "/admin/users",
            &[
                ("email", "ANA@example.com"),
                ("display_name", "Other Ana"),
                ("role", "editor"),
                ("password", PASSWORD),
            ],
        )
        .await;
    assert!(
        duplicate
            .body
            .contains("an account with this email already exists"),
        "{}",
        duplicate.body
    );
    assert!(duplicate.body.contains("value=\"Other Ana\""));
    assert_eq!(accounts::count_users(&app.db).await.unwrap(), 1);

    admin
        .submit(
            "/admin/users/new",
            "/admin/users",
            &[
                ("email", "ed@example.com"),
                ("display_name", "Ed"),
                ("role", "editor"),
                ("password", PASSWORD),
            ],
        )
        .await
        .assert_redirect("/admin/users");
    let list = admin.get("/admin/users").await;
    assert!(
        list.body
            .contains("ed@example.com can now sign in as Editor."),
        "flash"
    );
    assert!(list.body.contains("ed@example.com"));
    let ed = Browser::new(&app);
    ed.sign_in("ed@example.com", PASSWORD)
        .await
        .assert_redirect("/admin");
}

#[tokio::test]
async fn deactivating_a_user_ends_their_sessions_at_once() {
    let app = TestApp::empty().await;
    let (admin, _) = signed_in(&app, "ana@example.com", Role::Admin).await;
    let (editor, editor_user) = signed_in(&app, "ed@example.com", Role::Editor).await;
    assert_eq!(editor.get("/admin").await.status, StatusCode::OK);
    let path = format!("/admin/users/{}", editor_user.id);
    admin
        .submit(&path, &path, &[("display_name", "Ed"), ("role", "editor")])
        .await
        .assert_redirect("/admin/users");
    editor.get("/admin").await.assert_redirect("/admin/login");
    let again = Browser::new(&app);
    assert!(
        again
            .sign_in("ed@example.com", PASSWORD)
            .await
            .body
            .contains("do not match an active account")
    );

    // Reactivated, and promoted.
    admin
        .submit(
            &path,
            &path,
            &[
                ("display_name", "Ed"),
                ("role", "marketer"),
                ("active", "on"),
            ],
        )
        .await
        .assert_redirect("/admin/users");
    let back = Browser::new(&app);
    back.sign_in("ed@example.com", PASSWORD)
        .await
        .assert_redirect("/admin");
    assert!(back.get("/admin").await.body.contains("Marketer"));
}

#[tokio::test]
async fn the_last_admin_cannot_be_demoted_or_deactivated() {
    let app = TestApp::empty().await;
    let (admin, me) = signed_in(&app, "ana@example.com", Role::Admin).await;
    let path = format!("/admin/users/{}", me.id);
    let refused = admin
        .submit(
            &path,
            &path,
            &[
                ("display_name", "Ana"),
                ("role", "editor"),
                ("active", "on"),
            ],
        )
        .await;
    assert_eq!(refused.status, StatusCode::OK);
    assert!(
        refused.body.contains("last active admin"),
        "{}",
        refused.body
    );
    let refused = admin
        .submit(&path, &path, &[("display_name", "Ana"), ("role", "admin")])
        .await;
    assert!(refused.body.contains("last active admin"));
    assert_eq!(
        accounts::find_user(&app.db, me.id)
            .await
            .unwrap()
            .unwrap()
            .role,
        Role::Admin
    );
}

#[tokio::test]
async fn password_changes_end_other_sessions() {
    let app = TestApp::empty().await;
    let (laptop, me) = signed_in(&app, "ana@example.com", Role::Editor).await;
    let phone = Browser::new(&app);
    phone
        .sign_in("ana@example.com", PASSWORD)
        .await
        .assert_redirect("/admin");

    let wrong = laptop
        .submit(
            "/admin/account",
            "/admin/account/password",
            &[
                ("current_password", "not my password"),
                ("new_password", "a brand new password"),
                ("new_password_confirm", "a brand new password"),
            ],
        )
        .await;
    assert!(wrong.body.contains("this is not your current password"));
    let mismatch = laptop
        .submit(
            "/admin/account",
            "/admin/account/password",
            &[
                ("current_password", PASSWORD),
                ("new_password", "a brand new password"),
                ("new_password_confirm", "a different one!!"),
            ],
        )
        .await;
    assert!(mismatch.body.contains("the two new passwords differ"));

    laptop
        .submit(
            "/admin/account",
            "/admin/account/password",
            &[
                ("current_password", PASSWORD),
                ("new_password", "a brand new password"),
                ("new_password_confirm", "a brand new password"),
            ],
        )
        .await
        .assert_redirect("/admin/account");
    assert_eq!(
        laptop.get("/admin").await.status,
        StatusCode::OK,
        "this session stays"
    );
    phone.get("/admin").await.assert_redirect("/admin/login");
    let fresh = Browser::new(&app);
    assert!(
        fresh
            .sign_in("ana@example.com", PASSWORD)
            .await
            .body
            .contains("do not match")
    );
    fresh
        .sign_in("ana@example.com", "a brand new password")
        .await
        .assert_redirect("/admin");

    // An admin's reset ends all of the user's sessions.
    let (admin, _) = signed_in(&app, "boss@example.com", Role::Admin).await;
    let path = format!("/admin/users/{}/password", me.id);
    let short = admin
        .submit(
            &format!("/admin/users/{}", me.id),
            &path,
            &[("password", "short")],
        )
        .await;
    assert!(short.body.contains("use at least 12 characters"));
    admin
        .submit(
            &format!("/admin/users/{}", me.id),
            &path,
            &[("password", "reset by the admin")],
        )
        .await
        .assert_redirect(&format!("/admin/users/{}", me.id));
    laptop.get("/admin").await.assert_redirect("/admin/login");
    fresh.get("/admin").await.assert_redirect("/admin/login");
}

#[tokio::test]
async fn users_change_their_own_name() {
    let app = TestApp::empty().await;
    let (me, _) = signed_in(&app, "ana@example.com", Role::Marketer).await;
    let empty = me
        .submit(
            "/admin/account",
            "/admin/account",
            &[("display_name", "  ")],
        )
        .await;
    assert!(empty.body.contains("enter a name"));
    me.submit(
        "/admin/account",
        "/admin/account",
        &[("display_name", "Ana <Marketing>")],
    )
    .await
    .assert_redirect("/admin/account");
    let page = me.get("/admin").await.body;
    assert!(page.contains("Ana &lt;Marketing&gt;"), "escaped: {page}");
}

#[tokio::test]
async fn sign_ins_failures_and_changes_are_in_the_audit_log() {
    let app = TestApp::empty().await;
    let (admin, _) = signed_in(&app, "ana@example.com", Role::Admin).await;
    Browser::new(&app)
        .sign_in("ana@example.com", "wrong password!!")
        .await;
    admin
        .submit(
            "/admin/users/new",
            "/admin/users",
            &[
                ("email", "ed@example.com"),
                ("display_name", "Ed"),
                ("role", "editor"),
                ("password", PASSWORD),
            ],
        )
        .await
        .assert_redirect("/admin/users");
    let log = admin.get("/admin/audit").await;
    assert_eq!(log.status, StatusCode::OK);
    for action in ["sign_in", "sign_in_failed", "user_created"] {
        assert!(
            log.body.contains(&format!("<code>{action}</code>")),
            "{action} missing: {}",
            log.body
        );
    }
    assert!(log.body.contains("ed@example.com as editor"));
    assert!(
        log.body.contains("127.0.0.1"),
        "the client address is recorded"
    );
}

fn tether(database_url: &str) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_tether"));
    command
        .env("DATABASE_URL", database_url)
        .env("RUST_LOG", "warn")
        .env_remove("TETHER_PASSWORD");
    command
}

#[tokio::test]
async fn command_line_creates_users() {
    let database = TestDatabase::create().await;
    let created = tether(&database.url)
        .args([
            "user",
            "create",
            "--email",
            "cli@example.com",
            "--role",
            "admin",
        ])
        .env("TETHER_PASSWORD", PASSWORD)
        .output()
        .unwrap();
    assert!(
        created.status.success(),
        "{}",
        String::from_utf8_lossy(&created.stderr)
    );

    let mut child = tether(&database.url)
        .args([
            "user",
            "create",
            "--email",
            "piped@example.com",
            "--role",
            "marketer",
        ])
        .stdin(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(b"a password from stdin\n")
        .unwrap();
    assert!(child.wait_with_output().unwrap().status.success());

    let bad_role = tether(&database.url)
        .args([
            "user",
            "create",
            "--email",
            "x@example.com",
            "--role",
            "owner",
        ])
        .env("TETHER_PASSWORD", PASSWORD)
        .output()
        .unwrap();
    assert!(!bad_role.status.success());
    assert!(String::from_utf8_lossy(&bad_role.stderr).contains("admin, editor or marketer"));
    let short = tether(&database.url)
        .args([
            "user",
            "create",
            "--email",
            "x@example.com",
            "--role",
            "editor",
        ])
        .env("TETHER_PASSWORD", "short")
        .output()
        .unwrap();
    assert!(!short.status.success());
    assert!(String::from_utf8_lossy(&short.stderr).contains("at least 12 characters"));
    let duplicate = tether(&database.url)
        .args([
            "user",
            "create",
            "--email",
            "CLI@example.com",
            "--role",
            "editor",
        ])
        .env("TETHER_PASSWORD", PASSWORD)
        .output()
        .unwrap();
    assert!(!duplicate.status.success());
    assert!(String::from_utf8_lossy(&duplicate.stderr).contains("already exists"));

    let app = TestApp::start_on(std::sync::Arc::new(database), Default::default()).await;
    Browser::new(&app)
        .sign_in("cli@example.com", PASSWORD)
        .await
        .assert_redirect("/admin");
    Browser::new(&app)
        .sign_in("piped@example.com", "a password from stdin")
        .await
        .assert_redirect("/admin");
}
