//! Command-line arguments. Help text here is the reference; `docs/CLI.md` is
//! generated from it.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};
use palisade_domain::{FindingKind, Severity, TriageState};

#[derive(Debug, Parser)]
#[command(
    name = "palisade",
    version,
    about = "Finds secrets in folders and git history, and keeps findings with their triage.",
    propagate_version = true,
    term_width = 100
)]
pub struct Cli {
    #[command(flatten)]
    pub global: GlobalArgs,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Args)]
pub struct GlobalArgs {
    /// Store URL: a SQLite file path or `sqlite://PATH`, or `postgres://...`.
    /// Default: palisade.db in the user's data directory.
    #[arg(
        long,
        global = true,
        visible_alias = "database-url",
        env = "PALISADE_DATABASE_URL",
        hide_env_values = true
    )]
    pub db: Option<String>,
    /// File holding the 32-byte installation key (created on first use): it
    /// keys finding fingerprints, and connector credentials are sealed with a
    /// key derived from it unless `PALISADE_MASTER_KEY` (base64 of 32 bytes)
    /// is set, in which case that key seals them instead.
    /// Default: `key` in the user's data directory.
    #[arg(long, global = true, env = "PALISADE_KEY_FILE", hide_env_values = true)]
    pub key_file: Option<PathBuf>,
    /// More logging on stderr (-v info, -vv debug). `PALISADE_LOG` overrides.
    #[arg(short, long, global = true, action = clap::ArgAction::Count)]
    pub verbose: u8,
    /// Connect to HOST:PORT at ADDR instead of what DNS says, like curl's
    /// --resolve (repeatable), e.g. `contoso.visualstudio.com:443:10.0.0.5`.
    #[arg(long, global = true, value_name = "HOST:PORT:ADDR", value_parser = parse_resolve, hide_short_help = true)]
    pub resolve: Vec<(String, std::net::SocketAddr)>,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Scan a folder, or a git repository's whole history with --history.
    Scan(ScanArgs),
    /// List, explain and check secret-detection rules.
    Rules(RulesArgs),
    /// List and triage stored findings.
    Findings(FindingsArgs),
    /// List recorded scans.
    Scans(ScansArgs),
    /// Import OSV advisories for dependency scans, and show what the store holds.
    Advisories(AdvisoriesArgs),
    /// Import other tools' results (SARIF) as findings, deduplicated and triaged like palisade's.
    Import(ImportArgs),
    /// Run the Azure DevOps simulator (for the demo, benchmarks and trials).
    Sim(SimArgs),
    /// Create, list, show, edit, test and delete Azure DevOps connectors.
    ///
    /// A connector is how palisade reaches one Azure DevOps organization (or
    /// Server collection): its deployment, how it authenticates, and which
    /// organizations discovery covers. Its credential is tested before it is
    /// saved and is stored only sealed: with a key derived from the
    /// installation key (--key-file), or with `PALISADE_MASTER_KEY` (base64 of
    /// 32 bytes) when that is set. Secrets are never command-line arguments:
    /// a PAT comes from --pat-stdin or `PALISADE_ADO_PAT`, a client secret
    /// from --client-secret-stdin or `PALISADE_CLIENT_SECRET`.
    Connector(ConnectorArgs),
    /// Discover the Azure DevOps estate of connectors into the inventory.
    ///
    /// Exit 2 when a run failed, 0 otherwise (a partial run lists its errors).
    Discover(DiscoverArgs),
    /// List the discovered resources stored in the inventory.
    Inventory(InventoryArgs),
    /// Check the configuration of the discovered estate: organization
    /// policies, project and pipeline settings, branch policies, service
    /// connections, variable groups, environments, agent pools.
    ///
    /// Evaluated after each discovery and with `posture run`. Results keep
    /// their history (when a control started failing, when it was fixed);
    /// failures can be exempted with a reason and an expiry. A check that
    /// could not read its data says "unknown" and why, never "pass".
    Posture(PostureArgs),
    /// Local users and their roles (admin, security-admin, reader), at the
    /// whole installation or one connector. Passwords come from stdin and are
    /// kept only as argon2id hashes; every change is audited.
    Users(UsersArgs),
    /// API tokens for scripts and tools: shown once when created, kept only
    /// as a digest, with an expiry; revoke them at any time.
    Tokens(TokensArgs),
    /// The audit log: who changed what, when and from where.
    Audit(AuditArgs),
    /// Work with Azure DevOps through a connector: repositories, commits, pull
    /// requests, wikis and work items.
    Ado(AdoArgs),
    /// Choose the repositories managed scans cover, and how they are scanned.
    ///
    /// Repositories found by discovery are offered; enabled ones carry the
    /// `managed-scan` label and get full scans (history first, then only new
    /// commits) in batches on a schedule, and diff-aware pull-request scans
    /// through Azure DevOps service hooks.
    Repos(ReposArgs),
    /// List, cancel and retry background jobs (scans, webhook subscriptions).
    Jobs(JobsArgs),
    /// Run the server: webhooks, health, the scheduler and a worker.
    Serve(ServeArgs),
    /// Run a worker only: lease jobs from the store and run them. Many
    /// workers on many machines share one PostgreSQL store.
    Worker(WorkerArgs),
}

#[derive(Debug, Args)]
pub struct ReposArgs {
    #[command(subcommand)]
    pub command: ReposCommand,
}

/// Which repositories a `repos` command acts on.
#[derive(Debug, Args)]
pub struct RepoSelection {
    /// Connector (name or id); may be left out when there is only one.
    #[arg(long)]
    pub connector: Option<String>,
    /// Every repository of the connector.
    #[arg(long, conflicts_with_all = ["org", "project", "repos"])]
    pub all: bool,
    /// Every repository of this organization.
    #[arg(long, value_parser = parse_org_name, conflicts_with_all = ["project", "repos"])]
    pub org: Option<palisade_domain::OrgName>,
    /// Every repository of this project.
    #[arg(long, conflicts_with = "repos")]
    pub project: Option<String>,
    /// Repositories as `project/repo` (or their ids).
    pub repos: Vec<String>,
}

