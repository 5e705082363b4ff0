//! Every kind of bad docpack is refused with a clear, one-line error, both
//! by the reader and by `verify`.

mod common;

use common::bomb::gzip_with_zeros;
use common::fixture::encoded;
use common::{edit_manifest, repack};
use doctown_docpack::writer::pack_entries;
use doctown_docpack::*;
use std::time::Instant;

const TEN_GB: u64 = 10_000_000_000;

/// Reads the bytes from memory and from a file through `verify`; both must
/// fail, with the same one-line message containing `needle`.
fn refused(bytes: &[u8], limits: &ReadLimits, needle: &str) -> DocpackError {
    let err = read_docpack_bytes(bytes, limits).expect_err("bad docpack was accepted");
    let msg = err.to_string();
    assert!(msg.contains(needle), "expected {needle:?} in {msg:?}");
    assert!(!msg.contains('\n'), "multi-line error: {msg:?}");
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("bad.docpack");
    std::fs::write(&path, bytes).unwrap();
    let via_verify = verify_with(&path, limits).expect_err("verify accepted a bad docpack");
    assert_eq!(via_verify.to_string(), msg);
    assert!(read_docpack_with(&path, limits).is_err());
    err
}

/// Both the reader and `verify` refuse the bytes with a one-line message;
/// they may name different faults (a damaged deflate stream: the reader
/// inflates it all and finds the gzip CRC wrong, `verify` streams and may
/// first find an entry whose checksum fails).
fn refused_both(bytes: &[u8], limits: &ReadLimits) {
    let err = read_docpack_bytes(bytes, limits).expect_err("bad docpack was accepted");
    assert!(!err.to_string().contains('\n'), "{err}");
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("bad.docpack");
    std::fs::write(&path, bytes).unwrap();
    let via_verify = verify_with(&path, limits).expect_err("verify accepted a bad docpack");
    assert!(!via_verify.to_string().contains('\n'), "{via_verify}");
}

fn defaults() -> ReadLimits {
    ReadLimits::default()
}

#[test]
fn truncated_file() {
    let bytes = encoded().bytes;
    for cut in [bytes.len() - 1, bytes.len() - 8, bytes.len() / 2, 20] {
        let err = refused(&bytes[..cut], &defaults(), "");
        assert!(
            matches!(err, DocpackError::Corrupt(_)),
            "cut at {cut}: {err}"
        );
    }
    refused(&[], &defaults(), "corrupt or truncated");
}

#[test]
fn flipped_byte_in_compressed_data() {
    let bytes = encoded().bytes;
    for at in [
        12,
        bytes.len() / 3,
        bytes.len() / 2,
        bytes.len() - 12,
        bytes.len() - 3,
    ] {
        let mut bad = bytes.clone();
        bad[at] ^= 0x01;
        refused_both(&bad, &defaults());
    }
}

#[test]
fn flipped_byte_in_an_entry() {
    let mut entries = encoded().entries;
    let (_, nodes) = entries.iter_mut().find(|(n, _)| n == "nodes.json").unwrap();
    let at = nodes.iter().position(|&b| b == b'H').unwrap();
    nodes[at] = b'J';
    let err = refused(
        &repack(entries, false),
        &defaults(),
        "checksum mismatch in nodes.json",
    );
    assert!(matches!(err, DocpackError::ChecksumMismatch { .. }));
}

/// The large parts are parsed as they are read, before the checksums are
/// compared; a part that is both damaged and unparsable is still refused
/// for its checksum, and for its JSON only once the checksum agrees.
#[test]
fn a_damaged_part_is_refused_for_its_checksum_before_its_json() {
    for part in ["nodes.json", "graph.json", "source_map.json"] {
        let mut entries = encoded().entries;
        let (_, bytes) = entries.iter_mut().find(|(n, _)| n == part).unwrap();
        bytes.truncate(bytes.len() / 2);
        let err = refused(
            &repack(entries.clone(), false),
            &defaults(),
            &format!("checksum mismatch in {part}"),
        );
        assert!(matches!(err, DocpackError::ChecksumMismatch { .. }));
        let err = read_docpack_bytes(&repack(entries, true), &defaults())
            .expect_err("a part cut in half was accepted");
        assert!(err.to_string().contains(part), "{part}: {err}");
        assert!(!err.to_string().contains("checksum"), "{part}: {err}");
    }
}

#[test]
fn wrong_checksum_in_manifest() {
    let mut entries = encoded().entries;
    edit_manifest(&mut entries, |m| {
        m["checksum"]["entries"][0]["sha256"] = "00".repeat(32).into()
    });
    refused(
        &repack(entries, false),
        &defaults(),
        "checksum mismatch in clusters.json",
    );

    let mut entries = encoded().entries;
    edit_manifest(&mut entries, |m| m["docpack_id"] = "ab".repeat(32).into());
    refused(&repack(entries, false), &defaults(), "docpack id mismatch");
}

