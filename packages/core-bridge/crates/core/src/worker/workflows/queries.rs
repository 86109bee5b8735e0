//! Queries: the activation job for a query and the answers lang gave.
use super::*;

pub(super) fn query_job(id: String, q: WorkflowQuery) -> QueryWorkflow {
    QueryWorkflow {
        query_id: id,
        query_type: q.query_type,
        arguments: q.query_args.map(|p| p.payloads).unwrap_or_default(),
        headers: q.header.map(|h| h.fields).unwrap_or_default(),
    }
}

pub(super) fn query_answers(status: Status) -> HashMap<String, WorkflowQueryResult> {
    let mut out = HashMap::new();
    match status {
        Status::Successful(s) => {
            for c in s.commands {
                if let Some(crate::protos::kairos::core::commands::workflow_command::Variant::RespondToQuery(
                    QueryResult { query_id, variant },
                )) = c.variant
                {
                    let r = match variant {
                        Some(query_result::Variant::Succeeded(ok)) => WorkflowQueryResult {
                            result_type: QueryResultType::Answered as i32,
                            answer: ok.response.map(|p| Payloads { payloads: vec![p] }),
                            ..Default::default()
                        },
                        Some(query_result::Variant::Failed(f)) => WorkflowQueryResult {
                            result_type: QueryResultType::Failed as i32,
                            error_message: f.message.clone(),
                            failure: Some(f),
                            ..Default::default()
                        },
                        None => WorkflowQueryResult {
                            result_type: QueryResultType::Failed as i32,
                            error_message: "query answer had no result".into(),
                            ..Default::default()
                        },
                    };
                    out.insert(query_id, r);
                }
            }
        }
        Status::Failed(f) => {
            let msg = f.failure.as_ref().map(|x| x.message.clone()).unwrap_or_default();
            out.insert(
                LEGACY_QUERY_ID.to_string(),
                WorkflowQueryResult {
                    result_type: QueryResultType::Failed as i32,
                    error_message: msg,
                    failure: f.failure,
                    ..Default::default()
                },
            );
        }
    }
    out
}
