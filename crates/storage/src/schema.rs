//! The one diesel schema both backends share. Column types are the ones both
//! map the same way: times are `Timestamp` in UTC, money is `BigInt` minor
//! units beside a currency code.

diesel::table! {
    schema_info (key) {
        key -> Text,
        value -> Text,
        updated_at -> Timestamp,
    }
}
