//! One error type for the core. Every variant has a stable code (`Error::code`) that the binding maps
//! to a JS error `code`, and a message that names the thing that failed and how to fix it.
use thiserror::Error;

#[derive(Debug, Error)]
pub enum Error {
    #[error("{0}")]
    InvalidArgument(String),
    #[error("{0}")]
    NoHugepages(String),
    #[error("{0}")]
    MemlockLimit(String),
    #[error("{0}")]
    OutOfMemory(String),
    #[error("{0}")]
    Closed(String),
    #[error("{0}")]
    Io(String),
    #[error("{0}")]
    Device(String),
    #[error("{0}")]
    DeviceBusy(String),
    #[error("{0}")]
    Unsupported(String),
    #[error("{0}")]
    Malformed(String),
    /// A buffer was freed twice (or more buffers were freed than the pool has).
    #[error("{0}")]
    DoubleFree(String),
    /// A bug inside ringway (a caught panic): the message names the call.
    #[error("{0}")]
    Internal(String),
}

impl Error {
    /// Stable code, exported to JS as `err.code`. Never rename one: users match on them.
    pub fn code(&self) -> &'static str {
        match self {
            Error::InvalidArgument(_) => "ERR_RINGWAY_INVALID_ARGUMENT",
            Error::NoHugepages(_) => "ERR_RINGWAY_NO_HUGEPAGES",
            Error::MemlockLimit(_) => "ERR_RINGWAY_MEMLOCK",
            Error::OutOfMemory(_) => "ERR_RINGWAY_OUT_OF_MEMORY",
            Error::Closed(_) => "ERR_RINGWAY_CLOSED",
            Error::Io(_) => "ERR_RINGWAY_IO",
            Error::Device(_) => "ERR_RINGWAY_DEVICE",
            Error::DeviceBusy(_) => "ERR_RINGWAY_DEVICE_BUSY",
            Error::Unsupported(_) => "ERR_RINGWAY_UNSUPPORTED",
            Error::Malformed(_) => "ERR_RINGWAY_MALFORMED",
            Error::DoubleFree(_) => "ERR_RINGWAY_DOUBLE_FREE",
            Error::Internal(_) => "ERR_RINGWAY_INTERNAL",
        }
    }

    /// An OS error with the operation and object it concerned.
    pub fn os(what: impl std::fmt::Display) -> Error {
        Error::Io(format!("{what}: {}", std::io::Error::last_os_error()))
    }
}

pub type Result<T> = std::result::Result<T, Error>;
