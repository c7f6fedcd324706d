//! Output grows with the input, not with heading length × items: every open
//! item names its section path, so one 100 KB heading over 5,000 open items
//! once made a 477 MB report (and took 1.9 GB of memory). Headings longer than
//! `SHOWN_TITLE_MAX` are shown cut, once per item, in every format.

mod common;

use checkgate::checklist::SHOWN_TITLE_MAX;
use common::{checkgate, workspace};

/// Every output of the long-heading file stays under this many bytes.
const OUTPUT_MAX: usize = 10 << 20;

fn long_heading_checklist() -> String {
    let heading: String = (0..100_000 / 8).map(|i| format!("w{:06} ", i)).collect();
    let mut md = format!("# {heading}\n\n## Sub {heading}\n\n");
    for i in 0..5_000 {
        md.push_str(&format!("- [ ] open item {i}\n"));
    }
    md
}

#[test]
fn a_long_heading_over_many_open_items_keeps_every_output_small() {
    let md = long_heading_checklist();
    assert!(md.len() > 200_000);
    let policy = "[[checklist]]\npath = \"c.md\"\n[[checklist.require]]\nall = true\n";
    let dir = workspace(&[("c.md", &md), (".github/checkgate.toml", policy)]);
    for format in ["json", "text", "markdown", "github"] {
        let out = checkgate(dir.path(), &["check", "--format", format]);
        assert_eq!(out.code, 1, "{format}: {}", out.stderr);
        assert!(
            out.stdout.len() < OUTPUT_MAX,
            "check --format {format}: {} bytes",
            out.stdout.len()
        );
    }
    for format in ["json", "text"] {
        let out = checkgate(dir.path(), &["list", "--format", format, "c.md"]);
        assert_eq!(out.code, 0, "{format}: {}", out.stderr);
        assert!(
            out.stdout.len() < OUTPUT_MAX,
            "list --format {format}: {} bytes",
            out.stdout.len()
        );
    }

    // Every open item is still there, with its section path shown cut.
    let out = checkgate(dir.path(), &["check", "--format", "json"]);
    let v: serde_json::Value = serde_json::from_str(&out.stdout).expect("json");
    let open = v["checklists"][0]["requirements"][0]["open"].as_array().expect("open");
    assert_eq!(open.len(), 5_000);
    let section = open[0]["section"].as_array().expect("section path");
    assert_eq!(section.len(), 2);
    let title = section[1].as_str().unwrap();
    assert!(title.starts_with("Sub w000000 w000001"), "{title}");
    assert!(
        title.ends_with('…') && title.len() <= SHOWN_TITLE_MAX + '…'.len_utf8(),
        "{title}"
    );
}
