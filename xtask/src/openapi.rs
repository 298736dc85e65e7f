//! `cargo xtask openapi`: writes each service's OpenAPI document under
//! `openapi/` as the code generates it (`merchantctl openapi SERVICE`), and
//! its 3.0.3 rendering beside it (`SERVICE.3.0.json`); a test in
//! `crates/app` fails while the committed files are stale.

use std::path::Path;

use crate::{Result, cargo};

pub const SERVICES: [&str; 3] = ["mcp-api", "kuper-listener", "merchant-mcp"];

pub fn run(root: &Path) -> Result {
    for service in SERVICES {
        for (version, file) in [("3.1", format!("{service}.json")), ("3.0", format!("{service}.3.0.json"))] {
            let output = cargo()
                .current_dir(root)
                .args([
                    "run",
                    "--quiet",
                    "--bin",
                    "merchantctl",
                    "--",
                    "openapi",
                    service,
                    "--version",
                    version,
                ])
                .output()?;
            if !output.status.success() {
                return Err(format!(
                    "merchantctl openapi {service}: {}",
                    String::from_utf8_lossy(&output.stderr)
                )
                .into());
            }
            let path = root.join("openapi").join(file);
            std::fs::write(&path, &output.stdout)?;
            println!("wrote {}", path.display());
        }
    }
    Ok(())
}
