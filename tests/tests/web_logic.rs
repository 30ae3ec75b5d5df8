//! The web app's pure logic, tested on the host by `cargo xtask test`: the web crate builds
//! for wasm only, so its own `#[cfg(test)]` modules never ran there. Each module named here
//! uses nothing but `std` and the wire types.

#[path = "../../frontend/src/pages/messages/sent_merge.rs"]
mod sent_merge;

#[path = "../../frontend/src/components/recipient_labels.rs"]
mod recipient_labels;
