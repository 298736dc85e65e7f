#![allow(dead_code)]
pub mod seed;
