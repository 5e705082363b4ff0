//! Where a fetch writes a source's files when no work directory is given.
//!
//! A git ref, an archive and a GitHub tarball are written out file by
//! file, and some disks make each new file expensive: writing a
//! repository's 8,081 files took 8–12 s of system time on an ext4 virtual
//! disk (a millisecond a file, measured with `tar -x` too) and 0.25 s in
//! memory. So the files go to `/dev/shm` (memory) when it has room for
//! four sources at the size limit, which the fetch never passes; `$TMPDIR`
//! set by the user, or a `/dev/shm` that is small or absent, keeps them
//! in the system's temporary directory as before.

use std::path::{Path, PathBuf};

/// The shared-memory file system Linux mounts for every user.
const SHARED_MEMORY: &str = "/dev/shm";

/// How many sources at the size limit it must have room for.
const ROOM_FOR: u64 = 4;

/// `/dev/shm`, when it is the place for a fetch of at most
/// `max_total_bytes`; `None` for the system's temporary directory.
pub(crate) fn in_memory(max_total_bytes: u64) -> Option<PathBuf> {
    if std::env::var_os("TMPDIR").is_some() {
        return None;
    }
    let dir = Path::new(SHARED_MEMORY);
    let free = free_bytes(dir)?;
    has_room(free, max_total_bytes).then(|| dir.to_path_buf())
}

fn has_room(free: u64, max_total_bytes: u64) -> bool {
    free / ROOM_FOR >= max_total_bytes
}

/// The bytes an unprivileged user may still write under `dir`.
fn free_bytes(dir: &Path) -> Option<u64> {
    let stat = rustix::fs::statvfs(dir).ok()?;
    let readonly = stat.f_flag.contains(rustix::fs::StatVfsMountFlags::RDONLY);
    (!readonly).then(|| stat.f_bavail.saturating_mul(stat.f_frsize))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn memory_is_used_only_with_room_for_four_sources_at_the_limit() {
        let limit = 100 << 20;
        assert!(has_room(400 << 20, limit));
        assert!(!has_room((400 << 20) - 1, limit));
        assert!(!has_room(64 << 20, limit), "a container's 64 MiB /dev/shm");
        assert!(has_room(u64::MAX, u64::MAX / 4));
    }

    #[test]
    fn free_space_is_read_from_the_file_system() {
        let dir = tempfile::tempdir().unwrap();
        assert!(free_bytes(dir.path()).is_some_and(|b| b > 0));
        assert_eq!(free_bytes(&dir.path().join("absent")), None);
    }
}
