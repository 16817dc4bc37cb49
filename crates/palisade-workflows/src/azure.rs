//! An Azure Pipelines file, read once into the pieces rules look at: jobs
//! and their steps (under stages, deployment strategies and `extends`
//! parameters), variable blocks, pools and the `pr` trigger.

use crate::walk::{entries, items};
use crate::yaml::Node;

/// A parsed pipeline (or template) and its source text.
pub(crate) struct Pipeline<'a> {
    pub(crate) source: &'a str,
    pub(crate) root: &'a Node,
    pub(crate) jobs: Vec<Job<'a>>,
    /// `variables` blocks: the subject prefix (`""`, `stage deploy/`, ...)
    /// and the block.
    pub(crate) variables: Vec<(String, &'a Node)>,
    /// `pool` settings: the subject prefix and the value.
    pub(crate) pools: Vec<(String, &'a Node)>,
    pub(crate) pr: PrTrigger,
}

/// The `pr` trigger as written.
#[derive(Clone, Copy)]
pub(crate) enum PrTrigger {
    /// No `pr` key: GitHub and Bitbucket repositories build every pull
    /// request; Azure Repos use branch policies instead.
    Absent,
    /// `pr: none` or `pr: false`.
    Disabled,
    /// Any other value: pull requests (from forks too, when the pipeline's
    /// settings allow it) run this pipeline.
    Enabled,
}

/// A job: a `job`, a `deployment`, or the implicit job of top-level `steps`.
pub(crate) struct Job<'a> {
    /// `""` for top-level steps, else `job build/` or `stage ci/job build/`.
    pub(crate) prefix: String,
    /// The job's mapping (the root for top-level steps).
    pub(crate) node: &'a Node,
    pub(crate) steps: Vec<Step<'a>>,
}

/// One step of a job.
pub(crate) struct Step<'a> {
    pub(crate) node: &'a Node,
    /// What kind of step, from its first key.
    pub(crate) kind: StepKind,
    /// The value of that key: the inline script, `Foo@2`, `self`, ...
    pub(crate) body: &'a Node,
    /// `job build/step 3 (script)`, or `job build/step publish` when the
    /// step has a `name`.
    pub(crate) subject: String,
}

#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum StepKind {
    /// `script`, `bash`, `pwsh`, `powershell`.
    Script,
    Task,
    Checkout,
    Other,
}

const SCRIPT_KEYS: [&str; 4] = ["script", "bash", "pwsh", "powershell"];
const OTHER_KEYS: [&str; 7] = [
    "template",
    "download",
    "downloadBuild",
    "publish",
    "getPackage",
    "restoreCache",
    "reviewApp",
];

/// Task inputs that hold an inline script (`Bash@3`, `PowerShell@2`,
/// `CmdLine@2`, `AzureCLI@2`, `AzurePowerShell@5`).
const INLINE_SCRIPT_INPUTS: [&str; 3] = ["script", "inlineScript", "Inline"];

impl<'a> Pipeline<'a> {
    pub(crate) fn new(source: &'a str, root: &'a Node) -> Self {
        let mut p = Self {
            source,
            root,
            jobs: Vec::new(),
            variables: Vec::new(),
            pools: Vec::new(),
            pr: PrTrigger::Absent,
        };
        if let Some(pr) = root.get("pr") {
            p.pr = match pr.as_str().map(|s| s.trim().to_ascii_lowercase()) {
                Some(s) if s == "none" || s == "false" => PrTrigger::Disabled,
                _ => PrTrigger::Enabled,
            };
        }
        p.scope(String::new(), root);
        if let Some(params) = root.get("extends").and_then(|e| e.get("parameters")) {
            p.parameters("", params);
        }
        p
    }

    /// Stages, jobs and steps under a mapping (the root, or `extends`
    /// parameters).
    fn scope(&mut self, prefix: String, node: &'a Node) {
        if let Some(v) = node.get("variables") {
            self.variables.push((prefix.clone(), v));
        }
        if let Some(v) = node.get("pool") {
            self.pools.push((prefix.clone(), v));
        }
        if let Some(stages) = node.get("stages") {
            self.stages(&prefix, stages);
        }
        if let Some(jobs) = node.get("jobs") {
            self.jobs(&prefix, jobs);
        }
        if let Some(steps) = node.get("steps") {
            self.steps_job(prefix, node, steps);
        }
    }

    fn stages(&mut self, prefix: &str, stages: &'a Node) {
        for (i, stage) in items(stages).into_iter().enumerate() {
            if stage.as_map().is_none() {
                continue;
            }
            let name = stage
                .str_at("stage")
                .map_or_else(|| (i + 1).to_string(), clean_name);
            let prefix = format!("{prefix}stage {name}/");
            if let Some(params) = stage.get("parameters") {
                self.parameters(&prefix, params);
            }
            if let Some(v) = stage.get("variables") {
                self.variables.push((prefix.clone(), v));
            }
            if let Some(v) = stage.get("pool") {
                self.pools.push((prefix.clone(), v));
            }
            if let Some(jobs) = stage.get("jobs") {
                self.jobs(&prefix, jobs);
            }
        }
    }

