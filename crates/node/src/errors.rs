//! The one place core errors become JS errors. napi-rs takes any `S: AsRef<str>` as an error's
//! status (`napi::Error<S>`) and creates the JS error with `napi_create_error(code, message)`, so
//! the status string IS `err.code`: the core's stable code ("ERR_RINGWAY_X", core error.rs) is
//! set here and nothing in JS parses messages. Argument conversion errors that napi-rs raises
//! itself keep its own codes (e.g. "InvalidArg").
use ringway_core::error::Error as CoreError;

/// A stable error code, as napi-rs's custom error status.
#[derive(Debug, Clone, Copy)]
pub struct Code(&'static str);

impl AsRef<str> for Code {
    fn as_ref(&self) -> &str {
        self.0
    }
}

/// What every binding function returns: a JS error with `code` set on failure.
pub type Result<T> = napi::Result<T, Code>;

pub fn to_js(e: CoreError) -> napi::Error<Code> {
    napi::Error::new(Code(e.code()), e.to_string())
}

pub fn invalid(msg: impl Into<String>) -> napi::Error<Code> {
    to_js(CoreError::InvalidArgument(msg.into()))
}

pub fn closed(what: &str) -> napi::Error<Code> {
    to_js(CoreError::Closed(format!("{what} is closed; open a new one")))
}

pub trait IntoJs<T> {
    fn js(self) -> Result<T>;
}

impl<T> IntoJs<T> for ringway_core::error::Result<T> {
    fn js(self) -> Result<T> {
        self.map_err(to_js)
    }
}
