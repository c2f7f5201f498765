//! Feeling lists: list, create, edit (items with their perspective, reordered with buttons),
//! see which articles use a list, delete only when none does. The screens are the shared ones
//! of [`reusable`](super::reusable); this says what a feeling list's rows are.

use crate::domain::content::{FeelingItem, FeelingList};
use crate::http::admin::content::form::{Action, Fields};
use crate::http::admin::content::reusable::ReusablePiece;

impl ReusablePiece for FeelingList {
    const PATH: &'static str = "/admin/feeling-lists";
    const LIST_TEMPLATE: &'static str = "content/feeling_lists.html";
    const EDIT_TEMPLATE: &'static str = "content/feeling_list.html";
    const DRAFT: &'static str = "list";
    const LABEL: &'static str = "Feeling list";

    fn from_fields(fields: &Fields) -> Self {
        let items = fields
            .all("item_perspective")
            .into_iter()
            .zip(fields.all("item_text"))
            .map(|(perspective, text)| FeelingItem {
                perspective: perspective.to_owned(),
                text: text.to_owned(),
            })
            .collect();
        FeelingList {
            slug: fields.get("slug").trim().to_owned(),
            title: fields.get("title").to_owned(),
            items,
        }
    }

    fn blank(first_perspective: String) -> Self {
        FeelingList {
            slug: String::new(),
            title: String::new(),
            items: vec![FeelingItem {
                perspective: first_perspective,
                text: String::new(),
            }],
        }
    }

    /// A new feeling keeps the perspective of the one before it.
    fn add_row(&mut self) {
        let perspective = self
            .items
            .last()
            .map(|i| i.perspective.clone())
            .unwrap_or_default();
        self.items.push(FeelingItem {
            perspective,
            text: String::new(),
        });
    }

    fn rearrange(&mut self, action: Action) -> bool {
        action.rearrange(&mut self.items)
    }
}
