//! Step guides: list, create, edit (numbered steps with a bold lead, a Markdown body and an
//! optional perspective, reordered with buttons), see which articles use a guide, delete only
//! when none does. The screens are the shared ones of [`reusable`](super::reusable); this says
//! what a step guide's rows are.

use crate::domain::content::{Step, StepGuide};
use crate::http::admin::content::form::{Action, Fields};
use crate::http::admin::content::reusable::ReusablePiece;

fn empty_step() -> Step {
    Step {
        title: String::new(),
        body: String::new(),
        perspective: None,
    }
}

impl ReusablePiece for StepGuide {
    const PATH: &'static str = "/admin/step-guides";
    const LIST_TEMPLATE: &'static str = "content/step_guides.html";
    const EDIT_TEMPLATE: &'static str = "content/step_guide.html";
    const DRAFT: &'static str = "guide";
    const LABEL: &'static str = "Step guide";

    fn from_fields(fields: &Fields) -> Self {
        let titles = fields.all("step_title");
        let bodies = fields.all("step_body");
        let perspectives = fields.all("step_perspective");
        let steps = titles
            .into_iter()
            .zip(bodies)
            .zip(perspectives)
            .map(|((title, body), perspective)| Step {
                title: title.to_owned(),
                body: body.to_owned(),
                perspective: (!perspective.is_empty()).then(|| perspective.to_owned()),
            })
            .collect();
        StepGuide {
            slug: fields.get("slug").trim().to_owned(),
            title: fields.get("title").to_owned(),
            steps,
        }
    }

    /// Steps are for everyone until a perspective is chosen.
    fn blank(_first_perspective: String) -> Self {
        StepGuide {
            slug: String::new(),
            title: String::new(),
            steps: vec![empty_step()],
        }
    }

    fn add_row(&mut self) {
        self.steps.push(empty_step());
    }

    fn rearrange(&mut self, action: Action) -> bool {
        action.rearrange(&mut self.steps)
    }
}
