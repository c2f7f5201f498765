//! Checking a bundle one element at a time: each element's own rules and the publishing rules
//! at once, and what needs the rest of the bundle (slugs that appear twice, references to
//! perspectives, feeling lists, step guides and promos) from the few keys kept per element.
//!
//! A reference to something not (yet) seen is kept and settled at the end, so the sections may
//! come in any order. Problems come out in the order a whole-bundle check gives: repeated keys
//! first, section by section, then every element's problems in bundle order.

use std::collections::HashSet;

use super::KnownSlugs;
use super::read::{Element, Section};
use crate::domain::content::{Article, Block, FeelingList, Perspective, Promo, StepGuide};
use crate::domain::problems::{Problem, Problems, join};
use crate::domain::promotions::Placement;
use crate::domain::publishing::check_publishing;
use crate::domain::timestamp::Timestamp;

/// Where a problem goes in the report: (rank, element index, order of finding).
type Place = (usize, usize, u64);

/// What a reference names.
#[derive(Debug, Clone, Copy)]
enum Target {
    Perspective,
    FeelingList,
    StepGuide,
    Promo,
}

impl Target {
    fn what(self) -> &'static str {
        match self {
            Target::Perspective => "perspective",
            Target::FeelingList => "feeling list",
            Target::StepGuide => "step guide",
            Target::Promo => "promo",
        }
    }
}

/// A reference to something not seen yet when its element was checked.
#[derive(Debug)]
struct Pending {
    place: Place,
    path: String,
    target: Target,
    name: String,
}

/// Collects every problem of a bundle read element by element.
#[derive(Debug)]
pub struct Checker<'k> {
    stored: &'k KnownSlugs,
    now: Timestamp,
    perspectives: HashSet<String>,
    promos: HashSet<String>,
    feeling_lists: HashSet<String>,
    step_guides: HashSet<String>,
    articles: HashSet<String>,
    placed: HashSet<(String, String, Option<String>)>,
    pending: Vec<Pending>,
    found: Vec<(Place, Problem)>,
    seq: u64,
}

/// Repeated keys are listed before everything else, section by section.
fn repeat_rank(section: Section) -> usize {
    section as usize
}

fn element_rank(section: Section) -> usize {
    Section::ALL.len() + section as usize
}

impl<'k> Checker<'k> {
    pub fn new(stored: &'k KnownSlugs, now: Timestamp) -> Self {
        Self {
            stored,
            now,
            perspectives: HashSet::new(),
            promos: HashSet::new(),
            feeling_lists: HashSet::new(),
            step_guides: HashSet::new(),
            articles: HashSet::new(),
            placed: HashSet::new(),
            pending: Vec::new(),
            found: Vec::new(),
            seq: 0,
        }
    }

    fn place(&mut self, rank: usize, index: usize) -> Place {
        self.seq += 1;
        (rank, index, self.seq)
    }

    fn push(&mut self, rank: usize, index: usize, path: String, message: String) {
        let place = self.place(rank, index);
        self.found.push((place, Problem { path, message }));
    }

    fn take(&mut self, rank: usize, index: usize, problems: Problems) {
        for problem in problems {
            let place = self.place(rank, index);
            self.found.push((place, problem));
        }
    }

    /// Records a key; a repeated one is a problem at `list[index].field`.
    fn key(&mut self, section: Section, index: usize, field: &str, key: &str) {
        let set = match section {
            Section::Perspectives => &mut self.perspectives,
            Section::Promos => &mut self.promos,
            Section::FeelingLists => &mut self.feeling_lists,
            Section::StepGuides => &mut self.step_guides,
            Section::Articles => &mut self.articles,
            Section::Placements => return,
        };
        if !set.insert(key.to_owned()) {
            self.push(
                repeat_rank(section),
                index,
                format!("{}[{index}].{field}", section.key()),
                format!("\"{key}\" appears more than once"),
            );
        }
    }

    fn known(&self, target: Target, name: &str) -> bool {
        let (bundle, stored) = match target {
            Target::Perspective => (&self.perspectives, &self.stored.perspectives),
            Target::FeelingList => (&self.feeling_lists, &self.stored.feeling_lists),
            Target::StepGuide => (&self.step_guides, &self.stored.step_guides),
            Target::Promo => (&self.promos, &self.stored.promos),
        };
        bundle.contains(name) || stored.contains(name)
    }

    /// A reference from the element at (rank, index): settled now when it resolves, else at
    /// the end (its target may come later in the bundle).
    fn reference(&mut self, rank: usize, index: usize, path: String, target: Target, name: &str) {
        let place = self.place(rank, index);
        if !self.known(target, name) {
            self.pending.push(Pending {
                place,
                path,
                target,
                name: name.to_owned(),
            });
        }
    }

