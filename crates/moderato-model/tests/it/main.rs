//! Integration tests of the model crate: the shipped weights load, carry the
//! expected labels, and score fixed sentences within expected ranges.
//! They never need the labelled data sets.
#![allow(clippy::unwrap_used)]

mod golden;
