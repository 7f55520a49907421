//! Streamed outgoing messages (RFC 4975 §7.1.1 chunking of a body of known size, as RFC 5547
//! file transfer needs): the [`StreamSender`] handle that feeds one to its session's task with
//! a bounded window.
//!
//! Each stream has a window of [`super::MsrpConfig::stream_window`] bytes, kept as semaphore
//! permits: [`StreamSender::write`] takes permits for the bytes it hands over, and the session
//! task gives them back as it cuts those bytes into chunks and queues them on the connection.
//! So a writer reading a large file goes no faster than the connection, and the bytes waiting
//! in the session for one stream never exceed the window, whatever the file size.

use std::sync::Arc;

use bytes::Bytes;
use sylk_sip::msrp::MessageId;
use tokio::sync::{mpsc, Semaphore};

use super::error::MsrpError;
use super::session::Cmd;

/// The writing end of a streamed outgoing message, from
/// [`super::SessionSender::send_stream`]. Write the body with [`StreamSender::write`], then
/// call [`StreamSender::finish`]; dropping it unfinished cancels the message
/// ([`StreamSender::cancel`]). The message's outcome comes as an event of the session, as for
/// any message: `Delivered`, `Sent` or `Failed`.
#[derive(Debug)]
pub struct StreamSender {
    id: MessageId,
    cmds: mpsc::Sender<Cmd>,
    window: Arc<Semaphore>,
    window_size: usize,
    total: u64,
    written: u64,
    done: bool,
}

impl StreamSender {
    pub(super) fn new(
        id: MessageId,
        cmds: mpsc::Sender<Cmd>,
        window: Arc<Semaphore>,
        window_size: usize,
        total: u64,
    ) -> StreamSender {
        StreamSender {
            id,
            cmds,
            window,
            window_size,
            total,
            written: 0,
            done: false,
        }
    }

    /// The message's Message-ID.
    pub fn message_id(&self) -> &MessageId {
        &self.id
    }

    /// The bytes written so far.
    pub fn written(&self) -> u64 {
        self.written
    }

    /// The bytes written and not yet cut into chunks (at most the window).
    pub fn buffered(&self) -> usize {
        self.window_size
            .saturating_sub(self.window.available_permits())
    }

    /// Appends `data` to the body, waiting while the window is full. Fails with
    /// [`MsrpError::StreamLength`] (writing nothing) if it would go past the announced size,
    /// and with [`MsrpError::StreamEnded`] once the message failed or the session ended.
    pub async fn write(&mut self, mut data: Bytes) -> Result<(), MsrpError> {
        if self.done {
            return Err(MsrpError::StreamEnded);
        }
        let written = self.written.saturating_add(data.len() as u64);
        if written > self.total {
            let total = self.total;
            return Err(MsrpError::StreamLength { written, total });
        }
        while !data.is_empty() {
            let piece = data.split_to(data.len().min(self.window_size));
            // `window_size` fits in a u32 (clamped by the session).
            let n = u32::try_from(piece.len()).unwrap_or(u32::MAX);
            let permit = self
                .window
                .acquire_many(n)
                .await
                .map_err(|_| MsrpError::StreamEnded)?;
            // The session task gives the permits back as it sends the bytes.
            permit.forget();
            let len = piece.len() as u64;
            let last = self.written + len == self.total;
            self.cmds
                .send(Cmd::Push(self.id.clone(), piece, last))
                .await
                .map_err(|_| MsrpError::StreamEnded)?;
            self.written += len;
        }
        Ok(())
    }

    /// Ends the body and returns the Message-ID. Every announced byte must have been written:
    /// otherwise the message is cancelled and this fails with [`MsrpError::StreamLength`].
    /// It does not wait for delivery: watch the session's events for that.
    pub async fn finish(mut self) -> Result<MessageId, MsrpError> {
        if self.written < self.total {
            let (written, total) = (self.written, self.total);
            self.cancel_now().await;
            return Err(MsrpError::StreamLength { written, total });
        }
        if self.done {
            return Err(MsrpError::StreamEnded);
        }
        self.done = true;
        if self.total == 0 {
            // Nothing was written: say that the (empty) body is complete.
            let cmd = Cmd::Push(self.id.clone(), Bytes::new(), true);
            self.cmds.send(cmd).await.map_err(|_| MsrpError::Closed)?;
        }
        Ok(self.id.clone())
    }

    /// Abandons the message: nothing more of it is sent, the peer is told with a `#` chunk if
    /// any chunk went out (RFC 4975 §7.1), and it fails with code
    /// [`sylk_sip::msrp::CANCELLED`].
    pub async fn cancel(mut self) {
        self.cancel_now().await;
    }

    async fn cancel_now(&mut self) {
        if !self.done {
            self.done = true;
            let _ = self.cmds.send(Cmd::Cancel(self.id.clone())).await;
        }
    }
}

impl Drop for StreamSender {
    fn drop(&mut self) {
        if self.done {
            return;
        }
        let cmd = Cmd::Cancel(self.id.clone());
        if let Err(mpsc::error::TrySendError::Full(cmd)) = self.cmds.try_send(cmd) {
            let cmds = self.cmds.clone();
            if let Ok(rt) = tokio::runtime::Handle::try_current() {
                rt.spawn(async move {
                    let _ = cmds.send(cmd).await;
                });
            }
        }
    }
}
