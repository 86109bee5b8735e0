//! Generated protobuf types: the Temporal API subset and the kairos.core protocol.
#![allow(clippy::all, missing_docs, rustdoc::all)]

include!(concat!(env!("OUT_DIR"), "/protos.rs"));

use temporal::api::common::v1::Payload;

impl std::fmt::Debug for Payload {
    // Payload data can be large and sensitive: show its size and encoding only.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let encoding = self
            .metadata
            .get("encoding")
            .map(|e| String::from_utf8_lossy(e).into_owned())
            .unwrap_or_default();
        write!(f, "Payload({encoding}, {} bytes)", self.data.len())
    }
}
