//! Who applied each of a pull request's labels: the actor of the newest
//! `labeled` event per label, read from the pull request's timeline newest
//! first (round one carries the newest 100 events; older pages are read only
//! while a label on the pull request has not been found yet).

use super::{LIST_LIMIT, LabelEventsPage, label_events_page, pull_read};
use crate::facts::{AppliedLabel, same_label};
use crate::github::GithubError;
use crate::github::client::{Client, Transport};

/// Older pages of 100 `labeled` events read at most.
const LABEL_EVENT_PAGES: u32 = 30;

/// One `labeled` event: the label's name and who applied it.
pub(super) struct LabelEvent {
    label: String,
    actor: Option<String>,
}

/// A page of `labeled` events, oldest first, and the cursor before it.
pub(super) struct LabelEvents {
    events: Vec<LabelEvent>,
    before: Option<String>,
}

macro_rules! label_events_from {
    ($module:ident) => {
        impl From<$module::LabelEventPage> for LabelEvents {
            fn from(page: $module::LabelEventPage) -> LabelEvents {
                let events = page
                    .nodes
                    .into_iter()
                    .flatten()
                    .flatten()
                    .filter_map(|node| match node {
                        $module::LabelEventPageNodes::LabeledEvent(e) => Some(LabelEvent {
                            label: e.label.name,
                            actor: e.actor.map(|a| {
                                let bot = matches!(a.on, $module::LabelEventPageNodesOnLabeledEventActorOn::Bot);
                                super::pull::login(a.login, bot)
                            }),
                        }),
                        _ => None,
                    })
                    .collect();
                LabelEvents {
                    events,
                    before: page
                        .page_info
                        .has_previous_page
                        .then(|| page.page_info.start_cursor.unwrap_or_default()),
                }
            }
        }
    };
}

label_events_from!(pull_read);
label_events_from!(label_events_page);

impl<T: Transport> Client<T> {
    /// Each of `labels` with who applied it, from the newest page of
    /// `labeled` events and as many older pages as it takes to find every
    /// label. `head` is the head the first page described: an older page
    /// read after the pull request moved is not mixed with it.
    pub(super) async fn label_actors(
        &self,
        number: u64,
        head: &str,
        labels: Vec<String>,
        newest: LabelEvents,
    ) -> Result<Vec<AppliedLabel>, GithubError> {
        let mut applied: Vec<AppliedLabel> = labels
            .into_iter()
            .map(|name| AppliedLabel { name, applied_by: None })
            .collect();
        let mut found = vec![false; applied.len()];
        let mut page = newest;
        let mut pages = 0;
        loop {
            // Newest first: the first event seen for a label is its newest.
            for event in page.events.iter().rev() {
                for (i, label) in applied.iter_mut().enumerate() {
                    if !found[i] && same_label(&label.name, &event.label) {
                        found[i] = true;
                        label.applied_by = event.actor.clone();
                    }
                }
            }
            let Some(before) = page.before.filter(|_| found.contains(&false)) else {
                return Ok(applied);
            };
            pages += 1;
            if pages > LABEL_EVENT_PAGES {
                return Err(GithubError::IncompleteQuery {
                    field: "pullRequest.timelineItems(LABELED_EVENT)".into(),
                    read: (pages as usize) * 100,
                });
            }
            let variables = label_events_page::Variables {
                owner: self.repo.owner.clone(),
                name: self.repo.name.clone(),
                number: i64::try_from(number).unwrap_or(i64::MAX),
                before,
            };
            let (data, _) = self.graphql::<LabelEventsPage>(variables, &[], LIST_LIMIT).await?;
            let what = format!("pull request #{number}");
            let pr = data
                .repository
                .and_then(|r| r.pull_request)
                .ok_or_else(|| self.graphql_missing(&what))?;
            if pr.head_ref_oid != head {
                return Err(self.graphql_moved(&what, head, &pr.head_ref_oid));
            }
            page = LabelEvents::from(pr.timeline_items);
        }
    }
}
