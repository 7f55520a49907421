//! The files shared in rooms, on disk: one directory per room under the spool directory, one
//! file per shared file named by its random id (never by the name its sender gave, so no
//! offered name can reach outside the spool), and the writer that receives a file in chunks.
//!
//! A file is received into `<id>.part` with positioned writes (MSRP chunks may come in any
//! order, RFC 4975 §7.3.1) while its SHA-1 is computed over the bytes that arrive in order;
//! only a file received out of order is read back to hash it. A checked file is renamed to
//! `<id>`; anything else is removed.

use std::io::SeekFrom;
use std::path::{Path, PathBuf};

use sha1::{Digest, Sha1};
use sylk_store::Store;
use tokio::fs;
use tokio::io::{AsyncReadExt, AsyncSeekExt, AsyncWriteExt};

use super::ConferenceError;
use crate::room::{SharedFile, FILES};
use crate::web::{PublishedFile, WebShares};

/// The spool directory of shared files.
#[derive(Debug, Clone)]
pub(crate) struct Spool {
    dir: PathBuf,
}

impl Spool {
    pub(crate) fn new(dir: PathBuf) -> Spool {
        Spool { dir }
    }

    /// The directory of `room`: the hex SHA-1 of its URI, a safe name whatever the URI.
    fn room_dir(&self, room: &str) -> PathBuf {
        let digest = Sha1::digest(room.as_bytes());
        let name: String = digest.iter().map(|b| format!("{b:02x}")).collect();
        self.dir.join(name)
    }

    /// Where the complete file `id` of `room` is kept.
    pub(crate) fn path(&self, room: &str, id: &str) -> PathBuf {
        self.room_dir(room).join(id)
    }

    /// Offers every stored file for download on `web` (at start-up: files survive restarts).
    pub(crate) fn publish_stored(
        &self,
        store: &Store,
        web: &WebShares,
    ) -> Result<(), ConferenceError> {
        let files = store.tree(&FILES)?;
        let mut n = 0u32;
        for entry in files.iter() {
            let ((room, _), file) = entry?;
            self.publish(&room, &file, web);
            n += 1;
        }
        super::metrics::files_stored(f64::from(n));
        Ok(())
    }

    /// Offers `file` of `room` for download on `web`.
    pub(crate) fn publish(&self, room: &str, file: &SharedFile, web: &WebShares) {
        web.publish_file(PublishedFile {
            token: file.id.clone(),
            path: self.path(room, &file.id),
            name: file.name.clone(),
            content_type: file.content_type.clone(),
            size: file.size,
        });
    }

    /// Deletes the files of a deleted room (and withdraws their downloads).
    pub(crate) async fn remove_room(&self, room: &str, web: Option<&WebShares>) {
        let dir = self.room_dir(room);
        if let Ok(mut entries) = fs::read_dir(&dir).await {
            let mut n = 0u32;
            while let Ok(Some(e)) = entries.next_entry().await {
                let Some(id) = e.file_name().to_str().map(str::to_owned) else {
                    continue;
                };
                if id.ends_with(".part") {
                    continue;
                }
                n += 1;
                if let Some(web) = web {
                    web.withdraw_file(&id);
                }
            }
            super::metrics::files_stored(-f64::from(n));
        }
        match fs::remove_dir_all(&dir).await {
            Ok(()) => {}
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(e) => {
                tracing::warn!(room, error = %e, dir = %dir.display(), "cannot remove shared files")
            }
        }
    }

    /// Starts receiving file `id` of `room`.
    pub(crate) async fn receive(&self, room: &str, id: &str) -> std::io::Result<FileSink> {
        let dir = self.room_dir(room);
        fs::create_dir_all(&dir).await?;
        let part = dir.join(format!("{id}.part"));
        let file = fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(&part)
            .await?;
        Ok(FileSink {
            file: Some(file),
            part,
            hasher: Sha1::new(),
            hashed: 0,
            in_order: true,
            position: 0,
            pending: Vec::with_capacity(WRITE_BUFFER),
            pending_at: 0,
        })
    }
}

/// A file being received; dropped without [`FileSink::finish`] it leaves a `.part` file, so
/// call [`FileSink::discard`] on every failure.
#[derive(Debug)]
pub(crate) struct FileSink {
    file: Option<fs::File>,
    part: PathBuf,
    hasher: Sha1,
    /// Bytes 0..hashed went into the hasher.
    hashed: u64,
    /// False once a chunk left a gap before it (the file must be read back to hash it).
    in_order: bool,
    /// Where the file's cursor is.
    position: u64,
    /// Contiguous bytes not yet written, starting at `pending_at`: chunks are small (a few
    /// KB), so they are written in larger pieces.
    pending: Vec<u8>,
    pending_at: u64,
}

/// How many contiguous received bytes are gathered before they are written.
const WRITE_BUFFER: usize = 256 * 1024;

