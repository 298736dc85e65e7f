//! Comparing a secret someone presents with the one we hold, in constant
//! time, so that how long a refusal takes says nothing of how close a guess
//! came.

use subtle::ConstantTimeEq;

/// Whether `given` is `expected`, compared in constant time.
pub fn same_secret(given: &[u8], expected: &[u8]) -> bool {
    given.ct_eq(expected).into()
}

/// Whether an `Authorization` header value is `Bearer <expected>`.
pub fn bearer_matches(authorization: Option<&str>, expected: &str) -> bool {
    let given = authorization.and_then(|v| v.strip_prefix("Bearer ")).unwrap_or("");
    same_secret(given.trim().as_bytes(), expected.as_bytes())
}

#[cfg(test)]
mod tests {
    use super::bearer_matches;

    #[test]
    fn only_the_bearer_of_the_secret_matches() {
        let cases = [
            (Some("Bearer s3cret"), true),
            (Some("Bearer  s3cret "), true),
            (Some("Bearer s3cre"), false),
            (Some("Bearer s3cret2"), false),
            (Some("bearer s3cret"), false),
            (Some("s3cret"), false),
            (Some("Basic s3cret"), false),
            (Some(""), false),
            (None, false),
        ];
        for (header, matches) in cases {
            assert_eq!(bearer_matches(header, "s3cret"), matches, "{header:?}");
        }
    }
}