#[derive(Debug, Subcommand)]
pub enum ReposCommand {
    /// List managed repositories with their scan status.
    List {
        #[arg(long)]
        connector: Option<String>,
        /// Only repositories in this state (offered, enabled, disabled, archived).
        #[arg(long)]
        state: Option<String>,
        #[arg(long, short, value_enum, default_value_t = OutFormat::Table)]
        format: OutFormat,
    },
    /// Enable managed scans: full scans and pull-request scans unless turned off.
    Enable {
        #[command(flatten)]
        selection: RepoSelection,
        /// No scheduled full scans.
        #[arg(long)]
        no_full: bool,
        /// No pull-request scans (no webhooks for these repositories).
        #[arg(long)]
        no_pr: bool,
    },
    /// Disable managed scans; findings are kept.
    Disable {
        #[command(flatten)]
        selection: RepoSelection,
    },
    /// Offer repositories discovery found since, archive vanished ones.
    Sync {
        #[arg(long)]
        connector: Option<String>,
    },
    /// Scan enabled repositories now, in batches, and wait for the scans.
    Scan {
        #[arg(long)]
        connector: Option<String>,
        /// Read the whole history again instead of only new commits.
        #[arg(long)]
        from_scratch: bool,
        /// Scans run at once in this process (0: only queue the batches and
        /// wait while `palisade worker`s run them).
        #[arg(long, default_value_t = 4)]
        slots: usize,
        /// Only queue the scans; workers run them.
        #[arg(long)]
        no_wait: bool,
    },
    /// Show or change a connector's managed-scan settings.
    Settings(RepoSettingsArgs),
    /// Statistics of a connector's managed scans.
    Stats {
        #[arg(long)]
        connector: Option<String>,
        /// Days of scans counted.
        #[arg(long, default_value_t = 7)]
        days: u32,
        #[arg(long, short, value_enum, default_value_t = OutFormat::Table)]
        format: OutFormat,
    },
}

#[derive(Debug, Args)]
pub struct RepoSettingsArgs {
    #[arg(long)]
    pub connector: Option<String>,
    /// Enable repositories discovery finds later (instead of offering them).
    #[arg(long)]
    pub auto_enable: Option<bool>,
    /// Hours between scheduled full scans (0: no schedule).
    #[arg(long)]
    pub interval_hours: Option<u32>,
    /// Hours between scheduled discoveries by `palisade serve` (0: none).
    #[arg(long)]
    pub discovery_interval_hours: Option<u32>,
    /// Full scans queued at once per connector.
    #[arg(long)]
    pub batch_size: Option<u32>,
    /// Service hooks for pull-request and push events.
    #[arg(long)]
    pub webhooks: Option<bool>,
    /// palisade's URL as Azure DevOps reaches it (for service hooks).
    #[arg(long)]
    pub webhook_url: Option<String>,
    /// Comments on pull requests.
    #[arg(long)]
    pub pr_comments: Option<bool>,
    /// Turn pull-request comments off in this project (repeatable).
    #[arg(long)]
    pub comments_off: Vec<String>,
    /// Turn pull-request comments back on in this project (repeatable).
    #[arg(long)]
    pub comments_on: Vec<String>,
    /// Most finding threads per pull request.
    #[arg(long)]
    pub max_threads: Option<u32>,
    /// The PR status fails at this severity or above.
    #[arg(long, value_parser = parse_severity)]
    pub fail_severity: Option<Severity>,
    #[arg(long, short, value_enum, default_value_t = OutFormat::Table)]
    pub format: OutFormat,
}

#[derive(Debug, Args)]
pub struct JobsArgs {
    #[command(subcommand)]
    pub command: JobsCommand,
}

#[derive(Debug, Subcommand)]
pub enum JobsCommand {
    /// List jobs, newest first.
    List {
        /// Only these states (queued, running, succeeded, dead, cancelled).
        #[arg(long, value_delimiter = ',')]
        state: Vec<String>,
        #[arg(long, default_value_t = 50)]
        limit: u32,
        #[arg(long, short, value_enum, default_value_t = OutFormat::Table)]
        format: OutFormat,
    },
    /// Cancel queued or running jobs.
    Cancel {
        #[arg(required = true)]
        ids: Vec<String>,
    },
    /// Queue a dead or cancelled job again.
    Retry { id: String },
}

#[derive(Debug, Args)]
pub struct WorkerOpts {
    /// Jobs running git or the scanner at once.
    #[arg(long, default_value_t = 2)]
    pub slots: usize,
    /// Jobs held at once (0: four per slot); those past `--slots` wait on
    /// Azure DevOps (ref checks, PR comments), not on a core.
    #[arg(long, default_value_t = 0)]
    pub max_leases: usize,
    /// Seconds a lease lasts without a heartbeat; a killed worker's jobs go
    /// to another worker after this.
    #[arg(long, default_value_t = 60)]
    pub lease_seconds: u64,
    /// Folder of the clone cache. Default: `clones` in the data directory.
    #[arg(long)]
    pub cache_dir: Option<PathBuf>,
}

#[derive(Debug, Args)]
pub struct ServeArgs {
    /// Address to listen on.
    #[arg(long, default_value = "127.0.0.1:8080")]
    pub listen: std::net::SocketAddr,
    /// Do not run jobs in this process (leave them to `palisade worker`).
    #[arg(long)]
    pub no_worker: bool,
    /// Do not run the scheduler in this process.
    #[arg(long)]
    pub no_scheduler: bool,
    /// Seconds between scheduler passes.
    #[arg(long, default_value_t = 60)]
    pub schedule_every: u64,
    /// Send the console's session cookie without `Secure`: only for a
    /// console served over plain HTTP to a host other than localhost.
    #[arg(long)]
    pub insecure_cookies: bool,
    #[command(flatten)]
    pub worker: WorkerOpts,
}

