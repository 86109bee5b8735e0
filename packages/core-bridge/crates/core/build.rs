//! Compiles the Temporal API subset and the kairos.core protocol from `packages/proto/protos`
//! with protox (a pure-Rust protobuf compiler), so no system `protoc` is needed.
use std::path::PathBuf;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let manifest = PathBuf::from(std::env::var("CARGO_MANIFEST_DIR")?);
    let protos = manifest.join("../../../proto/protos").canonicalize()?;
    let mut files = vec![protos.join("temporal/api/workflowservice/v1/service.proto")];
    for entry in std::fs::read_dir(protos.join("kairos/core"))? {
        let path = entry?.path();
        if path.extension().is_some_and(|e| e == "proto") {
            files.push(path);
        }
    }
    files.sort();
    println!("cargo:rerun-if-changed={}", protos.display());
    let fds = protox::compile(&files, [&protos])?;
    tonic_prost_build::configure()
        .build_server(false)
        .build_client(true)
        .include_file("protos.rs")
        .skip_debug(["temporal.api.common.v1.Payload"])
        .compile_fds(fds)?;
    Ok(())
}
