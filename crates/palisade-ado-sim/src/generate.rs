//! Seeded generator for large estates (thousands of projects and repositories), built in memory.
//!
//! The same [`GenerateOptions`] always yield the same [`Estate`]. By default git contents are small
//! (a README and one config file per repo, some with a planted fake Azure storage key); with
//! [`RepoContent::Realistic`] each repo gets a [`RepoRecipe`] instead: real histories of varied
//! size with planted secrets, still deterministic by seed. Either way bare repositories are only
//! written to disk when a client first touches a repo's git data.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use chrono::{DateTime, Utc};
use serde_json::json;
use uuid::Uuid;

use crate::content::{PlantedSecret, RepoRecipe};
use crate::fixture::{
    AdvancedSecurity, AgentPool, Branch, Check, Commit, Environment, Estate, Org, OrgScope, Pat, Pipeline,
    PipelinePermission, Policy, Project, Queue, Repo, SecureFile, ServiceEndpoint, User, Variable,
    VariableGroup, Wiki, WikiPage, WorkItem, stable_id,
};
use crate::knobs::SplitMix64;

/// What to generate.
#[derive(Debug, Clone, PartialEq)]
pub struct GenerateOptions {
    pub seed: u64,
    /// Number of organizations (`gen-org-0`, `gen-org-1`, ...).
    pub orgs: usize,
    /// Projects per organization.
    pub projects: usize,
    pub repos_per_project: usize,
    /// Up to this many pipelines per project.
    pub max_pipelines_per_project: usize,
    /// Fraction of repos with a planted fake secret.
    pub secret_fraction: f64,
    /// Fraction of repos that are empty (no default branch).
    pub empty_fraction: f64,
    /// What generated repositories hold.
    pub repo_content: RepoContent,
    /// With [`RepoContent::Realistic`]: fraction of repos with several MiB of files.
    pub large_fraction: f64,
    /// With [`RepoContent::Realistic`]: fraction of repos with hundreds of commits.
    pub long_history_fraction: f64,
}

/// What generated repositories hold.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum RepoContent {
    /// One commit: a README and a config file, some with a planted storage key (fast, tiny).
    #[default]
    Minimal,
    /// Real histories of varied size from a [`RepoRecipe`] per repo: most with 2-40 commits, some
    /// with 200-600, a few with 3-8 MiB of binary and data files, some empty; planted secrets of
    /// several kinds (AWS, GitHub, Azure storage, Azure DevOps PAT, Entra secret, private key),
    /// about half of them removed again later in the history. Materialized lazily with
    /// `git fast-import`; [`Estate::planted_secrets`] lists what a scanner should find.
    Realistic,
}

impl Default for GenerateOptions {
    fn default() -> Self {
        Self {
            seed: 1,
            orgs: 1,
            projects: 10,
            repos_per_project: 5,
            max_pipelines_per_project: 3,
            secret_fraction: 0.1,
            empty_fraction: 0.02,
            repo_content: RepoContent::Minimal,
            large_fraction: 0.02,
            long_history_fraction: 0.15,
        }
    }
}

/// The PAT (full access, all orgs) every generated estate carries.
pub fn generated_pat(seed: u64) -> String {
    format!("palisade-gen-pat-{seed:016x}")
}

const B64: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

fn random_b64(rng: &mut SplitMix64, n: usize) -> String {
    (0..n).map(|_| B64[rng.below(64) as usize] as char).collect()
}

const POLICY_TYPES: &[&str] = &[
    "fa4e907d-c16b-4a4c-9dfa-4906e5d171dd",
    "0609b952-1397-4640-95ec-e00a01b2c241",
    "c6a1889d-b943-4856-b76f-9e46bb6b0df2",
    "40e92b44-2fe1-4dd6-b3d8-74a9c21d0c6e",
    "fa4e907d-c16b-4a4c-9dfa-4916e5d171ab",
];

