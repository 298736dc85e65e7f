//! Search: morphology, the projected catalog, relevance on a judged set: one test binary, linked once after a change below it
//! (every module was a binary of its own).

mod morphology;
mod projected;
mod relevance;
