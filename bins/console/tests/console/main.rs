//! The staff console through the real binaries: over HTTP on both
//! backends (`pages`), and in a real headless Chromium (`in_browser`),
//! with the real `kuper-listener` and `kuper-sim` where Kuper is in the
//! story. One test binary: the fixtures below are built once.

mod common;
mod in_browser;
mod pages;