#[test]
fn unknown_major_version() {
    let mut entries = encoded().entries;
    edit_manifest(&mut entries, |m| m["schema_version"] = "docpack/2.0".into());
    let err = refused(&repack(entries, false), &defaults(), "");
    assert_eq!(
        err.to_string(),
        "docpack format 2.0 is newer than this reader (1.x); upgrade doctown"
    );

    let mut entries = encoded().entries;
    edit_manifest(&mut entries, |m| m["schema_version"] = "banana".into());
    refused(
        &repack(entries, false),
        &defaults(),
        "unrecognised docpack schema version",
    );
}

#[test]
fn path_traversal_and_unknown_entries() {
    let good = encoded().entries;
    for (name, needle) in [
        ("../x", "unsafe entry path \"../x\""),
        ("/etc/passwd", "unsafe entry path"),
        ("a/../../nodes.json", "unsafe entry path"),
        ("docs/extra.json", "unexpected entry \"docs/extra.json\""),
        ("extra.json", "unexpected entry \"extra.json\""),
    ] {
        let mut entries = good.clone();
        entries.push((name.to_string(), b"{}".to_vec()));
        refused(&raw_pack(&entries), &defaults(), needle);
    }
}

#[test]
fn entries_that_are_not_files_or_repeat() {
    let mut tarball = tar::Builder::new(Vec::new());
    let mut h = tar::Header::new_ustar();
    h.set_entry_type(tar::EntryType::Symlink);
    h.set_size(0);
    h.set_link_name("/etc/passwd").unwrap();
    tarball.append_data(&mut h, "nodes.json", &[][..]).unwrap();
    let tar_bytes = tarball.into_inner().unwrap();
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    std::io::Write::write_all(&mut gz, &tar_bytes).unwrap();
    refused(&gz.finish().unwrap(), &defaults(), "is not a regular file");

    let entries = encoded().entries;
    let nodes = entries
        .iter()
        .find(|(n, _)| n == "nodes.json")
        .unwrap()
        .1
        .clone();
    let mut framed: Vec<(&str, &[u8])> = entries
        .iter()
        .map(|(n, b)| (n.as_str(), b.as_slice()))
        .collect();
    framed.push(("nodes.json", &nodes));
    refused(
        &pack_entries(&framed).unwrap(),
        &defaults(),
        "duplicate entry \"nodes.json\"",
    );
}

/// Frames entries without the tar crate's own path checks (raw names).
fn raw_pack(entries: &[(String, Vec<u8>)]) -> Vec<u8> {
    let mut tar_bytes = Vec::new();
    for (name, data) in entries {
        let mut h = tar::Header::new_ustar();
        h.as_old_mut().name[..name.len()].copy_from_slice(name.as_bytes());
        h.set_size(data.len() as u64);
        h.set_mode(0o644);
        h.set_cksum();
        tar_bytes.extend(h.as_bytes());
        tar_bytes.extend(data);
        tar_bytes.resize(tar_bytes.len().div_ceil(512) * 512, 0);
    }
    tar_bytes.resize(tar_bytes.len() + 1024, 0);
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    std::io::Write::write_all(&mut gz, &tar_bytes).unwrap();
    gz.finish().unwrap()
}

/// A tar header for one regular entry of `size` bytes (data not included).
fn tar_header(name: &str, size: u64) -> Vec<u8> {
    let mut h = tar::Header::new_ustar();
    h.set_path(name).unwrap();
    h.set_size(size);
    h.set_mode(0o644);
    h.set_cksum();
    h.as_bytes().to_vec()
}

#[test]
fn ten_gb_entry_is_refused_quickly() {
    let started = Instant::now();
    let bomb = gzip_with_zeros(&tar_header("nodes.json", TEN_GB), TEN_GB + 1024);
    assert!(bomb.len() < 80 << 20, "bomb is {} bytes", bomb.len());
    let built = started.elapsed();
    let started = Instant::now();
    let err = refused(&bomb, &defaults(), "entry nodes.json is 10000000000 bytes");
    assert!(matches!(err, DocpackError::LimitExceeded(_)));
    // Even with a per-entry limit above 10 GB, the total limit refuses it.
    let lax = ReadLimits {
        max_entry_bytes: 20 * TEN_GB,
        ..defaults()
    };
    refused(&bomb, &lax, "expands to more than");
    assert!(
        started.elapsed().as_secs() < 10,
        "took {:?} (building took {built:?})",
        started.elapsed()
    );
}

