//! A GitHub Actions workflow (or composite action), read once into the
//! pieces rules look at: triggers, permissions, jobs and their steps.

use crate::azure::clean_name;
use crate::walk::{entries, items};
use crate::yaml::Node;

/// A parsed workflow and its source text.
pub(crate) struct Workflow<'a> {
    pub(crate) source: &'a str,
    pub(crate) root: &'a Node,
    /// `workflow ci.yml` or `action action.yml`.
    pub(crate) subject: String,
    /// Events that trigger the workflow, with the node naming each.
    pub(crate) events: Vec<(String, &'a Node)>,
    /// Top-level `permissions`: the key and the value.
    pub(crate) permissions: Option<(&'a Node, &'a Node)>,
    pub(crate) jobs: Vec<Job<'a>>,
}

/// A job of a workflow (or the steps of a composite action).
pub(crate) struct Job<'a> {
    pub(crate) node: &'a Node,
    /// `workflow ci.yml/job test`.
    pub(crate) subject: String,
    pub(crate) steps: Vec<Step<'a>>,
}

/// A step of a job.
pub(crate) struct Step<'a> {
    pub(crate) node: &'a Node,
    /// `workflow ci.yml/job test/step lint` (its `id` or `name`), or
    /// `.../step 2 (actions/checkout)` / `.../step 3 (run)`.
    pub(crate) subject: String,
}

impl<'a> Workflow<'a> {
    pub(crate) fn new(path: &str, source: &'a str, root: &'a Node) -> Self {
        let file = path.rsplit(['/', '\\']).next().unwrap_or(path);
        let runs = root.get("runs");
        let is_action = root.get("jobs").is_none() && runs.is_some();
        let subject = if is_action {
            format!("action {}", clean_name(file))
        } else {
            format!("workflow {}", clean_name(file))
        };
        let mut events = Vec::new();
        if let Some(on) = root.get("on").or_else(|| root.get("true")) {
            if let Some(name) = on.as_str() {
                events.push((name.trim().to_owned(), on));
            } else if on.as_seq().is_some() {
                for item in items(on) {
                    if let Some(name) = item.as_str() {
                        events.push((name.trim().to_owned(), item));
                    }
                }
            } else {
                for (k, _) in entries(on) {
                    if let Some(name) = k.as_str() {
                        events.push((name.trim().to_owned(), k));
                    }
                }
            }
        }
        let mut jobs = Vec::new();
        if let Some(all) = root.get("jobs") {
            for (key, job) in entries(all) {
                let id = key.as_str().map_or_else(|| "?".to_owned(), clean_name);
                let subject = format!("{subject}/job {id}");
                let steps = job
                    .get("steps")
                    .map(|s| make_steps(&subject, s))
                    .unwrap_or_default();
                jobs.push(Job {
                    node: job,
                    subject,
                    steps,
                });
            }
        } else if let Some(runs) = runs {
            let steps = runs
                .get("steps")
                .map(|s| make_steps(&subject, s))
                .unwrap_or_default();
            jobs.push(Job {
                node: runs,
                subject: subject.clone(),
                steps,
            });
        }
        Self {
            source,
            root,
            subject,
            events,
            permissions: root.entry("permissions"),
            jobs,
        }
    }

    /// Whether any of `names` triggers the workflow.
    pub(crate) fn triggered_by(&self, names: &[&str]) -> Option<&'a Node> {
        self.events
            .iter()
            .find(|(e, _)| names.contains(&e.as_str()))
            .map(|&(_, n)| n)
    }

    /// Every step of every job, with its job.
    pub(crate) fn steps(&self) -> impl Iterator<Item = (&Job<'a>, &Step<'a>)> {
        self.jobs.iter().flat_map(|j| j.steps.iter().map(move |s| (j, s)))
    }

    /// Every `env` mapping: workflow, job and step level, with a subject.
    pub(crate) fn env_blocks(&self) -> Vec<(String, &'a Node)> {
        let mut out = Vec::new();
        if let Some(env) = self.root.get("env") {
            out.push((self.subject.clone(), env));
        }
        for job in &self.jobs {
            if let Some(env) = job.node.get("env") {
                out.push((job.subject.clone(), env));
            }
            for step in &job.steps {
                if let Some(env) = step.node.get("env") {
                    out.push((step.subject.clone(), env));
                }
            }
        }
        out
    }
}

impl<'a> Step<'a> {
    /// The `run` script.
    pub(crate) fn run(&self) -> Option<&'a Node> {
        self.node.get("run").filter(|r| r.as_str().is_some())
    }

    /// The `uses` reference, and its node.
    pub(crate) fn uses(&self) -> Option<(&'a str, &'a Node)> {
        let node = self.node.get("uses")?;
        Some((node.as_str()?.trim(), node))
    }

    /// An input of the action (`with.<name>`).
    pub(crate) fn with(&self, name: &str) -> Option<&'a Node> {
        self.node.get("with")?.get(name)
    }

    /// Whether the step runs the given action (`actions/checkout`), any
    /// version.
    pub(crate) fn uses_action(&self, action: &str) -> bool {
        self.uses().is_some_and(|(u, _)| {
            let name = u.split_once('@').map_or(u, |(n, _)| n);
            name.eq_ignore_ascii_case(action)
        })
    }
}

fn make_steps<'a>(prefix: &str, steps: &'a Node) -> Vec<Step<'a>> {
    items(steps)
        .into_iter()
        .enumerate()
        .filter(|(_, n)| n.as_map().is_some())
        .map(|(i, node)| {
            let named = node
                .str_at("id")
                .or_else(|| node.str_at("name"))
                .filter(|n| !n.contains("${{") && !n.trim().is_empty());
            let subject = if let Some(n) = named {
                format!("{prefix}/step {}", clean_name(n))
            } else {
                let what = node
                    .str_at("uses")
                    .map(|u| u.split_once('@').map_or(u, |(n, _)| n).trim())
                    .map_or_else(|| "run".to_owned(), clean_name);
                format!("{prefix}/step {} ({what})", i + 1)
            };
            Step { node, subject }
        })
        .collect()
}
