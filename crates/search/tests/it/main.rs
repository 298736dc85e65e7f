//! Search: morphology, the projected catalog, relevance on a judged set. One
//! test binary with a module per subject, so that a change below links it
//! once.

mod categories;
mod morphology;
mod projected;
mod relevance;
