//! Work item tracking: a small WIQL subset and work items by id.

use std::cmp::Ordering;

use axum::http::StatusCode;
use axum::response::Response;
use serde_json::{Value, json};

use super::{FIXED_DATE, org_of, project_of};
use crate::error::{AdoError, AdoResult};
use crate::fixture::{Project, WorkItem};
use crate::server::{Ctx, SimState, json_response, list_response};

fn wiql_error(detail: &str) -> AdoError {
    AdoError::new(
        StatusCode::BAD_REQUEST,
        "WorkItemTrackingQueryParseException",
        format!("TF51005: The query references a construct that is not supported: {detail}"),
    )
}

#[derive(Debug, Clone, PartialEq)]
enum Tok {
    Field(String),
    Word(String),
    Str(String),
    Macro(String),
    Op(&'static str),
    Comma,
}

fn tokenize(q: &str) -> AdoResult<Vec<Tok>> {
    let chars: Vec<char> = q.chars().collect();
    let mut out = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        match c {
            c if c.is_whitespace() => i += 1,
            '[' => {
                let end = chars[i..]
                    .iter()
                    .position(|&x| x == ']')
                    .ok_or_else(|| wiql_error("unterminated field"))?;
                out.push(Tok::Field(chars[i + 1..i + end].iter().collect()));
                i += end + 1;
            }
            '\'' => {
                let mut s = String::new();
                i += 1;
                loop {
                    match chars.get(i) {
                        None => return Err(wiql_error("unterminated string")),
                        Some('\'') if chars.get(i + 1) == Some(&'\'') => {
                            s.push('\'');
                            i += 2;
                        }
                        Some('\'') => {
                            i += 1;
                            break;
                        }
                        Some(&ch) => {
                            s.push(ch);
                            i += 1;
                        }
                    }
                }
                out.push(Tok::Str(s));
            }
            '@' => {
                let end = chars[i + 1..]
                    .iter()
                    .position(|x| !x.is_alphanumeric())
                    .map_or(chars.len(), |e| i + 1 + e);
                out.push(Tok::Macro(
                    chars[i + 1..end].iter().collect::<String>().to_ascii_lowercase(),
                ));
                i = end;
            }
            '=' => {
                out.push(Tok::Op("="));
                i += 1;
            }
            '<' if chars.get(i + 1) == Some(&'>') => {
                out.push(Tok::Op("<>"));
                i += 2;
            }
            ',' => {
                out.push(Tok::Comma);
                i += 1;
            }
            c if c.is_alphanumeric() || c == '.' || c == '_' || c == '-' => {
                let end = chars[i..]
                    .iter()
                    .position(|x| !(x.is_alphanumeric() || *x == '.' || *x == '_' || *x == '-'))
                    .map_or(chars.len(), |e| i + e);
                out.push(Tok::Word(chars[i..end].iter().collect()));
                i = end;
            }
            other => return Err(wiql_error(&format!("unexpected character '{other}'"))),
        }
    }
    Ok(out)
}

fn field_name(f: &str) -> String {
    if f.contains('.') {
        f.to_string()
    } else {
        format!("System.{}", f.replace(' ', ""))
    }
}

#[derive(Debug)]
struct Cond {
    field: String,
    op: &'static str,
    value: String,
}

#[derive(Debug)]
struct Query {
    columns: Vec<String>,
    conds: Vec<Cond>,
    order: Vec<(String, bool)>,
}

fn is_kw(t: Option<&Tok>, kw: &str) -> bool {
    matches!(t, Some(Tok::Word(w)) if w.eq_ignore_ascii_case(kw))
}

