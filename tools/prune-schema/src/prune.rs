//! GitHub's published GraphQL schema pruned to what checkgate's queries
//! reach: the types and fields they select, the arguments they pass, every
//! possible type of an interface or union they select from (so a
//! `__typename` GitHub may send always decodes), and the input types and
//! enums those need. Descriptions and directives other than `@deprecated`
//! are dropped. The result is what `src/github/graphql/schema.graphql`
//! must hold, byte for byte.

use std::collections::{BTreeMap, BTreeSet};

use apollo_compiler::ast::Type;
use apollo_compiler::executable::{Selection, SelectionSet};
use apollo_compiler::schema::ExtendedType;
use apollo_compiler::validation::Valid;
use apollo_compiler::{ExecutableDocument, Name, Schema};

/// Fields used per type, and the arguments used per field.
#[derive(Default)]
struct Used {
    fields: BTreeMap<String, BTreeMap<String, BTreeSet<String>>>,
    types: BTreeSet<String>,
}

fn named(ty: &Type) -> String {
    ty.inner_named_type().to_string()
}

fn walk(doc: &Valid<ExecutableDocument>, set: &SelectionSet, used: &mut Used, seen: &mut BTreeSet<String>) {
    used.types.insert(set.ty.to_string());
    for selection in &set.selections {
        match selection {
            Selection::Field(f) => {
                if f.name.starts_with("__") {
                    continue;
                }
                let args = used
                    .fields
                    .entry(set.ty.to_string())
                    .or_default()
                    .entry(f.name.to_string())
                    .or_default();
                args.extend(f.arguments.iter().map(|a| a.name.to_string()));
                used.types.insert(named(&f.definition.ty));
                walk(doc, &f.selection_set, used, seen);
            }
            Selection::InlineFragment(i) => walk(doc, &i.selection_set, used, seen),
            Selection::FragmentSpread(s) => {
                if seen.insert(s.fragment_name.to_string())
                    && let Some(fragment) = doc.fragments.get(&s.fragment_name)
                {
                    walk(doc, &fragment.selection_set, used, seen);
                }
            }
        }
    }
}

/// Every type the pruned schema keeps, closed over what each kept piece refers to.
fn closure(full: &Schema, used: &mut Used) {
    let mut queue: Vec<String> = used.types.iter().cloned().collect();
    let mut kept = BTreeSet::new();
    while let Some(name) = queue.pop() {
        if !kept.insert(name.clone()) {
            continue;
        }
        let Some(ty) = full.types.get(name.as_str()) else {
            continue;
        };
        match ty {
            ExtendedType::Object(o) => {
                let fields = used.fields.entry(name.clone()).or_default();
                if fields.is_empty() {
                    // A possible type that nothing selects from still needs a field.
                    // A scalar or enum one when there is one, else the first.
                    let leaf = o.fields.iter().find(|(_, d)| {
                        full.types
                            .get(d.ty.inner_named_type())
                            .is_some_and(|t| t.is_scalar() || t.is_enum())
                    });
                    if let Some((f, _)) = leaf.or_else(|| o.fields.iter().next()) {
                        fields.insert(f.to_string(), BTreeSet::new());
                    }
                }
                for f in fields.keys() {
                    if let Some(d) = o.fields.get(f.as_str()) {
                        queue.push(named(&d.ty));
                    }
                }
                for (f, args) in fields.iter() {
                    let Some(d) = o.fields.get(f.as_str()) else { continue };
                    for a in d.arguments.iter().filter(|a| args.contains(a.name.as_str())) {
                        queue.push(named(&a.ty));
                    }
                }
            }
            ExtendedType::Interface(i) => {
                for o in full
                    .implementers_map()
                    .get(i.name.as_str())
                    .into_iter()
                    .flat_map(|m| m.objects.iter())
                {
                    queue.push(o.to_string());
                }
                let fields: Vec<(String, BTreeSet<String>)> = used
                    .fields
                    .get(&name)
                    .map(|m| m.iter().map(|(k, v)| (k.clone(), v.clone())).collect())
                    .unwrap_or_default();
                for (f, args) in &fields {
                    if let Some(d) = i.fields.get(f.as_str()) {
                        queue.push(named(&d.ty));
                        for a in d.arguments.iter().filter(|a| args.contains(a.name.as_str())) {
                            queue.push(named(&a.ty));
                        }
                    }
                    // Every implementer must declare the interface's fields.
                    for o in full
                        .implementers_map()
                        .get(i.name.as_str())
                        .into_iter()
                        .flat_map(|m| m.iter())
                    {
                        let e = used
                            .fields
                            .entry(o.to_string())
                            .or_default()
                            .entry(f.clone())
                            .or_default();
                        e.extend(args.iter().cloned());
                        // Revisit implementers already kept.
                        if kept.contains(o.as_str()) {
                            kept.remove(o.as_str());
                            queue.push(o.to_string());
                        }
                    }
                }
            }
            ExtendedType::Union(u) => {
                for m in &u.members {
                    queue.push(m.to_string());
                }
            }
            ExtendedType::InputObject(i) => {
                for f in i.fields.values() {
                    queue.push(named(&f.ty));
                }
            }
            ExtendedType::Enum(_) | ExtendedType::Scalar(_) => {}
        }
    }
    used.types = kept;
}