#[derive(Debug, Args)]
pub struct WorkerArgs {
    #[command(flatten)]
    pub worker: WorkerOpts,
    /// Exit when no job is due and none is running.
    #[arg(long)]
    pub until_idle: bool,
}

/// Output format of connector, discovery, inventory and ADO commands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum OutFormat {
    Table,
    Json,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum AuthKind {
    /// Personal access token (--pat-stdin or `PALISADE_ADO_PAT`).
    Pat,
    /// Sign in as a user in the browser (Entra authorization code flow with PKCE).
    #[value(name = "oauth")]
    OAuth,
    /// An Entra application with a client secret (--client-secret-stdin or
    /// `PALISADE_CLIENT_SECRET`).
    ServicePrincipal,
    /// A managed or workload identity proving itself with a federated token file.
    ManagedIdentity,
}

#[derive(Debug, Args)]
pub struct ConnectorArgs {
    #[command(subcommand)]
    pub command: ConnectorCommand,
}

#[derive(Debug, Subcommand)]
pub enum ConnectorCommand {
    /// Create a connector; its credential is tested first and nothing is
    /// saved when the test fails.
    Create(ConnectorCreateArgs),
    /// List connectors with their last discovery.
    List {
        #[arg(long, short, value_enum, default_value_t = OutFormat::Table)]
        format: OutFormat,
    },
    /// Show a connector's settings and sync health (its last discovery runs).
    Show {
        name: String,
        /// Discovery runs shown.
        #[arg(long, default_value_t = 5)]
        runs: u32,
        #[arg(long, short, value_enum, default_value_t = OutFormat::Table)]
        format: OutFormat,
    },
    /// Change a connector's settings; a new credential (or a changed
    /// organization or deployment) is tested before it is saved.
    Edit(ConnectorEditArgs),
    /// Test a stored connector's credential again.
    Test {
        name: String,
        #[arg(long, short, value_enum, default_value_t = OutFormat::Table)]
        format: OutFormat,
    },
    /// Revoke and delete connectors, all or none: palisade's webhook
    /// subscriptions are removed from Azure DevOps, credentials destroyed,
    /// queued jobs cancelled, the inventory and discovery runs deleted.
    /// Findings and their triage are kept and come back when the
    /// organization is connected again.
    #[command(visible_alias = "revoke")]
    Delete {
        #[arg(required = true)]
        names: Vec<String>,
        /// Do not ask for confirmation (required when stdin is not a terminal).
        #[arg(long, short)]
        yes: bool,
    },
}

#[derive(Debug, Args)]
pub struct ConnectorCreateArgs {
    /// Connector name: starts with a letter, letters, numbers and hyphens,
    /// 3-32 characters (e.g. ado-contoso).
    #[arg(value_parser = parse_connector_name)]
    pub name: palisade_domain::ConnectorName,
    /// The organization (the part after dev.azure.com/), or the Server collection.
    #[arg(long, value_parser = parse_org_name)]
    pub org: palisade_domain::OrgName,
    #[command(flatten)]
    pub settings: ConnectorSettings,
}

#[derive(Debug, Args)]
pub struct ConnectorEditArgs {
    /// The connector to change (name or id).
    pub name: String,
    /// Rename the connector.
    #[arg(long, value_parser = parse_connector_name)]
    pub rename: Option<palisade_domain::ConnectorName>,
    /// A new organization (the credential is tested against it).
    #[arg(long, value_parser = parse_org_name)]
    pub org: Option<palisade_domain::OrgName>,
    #[command(flatten)]
    pub settings: ConnectorSettings,
}

/// Settings shared by `connector create` and `connector edit`.
#[derive(Debug, Args)]
pub struct ConnectorSettings {
    /// How the connector authenticates (create: default pat). On edit, giving
    /// --auth asks for a new credential (e.g. `--auth oauth` signs in again).
    #[arg(long, value_enum)]
    pub auth: Option<AuthKind>,
    /// Entra tenant (id or domain) for oauth, service-principal and managed-identity.
    #[arg(long)]
    pub tenant: Option<String>,
    /// Entra application (client) id for oauth, service-principal and managed-identity.
    #[arg(long)]
    pub client_id: Option<String>,
    /// File holding the federated token (managed-identity), read at each use.
    #[arg(long)]
    pub federated_token_file: Option<String>,
    /// Discover these organizations too (comma-separated or repeated).
    #[arg(long, value_delimiter = ',', value_parser = parse_org_name, group = "org_selection")]
    pub orgs: Vec<palisade_domain::OrgName>,
    /// Discover every organization the identity belongs to now.
    #[arg(long, group = "org_selection")]
    pub all_orgs: bool,
    /// Discover every organization the identity belongs to at each run, so
    /// new ones are picked up.
    #[arg(long, group = "org_selection")]
    pub all_orgs_and_future: bool,
    /// Azure DevOps Server: where collections live, e.g. `https://host/tfs`.
    #[arg(long, conflicts_with_all = ["api_url", "profile_url", "login_url"])]
    pub server_url: Option<String>,
    /// Azure DevOps Services API root (sovereign clouds, the simulator).
    /// Default: `https://dev.azure.com`.
    #[arg(long)]
    pub api_url: Option<String>,
    /// Profile and accounts API root. Default: `https://app.vssps.visualstudio.com`.
    #[arg(long)]
    pub profile_url: Option<String>,
    /// Entra ID root. Default: `https://login.microsoftonline.com`.
    #[arg(long)]
    pub login_url: Option<String>,
    /// Read the PAT from the first line of stdin (else `PALISADE_ADO_PAT`).
    #[arg(long, conflicts_with = "client_secret_stdin")]
    pub pat_stdin: bool,
    /// Read the client secret from the first line of stdin (else `PALISADE_CLIENT_SECRET`).
    #[arg(long)]
    pub client_secret_stdin: bool,
    /// Seconds to wait for the browser sign-in of --auth oauth.
    #[arg(long, default_value_t = 300, value_name = "SECONDS")]
    pub auth_timeout: u64,
    /// Save without testing the connection (offline set-up).
    #[arg(long)]
    pub skip_test: bool,
    #[arg(long, short, value_enum, default_value_t = OutFormat::Table)]
    pub format: OutFormat,
}