    /// Checks one element (`index` is its position in its section).
    pub fn check(&mut self, index: usize, element: &Element) {
        match element {
            Element::Perspective(p) => self.perspective(index, p),
            Element::Promo(p) => self.promo(index, p),
            Element::FeelingList(l) => self.feeling_list(index, l),
            Element::StepGuide(g) => self.step_guide(index, g),
            Element::Article(a) => self.article(index, a),
            Element::Placement(p) => self.placement(index, p),
        }
    }

    pub fn perspective(&mut self, i: usize, perspective: &Perspective) {
        self.key(Section::Perspectives, i, "key", &perspective.key);
        let mut problems = Problems::new();
        perspective.validate(&format!("perspectives[{i}]"), &mut problems);
        self.take(element_rank(Section::Perspectives), i, problems);
    }

    pub fn promo(&mut self, i: usize, promo: &Promo) {
        self.key(Section::Promos, i, "slug", &promo.slug);
        let mut problems = Problems::new();
        promo.validate(&format!("promos[{i}]"), &mut problems);
        self.take(element_rank(Section::Promos), i, problems);
    }

    pub fn feeling_list(&mut self, i: usize, list: &FeelingList) {
        self.key(Section::FeelingLists, i, "slug", &list.slug);
        let rank = element_rank(Section::FeelingLists);
        let path = format!("feeling_lists[{i}]");
        let mut problems = Problems::new();
        list.validate(&path, &mut problems);
        self.take(rank, i, problems);
        for (j, item) in list.items.iter().enumerate() {
            let at = join(&path, &format!("items[{j}].perspective"));
            self.reference(rank, i, at, Target::Perspective, &item.perspective);
        }
    }

    pub fn step_guide(&mut self, i: usize, guide: &StepGuide) {
        self.key(Section::StepGuides, i, "slug", &guide.slug);
        let rank = element_rank(Section::StepGuides);
        let path = format!("step_guides[{i}]");
        let mut problems = Problems::new();
        guide.validate(&path, &mut problems);
        self.take(rank, i, problems);
        for (j, step) in guide.steps.iter().enumerate() {
            if let Some(key) = &step.perspective {
                let at = join(&path, &format!("steps[{j}].perspective"));
                self.reference(rank, i, at, Target::Perspective, key);
            }
        }
    }

    pub fn article(&mut self, i: usize, article: &Article) {
        self.key(Section::Articles, i, "slug", &article.slug);
        let rank = element_rank(Section::Articles);
        let path = format!("articles[{i}]");
        let mut problems = Problems::new();
        article.validate(&path, &mut problems);
        check_publishing(article, self.now, &path, &mut problems);
        self.take(rank, i, problems);
        for (j, block) in article.blocks.iter().enumerate() {
            let (target, reference) = match block {
                Block::Text { .. } => continue,
                Block::Feelings { reference } => (Target::FeelingList, reference),
                Block::Steps { reference } => (Target::StepGuide, reference),
                Block::Promo { reference } => (Target::Promo, reference),
            };
            let at = join(&path, &format!("blocks[{j}].ref"));
            self.reference(rank, i, at, target, reference);
        }
    }

    pub fn placement(&mut self, i: usize, placement: &Placement) {
        let rank = element_rank(Section::Placements);
        let path = format!("placements[{i}]");
        let mut problems = Problems::new();
        placement.validate(&path, None, &mut problems);
        self.take(rank, i, problems);
        self.reference(
            rank,
            i,
            join(&path, "promo"),
            Target::Promo,
            &placement.promo,
        );
        let key = (
            placement.promo.clone(),
            placement.slot.clone(),
            placement.tag.clone(),
        );
        if !self.placed.insert(key) {
            self.push(
                rank,
                i,
                path,
                "this promo is placed in this slot for this tag more than once".to_owned(),
            );
        }
    }

    /// Settles the references still open and returns every problem, in report order.
    pub fn finish(mut self) -> Result<(), Problems> {
        for pending in std::mem::take(&mut self.pending) {
            if !self.known(pending.target, &pending.name) {
                self.found.push((
                    pending.place,
                    Problem {
                        path: pending.path,
                        message: format!("unknown {} \"{}\"", pending.target.what(), pending.name),
                    },
                ));
            }
        }
        self.found.sort_by_key(|(place, _)| *place);
        let mut problems = Problems::new();
        for (_, problem) in self.found {
            problems.push(problem.path, problem.message);
        }
        problems.into_result()
    }
}
