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

diesel::table! {
    users (id) {
        id -> Text,
        name -> Nullable<Text>,
        phone -> Nullable<Text>,
        email -> Nullable<Text>,
        created_at -> Timestamp,
    }
}

diesel::table! {
    user_identities (provider, subject) {
        provider -> Text,
        subject -> Text,
        user_id -> Text,
        created_at -> Timestamp,
        last_login_at -> Timestamp,
    }
}

diesel::table! {
    access_tokens (id) {
        id -> Text,
        user_id -> Text,
        secret_hash -> Text,
        created_at -> Timestamp,
        expires_at -> Timestamp,
        revoked_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    mcp_clients (id) {
        id -> Text,
        name -> Text,
        secret_hash -> Text,
        created_at -> Timestamp,
        revoked_at -> Nullable<Timestamp>,
    }
}

diesel::joinable!(user_identities -> users (user_id));
diesel::joinable!(access_tokens -> users (user_id));
diesel::allow_tables_to_appear_in_same_query!(
    schema_info,
    users,
    user_identities,
    access_tokens,
    mcp_clients
);