    fn jobs(&mut self, prefix: &str, jobs: &'a Node) {
        for (i, job) in items(jobs).into_iter().enumerate() {
            if job.as_map().is_none() {
                continue;
            }
            let name = job
                .str_at("job")
                .or_else(|| job.str_at("deployment"))
                .map_or_else(|| (i + 1).to_string(), clean_name);
            let prefix = format!("{prefix}job {name}/");
            if let Some(params) = job.get("parameters") {
                self.parameters(&prefix, params);
            }
            if let Some(v) = job.get("variables") {
                self.variables.push((prefix.clone(), v));
            }
            if let Some(v) = job.get("pool") {
                self.pools.push((prefix.clone(), v));
            }
            let mut steps: Vec<&'a Node> = Vec::new();
            if let Some(s) = job.get("steps") {
                steps.push(s);
            }
            // Deployment jobs: strategy.<runOnce|rolling|canary>.<hook>.steps.
            if let Some(strategy) = job.get("strategy") {
                for (_, kind) in entries(strategy) {
                    for (hook, body) in entries(kind) {
                        if hook.as_str() == Some("on") {
                            for (_, outcome) in entries(body) {
                                steps.extend(outcome.get("steps"));
                            }
                        } else {
                            steps.extend(body.get("steps"));
                        }
                    }
                }
            }
            let mut all = Vec::new();
            for s in steps {
                all.extend(items(s));
            }
            let steps = Self::make_steps(&prefix, all);
            self.jobs.push(Job {
                prefix,
                node: job,
                steps,
            });
        }
    }

    fn steps_job(&mut self, prefix: String, node: &'a Node, steps: &'a Node) {
        let steps = Self::make_steps(&prefix, items(steps));
        self.jobs.push(Job { prefix, node, steps });
    }

    /// Template parameters may carry stages, jobs or step lists
    /// (`extends: {template: ..., parameters: {stages: [...]}}`).
    fn parameters(&mut self, prefix: &str, params: &'a Node) {
        for (key, value) in entries(params) {
            let Some(key) = key.as_str() else { continue };
            let list = items(value);
            if list.is_empty() {
                if value.as_map().is_some() && key != "variables" {
                    // Nested settings objects (1ES templates: `sdl`, `settings`).
                    let sub = format!("{prefix}parameters {}/", clean_name(key));
                    self.parameters(&sub, value);
                }
                continue;
            }
            match key {
                "stages" => self.stages(prefix, value),
                "jobs" => self.jobs(prefix, value),
                _ if list.iter().any(|i| step_kind(i).is_some()) => {
                    let sub = format!("{prefix}parameters {}/", clean_name(key));
                    self.steps_job(sub, params, value);
                }
                _ if list
                    .iter()
                    .any(|i| i.get("job").is_some() || i.get("deployment").is_some()) =>
                {
                    self.jobs(prefix, value);
                }
                _ if list.iter().any(|i| i.get("stage").is_some()) => self.stages(prefix, value),
                _ => {}
            }
        }
    }

    fn make_steps(prefix: &str, list: Vec<&'a Node>) -> Vec<Step<'a>> {
        let mut out = Vec::new();
        for (i, node) in list.into_iter().enumerate() {
            let Some((kind, key, body)) = step_kind(node) else {
                continue;
            };
            let key_name = key.as_str().unwrap_or("step");
            let subject = match node.str_at("name") {
                Some(name) if !name.contains("$(") && !name.contains("${{") => {
                    format!("{prefix}step {}", clean_name(name))
                }
                _ => {
                    let what = match kind {
                        StepKind::Task | StepKind::Checkout => {
                            format!("{key_name} {}", body.as_str().map_or("?", str::trim))
                        }
                        _ => key_name.to_owned(),
                    };
                    format!("{prefix}step {} ({what})", i + 1)
                }
            };
            out.push(Step {
                node,
                kind,
                body,
                subject,
            });
        }
        out
    }

    /// Every step of every job.
    pub(crate) fn steps(&self) -> impl Iterator<Item = &Step<'a>> {
        self.jobs.iter().flat_map(|j| j.steps.iter())
    }

    /// Whether pull requests trigger this pipeline explicitly.
    pub(crate) fn pr_enabled(&self) -> bool {
        matches!(self.pr, PrTrigger::Enabled)
    }

    /// Variables defined in the file: `(subject prefix, name node, value node)`.
    /// Both the mapping form and the list form (`- name: x`, `value: y`).
    pub(crate) fn defined_variables(&self) -> Vec<(&str, &'a Node, &'a Node)> {
        let mut out = Vec::new();
        for (prefix, block) in &self.variables {
            if block.as_map().is_some() {
                for (k, v) in entries(block) {
                    out.push((prefix.as_str(), k, v));
                }
            } else {
                for item in items(block) {
                    if let (Some((_, name)), Some(value)) = (item.entry("name"), item.get("value")) {
                        out.push((prefix.as_str(), name, value));
                    }
                }
            }
        }
        out
    }