/// The pruned schema's text for `queries` (one executable document).
pub fn prune(full: &Valid<Schema>, queries: &str) -> String {
    let doc = ExecutableDocument::parse_and_validate(full, queries, "queries.graphql")
        .unwrap_or_else(|e| panic!("the queries break GitHub's published schema:\n{}", e.errors));
    let mut used = Used::default();
    let mut seen = BTreeSet::new();
    for op in doc.operations.iter() {
        for v in &op.variables {
            used.types.insert(named(&v.ty));
        }
        walk(&doc, &op.selection_set, &mut used, &mut seen);
    }
    closure(full, &mut used);

    let mut pruned: Schema = full.clone().into_inner();
    let keep_directive = |d: &apollo_compiler::ast::Directive| d.name == "deprecated";
    pruned.directive_definitions.retain(|_, d| d.is_built_in());
    {
        let def = pruned.schema_definition.make_mut();
        def.mutation = None;
        def.subscription = None;
        def.description = None;
    }
    pruned
        .types
        .retain(|name, ty| ty.is_built_in() || used.types.contains(name.as_str()));
    let kept = used.types.clone();
    let keep_iface = |n: &Name| kept.contains(n.as_str());
    for (name, ty) in pruned.types.iter_mut() {
        if ty.is_built_in() {
            continue;
        }
        let fields = used.fields.get(name.as_str()).cloned().unwrap_or_default();
        let prune_fields = |map: &mut apollo_compiler::collections::IndexMap<
            Name,
            apollo_compiler::schema::Component<apollo_compiler::schema::FieldDefinition>,
        >| {
            map.retain(|f, _| fields.contains_key(f.as_str()));
            for (f, d) in map.iter_mut() {
                let args = &fields[f.as_str()];
                let d = d.make_mut();
                d.description = None;
                d.arguments.retain(|a| args.contains(a.name.as_str()));
                for a in d.arguments.iter_mut() {
                    let a = a.make_mut();
                    a.description = None;
                    a.directives.retain(|x| keep_directive(x));
                }
                d.directives.retain(|x| keep_directive(x));
            }
        };
        match ty {
            ExtendedType::Object(o) => {
                let o = o.make_mut();
                o.description = None;
                o.directives.0.clear();
                o.implements_interfaces.retain(|i| keep_iface(i));
                prune_fields(&mut o.fields);
            }
            ExtendedType::Interface(i) => {
                let i = i.make_mut();
                i.description = None;
                i.directives.0.clear();
                i.implements_interfaces.retain(|x| keep_iface(x));
                prune_fields(&mut i.fields);
            }
            ExtendedType::Union(u) => {
                let u = u.make_mut();
                u.description = None;
                u.directives.0.clear();
            }
            ExtendedType::Enum(e) => {
                let e = e.make_mut();
                e.description = None;
                e.directives.0.clear();
                for v in e.values.values_mut() {
                    let v = v.make_mut();
                    v.description = None;
                    v.directives.retain(|x| keep_directive(x));
                }
            }
            ExtendedType::InputObject(i) => {
                let i = i.make_mut();
                i.description = None;
                i.directives.0.clear();
                for f in i.fields.values_mut() {
                    let f = f.make_mut();
                    f.description = None;
                    f.directives.retain(|x| keep_directive(x));
                }
            }
            ExtendedType::Scalar(s) => {
                let s = s.make_mut();
                s.description = None;
                s.directives.0.clear();
            }
        }
    }
    let text = format!(
        "# GitHub's GraphQL schema (@octokit/graphql-schema 15.26.1), pruned to what\n\
         # queries.graphql reaches. Generated by tests/graphql_schema.rs: do not edit.\n\n{pruned}"
    );
    Schema::parse_and_validate(&text, "schema.graphql")
        .unwrap_or_else(|e| panic!("the pruned schema is not valid:\n{}", e.errors));
    text
}

/// GitHub's published schema. It declares two fields of
/// `EnterpriseOwnerInfo` twice, which apollo-compiler rejects; duplicate
/// fields of that type are the only error tolerated (the first declaration
/// is kept), and checkgate reads nothing of it.
pub fn load_published(text: &str) -> Valid<Schema> {
    match Schema::parse_and_validate(text, "schema.graphql") {
        Ok(schema) => schema,
        Err(e) => {
            let others: Vec<String> = e
                .errors
                .iter()
                .map(|d| d.error.to_string())
                .filter(|m| {
                    !(m.starts_with("duplicate definitions for the `")
                        && m.ends_with("field of object type `EnterpriseOwnerInfo`"))
                })
                .collect();
            assert!(others.is_empty(), "GitHub's schema does not parse: {others:?}");
            Valid::assume_valid(e.partial)
        }
    }
}
