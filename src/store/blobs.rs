//! Content-addressed storage of uploaded components: `<state>/blobs/sha256/<hex>`.
//!
//! A blob is written to a temporary file in the same directory, flushed to disk, renamed
//! over its final name and the directory is flushed, so after a crash a blob is either
//! complete or absent. Every read re-hashes the bytes and refuses a blob whose content
//! no longer matches its name.

use std::fs::{self, File, OpenOptions};
use std::io::{ErrorKind, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use sha2::{Digest, Sha256};

/// Why a blob operation failed.
#[derive(Debug, thiserror::Error)]
pub enum BlobError {
    /// The cluster's object store failed or is unreachable.
    #[error("cluster blob store: {0}")]
    Remote(String),
    /// The digest is not 64 lowercase hexadecimal characters.
    #[error("invalid sha256 digest {digest:?}: expected 64 lowercase hex characters")]
    InvalidDigest {
        /// What was given.
        digest: String,
    },
    /// No blob has this digest.
    #[error("blob sha256:{sha256} not found in {dir}")]
    NotFound {
        /// The digest asked for.
        sha256: String,
        /// The blob directory.
        dir: String,
    },
    /// The file's content does not hash to its name.
    #[error("blob {path} is corrupt: its content hashes to sha256:{actual}")]
    Corrupt {
        /// The blob file.
        path: String,
        /// The digest of what the file holds now.
        actual: String,
    },
    /// A filesystem operation failed.
    #[error("could not {action} {path}: {source}")]
    Io {
        /// What was being done ("write", "read", "rename", …).
        action: &'static str,
        /// The file or directory.
        path: String,
        /// The cause.
        source: std::io::Error,
    },
}

fn io(action: &'static str, path: &Path) -> impl FnOnce(std::io::Error) -> BlobError {
    let path = path.display().to_string();
    move |source| BlobError::Io {
        action,
        path,
        source,
    }
}

/// Lowercase hex SHA-256 of `bytes`.
pub fn sha256_hex(bytes: &[u8]) -> String {
    hex(&Sha256::digest(bytes))
}

/// Lowercase hex encoding of `bytes`.
pub(crate) fn hex(bytes: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut out = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        out.push(DIGITS[usize::from(b >> 4)] as char);
        out.push(DIGITS[usize::from(b & 0xf)] as char);
    }
    out
}

/// True when `s` is a well-formed digest: 64 lowercase hex characters.
pub fn is_sha256_hex(s: &str) -> bool {
    s.len() == 64 && s.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'))
}

const TEMP_PREFIX: &str = ".tmp-";
static TEMP_COUNTER: AtomicU64 = AtomicU64::new(0);

/// The blob directory of a state directory.
#[derive(Debug, Clone)]
pub struct BlobStore {
    dir: PathBuf,
}

impl BlobStore {
    /// Opens (creating if needed) `<state_dir>/blobs/sha256`.
    pub fn open(state_dir: &Path) -> Result<Self, BlobError> {
        let dir = state_dir.join("blobs").join("sha256");
        fs::create_dir_all(&dir).map_err(io("create", &dir))?;
        Ok(BlobStore { dir })
    }

    /// The directory holding the blobs.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// Where the blob `sha256` lives (whether or not it exists).
    pub fn path(&self, sha256: &str) -> Result<PathBuf, BlobError> {
        if !is_sha256_hex(sha256) {
            return Err(BlobError::InvalidDigest {
                digest: sha256.to_string(),
            });
        }
        Ok(self.dir.join(sha256))
    }

    /// True when a blob named `sha256` exists (its content is checked by [`Self::get`]).
    pub fn contains(&self, sha256: &str) -> bool {
        self.path(sha256).is_ok_and(|p| p.is_file())
    }

    /// Stores `bytes` and returns their digest. Storing the same bytes again is a
    /// no-op; a blob found corrupt under that name is replaced.
    pub fn put(&self, bytes: &[u8]) -> Result<String, BlobError> {
        let sha = sha256_hex(bytes);
        let path = self.dir.join(&sha);
        match self.get(&sha) {
            Ok(_) => return Ok(sha),
            Err(BlobError::NotFound { .. } | BlobError::Corrupt { .. }) => {}
            Err(e) => return Err(e),
        }
        let temp = self.dir.join(format!(
            "{TEMP_PREFIX}{sha}-{}-{}",
            std::process::id(),
            TEMP_COUNTER.fetch_add(1, Ordering::Relaxed)
        ));
        let result = write_synced(&temp, bytes)
            .and_then(|()| fs::rename(&temp, &path).map_err(io("rename into place", &path)));
        if let Err(e) = result {
            let _ = fs::remove_file(&temp);
            return Err(e);
        }
        sync_dir(&self.dir)?;
        Ok(sha)
    }

    /// The bytes of blob `sha256`, after checking they still hash to it.
    pub fn get(&self, sha256: &str) -> Result<Vec<u8>, BlobError> {
        let path = self.path(sha256)?;
        let bytes = match fs::read(&path) {
            Ok(bytes) => bytes,
            Err(e) if e.kind() == ErrorKind::NotFound => {
                return Err(BlobError::NotFound {
                    sha256: sha256.to_string(),
                    dir: self.dir.display().to_string(),
                });
            }
            Err(e) => return Err(io("read", &path)(e)),
        };
        let actual = sha256_hex(&bytes);
        if actual != sha256 {
            return Err(BlobError::Corrupt {
                path: path.display().to_string(),
                actual,
            });
        }
        Ok(bytes)
    }

    /// Deletes blob `sha256`; true when it existed.
    pub fn remove(&self, sha256: &str) -> Result<bool, BlobError> {
        let path = self.path(sha256)?;
        match fs::remove_file(&path) {
            Ok(()) => sync_dir(&self.dir).map(|()| true),
            Err(e) if e.kind() == ErrorKind::NotFound => Ok(false),
            Err(e) => Err(io("remove", &path)(e)),
        }
    }

