//! The HTTP listener: accepts connections with the limits a public service needs.
//!
//! `axum::serve` has no header-read or idle timeout and no connection cap, so 300 idle sockets
//! under `ulimit -n 256` starved `/healthz`. This listener serves HTTP/1.1 through hyper with a
//! header-read timeout (which also closes keep-alive connections idle that long), caps open
//! connections below the process's descriptor limit, and sheds load beyond the cap with a `503`
//! and `Retry-After` before descriptors run out. Request bodies and handlers are bounded in
//! time by layers in [`crate::app`]. This module must never hold domain logic.

use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use hyper_util::rt::{TokioExecutor, TokioIo, TokioTimer};
use hyper_util::server::conn::auto::Builder;
use hyper_util::server::graceful::GracefulShutdown;
use hyper_util::service::TowerToHyperService;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::Semaphore;

/// Descriptors kept free for the database, the log and the stream, whatever the cap.
const RESERVED_DESCRIPTORS: u64 = 64;

/// Limits of the listener.
#[derive(Debug, Clone, Copy)]
pub struct ListenLimits {
    /// Most connections served at once; more are answered `503` and closed.
    pub max_connections: usize,
    /// Time a client has to send a request's headers, and most time a keep-alive connection
    /// may sit idle.
    pub header_read_timeout: Duration,
    /// Time to finish in-flight requests after a shutdown signal.
    pub shutdown_grace: Duration,
}

impl Default for ListenLimits {
    fn default() -> Self {
        ListenLimits {
            max_connections: 1024,
            header_read_timeout: Duration::from_secs(10),
            shutdown_grace: Duration::from_secs(30),
        }
    }
}

impl ListenLimits {
    /// The connection cap actually used: the configured one, lowered to leave
    /// [`RESERVED_DESCRIPTORS`] free under the process's open-file limit.
    pub fn effective_max_connections(&self) -> usize {
        let soft = rustix::process::getrlimit(rustix::process::Resource::Nofile)
            .current
            .unwrap_or(u64::MAX);
        let room = soft.saturating_sub(RESERVED_DESCRIPTORS).max(1);
        self.max_connections
            .min(usize::try_from(room).unwrap_or(usize::MAX))
            .max(1)
    }
}

/// The answer to a connection beyond the cap.
const SHED: &[u8] = b"HTTP/1.1 503 Service Unavailable\r\n\
Content-Type: application/problem+json\r\n\
Retry-After: 1\r\n\
Connection: close\r\n\
Content-Length: 118\r\n\r\n\
{\"type\":\"urn:moderato:problem:unavailable\",\"title\":\"Service Unavailable\",\"status\":503,\"detail\":\"too many connections\"}";

/// Serves `router` on `listener` until `shutdown` completes, then lets in-flight requests
/// finish for [`ListenLimits::shutdown_grace`].
pub async fn serve(
    listener: TcpListener,
    router: Router,
    limits: ListenLimits,
    shutdown: impl Future<Output = ()>,
) {
    let cap = limits.effective_max_connections();
    let permits = Arc::new(Semaphore::new(cap));
    let graceful = GracefulShutdown::new();
    let mut builder = Builder::new(TokioExecutor::new()).http1_only();
    builder
        .http1()
        .timer(TokioTimer::new())
        .header_read_timeout(limits.header_read_timeout)
        .keep_alive(true);
    tracing::info!(
        max_connections = cap,
        header_read_timeout_s = limits.header_read_timeout.as_secs(),
        "listener limits"
    );
    tokio::pin!(shutdown);
    loop {
        let stream = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok((stream, _)) => stream,
                Err(error) => {
                    // Out of descriptors or a connection reset before accept: wait a little
                    // rather than spin; the listener itself is fine.
                    tracing::warn!(%error, "accept failed");
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                }
            },
            () = &mut shutdown => break,
        };
        let Ok(permit) = permits.clone().try_acquire_owned() else {
            moderato_service::metrics::connection_shed();
            tokio::spawn(shed(stream));
            continue;
        };
        let service = TowerToHyperService::new(router.clone());
        let connection = builder
            .serve_connection(TokioIo::new(stream), service)
            .into_owned();
        let watched = graceful.watch(connection);
        tokio::spawn(async move {
            // Errors here are the client's (a timeout, a reset); the request is gone.
            let _ = watched.await;
            drop(permit);
        });
    }
    drop(listener);
    tokio::select! {
        () = graceful.shutdown() => {}
        () = tokio::time::sleep(limits.shutdown_grace) => {
            tracing::warn!("connections still open after the shutdown grace period");
        }
    }
}

/// Answers a connection beyond the cap and closes it. What the client sends meanwhile is read
/// and dropped for a moment: closing a socket with unread data resets the connection, and the
/// client could lose the answer before reading it.
async fn shed(mut stream: TcpStream) {
    let _ = tokio::time::timeout(Duration::from_secs(1), stream.write_all(SHED)).await;
    let _ = stream.shutdown().await;
    let mut sink = [0u8; 1024];
    let _ = tokio::time::timeout(Duration::from_millis(500), async {
        while let Ok(read) = stream.read(&mut sink).await {
            if read == 0 {
                break;
            }
        }
    })
    .await;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_shed_answer_declares_its_length() {
        let text = std::str::from_utf8(SHED).unwrap();
        let (head, body) = text.split_once("\r\n\r\n").unwrap();
        assert!(
            head.contains(&format!("Content-Length: {}", body.len())),
            "{head}"
        );
    }

    #[test]
    fn the_cap_leaves_descriptors_free() {
        let limits = ListenLimits {
            max_connections: usize::MAX,
            ..ListenLimits::default()
        };
        let soft = rustix::process::getrlimit(rustix::process::Resource::Nofile)
            .current
            .unwrap_or(u64::MAX);
        let cap = limits.effective_max_connections() as u64;
        assert!(cap + RESERVED_DESCRIPTORS <= soft.max(RESERVED_DESCRIPTORS + 1));
    }
}