#[derive(Debug, Args)]
pub struct DiscoverArgs {
    /// Connectors to discover (default: the only one, if exactly one exists).
    pub names: Vec<String>,
    /// Discover every connector.
    #[arg(long, conflicts_with = "names")]
    pub all: bool,
    /// Projects walked at once per organization.
    #[arg(long)]
    pub project_concurrency: Option<usize>,
    /// Run again every DURATION (e.g. 30m, 6h, 1d, 1h30m) until interrupted.
    #[arg(long, value_parser = parse_duration, value_name = "DURATION")]
    pub every: Option<std::time::Duration>,
    /// No progress bar, even on a terminal.
    #[arg(long)]
    pub no_progress: bool,
    #[arg(long, short, value_enum, default_value_t = OutFormat::Table)]
    pub format: OutFormat,
}

#[derive(Debug, Args)]
pub struct InventoryArgs {
    /// Only resources of this connector (name or id).
    #[arg(long)]
    pub connector: Option<String>,
    /// Only these kinds (comma-separated or repeated): organization, project,
    /// project-settings, repository, pipeline, branch-policy,
    /// service-connection, variable-group, secure-file, environment,
    /// agent-pool, pipeline-permission.
    #[arg(long, value_delimiter = ',', value_parser = parse_kind)]
    pub kind: Vec<palisade_domain::ResourceKind>,
    /// Also list resources that discovery no longer finds.
    #[arg(long)]
    pub include_removed: bool,
    #[arg(long, default_value_t = 1000)]
    pub limit: u32,
    #[arg(long, short, value_enum, default_value_t = OutFormat::Table)]
    pub format: OutFormat,
}

#[derive(Debug, Args)]
pub struct AdoArgs {
    #[command(subcommand)]
    pub command: AdoCommand,
}

/// The connector an `ado` command uses.
#[derive(Debug, Args)]
pub struct ConnectorChoice {
    /// Connector (name or id); may be omitted when exactly one exists.
    #[arg(long, short)]
    pub connector: Option<String>,
    #[arg(long, short, value_enum, default_value_t = OutFormat::Table)]
    pub format: OutFormat,
}

#[derive(Debug, Subcommand)]
pub enum AdoCommand {
    /// List repositories.
    Repos {
        #[command(flatten)]
        conn: ConnectorChoice,
        /// Organization (default: the connector's).
        #[arg(long, value_parser = parse_org_name)]
        org: Option<palisade_domain::OrgName>,
        /// Only repositories of this project.
        #[arg(long)]
        project: Option<String>,
    },
    /// List the newest commits of a branch.
    Commits {
        #[command(flatten)]
        conn: ConnectorChoice,
        /// PROJECT/REPO, or a repository URL in any Azure DevOps form.
        #[arg(long)]
        repo: String,
        /// Branch (default: the repository's default branch).
        #[arg(long)]
        branch: Option<String>,
        #[arg(long, default_value_t = 20)]
        top: usize,
    },
    /// Pull requests.
    Pr {
        #[command(subcommand)]
        command: AdoPrCommand,
    },
    /// Wiki pages.
    Wiki {
        #[command(subcommand)]
        command: AdoWikiCommand,
    },
    /// Work items.
    Workitems {
        #[command(subcommand)]
        command: AdoWorkItemsCommand,
    },
}

#[derive(Debug, Subcommand)]
pub enum AdoPrCommand {
    /// Open a pull request; the source branch must exist.
    Create {
        #[command(flatten)]
        conn: ConnectorChoice,
        /// PROJECT/REPO, or a repository URL in any Azure DevOps form.
        #[arg(long)]
        repo: String,
        /// Source branch (`feature/x` or `refs/heads/feature/x`).
        #[arg(long)]
        source: String,
        /// Target branch.
        #[arg(long)]
        target: String,
        #[arg(long)]
        title: String,
        #[arg(long, default_value = "")]
        description: String,
    },
}

#[derive(Debug, Subcommand)]
pub enum AdoWikiCommand {
    /// Print a wiki page: give its URL, or --project, --wiki and --path.
    Get {
        #[command(flatten)]
        conn: ConnectorChoice,
        /// A wiki page URL (`.../_wiki/wikis/{wiki}?pagePath=/Page`).
        #[arg(required_unless_present_all = ["project", "wiki"])]
        url: Option<String>,
        #[arg(long, conflicts_with = "url")]
        project: Option<String>,
        #[arg(long, conflicts_with = "url")]
        wiki: Option<String>,
        /// Page path, e.g. `/Runbooks/Deploy` (overrides the URL's page).
        #[arg(long)]
        path: Option<String>,
        /// Organization (default: the connector's, or the URL's).
        #[arg(long, value_parser = parse_org_name)]
        org: Option<palisade_domain::OrgName>,
    },
}

#[derive(Debug, Subcommand)]
pub enum AdoWorkItemsCommand {
    /// Run a WIQL query and show the work items it returns.
    Query {
        #[command(flatten)]
        conn: ConnectorChoice,
        #[arg(long)]
        project: String,
        /// The WIQL query, e.g. "SELECT [System.Id] FROM `WorkItems` WHERE [System.State] = 'Active'".
        wiql: String,
        #[arg(long, default_value_t = 200)]
        top: usize,
        /// Organization (default: the connector's).
        #[arg(long, value_parser = parse_org_name)]
        org: Option<palisade_domain::OrgName>,
    },
    /// Show work items by id.
    Get {
        #[command(flatten)]
        conn: ConnectorChoice,
        #[arg(required = true)]
        ids: Vec<i64>,
        /// Organization (default: the connector's).
        #[arg(long, value_parser = parse_org_name)]
        org: Option<palisade_domain::OrgName>,
    },
}

