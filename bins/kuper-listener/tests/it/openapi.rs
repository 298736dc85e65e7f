//! The real `kuper-listener` serves its OpenAPI document (the committed one)
//! and a reference page that renders it in headless Chromium offline.

use crate::common;

use std::time::Duration;

use app::testing::browser::Browser;
use storage::testing::TestDatabase;

#[test]
fn the_spec_and_its_reference_page_are_served_and_render_offline() {
    let t = TestDatabase::sqlite();
    t.migrate();
    let dir = tempfile::tempdir().unwrap();
    let service = common::start(&t, dir.path());
    let served = reqwest::blocking::get(service.url("/openapi.json")).unwrap().text().unwrap();
    let committed =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../../openapi/kuper-listener.json"))
            .unwrap();
    assert_eq!(served, committed, "the service serves the committed document");

    let Some(browser) = Browser::start() else { return };
    browser.open(&service.url("/docs"));
    browser.wait_for("section.op[data-path='/kuper/webhooks']", Duration::from_secs(15));
    assert!(browser.text("#title").starts_with("Kuper listener"));
}
