//! Who is signed in, and what they may do.
//!
//! [`SignedIn`] loads the user behind the session and ends sessions that are idle too long, too
//! old, or belong to a deactivated user, using the application's clock. [`Authorized`] adds a
//! permission check from [`Role::can`]; handlers take it inside their one extractor
//! ([`Visit`](crate::http::admin::request::Visit) or
//! [`Submitted`](crate::http::admin::request::Submitted)), so none can forget it.

use std::marker::PhantomData;

use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::response::{IntoResponse, Redirect, Response};
use chrono::DateTime;
use tower_sessions::Session;

use crate::domain::accounts::{Permission, Role};
use crate::domain::timestamp::Timestamp;
use crate::http::admin::error::AdminError;
use crate::operations::Actor;
use crate::state::AppState;
use crate::storage::accounts;
use crate::storage::entities::user;
use crate::storage::revisions::Author;
use crate::storage::sessions::USER_ID_KEY;

const SIGNED_IN_AT: &str = "signed_in_at";
const SEEN_AT: &str = "seen_at";
const FLASH: &str = "flash";

/// Marks the session as belonging to `user`, under a new session id (no fixation).
pub async fn start(
    session: &Session,
    user: &user::Model,
    now: Timestamp,
) -> Result<(), AdminError> {
    session.cycle_id().await?;
    session.insert(USER_ID_KEY, user.id).await?;
    session.insert(SIGNED_IN_AT, now.timestamp()).await?;
    session.insert(SEEN_AT, now.timestamp()).await?;
    Ok(())
}

/// A message shown once on the next page.
pub async fn flash(session: &Session, message: impl Into<String>) -> Result<(), AdminError> {
    session.insert(FLASH, message.into()).await?;
    Ok(())
}

pub async fn take_flash(session: &Session) -> Result<Option<String>, AdminError> {
    Ok(session.remove::<String>(FLASH).await?)
}

/// A signed-in, active user and their session.
pub struct SignedIn {
    pub user: user::Model,
    pub role: Role,
    pub session: Session,
}

impl SignedIn {
    pub fn can(&self, permission: Permission) -> bool {
        self.role.can(permission)
    }

    /// This user, asking from `address`, as operations record them in the audit trail.
    pub fn actor(&self, address: &str) -> Actor {
        Actor {
            user_id: Some(self.user.id),
            name: self.user.email.clone(),
            address: address.to_owned(),
        }
    }

    /// How a form that did its work ends: `message` shows once on the next page, and the
    /// browser is sent to `to` (303 See Other).
    pub async fn done(&self, message: impl Into<String>, to: &str) -> Result<Response, AdminError> {
        flash(&self.session, message).await?;
        Ok(Redirect::to(to).into_response())
    }
}

/// This user as the author of an article revision (`keep` revisions are kept per article).
pub fn author(who: &SignedIn, keep: u64) -> Author {
    Author {
        user_id: Some(who.user.id),
        name: who.user.email.clone(),
        keep,
    }
}

impl FromRequestParts<AppState> for SignedIn {
    type Rejection = AdminError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, AdminError> {
        let session = Session::from_request_parts(parts, state)
            .await
            .map_err(|_| AdminError::Internal)?;
        // After signing in, a page is opened again; a form is not re-sent (its path may
        // answer only POST), so it leads to the plain sign-in page.
        let next = match parts.method {
            axum::http::Method::GET | axum::http::Method::HEAD => parts
                .uri
                .path_and_query()
                .map(|p| p.as_str().to_owned())
                .unwrap_or_default(),
            _ => String::new(),
        };
        let sign_in = || AdminError::SignInRequired { next: next.clone() };
        let Some(user_id) = session.get::<i32>(USER_ID_KEY).await? else {
            return Err(sign_in());
        };
        let now = state.clock.now();
        let at = |secs: Option<i64>| secs.and_then(|s| DateTime::from_timestamp(s, 0));
        let signed_in_at = at(session.get(SIGNED_IN_AT).await?);
        let seen_at = at(session.get(SEEN_AT).await?);
        let (Some(signed_in_at), Some(seen_at)) = (signed_in_at, seen_at) else {
            session.flush().await?;
            return Err(sign_in());
        };
        if now - seen_at > state.config.session_idle
            || now - signed_in_at > state.config.session_lifetime
        {
            session.flush().await?;
            return Err(sign_in());
        }
        let user = accounts::find_user(state.db.conn(), user_id).await?;
        let Some((user, role)) = user.filter(|u| u.active).map(|u| {
            let role = u.role;
            (u, role)
        }) else {
            session.flush().await?;
            return Err(sign_in());
        };
        if now.timestamp() != seen_at.timestamp() {
            session.insert(SEEN_AT, now.timestamp()).await?;
        }
        Ok(SignedIn {
            user,
            role,
            session,
        })
    }
}

/// A permission, as a type, for [`Authorized`].
pub trait Requirement: Send + Sync + 'static {
    const PERMISSION: Permission;
}

macro_rules! requirement {
    ($name:ident, $permission:ident) => {
        pub struct $name;
        impl Requirement for $name {
            const PERMISSION: Permission = Permission::$permission;
        }
    };
}

requirement!(UseDashboard, UseDashboard);
requirement!(ManageUsers, ManageUsers);
requirement!(EditContent, EditContent);
requirement!(ReadContent, ReadContent);
requirement!(ManagePromos, ManagePromos);
requirement!(ReadPromos, ReadPromos);
requirement!(ManageSettings, ManageSettings);

/// A signed-in user whose role grants `R`; anyone else gets 403 (or the sign-in page).
pub struct Authorized<R: Requirement> {
    pub who: SignedIn,
    _requirement: PhantomData<R>,
}

impl<R: Requirement> FromRequestParts<AppState> for Authorized<R> {
    type Rejection = AdminError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, AdminError> {
        let who = SignedIn::from_request_parts(parts, state).await?;
        if !who.can(R::PERMISSION) {
            return Err(AdminError::Forbidden);
        }
        Ok(Authorized {
            who,
            _requirement: PhantomData,
        })
    }
}