    /// Deletes temporary files left by interrupted writes that are older than
    /// `older_than` (young ones may belong to a write in progress). Returns how many.
    pub fn remove_stale_temp_files(&self, older_than: Duration) -> Result<usize, BlobError> {
        let mut removed = 0;
        for entry in fs::read_dir(&self.dir).map_err(io("list", &self.dir))? {
            let entry = entry.map_err(io("list", &self.dir))?;
            if !entry.file_name().to_string_lossy().starts_with(TEMP_PREFIX) {
                continue;
            }
            let age = entry
                .metadata()
                .and_then(|m| m.modified())
                .ok()
                .and_then(|t| t.elapsed().ok());
            if age.is_some_and(|age| age >= older_than) && fs::remove_file(entry.path()).is_ok() {
                removed += 1;
            }
        }
        Ok(removed)
    }
}

fn write_synced(path: &Path, bytes: &[u8]) -> Result<(), BlobError> {
    let mut file = OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(path)
        .map_err(io("create", path))?;
    file.write_all(bytes).map_err(io("write", path))?;
    file.sync_all().map_err(io("flush to disk", path))
}

/// Makes a rename or removal in `dir` durable (a no-op where directories cannot be
/// opened, i.e. Windows, whose renames are durable once they return).
fn sync_dir(dir: &Path) -> Result<(), BlobError> {
    if cfg!(unix) {
        File::open(dir)
            .and_then(|d| d.sync_all())
            .map_err(io("flush to disk", dir))?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entries(dir: &Path) -> Vec<String> {
        let mut names: Vec<_> = fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        names.sort();
        names
    }

    #[test]
    fn put_is_content_addressed_and_idempotent() {
        let state = tempfile::tempdir().unwrap();
        let blobs = BlobStore::open(state.path()).unwrap();
        let sha = blobs.put(b"hello").unwrap();
        assert_eq!(
            sha,
            "2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824"
        );
        assert_eq!(
            blobs.path(&sha).unwrap(),
            state.path().join("blobs/sha256").join(&sha)
        );
        assert!(blobs.contains(&sha));
        assert_eq!(blobs.get(&sha).unwrap(), b"hello");
        let mtime = fs::metadata(blobs.path(&sha).unwrap())
            .unwrap()
            .modified()
            .unwrap();
        assert_eq!(blobs.put(b"hello").unwrap(), sha);
        let again = fs::metadata(blobs.path(&sha).unwrap())
            .unwrap()
            .modified()
            .unwrap();
        assert_eq!(mtime, again, "same bytes again are not rewritten");
        assert_eq!(
            entries(blobs.dir()),
            [sha.as_str()],
            "no temp file left behind"
        );
        let empty = blobs.put(b"").unwrap();
        assert_eq!(blobs.get(&empty).unwrap(), b"");
        assert!(blobs.remove(&sha).unwrap());
        assert!(!blobs.remove(&sha).unwrap());
        assert!(!blobs.contains(&sha));
    }

    #[test]
    fn bad_digests_and_missing_blobs_are_errors() {
        let state = tempfile::tempdir().unwrap();
        let blobs = BlobStore::open(state.path()).unwrap();
        for bad in ["", "../../etc/passwd", &"A".repeat(64), &"a".repeat(63)] {
            assert!(
                matches!(blobs.get(bad), Err(BlobError::InvalidDigest { .. })),
                "{bad}"
            );
            assert!(!blobs.contains(bad));
        }
        let missing = sha256_hex(b"never stored");
        let err = blobs.get(&missing).unwrap_err();
        assert!(matches!(err, BlobError::NotFound { .. }), "{err}");
    }

    #[test]
    fn corruption_is_detected_and_put_repairs_it() {
        let state = tempfile::tempdir().unwrap();
        let blobs = BlobStore::open(state.path()).unwrap();
        let sha = blobs.put(b"component bytes").unwrap();
        let path = blobs.path(&sha).unwrap();
        fs::write(&path, b"component bytez").unwrap();
        let err = blobs.get(&sha).unwrap_err();
        let now = sha256_hex(b"component bytez");
        assert!(
            matches!(&err, BlobError::Corrupt { actual, .. } if *actual == now),
            "{err}"
        );
        assert!(err.to_string().contains("corrupt"), "{err}");
        // Truncation (e.g. a torn write by something else) is caught the same way.
        fs::write(&path, b"").unwrap();
        assert!(matches!(blobs.get(&sha), Err(BlobError::Corrupt { .. })));
        assert_eq!(blobs.put(b"component bytes").unwrap(), sha);
        assert_eq!(blobs.get(&sha).unwrap(), b"component bytes");
    }

    #[test]
    fn interrupted_writes_leave_only_temp_files_which_are_cleaned() {
        let state = tempfile::tempdir().unwrap();
        let blobs = BlobStore::open(state.path()).unwrap();
        // What a crash between write and rename leaves: a temp file, never a blob.
        let sha = sha256_hex(b"partial");
        let temp = blobs.dir().join(format!("{TEMP_PREFIX}{sha}-1-0"));
        fs::write(&temp, b"parti").unwrap();
        assert!(!blobs.contains(&sha));
        assert_eq!(
            blobs
                .remove_stale_temp_files(Duration::from_secs(3600))
                .unwrap(),
            0
        );
        assert_eq!(blobs.remove_stale_temp_files(Duration::ZERO).unwrap(), 1);
        assert!(entries(blobs.dir()).is_empty());
        assert_eq!(blobs.put(b"partial").unwrap(), sha);
    }
}
