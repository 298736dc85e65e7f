//! Typed identifiers, so that a store id is never passed where a SKU is due.

/// Longest id we accept from outside; generous for any merchant scheme, small
/// enough to index.
pub const MAX_ID_LEN: usize = 128;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum IdError {
    #[error("{kind} must not be empty")]
    Empty { kind: &'static str },
    #[error("{kind} is longer than {MAX_ID_LEN} characters")]
    TooLong { kind: &'static str },
    #[error("{kind} must not contain control characters or surrounding spaces")]
    BadCharacters { kind: &'static str },
}

fn validate(kind: &'static str, value: &str) -> Result<(), IdError> {
    if value.is_empty() {
        return Err(IdError::Empty { kind });
    }
    if value.chars().count() > MAX_ID_LEN {
        return Err(IdError::TooLong { kind });
    }
    if value.chars().any(char::is_control) || value.trim() != value {
        return Err(IdError::BadCharacters { kind });
    }
    Ok(())
}

/// Whether `value` could be an id of ours or of a partner's (non-empty, at
/// most [`MAX_ID_LEN`] characters, no control character): one that could
/// not is unknown without asking the database, which may refuse the bytes.
pub fn is_plausible_id(value: &str) -> bool {
    validate("id", value).is_ok()
}

macro_rules! string_id {
    ($(#[$doc:meta])* $name:ident, $kind:literal) => {
        $(#[$doc])*
        #[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub struct $name(String);

        impl $name {
            pub fn new(value: impl Into<String>) -> Result<Self, IdError> {
                let value = value.into();
                validate($kind, &value)?;
                Ok(Self(value))
            }

            pub fn as_str(&self) -> &str {
                &self.0
            }

            pub fn into_inner(self) -> String {
                self.0
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(&self.0)
            }
        }

        impl AsRef<str> for $name {
            fn as_ref(&self) -> &str {
                &self.0
            }
        }

        impl std::str::FromStr for $name {
            type Err = IdError;

            fn from_str(s: &str) -> Result<Self, Self::Err> {
                Self::new(s)
            }
        }
    };
}

string_id!(
    /// A merchant's store (`storeId` on the wire, `storeID` at Kuper).
    StoreId,
    "store id"
);
string_id!(
    /// A product's stock-keeping unit (`skuId`).
    SkuId,
    "sku id"
);
string_id!(
    /// An order in the merchant's order book, whichever channel it came from.
    OrderId,
    "order id"
);
string_id!(
    /// A customer account on the merchant's side.
    UserId,
    "user id"
);
string_id!(
    /// A payment attempt, as the payment gateway knows it.
    PaymentId,
    "payment id"
);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_ordinary_ids() {
        let id = StoreId::new("STORE-99821-B").unwrap();
        assert_eq!(id.as_str(), "STORE-99821-B");
        assert_eq!(id.to_string(), "STORE-99821-B");
        assert_eq!("Молоко-1".parse::<SkuId>().unwrap().as_str(), "Молоко-1");
    }

    #[test]
    fn refuses_empty_long_and_odd_ids() {
        assert_eq!(SkuId::new(""), Err(IdError::Empty { kind: "sku id" }));
        assert_eq!(OrderId::new("x".repeat(MAX_ID_LEN + 1)), Err(IdError::TooLong { kind: "order id" }));
        assert!(OrderId::new("я".repeat(MAX_ID_LEN)).is_ok(), "length counts characters");
        assert!(UserId::new(" padded").is_err());
        assert!(PaymentId::new("line\nbreak").is_err());
    }
}