/// A recipe for one repository of a [`RepoContent::Realistic`] estate.
fn realistic_recipe(rng: &mut SplitMix64, opts: &GenerateOptions, empty: bool) -> RepoRecipe {
    let seed = rng.next_u64();
    if empty {
        return RepoRecipe {
            seed,
            commits: 0,
            ..RepoRecipe::default()
        };
    }
    let roll = rng.next_f64();
    let (commits, large_bytes) = if roll < opts.large_fraction {
        (5 + rng.below(26), (3 << 20) + rng.below(5 << 20))
    } else if roll < opts.large_fraction + opts.long_history_fraction {
        (200 + rng.below(401), 0)
    } else {
        (2 + rng.below(39), 0)
    };
    let secrets = if rng.chance(opts.secret_fraction) {
        1 + rng.below(3)
    } else {
        0
    };
    RepoRecipe {
        seed,
        commits: commits as u32,
        large_bytes,
        secrets: secrets as u32,
        branch: "main".into(),
        feature_branches: rng.below(3) as u32,
        start: 1_704_067_200 + rng.below(10_000_000) as i64,
    }
}

impl Estate {
    /// Secrets planted in generated repositories (`generated` recipes), for a benchmark's ground
    /// truth: `(org, project, repo, secret)`.
    pub fn planted_secrets(&self) -> Vec<(String, String, String, PlantedSecret)> {
        let mut out = Vec::new();
        for o in &self.orgs {
            for p in &o.projects {
                for r in &p.repos {
                    if let Some(recipe) = &r.generated {
                        for s in recipe.planted_secrets() {
                            out.push((o.name.clone(), p.name.clone(), r.name.clone(), s));
                        }
                    }
                }
            }
        }
        out
    }

