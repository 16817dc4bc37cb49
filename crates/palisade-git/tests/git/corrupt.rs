//! Corrupt loose objects: git prints an error, answers `missing`, lies about a
//! size or dies mid-stream. The damaged blob reports an error; the others are read.

use palisade_domain::BlobId;
use palisade_git::{BlobContent, GitError};

use crate::support::{TestRepo, blob, content_of, read_all};

const VICTIM: &[u8] = b"the victim blob, twenty-nine.";
const OTHERS: [&[u8]; 3] = [b"first good blob", b"second good blob", b"third good blob"];

/// A zlib stream holding `data` in one stored (uncompressed) block.
fn zlib_stored(data: &[u8]) -> Vec<u8> {
    let len = u16::try_from(data.len()).unwrap();
    let mut out = vec![0x78, 0x01, 0x01];
    out.extend(len.to_le_bytes());
    out.extend((!len).to_le_bytes());
    out.extend(data);
    let (mut a, mut b) = (1u32, 0u32);
    for &byte in data {
        a = (a + u32::from(byte)) % 65521;
        b = (b + a) % 65521;
    }
    out.extend(((b << 16) | a).to_be_bytes());
    out
}

fn loose(header_size: usize, body: &[u8]) -> Vec<u8> {
    let mut object = format!("blob {header_size}\0").into_bytes();
    object.extend(body);
    zlib_stored(&object)
}

/// Commits the victim among other blobs, overwrites its loose object with
/// `damaged`, and checks what `read_blobs` and `history_blobs` report.
fn check_corruption(damaged: &[u8]) {
    let repo = TestRepo::new();
    repo.write("a.txt", OTHERS[0]);
    repo.write("b.txt", VICTIM);
    repo.write("c.txt", OTHERS[1]);
    repo.write("d.txt", OTHERS[2]);
    repo.commit("Ann", 1_700_000_000);
    let victim = blob(VICTIM);
    let file = repo.loose_object(&victim);
    let mut permissions = std::fs::metadata(&file).unwrap().permissions();
    #[expect(
        clippy::permissions_set_readonly_false,
        reason = "a test overwriting its own temp file"
    )]
    permissions.set_readonly(false);
    std::fs::set_permissions(&file, permissions).unwrap();
    std::fs::write(&file, damaged).unwrap();

    let git = repo.open();
    let listed = git.history_blobs().unwrap();
    assert_eq!(listed.len(), 4, "{listed:?}");
    assert!(listed.iter().any(|b| b.id == victim));

    // The victim in the middle, so reading must resume after it.
    let ids: Vec<BlobId> = vec![blob(OTHERS[0]), victim, blob(OTHERS[1]), blob(OTHERS[2])];
    let results = read_all(&git, &ids, u64::MAX);
    assert_eq!(results.len(), 4, "{results:?}");
    match content_of(&results, victim) {
        BlobContent::Error(GitError::CorruptObject { id, message }) => {
            assert_eq!(*id, victim.to_hex());
            assert!(!message.is_empty());
        }
        other => panic!("victim: {other:?}"),
    }
    for good in OTHERS {
        assert!(
            matches!(content_of(&results, blob(good)), BlobContent::Bytes(b) if b == good),
            "{results:?}"
        );
    }
}

#[test]
fn garbage_instead_of_zlib() {
    check_corruption(b"this is not a zlib stream at all");
}

#[test]
fn header_claims_more_bytes_than_the_object_has() {
    check_corruption(&loose(VICTIM.len() + 40, VICTIM));
}

#[test]
fn header_claims_fewer_bytes_than_the_object_has() {
    check_corruption(&loose(VICTIM.len() - 5, VICTIM));
}

#[test]
fn zlib_stream_cut_short() {
    let whole = loose(VICTIM.len(), VICTIM);
    check_corruption(&whole[..whole.len() - 12]);
}

#[test]
fn content_does_not_match_its_id() {
    let mut other = VICTIM.to_vec();
    other[0] = b'T';
    check_corruption(&loose(other.len(), &other));
}

#[test]
fn empty_object_file() {
    check_corruption(b"");
}
