//! Writes `src/github/graphql/schema.graphql`: GitHub's published schema
//! (`../shared/corpus/graphql/schema.graphql`, or the path given) pruned to
//! what `src/github/graphql/queries.graphql` reaches.

mod prune;

use std::path::Path;

fn main() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let published = std::env::args()
        .nth(1)
        .map_or_else(|| root.join("../shared/corpus/graphql/schema.graphql"), Into::into);
    let full = std::fs::read_to_string(&published)
        .unwrap_or_else(|e| panic!("cannot read {}: {e}", published.display()));
    let queries = std::fs::read_to_string(root.join("src/github/graphql/queries.graphql")).expect("queries.graphql");
    let pruned = prune::prune(&prune::load_published(&full), &queries);
    std::fs::write(root.join("src/github/graphql/schema.graphql"), pruned).expect("write the pruned schema");
}