fn parse(q: &str, project: &str, me: &str) -> AdoResult<Query> {
    let toks = tokenize(q)?;
    let mut i = 0;
    if !is_kw(toks.first(), "select") {
        return Err(wiql_error("expected SELECT"));
    }
    i += 1;
    let mut columns = Vec::new();
    loop {
        match toks.get(i) {
            Some(Tok::Field(f)) => columns.push(field_name(f)),
            _ => return Err(wiql_error("expected a field list")),
        }
        i += 1;
        if toks.get(i) == Some(&Tok::Comma) {
            i += 1;
        } else {
            break;
        }
    }
    if !is_kw(toks.get(i), "from") || !is_kw(toks.get(i + 1), "workitems") {
        return Err(wiql_error("expected FROM WorkItems"));
    }
    i += 2;
    let mut conds = Vec::new();
    if is_kw(toks.get(i), "where") {
        i += 1;
        loop {
            let Some(Tok::Field(f)) = toks.get(i) else {
                return Err(wiql_error("expected a field"));
            };
            let op = match toks.get(i + 1) {
                Some(Tok::Op(o)) => *o,
                Some(Tok::Word(w)) if w.eq_ignore_ascii_case("contains") => "contains",
                _ => return Err(wiql_error("expected =, <> or CONTAINS")),
            };
            let value = match toks.get(i + 2) {
                Some(Tok::Str(s) | Tok::Word(s)) => s.clone(),
                Some(Tok::Macro(m)) if m == "project" => project.to_string(),
                Some(Tok::Macro(m)) if m == "me" => me.to_string(),
                _ => return Err(wiql_error("expected a value")),
            };
            conds.push(Cond {
                field: field_name(f),
                op,
                value,
            });
            i += 3;
            if is_kw(toks.get(i), "and") {
                i += 1;
            } else {
                break;
            }
        }
    }
    let mut order = Vec::new();
    if is_kw(toks.get(i), "order") {
        if !is_kw(toks.get(i + 1), "by") {
            return Err(wiql_error("expected ORDER BY"));
        }
        i += 2;
        loop {
            let Some(Tok::Field(f)) = toks.get(i) else {
                return Err(wiql_error("expected a sort field"));
            };
            i += 1;
            let mut desc = false;
            if is_kw(toks.get(i), "desc") {
                desc = true;
                i += 1;
            } else if is_kw(toks.get(i), "asc") {
                i += 1;
            }
            order.push((field_name(f), desc));
            if toks.get(i) == Some(&Tok::Comma) {
                i += 1;
            } else {
                break;
            }
        }
    }
    if i != toks.len() {
        return Err(wiql_error("unexpected text after the query"));
    }
    Ok(Query {
        columns,
        conds,
        order,
    })
}

fn field_text(v: Option<&Value>) -> String {
    match v {
        None | Some(Value::Null) => String::new(),
        Some(Value::String(s)) => s.clone(),
        Some(Value::Object(o)) => o
            .get("uniqueName")
            .or_else(|| o.get("displayName"))
            .map(|x| field_text(Some(x)))
            .unwrap_or_default(),
        Some(other) => other.to_string(),
    }
}

/// The fields of a work item as served (defaults filled).
fn fields_of(p: &Project, wi: &WorkItem) -> serde_json::Map<String, Value> {
    let mut m: serde_json::Map<String, Value> =
        wi.fields.iter().map(|(k, v)| (k.clone(), v.clone())).collect();
    m.insert("System.TeamProject".into(), json!(p.name));
    m.entry("System.AreaPath").or_insert_with(|| json!(p.name));
    m.entry("System.IterationPath").or_insert_with(|| json!(p.name));
    m.entry("System.WorkItemType").or_insert_with(|| json!("Task"));
    m.entry("System.State").or_insert_with(|| json!("New"));
    m.entry("System.CreatedDate").or_insert_with(|| json!(FIXED_DATE));
    m.entry("System.ChangedDate").or_insert_with(|| json!(FIXED_DATE));
    m
}

fn compare(a: &str, b: &str) -> Ordering {
    match (a.parse::<f64>(), b.parse::<f64>()) {
        (Ok(x), Ok(y)) => x.partial_cmp(&y).unwrap_or(Ordering::Equal),
        _ => a.to_ascii_lowercase().cmp(&b.to_ascii_lowercase()),
    }
}

