//! `_apis/connectionData`: who the caller is, and where the org lives.

use axum::response::Response;
use serde_json::json;

use super::{descriptor, org_of};
use crate::error::AdoResult;
use crate::fixture::Deployment;
use crate::server::{Ctx, SimState, json_response};

pub(crate) fn connection_data(state: &SimState, ctx: &Ctx) -> AdoResult<Response> {
    let estate = state.estate();
    let org = org_of(&estate, ctx)?;
    let u = &ctx.identity.user;
    let id = u.id.unwrap_or_default().to_string();
    let user = json!({
        "id": id,
        "descriptor": format!("Microsoft.IdentityModel.Claims.ClaimsIdentity;{}\\{}", estate.tenant.unwrap_or_default(), u.email),
        "subjectDescriptor": descriptor(u),
        "providerDisplayName": u.display_name.clone().unwrap_or_else(|| u.name.clone()),
        "isActive": true,
        "properties": {"Account": {"$type": "System.String", "$value": u.email}},
        "resourceVersion": 2,
        "metaTypeId": 0,
    });
    let (deployment_type, deployment_id) = match org.deployment {
        Deployment::Services => ("hosted", crate::fixture::stable_id(&["deployment", "services"])),
        Deployment::Server => (
            "onPremises",
            crate::fixture::stable_id(&["deployment", &org.name]),
        ),
    };
    let v = json!({
        "authenticatedUser": user,
        "authorizedUser": user,
        "instanceId": org.guid().to_string(),
        "deploymentId": deployment_id.to_string(),
        "deploymentType": deployment_type,
        "locationServiceData": {
            "serviceOwner": "00025394-6065-48ca-87d9-7f5672854ef7",
            "defaultAccessMappingMoniker": "PublicAccessMapping",
            "lastChangeId": 1,
            "lastChangeId64": 1,
            "accessMappings": [{
                "displayName": "Public Access Mapping",
                "moniker": "PublicAccessMapping",
                "accessPoint": ctx.base,
                "serviceOwner": "00025394-6065-48ca-87d9-7f5672854ef7",
                "virtualDirectory": "",
            }],
        },
    });
    Ok(json_response(&v))
}
