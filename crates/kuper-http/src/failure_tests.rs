//! A storage failure is answered by what it is: an unavailable database is a
//! 503 with Retry-After (waiting helps), anything else a 500 without one.
//! Either way Kuper's webhook is not acknowledged, so Kuper retries it.

use std::sync::Arc;

use actix_web::http::StatusCode;
use actix_web::{App, test};
use async_trait::async_trait;
use chrono::{DateTime, Utc};
use domain::{RepoError, SystemClock};
use orders::kuper::OutboxRow;
use orders::kuper::flow::KuperStatus;
use orders::kuper::states::OutboxState;
use orders::kuper::{
    ActError, Attention, EventOutcome, KuperInbox, KuperOrderView, KuperStaff, ReceivedEvent, StaffRequest,
};
use secrecy::SecretString;

use crate::{ListenerState, OperatorState, WebhookAuth, configure};

/// An inbox and staff whose every call fails with the same error.
#[derive(Debug)]
struct Failing(RepoError);

#[async_trait]
impl KuperInbox for Failing {
    async fn receive(&self, _: &ReceivedEvent) -> Result<EventOutcome, RepoError> {
        Err(self.0.clone())
    }
}

#[async_trait]
impl KuperStaff for Failing {
    async fn act(
        &self,
        _: &str,
        _: &StaffRequest,
        _: DateTime<Utc>,
    ) -> Result<Result<KuperStatus, ActError>, RepoError> {
        Err(self.0.clone())
    }
    async fn order(&self, _: &str) -> Result<Option<KuperOrderView>, RepoError> {
        Err(self.0.clone())
    }
    async fn attention(&self, _: i64) -> Result<Vec<Attention>, RepoError> {
        Err(self.0.clone())
    }
    async fn retry_notification(&self, _: i64) -> Result<bool, RepoError> {
        Err(self.0.clone())
    }
    async fn discard_notification(&self, _: i64) -> Result<bool, RepoError> {
        Err(self.0.clone())
    }
    async fn notifications(&self, _: OutboxState, _: i64) -> Result<Vec<OutboxRow>, RepoError> {
        Err(self.0.clone())
    }
}

const TOKEN: &str = "kuper-token";
const OPERATOR: &str = "operator-token";

/// (status, Retry-After) of a webhook and of an operator read.
async fn answers(error: RepoError) -> [(StatusCode, Option<String>); 2] {
    let failing = Arc::new(Failing(error));
    let listener = ListenerState {
        inbox: failing.clone(),
        auth: WebhookAuth::Bearer(SecretString::from(TOKEN)),
        clock: Arc::new(SystemClock),
        max_body_bytes: 1 << 20,
    };
    let operator = OperatorState {
        staff: failing,
        token: Some(SecretString::from(OPERATOR)),
        clock: Arc::new(SystemClock),
    };
    let app = test::init_service(App::new().configure(configure(listener, operator))).await;
    let webhook = test::TestRequest::post()
        .uri(crate::WEBHOOK_PATH)
        .insert_header(("Authorization", format!("Bearer {TOKEN}")))
        .set_json(serde_json::json!({
            "event_type": "order.paid",
            "timestamp": "2026-11-30T10:00:00Z",
            "payload": {"originalOrderId": "H1"}
        }))
        .to_request();
    let read = test::TestRequest::get()
        .uri("/operator/kuper/orders/H1")
        .insert_header(("Authorization", format!("Bearer {OPERATOR}")))
        .to_request();
    let mut out = Vec::new();
    for request in [webhook, read] {
        let response = test::call_service(&app, request).await;
        let retry_after =
            response.headers().get("Retry-After").and_then(|v| v.to_str().ok()).map(str::to_owned);
        out.push((response.status(), retry_after));
    }
    [out[0].clone(), out[1].clone()]
}

#[actix_web::test]
async fn an_unavailable_database_is_503_to_retry_after_anything_else_500() {
    let unavailable = (StatusCode::SERVICE_UNAVAILABLE, Some("5".to_owned()));
    let fault = (StatusCode::INTERNAL_SERVER_ERROR, None);
    let cases = [
        (RepoError::Unavailable("pool timed out".into()), unavailable.clone()),
        (RepoError::Corrupt { row: "kuper_orders H1".into(), detail: "bad status".into() }, fault.clone()),
        (RepoError::Conflict("a unique key".into()), fault.clone()),
        (RepoError::Failed("a constraint".into()), fault.clone()),
    ];
    for (error, expected) in cases {
        let what = error.to_string();
        assert_eq!(answers(error).await, [expected.clone(), expected], "{what}");
    }
}
