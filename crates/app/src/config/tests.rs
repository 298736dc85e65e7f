use super::*;

fn env(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
    pairs.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())).collect()
}

fn load(pairs: &[(&str, &str)]) -> Result<Config, ConfigError> {
    Config::from_sources(env(pairs), Path::new("/nonexistent/merchant.toml"))
}

#[test]
fn defaults_make_a_working_config() {
    let config = load(&[("PATH", "/usr/bin"), ("HOME", "/root")]).unwrap();
    assert_eq!(config.database.url.redacted(), "sqlite://var/merchant.db");
    assert!(config.database.run_migrations);
    assert_eq!(config.mcp_api_addr, ListenAddr { host: "127.0.0.1".into(), port: 8080 });
    assert_eq!(config.kuper_listener_addr.to_string(), "127.0.0.1:8081");
    assert_eq!(config.kuper_webhook.auth, WebhookScheme::Bearer);
    assert_eq!(config.http.workers, None);
    assert_eq!(config.log.format, LogFormat::Pretty);
}

#[test]
fn environment_beats_file_beats_defaults() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("merchant.toml");
    std::fs::write(
        &file,
        "[database]\nmax_connections = 3\nrun_migrations = false\n[mcp_api]\naddr = \"0.0.0.0:9000\"\n",
    )
    .unwrap();
    let config = Config::from_sources(env(&[("MERCHANT_MCP_API_ADDR", "127.0.0.1:0")]), &file).unwrap();
    assert_eq!(config.database.pool.max_connections, 3, "file beats default");
    assert!(!config.database.run_migrations);
    assert_eq!(config.mcp_api_addr.port, 0, "environment beats file");
}

#[test]
fn merchant_config_names_the_file() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("elsewhere.toml");
    std::fs::write(&file, "[log]\nformat = \"json\"\n").unwrap();
    let config = load(&[("MERCHANT_CONFIG", file.to_str().unwrap())]).unwrap();
    assert_eq!(config.log.format, LogFormat::Json);

    let err = load(&[("MERCHANT_CONFIG", "/nonexistent/x.toml")]).unwrap_err();
    assert_eq!(err.setting, "MERCHANT_CONFIG");
}