    /// Builds an estate deterministically from `opts`.
    pub fn generate(opts: &GenerateOptions) -> Estate {
        let mut rng = SplitMix64::new(opts.seed);
        // Posture attributes draw from their own stream, so estates generated before they
        // existed keep every other value.
        let mut extra = SplitMix64::new(opts.seed ^ 0x0005_ec0f_u64.rotate_left(32));
        let base_date: DateTime<Utc> = DateTime::from_timestamp(1_704_067_200, 0).unwrap_or_default();
        let admin = User {
            id: Some(stable_id(&["gen-user", "admin", &opts.seed.to_string()])),
            name: "admin".into(),
            display_name: Some("Generated Admin".into()),
            email: "admin@gen.example".into(),
            ..User::default()
        };
        let mut estate = Estate {
            tenant: Some(stable_id(&["gen-tenant", &opts.seed.to_string()])),
            users: vec![admin],
            pats: vec![Pat {
                token: generated_pat(opts.seed),
                user: "admin".into(),
                scopes: vec!["app_token".into()],
                orgs: OrgScope::default(),
                expires_at: None,
                revoked: false,
            }],
            ..Estate::default()
        };
        for o in 0..opts.orgs {
            let org_name = format!("gen-org-{o}");
            let mut org = Org {
                id: Some(stable_id(&["org", &org_name])),
                name: org_name.clone(),
                agent_pools: vec![
                    AgentPool {
                        id: 1,
                        name: "Default".into(),
                        size: 2,
                        auto_provision: extra.chance(0.5),
                        auto_update: Some(extra.chance(0.5)),
                        ..AgentPool::default()
                    },
                    AgentPool {
                        id: 9,
                        name: "Azure Pipelines".into(),
                        is_hosted: true,
                        size: 10,
                        ..AgentPool::default()
                    },
                ],
                ..Org::default()
            };
            for name in [
                "Policy.DisallowOAuthAuthentication",
                "Policy.DisallowSecureShell",
                "Policy.LogAuditEvents",
                "Policy.DisallowAadGuestUserAccess",
            ] {
                org.policies.insert(name.into(), extra.chance(0.5));
            }
            for name in [
                "enforceJobAuthScope",
                "disableClassicPipelineCreation",
                "statusBadgesArePrivate",
            ] {
                org.pipeline_settings
                    .insert(name.into(), json!(extra.chance(0.5)));
            }
            org.projects.reserve(opts.projects);
            let mut work_item_id = 1;
            for p in 0..opts.projects {
                let pname = format!("project-{p:04}");
                let pid = stable_id(&["project", &org_name, &pname]);
                let mut project = Project {
                    id: Some(pid),
                    name: pname.clone(),
                    description: Some(format!("Generated project {p}")),
                    visibility: Some(if rng.chance(0.05) { "public" } else { "private" }.into()),
                    queues: vec![
                        Queue {
                            id: 1,
                            name: "Default".into(),
                            pool_id: 1,
                        },
                        Queue {
                            id: 2,
                            name: "Azure Pipelines".into(),
                            pool_id: 9,
                        },
                    ],
                    ..Project::default()
                };
                project.repos.reserve(opts.repos_per_project + 1);
                for r in 0..opts.repos_per_project {
                    let rname = if r == 0 {
                        pname.clone()
                    } else {
                        format!("repo-{r:03}")
                    };
                    let rid = stable_id(&["repo", &org_name, &pname, &rname]);
                    let empty = rng.chance(opts.empty_fraction);
                    let mut repo = Repo {
                        id: Some(rid),
                        name: rname.clone(),
                        is_disabled: rng.chance(0.01),
                        is_fork: rng.chance(0.03),
                        ..Repo::default()
                    };
                    if extra.chance(0.3) {
                        repo.advanced_security = Some(AdvancedSecurity {
                            enabled: true,
                            block_pushes: extra.chance(0.5),
                        });
                    }
                    if opts.repo_content == RepoContent::Realistic {
                        let recipe = realistic_recipe(&mut rng, opts, empty);
                        repo.default_branch = recipe.default_ref();
                        repo.size = Some(recipe.approx_size());
                        repo.generated = Some(recipe);
                    } else if !empty {
                        let mut files = BTreeMap::new();
                        files.insert(
                            "README.md".to_string(),
                            format!("# {rname}\n\nGenerated repository in {pname}.\n"),
                        );
                        let mut config = format!("service: {rname}\nreplicas: {}\n", 1 + rng.below(5));
                        if rng.chance(opts.secret_fraction) {
                            let account = format!("simacct{}", rng.below(1_000_000));
                            let key = random_b64(&mut rng, 86);
                            let _ = writeln!(
                                config,
                                "storage: DefaultEndpointsProtocol=https;AccountName={account};AccountKey={key}==;EndpointSuffix=core.windows.net"
                            );
                        }
                        files.insert("config/app.yaml".to_string(), config);
                        repo.default_branch = Some("refs/heads/main".into());
                        repo.size = Some(512 + rng.below(100_000));
                        repo.branches.push(Branch {
                            name: "main".into(),
                            from: None,
                            commits: vec![Commit {
                                message: "Initial commit".into(),
                                author: "Generated Admin".into(),
                                email: "admin@gen.example".into(),
                                date: base_date + chrono::Duration::seconds(rng.below(30_000_000) as i64),
                                files,
                                delete: Vec::new(),
                            }],
                        });
                    }
                    project.repos.push(repo);
                }
                if rng.chance(0.3) {
                    let wiki_repo = format!("{pname}.wiki");
                    project.repos.push(Repo {
                        id: Some(stable_id(&["repo", &org_name, &pname, &wiki_repo])),
                        name: wiki_repo.clone(),
                        hidden: true,
                        ..Repo::default()
                    });
                    project.wikis.push(Wiki {
                        id: Some(stable_id(&["wiki", &org_name, &pname, &wiki_repo])),
                        name: wiki_repo.clone(),
                        kind: None,
                        repository: Some(wiki_repo),
                        pages: vec![WikiPage {
                            id: 1,
                            path: "/Home".into(),
                            content: format!("Welcome to {pname}."),
                        }],
                    });
                }
                // Policies on the default branch.
                for (i, t) in POLICY_TYPES.iter().enumerate() {
                    if rng.chance(0.4) {
                        let settings = match i {
                            0 => {
                                json!({"minimumApproverCount": 1 + rng.below(2), "creatorVoteCounts": rng.chance(0.3), "allowDownvotes": false, "resetOnSourcePush": rng.chance(0.5), "scope": [{"repositoryId": null, "refName": "refs/heads/main", "matchKind": "Exact"}]})
                            }
                            1 => {
                                json!({"buildDefinitionId": 1, "displayName": "CI", "queueOnSourceUpdateOnly": true, "manualQueueOnly": false, "validDuration": 720.0, "scope": [{"repositoryId": null, "refName": "refs/heads/main", "matchKind": "Exact"}]})
                            }
                            _ => {
                                json!({"scope": [{"repositoryId": null, "refName": "refs/heads/main", "matchKind": "Exact"}]})
                            }
                        };
                        project.policies.push(Policy {
                            id: (project.policies.len() + 1) as i64,
                            type_id: Uuid::parse_str(t).unwrap_or_default(),
                            is_enabled: Some(true),
                            is_blocking: Some(rng.chance(0.8)),
                            settings,
                        });
                    }
                }
                // Service connections.
                let endpoints = rng.below(3);
                for e in 0..endpoints {
                    let ename = format!("conn-{e}");
                    let id = stable_id(&["endpoint", &org_name, &pname, &ename]);
                    let mut parameters = BTreeMap::new();
                    parameters.insert("tenantid".into(), estate.tenant.unwrap_or_default().to_string());
                    parameters.insert(
                        "serviceprincipalid".into(),
                        stable_id(&["sp", &pname, &ename]).to_string(),
                    );
                    parameters.insert("serviceprincipalkey".into(), random_b64(&mut rng, 40));
                    let sub = stable_id(&["subscription", &org_name, &pname]);
                    let scope = if extra.chance(0.5) {
                        format!("/subscriptions/{sub}/resourcegroups/rg-{pname}")
                    } else {
                        format!("/subscriptions/{sub}")
                    };
                    parameters.insert("scope".into(), scope);
                    let mut data = BTreeMap::new();
                    data.insert("scopeLevel".into(), "Subscription".into());
                    data.insert("subscriptionId".into(), sub.to_string());
                    let wif = extra.chance(0.5);
                    if wif {
                        parameters.remove("serviceprincipalkey");
                    }
                    if extra.chance(0.4) {
                        project.checks.push(Check {
                            id: (project.checks.len() + 1) as i64,
                            resource_type: "endpoint".into(),
                            resource: id.to_string(),
                            kind: "Approval".into(),
                            settings: json!({"approvers": [], "executionOrder": 1, "minRequiredApprovers": 1, "instructions": "", "blockedApprovers": []}),
                            timeout: None,
                        });
                    }
                    project.service_endpoints.push(ServiceEndpoint {
                        id: Some(id),
                        name: ename,
                        kind: "azurerm".into(),
                        url: "https://management.azure.com/".into(),
                        scheme: if wif {
                            "WorkloadIdentityFederation"
                        } else {
                            "ServicePrincipal"
                        }
                        .into(),
                        parameters,
                        data,
                        ..ServiceEndpoint::default()
                    });
                    if rng.chance(0.3) {
                        project.pipeline_permissions.push(PipelinePermission {
                            resource_type: "endpoint".into(),
                            resource_id: id.to_string(),
                            all_pipelines: Some(true),
                            pipelines: Vec::new(),
                        });
                    }
                }
                // Variable groups.
                for g in 0..rng.below(3) {
                    let mut variables = BTreeMap::new();
                    variables.insert(
                        "environment".into(),
                        Variable {
                            value: Some("prod".into()),
                            ..Variable::default()
                        },
                    );
                    if rng.chance(0.6) {
                        variables.insert(
                            "dbPassword".into(),
                            Variable {
                                value: Some(random_b64(&mut rng, 20)),
                                is_secret: true,
                                ..Variable::default()
                            },
                        );
                    }
                    let id = (g + 1) as i64;
                    project.variable_groups.push(VariableGroup {
                        id,
                        name: format!("group-{g}"),
                        variables,
                        ..VariableGroup::default()
                    });
                    if rng.chance(0.3) {
                        project.pipeline_permissions.push(PipelinePermission {
                            resource_type: "variablegroup".into(),
                            resource_id: id.to_string(),
                            all_pipelines: Some(true),
                            pipelines: Vec::new(),
                        });
                    }
                }
                // Pipelines.
                let npipes = rng.below(opts.max_pipelines_per_project as u64 + 1);
                for d in 0..npipes {
                    let classic = rng.chance(0.2);
                    let mut triggers = vec![
                        json!({"branchFilters": ["+refs/heads/main"], "pathFilters": [], "batchChanges": false, "maxConcurrentBuildsPerBranch": 1, "triggerType": "continuousIntegration"}),
                    ];
                    if rng.chance(0.3) {
                        triggers.push(json!({
                            "settingsSourceType": 2,
                            "branchFilters": ["+refs/heads/*"],
                            "forks": {"enabled": true, "allowSecrets": rng.chance(0.3), "allowFullAccessToken": rng.chance(0.2)},
                            "pathFilters": [],
                            "requireCommentsForNonTeamMembersOnly": false,
                            "isCommentRequiredForPullRequest": false,
                            "triggerType": "pullRequest",
                        }));
                    }
                    let mut variables = BTreeMap::new();
                    if rng.chance(0.3) {
                        variables.insert(
                            "apiKey".into(),
                            Variable {
                                value: Some(random_b64(&mut rng, 24)),
                                is_secret: true,
                                ..Variable::default()
                            },
                        );
                    }
                    project.pipelines.push(Pipeline {
                        id: (d + 1) as i64,
                        name: format!("{pname}-ci-{d}"),
                        kind: Some(if classic { "classic" } else { "yaml" }.into()),
                        yaml_filename: (!classic).then(|| "azure-pipelines.yml".into()),
                        repository: Some(pname.clone()),
                        variables,
                        variable_groups: project.variable_groups.iter().map(|g| g.id).take(1).collect(),
                        triggers,
                        job_authorization_scope: Some(
                            if rng.chance(0.5) {
                                "project"
                            } else {
                                "projectCollection"
                            }
                            .into(),
                        ),
                        queue: Some(if rng.chance(0.5) { 1 } else { 2 }),
                        ..Pipeline::default()
                    });
                }
                if rng.chance(0.3) {
                    project.environments.push(Environment {
                        id: 1,
                        name: "production".into(),
                        description: String::new(),
                    });
                    if extra.chance(0.5) {
                        project.checks.push(Check {
                            id: (project.checks.len() + 1) as i64,
                            resource_type: "environment".into(),
                            resource: "1".into(),
                            kind: "Approval".into(),
                            settings: json!({"approvers": [], "executionOrder": 1, "minRequiredApprovers": 1, "instructions": "", "blockedApprovers": []}),
                            timeout: None,
                        });
                    }
                }
                if rng.chance(0.2) {
                    project.secure_files.push(SecureFile {
                        id: Some(stable_id(&["securefile", &org_name, &pname, "signing.pfx"])),
                        name: "signing.pfx".into(),
                        properties: BTreeMap::new(),
                    });
                }
                if rng.chance(0.5) {
                    project
                        .general_settings
                        .insert("enforceJobAuthScope".into(), json!(false));
                }
                for _ in 0..rng.below(3) {
                    let mut fields = BTreeMap::new();
                    fields.insert("System.Title".into(), json!(format!("Work item {work_item_id}")));
                    fields.insert(
                        "System.State".into(),
                        json!(if rng.chance(0.5) { "Active" } else { "New" }),
                    );
                    project.work_items.push(WorkItem {
                        id: work_item_id,
                        rev: Some(1),
                        fields,
                    });
                    work_item_id += 1;
                }
                org.projects.push(project);
            }
            estate.orgs.push(org);
        }
        estate
    }
}
