//! First-run setup, sign-in and sign-out (CONTRACT section 5).
//!
//! Sign-in is throttled per client address and per account, says the same thing whether or not
//! the email exists, and takes the same time either way (a dummy hash is verified).

use axum::extract::{Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use minijinja::context;
use serde::Deserialize;
use tower_sessions::Session;

use crate::domain::accounts::{NewUser, Role, throttle};
use crate::domain::timestamp::Timestamp;
use crate::http::admin::audit::{self, Actor};
use crate::http::admin::client::ClientAddr;
use crate::http::admin::csrf::CsrfForm;
use crate::http::admin::error::AdminError;
use crate::http::admin::render::{field_errors, public_page};
use crate::http::admin::request::Empty;
use crate::http::admin::session::{self, SignedIn};
use crate::operations::password_work::{PasswordWork, PasswordWorkError};
use crate::operations::{self, OpError};
use crate::state::AppState;
use crate::storage::accounts;

#[derive(Deserialize, Default)]
pub struct SetupForm {
    #[serde(default)]
    email: String,
    #[serde(default)]
    display_name: String,
    #[serde(default)]
    password: String,
    #[serde(default)]
    password_confirm: String,
}

pub async fn setup_form(
    State(app): State<AppState>,
    session: Session,
) -> Result<Response, AdminError> {
    if accounts::count_users(app.db.conn()).await? > 0 {
        return Err(AdminError::NotFound);
    }
    public_page(
        &session,
        "setup.html",
        context! { form => context! {}, errors => context! {} },
    )
    .await
}

pub async fn setup(
    State(app): State<AppState>,
    session: Session,
    ClientAddr(addr): ClientAddr,
    CsrfForm(form): CsrfForm<SetupForm>,
) -> Result<Response, AdminError> {
    if accounts::count_users(app.db.conn()).await? > 0 {
        return Err(AdminError::NotFound);
    }
    let new_user = NewUser {
        email: form.email.clone(),
        display_name: form.display_name.clone(),
        role: Role::Admin,
        password: form.password.clone(),
    };
    let mut problems = new_user.validate().err().unwrap_or_default();
    if form.password != form.password_confirm {
        problems.push("password_confirm", "the two passwords differ");
    }
    if !problems.is_empty() {
        let values = context! {
            form => context! { email => form.email, display_name => form.display_name },
            errors => field_errors(&problems),
        };
        return public_page(&session, "setup.html", values).await;
    }
    let now = app.clock.now();
    let user =
        match operations::users::set_up_first_admin(&app.db, &app.passwords, &addr, new_user, now)
            .await
        {
            Ok(user) => user,
            // Someone else finished the set-up first (or the email was taken by them).
            Err(OpError::NotFound) => return Err(AdminError::NotFound),
            Err(OpError::Invalid(problems)) if problems.iter().any(|p| p.path == "email") => {
                return Err(AdminError::NotFound);
            }
            Err(other) => return Err(other.into()),
        };
    session::start(&session, &user, now).await?;
    accounts::record_login(app.db.conn(), user, now).await?;
    session::flash(&session, "Welcome to Tether. Your admin account is ready.").await?;
    Ok(Redirect::to("/admin").into_response())
}

/// Verifies on a blocking thread, in turn with other password work; `None` (unknown account)
/// spends the same time.
pub async fn verify_password(
    work: &PasswordWork,
    password: String,
    stored: Option<String>,
) -> Result<bool, AdminError> {
    work.verify(password, stored)
        .await
        .map_err(|error| match error {
            PasswordWorkError::Busy => AdminError::Busy,
            error => {
                tracing::error!(%error, "password check failed");
                AdminError::Internal
            }
        })
}

#[derive(Deserialize)]
pub struct LoginQuery {
    next: Option<String>,
}

#[derive(Deserialize, Default)]
pub struct LoginForm {
    #[serde(default)]
    email: String,
    #[serde(default)]
    password: String,
    #[serde(default)]
    next: String,
}

/// Only paths inside the admin are followed after sign-in (no open redirect), written in
/// printable ASCII: a control character (`%0a` in the query decodes to a newline), a space or a
/// letter beyond ASCII cannot go into a `Location` header as is.
fn safe_next(next: &str) -> &str {
    if next.starts_with("/admin")
        && !next.starts_with("//")
        && !next.contains('\\')
        && !next.starts_with("/admin/login")
        && next.bytes().all(|b| b.is_ascii_graphic())
    {
        next
    } else {
        "/admin"
    }
}

pub async fn login_form(
    State(app): State<AppState>,
    session: Session,
    Query(query): Query<LoginQuery>,
) -> Result<Response, AdminError> {
    if accounts::count_users(app.db.conn()).await? == 0 {
        return Ok(Redirect::to("/admin/setup").into_response());
    }
    let next = safe_next(query.next.as_deref().unwrap_or("/admin")).to_owned();
    public_page(
        &session,
        "login.html",
        context! { email => "", next, error => () },
    )
    .await
}

const LOGIN_FAILED: &str = "That email and password do not match an active account.";

pub async fn login(
    State(app): State<AppState>,
    session: Session,
    ClientAddr(addr): ClientAddr,
    CsrfForm(form): CsrfForm<LoginForm>,
) -> Result<Response, AdminError> {
    let now = app.clock.now();
    let attempt = accounts::begin_attempt(app.db.conn(), &form.email, &addr, now).await?;
    if let Some(retry_after_secs) = throttled(&app, &form.email, &addr, now, attempt).await? {
        accounts::forget_attempt(app.db.conn(), attempt).await?;
        audit::record(
            &app,
            Actor::Anonymous(&form.email),
            "sign_in_throttled",
            "too many failed attempts",
            &addr,
        )
        .await;
        return Err(AdminError::TooManyAttempts { retry_after_secs });
    }
    let user = accounts::find_user_by_email(app.db.conn(), &form.email).await?;
    let matches = verify_password(
        &app.passwords,
        form.password.clone(),
        user.as_ref().map(|u| u.password_hash.clone()),
    )
    .await?;
    let user = user.filter(|u| matches && u.active);
    if user.is_some() {
        accounts::attempt_succeeded(app.db.conn(), attempt).await?;
    }
    let Some(user) = user else {
        audit::record(
            &app,
            Actor::Anonymous(&form.email),
            "sign_in_failed",
            "wrong email or password",
            &addr,
        )
        .await;
        let next = safe_next(&form.next).to_owned();
        let values = context! { email => form.email, next, error => LOGIN_FAILED };
        return public_page(&session, "login.html", values).await;
    };
    session::start(&session, &user, now).await?;
    audit::record(&app, Actor::User(&user), "sign_in", "signed in", &addr).await;
    accounts::record_login(app.db.conn(), user, now).await?;
    Ok(Redirect::to(safe_next(&form.next)).into_response())
}

/// Seconds to wait, when this address, or this account from an address that already failed on
/// it, has reached the failure limit within the window, counting the attempts recorded before
/// `attempt` (this one), judged or not: fifty simultaneous tries get ten verifications, not fifty.
async fn throttled(
    app: &AppState,
    email: &str,
    addr: &str,
    now: Timestamp,
    attempt: i64,
) -> Result<Option<i64>, AdminError> {
    let since = now - throttle::window();
    let wait_from = |oldest: Option<Timestamp>| {
        oldest.map_or(60, |t| (t + throttle::window() - now).num_seconds().max(1))
    };
    let (by_addr, oldest_addr) =
        accounts::failures_since(app.db.conn(), None, Some(addr), since, attempt).await?;
    if by_addr >= throttle::MAX_FAILURES {
        return Ok(Some(wait_from(oldest_addr)));
    }
    let (by_account, oldest_account) =
        accounts::failures_since(app.db.conn(), Some(email), None, since, attempt).await?;
    if by_account >= throttle::MAX_FAILURES {
        let (by_pair, _) =
            accounts::failures_since(app.db.conn(), Some(email), Some(addr), since, attempt)
                .await?;
        if by_pair > 0 {
            return Ok(Some(wait_from(oldest_account)));
        }
    }
    Ok(None)
}

pub async fn logout(
    State(app): State<AppState>,
    who: SignedIn,
    ClientAddr(addr): ClientAddr,
    CsrfForm(_): CsrfForm<Empty>,
) -> Result<Response, AdminError> {
    audit::record(
        &app,
        Actor::User(&who.user),
        "sign_out",
        "signed out",
        &addr,
    )
    .await;
    who.session.flush().await?;
    Ok(Redirect::to("/admin/login").into_response())
}
