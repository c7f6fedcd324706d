//! The pruned schema the GraphQL client is built against
//! (`src/github/graphql/schema.graphql`) is GitHub's published schema,
//! pruned to what `queries.graphql` reaches, byte for byte. The build never
//! needs `../shared`; this test does, and says so when it is absent.

#[path = "common/mod.rs"]
mod common;
#[path = "../tools/prune-schema/src/prune.rs"]
mod schema_prune;

use std::path::Path;

const PRUNED: &str = "src/github/graphql/schema.graphql";
const QUERIES: &str = "src/github/graphql/queries.graphql";

#[test]
fn the_pruned_schema_is_githubs_published_schema_pruned_to_our_queries() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let published = root.join("../shared/corpus/graphql/schema.graphql");
    let Ok(full) = std::fs::read_to_string(&published) else {
        common::skip(&published);
        return;
    };
    let full = schema_prune::load_published(&full);
    let queries = std::fs::read_to_string(root.join(QUERIES)).expect("queries.graphql");
    let expected = schema_prune::prune(&full, &queries);
    let committed = std::fs::read_to_string(root.join(PRUNED)).unwrap_or_default();
    assert!(
        committed == expected,
        "{PRUNED} is not GitHub's schema pruned to {QUERIES}; run \
         `cargo run --manifest-path tools/prune-schema/Cargo.toml` and commit the result"
    );
}
