//! The Prometheus recorder behind the `metrics` facade, and the `/metrics` endpoint that
//! renders it in the Prometheus text exposition format (version 0.0.4).

use std::sync::Mutex;

use axum::http::header::CONTENT_TYPE;
use axum::response::{IntoResponse, Response};
use metrics_exporter_prometheus::{BuildError, PrometheusBuilder, PrometheusHandle};

use crate::HttpError;

/// Content type of the `/metrics` answer: the Prometheus text exposition format.
pub const METRICS_CONTENT_TYPE: &str = "text/plain; version=0.0.4; charset=utf-8";

/// The recorder this crate installed, handed out again by later calls.
static INSTALLED: Mutex<Option<MetricsHandle>> = Mutex::new(None);

/// Reads what the installed Prometheus recorder holds. Cheap to clone.
#[derive(Clone, Debug)]
pub struct MetricsHandle {
    prometheus: PrometheusHandle,
}

impl MetricsHandle {
    /// Every metric recorded so far, in the Prometheus text exposition format.
    pub fn render(&self) -> String {
        self.prometheus.run_upkeep();
        self.prometheus.render()
    }

    /// The `/metrics` answer.
    pub(crate) fn response(&self) -> Response {
        ([(CONTENT_TYPE, METRICS_CONTENT_TYPE)], self.render()).into_response()
    }
}

/// Installs the Prometheus recorder as the process's global `metrics` recorder and returns
/// the handle `/metrics` renders. Metrics recorded before the call are lost, so call it before
/// the components that record are built.
///
/// Calling it again returns the handle of the recorder the first call installed; it fails
/// with [`HttpError::RecorderInstalled`] only when another recorder was installed by other
/// means.
pub fn install_metrics() -> Result<MetricsHandle, HttpError> {
    let mut installed = INSTALLED.lock().unwrap_or_else(|e| e.into_inner());
    if let Some(handle) = installed.as_ref() {
        return Ok(handle.clone());
    }
    let prometheus = PrometheusBuilder::new()
        .install_recorder()
        .map_err(|e| match e {
            BuildError::FailedToSetGlobalRecorder(_) => HttpError::RecorderInstalled,
            other => HttpError::Metrics(other.to_string()),
        })?;
    let handle = MetricsHandle { prometheus };
    *installed = Some(handle.clone());
    Ok(handle)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_second_install_returns_the_same_recorder() {
        let first = install_metrics().unwrap();
        let second = install_metrics().unwrap();
        metrics::counter!("sylk_http_test_total", "kind" => "unit").increment(2);
        for handle in [first, second] {
            let text = handle.render();
            assert!(
                text.contains("sylk_http_test_total{kind=\"unit\"} 2"),
                "{text}"
            );
        }
    }
}
