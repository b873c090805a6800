//! The `--cluster*` options of `serve`: where the cluster's NATS JetStream is
//! and how to authenticate to it.

use std::path::PathBuf;

use clap::Args;

use crate::store::jetstream::ClusterOptions;

/// Cluster mode: several hosts sharing their state on NATS JetStream.
#[derive(Debug, Args)]
pub struct ClusterArgs {
    /// Share deployments, rollouts and the audit log with other hosts through
    /// this NATS JetStream server (comma-separate several servers of one NATS
    /// cluster) [default: none, this host keeps its state in --state]
    #[arg(long, env = "AIRSSYS_CLUSTER_URL", value_name = "nats://HOST:PORT")]
    pub cluster: Option<String>,
    /// NATS user (with --cluster-password)
    #[arg(
        long,
        env = "AIRSSYS_CLUSTER_USER",
        value_name = "USER",
        requires = "cluster_password"
    )]
    pub cluster_user: Option<String>,
    /// NATS password
    #[arg(
        long,
        env = "AIRSSYS_CLUSTER_PASSWORD",
        value_name = "PASSWORD",
        hide_env_values = true
    )]
    pub cluster_password: Option<String>,
    /// NATS token
    #[arg(
        long,
        env = "AIRSSYS_CLUSTER_TOKEN",
        value_name = "TOKEN",
        hide_env_values = true
    )]
    pub cluster_token: Option<String>,
    /// NATS credentials file (JWT and nkey seed)
    #[arg(long, env = "AIRSSYS_CLUSTER_CREDS", value_name = "FILE")]
    pub cluster_creds: Option<PathBuf>,
    /// NATS nkey seed
    #[arg(
        long,
        env = "AIRSSYS_CLUSTER_NKEY",
        value_name = "SEED",
        hide_env_values = true
    )]
    pub cluster_nkey: Option<String>,
    /// Require TLS to the NATS servers
    #[arg(long)]
    pub cluster_tls: bool,
    /// CA certificate (PEM) to trust for the NATS servers' TLS
    #[arg(long, env = "AIRSSYS_CLUSTER_TLS_CA", value_name = "FILE")]
    pub cluster_tls_ca: Option<PathBuf>,
    /// Client certificate (PEM) for mutual TLS (with --cluster-tls-key)
    #[arg(long, value_name = "FILE", requires = "cluster_tls_key")]
    pub cluster_tls_cert: Option<PathBuf>,
    /// Client key (PEM) for mutual TLS
    #[arg(long, value_name = "FILE", requires = "cluster_tls_cert")]
    pub cluster_tls_key: Option<PathBuf>,
    /// Replicas of the cluster's buckets and streams (3 on a 3-node NATS cluster)
    #[arg(long, default_value_t = 1, value_name = "N",
          value_parser = clap::value_parser!(u16).range(1..=5))]
    pub cluster_replicas: u16,
}

impl ClusterArgs {
    /// The options, when `--cluster` is given.
    pub fn options(&self) -> Option<ClusterOptions> {
        let url = self.cluster.clone()?;
        Some(ClusterOptions {
            url,
            user: self.cluster_user.clone().zip(self.cluster_password.clone()),
            token: self.cluster_token.clone(),
            credentials: self.cluster_creds.clone(),
            nkey: self.cluster_nkey.clone(),
            tls_ca: self.cluster_tls_ca.clone(),
            tls_client: self
                .cluster_tls_cert
                .clone()
                .zip(self.cluster_tls_key.clone()),
            tls_required: self.cluster_tls,
            replicas: usize::from(self.cluster_replicas),
        })
    }
}