fn parse_connector_name(s: &str) -> Result<palisade_domain::ConnectorName, String> {
    palisade_domain::ConnectorName::parse(s).map_err(|e| e.to_string())
}

fn parse_org_name(s: &str) -> Result<palisade_domain::OrgName, String> {
    palisade_domain::OrgName::parse(s).map_err(|e| e.to_string())
}

fn parse_kind(s: &str) -> Result<palisade_domain::ResourceKind, String> {
    palisade_domain::ResourceKind::parse(s).ok_or_else(|| {
        let all: Vec<&str> = palisade_domain::ResourceKind::ALL
            .iter()
            .map(|k| k.as_str())
            .collect();
        format!("unknown resource kind {s:?}; one of: {}", all.join(", "))
    })
}

/// `HOST:PORT:ADDR` (ADDR may be `[::1]`) as curl's --resolve.
pub fn parse_resolve(s: &str) -> Result<(String, std::net::SocketAddr), String> {
    let bad = || format!("{s:?} is not HOST:PORT:ADDR (e.g. contoso.visualstudio.com:443:127.0.0.1)");
    let (host, rest) = s.split_once(':').ok_or_else(bad)?;
    let (port, addr) = rest.split_once(':').ok_or_else(bad)?;
    let port: u16 = port.parse().map_err(|_| bad())?;
    let addr = addr.trim_start_matches('[').trim_end_matches(']');
    let ip: std::net::IpAddr = addr.parse().map_err(|_| bad())?;
    if host.is_empty() {
        return Err(bad());
    }
    Ok((host.to_ascii_lowercase(), std::net::SocketAddr::new(ip, port)))
}

