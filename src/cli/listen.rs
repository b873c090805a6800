//! `run --listen [--hot-reload]`: serve the loaded components over HTTP until
//! Ctrl-C/SIGTERM, swapping in new versions as the sources change.

use std::net::SocketAddr;
use std::process::ExitCode;
use std::sync::Arc;

use super::render;
use crate::error::{Error, Result};
use crate::http::{AppState, LocalDirectory, PipelineDirectory, router, serve, shutdown_signal};
use crate::manifest::WorldName;
use crate::output::Output;
use crate::pipeline::Pipeline;
use crate::reload::{
    ReloadReport, pipeline_watch_set, reload_once, reload_pipeline, replaced_components, start,
    watch_set,
};
use crate::run::Target;
use crate::runtime::{LoadedComponent, Runtime};

/// Serves until a shutdown signal, then drains and calls `shutdown`.
pub fn serve_until_stopped(
    out: &Output,
    runtime: Runtime,
    main: Arc<LoadedComponent>,
    served: Vec<String>,
    addr: SocketAddr,
    reload: Option<(Target, Arc<crate::reload::Adjust>)>,
) -> Result<ExitCode> {
    let tokio = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|e| Error::io("start", "the async runtime", e))?;
    tokio.block_on(async {
        let (listener, local) = bind(addr).await?;
        out.status(
            "Listening",
            format!("on http://{local} ({} {})", main.name(), main.version()),
        );
        match main.world() {
            WorldName::AirssysComponent => out.status(
                "Invoke",
                format!(
                    "curl -d abc http://{local}/v1/components/{}/invoke",
                    main.name()
                ),
            ),
            WorldName::WasiHttpProxy => {
                out.status("Serving", format!("every request under http://{local}/"))
            }
            WorldName::WasiCommand => {}
        }
        if let Some((target, adjust)) = reload {
            spawn_reloader(
                *out,
                runtime.clone(),
                target,
                adjust,
                tokio::runtime::Handle::current(),
            )?;
        }
        let directory: AppState = Arc::new(LocalDirectory::new(
            runtime.clone(),
            main.name().to_string(),
            served,
        ));
        serve(listener, router(directory), shutdown_signal())
            .await
            .map_err(|e| Error::io("serve on", local.to_string(), e))?;
        out.status("Stopping", "requests drained; shutting instances down");
        runtime.shutdown().await;
        Ok(ExitCode::SUCCESS)
    })
}

/// `pipeline run --listen`: serves one pipeline until a shutdown signal;
/// with `reload` (its file), swaps in a new pipeline whenever the file or a
/// node's sources change.
pub fn serve_pipeline_until_stopped(
    out: &Output,
    runtime: Runtime,
    pipeline: Pipeline,
    addr: SocketAddr,
    reload: Option<std::path::PathBuf>,
) -> Result<ExitCode> {
    let tokio = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|e| Error::io("start", "the async runtime", e))?;
    tokio.block_on(async {
        let (listener, local) = bind(addr).await?;
        let name = pipeline.name.clone();
        out.status(
            "Listening",
            format!(
                "on http://{local} ({name} {}, {} nodes)",
                pipeline.version,
                pipeline.nodes.len()
            ),
        );
        out.status(
            "Invoke",
            format!("curl -d abc http://{local}/v1/pipelines/{name}/invoke"),
        );
        let directory = Arc::new(PipelineDirectory::new(runtime.clone(), Arc::new(pipeline)));
        if let Some(file) = reload {
            spawn_pipeline_reloader(*out, runtime.clone(), directory.clone(), file)?;
        }
        let state: AppState = directory;
        serve(listener, router(state), shutdown_signal())
            .await
            .map_err(|e| Error::io("serve on", local.to_string(), e))?;
        out.status("Stopping", "requests drained; shutting instances down");
        runtime.shutdown().await;
        Ok(ExitCode::SUCCESS)
    })
}

