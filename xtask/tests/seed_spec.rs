//! The seed spec is kept byte for byte in `openapi/seed/`, so a clone tests
//! alone; where the shared original sits beside the clone, they must agree.

use xtask::workspace_root;

const SEED: &str = "openapi/seed/mcp-merchant-api.yaml";

#[test]
fn seed_spec_is_the_shared_original() {
    let root = workspace_root();
    let ours = std::fs::read(root.join(SEED)).expect("the seed spec is committed");
    let shared = root.join("../shared/spec/mcp-merchant-api.yaml");
    match std::fs::read(&shared) {
        Ok(original) => assert!(ours == original, "{SEED} differs from {}: copy it again", shared.display()),
        Err(_) => eprintln!("note: {} not found; checked only that the seed exists", shared.display()),
    }
    assert!(String::from_utf8(ours).unwrap().contains("version: 1.0.5"));
}