#[test]
fn errors_name_the_bad_key() {
    // (environment, setting named in the error, part of the problem)
    type Case<'a> = (&'a [(&'a str, &'a str)], &'a str, &'a str);
    let cases: &[Case] = &[
        (
            &[("MERCHANT_DATABASE_URL", "mysql://root@db/shop")],
            "MERCHANT_DATABASE_URL",
            "unknown database scheme",
        ),
        (&[("MERCHANT_MCP_API_ADDR", "127.0.0.1:99999")], "MERCHANT_MCP_API_ADDR", "port from 0 to 65535"),
        (&[("MERCHANT_KUPER_LISTENER_ADDR", "8081")], "MERCHANT_KUPER_LISTENER_ADDR", "HOST:PORT"),
        (&[("MERCHANT_DATABASE_MAX_CONNECTIONS", "0")], "MERCHANT_DATABASE_MAX_CONNECTIONS", "from 1 to 512"),
        (
            &[("MERCHANT_DATABASE_RUN_MIGRATIONS", "maybe")],
            "MERCHANT_DATABASE_RUN_MIGRATIONS",
            "true or false",
        ),
        (&[("MERCHANT_LOG_FORMAT", "xml")], "MERCHANT_LOG_FORMAT", "pretty or json"),
        (&[("MERCHANT_LOG_LEVEL", "info,[[[")], "MERCHANT_LOG_LEVEL", ""),
        (&[("MERCHANT_DATABSE_URL", "x.db")], "MERCHANT_DATABSE_URL", "unknown setting"),
        (&[("MERCHANT_SBERID_MODE", "maybe")], "MERCHANT_SBERID_MODE", "live, sandbox or disabled"),
        (
            &[("MERCHANT_TOKEN_INTROSPECTION_MODE", "live")],
            "MERCHANT_TOKEN_INTROSPECTION_URL",
            "is required when",
        ),
        (
            &[("MERCHANT_MCP_AUTH_JWT_PUBLIC_KEY_FILE", "/k.pem")],
            "MERCHANT_MCP_AUTH_JWT_ISSUER",
            "is required when",
        ),
        (
            &[
                ("MERCHANT_MCP_AUTH_JWT_PUBLIC_KEY_FILE", "/k.pem"),
                ("MERCHANT_MCP_AUTH_JWT_JWKS_FILE", "/k.json"),
            ],
            "MERCHANT_MCP_AUTH_JWT_JWKS_FILE",
            "not several",
        ),
        (
            &[
                ("MERCHANT_SBERID_MODE", "live"),
                ("MERCHANT_SBERID_USERINFO_URL", "https://x"),
                ("MERCHANT_SBERID_CLIENT_ID", "c"),
                ("MERCHANT_SBERID_CLIENT_CERT_FILE", "/c.pem"),
            ],
            "MERCHANT_SBERID_CLIENT_KEY_FILE",
            "is required when",
        ),
        (
            &[("MERCHANT_PAYMENTS_GATEWAY", "sber")],
            "MERCHANT_PAYMENTS_SBER_USER_NAME",
            "with the sber gateway",
        ),
        (
            &[("MERCHANT_PAYMENTS_GATEWAY", "sber"), ("MERCHANT_PAYMENTS_SBER_USER_NAME", "shop-api")],
            "MERCHANT_PAYMENTS_SBER_PASSWORD",
            "with the sber gateway",
        ),
        (
            &[("MERCHANT_PAYMENTS_GATEWAY", "paypal")],
            "MERCHANT_PAYMENTS_GATEWAY",
            "sandbox, yookassa or sber",
        ),
        (
            &[
                ("MERCHANT_PAYMENTS_GATEWAY", "sber"),
                ("MERCHANT_PAYMENTS_SBER_USER_NAME", "shop-api"),
                ("MERCHANT_PAYMENTS_SBER_PASSWORD", "p"),
                ("MERCHANT_PAYMENTS_SBER_TAX_SYSTEM", "9"),
            ],
            "MERCHANT_PAYMENTS_SBER_TAX_SYSTEM",
            "0 to 5",
        ),
        (
            &[("MERCHANT_PAYMENTS_RECEIPTS", "true"), ("MERCHANT_PAYMENTS_DEFAULT_VAT", "18")],
            "MERCHANT_PAYMENTS_DEFAULT_VAT",
            "VAT rate",
        ),
        (
            &[("MERCHANT_PAYMENTS_SBERPAY_RETURN_URL", "shop.example")],
            "MERCHANT_PAYMENTS_SBERPAY_RETURN_URL",
            "http",
        ),
    ];
    for (pairs, key, problem) in cases {
        let err = load(pairs).unwrap_err();
        assert_eq!(err.setting, *key, "{err}");
        assert!(err.problem.contains(problem), "{err}");
        assert!(!err.to_string().contains('\n'), "one line: {err}");
    }
}

#[test]
fn file_errors_name_the_file_and_key() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("merchant.toml");
    for (content, expected) in [
        ("[mcp_api]\naddr = \"nowhere\"\n", "mcp_api.addr in "),
        ("[mcp_api]\nadr = \"127.0.0.1:1\"\n", "mcp_api.adr in "),
        ("mcp_api = 1\n", "mcp_api in "),
        ("[mcp_api\n", ""),
    ] {
        std::fs::write(&file, content).unwrap();
        let err = Config::from_sources(env(&[]), &file).unwrap_err();
        assert!(err.setting.starts_with(expected), "{err}");
        assert!(err.setting.contains("merchant.toml"), "{err}");
    }
}

