//! The vectors file: roundtrip, random access, and refusal of damaged files.

use doctown_core::vectors::{VectorsError, VectorsReader, VectorsWriter};

fn sample() -> Vec<u8> {
    let mut w = VectorsWriter::new(3);
    let a = w.push_row(&[1.0, 0.0, 0.0]).unwrap();
    let b = w.push_row(&[0.0, 0.6, 0.8]).unwrap();
    w.map("chk_b", b).unwrap();
    w.map("chk_a", a).unwrap();
    w.map("chk_a2", a).unwrap();
    w.to_bytes()
}

fn refused(bytes: &[u8], needle: &str) {
    match VectorsReader::open(bytes) {
        Err(e @ VectorsError::Invalid(_)) => {
            assert!(e.to_string().contains(needle), "{e} lacks {needle:?}")
        }
        Err(e) => panic!("unexpected error {e}"),
        Ok(_) => panic!("a damaged file was accepted (expected {needle:?})"),
    }
}

#[test]
fn roundtrip_with_random_access() {
    let bytes = sample();
    let r = VectorsReader::read_from(&mut bytes.as_slice()).unwrap();
    assert_eq!((r.len(), r.rows(), r.dims()), (3, 2, 3));
    assert_eq!(r.get("chk_b"), Some(&[0.0, 0.6, 0.8][..]));
    assert_eq!(r.get("chk_a"), r.get("chk_a2"));
    assert_eq!(r.get("nope"), None);
    let ids: Vec<&str> = r.iter().map(|(id, _)| id).collect();
    assert_eq!(ids, ["chk_a", "chk_a2", "chk_b"], "index sorted by id");
    assert_eq!(VectorsWriter::new(3).to_bytes().len(), 32);
    assert!(VectorsReader::open(&VectorsWriter::new(384).to_bytes())
        .unwrap()
        .is_empty());
}

#[test]
fn writer_refuses_bad_rows() {
    let mut w = VectorsWriter::new(2);
    assert!(w.push_row(&[1.0]).is_err());
    assert!(w.push_row(&[f32::NAN, 0.0]).is_err());
    assert!(w.map("x", 0).is_err(), "no such row");
}

#[test]
fn damaged_files_are_refused() {
    let good = sample();
    refused(&good[..good.len() - 1], "runs past the end");
    refused(&[good.as_slice(), b"x"].concat(), "has 91 bytes");
    refused(&good[..20], "not a doctown vectors file");
    refused(&good[..40], "header says 2 rows of 3 floats");
    let mut bad = good.clone();
    bad[0] = b'X';
    refused(&bad, "bad magic");
    let mut bad = good.clone();
    bad[8] = 2;
    refused(&bad, "version 2");
    let mut bad = good.clone();
    bad[16] = 200; // rows
    refused(&bad, "header says 200 rows");
    let mut bad = good.clone();
    bad[12] = 2; // dims 2 instead of 3: the size no longer adds up
    assert!(VectorsReader::open(&bad).is_err());
    let mut bad = good.clone();
    bad[32..36].copy_from_slice(&f32::NAN.to_le_bytes());
    refused(&bad, "NaN");
    let mut bad = good.clone();
    bad[56] = 9; // first index entry's row
    refused(&bad, "points at row 9");
}

#[test]
fn duplicate_ids_are_refused() {
    let mut bytes = Vec::new();
    bytes.extend_from_slice(doctown_core::vectors::MAGIC);
    bytes.extend_from_slice(&1u32.to_le_bytes()); // version
    bytes.extend_from_slice(&1u32.to_le_bytes()); // dims
    bytes.extend_from_slice(&1u64.to_le_bytes()); // rows
    bytes.extend_from_slice(&2u64.to_le_bytes()); // entries
    bytes.extend_from_slice(&1f32.to_le_bytes());
    for _ in 0..2 {
        bytes.extend_from_slice(&0u32.to_le_bytes());
        bytes.extend_from_slice(&1u16.to_le_bytes());
        bytes.push(b'a');
    }
    refused(&bytes, "appears twice");
    bytes.truncate(bytes.len() - 7);
    bytes[24] = 1;
    assert_eq!(
        VectorsReader::open(&bytes).unwrap().get("a"),
        Some(&[1.0][..])
    );
}
