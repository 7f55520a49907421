//! [`Dialogs`]: the dialogs of an endpoint by id, and the §12.2.2 rule that an in-dialog request
//! (one with a To tag) matching no dialog gets `481`.

use std::collections::HashMap;

use crate::message::{Method, Request, Response};

use super::{Dialog, DialogId};

/// What [`Dialogs::lookup_request`] found for an incoming request.
#[derive(Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum DialogLookup {
    /// No To tag: the request is outside any dialog (it may create one).
    OutOfDialog,
    /// The dialog with this id exists: check the request with [`Dialog::handle_request`].
    Found(DialogId),
    /// A To tag but no such dialog: answer `481 Call/Transaction Does Not Exist` (§12.2.2) —
    /// except an ACK, which is dropped; a CANCEL is matched by the transaction layer instead.
    NoDialog,
    /// The From, To or Call-ID header is unusable: answer `400`.
    Malformed,
}

/// All dialogs of an endpoint, by id.
#[derive(Debug, Default)]
pub struct Dialogs {
    map: HashMap<DialogId, Dialog>,
}

impl Dialogs {
    /// An empty table.
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds (or replaces) a dialog.
    pub fn insert(&mut self, dialog: Dialog) {
        self.map.insert(dialog.id.clone(), dialog);
    }

    /// The dialog with `id`.
    pub fn get(&self, id: &DialogId) -> Option<&Dialog> {
        self.map.get(id)
    }

    /// The dialog with `id`, mutably.
    pub fn get_mut(&mut self, id: &DialogId) -> Option<&mut Dialog> {
        self.map.get_mut(id)
    }

    /// Removes and returns the dialog with `id`.
    pub fn remove(&mut self, id: &DialogId) -> Option<Dialog> {
        self.map.remove(id)
    }

    /// Removes every terminated dialog; returns their ids.
    pub fn remove_terminated(&mut self) -> Vec<DialogId> {
        let ids: Vec<DialogId> = self
            .map
            .values()
            .filter(|d| d.is_terminated())
            .map(|d| d.id.clone())
            .collect();
        for id in &ids {
            self.map.remove(id);
        }
        ids
    }

    /// Number of dialogs.
    pub fn len(&self) -> usize {
        self.map.len()
    }

    /// Whether there is no dialog.
    pub fn is_empty(&self) -> bool {
        self.map.is_empty()
    }

    /// Call for every incoming request (after the transaction layer reported it new, or for an
    /// ACK of a 2xx): finds its dialog by Call-ID, To tag (ours) and From tag (§12.2.2).
    pub fn lookup_request(&self, req: &Request) -> DialogLookup {
        match DialogId::for_incoming_request(req) {
            Err(_) => DialogLookup::Malformed,
            Ok(None) => DialogLookup::OutOfDialog,
            Ok(Some(id)) if self.map.contains_key(&id) => DialogLookup::Found(id),
            Ok(Some(_)) if req.method == Method::Cancel => DialogLookup::OutOfDialog,
            Ok(Some(_)) => DialogLookup::NoDialog,
        }
    }

    /// The dialog a response to one of our requests belongs to (From tag ours, To tag theirs),
    /// if any.
    pub fn lookup_response(&self, resp: &Response) -> Option<DialogId> {
        let id = DialogId::for_response(resp).ok()??;
        self.map.contains_key(&id).then_some(id)
    }
}