/// `90s`, `30m`, `6h`, `1d`, `1h30m` (a bare number is seconds).
pub fn parse_duration(s: &str) -> Result<std::time::Duration, String> {
    let bad = || format!("{s:?} is not a duration (e.g. 30m, 6h, 1d, 1h30m)");
    let t = s.trim();
    if t.is_empty() {
        return Err(bad());
    }
    if let Ok(n) = t.parse::<u64>() {
        return (n > 0).then(|| std::time::Duration::from_secs(n)).ok_or_else(bad);
    }
    let mut total: u64 = 0;
    let mut num = String::new();
    for c in t.chars() {
        if c.is_ascii_digit() {
            num.push(c);
            continue;
        }
        let unit = match c {
            's' => 1,
            'm' => 60,
            'h' => 3600,
            'd' => 86_400,
            _ => return Err(bad()),
        };
        let n: u64 = num.parse().map_err(|_| bad())?;
        num.clear();
        total = n
            .checked_mul(unit)
            .and_then(|v| total.checked_add(v))
            .ok_or_else(bad)?;
    }
    if !num.is_empty() || total == 0 {
        return Err(bad());
    }
    Ok(std::time::Duration::from_secs(total))
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Format {
    Table,
    Json,
    Sarif,
}

#[derive(Debug, Args)]
pub struct ScanArgs {
    /// Folder, file or git repository to scan.
    #[arg(default_value = ".")]
    pub path: PathBuf,
    /// Scan every blob reachable from all refs (each once), plus the working tree.
    #[arg(long)]
    pub history: bool,
    /// Output format.
    #[arg(long, short, value_enum, default_value_t = Format::Table)]
    pub format: Format,
    /// Write the report to FILE instead of stdout.
    #[arg(long, short)]
    pub output: Option<PathBuf>,
    /// Exit 1 when an open finding has this severity or higher.
    #[arg(long, default_value = "info", value_parser = parse_severity)]
    pub fail_on: Severity,
    /// Silence findings listed in this baseline file.
    #[arg(long)]
    pub baseline: Option<PathBuf>,
    /// Write every finding of this scan (and those already baselined) to a baseline file.
    #[arg(long)]
    pub write_baseline: Option<PathBuf>,
    /// Project settings (default: palisade.toml in the scanned folder, if any).
    #[arg(long)]
    pub config: Option<PathBuf>,
    /// Also load rules from these YAML files (see `palisade rules check`).
    #[arg(long = "rules", value_name = "FILE")]
    pub rule_files: Vec<PathBuf>,
    /// Only run rules whose id matches this glob (repeatable), e.g. `azure.*`.
    #[arg(long = "rule", value_name = "GLOB")]
    pub enable: Vec<String>,
    /// Do not run rules whose id matches this glob (repeatable).
    #[arg(long = "exclude-rule", value_name = "GLOB")]
    pub disable: Vec<String>,
    /// Do not scan paths matching this glob (repeatable), relative to PATH.
    #[arg(long = "exclude", value_name = "GLOB")]
    pub exclude: Vec<String>,
    /// Scan files that .gitignore and .ignore files exclude.
    #[arg(long)]
    pub no_ignore: bool,
    /// Follow symbolic links (loops are detected and reported).
    #[arg(long)]
    pub follow_symlinks: bool,
    /// Skip files larger than this (bytes, or with K/M/G suffix).
    #[arg(long, value_parser = parse_size)]
    pub max_file_size: Option<u64>,
    /// Print secrets in clear. They are never stored, whatever this says.
    #[arg(long)]
    pub show_secrets: bool,
    /// Do not record the scan in the store.
    #[arg(long)]
    pub no_store: bool,
    /// What to look for: secret, dependency, iac, code (comma-separated or repeatable; default all).
    #[arg(long, value_delimiter = ',', value_name = "KIND")]
    pub analyzers: Vec<FindingKind>,
    /// Match dependencies against this OSV export (folder, .zip or .json) as well as the store's advisories.
    #[arg(long, value_name = "PATH")]
    pub advisories: Option<PathBuf>,
    /// Also load code (SAST) rules from these YAML files (see `palisade rules check`).
    #[arg(long = "code-rules", value_name = "FILE")]
    pub code_rule_files: Vec<PathBuf>,
    /// Worker threads (default: one per core).
    #[arg(long, default_value_t = 0)]
    pub threads: usize,
    /// No progress bar, even on a terminal.
    #[arg(long)]
    pub no_progress: bool,
}

#[derive(Debug, Args)]
pub struct RulesArgs {
    #[command(subcommand)]
    pub command: RulesCommand,
}

#[derive(Debug, Subcommand)]
pub enum RulesCommand {
    /// List the built-in rules of one kind (secret rules unless told otherwise).
    List {
        /// secret, iac (IaC and pipelines) or code; dependency findings come from advisories, not rules.
        #[arg(long, default_value = "secret")]
        kind: FindingKind,
        #[arg(long, short, value_enum, default_value_t = Format::Table)]
        format: Format,
    },
    /// Show everything about one rule: what it finds, how to fix it, its pattern and examples.
    Explain { id: String },
    /// Validate rule files: schema, patterns, and every example through the real engine.
    Check {
        #[arg(required = true)]
        files: Vec<PathBuf>,
    },
}

#[derive(Debug, Args)]
pub struct FindingsArgs {
    #[command(subcommand)]
    pub command: FindingsCommand,
}

#[derive(Debug, Subcommand)]
pub enum FindingsCommand {
    /// List stored findings.
    List {
        /// Only findings in these states (repeatable or comma-separated).
        #[arg(long, value_delimiter = ',', value_parser = parse_state)]
        state: Vec<TriageState>,
        /// Only findings of these kinds: secret, dependency, iac, code (repeatable or comma-separated).
        #[arg(long, value_delimiter = ',')]
        kind: Vec<FindingKind>,
        /// Only findings of this severity or higher.
        #[arg(long, value_parser = parse_severity)]
        severity: Option<Severity>,
        /// Only findings of this rule id.
        #[arg(long)]
        rule: Option<String>,
        /// Only findings with a location in this scan target (a path).
        #[arg(long)]
        target: Option<String>,
        #[arg(long, default_value_t = 1000)]
        limit: u32,
        #[arg(long, short, value_enum, default_value_t = Format::Table)]
        format: Format,
    },
    /// Show one finding with its locations and triage history.
    Show {
        id: String,
        #[arg(long, short, value_enum, default_value_t = Format::Table)]
        format: Format,
    },
    /// Set the triage state of a finding; it survives rescans.
    Triage {
        id: String,
        #[arg(long, value_parser = parse_state)]
        state: TriageState,
        #[arg(long)]
        comment: Option<String>,
    },
}

#[derive(Debug, Args)]
pub struct ScansArgs {
    #[command(subcommand)]
    pub command: ScansCommand,
}

#[derive(Debug, Subcommand)]
pub enum ScansCommand {
    /// List recorded scans, newest first.
    List {
        #[arg(long, default_value_t = 20)]
        limit: u32,
        /// Only managed scans of this repository (`project/repo` or scan target).
        #[arg(long)]
        repo: Option<String>,
        #[arg(long, short, value_enum, default_value_t = Format::Table)]
        format: Format,
    },
    /// Show a scan's log.
    Logs { id: String },
}

#[derive(Debug, Args)]
pub struct ImportArgs {
    #[command(subcommand)]
    pub command: ImportCommand,
}

#[derive(Debug, Subcommand)]
pub enum ImportCommand {
    /// Import a SARIF 2.1.0 log (CodeQL, Semgrep, Checkov, Trivy, ...). Each result becomes a
    /// finding of the checkout it was produced from, identified by the tool's fingerprints (or
    /// file and message), so importing again updates the same findings and keeps their triage.
    /// A result whose file is not in the checkout is reported and skipped.
    Sarif {
        file: PathBuf,
        /// The checkout the results refer to (the scan target, as for `palisade scan PATH`).
        #[arg(long, value_name = "PATH")]
        repo: PathBuf,
        /// Kind of the findings (default: guessed from the tool: Checkov, Trivy, tfsec... are iac;
        /// osv-scanner, Grype... dependency; anything else code).
        #[arg(long)]
        kind: Option<FindingKind>,
        #[arg(long, short, value_enum, default_value_t = Format::Table)]
        format: Format,
    },
}

#[derive(Debug, Args)]
pub struct AdvisoriesArgs {
    #[command(subcommand)]
    pub command: AdvisoriesCommand,
}

#[derive(Debug, Subcommand)]
pub enum AdvisoriesCommand {
    /// Import an OSV export: a folder of records, a `.json` record, or a zip such as osv.dev's
    /// per-ecosystem `all.zip`. Incremental: only records newer than the stored ones are written;
    /// withdrawn ones are removed. A malformed record is reported and skipped.
    Import {
        path: PathBuf,
        #[arg(long, short, value_enum, default_value_t = Format::Table)]
        format: Format,
    },
    /// How many advisories the store holds, per ecosystem, and how fresh they are.
    Status {
        #[arg(long, short, value_enum, default_value_t = Format::Table)]
        format: Format,
    },
}

fn parse_severity(s: &str) -> Result<Severity, String> {
    s.parse()
        .map_err(|e: palisade_domain::UnknownLevel| e.to_string())
}

fn parse_state(s: &str) -> Result<TriageState, String> {
    s.parse()
        .map_err(|e: palisade_domain::UnknownTriageState| e.to_string())
}

/// `1048576`, `512K`, `10M`, `2G` (powers of 1024).
pub fn parse_size(s: &str) -> Result<u64, String> {
    let s = s.trim();
    let (num, mult) = match s.chars().last() {
        Some('k' | 'K') => (&s[..s.len() - 1], 1u64 << 10),
        Some('m' | 'M') => (&s[..s.len() - 1], 1 << 20),
        Some('g' | 'G') => (&s[..s.len() - 1], 1 << 30),
        _ => (s, 1),
    };
    num.trim()
        .parse::<u64>()
        .ok()
        .and_then(|n| n.checked_mul(mult))
        .filter(|&n| n > 0)
        .ok_or_else(|| format!("{s:?} is not a size (e.g. 1048576, 512K, 10M, 2G)"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes() {
        assert_eq!(parse_size("10M"), Ok(10 << 20));
        assert_eq!(parse_size("512k"), Ok(512 << 10));
        assert_eq!(parse_size("42"), Ok(42));
        assert!(parse_size("0").is_err());
        assert!(parse_size("lots").is_err());
        assert!(parse_size("99999999999G").is_err());
    }

    #[test]
    fn durations() {
        assert_eq!(parse_duration("30m"), Ok(std::time::Duration::from_mins(30)));
        assert_eq!(parse_duration("1h30m"), Ok(std::time::Duration::from_mins(90)));
        assert_eq!(parse_duration("6h"), Ok(std::time::Duration::from_hours(6)));
        assert_eq!(parse_duration("45"), Ok(std::time::Duration::from_secs(45)));
        for bad in ["", "0", "0m", "h", "5x", "10m5"] {
            assert!(parse_duration(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn resolve_like_curl() {
        let (h, a) = parse_resolve("Contoso.visualstudio.com:8080:127.0.0.1").unwrap();
        assert_eq!(h, "contoso.visualstudio.com");
        assert_eq!(a.to_string(), "127.0.0.1:8080");
        assert_eq!(parse_resolve("h:1:[::1]").unwrap().1.to_string(), "[::1]:1");
        assert!(parse_resolve("h:x:127.0.0.1").is_err());
        assert!(parse_resolve("h:80").is_err());
    }

    #[test]
    fn cli_is_consistent() {
        use clap::CommandFactory;
        Cli::command().debug_assert();
    }
}

#[derive(Debug, Args)]
pub struct SimArgs {
    /// Fixture file (YAML or JSON) describing the organizations to serve.
    /// Default: the built-in contoso fixture.
    #[arg(long, conflicts_with = "generate")]
    pub fixture: Option<PathBuf>,
    /// Serve a generated estate instead of a fixture.
    #[arg(long)]
    pub generate: bool,
    /// Generator seed (same seed, same estate).
    #[arg(long, default_value_t = 1, requires = "generate")]
    pub seed: u64,
    /// Generated organizations.
    #[arg(long, default_value_t = 1, requires = "generate")]
    pub orgs: usize,
    /// Generated projects per organization.
    #[arg(long, default_value_t = 10, requires = "generate")]
    pub projects: usize,
    /// Generated repositories per project.
    #[arg(long, default_value_t = 5, requires = "generate")]
    pub repos_per_project: usize,
    /// Generated repositories get real histories of varied size (some long,
    /// some large, some empty) with planted fake secrets, some removed later.
    #[arg(long, requires = "generate")]
    pub realistic: bool,
    /// With --realistic: fraction of repositories with several MiB of files.
    #[arg(long, requires = "realistic")]
    pub large_fraction: Option<f64>,
    /// With --realistic: fraction of repositories with hundreds of commits.
    #[arg(long, requires = "realistic")]
    pub long_history_fraction: Option<f64>,
    /// Write the generated estate's full-access PAT to this file (mode 0600).
    #[arg(long, requires = "generate")]
    pub pat_file: Option<PathBuf>,
    /// Address to listen on.
    #[arg(long, default_value = "127.0.0.1")]
    pub bind: String,
    /// Port to listen on (0: any free port, printed at start).
    #[arg(long, default_value_t = 0)]
    pub port: u16,
    /// Latency added to every REST request, in milliseconds.
    #[arg(long, default_value_t = 0)]
    pub latency_ms: u64,
    /// Rate-limit budget per identity: requests per window (off when absent).
    #[arg(long)]
    pub rate_limit: Option<u32>,
    /// Rate-limit window in seconds.
    #[arg(long, default_value_t = 300)]
    pub rate_window_secs: u64,
    /// Where bare repositories are materialized (default: a temporary folder).
    #[arg(long)]
    pub data_dir: Option<PathBuf>,
}

#[derive(Debug, Args)]
pub struct PostureArgs {
    #[command(subcommand)]
    pub command: PostureCommand,
}

/// Output of `posture list`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum PostureFormat {
    Table,
    Json,
    /// SARIF 2.1.0: one rule per check, results located by resource key.
    Sarif,
}

#[derive(Debug, Subcommand)]
pub enum PostureCommand {
    /// Evaluate every check over the inventory now.
    Run {
        /// Only this connector (name or id); default: every connector.
        #[arg(long)]
        connector: Option<String>,
        #[arg(long, short, value_enum, default_value_t = OutFormat::Table)]
        format: OutFormat,
    },
    /// List results (failures first, most severe first).
    ///
    /// Exit 1 when a listed result fails and no active exemption covers it.
    List {
        #[arg(long)]
        connector: Option<String>,
        /// Only failures (same as --status fail).
        #[arg(long)]
        failed: bool,
        /// Only these statuses: pass, fail, not-applicable, unknown.
        #[arg(long, value_delimiter = ',', value_parser = parse_posture_status)]
        status: Vec<palisade_domain::PostureStatus>,
        /// Only these severities (comma-separated): info, low, medium, high, critical.
        #[arg(long, value_delimiter = ',', value_parser = parse_severity)]
        severity: Vec<Severity>,
        /// Only this organization or project: `ORG` or `ORG/PROJECT`, by name or id.
        #[arg(long)]
        scope: Option<String>,
        /// Only these checks (ids, comma-separated).
        #[arg(long, value_delimiter = ',')]
        check: Vec<String>,
        /// Only this resource (its key, as `posture list --format json` shows).
        #[arg(long)]
        resource: Option<String>,
        /// Hide failures an active exemption covers.
        #[arg(long)]
        hide_exempt: bool,
        #[arg(long, default_value_t = 1000)]
        limit: u32,
        #[arg(long, short, value_enum, default_value_t = PostureFormat::Table)]
        format: PostureFormat,
    },
    /// The catalogue of checks.
    Checks {
        #[arg(long, short, value_enum, default_value_t = OutFormat::Table)]
        format: OutFormat,
    },
    /// What a check looks at, why it matters, how to fix it, what it needs to read.
    Explain {
        /// Check id, e.g. ado.repo.fewer-than-two-reviewers.
        id: String,
    },
    /// The status changes of one check on one resource.
    History {
        check: String,
        /// Resource key (as `posture list --format json` shows).
        resource: String,
        #[arg(long, short, value_enum, default_value_t = OutFormat::Table)]
        format: OutFormat,
    },
    /// Posture scores per organization and project: passed checks weighted by
    /// severity over applicable ones (low 1, medium 3, high 6, critical 10),
    /// with their trend.
    Score {
        /// Only this organization or project: `ORG` or `ORG/PROJECT`.
        #[arg(long)]
        scope: Option<String>,
        /// Evaluations per scope to show (the trend).
        #[arg(long, default_value_t = 5)]
        trend: u32,
        #[arg(long, short, value_enum, default_value_t = OutFormat::Table)]
        format: OutFormat,
    },
    /// Exempt a resource or a whole organization or project from a check.
    Exempt {
        /// Check id.
        check: String,
        /// One resource, by key.
        #[arg(long, conflicts_with = "scope", required_unless_present = "scope")]
        resource: Option<String>,
        /// Everything in `ORG` or `ORG/PROJECT` (by name or id).
        #[arg(long)]
        scope: Option<String>,
        /// Why the failure is accepted (recorded and shown with the result).
        #[arg(long)]
        reason: String,
        /// When it stops applying: a duration (30d, 12h) or a date (2027-03-31, UTC end of day).
        #[arg(long)]
        expires: Option<String>,
        /// Who accepts it; default: the OS user.
        #[arg(long)]
        author: Option<String>,
    },
    /// List exemptions (active ones unless --all), or their audit trail.
    Exemptions {
        /// Also expired and revoked exemptions.
        #[arg(long)]
        all: bool,
        /// The audit trail of every change instead.
        #[arg(long)]
        audit: bool,
        #[arg(long, short, value_enum, default_value_t = OutFormat::Table)]
        format: OutFormat,
    },
    /// Revoke an exemption: the failures it covered count again.
    Revoke {
        /// Exemption id.
        id: String,
        #[arg(long)]
        reason: String,
        #[arg(long)]
        author: Option<String>,
    },
}

fn parse_posture_status(s: &str) -> Result<palisade_domain::PostureStatus, String> {
    palisade_domain::PostureStatus::parse(s).map_err(|e| e.to_string())
}

#[derive(Debug, Args)]
pub struct UsersArgs {
    #[command(subcommand)]
    pub command: UsersCommand,
}

#[derive(Debug, Args)]
pub struct GrantArgs {
    /// Role: admin, security-admin or reader (repeat for several).
    #[arg(long = "role", value_parser = parse_role, required = true)]
    pub roles: Vec<palisade_domain::Role>,
    /// Only on this connector (name or id); default: the whole installation.
    #[arg(long)]
    pub connector: Option<String>,
}

#[derive(Debug, Subcommand)]
pub enum UsersCommand {
    /// Create a user; the password is the first line of stdin (12 to 1024 characters).
    Add {
        name: String,
        #[command(flatten)]
        grant: GrantArgs,
        #[arg(long)]
        display_name: Option<String>,
        /// Read the password from stdin (required: passwords are never arguments).
        #[arg(long, required = true)]
        password_stdin: bool,
    },
    List {
        #[arg(long, short, value_enum, default_value_t = OutFormat::Table)]
        format: OutFormat,
    },
    /// Replace a user's roles.
    Grant {
        name: String,
        #[command(flatten)]
        grant: GrantArgs,
    },
    /// Set a new password from stdin.
    Passwd {
        name: String,
        #[arg(long, required = true)]
        password_stdin: bool,
    },
    /// Disable a user: sign-in refused, their API tokens revoked.
    Disable { name: String },
}

#[derive(Debug, Args)]
pub struct TokensArgs {
    #[command(subcommand)]
    pub command: TokensCommand,
}

#[derive(Debug, Subcommand)]
pub enum TokensCommand {
    /// Create a token for a user; it is printed once and never again.
    Create {
        /// The user it acts as (with that user's roles).
        #[arg(long)]
        user: String,
        /// What it is for.
        #[arg(long)]
        name: String,
        /// When it stops working: a duration (90d) or a date (2027-03-31); default 90d.
        #[arg(long, default_value = "90d")]
        expires: String,
    },
    List {
        #[arg(long)]
        user: Option<String>,
        #[arg(long, short, value_enum, default_value_t = OutFormat::Table)]
        format: OutFormat,
    },
    Revoke {
        id: String,
    },
}

#[derive(Debug, Args)]
pub struct AuditArgs {
    #[arg(long)]
    pub actor: Option<String>,
    /// Actions starting with this, e.g. `user.` or `token.revoke`.
    #[arg(long)]
    pub action: Option<String>,
    #[arg(long, default_value_t = 100)]
    pub limit: u32,
    #[arg(long, short, value_enum, default_value_t = OutFormat::Table)]
    pub format: OutFormat,
}

fn parse_role(s: &str) -> Result<palisade_domain::Role, String> {
    palisade_domain::Role::parse(s)
        .ok_or_else(|| format!("unknown role {s:?}: admin, security-admin or reader"))
}
