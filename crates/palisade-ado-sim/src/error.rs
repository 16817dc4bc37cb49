//! ADO's error body (the .NET `WrappedException` serialized as JSON).

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::json;

/// An error answered the way ADO does.
#[derive(Debug, Clone)]
pub struct AdoError {
    pub status: StatusCode,
    pub type_key: &'static str,
    pub namespace: &'static str,
    pub message: String,
    pub event_id: i64,
}

impl AdoError {
    pub fn new(status: StatusCode, type_key: &'static str, message: impl Into<String>) -> Self {
        Self {
            status,
            type_key,
            namespace: "Microsoft.VisualStudio.Services.WebApi",
            message: message.into(),
            event_id: 3000,
        }
    }

    fn ns(mut self, namespace: &'static str) -> Self {
        self.namespace = namespace;
        self
    }

    /// In the git server's namespace.
    pub(crate) fn git(self) -> Self {
        self.ns("Microsoft.TeamFoundation.Git.Server")
    }

    pub fn bad_request(message: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, "InvalidArgumentValueException", message)
            .ns("Microsoft.TeamFoundation.Core.WebApi")
    }

    pub fn bad_param(name: &str) -> Self {
        Self::bad_request(format!(
            "VS403343: The value specified for the parameter '{name}' is not valid."
        ))
    }

    pub fn project_not_found(project: &str) -> Self {
        Self::new(
            StatusCode::NOT_FOUND,
            "ProjectDoesNotExistWithNameException",
            format!(
                "TF200016: The following project does not exist: {project}. Verify that the name of the project is correct and that the project exists on the specified Azure DevOps Server."
            ),
        )
        .ns("Microsoft.TeamFoundation.Core.WebApi")
    }

    pub fn repo_not_found(repo: &str) -> Self {
        Self::new(
            StatusCode::NOT_FOUND,
            "GitRepositoryNotFoundException",
            format!(
                "TF401019: The Git repository with name or identifier {repo} does not exist or you do not have permissions for the operation you are attempting."
            ),
        )
        .ns("Microsoft.TeamFoundation.Git.Server")
    }

    pub fn not_found(message: impl Into<String>) -> Self {
        Self::new(StatusCode::NOT_FOUND, "NotFoundException", message)
    }

    /// No route for the path (ADO answers 404 with a VSS resource error).
    pub fn no_route(path: &str) -> Self {
        Self::new(
            StatusCode::NOT_FOUND,
            "VssResourceNotFoundException",
            format!("VS800075: The API resource location for '{path}' was not found on this server."),
        )
    }

    pub fn unauthorized(user: &str) -> Self {
        Self::new(
            StatusCode::UNAUTHORIZED,
            "UnauthorizedRequestException",
            format!("TF400813: The user '{user}' is not authorized to access this resource."),
        )
        .ns("Microsoft.TeamFoundation.Framework.Server")
    }

    pub fn version_missing(method: &str) -> Self {
        Self::new(
            StatusCode::BAD_REQUEST,
            "VssVersionNotSpecifiedException",
            format!(
                "VS800074: No api-version was supplied for the \"{method}\" request. The version must be supplied either as part of the Accept header (e.g. \"application/json; api-version=1.0\") or as a query parameter (e.g. \"?api-version=1.0\")."
            ),
        )
    }

    pub fn version_invalid(version: &str) -> Self {
        Self::new(
            StatusCode::BAD_REQUEST,
            "VssInvalidApiVersionException",
            format!("VS800019: The requested version \"{version}\" of the resource is not valid."),
        )
    }

    pub fn preview_required(version: &str) -> Self {
        Self::new(
            StatusCode::BAD_REQUEST,
            "VssInvalidPreviewVersionException",
            format!(
                "VS800030: The requested version \"{version}\" of the resource is under preview. The -preview flag must be supplied in the api-version for such requests. For example: \"{version}-preview\""
            ),
        )
    }

    pub fn version_out_of_range(requested: &str, max: &str) -> Self {
        Self::new(
            StatusCode::BAD_REQUEST,
            "VssVersionOutOfRangeException",
            format!(
                "The requested REST API version of {requested} is out of range for this server. The latest REST API version this server supports is {max}."
            ),
        )
    }

    pub fn throttled(retry_after: u64) -> (Self, u64) {
        let mut e = Self::new(
            StatusCode::TOO_MANY_REQUESTS,
            "RequestBlockedException",
            "TF400733: The request has been canceled: Request was blocked due to exceeding usage of resource 'Core' in namespace 'User'.",
        );
        e.event_id = 3000;
        (e, retry_after)
    }

    pub fn server_error(status: StatusCode) -> Self {
        Self::new(
            status,
            "VssServiceUnavailableException",
            "VS800048: The service is temporarily unavailable. Please try again later.",
        )
    }

    pub fn account_params_missing() -> Self {
        let mut e = Self::new(
            StatusCode::BAD_REQUEST,
            "AccountException",
            "Necessary parameters ownerId or memberId were not provided",
        )
        .ns("Microsoft.VisualStudio.Services.Account");
        e.event_id = 4236;
        e
    }

    /// The JSON body.
    pub fn body(&self) -> serde_json::Value {
        json!({
            "$id": "1",
            "innerException": null,
            "message": self.message,
            "typeName": format!("{ns}.{key}, {ns}", ns = self.namespace, key = self.type_key),
            "typeKey": self.type_key,
            "errorCode": 0,
            "eventId": self.event_id,
        })
    }
}

impl IntoResponse for AdoError {
    fn into_response(self) -> Response {
        let body = self.body().to_string();
        let mut resp = (self.status, body).into_response();
        resp.headers_mut().insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/json; charset=utf-8"),
        );
        resp
    }
}

/// Result of a REST handler.
pub type AdoResult<T> = Result<T, AdoError>;
