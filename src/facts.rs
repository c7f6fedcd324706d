//! What GitHub says about a pull request, as plain data for the pure stages:
//! who opened it, whether it is a draft, its labels and who applied each,
//! and its branches. None of it comes from the pull request's files or
//! description, so a `[[skip]]` (or evidence) decided from it is decided by
//! GitHub, not by the author's text. [`crate::github`] fills it in.

/// What kind of account an actor is, as GraphQL's `__typename` says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AccountKind {
    User,
    /// A GitHub App; its login ends in `[bot]`, as REST spells it.
    Bot,
    Organization,
    Mannequin,
    EnterpriseUserAccount,
    Other(String),
}

impl AccountKind {
    pub fn from_typename(name: &str) -> AccountKind {
        match name {
            "User" => AccountKind::User,
            "Bot" => AccountKind::Bot,
            "Organization" => AccountKind::Organization,
            "Mannequin" => AccountKind::Mannequin,
            "EnterpriseUserAccount" => AccountKind::EnterpriseUserAccount,
            other => AccountKind::Other(other.to_string()),
        }
    }
}

/// An account, its login spelt as REST spells it (`dependabot[bot]`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Account {
    pub login: String,
    pub kind: AccountKind,
}

/// A label on the pull request, and who applied it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AppliedLabel {
    pub name: String,
    /// The actor of the newest `labeled` event for this label; `None` when
    /// GitHub names no actor (a deleted account) or no such event was found.
    /// Either way no `labeled-by` list can match it.
    pub applied_by: Option<String>,
}

/// A pull request as GitHub describes it now.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PullFacts {
    pub number: u64,
    /// `None` for a deleted account (GitHub's "ghost").
    pub author: Option<Account>,
    pub draft: bool,
    pub labels: Vec<AppliedLabel>,
    pub base_branch: String,
    pub head_branch: String,
}

impl PullFacts {
    /// The label named `name` (GitHub's label names ignore case).
    pub fn label(&self, name: &str) -> Option<&AppliedLabel> {
        self.labels.iter().find(|l| same_label(&l.name, name))
    }
}

/// Whether two label names name the same label: GitHub keeps label names
/// unique regardless of case.
pub fn same_label(a: &str, b: &str) -> bool {
    a == b || a.to_lowercase() == b.to_lowercase()
}