fn spawn_pipeline_reloader(
    out: Output,
    runtime: Runtime,
    directory: Arc<PipelineDirectory>,
    file: std::path::PathBuf,
) -> Result<()> {
    let handle = tokio::runtime::Handle::current();
    let mut set = pipeline_watch_set(&file, &crate::pipeline::load(&file)?)?;
    let (mut debouncer, mut events) = start(&set)?;
    out.status(
        "Watching",
        "the pipeline file and every node's sources (hot reload)",
    );
    std::thread::Builder::new()
        .name("airssys-reload".into())
        .spawn(move || {
            let mut last = set.fingerprint();
            while let Ok(batch) = events.recv() {
                let Ok(batch) = batch else { continue };
                if !batch.iter().any(|event| set.matches(&event.path)) {
                    continue;
                }
                let now = set.fingerprint();
                if now == last {
                    continue;
                }
                let (report, new) = reload_pipeline(&runtime, &file);
                if let Some(new) = new {
                    let old = directory.swap(new.clone());
                    let retired = replaced_components(&old, &new);
                    handle.spawn(async move {
                        for component in retired {
                            component.retire().await;
                        }
                    });
                    // The nodes may have changed: watch what the new pipeline uses.
                    if let Ok(spec) = crate::pipeline::load(&file)
                        && let Ok(next) = pipeline_watch_set(&file, &spec)
                        && let Ok((d, e)) = start(&next)
                    {
                        (debouncer, events, set) = (d, e, next);
                    }
                }
                last = set.fingerprint();
                print_report(&out, report);
            }
            drop(debouncer);
        })
        .map_err(|e| Error::io("start", "the reload thread", e))?;
    Ok(())
}

/// Binds `addr`; returns the listener and the address it got (port 0 picks one).
async fn bind(addr: SocketAddr) -> Result<(tokio::net::TcpListener, SocketAddr)> {
    let failed = |e| Error::io("listen on", addr.to_string(), e);
    let listener = tokio::net::TcpListener::bind(addr).await.map_err(failed)?;
    let local = listener.local_addr().map_err(failed)?;
    Ok((listener, local))
}

fn spawn_reloader(
    out: Output,
    runtime: Runtime,
    target: Target,
    adjust: Arc<crate::reload::Adjust>,
    handle: tokio::runtime::Handle,
) -> Result<()> {
    let set = watch_set(&target)?;
    let (debouncer, events) = start(&set)?;
    out.status("Watching", "for changes (hot reload)");
    std::thread::Builder::new()
        .name("airssys-reload".into())
        .spawn(move || {
            let _keep_watching = debouncer;
            let mut last = set.fingerprint();
            for batch in events {
                let Ok(batch) = batch else { continue };
                if !batch.iter().any(|event| set.matches(&event.path)) {
                    continue;
                }
                let now = set.fingerprint();
                if now == last {
                    continue;
                }
                last = now;
                let (report, old) = reload_once(&runtime, &target, &*adjust);
                if let Some(old) = old {
                    handle.spawn(async move { old.retire().await });
                }
                print_report(&out, report);
            }
        })
        .map_err(|e| Error::io("start", "the reload thread", e))?;
    Ok(())
}

fn print_report(out: &Output, report: ReloadReport) {
    match report {
        ReloadReport::Swapped {
            name,
            version,
            sha256,
            build,
            compile,
            swap,
        } => {
            let build = build
                .map(|b| format!("build {:.2}s, ", b.as_secs_f64()))
                .unwrap_or_default();
            out.status(
                "Reloaded",
                format!(
                    "{name} {version} ({}): {build}compile {} ms, swap {} µs",
                    &sha256[..12.min(sha256.len())],
                    compile.as_millis(),
                    swap.as_micros()
                ),
            );
        }
        ReloadReport::Failed { error, output } => {
            for line in output {
                out.toolchain_line(&line);
            }
            render::error(out, &error);
            out.warning("reload failed: the previous version keeps serving", None);
        }
    }
}
