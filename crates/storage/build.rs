//! The migrations are embedded at compile time (`embed_migrations!`), which
//! cargo cannot see: without this, a new migration directory is left out of
//! an incremental build.

fn main() {
    println!("cargo:rerun-if-changed=../../migrations");
}
