//! Organization settings that Azure DevOps exposes only to its own web UI, through the internal
//! contribution data providers (`POST {base}/_apis/Contribution/HierarchyQuery`).
//!
//! This is the one place that knows their request and answer shapes: when ADO changes them,
//! only this module breaks. Answers are read tolerantly (`dataProviders`, or the older `data`);
//! a provider that failed on the server side (`dataProviderExceptions`, e.g. the caller is not a
//! Project Collection Administrator) becomes [`AdoError::Forbidden`] with ADO's own message.

use std::collections::BTreeMap;

use reqwest::Method;
use serde_json::{Value, json};

use crate::client::{AdoClient, Endpoint};
use crate::error::AdoError;

/// `Policy.DisallowSecureShell`, ... (Organization settings > Policies).
pub(crate) const ORG_POLICIES: Provider = Provider {
    id: "ms.vss-org-web.collection-admin-policy-data-provider",
    pivot: "organizationPolicy",
    endpoint: Endpoint {
        name: "organization policies (data provider)",
        version: "5.0-preview.1",
        scope: None,
    },
};

/// `enforceJobAuthScope`, ... (Organization settings > Pipelines > Settings).
pub(crate) const ORG_PIPELINE_SETTINGS: Provider = Provider {
    id: "ms.vss-build-web.pipelines-org-settings-data-provider",
    pivot: "pipelinessettings",
    endpoint: Endpoint {
        name: "organization pipeline settings (data provider)",
        version: "5.0-preview.1",
        scope: None,
    },
};

/// One contribution data provider and the admin page that hosts it.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Provider {
    pub id: &'static str,
    /// `adminPivot` of the organization settings page.
    pub pivot: &'static str,
    pub endpoint: Endpoint,
}

impl AdoClient {
    /// The data one provider returns, as ADO's web UI asks for it.
    pub(crate) async fn data_provider(&self, p: &Provider) -> Result<Value, AdoError> {
        let url = self.url(&["_apis", "Contribution", "HierarchyQuery"]);
        let page = format!(
            "{}/_settings/{}",
            self.base_url().as_str().trim_end_matches('/'),
            p.pivot
        );
        let body = json!({
            "contributionIds": [p.id],
            "dataProviderContext": {"properties": {"sourcePage": {
                "url": page,
                "routeId": "ms.vss-admin-web.collection-admin-hub-route",
                "routeValues": {"adminPivot": p.pivot, "controller": "ContributedPage", "action": "Execute"},
            }}},
        });
        let reply = self
            .execute(&p.endpoint, Method::POST, &url, &[], Some(&body))
            .await?;
        let answer: Value = Self::parse(&p.endpoint, &reply.body)?;
        provider_data(&answer, p)
    }
}

/// The provider's entry of a `HierarchyQuery` answer, or why there is none.
fn provider_data(answer: &Value, p: &Provider) -> Result<Value, AdoError> {
    if let Some(ex) = answer
        .get("dataProviderExceptions")
        .and_then(|e| e.get(p.id))
        .filter(|e| !e.is_null())
    {
        let kind = ex.get("exceptionType").and_then(Value::as_str).unwrap_or("error");
        let message = ex
            .get("message")
            .and_then(Value::as_str)
            .unwrap_or("the data provider failed");
        return Err(AdoError::Forbidden {
            message: format!("{} refused by Azure DevOps ({kind}): {message}", p.endpoint.name),
        });
    }
    let data = answer
        .get("dataProviders")
        .or_else(|| answer.get("data"))
        .and_then(|d| d.get(p.id))
        .filter(|d| !d.is_null());
    data.cloned().ok_or_else(|| AdoError::MalformedResponse {
        endpoint: p.endpoint.name.to_owned(),
        detail: format!(
            "the answer has no data for {} (internal API changed, or not available on this server)",
            p.id
        ),
    })
}

/// Policy name to effective value, from `policies.{category}[].policy`.
pub(crate) fn policies(data: &Value) -> Result<BTreeMap<String, bool>, AdoError> {
    let Some(categories) = data.get("policies").and_then(Value::as_object) else {
        return Err(AdoError::MalformedResponse {
            endpoint: ORG_POLICIES.endpoint.name.to_owned(),
            detail: "no `policies` object".into(),
        });
    };
    let mut out = BTreeMap::new();
    for entry in categories.values().filter_map(Value::as_array).flatten() {
        let policy = entry.get("policy").unwrap_or(entry);
        let Some(name) = policy.get("name").and_then(Value::as_str) else {
            continue;
        };
        let value = policy
            .get("effectiveValue")
            .filter(|v| !v.is_null())
            .or_else(|| policy.get("value"))
            .and_then(as_flag);
        if let Some(v) = value {
            out.insert(name.to_owned(), v);
        }
    }
    Ok(out)
}

/// Setting name to value: the flat object's booleans (`"true"`/`"false"` strings accepted).
pub(crate) fn flags(data: &Value) -> Result<BTreeMap<String, bool>, AdoError> {
    let Some(obj) = data.as_object() else {
        return Err(AdoError::MalformedResponse {
            endpoint: ORG_PIPELINE_SETTINGS.endpoint.name.to_owned(),
            detail: "the settings are not an object".into(),
        });
    };
    Ok(obj
        .iter()
        .filter_map(|(k, v)| as_flag(v).map(|b| (k.clone(), b)))
        .collect())
}

fn as_flag(v: &Value) -> Option<bool> {
    match v {
        Value::Bool(b) => Some(*b),
        Value::String(s) if s.eq_ignore_ascii_case("true") => Some(true),
        Value::String(s) if s.eq_ignore_ascii_case("false") => Some(false),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn policies_are_read_from_every_category() {
        let answer = json!({"dataProviders": {ORG_POLICIES.id: {"policies": {
            "applicationConnection": [{"policy": {"name": "Policy.DisallowOAuthAuthentication", "value": false, "effectiveValue": true}}],
            "security": [{"policy": {"name": "Policy.AllowAnonymousAccess", "effectiveValue": false}}],
            "user": [{"policy": {"name": "Policy.AllowRequestAccessToken", "value": "true", "effectiveValue": null}}],
        }}}});
        let data = provider_data(&answer, &ORG_POLICIES).unwrap();
        let p = policies(&data).unwrap();
        assert!(p["Policy.DisallowOAuthAuthentication"], "effective value wins");
        assert!(!p["Policy.AllowAnonymousAccess"]);
        assert!(p["Policy.AllowRequestAccessToken"]);
    }

    #[test]
    fn a_provider_exception_is_a_refusal() {
        let answer = json!({
            "dataProviders": {ORG_PIPELINE_SETTINGS.id: null},
            "dataProviderExceptions": {ORG_PIPELINE_SETTINGS.id: {
                "exceptionType": "UnauthorizedAccessException", "message": "Access denied."}},
        });
        let err = provider_data(&answer, &ORG_PIPELINE_SETTINGS).unwrap_err();
        assert!(matches!(err, AdoError::Forbidden { .. }), "{err}");
        assert!(err.to_string().contains("UnauthorizedAccessException"), "{err}");
        let missing = provider_data(&json!({"dataProviders": {}}), &ORG_PIPELINE_SETTINGS).unwrap_err();
        assert!(matches!(missing, AdoError::MalformedResponse { .. }));
    }

    #[test]
    fn settings_keep_booleans_only() {
        let f =
            flags(&json!({"enforceJobAuthScope": true, "statusBadgesArePrivate": "false", "x": 3})).unwrap();
        assert_eq!(f.len(), 2);
        assert!(!f["statusBadgesArePrivate"]);
    }
}