#[test]
fn kuper_listener_requires_its_webhook_secret() {
    let config = load(&[]).unwrap();
    config.check_for(Service::McpApi).unwrap();
    let err = config.check_for(Service::KuperListener).unwrap_err();
    assert_eq!(err.setting, "MERCHANT_KUPER_WEBHOOK_SECRET");

    let config =
        load(&[("MERCHANT_KUPER_WEBHOOK_SECRET", "s"), ("MERCHANT_KUPER_WEBHOOK_AUTH", "basic")]).unwrap();
    assert_eq!(config.check_for(Service::KuperListener).unwrap_err().setting, "MERCHANT_KUPER_WEBHOOK_USER");
}

#[test]
fn secrets_never_show_in_debug_or_errors() {
    let secret = "wh-7f3a9c1e55d2";
    let password = "pg-pa55w0rd-91";
    let config = load(&[
        ("MERCHANT_TOKEN_INTROSPECTION_MODE", "live"),
        ("MERCHANT_TOKEN_INTROSPECTION_URL", "https://tokens.example/introspect"),
        ("MERCHANT_TOKEN_INTROSPECTION_CLIENT_SECRET", secret),
        ("MERCHANT_KUPER_WEBHOOK_SECRET", secret),
        ("MERCHANT_DATABASE_URL", &format!("postgres://app:{password}@db/shop")),
        ("MERCHANT_PAYMENTS_GATEWAY", "sber"),
        ("MERCHANT_PAYMENTS_SBER_USER_NAME", "shop-api"),
        ("MERCHANT_PAYMENTS_SBER_PASSWORD", password),
    ])
    .unwrap();
    let shown = format!("{config:?} {config:#?}");
    assert!(!shown.contains(secret), "{shown}");
    assert!(!shown.contains(password), "{shown}");

    // An invalid secret is reported without its value.
    let err = load(&[("MERCHANT_KUPER_WEBHOOK_SECRET", "   ")]).unwrap_err();
    assert_eq!(err.setting, "MERCHANT_KUPER_WEBHOOK_SECRET");
    assert!(!err.to_string().contains("got"), "{err}");
}

#[test]
fn env_var_names_follow_the_scheme() {
    let names: Vec<String> = SETTINGS.iter().map(Setting::env_var).collect();
    for expected in ["MERCHANT_DATABASE_URL", "MERCHANT_MCP_API_ADDR", "MERCHANT_KUPER_LISTENER_ADDR"] {
        assert!(names.iter().any(|n| n == expected), "{expected}");
    }
    let mut unique = names.clone();
    unique.sort();
    unique.dedup();
    assert_eq!(unique.len(), names.len(), "no two settings share an env var");
}

#[test]
fn readme_has_the_current_settings_table() {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../../README.md");
    let readme = std::fs::read_to_string(path).unwrap();
    let (head, rest) = readme.split_once("| variable | file key |").expect("README has the settings table");
    let tail = rest.split_once("\n\n").map_or("", |(_, tail)| tail);
    let fresh = format!("{head}{}\n{tail}", markdown_table());
    if readme != fresh {
        if std::env::var_os("UPDATE_README").is_some() {
            std::fs::write(path, fresh).unwrap();
        } else {
            panic!(
                "README.md's settings table is stale: run `UPDATE_README=1 cargo test -p app readme` and commit"
            );
        }
    }
    assert!(readme.contains(&format!("`{CONFIG_FILE_ENV}`")));
}

#[test]
fn listen_addresses_parse() {
    assert_eq!(ListenAddr::parse("[::1]:0").unwrap().to_string(), "[::1]:0");
    assert_eq!(ListenAddr::parse("localhost:80").unwrap().host, "localhost");
    assert!(ListenAddr::parse(":80").is_err());
    assert!(ListenAddr::parse("host:-1").is_err());
}

