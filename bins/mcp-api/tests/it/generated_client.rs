//! A client none of us wrote, generated from the committed
//! `openapi/mcp-api.3.0.json` by `openapi-python-client` (from PyPI, in the
//! venv `.ci/run` installs), signs a shopper in and places an order against
//! the real `mcp-api`: the MCP client's token goes where the document's
//! security scheme says, with no header written by hand
//! (`tests/generated/shop.py`).

use crate::common;

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::Arc;

use domain::SystemClock;
use secrecy::ExposeSecret;
use serde_json::Value;
use storage::testing::TestDatabase;
use storage::{CatalogBatch, DbCatalogRepo};

/// `openapi-python-client` and the Python beside it, in the venv
/// `TEST_OPENAPI_CLIENT_VENV` names or `.ci/run` installs.
fn venv() -> Option<PathBuf> {
    app::testing::ci_tool(
        "TEST_OPENAPI_CLIENT_VENV",
        ".cache/merchant-hub/openapi-client-venv",
        "bin/openapi-python-client",
    )
}

fn run(command: &mut Command, what: &str) -> String {
    let out = command.output().unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(out.status.success(), "{what} failed:\n{stdout}\n{}", String::from_utf8_lossy(&out.stderr));
    stdout
}

/// The client generated into `dir`; the package is `dir/mcp_client`.
fn generate(venv: &Path, dir: &Path) {
    let spec = concat!(env!("CARGO_MANIFEST_DIR"), "/../../openapi/mcp-api.3.0.json");
    // No formatter after generating: the code runs as generated.
    let config = dir.join("generator.yaml");
    std::fs::write(&config, "post_hooks: []\n").unwrap();
    run(
        Command::new(venv.join("bin/openapi-python-client"))
            .args(["generate", "--path", spec, "--meta", "none", "--output-path"])
            .arg(dir.join("mcp_client"))
            .arg("--config")
            .arg(&config),
        "openapi-python-client generate",
    );
}

#[test]
fn a_generated_client_signs_a_shopper_in_and_places_an_order() {
    let Some(venv) = venv() else { return };
    let generated = tempfile::tempdir().unwrap();
    generate(&venv, generated.path());
    for t in TestDatabase::each_backend_migrated() {
        let catalog = catalog::demo::generate(2_000);
        DbCatalogRepo::write(&mut t.db.get().unwrap(), &CatalogBatch::from(catalog.clone())).unwrap();
        let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
        let authenticator = t.authenticator(Arc::new(SystemClock));
        let (_, token) = runtime.block_on(authenticator.create_client("generated")).unwrap();
        let dir = tempfile::tempdir().unwrap();
        let service =
            common::start(&t.raw_url, dir.path(), &[("MERCHANT_TOKEN_INTROSPECTION_MODE", "sandbox")]);
        let store = &catalog.stores[0];
        let out = run(
            Command::new(venv.join("bin/python"))
                .arg(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/generated/shop.py"))
                .arg(generated.path())
                .args([
                    service.base_url.as_str(),
                    token.expose_secret(),
                    &store.location.lat().to_string(),
                    &store.location.lon().to_string(),
                ]),
            "the generated client's purchase",
        );
        let placed: Value = serde_json::from_str(out.trim()).unwrap_or_else(|e| panic!("{e}: {out}"));
        let backend = t.db.backend();
        assert_eq!(placed["status"], "new", "{backend}: {placed}");
        let url = service.url(&format!("/order/{}/status", placed["orderId"].as_str().unwrap()));
        let read_back: Value = reqwest::blocking::get(url).unwrap().json().unwrap();
        assert_eq!(read_back["status"], "new", "{backend}: the order is in the book");
    }
}