    /// Variable groups linked in the file: `(subject prefix, group name node)`.
    pub(crate) fn variable_groups(&self) -> Vec<(&str, &'a Node)> {
        let mut out = Vec::new();
        for (prefix, block) in &self.variables {
            for item in items(block) {
                if let Some(group) = item.get("group") {
                    out.push((prefix.as_str(), group));
                }
            }
        }
        out
    }
}

impl<'a> Step<'a> {
    /// Inline script text of the step: the body of `script`/`bash`/`pwsh`/
    /// `powershell`, or a task's inline script input.
    pub(crate) fn inline_scripts(&self) -> Vec<&'a Node> {
        match self.kind {
            StepKind::Script => vec![self.body],
            StepKind::Task => {
                let Some(inputs) = self.node.get("inputs") else {
                    return Vec::new();
                };
                INLINE_SCRIPT_INPUTS
                    .iter()
                    .filter_map(|k| inputs.entry_ignore_case(k).map(|(_, v)| v))
                    .filter(|v| v.as_str().is_some())
                    .collect()
            }
            _ => Vec::new(),
        }
    }

    /// The task name without its version (`Bash` for `Bash@3`).
    pub(crate) fn task_name(&self) -> Option<&'a str> {
        if self.kind != StepKind::Task {
            return None;
        }
        let task = self.body.as_str()?.trim();
        Some(task.split_once('@').map_or(task, |(n, _)| n))
    }

    /// Entries of the step's `env` mapping.
    pub(crate) fn env(&self) -> Vec<(&'a Node, &'a Node)> {
        self.node.get("env").map(entries).unwrap_or_default()
    }
}

impl<'a> Pipeline<'a> {
    /// Container images the pipeline runs in: job `container`, job
    /// `services` and `resources.containers`. Yields `(subject, image node)`;
    /// a job `container` naming a container resource is left to the resource.
    pub(crate) fn container_images(&self) -> Vec<(String, &'a Node)> {
        let mut out = Vec::new();
        let mut aliases = Vec::new();
        if let Some(containers) = self.root.get("resources").and_then(|r| r.get("containers")) {
            for c in items(containers) {
                let alias = c.str_at("container").unwrap_or("?");
                aliases.push(alias.trim());
                if let Some(image) = c.get("image") {
                    out.push((format!("resources/containers/{}", clean_name(alias)), image));
                }
            }
        }
        for job in &self.jobs {
            if let Some(container) = job.node.get("container") {
                let image = container.get("image").unwrap_or(container);
                if image.as_str().is_some_and(|i| !aliases.contains(&i.trim())) {
                    out.push((format!("{}container", job.prefix), image));
                }
            }
            if let Some(services) = job.node.get("services") {
                for (k, v) in entries(services) {
                    if v.as_str().is_some_and(|i| !aliases.contains(&i.trim())) {
                        let name = k.as_str().map_or_else(|| "?".to_owned(), clean_name);
                        out.push((format!("{}services/{name}", job.prefix), v));
                    }
                }
            }
        }
        out
    }
}

/// An image reference split into its parts, when it is a literal (not a
/// macro or template expression).
pub(crate) struct ImageRef<'a> {
    /// The tag, when one is written (`latest`, `8.0`).
    pub(crate) tag: Option<&'a str>,
    pub(crate) has_digest: bool,
}

pub(crate) fn parse_image(image: &str) -> Option<ImageRef<'_>> {
    let image = image.trim();
    if image.is_empty() || image.contains("$(") || image.contains("${{") || image.contains("$[") {
        return None;
    }
    let (name, digest) = match image.split_once('@') {
        Some((n, d)) => (n, Some(d)),
        None => (image, None),
    };
    let last = name.rsplit('/').next().unwrap_or(name);
    let tag = last.split_once(':').map(|(_, t)| t).filter(|t| !t.is_empty());
    Some(ImageRef {
        tag,
        has_digest: digest.is_some_and(|d| d.contains(':')),
    })
}

/// What kind of step a sequence item is, by its first recognized key.
fn step_kind(node: &Node) -> Option<(StepKind, &Node, &Node)> {
    for (k, v) in entries(node) {
        let Some(key) = k.as_str() else { continue };
        let kind = if SCRIPT_KEYS.contains(&key) {
            StepKind::Script
        } else if key == "task" {
            StepKind::Task
        } else if key == "checkout" {
            StepKind::Checkout
        } else if OTHER_KEYS.contains(&key) {
            StepKind::Other
        } else {
            continue;
        };
        return Some((kind, k, v));
    }
    None
}

/// A name fit for a subject: trimmed, first line only, control characters
/// replaced, at most 80 characters.
pub(crate) fn clean_name(name: &str) -> String {
    let name = name.trim();
    let line = name.lines().next().unwrap_or_default();
    line.chars()
        .take(80)
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect()
}
