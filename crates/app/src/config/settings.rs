//! Every setting, declared once: its section, name, default, whether it is
//! secret, and the line README's table shows.

use super::ENV_PREFIX;

/// One configuration setting.
#[derive(Debug)]
pub struct Setting {
    pub section: &'static str,
    pub name: &'static str,
    pub default: Option<&'static str>,
    /// Secret values are never echoed, not even in error messages.
    pub secret: bool,
    pub doc: &'static str,
}

impl Setting {
    /// `MERCHANT_<SECTION>_<NAME>`; a top-level setting (no section) is
    /// `MERCHANT_<NAME>`.
    pub fn env_var(&self) -> String {
        if self.section.is_empty() {
            return format!("{ENV_PREFIX}{}", self.name).to_ascii_uppercase();
        }
        format!("{ENV_PREFIX}{}_{}", self.section, self.name).to_ascii_uppercase()
    }

    pub fn toml_key(&self) -> String {
        if self.section.is_empty() {
            return self.name.to_owned();
        }
        format!("{}.{}", self.section, self.name)
    }
}

const fn setting(
    section: &'static str,
    name: &'static str,
    default: Option<&'static str>,
    doc: &'static str,
) -> Setting {
    Setting { section, name, default, secret: false, doc }
}

/// Every setting the product reads. README's configuration table lists the
/// same (a test keeps them in step).
pub const SETTINGS: &[Setting] = &[
    setting(
        "",
        "env",
        Some("development"),
        "`production` refuses to start with anything only for demos (sandbox identity or bank, no `payments.public_url`, console cookies not `Secure`, an operator or stock token under 32 bytes), naming the setting; `development`: those are allowed, with a warning.",
    ),
    setting(
        "database",
        "url",
        Some("sqlite://var/merchant.db"),
        "`sqlite://PATH` (or a bare path) for embedded SQLite, `postgres://…` for PostgreSQL. May hold a password: never logged.",
    ),
    setting("database", "max_connections", Some("8"), "Connection pool size per process (1–512)."),
    setting("database", "acquire_timeout_secs", Some("5"), "How long a request waits for a free connection."),
    setting(
        "database",
        "fail_fast_ms",
        Some("1000"),
        "After a connection could not be had, for this long requests take an idle connection or get a 503 at once instead of each waiting `acquire_timeout_secs` (0: always wait).",
    ),
    setting(
        "database",
        "sqlite_busy_timeout_ms",
        Some("5000"),
        "SQLite only: how long a writer waits for the file lock.",
    ),
    setting(
        "database",
        "run_migrations",
        Some("true"),
        "Apply pending migrations on start. When `false`, a service refuses to start on an outdated schema.",
    ),
    setting(
        "mcp_api",
        "addr",
        Some("127.0.0.1:8080"),
        "Listen address of `mcp-api` (`HOST:PORT`; port 0 picks a free port).",
    ),
    setting("kuper_listener", "addr", Some("127.0.0.1:8081"), "Listen address of `kuper-listener`."),
    setting(
        "console",
        "addr",
        Some("127.0.0.1:8083"),
        "Listen address of the staff console (never the port Kuper posts webhooks to).",
    ),
    setting(
        "mcp_server",
        "addr",
        Some("127.0.0.1:8084"),
        "Listen address of `merchant-mcp`, the merchant's own MCP server (Streamable HTTP at `/mcp`).",
    ),
    setting(
        "mcp_server",
        "allowed_hosts",
        Some(""),
        "`Host` names `merchant-mcp` is reached under besides loopback, comma-separated (others get 403: DNS rebinding).",
    ),
    setting(
        "mcp_server",
        "allowed_origins",
        Some(""),
        "Browser origins allowed to call `merchant-mcp`, comma-separated with scheme and port (`https://chat.example.com:443`); a request with any other `Origin` gets 403.",
    ),
    setting(
        "mcp_server",
        "max_sessions_per_client",
        Some("5000"),
        "Open MCP sessions one client token may hold on `merchant-mcp`; a new one past it is a 429 until one ends or idles out.",
    ),
    setting(
        "mcp_server",
        "session_idle_secs",
        Some("1800"),
        "An MCP session unused this long is closed (its shopper signs in again in a new one).",
    ),
    setting(
        "console",
        "secure_cookies",
        Some("false"),
        "Mark the console's cookies `Secure` (sent over HTTPS only): set `true` wherever the console is reached through TLS.",
    ),
    setting(
        "console",
        "weighed_label",
        Some("5+5"),
        "How the stores' scales print a weighed-goods label (EAN-13 beginning 20–29): article digits + weight digits (grams) between the two prefix digits and the check digit, adding up to 10.",
    ),
    Setting {
        secret: true,
        ..setting(
            "kuper_listener",
            "operator_token",
            None,
            "Bearer token of the operator API (`/operator/kuper/…`); unset: the operator API is off.",
        )
    },
    Setting {
        secret: true,
        ..setting(
            "stock_api",
            "token",
            None,
            "Bearer token of the merchant's systems on `mcp-api`'s stock API (`/merchant/stock`); unset: the API is off.",
        )
    },
    setting(
        "kuper_webhook",
        "auth",
        Some("bearer"),
        "How Kuper authenticates webhooks: `bearer` (`Authorization: Bearer`), `client_token` (`Client-Token` header) or `basic`.",
    ),
    setting("kuper_webhook", "user", None, "User name for `basic` webhook auth."),
    Setting {
        secret: true,
        ..setting(
            "kuper_webhook",
            "secret",
            None,
            "Token (or Basic password) Kuper presents on webhooks. Required by `kuper-listener`.",
        )
    },
    setting(
        "kuper",
        "base_url",
        None,
        "Kuper's merchant API, e.g. `https://merchant-api.sbermarket.ru`; unset: notifications wait in the outbox.",
    ),
    setting("kuper", "client_id", None, "Our client id at Kuper (`/auth/token`, or the Basic user name)."),
    Setting {
        secret: true,
        ..setting("kuper", "client_secret", None, "Our client secret at Kuper (or the Basic password).")
    },
    setting(
        "kuper",
        "auth",
        Some("token"),
        "How notifications authenticate: `token` (a Bearer token from `/auth/token` for the client id and secret) or `basic` (the client id and secret as HTTP Basic).",
    ),
    setting("kuper", "timeout_ms", Some("5000"), "Timeout of a call to Kuper."),
    setting(
        "kuper",
        "retry_schedule",
        Some("1s,5s,30s,2m,10m,1h,6h"),
        "Waits before each retry of a notification (±20 % jitter); after the last, the dead letter.",
    ),
    setting(
        "kuper",
        "rate_per_second",
        Some("10"),
        "Notifications sent per second at most (Kuper allows 10); 0: no limit (a simulator).",
    ),
    setting("kuper", "dispatch_interval_ms", Some("500"), "How often the outbox is looked at."),
    setting(
        "kuper",
        "weight_tolerance_percent",
        Some("10"),
        "How far the picked weight of a weighed position may exceed the ordered weight (0-100).",
    ),
    setting(
        "kuper",
        "weight_is",
        Some("line"),
        "What a weighed Kuper position's `weight` (grams) means, in orders and in the final composition: `line` (the whole line) or `piece` (each of `quantity` pieces).",
    ),
    setting(
        "payments",
        "gateway",
        Some("sandbox"),
        "`sandbox` (mcp-api's own payment page, no real money), `yookassa` or `sber` (Sber's e-commerce gateway). Each offers the page, SberPay and SBP.",
    ),
    setting(
        "payments",
        "public_url",
        None,
        "mcp-api's address as payers reach it (payment links, SBP QR codes, the page a payer returns to); unset: the host each request names, which production mode refuses.",
    ),
    setting("payments", "three_ds_ms", Some("2000"), "How long the sandbox's 3-D Secure check takes."),
    setting("payments", "yookassa_base_url", Some("https://api.yookassa.ru"), "YooKassa's API."),
    setting("payments", "yookassa_shop_id", None, "Our shop id at YooKassa. Required with `yookassa`."),
    Setting {
        secret: true,
        ..setting(
            "payments",
            "yookassa_secret_key",
            None,
            "Our secret key at YooKassa. Required with `yookassa`.",
        )
    },
    setting(
        "payments",
        "yookassa_two_stage",
        Some("false"),
        "Hold the money first and capture it when the payment is confirmed.",
    ),
    setting(
        "payments",
        "sber_base_url",
        Some("https://securepayments.sberbank.ru"),
        "Sber's gateway (test: `https://3dsec.sberbank.ru`).",
    ),
    setting("payments", "sber_user_name", None, "Our API login at Sber (`…-api`). Required with `sber`."),
    Setting {
        secret: true,
        ..setting("payments", "sber_password", None, "The API login's password. Required with `sber`.")
    },
    setting(
        "payments",
        "sber_two_stage",
        Some("false"),
        "Hold the money first (`registerPreAuth.do`) and take it when the payment is confirmed; SBP is always one-stage.",
    ),
    setting(
        "payments",
        "sber_tax_system",
        None,
        "Our tax system as Sber's `taxSystem` (0 ОСН, 1 УСН доходы, 2 УСН доходы − расходы, 3 ЕНВД, 4 ЕСХН, 5 патент), sent with receipts.",
    ),
    setting(
        "payments",
        "sberpay",
        Some("false"),
        "`/checkout` starts a SberPay payment and answers `sberpayDetails` (the gateway's order id, payment URL and deep link).",
    ),
    setting(
        "payments",
        "sberpay_return_url",
        None,
        "Where the payer returns after SberPay; unset: mcp-api's `/pay/done`.",
    ),
    setting(
        "payments",
        "receipts",
        Some("false"),
        "Send a 54-FZ receipt with every payment and refund (the gateway fiscalises); a payment without the buyer's email or phone, or a product's VAT rate, is refused.",
    ),
    setting(
        "payments",
        "default_vat",
        None,
        "The VAT rate of a product the feed gives none: none, 0, 5, 7, 10, 20, 10/110, 20/120.",
    ),
    setting("payments", "delivery_vat", Some("20"), "The VAT rate of the delivery line of a receipt."),
    setting("payments", "timeout_ms", Some("10000"), "Timeout of a call to the payment gateway."),
    setting(
        "payments",
        "refund_interval_ms",
        Some("10000"),
        "How often refunds owed are sent and open payments asked after at the gateway (20 a round, for 48 hours).",
    ),
    setting("http", "workers", Some("0"), "HTTP worker threads per service; 0 means one per CPU core."),
    setting(
        "http",
        "shutdown_timeout_secs",
        Some("30"),
        "Grace period for in-flight requests on SIGTERM/SIGINT.",
    ),
    setting("http", "max_body_bytes", Some("1048576"), "Largest request body accepted."),
    setting(
        "http",
        "trusted_proxies",
        Some(""),
        "IP addresses of the load balancers in front, comma-separated: only a request from one of them has its `X-Forwarded-For`/`Forwarded` believed when per-client limits (sign-in failures) key the caller. Empty: the peer is the client.",
    ),
    setting("log", "format", Some("pretty"), "`pretty` for people, `json` for log shippers."),
    setting(
        "log",
        "level",
        Some("info"),
        "Log filter in `tracing` syntax, e.g. `info` or `info,storage=debug`.",
    ),
    setting(
        "mcp_auth",
        "access_token_ttl_secs",
        Some("3600"),
        "Lifetime of the user access tokens `/auth/*` issue (`expiresIn`).",
    ),
    setting(
        "mcp_auth",
        "max_failures",
        Some("10"),
        "Failed authentication attempts allowed per caller and window before 429.",
    ),
    setting("mcp_auth", "failure_window_secs", Some("60"), "Window of `max_failures`."),
    setting(
        "mcp_auth",
        "catalog_requires_client",
        Some("false"),
        "Whether `/search` and `/actualize` need MCP-client credentials too (the seed leaves them open).",
    ),
    setting(
        "mcp_auth",
        "jwt_public_key_file",
        None,
        "PEM public key (RSA, EC, Ed25519) that verifies MCP-client JWTs.",
    ),
    setting(
        "mcp_auth",
        "jwt_jwks_file",
        None,
        "JWKS file that verifies MCP-client JWTs (instead of a PEM key); `kid` picks the key.",
    ),
    setting(
        "mcp_auth",
        "jwt_hmac_secret_file",
        None,
        "File with a secret shared with the MCP platform, for HS256-signed MCP-client JWTs (at least 32 bytes; never with a PEM key or JWKS).",
    ),
    setting("mcp_auth", "jwt_issuer", None, "Required `iss` of MCP-client JWTs (required with a key)."),
    setting("mcp_auth", "jwt_audience", None, "Required `aud` of MCP-client JWTs (required with a key)."),
    setting("mcp_auth", "jwt_leeway_secs", Some("60"), "Clock skew allowed when checking `exp`."),
    setting(
        "sberid",
        "mode",
        Some("disabled"),
        "`/auth/sberid`: `live` (SberID userinfo), `sandbox` (documented test tokens) or `disabled` (503).",
    ),
    setting("sberid", "userinfo_url", None, "SberID userinfo endpoint (required when `live`)."),
    setting(
        "sberid",
        "client_id",
        None,
        "The merchant's SberID client id, sent as `x-ibm-client-id` (required when `live`).",
    ),
    setting(
        "sberid",
        "client_cert_file",
        None,
        "PEM client certificate for SberID's mutual TLS (with `client_key_file`).",
    ),
    setting("sberid", "client_key_file", None, "PKCS#8 PEM key of the client certificate."),
    setting("sberid", "ca_file", None, "Extra PEM root certificate to trust for SberID."),
    setting(
        "sberid",
        "timeout_ms",
        Some("5000"),
        "Timeout of a SberID call; past it `/auth/sberid` answers 503.",
    ),
    setting(
        "token_introspection",
        "mode",
        Some("disabled"),
        "`/auth/other`: `live` (RFC 7662 introspection), `sandbox` or `disabled` (503).",
    ),
    setting(
        "token_introspection",
        "url",
        None,
        "Introspection endpoint of the merchant's token service (required when `live`).",
    ),
    setting(
        "token_introspection",
        "client_id",
        None,
        "Our client id at the introspection endpoint (HTTP Basic).",
    ),
    Setting {
        secret: true,
        ..setting(
            "token_introspection",
            "client_secret",
            None,
            "Our client secret at the introspection endpoint.",
        )
    },
    setting("token_introspection", "timeout_ms", Some("5000"), "Timeout of an introspection call."),
    setting("catalog", "merchant_name", Some("Demo Grocery"), "`merchantName` in search answers."),
    setting(
        "catalog",
        "synonyms_file",
        None,
        "The merchant's search synonyms and aliases, one group per line (`сгущенка, сгущенное`; `данон, danone`), added to the shipped ones.",
    ),
    setting(
        "catalog",
        "thesaurus_file",
        None,
        "A bilingual dictionary in dictd format (`.dict` or `.dict.dz`) by which search reads English words (`pears`, `ice cream`). Unset: Mueller's English-Russian dictionary where Debian's `mueller7-dict` puts it, `/usr/share/dictd/mueller7.dict.dz`, when it is there.",
    ),
    setting(
        "catalog",
        "placeholder_photo_url",
        None,
        "`photo` answered for a product whose feed gave no picture; unset: a neutral inline image (`data:` URI).",
    ),
    setting(
        "catalog",
        "pickup_radius_m",
        Some("5000"),
        "A pickup store this close to the shopper counts in search even when it does not deliver there; nearer stores win ties.",
    ),
    setting(
        "catalog",
        "index_refresh_ms",
        Some("250"),
        "How often `mcp-api` applies catalog changes, stock and price moves to what `/search` answers from: the most a search can lag the database.",
    ),
    setting("delivery", "slot_minutes", Some("120"), "Length of a delivery slot."),
    setting(
        "delivery",
        "lead_minutes",
        Some("60"),
        "The earliest delivery slot starts this long after checkout.",
    ),
    setting(
        "delivery",
        "cutoff",
        Some("20:00"),
        "After this store-local time no same-day delivery is offered.",
    ),
    setting("delivery", "days", Some("3"), "Days, today included, delivery slots are offered for."),
    setting("delivery", "capacity", Some("20"), "Orders per delivery slot and store."),
    setting("delivery", "price", Some("199"), "Delivery price in roubles."),
    setting(
        "delivery",
        "free_from",
        Some("3000"),
        "Orders of at least this many roubles are delivered free.",
    ),
    setting(
        "delivery",
        "distance_tiers",
        None,
        "Surcharges by distance from the store, `metres:roubles` ascending, e.g. `3000:50,5000:100`.",
    ),
    setting("pickup", "slot_minutes", Some("60"), "Length of a pickup slot."),
    setting(
        "pickup",
        "lead_minutes",
        Some("30"),
        "The earliest pickup slot starts this long after checkout.",
    ),
    setting("pickup", "cutoff", None, "After this store-local time no same-day pickup is offered."),
    setting("pickup", "days", Some("3"), "Days, today included, pickup slots are offered for."),
    setting("pickup", "capacity", Some("30"), "Orders per pickup slot and store."),
    setting(
        "orders",
        "unpaid_ttl_minutes",
        Some("30"),
        "An order not paid within this is cancelled and its stock released.",
    ),
    setting(
        "orders",
        "max_unpaid_per_shopper",
        Some("5"),
        "Unpaid MCP orders one shopper may have open at once; another checkout is a 409 saying why (Kuper orders are not counted).",
    ),
    setting(
        "orders",
        "max_held_units_per_shopper",
        Some("300"),
        "Units of sale (pieces, kilograms, litres) one shopper's unpaid MCP orders may hold together; past it a checkout is a 409.",
    ),
    setting("orders", "expiry_interval_secs", Some("30"), "How often unpaid orders are looked for."),
    setting(
        "orders",
        "external_cart_url",
        None,
        "The merchant's cart page for an order (`{orderId}` is replaced); `/checkout` returns it as `externalCartUrl`.",
    ),
    setting(
        "orders",
        "payment_details",
        Some("true"),
        "Whether `/checkout` returns `paymentDetails` (payment through `/payment/init`); without a cart URL it always does.",
    ),
    Setting {
        secret: true,
        ..setting(
            "metrics",
            "token",
            None,
            "Bearer token `/metrics` asks for on every service (Prometheus: `authorization: {credentials: …}`); unset: `/metrics` is open to whoever reaches the port.",
        )
    },
    setting(
        "retention",
        "personal_data_days",
        Some("90"),
        "Days after an order closed (delivered, collected, cancelled) before its customer's name, phone, email, address, comments and courier are erased (`merchantctl purge`, and a daily pass in `mcp-api` and `kuper-listener`).",
    ),
    setting(
        "onec",
        "user",
        None,
        "Login of 1C's exchange with a site (`/1c/exchange` on `mcp-api`); unset: the exchange is off.",
    ),
    Setting { secret: true, ..setting("onec", "password", None, "Password of 1C's exchange with a site.") },
    setting(
        "onec",
        "price_type",
        None,
        "The shop's price type in 1C's offers (its `Ид` or name, e.g. `Розничная`); unset: the file's only one.",
    ),
    setting(
        "onec",
        "file_limit_bytes",
        Some("8388608"),
        "The largest part of a file 1C sends at once (`init`'s `file_limit`).",
    ),
    setting("onec", "max_file_bytes", Some("536870912"), "The largest file 1C may send, all parts together."),
    setting("onec", "session_idle_secs", Some("3600"), "A 1C exchange session not seen this long is over."),
];
