//! Points `src/dictionary.rs` at the OpenCorpora data of `rsmorphy-dict-ru`
//! so the binary carries the dictionary (about 4.5 MB compressed) and needs
//! no file at run time.

fn main() {
    let dir = std::path::Path::new(rsmorphy_dict_ru::DICT_PATH);
    for file in ["words.dawg.gz", "paradigms.array.gz", "suffixes.json.gz", "meta.json.gz"] {
        let path = dir.join(file);
        assert!(path.is_file(), "the OpenCorpora dictionary lacks {}", path.display());
    }
    println!("cargo:rustc-env=OPENCORPORA_DICT_DIR={}", dir.display());
    println!("cargo:rerun-if-changed=build.rs");
}