#[test]
fn ten_gb_of_padding_after_the_archive_is_refused_quickly() {
    let entries = encoded().entries;
    let framed: Vec<(&str, &[u8])> = entries
        .iter()
        .map(|(n, b)| (n.as_str(), b.as_slice()))
        .collect();
    let good = pack_entries(&framed).unwrap();
    let mut tar_bytes = Vec::new();
    std::io::Read::read_to_end(&mut flate2::read::GzDecoder::new(&good[..]), &mut tar_bytes)
        .unwrap();
    let bomb = gzip_with_zeros(&tar_bytes, TEN_GB);
    let started = Instant::now();
    refused(&bomb, &defaults(), "bytes of padding after the tar archive");
    assert!(started.elapsed().as_secs() < 10);
    // The crafted stream is otherwise a valid docpack: a little padding is fine.
    let padded = gzip_with_zeros(&tar_bytes, 10_240);
    read_docpack_bytes(&padded, &defaults()).unwrap();
}

#[test]
fn configured_limits_are_enforced() {
    let bytes = encoded().bytes;
    let limits = ReadLimits {
        max_entries: 3,
        ..defaults()
    };
    refused(&bytes, &limits, "more than 3 entries");
    let limits = ReadLimits {
        max_entry_bytes: 100,
        ..defaults()
    };
    refused(&bytes, &limits, "more than 100");
    let limits = ReadLimits {
        max_total_bytes: 4096,
        ..defaults()
    };
    // Refused at the manifest, which lists every entry's size.
    refused(&bytes, &limits, "more than 4096 in all");
    let limits = ReadLimits {
        max_compressed_bytes: 64,
        ..defaults()
    };
    refused(&bytes, &limits, "file is larger than 64 bytes");
}

#[test]
fn missing_required_part() {
    for part in ["graph.json", "nodes.json", "docs.json", "manifest.json"] {
        let entries: Vec<_> = encoded()
            .entries
            .into_iter()
            .filter(|(n, _)| n != part)
            .collect();
        let err = refused(
            &repack(entries, true),
            &defaults(),
            &format!("missing required part {part}"),
        );
        assert!(matches!(err, DocpackError::MissingPart(_)));
    }
}

#[test]
fn embeddings_size_disagrees_with_header() {
    for edit in [
        |b: &mut Vec<u8>| {
            b.pop();
        },
        |b: &mut Vec<u8>| b.extend([0; 4]),
        |b: &mut Vec<u8>| b[8] += 1,
    ] {
        let mut entries = encoded().entries;
        let (_, emb) = entries
            .iter_mut()
            .find(|(n, _)| n == "embeddings.bin")
            .unwrap();
        edit(emb);
        let err = refused(
            &repack(entries, true),
            &defaults(),
            "invalid embeddings.bin: file is",
        );
        assert!(err.to_string().contains("but its header"), "{err}");
    }
}

#[test]
fn optional_part_flags_must_match() {
    let entries: Vec<_> = encoded()
        .entries
        .into_iter()
        .filter(|(n, _)| n != "embeddings.bin")
        .collect();
    refused(
        &repack(entries, true),
        &defaults(),
        "disagree with the entries present",
    );
}

#[test]
fn dangling_references_are_refused() {
    let mut entries = encoded().entries;
    let (_, graph) = entries.iter_mut().find(|(n, _)| n == "graph.json").unwrap();
    let mut g: serde_json::Value = serde_json::from_slice(graph).unwrap();
    // The last edge's `to`, so the edges stay in order.
    let last = g["edges"].as_array().unwrap().len() - 1;
    g["edges"][last]["to"] = "zz_nowhere".into();
    *graph = serde_json::to_vec(&g).unwrap();
    refused(
        &repack(entries, true),
        &defaults(),
        "refers to unknown graph node zz_nowhere",
    );
}

#[test]
fn edges_out_of_order_are_refused() {
    let mut entries = encoded().entries;
    let (_, graph) = entries.iter_mut().find(|(n, _)| n == "graph.json").unwrap();
    let mut g: serde_json::Value = serde_json::from_slice(graph).unwrap();
    g["edges"].as_array_mut().unwrap().reverse();
    *graph = serde_json::to_vec(&g).unwrap();
    refused(
        &repack(entries, true),
        &defaults(),
        "graph.json's edges are not sorted by (from, to)",
    );
}

/// `verify` streams the parts in the format's order (the manifest first,
/// the rest by name) and refuses another order, naming it; the in-memory
/// reader, which holds every entry before it checks, reads any order.
#[test]
fn verify_reads_the_parts_in_the_format_s_order() {
    let mut entries = encoded().entries;
    let at = |entries: &[(String, Vec<u8>)], name: &str| {
        entries.iter().position(|(n, _)| n == name).unwrap()
    };
    let (graph, nodes) = (at(&entries, "graph.json"), at(&entries, "nodes.json"));
    entries.swap(graph, nodes);
    let bytes = repack(entries, false);
    read_docpack_bytes(&bytes, &defaults()).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("reordered.docpack");
    std::fs::write(&path, &bytes).unwrap();
    let err = verify_with(&path, &defaults()).unwrap_err().to_string();
    assert!(
        err.contains("entry graph.json comes after nodes.json"),
        "{err}"
    );
}
