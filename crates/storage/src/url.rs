//! Which database to open, chosen by the URL scheme.

use std::fmt;
use std::path::PathBuf;

use secrecy::{ExposeSecret, SecretString};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

impl Backend {
    pub const fn name(self) -> &'static str {
        match self {
            Backend::Sqlite => "sqlite",
            Backend::Postgres => "postgres",
        }
    }
}

impl fmt::Display for Backend {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum UrlError {
    #[error("database URL is empty")]
    Empty,
    #[error("unknown database scheme {0:?}; use sqlite://PATH, a bare file path, or postgres://…")]
    UnknownScheme(String),
    #[error("an in-memory SQLite database cannot be shared by a connection pool; use a file path")]
    InMemory,
}

/// A parsed database URL. A PostgreSQL URL may carry a password, so the text
/// is a secret: `Debug` and `Display` show [`DatabaseUrl::redacted`] only.
#[derive(Clone)]
pub struct DatabaseUrl {
    backend: Backend,
    /// For SQLite the file path, for PostgreSQL the whole libpq URL.
    target: SecretString,
}

impl DatabaseUrl {
    pub fn parse(raw: &str) -> Result<Self, UrlError> {
        let raw = raw.trim();
        if raw.is_empty() {
            return Err(UrlError::Empty);
        }
        if raw.starts_with("postgres://") || raw.starts_with("postgresql://") {
            return Ok(Self::new(Backend::Postgres, raw));
        }
        let path = if let Some(rest) = raw.strip_prefix("sqlite://") {
            rest
        } else if let Some(rest) = raw.strip_prefix("sqlite:") {
            rest
        } else if let Some((scheme, _)) = raw.split_once("://") {
            return Err(UrlError::UnknownScheme(scheme.to_owned()));
        } else {
            raw
        };
        match path {
            "" => Err(UrlError::Empty),
            ":memory:" => Err(UrlError::InMemory),
            path => Ok(Self::new(Backend::Sqlite, path)),
        }
    }

    fn new(backend: Backend, target: &str) -> Self {
        DatabaseUrl { backend, target: SecretString::from(target.to_owned()) }
    }

    pub fn backend(&self) -> Backend {
        self.backend
    }

    /// The SQLite file, or `None` for PostgreSQL.
    pub fn sqlite_path(&self) -> Option<PathBuf> {
        (self.backend == Backend::Sqlite).then(|| PathBuf::from(self.target.expose_secret()))
    }

    /// What the driver needs to connect. Call only where the connection is
    /// made; never log it.
    pub(crate) fn expose(&self) -> &str {
        self.target.expose_secret()
    }

    /// The URL with any password replaced by `***`: safe for logs and errors.
    pub fn redacted(&self) -> String {
        let target = self.target.expose_secret();
        match self.backend {
            Backend::Sqlite => format!("sqlite://{target}"),
            Backend::Postgres => redact_postgres(target),
        }
    }
}

fn redact_postgres(url: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else {
        return "postgres://***".to_owned();
    };
    let authority_end = rest.find(['/', '?']).unwrap_or(rest.len());
    let (authority, tail) = rest.split_at(authority_end);
    let authority = match authority.rsplit_once('@') {
        Some((userinfo, host)) => match userinfo.split_once(':') {
            Some((user, _password)) => format!("{user}:***@{host}"),
            None => authority.to_owned(),
        },
        None => authority.to_owned(),
    };
    let tail = match tail.split_once('?') {
        Some((path, query)) => {
            let query: Vec<String> = query
                .split('&')
                .map(|pair| match pair.split_once('=') {
                    Some((key, _)) if key.eq_ignore_ascii_case("password") => format!("{key}=***"),
                    _ => pair.to_owned(),
                })
                .collect();
            format!("{path}?{}", query.join("&"))
        }
        None => tail.to_owned(),
    };
    format!("{scheme}://{authority}{tail}")
}

impl fmt::Debug for DatabaseUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("DatabaseUrl").field(&self.redacted()).finish()
    }
}

impl fmt::Display for DatabaseUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.redacted())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scheme_picks_the_backend() {
        let cases = [
            ("sqlite://var/merchant.db", Backend::Sqlite, "var/merchant.db"),
            ("sqlite:///abs/merchant.db", Backend::Sqlite, "/abs/merchant.db"),
            ("sqlite:merchant.db", Backend::Sqlite, "merchant.db"),
            ("var/merchant.db", Backend::Sqlite, "var/merchant.db"),
            ("postgres://u@h/db", Backend::Postgres, "postgres://u@h/db"),
            ("postgresql://u@h/db", Backend::Postgres, "postgresql://u@h/db"),
        ];
        for (raw, backend, target) in cases {
            let url = DatabaseUrl::parse(raw).unwrap();
            assert_eq!(url.backend(), backend, "{raw}");
            assert_eq!(url.expose(), target, "{raw}");
        }
    }

    #[test]
    fn unknown_schemes_and_unusable_targets_are_refused() {
        assert_eq!(
            DatabaseUrl::parse("mysql://root@localhost/db").unwrap_err(),
            UrlError::UnknownScheme("mysql".into())
        );
        assert_eq!(DatabaseUrl::parse("  ").unwrap_err(), UrlError::Empty);
        assert_eq!(DatabaseUrl::parse("sqlite://").unwrap_err(), UrlError::Empty);
        assert_eq!(DatabaseUrl::parse("sqlite::memory:").unwrap_err(), UrlError::InMemory);
    }

    #[test]
    fn passwords_never_show() {
        let url =
            DatabaseUrl::parse("postgres://app:s3cr3t@db:5432/shop?password=s3cr3t&sslmode=require").unwrap();
        for shown in [url.redacted(), format!("{url:?}"), url.to_string()] {
            assert!(!shown.contains("s3cr3t"), "{shown}");
        }
        assert_eq!(url.redacted(), "postgres://app:***@db:5432/shop?password=***&sslmode=require");
        assert_eq!(
            DatabaseUrl::parse("postgres://postgres@127.0.0.1:5432/test").unwrap().redacted(),
            "postgres://postgres@127.0.0.1:5432/test"
        );
    }
}
