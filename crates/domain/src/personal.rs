//! `Debug` of what names a person (a name, a phone, an address, a comment,
//! a raw body that may carry them): whether it is there, never what it is,
//! so no `{:?}` in a log line or an error ever prints it.

use std::fmt;

/// Shown in place of personal data.
pub const PERSONAL: &str = "<personal>";

/// `Debug`s as `Some(<personal>)` or `None`.
#[derive(Clone, Copy)]
pub struct Redacted<'a, T>(pub &'a Option<T>);

impl<T> fmt::Debug for Redacted<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.0 {
            Some(_) => write!(f, "Some({PERSONAL})"),
            None => f.write_str("None"),
        }
    }
}

/// `Debug`s as `<personal>` whatever it holds.
#[derive(Clone, Copy)]
pub struct Hidden;

impl fmt::Debug for Hidden {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(PERSONAL)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn personal_values_debug_as_a_marker() {
        assert_eq!(format!("{:?}", Redacted(&Some("Ольга"))), "Some(<personal>)");
        assert_eq!(format!("{:?}", Redacted::<String>(&None)), "None");
        assert_eq!(format!("{Hidden:?}"), "<personal>");
    }
}
