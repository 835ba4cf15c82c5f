/// The one error type of the domain layer; the web layer maps each variant
/// to an HTTP status and a problem+json body.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum DomainError {
    /// Input that breaks a rule; `field` names the input at fault.
    #[error("{field}: {message}")]
    Invalid { field: String, message: String },
    #[error("{0} not found")]
    NotFound(String),
    /// The actor is known but not allowed; the text says why.
    #[error("{0}")]
    Forbidden(String),
    /// The record changed since the caller read it, or a uniqueness rule.
    #[error("{0}")]
    Conflict(String),
    #[error("{0}")]
    Unauthenticated(String),
    /// Too many attempts; retry after the given number of seconds.
    #[error("{message}")]
    Throttled {
        message: String,
        retry_after_secs: u64,
    },
    /// A request larger than what is accepted (a body, a list).
    #[error("{0}")]
    TooLarge(String),
    #[error("storage failure: {0}")]
    Store(String),
}

pub type Result<T, E = DomainError> = std::result::Result<T, E>;

impl DomainError {
    pub fn invalid(field: impl Into<String>, message: impl Into<String>) -> Self {
        Self::Invalid {
            field: field.into(),
            message: message.into(),
        }
    }

    /// Prefix the field of an `Invalid` error, for nested input
    /// (`contact_points[1].value`).
    pub fn within(self, prefix: &str) -> Self {
        match self {
            Self::Invalid { field, message } => Self::Invalid {
                field: format!("{prefix}.{field}"),
                message,
            },
            other => other,
        }
    }
}

/// Optimistic concurrency: the caller read `sent`; the store holds `stored`.
pub fn expect_version(what: &str, stored: i64, sent: i64) -> Result<()> {
    if stored == sent {
        return Ok(());
    }
    Err(DomainError::Conflict(format!(
        "this {what} was changed by someone else since you opened it (version {stored}, you sent {sent}); reload and try again"
    )))
}
