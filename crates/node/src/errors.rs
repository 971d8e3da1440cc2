//! The one place core errors become JS errors. napi-rs only throws its own status codes, so the
//! reason carries the core's stable code as a prefix ("ERR_RINGWAY_X: message"); src/errors.ts
//! (the one JS place) moves it into `err.code`.
use ringway_core::error::Error as CoreError;

pub fn to_js(e: CoreError) -> napi::Error {
    napi::Error::new(napi::Status::GenericFailure, format!("{}: {}", e.code(), e))
}

pub fn invalid(msg: impl Into<String>) -> napi::Error {
    to_js(CoreError::InvalidArgument(msg.into()))
}

pub fn closed(what: &str) -> napi::Error {
    to_js(CoreError::Closed(format!("{what} is closed; open a new one")))
}

pub trait IntoJs<T> {
    fn js(self) -> napi::Result<T>;
}

impl<T> IntoJs<T> for ringway_core::error::Result<T> {
    fn js(self) -> napi::Result<T> {
        self.map_err(to_js)
    }
}