/// What production mode needs set, and every refusal naming its setting.
#[test]
fn production_mode_refuses_each_demo_only_setting_by_name() {
    let long = "0123456789abcdef0123456789abcdef";
    let good = [
        ("MERCHANT_ENV", "production"),
        ("MERCHANT_PAYMENTS_GATEWAY", "yookassa"),
        ("MERCHANT_PAYMENTS_YOOKASSA_SHOP_ID", "shop"),
        ("MERCHANT_PAYMENTS_YOOKASSA_SECRET_KEY", "key"),
        ("MERCHANT_PAYMENTS_PUBLIC_URL", "https://shop.example"),
        ("MERCHANT_CONSOLE_SECURE_COOKIES", "true"),
        ("MERCHANT_KUPER_LISTENER_OPERATOR_TOKEN", long),
        ("MERCHANT_STOCK_API_TOKEN", long),
        ("MERCHANT_METRICS_TOKEN", long),
    ];
    let check = |changes: &[(&'static str, &'static str)]| {
        let mut pairs: Vec<(&str, &str)> =
            good.iter().copied().filter(|(k, _)| !changes.iter().any(|(c, _)| c == k)).collect();
        pairs.extend(changes.iter().copied().filter(|(_, v)| !v.is_empty()));
        load(&pairs).unwrap().check_for(Service::McpApi)
    };
    check(&[]).unwrap();
    let cases: [(&[(&str, &str)], &str); 9] = [
        (&[("MERCHANT_SBERID_MODE", "sandbox")], "MERCHANT_SBERID_MODE"),
        (&[("MERCHANT_TOKEN_INTROSPECTION_MODE", "sandbox")], "MERCHANT_TOKEN_INTROSPECTION_MODE"),
        (&[("MERCHANT_PAYMENTS_GATEWAY", "sandbox")], "MERCHANT_PAYMENTS_GATEWAY"),
        (&[("MERCHANT_PAYMENTS_PUBLIC_URL", "")], "MERCHANT_PAYMENTS_PUBLIC_URL"),
        (&[("MERCHANT_CONSOLE_SECURE_COOKIES", "")], "MERCHANT_CONSOLE_SECURE_COOKIES"),
        (&[("MERCHANT_CONSOLE_SECURE_COOKIES", "false")], "MERCHANT_CONSOLE_SECURE_COOKIES"),
        (&[("MERCHANT_KUPER_LISTENER_OPERATOR_TOKEN", "short")], "MERCHANT_KUPER_LISTENER_OPERATOR_TOKEN"),
        (&[("MERCHANT_STOCK_API_TOKEN", "0123456789abcdef0123456789abcde")], "MERCHANT_STOCK_API_TOKEN"),
        (&[("MERCHANT_METRICS_TOKEN", "short")], "MERCHANT_METRICS_TOKEN"),
    ];
    for (changes, setting) in cases {
        let refused = check(changes).unwrap_err();
        assert_eq!(refused.setting, setting, "{changes:?}: {refused}");
        assert!(refused.problem.contains("production"), "{refused}");
        assert!(!refused.problem.contains("short"), "a secret is never echoed: {refused}");
    }
    // Tokens left unset turn their API off: nothing to refuse.
    check(&[("MERCHANT_KUPER_LISTENER_OPERATOR_TOKEN", ""), ("MERCHANT_STOCK_API_TOKEN", "")]).unwrap();
    // The same settings outside production run (the demo).
    let mut demo = vec![("MERCHANT_SBERID_MODE", "sandbox"), ("MERCHANT_STOCK_API_TOKEN", "short")];
    demo.push(("MERCHANT_ENV", "development"));
    load(&demo).unwrap().check_for(Service::McpApi).unwrap();
    assert_eq!(load(&[("MERCHANT_ENV", "prod")]).unwrap_err().setting, "MERCHANT_ENV");
}

#[test]
fn a_top_level_setting_reads_from_the_file() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("merchant.toml");
    std::fs::write(&file, "env = \"production\"\n[database]\nmax_connections = 3\n").unwrap();
    let config = Config::from_sources(env(&[]), &file).unwrap();
    assert!(config.production);
    std::fs::write(&file, "nonsense = 1\n").unwrap();
    assert!(Config::from_sources(env(&[]), &file).is_err());
}
