//! Completes the generated OpenAPI document so a standard tester can drive
//! it: every path parameter declared (UUIDs), every error answer documented
//! as problem+json. Done once here rather than repeated on 70 handlers.

use utoipa::openapi::path::{Operation, ParameterBuilder, ParameterIn};
use utoipa::openapi::schema::{KnownFormat, ObjectBuilder, SchemaFormat, Type};
use utoipa::openapi::{ContentBuilder, OpenApi, Ref, RefOr, Required, ResponseBuilder};

/// Error answers any operation may give (sign-in, role, unknown id, stale
/// version or duplicate, invalid input, body too large).
const ERRORS: &[(&str, &str)] = &[
    ("401", "No or unknown credentials"),
    (
        "403",
        "The role may not do this, or beyond authority; `detail` says why",
    ),
    ("404", "Unknown id (a malformed id is simply unknown)"),
    ("409", "Changed since read, a duplicate, or already done"),
    ("413", "The body is larger than 2 MB"),
    ("422", "Invalid input; `field` names it"),
];

const PROBLEM: &str = "application/problem+json";

pub struct Complete;

impl utoipa::Modify for Complete {
    fn modify(&self, api: &mut OpenApi) {
        let mut seen = std::collections::BTreeMap::<String, usize>::new();
        for item in api.paths.paths.values() {
            for op in operations(item) {
                if let Some(id) = &op.operation_id {
                    *seen.entry(id.clone()).or_default() += 1;
                }
            }
        }
        for (path, item) in api.paths.paths.iter_mut() {
            let names: Vec<String> = path
                .split('/')
                .filter_map(|s| s.strip_prefix('{')?.strip_suffix('}'))
                .map(str::to_string)
                .collect();
            for op in [
                &mut item.get,
                &mut item.post,
                &mut item.put,
                &mut item.patch,
                &mut item.delete,
            ]
            .into_iter()
            .flatten()
            {
                declare_path_params(op, &names);
                document_errors(op);
                unique_id(op, &seen);
            }
        }
    }
}

fn operations(item: &utoipa::openapi::path::PathItem) -> impl Iterator<Item = &Operation> {
    [&item.get, &item.post, &item.put, &item.patch, &item.delete]
        .into_iter()
        .flatten()
}

/// Operation ids are the handlers' names, which repeat across modules
/// (`get`, `inbox`): a repeated one gets its tag in front (`cases_get`).
fn unique_id(op: &mut Operation, seen: &std::collections::BTreeMap<String, usize>) {
    let Some(id) = op.operation_id.clone() else {
        return;
    };
    if seen.get(&id).copied().unwrap_or(0) > 1 {
        let tag = op
            .tags
            .as_ref()
            .and_then(|t| t.first())
            .cloned()
            .unwrap_or_default();
        op.operation_id = Some(format!("{tag}_{id}"));
    }
}

fn declare_path_params(op: &mut Operation, names: &[String]) {
    let params = op.parameters.get_or_insert_with(Vec::new);
    for n in names {
        let declared = params.iter().any(
            |p| matches!(p, RefOr::T(p) if p.name == *n && p.parameter_in == ParameterIn::Path),
        );
        if !declared {
            params.push(RefOr::T(
                ParameterBuilder::new()
                    .name(n)
                    .parameter_in(ParameterIn::Path)
                    .required(Required::True)
                    .description(Some("An id (UUID)"))
                    .schema(Some(
                        ObjectBuilder::new()
                            .schema_type(Type::String)
                            .format(Some(SchemaFormat::KnownFormat(KnownFormat::Uuid))),
                    ))
                    .build(),
            ));
        }
    }
}

fn document_errors(op: &mut Operation) {
    for (code, response) in op.responses.responses.iter_mut() {
        // Errors are problem+json, whatever the handler's annotation said.
        if (code.starts_with('4') || code.starts_with('5'))
            && let RefOr::T(r) = response
            && let Some(c) = r.content.shift_remove("application/json")
        {
            r.content.insert(PROBLEM.to_string(), c);
        }
    }
    for (code, description) in ERRORS {
        op.responses
            .responses
            .entry((*code).to_string())
            .or_insert_with(|| {
                RefOr::T(
                    ResponseBuilder::new()
                        .description(*description)
                        .content(
                            PROBLEM,
                            ContentBuilder::new()
                                .schema(Some(Ref::from_schema_name("Problem")))
                                .build(),
                        )
                        .build(),
                )
            });
    }
}