impl FileSink {
    /// Writes `data` at `offset` (gathering contiguous chunks before they reach the disk).
    pub(crate) async fn write_at(&mut self, offset: u64, data: &[u8]) -> std::io::Result<()> {
        if self.file.is_none() {
            return Err(std::io::ErrorKind::BrokenPipe.into());
        }
        let end = offset + data.len() as u64;
        if self.pending.is_empty() {
            self.pending_at = offset;
        } else if offset != self.pending_at + self.pending.len() as u64 {
            self.flush_pending().await?;
            self.pending_at = offset;
        }
        self.pending.extend_from_slice(data);
        if self.pending.len() >= WRITE_BUFFER {
            self.flush_pending().await?;
        }
        if offset <= self.hashed && end > self.hashed {
            let skip = usize::try_from(self.hashed - offset).unwrap_or(usize::MAX);
            self.hasher.update(&data[skip..]);
            self.hashed = end;
        } else if offset > self.hashed {
            self.in_order = false;
        }
        Ok(())
    }

    /// Writes the gathered bytes at their offset.
    async fn flush_pending(&mut self) -> std::io::Result<()> {
        let file = self.file.as_mut().ok_or(std::io::ErrorKind::BrokenPipe)?;
        if self.pending.is_empty() {
            return Ok(());
        }
        if self.pending_at != self.position {
            file.seek(SeekFrom::Start(self.pending_at)).await?;
        }
        file.write_all(&self.pending).await?;
        self.position = self.pending_at + self.pending.len() as u64;
        self.pending.clear();
        Ok(())
    }

    /// Completes a file of `total` bytes: flushes it and returns its SHA-1.
    pub(crate) async fn finish(&mut self, total: u64) -> std::io::Result<[u8; 20]> {
        self.flush_pending().await?;
        let mut file = self.file.take().ok_or(std::io::ErrorKind::BrokenPipe)?;
        file.flush().await?;
        file.set_len(total).await?;
        file.sync_data().await?;
        if self.in_order && self.hashed == total {
            return Ok(std::mem::take(&mut self.hasher).finalize().into());
        }
        // Out of order: hash it from disk, in pieces.
        drop(file);
        let mut file = fs::File::open(&self.part).await?;
        let mut hasher = Sha1::new();
        let mut buf = vec![0u8; 64 * 1024];
        loop {
            let n = file.read(&mut buf).await?;
            if n == 0 {
                break;
            }
            hasher.update(&buf[..n]);
        }
        Ok(hasher.finalize().into())
    }

    /// Moves the finished file to `path`.
    pub(crate) async fn keep(mut self, path: &Path) -> std::io::Result<()> {
        let part = std::mem::take(&mut self.part);
        fs::rename(&part, path).await
    }

    /// Removes what was received.
    pub(crate) async fn discard(mut self) {
        self.file = None;
        let part = std::mem::take(&mut self.part);
        if let Err(e) = fs::remove_file(&part).await {
            if e.kind() != std::io::ErrorKind::NotFound {
                tracing::warn!(error = %e, file = %part.display(), "cannot remove a partial file");
            }
        }
    }
}

impl Drop for FileSink {
    /// A transfer dropped half-way (its task ended with the server) leaves no partial file.
    fn drop(&mut self) {
        if !self.part.as_os_str().is_empty() {
            let _ = std::fs::remove_file(&self.part);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn chunks_in_any_order_hash_like_the_whole_file() {
        let dir = tempfile::tempdir().unwrap();
        let spool = Spool::new(dir.path().to_owned());
        let data: Vec<u8> = (0..100_000u32).map(|i| (i % 251) as u8).collect();
        let want: [u8; 20] = Sha1::digest(&data).into();
        // In order, with a duplicated chunk.
        let mut sink = spool.receive("sip:r@x", "a").await.unwrap();
        sink.write_at(0, &data[..40_000]).await.unwrap();
        sink.write_at(30_000, &data[30_000..50_000]).await.unwrap();
        sink.write_at(50_000, &data[50_000..]).await.unwrap();
        assert_eq!(sink.finish(100_000).await.unwrap(), want);
        let path = spool.path("sip:r@x", "a");
        sink.keep(&path).await.unwrap();
        assert_eq!(fs::read(&path).await.unwrap(), data);
        // Out of order.
        let mut sink = spool.receive("sip:r@x", "b").await.unwrap();
        sink.write_at(60_000, &data[60_000..]).await.unwrap();
        sink.write_at(0, &data[..60_000]).await.unwrap();
        assert_eq!(sink.finish(100_000).await.unwrap(), want);
        sink.discard().await;
        let room_dir = spool.room_dir("sip:r@x");
        let names: Vec<String> = std::fs::read_dir(&room_dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().into_string().unwrap())
            .collect();
        assert_eq!(names, ["a"], "the discarded part is gone");
        // A second receive of the same id does not clobber a file being received.
        let _busy = spool.receive("sip:r@x", "c").await.unwrap();
        assert!(spool.receive("sip:r@x", "c").await.is_err());
        spool.remove_room("sip:r@x", None).await;
        assert!(!room_dir.exists());
    }
}
