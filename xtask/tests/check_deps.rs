//! check-deps against fixture workspaces (copied to a temporary directory so
//! cargo's lock file lands there) and against this workspace.

use std::path::Path;

use xtask::deps::{Violation, check};

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let target = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            copy_dir(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), target).unwrap();
        }
    }
}

fn check_fixture(name: &str) -> Vec<Violation> {
    let dir = tempfile::tempdir().unwrap();
    copy_dir(&Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures").join(name), dir.path());
    check(dir.path()).unwrap()
}

/// What check-deps says of the fixture workspace `name`.
fn said(name: &str) -> Vec<String> {
    check_fixture(name).iter().map(ToString::to_string).collect()
}

#[test]
fn diesel_in_the_domain_crate_is_caught() {
    assert_eq!(said("domain-with-diesel"), ["domain depends on diesel (domain -> diesel)"]);
}

#[test]
fn diesel_reached_through_a_helper_is_caught() {
    assert_eq!(said("domain-via-helper"), ["domain depends on diesel (domain -> helper -> diesel)"]);
}

#[test]
fn dev_dependencies_and_adapters_may_use_diesel() {
    assert_eq!(check_fixture("clean"), []);
}

#[test]
fn an_http_adapter_on_another_is_caught() {
    assert_eq!(
        said("adapter-to-adapter"),
        ["mcp-server depends on mcp-api-http (mcp-server -> mcp-api-http)"]
    );
}

/// The console asks the staff desk (whose tests may use real storage);
/// naming storage itself is the page deciding what the desk would.
#[test]
fn an_http_adapter_on_storage_is_caught_but_not_a_use_cases_tests() {
    assert_eq!(said("adapter-to-storage"), ["console depends on storage (console -> storage)"]);
}

#[test]
fn the_command_line_naming_an_http_adapter_is_caught_but_not_through_app() {
    assert_eq!(said("cli-to-http"), ["merchantctl depends on mcp-api-http (merchantctl -> mcp-api-http)"]);
}

#[test]
fn this_workspace_passes() {
    let violations = check(&xtask::workspace_root()).unwrap();
    assert!(violations.is_empty(), "{violations:?}");
}
