//! Feeds pulldown-cmark's events to the [`Walk`]: in turn on one thread for
//! an ordinary document, and for a large one from a second thread in
//! batches, so that pulldown-cmark's inline pass and the walk run side by
//! side. The walk sees the same events in the same order either way.

use std::ops::Range;
use std::sync::mpsc;

use pulldown_cmark::{Event, Parser};

use super::model::Checklist;
use super::parse::parser_options;
use super::walk::Walk;

/// From this many bytes a document's events are made on a second thread
/// (when there is a second core): below it, starting the thread and
/// handing over the events costs more than the overlap saves.
pub(super) const SIDE_BY_SIDE_FROM: usize = 1 << 20;

/// Events handed over at a time: enough that the hand-over costs little
/// per event, few enough that the batches in flight stay under a megabyte.
/// (Measured on the seed-built 10 MB file: 1,024 beat 128 and 4,096 by
/// 5–8% in both wall and CPU time.)
const BATCH: usize = 1024;

/// Batches the parsing thread can run ahead of the walk.
const AHEAD: usize = 8;

/// `walk` fed every event of its text, on one thread or two as above.
pub(super) fn feed(walk: Walk<'_>) -> Checklist {
    // The size first: asking for the cores reads the cgroup's files.
    if walk.text.len() >= SIDE_BY_SIDE_FROM && crate::threads::cores() > 1 {
        side_by_side(walk)
    } else {
        in_turn(walk)
    }
}

/// Every event, parsed and walked in turn on this thread.
pub(super) fn in_turn(mut walk: Walk<'_>) -> Checklist {
    for (event, range) in Parser::new_ext(walk.text, parser_options()).into_offset_iter() {
        walk.see(event, range);
    }
    walk.finish()
}

/// Every event, parsed on a second thread and walked on this one. Emptied
/// batches go back to the parsing thread to be filled again, so the
/// hand-over allocates only the batches in flight.
pub(super) fn side_by_side(mut walk: Walk<'_>) -> Checklist {
    let text = walk.text;
    let (full, filled) = mpsc::sync_channel::<Vec<(Event<'_>, Range<usize>)>>(AHEAD);
    let (empty, emptied) = mpsc::channel::<Vec<(Event<'_>, Range<usize>)>>();
    let parse = move || {
        let mut batch = Vec::with_capacity(BATCH);
        for event in Parser::new_ext(text, parser_options()).into_offset_iter() {
            batch.push(event);
            if batch.len() == BATCH {
                // The walk is gone only when it panicked: stop, and let
                // the scope pass its panic on.
                if full.send(batch).is_err() {
                    return;
                }
                batch = emptied.try_recv().unwrap_or_else(|_| Vec::with_capacity(BATCH));
            }
        }
        // The last, partly filled batch; dropping `full` then ends the walk's loop.
        let _ = full.send(batch);
    };
    let walked = std::thread::scope(|s| {
        // A thread the system will not start leaves the walk untouched:
        // it is then fed in turn below, never from a closed channel.
        if std::thread::Builder::new().spawn_scoped(s, parse).is_err() {
            return false;
        }
        for mut batch in filled {
            for (event, range) in batch.drain(..) {
                walk.see(event, range);
            }
            // The parsing thread may have finished; then the batch is dropped here.
            let _ = empty.send(batch);
        }
        true
    });
    if !walked {
        return in_turn(walk);
    }
    walk.finish()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Markdown that takes every path of the walk: headings and bold
    /// labels, nested and ordered task items, waivers, inline code, tables
    /// with boxes, HTML comments and fences full of fake items, lazy lines.
    const MIXED: &str = "# Release
**Before:**
- [ ] Plan the *rollout*
  - [x] Sub-item with `code`
  - [ ] ~~Skipped~~ N/A: not this time
1. [x] Ordered item
2) [ ] Other ordered
lazy continuation

## Table
| a | b |
|---|---|
| - [ ] no | [x] |

<!--
- [ ] hidden
-->
```
- [ ] fenced
```
- [ ] ending with a hard break\\
  and more
* [X] star, capital X
- [ ]
- [ ] <!-- only a comment -->
### ✅ Sign-Off 🚀
- [x] :rocket: done
";

    fn both_ways(source: &str) -> (Checklist, Checklist) {
        (
            in_turn(Walk::new("c.md", source)),
            side_by_side(Walk::new("c.md", source)),
        )
    }

    #[test]
    fn a_large_document_walked_side_by_side_is_the_same_checklist() {
        let fixture = include_str!("../../tests/fixtures/edge/fail-open-boxes.md");
        let mut source = String::new();
        for n in 0.. {
            source.push_str(&MIXED.replace("Release", &format!("Release {n}")));
            source.push_str(fixture);
            source.push('\n');
            if source.len() > SIDE_BY_SIDE_FROM {
                break;
            }
        }
        let (one, two) = both_ways(&source);
        assert!(one.items.len() > 10 * BATCH, "{} items", one.items.len());
        // `assert!`, not `assert_eq!`: a difference would print megabytes.
        assert!(one == two, "the walks differ");
        // And what `parse` gives, whichever way it went on this machine
        // (it keeps the source, which the walk leaves to its caller).
        let parsed = crate::checklist::parse("c.md", &source);
        assert!(parsed.items == one.items && parsed.sections == one.sections && parsed.text == one.text);
    }

    #[test]
    fn documents_shorter_than_a_batch_or_empty_are_walked_side_by_side_too() {
        for source in ["", "\u{feff}# Title\n- [ ] a\n", MIXED, "- [ ] no newline at the end"] {
            let (one, two) = both_ways(source);
            assert_eq!(one, two, "{source:?}");
        }
        let (one, _) = both_ways(MIXED);
        assert!(one.items.len() >= 8, "{one:?}");
    }

    #[test]
    fn the_batches_in_flight_stay_under_a_megabyte() {
        let in_flight = (AHEAD + 2) * BATCH * std::mem::size_of::<(Event<'_>, Range<usize>)>();
        assert!(in_flight < 1 << 20, "{in_flight} bytes");
    }
}
