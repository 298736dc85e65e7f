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

diesel::table! {
    stores (id) {
        id -> Text,
        name -> Text,
        address -> Text,
        lat -> Double,
        lon -> Double,
        delivery_radius_m -> Nullable<Integer>,
        delivery_polygon -> Nullable<Text>,
        pickup -> Bool,
        opening_hours -> Text,
        time_zone -> Text,
    }
}

diesel::table! {
    products (sku) {
        sku -> Text,
        name -> Text,
        description -> Text,
        photo_url -> Text,
        unit -> Text,
        pack_quantity -> Nullable<Text>,
        rating -> Nullable<Text>,
        category -> Text,
        brand -> Text,
        barcode -> Nullable<Text>,
        change_seq -> BigInt,
        vat -> Nullable<Text>,
    }
}

diesel::table! {
    offer_removals (change_seq, sku, store_id) {
        change_seq -> BigInt,
        sku -> Text,
        store_id -> Text,
    }
}

diesel::table! {
    offers (sku, store_id) {
        sku -> Text,
        store_id -> Text,
        currency -> Text,
        price_minor -> BigInt,
        old_price_minor -> Nullable<BigInt>,
        stock -> BigInt,
        delivery -> Bool,
        pickup -> Bool,
        seen_seq -> BigInt,
        shelf -> BigInt,
        shelf_as_of -> Nullable<Timestamp>,
        held -> BigInt,
        sold_after -> BigInt,
        stock_txn -> BigInt,
    }
}

diesel::table! {
    catalog_sequence (id) {
        id -> Integer,
        value -> BigInt,
    }
}

