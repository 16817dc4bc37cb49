//! Arbitrary bytes as an Azure DevOps service-hook delivery (untrusted input
//! from the network): parsing never panics, and what is accepted holds only
//! values that are safe to pass on (GUID repository ids, 40-hex commit ids).
#![no_main]

use libfuzzer_sys::fuzz_target;
use palisade_ado::models::hooks::{ServiceHookEvent, ServiceHookPayload};

fn is_oid(s: &str) -> bool {
    s.len() == 40 && s.bytes().all(|b| b.is_ascii_hexdigit())
}

fuzz_target!(|data: &[u8]| {
    let Ok(event) = ServiceHookEvent::parse(data) else {
        return;
    };
    let _ = event.created_at_millis();
    match event.payload() {
        Ok(ServiceHookPayload::PullRequest(pr)) => {
            assert!(!pr.repository.id.is_empty());
            for c in [&pr.last_merge_source_commit, &pr.last_merge_target_commit].into_iter().flatten() {
                assert!(is_oid(c), "commit id {c:?}");
            }
            assert!(!pr.source_ref_name.starts_with('-'));
        }
        Ok(ServiceHookPayload::Push(push)) => {
            for u in &push.ref_updates {
                assert!(!u.name.starts_with('-'));
            }
        }
        Ok(ServiceHookPayload::Other(_)) | Err(_) => {}
    }
});