pub(crate) fn wiql(state: &SimState, ctx: &Ctx) -> AdoResult<Response> {
    let body: Value = serde_json::from_slice(&ctx.body)
        .map_err(|_| AdoError::bad_request("VS402904: The request body is not valid JSON or is missing."))?;
    let text = body
        .get("query")
        .and_then(Value::as_str)
        .ok_or_else(|| wiql_error("missing query"))?;
    if text.len() > 32 * 1024 {
        return Err(wiql_error("query too long"));
    }
    let estate = state.estate();
    let (org, p) = project_of(&estate, ctx)?;
    let q = parse(text, &p.name, &ctx.identity.user.email)?;
    let top = ctx.q_usize("$top")?.unwrap_or(20_000);
    let mut rows: Vec<(i64, serde_json::Map<String, Value>)> = Vec::new();
    for proj in org
        .projects
        .iter()
        .filter(|x| ctx.identity.can_see_project(&x.name))
    {
        for wi in &proj.work_items {
            let mut f = fields_of(proj, wi);
            f.insert("System.Id".into(), json!(wi.id));
            let ok = q.conds.iter().all(|c| {
                let have = field_text(f.get(&c.field));
                match c.op {
                    "=" => have.eq_ignore_ascii_case(&c.value),
                    "<>" => !have.eq_ignore_ascii_case(&c.value),
                    _ => have.to_ascii_lowercase().contains(&c.value.to_ascii_lowercase()),
                }
            });
            if ok {
                rows.push((wi.id, f));
            }
        }
    }
    rows.sort_by(|(ia, a), (ib, b)| {
        for (field, desc) in &q.order {
            let o = compare(&field_text(a.get(field)), &field_text(b.get(field)));
            let o = if *desc { o.reverse() } else { o };
            if o != Ordering::Equal {
                return o;
            }
        }
        ia.cmp(ib)
    });
    let field_url = |f: &str| format!("{}/_apis/wit/fields/{f}", ctx.base);
    let short = |f: &str| f.rsplit('.').next().unwrap_or(f).to_string();
    let v = json!({
        "queryType": "flat",
        "queryResultType": "workItem",
        "asOf": chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Millis, true),
        "columns": q.columns.iter().map(|c| json!({"referenceName": c, "name": short(c), "url": field_url(c)})).collect::<Vec<_>>(),
        "sortColumns": q.order.iter().map(|(c, d)| json!({"field": {"referenceName": c, "name": short(c), "url": field_url(c)}, "descending": d})).collect::<Vec<_>>(),
        "workItems": rows.iter().take(top).map(|(id, _)| json!({"id": id, "url": format!("{}/_apis/wit/workItems/{id}", ctx.base)})).collect::<Vec<_>>(),
    });
    Ok(json_response(&v))
}

pub(crate) fn work_items(state: &SimState, ctx: &Ctx) -> AdoResult<Response> {
    let ids_raw = ctx
        .q("ids")
        .filter(|s| !s.trim().is_empty())
        .ok_or_else(|| AdoError::bad_param("ids"))?;
    let ids: Vec<i64> = ids_raw
        .split(',')
        .map(|x| {
            x.trim()
                .parse::<i64>()
                .ok()
                .filter(|n| *n > 0)
                .ok_or_else(|| AdoError::bad_param("ids"))
        })
        .collect::<AdoResult<_>>()?;
    if ids.len() > 200 {
        return Err(AdoError::bad_request(
            "VS402337: The number of work items requested exceeds the limit of 200.",
        ));
    }
    let wanted: Option<Vec<String>> = ctx.q("fields").map(|f| {
        f.split(',')
            .map(|x| x.trim().to_string())
            .filter(|x| !x.is_empty())
            .collect()
    });
    let omit = ctx
        .q("errorPolicy")
        .is_some_and(|e| e.eq_ignore_ascii_case("omit"));
    let estate = state.estate();
    let org = org_of(&estate, ctx)?;
    let mut items = Vec::new();
    for id in ids {
        let found = org
            .projects
            .iter()
            .filter(|p| ctx.identity.can_see_project(&p.name))
            .find_map(|p| p.work_items.iter().find(|w| w.id == id).map(|w| (p, w)));
        match found {
            Some((p, wi)) => {
                let mut f = fields_of(p, wi);
                if let Some(w) = &wanted {
                    f.retain(|k, _| w.iter().any(|x| x.eq_ignore_ascii_case(k)));
                }
                items.push(json!({
                    "id": wi.id,
                    "rev": wi.rev.unwrap_or(1),
                    "fields": f,
                    "url": format!("{}/_apis/wit/workItems/{}", ctx.base, wi.id),
                }));
            }
            None if omit => items.push(Value::Null),
            None => {
                return Err(AdoError::new(
                    StatusCode::NOT_FOUND,
                    "WorkItemUnauthorizedAccessException",
                    format!(
                        "TF401232: Work item {id} does not exist, or you do not have permissions to read it."
                    ),
                ));
            }
        }
    }
    Ok(list_response(items, None))
}