diesel::table! {
    orders (id) {
        id -> Text,
        channel -> Text,
        user_id -> Text,
        store_id -> Text,
        shipping -> Text,
        destination -> Nullable<Text>,
        slot_starts_at -> Timestamp,
        slot_ends_at -> Timestamp,
        currency -> Text,
        items_total_minor -> BigInt,
        delivery_price_minor -> BigInt,
        status -> Text,
        created_at -> Timestamp,
        updated_at -> Timestamp,
        expires_at -> Nullable<Timestamp>,
        personal_data_erased_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    idempotency_keys (scope, key) {
        scope -> Text,
        key -> Text,
        digest -> Text,
        resource_id -> Text,
        created_at -> Timestamp,
    }
}

diesel::table! {
    order_lines (order_id, line_no) {
        order_id -> Text,
        line_no -> Integer,
        sku -> Text,
        name -> Text,
        unit -> Text,
        quantity -> Text,
        unit_price_minor -> BigInt,
        discount_minor -> BigInt,
        total_minor -> BigInt,
        held -> BigInt,
    }
}

diesel::table! {
    slot_bookings (store_id, shipping, starts_at) {
        store_id -> Text,
        shipping -> Text,
        starts_at -> Timestamp,
        booked -> Integer,
    }
}

diesel::table! {
    order_events (order_id, at) {
        order_id -> Text,
        at -> Timestamp,
        from_status -> Nullable<Text>,
        to_status -> Text,
        action -> Text,
    }
}

diesel::table! {
    kuper_inbox (event_key) {
        event_key -> Text,
        event_type -> Text,
        original_order_id -> Text,
        body -> Text,
        received_at -> Timestamp,
        state -> Text,
        reply -> Text,
        note -> Nullable<Text>,
        applied_at -> Nullable<Timestamp>,
        news -> Nullable<Text>,
    }
}

diesel::table! {
    kuper_order_numbers (original_order_id) {
        original_order_id -> Text,
        order_id -> Text,
        created_at -> Timestamp,
    }
}

diesel::table! {
    store_slots (store_id, shipping) {
        store_id -> Text,
        shipping -> Text,
        slot_minutes -> Integer,
        lead_minutes -> Integer,
        cutoff -> Nullable<Text>,
        days -> Integer,
        capacity -> Integer,
    }
}

diesel::table! {
    kuper_stores (store_id) {
        store_id -> Text,
        integration -> Text,
        restaurant -> Bool,
        assembly_minutes -> Nullable<Integer>,
        kuper_store_id -> Nullable<Text>,
        position_ids -> Text,
        methods -> Nullable<Text>,
    }
}

diesel::table! {
    kuper_orders (order_id) {
        order_id -> Text,
        original_order_id -> Text,
        store_id -> Text,
        integration -> Text,
        restaurant -> Bool,
        status -> Text,
        paid -> Bool,
        composition_final -> Bool,
        created_at -> Timestamp,
        updated_at -> Timestamp,
        details -> Text,
        due_at -> Nullable<Timestamp>,
        personal_data_erased_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    kuper_order_lines (order_id, line_no) {
        order_id -> Text,
        line_no -> Integer,
        sku -> Text,
        quantity -> Text,
        held -> BigInt,
        position_id -> Text,
        ordered -> BigInt,
        weighted -> Bool,
        picked -> Nullable<BigInt>,
        replaces -> Nullable<Integer>,
    }
}

diesel::table! {
    kuper_outbox (id) {
        id -> BigInt,
        order_id -> Text,
        kind -> Text,
        payload -> Text,
        state -> Text,
        created_at -> Timestamp,
        attempts -> Integer,
        next_attempt_at -> Nullable<Timestamp>,
        leased_until -> Nullable<Timestamp>,
        last_error -> Nullable<Text>,
        sent_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    staff_accounts (login) {
        login -> Text,
        name -> Text,
        role -> Text,
        stores -> Text,
        password_hash -> Text,
        disabled -> Bool,
        failures -> Integer,
        locked_until -> Nullable<Timestamp>,
        created_at -> Timestamp,
    }
}

diesel::table! {
    staff_sessions (token_hash) {
        token_hash -> Text,
        login -> Text,
        csrf -> Text,
        created_at -> Timestamp,
        expires_at -> Timestamp,
    }
}

diesel::table! {
    staff_audit (id) {
        id -> BigInt,
        at -> Timestamp,
        login -> Text,
        action -> Text,
        order_ref -> Nullable<Text>,
        detail -> Text,
    }
}

diesel::table! {
    catalog_imports (id) {
        id -> BigInt,
        at -> Timestamp,
        source -> Text,
        kind -> Text,
        outcome -> Text,
        report -> Text,
    }
}

diesel::table! {
    kuper_send_pace (id) {
        id -> Integer,
        next_at -> Timestamp,
    }
}

diesel::table! {
    sandbox_payments (id) {
        id -> Text,
        idempotence_key -> Text,
        account -> Text,
    }
}

diesel::table! {
    auth_failures (key) {
        key -> Text,
        started_ms -> BigInt,
        failures -> Integer,
    }
}

diesel::joinable!(offers -> products (sku));
diesel::joinable!(offers -> stores (store_id));
diesel::joinable!(user_identities -> users (user_id));
diesel::joinable!(access_tokens -> users (user_id));
diesel::joinable!(kuper_stores -> stores (store_id));
diesel::allow_tables_to_appear_in_same_query!(stores, kuper_stores);
diesel::allow_tables_to_appear_in_same_query!(kuper_outbox, kuper_orders);
diesel::allow_tables_to_appear_in_same_query!(staff_sessions, staff_accounts);
diesel::joinable!(staff_sessions -> staff_accounts (login));
diesel::allow_tables_to_appear_in_same_query!(
    schema_info,
    users,
    user_identities,
    access_tokens,
    mcp_clients
);

diesel::table! {
    payments (id) {
        id -> Text,
        gateway -> Text,
        order_id -> Text,
        amount_minor -> BigInt,
        currency -> Text,
        status -> Text,
        confirmation_url -> Nullable<Text>,
        details -> Text,
        return_url -> Text,
        idempotence_key -> Text,
        created_at -> Timestamp,
        updated_at -> Timestamp,
        method -> Text,
        receipt -> Nullable<Text>,
    }
}

diesel::table! {
    payment_refunds (payment_id) {
        payment_id -> Text,
        amount_minor -> BigInt,
        currency -> Text,
        state -> Text,
        attempts -> Integer,
        next_attempt_at -> Nullable<Timestamp>,
        last_error -> Nullable<Text>,
        gateway_refund_id -> Nullable<Text>,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::allow_tables_to_appear_in_same_query!(payments, payment_refunds);
diesel::joinable!(payment_refunds -> payments (payment_id));

diesel::table! {
    stock_moves (id) {
        id -> BigInt,
        txn -> BigInt,
        sku -> Text,
        store_id -> Text,
        kind -> Text,
        quantity -> BigInt,
        channel -> Text,
        order_id -> Text,
        at -> Timestamp,
    }
}

diesel::table! {
    stock_batches (batch_id) {
        batch_id -> Text,
        digest -> Text,
        report -> Text,
        received_at -> Timestamp,
    }
}

diesel::table! {
    stock_report_times (store_id) {
        store_id -> Text,
        reported_at -> Timestamp,
    }
}

diesel::table! {
    onec_sessions (token_hash) {
        token_hash -> Text,
        created_at -> Timestamp,
        last_seen_at -> Timestamp,
    }
}

diesel::table! {
    onec_file_parts (token_hash, filename, seq) {
        token_hash -> Text,
        filename -> Text,
        seq -> Integer,
        content -> Binary,
    }
}

diesel::table! {
    onec_products (onec_id) {
        onec_id -> Text,
        sku -> Text,
    }
}

diesel::table! {
    onec_warehouses (warehouse_id) {
        warehouse_id -> Text,
        store_id -> Text,
    }
}

diesel::table! {
    onec_order_exports (channel, order_id) {
        channel -> Text,
        order_id -> Text,
        sent_at -> Timestamp,
        confirmed_at -> Nullable<Timestamp>,
    }
}

diesel::allow_tables_to_appear_in_same_query!(orders, onec_order_exports);
diesel::allow_tables_to_appear_in_same_query!(kuper_orders, onec_order_exports);
