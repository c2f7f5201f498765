//! What an admin handler takes from its request, in one argument: [`Visit`] for a page (the
//! application and a user whose role grants the permission) and [`Submitted`] for a form (also
//! the actor for the audit trail, the path parameters and the CSRF-checked form).
//!
//! Both decide authorization before anything else about the request is looked at, so a visitor
//! without the permission gets the sign-in page or 403 whatever the path or the body holds.

use std::marker::PhantomData;

use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::request::Parts;
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use serde::de::DeserializeOwned;

use crate::http::admin::client::ClientAddr;
use crate::http::admin::csrf::CsrfForm;
use crate::http::admin::error::AdminError;
use crate::http::admin::session::{Authorized, Requirement, SignedIn};
use crate::operations::Actor;
use crate::state::AppState;

/// A page asked for by a signed-in user whose role grants `R`.
pub struct Visit<R: Requirement> {
    pub app: AppState,
    pub who: SignedIn,
    _requirement: PhantomData<R>,
}

impl<R: Requirement> FromRequestParts<AppState> for Visit<R> {
    type Rejection = AdminError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, AdminError> {
        let Authorized { who, .. } = Authorized::<R>::from_request_parts(parts, state).await?;
        Ok(Visit {
            app: state.clone(),
            who,
            _requirement: PhantomData,
        })
    }
}

/// A form sent by a signed-in user whose role grants `R`, to a route whose parameters are `P`
/// (`Path<…>`, or `()` for none).
///
/// Read in the order the answers depend on: authorization (the sign-in page or 403), the path,
/// then [`CsrfForm`] (403 for a bad token, 413, 415, 400), so the form is parsed last and only
/// for someone allowed to send it.
pub struct Submitted<R: Requirement, F, P = ()> {
    pub app: AppState,
    pub who: SignedIn,
    /// The user at their client address, as operations record them.
    pub actor: Actor,
    pub path: P,
    pub form: F,
    _requirement: PhantomData<R>,
}

impl<R, F, P> FromRequest<AppState> for Submitted<R, F, P>
where
    R: Requirement,
    F: DeserializeOwned + Send,
    P: FromRequestParts<AppState> + Send,
{
    type Rejection = Response;

    async fn from_request(request: Request, state: &AppState) -> Result<Self, Response> {
        let (mut parts, body) = request.into_parts();
        let Authorized { who, .. } = Authorized::<R>::from_request_parts(&mut parts, state)
            .await
            .map_err(IntoResponse::into_response)?;
        let Ok(ClientAddr(address)) = ClientAddr::from_request_parts(&mut parts, state).await;
        let path = P::from_request_parts(&mut parts, state)
            .await
            .map_err(IntoResponse::into_response)?;
        let CsrfForm(form) = CsrfForm::from_request(Request::from_parts(parts, body), state)
            .await
            .map_err(IntoResponse::into_response)?;
        Ok(Submitted {
            app: state.clone(),
            actor: who.actor(&address),
            who,
            path,
            form,
            _requirement: PhantomData,
        })
    }
}

/// A form of buttons only: nothing in it but the CSRF token.
#[derive(Deserialize, Default)]
pub struct Empty {}
