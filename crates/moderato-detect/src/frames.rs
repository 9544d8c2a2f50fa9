//! Frames over the tagged text: who threatens, incites, glorifies, dehumanises, derogates,
//! excludes or insults whom, and in what stance.
//!
//! A frame is found per clause (and across adjacent sentences where a slot may sit in the next
//! sentence). Every slot keeps its token span, so evidence reads `target: rioters · harm: rounds ·
//! endorsement: about time`. Every frame has a stance: asserted, negated (a negation in the same
//! clause before the predicate, not a fixed window), quoted, reported, condemned, hypothetical or
//! fictional; the stance lowers the score. Frames describe classes of speech, not particular
//! sentences. This module must never choose an action: it only produces scored frames.

use moderato_core::policy::WordClass as C;

use crate::language::Analysis;

/// The kind of speech a frame describes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FrameKind {
    /// The speaker threatens harm to a target.
    Threat,
    /// A call on others to commit violence.
    Incite,
    /// Violence or its outcome praised or promised.
    Glorify,
    /// A group denied its humanity.
    Dehumanise,
    /// A group derogated by attribute or emotion.
    Derogate,
    /// A group excluded or denied rights.
    Exclude,
    /// A person insulted.
    Insult,
    /// A false statement about voting.
    Civic(C),
}

impl FrameKind {
    /// Upper-case name shown in evidence.
    pub fn name(self) -> &'static str {
        match self {
            FrameKind::Threat => "THREAT",
            FrameKind::Incite => "INCITE",
            FrameKind::Glorify => "GLORIFY",
            FrameKind::Dehumanise => "DEHUMANISE",
            FrameKind::Derogate => "DEROGATE",
            FrameKind::Exclude => "EXCLUDE",
            FrameKind::Insult => "INSULT",
            FrameKind::Civic(_) => "CIVIC",
        }
    }
}

/// How the speaker stands to what the frame says.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stance {
    /// Said in the speaker's own voice.
    Asserted,
    /// Negated within its clause.
    Negated,
    /// Inside quotation marks.
    Quoted,
    /// Reported as news.
    Reported,
    /// Condemned or countered in the same text.
    Condemned,
    /// Corrected (civic claims).
    Corrected,
    /// Asked or imagined.
    Hypothetical,
    /// Fiction, games, sport or history.
    Fictional,
    /// Said as a joke between people (😂, lol).
    Jocular,
}

impl Stance {
    /// Lower-case name shown in evidence.
    pub fn name(self) -> &'static str {
        match self {
            Stance::Asserted => "asserted",
            Stance::Negated => "negated",
            Stance::Quoted => "quoted",
            Stance::Reported => "reported",
            Stance::Condemned => "condemned",
            Stance::Corrected => "corrected",
            Stance::Hypothetical => "hypothetical",
            Stance::Fictional => "fictional",
            Stance::Jocular => "jocular",
        }
    }
}

/// A slot of a frame: its role and token span.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Slot {
    /// Role, e.g. `target`, `harm`, `endorsement`.
    pub role: &'static str,
    /// First token.
    pub start: usize,
    /// One past the last token.
    pub end: usize,
}

/// A frame found in the text.
#[derive(Debug, Clone)]
pub struct Frame {
    /// What kind of speech.
    pub kind: FrameKind,
    /// Score before the stance (0..1).
    pub base: f64,
    /// Score after the stance.
    pub score: f64,
    /// The stance.
    pub stance: Stance,
    /// Other stances found (all lower the score).
    pub stances: Vec<Stance>,
    /// Slots with spans.
    pub slots: Vec<Slot>,
    /// The target is a protected group.
    pub group_target: bool,
    /// Head token (the predicate).
    pub head: usize,
}

impl Frame {
    /// First and last token covered by the frame's slots.
    pub fn token_range(&self) -> (usize, usize) {
        let start = self
            .slots
            .iter()
            .map(|slot| slot.start)
            .min()
            .unwrap_or(self.head);
        let end = self
            .slots
            .iter()
            .map(|slot| slot.end)
            .max()
            .unwrap_or(self.head + 1);
        (start, end)
    }
}

const VIOLENT: &[C] = &[C::ViolentAct, C::Exterminate];
/// Verbs of receiving that make a weapon the harm done to their subject (`gets lead`).
const RECEIVE_VERBS: &[&str] = &[
    "get", "gets", "getting", "got", "eat", "eats", "catch", "catches", "taste", "tastes", "take",
    "takes", "feel", "feels",
];
const HARM: &[C] = &[C::ViolentAct, C::Exterminate, C::HarmOutcome];
const PERSON: &[C] = &[
    C::SecondPerson,
    C::ThirdPerson,
    C::Official,
    C::Target,
    C::ProtectedGroup,
    C::GroupReference,
    C::Slur,
    C::UnrestTarget,
    C::Perpetrator,
];

/// What the frame finder knows about the text as a whole.
struct Context<'a> {
    a: &'a Analysis,
    /// A protected group is named somewhere (so plural pronouns may refer to it).
    group_named: bool,
}

const PLURAL_PRONOUNS: &[&str] = &[
    "they",
    "them",
    "their",
    "theirs",
    "they're",
    "theyre",
    "they'll",
    "em",
    "those",
    "these",
    "themselves",
];

const GENERIC_GROUP_WORDS: &[&str] = &[
    "people",
    "women",
    "men",
    "folk",
    "folks",
    "children",
    "kids",
    "chinese",
    "japanese",
    "roma",
    "romani",
    "vietnamese",
    "poc",
    "lgbt",
    "lgbtq",
];

impl<'a> Context<'a> {
    fn new(a: &'a Analysis) -> Context<'a> {
        let group_named = (0..a.tokens.len()).any(|i| Context::named_group(a, i));
        Context { a, group_named }
    }

    fn named_group(a: &Analysis, i: usize) -> bool {
        let classes = a.tokens[i].classes;
        classes.any(&[C::ProtectedGroup, C::Slur])
            || (classes.has(C::GroupAdjective)
                && (a.has(i + 1, C::PersonNoun) || a.has(i + 1, C::Target)))
    }

    /// The token range of a protected-group reference at token `i`, if there is one.
    fn group_at(&self, i: usize) -> Option<(usize, usize)> {
        let a = self.a;
        let classes = a.tokens[i].classes;
        if classes.any(&[C::ProtectedGroup, C::Slur]) {
            // The run of group words, not the longest term around it (`no gays allowed`).
            let mut end = i + 1;
            while end < a.tokens.len()
                && a.tokens[end].sentence == a.tokens[i].sentence
                && a.tokens[end].classes.any(&[C::ProtectedGroup, C::Slur])
                && end - i < 4
            {
                end += 1;
            }
            return Some((i, end.max(a.term(i).1.min(i + 1))));
        }
        if classes.has(C::GroupReference) {
            // `one of them`, `all of those` stand for a group only where one is named.
            let (start, end) = a.term(i);
            let pronoun = (start..end).any(|j| PLURAL_PRONOUNS.contains(&a.word(j)));
            return (!pronoun || self.group_named).then_some((start, end));
        }
        // `Muslim women`, `Jewish bankers`: a group adjective before a person or a role.
        if classes.has(C::GroupAdjective)
            && (a.has(i + 1, C::PersonNoun) || a.has(i + 1, C::Target))
        {
            return Some((i, a.term(i + 1).1));
        }
        if self.group_named && PLURAL_PRONOUNS.contains(&a.word(i)) {
            return Some((i, i + 1));
        }
        None
    }

    /// Whether the group reference at `range` speaks of the group as a whole.
    fn generic(&self, range: (usize, usize), clause: (usize, usize)) -> bool {
        let a = self.a;
        let last = a.word(range.1 - 1);
        a.tokens[range.0].classes.has(C::GroupReference)
            || PLURAL_PRONOUNS.contains(&a.word(range.0))
            || a.tokens[range.1 - 1].classes.inflected()
            || (last.ends_with('s') && !last.ends_with("'s"))
            || GENERIC_GROUP_WORDS.contains(&last)
            || a.find(clause, C::Generaliser).is_some()
    }

    fn person_at(&self, i: usize) -> bool {
        let token = &self.a.tokens[i];
        token.classes.any(PERSON) || token.mention() || self.group_at(i).is_some()
    }

    /// First person-like target in `from..to` (clamped), with its span.
    fn target_in(&self, from: usize, to: usize) -> Option<(usize, usize)> {
        let to = to.min(self.a.tokens.len());
        (from..to)
            .find(|&i| self.person_at(i))
            .map(|i| self.group_at(i).unwrap_or_else(|| self.a.term(i)))
    }

    /// Like [`Context::target_in`], without the accounts a reply is addressed to: the handles
    /// that open a reply name whom the post answers, not whom a call or praise is about.
    fn target_in_text(&self, from: usize, to: usize) -> Option<(usize, usize)> {
        let to = to.min(self.a.tokens.len());
        (from..to)
            .find(|&i| !self.a.tokens[i].reply && self.person_at(i))
            .map(|i| self.group_at(i).unwrap_or_else(|| self.a.term(i)))
    }

    /// Whether a negation cue governs token `head`: in its clause, before it, within 8 tokens.
    /// The items of a list share the negation of the clause that opens it (`I don't think
    /// anyone should be stoned, shot, or hanged`).
    fn negated(&self, head: usize) -> bool {
        let a = self.a;
        let (own, _) = a.clause_of(head);
        let sentence = a.sentence_of(head);
        let acts = [C::ViolentAct, C::LethalAct, C::Exterminate];
        let mut start = own;
        if a.tokens[head].classes.any(&acts) {
            while start > sentence.0 {
                let clause = a.clause_of(start);
                let item = clause.1 - clause.0 <= 2
                    || (matches!(a.word(clause.0), "or" | "and" | "nor")
                        && clause.1 - clause.0 <= 4);
                let (previous, _) = a.clause_of(start - 1);
                if !item || !(previous..start).any(|i| a.tokens[i].classes.any(&acts)) {
                    break;
                }
                start = previous;
            }
        }
        let from = if start == own {
            start.max(head.saturating_sub(8))
        } else {
            start.max(head.saturating_sub(14))
        };
        // `why haven't they been hanged`, `why don't we …`: a question that asserts.
        (from..head).any(|i| {
            self.a.tokens[i].classes.has(C::Negation)
                && self.a.tokens[i].term_end <= head
                && !(i > 0 && self.a.word(i - 1) == "why")
        })
    }

    /// Whether a stance cue of `class` stands in the frame's sentence or the `before`/`after`
    /// sentences around it, other than a reporting word in the frame's own slots (`journalists
    /// who lie should be executed` is not a news report; a `final boss` target is a game) and
    /// other than a cue denied by `no` or `without` (`shot in the street, no trial`).
    fn cue_near(
        &self,
        head: usize,
        class: C,
        (before, after): (usize, usize),
        slots: &[Slot],
    ) -> bool {
        let a = self.a;
        let window = a.window(head, before, after);
        (window.0..window.1).any(|i| {
            a.tokens[i].classes.has(class)
                && !(class == C::Reporting
                    && (self.in_slots(i, slots) || self.called_on(i, head) || self.foretold(i)))
                && !(a.term(i).0 > 0 && matches!(a.word(a.term(i).0 - 1), "no" | "without"))
        })
    }

    /// Whether the word at `i` is foretold rather than reported: a future marker before it in its
    /// clause (`you'll be fined and charged with fraud` is a prediction, not news).
    fn foretold(&self, i: usize) -> bool {
        let a = self.a;
        let clause = a.clause_of(i);
        (clause.0.max(i.saturating_sub(6))..i).any(|j| {
            let word = a.word(j);
            matches!(word, "will" | "gonna" | "shall") || word.ends_with("'ll")
        })
    }

    fn in_slots(&self, i: usize, slots: &[Slot]) -> bool {
        slots.iter().any(|slot| (slot.start..slot.end).contains(&i))
    }

    /// Whether the word at `i` is the subject of a call or obligation that governs `head` in the
    /// same clause (`lying journalists should be hanged`), or the act a call asks for (`let's all
    /// report him`).
    fn called_on(&self, i: usize, head: usize) -> bool {
        let a = self.a;
        // `let's all report him`: the reporting word is the act called for.
        let clause = a.clause_of(i);
        if (clause.0.max(i.saturating_sub(3))..i).any(|j| {
            matches!(
                a.word(j),
                "let's" | "lets" | "let" | "please" | "y'all" | "yall"
            )
        }) {
            return true;
        }
        i < head
            && a.clause_of(i) == a.clause_of(head)
            && (i + 1..=head.min(i + 2))
                .any(|j| a.tokens[j].classes.any(&[C::Obligation, C::CallToAct]))
    }

    fn sentence_has(&self, head: usize, class: C, before: usize, after: usize) -> bool {
        self.a
            .find(self.a.window(head, before, after), class)
            .is_some()
    }

    /// Whether a condemnation cue stands in the frame's sentence or a neighbour, other than a
    /// word that completes the act itself (`beat him senseless`).
    /// An insult is not condemned by a condemnation aimed at the person insulted (`your mother
    /// should be ashamed of you`): that is more of the abuse.
    fn condemned(&self, head: usize, kind: FrameKind) -> bool {
        let a = self.a;
        let clause = a.clause_of(head);
        let n = a.tokens.len();
        a.all_of(a.window(head, 1, 1), C::Condemnation)
            .filter(|&cue| !(cue > head && cue < clause.1 && cue <= head + 4))
            .any(|cue| {
                !(matches!(kind, FrameKind::Insult)
                    && (a.has(cue, C::Insult)
                        || (a.term(cue).1..(a.term(cue).1 + 3).min(n))
                            .any(|j| a.has(j, C::SecondPerson))))
            })
    }

    /// Whether the quotation cue at `cue` reports someone's speech: not an imperative opening
    /// the sentence (`Say that again and …`) and not inside a relative clause about someone
    /// (`the hack who wrote about my brother: …`).
    fn reports_speech(&self, cue: usize) -> bool {
        let a = self.a;
        let sentence = a.sentence_of(cue);
        cue > sentence.0 && !matches!(a.word(cue - 1), "who" | "which" | "that")
    }

    /// The stances of a frame with predicate `head`.
    fn stances(&self, head: usize, kind: FrameKind, slots: &[Slot]) -> Vec<Stance> {
        let a = self.a;
        let mut stances = Vec::new();
        let civic = matches!(kind, FrameKind::Civic(_));
        let negated = if civic {
            let clause = a.clause_of(head);
            if matches!(kind, FrameKind::Civic(C::CivicEligibility)) {
                // The denial is part of the claim (`can't vote if …`); a negation of the
                // requirement itself corrects it (`you don't need to own a home`).
                (clause.0..clause.1).any(|i| {
                    a.tokens[i].classes.has(C::Negation)
                        && (i + 1..(i + 3).min(clause.1)).any(|j| {
                            a.tokens[j].classes.any(&[C::Obligation, C::CivicDenial])
                                || matches!(a.word(j), "need" | "required" | "have")
                        })
                })
            } else {
                (clause.0..clause.1).any(|i| a.tokens[i].classes.has(C::Negation))
            }
        } else {
            self.negated(head)
        };
        if negated {
            stances.push(Stance::Negated);
        }
        if a.tokens[head].quoted {
            stances.push(Stance::Quoted);
        } else if a
            .find(a.sentence_of(head), C::Quotation)
            .is_some_and(|q| q < head && self.reports_speech(q))
            && !matches!(kind, FrameKind::Insult)
        {
            // "he told me he would kill me": someone else's words, reported.
            stances.push(Stance::Quoted);
        }
        // Counter-stance cues govern the frame's own sentence and its neighbours, not the
        // whole post (`Beat the landlord senseless.` is not condemned by a later tweet's
        // `senseless`; a threat at a referee is not a game because the match is named).
        let near = |class: C| self.cue_near(head, class, (1, 1), slots);
        if civic {
            if a.text_has(C::Correction) {
                stances.push(Stance::Corrected);
            }
        } else if self.condemned(head, kind) {
            stances.push(Stance::Condemned);
        }
        // Praise is the speaker's own voice, even beside the words of a news report.
        let praised = matches!(kind, FrameKind::Glorify)
            && a.tokens[head].classes.any(&[C::Praise, C::Deserve]);
        if near(C::Reporting) && !praised {
            stances.push(Stance::Reported);
        }
        let question = a.questions[a.tokens[head].sentence as usize]
            && a.find(a.sentence_of(head), C::CallToAct).is_none();
        let hypothetical = self.sentence_has(head, C::Hypothetical, 0, 0);
        if (hypothetical || question) && !matches!(kind, FrameKind::Threat | FrameKind::Insult) {
            stances.push(Stance::Hypothetical);
        }
        let violent = matches!(
            kind,
            FrameKind::Threat | FrameKind::Incite | FrameKind::Glorify
        );
        // Praise of an atrocity in the speaker's own voice is not history (`the massacre was
        // the best thing that happened`); a story or a game stays fiction.
        // A call is about what is to come: a date beside it is its model, not its setting
        // (`let's make the hostel burn like it's 1992`).
        let called = matches!(kind, FrameKind::Incite)
            && slots.iter().any(|slot| {
                slot.role == "call"
                    && (a.tokens[slot.start].classes.has(C::Obligation)
                        || CALL_OPENERS.contains(&a.word(slot.start)))
            });
        if (violent && (near(C::Fiction) || near(C::Sports)))
            || (near(C::History) && !praised && !called)
        {
            stances.push(Stance::Fictional);
        }
        if matches!(
            kind,
            FrameKind::Threat | FrameKind::Incite | FrameKind::Insult
        ) && !a.tokens[head].classes.has(C::SelfHarm)
            && near(C::Joke)
        {
            stances.push(Stance::Jocular);
        }
        stances
    }
}

/// The stances as evidence shows them: `asserted` when there is none, else joined by `+`.
pub fn stance_text(stances: &[Stance]) -> String {
    if stances.is_empty() {
        return Stance::Asserted.name().to_string();
    }
    stances
        .iter()
        .map(|stance| stance.name())
        .collect::<Vec<_>>()
        .join("+")
}

impl Stance {
    /// Whether the stance counters what the frame says: negated or condemned. Quotation,
    /// reporting, fiction, correction and the rest are not, because their cues are also found
    /// beside real threats (`put that in your threat report`, a match named in a threat to a
    /// coach), where a model that reads the words is right to hold the post.
    pub fn counters(self) -> bool {
        matches!(self, Stance::Negated | Stance::Condemned)
    }
}

/// The strongest frame (by its score before the stance) whose stance counters it: the words
/// of violence or hate are there, but the text denies or condemns them. The caller reads it
/// only where no frame is asserted.
pub fn strongest_countered(frames: &[Frame]) -> Option<&Frame> {
    frames
        .iter()
        .filter(|frame| frame.stances.iter().any(|stance| stance.counters()))
        .max_by(|x, y| x.base.total_cmp(&y.base))
}

fn factor(stance: Stance) -> f64 {
    match stance {
        Stance::Asserted => 1.0,
        Stance::Negated => 0.1,
        Stance::Quoted => 0.4,
        Stance::Reported => 0.35,
        Stance::Condemned => 0.3,
        Stance::Corrected => 0.15,
        Stance::Hypothetical => 0.5,
        Stance::Fictional => 0.25,
        Stance::Jocular => 0.5,
    }
}

struct Builder<'c, 'a> {
    cx: &'c Context<'a>,
    frames: Vec<Frame>,
}

impl Builder<'_, '_> {
    fn push(
        &mut self,
        kind: FrameKind,
        base: f64,
        head: usize,
        slots: Vec<Slot>,
        group_target: bool,
    ) {
        let mut stances = self.cx.stances(head, kind, &slots);
        // Laughter beside heavy abuse mocks; it does not make it a joke between friends.
        if matches!(kind, FrameKind::Insult) && base >= 0.8 {
            stances.retain(|stance| *stance != Stance::Jocular);
        }
        let score = stances
            .iter()
            .fold(base, |score, stance| score * factor(*stance));
        let stance = stances.first().copied().unwrap_or(Stance::Asserted);
        self.frames.push(Frame {
            kind,
            base,
            score: (score * 100.0).round() / 100.0,
            stance,
            stances,
            slots,
            group_target,
            head,
        });
    }
}

fn slot(role: &'static str, range: (usize, usize)) -> Slot {
    Slot {
        role,
        start: range.0,
        end: range.1,
    }
}

/// Finds every frame in an analysed text.
pub fn find_frames(a: &Analysis) -> Vec<Frame> {
    if a.tokens.is_empty() {
        return Vec::new();
    }
    let cx = Context::new(a);
    let mut builder = Builder {
        cx: &cx,
        frames: Vec::new(),
    };
    threats(&mut builder);
    incitement(&mut builder);
    glorification(&mut builder);
    hate(&mut builder);
    coded_hate(&mut builder);
    backhanded(&mut builder);
    insults(&mut builder);
    sexual(&mut builder);
    surveillance(&mut builder);
    civic(&mut builder);
    let mut frames = builder.frames;
    arbitrate(a, &mut frames);
    frames
}

/// The token a frame's act sits on: its `act`, `harm` or `violence` slot, else its head.
fn act_token(frame: &Frame) -> usize {
    frame
        .slots
        .iter()
        .find(|slot| matches!(slot.role, "act" | "harm" | "violence"))
        .map_or(frame.head, |slot| slot.start)
}

/// One reading per act. Where two frames read the same violence, the one that says what the
/// speaker does with it wins:
/// - a call is not praise: a GLORIFY frame whose violence stands in the sentence of an asserted
///   INCITE frame of 0.6 or more (`Shoot the looters, they deserve it`) is the call's
///   endorsement, not praise of violence that happened;
/// - a promise is not a call: an INCITE frame whose act is the harm of an asserted THREAT frame
///   (`we will hang you`) is the speaker's own commitment;
/// - watching a person beside a threat to them (`I know where you live and I'm going to kill
///   you`) is part of the threat, not a second reading as harassment.
fn arbitrate(a: &Analysis, frames: &mut Vec<Frame>) {
    let asserted = |frame: &Frame, kind: FrameKind| frame.kind == kind && frame.stances.is_empty();
    // Only a call read in full (0.6 or more) speaks for its sentence: a call with no target
    // does not silence praise beside it.
    let call_sentences: Vec<u32> = frames
        .iter()
        .filter(|frame| asserted(frame, FrameKind::Incite) && frame.score >= 0.6)
        .map(|frame| a.tokens[act_token(frame)].sentence)
        .collect();
    let threat_acts: Vec<usize> = frames
        .iter()
        .filter(|frame| asserted(frame, FrameKind::Threat))
        .map(act_token)
        .collect();
    let threat_sentences: Vec<u32> = frames
        .iter()
        .filter(|frame| asserted(frame, FrameKind::Threat) && frame.score >= 0.6)
        .map(|frame| a.tokens[frame.head].sentence)
        .collect();
    frames.retain(|frame| match frame.kind {
        FrameKind::Glorify => frame
            .slots
            .iter()
            .find(|slot| slot.role == "violence")
            .is_none_or(|slot| !call_sentences.contains(&a.tokens[slot.start].sentence)),
        FrameKind::Incite => !threat_acts.contains(&act_token(frame)),
        // Watching a person beside a threat to them is part of the threat.
        FrameKind::Insult if frame.slots.iter().any(|slot| slot.role == "intimidation") => {
            let sentence = a.tokens[frame.head].sentence;
            !threat_sentences.iter().any(|&t| t.abs_diff(sentence) <= 1)
        }
        _ => true,
    });
}

fn is_group(cx: &Context<'_>, range: (usize, usize)) -> bool {
    (cx.group_named || !PLURAL_PRONOUNS.contains(&cx.a.word(range.0)))
        && cx.group_at(range.0).is_some()
}

fn threats(b: &mut Builder<'_, '_>) {
    let cx = b.cx;
    let a = cx.a;
    let n = a.tokens.len();
    for clause in a.clauses.clone() {
        // Direct: first person + future/intent + violent act + target. A future marker that opens
        // the clause implies the speaker (`gonna beat you`, `imma put you on a shirt`).
        let implied = a.has(clause.0, C::Future) && !a.has(clause.0, C::SecondPerson);
        // The implied speaker comes first where the clause opens with intent (`going to beat
        // your face in next time I see you`: the later `I` is not the one who threatens).
        let speaker = implied
            .then_some(clause.0)
            .or_else(|| a.find(clause, C::FirstPerson));
        if let Some(speaker) = speaker {
            // `I'm putting you in hospital`: the progressive of the speaker is intent too.
            let progressive = matches!(
                a.word(speaker),
                "i'm" | "im" | "we're" | "were" | "i" | "we"
            ) && (speaker + 1..(speaker + 3).min(clause.1))
                .any(|i| a.word(i).ends_with("ing") || matches!(a.word(i), "am" | "are"));
            let modal = (speaker..clause.1)
                .find(|&i| a.has(i, C::Future) || a.has(i, C::Obligation))
                .or(progressive.then_some(speaker));
            if let Some(modal) = modal {
                let act = (modal..clause.1.min(modal + 8))
                    .find(|&i| a.tokens[i].classes.any(HARM) || a.has(i, C::NoSurvivors));
                if let Some(act) = act {
                    let sentence = a.sentence_of(act);
                    let target = cx
                        .target_in(act + 1, (a.term(act).1 + 5).min(sentence.1))
                        .or_else(|| {
                            if a.tokens[act].classes.has(C::HarmOutcome) {
                                cx.target_in(clause.0, act)
                            } else {
                                None
                            }
                        });
                    if let Some(target) = target {
                        let group = is_group(cx, target);
                        let base =
                            if a.has(target.0, C::SecondPerson) || a.tokens[target.0].mention() {
                                0.9
                            } else {
                                0.85
                            };
                        b.push(
                            FrameKind::Threat,
                            base,
                            act,
                            vec![
                                slot("speaker", a.term(speaker)),
                                slot("modality", a.term(modal)),
                                slot("harm", a.term(act)),
                                slot("target", target),
                            ],
                            group,
                        );
                        continue;
                    }
                }
            }
        }
        // The target's fate: second person, a named account or a group + future + harm outcome.
        let subject = (clause.0..clause.1).find(|&i| {
            a.has(i, C::SecondPerson)
                || a.tokens[i].mention()
                || cx.group_at(i).is_some_and(|g| is_group(cx, g))
        });
        if let Some(subject) = subject {
            let modal = (subject..clause.1).find(|&i| {
                a.has(i, C::Future)
                    || (a.has(i, C::HarmOutcome)
                        && matches!(
                            a.word(a.term(i).0),
                            "won't" | "wont" | "will" | "never" | "you're" | "youre" | "ur" | "you"
                        ))
            });
            if let Some(modal) = modal {
                let harm = (modal..clause.1.min(modal + 12)).find(|&i| {
                    a.has(i, C::HarmOutcome)
                        // A weapon is a harm only when received (`gets lead`, `eat a bullet`).
                        || (a.has(i, C::Weapon)
                            && (i.saturating_sub(2)..i).any(|j| RECEIVE_VERBS.contains(&a.word(j))))
                        || (a.has(i, C::ViolentAct) && a.tokens[i].classes.inflected())
                });
                if let Some(harm) = harm {
                    let target = cx.group_at(subject).unwrap_or_else(|| a.term(subject));
                    let group = is_group(cx, target) && !a.has(subject, C::SecondPerson);
                    b.push(
                        FrameKind::Threat,
                        0.8,
                        harm,
                        vec![
                            slot("target", target),
                            slot("modality", a.term(modal)),
                            slot("harm", a.term(harm)),
                        ],
                        group,
                    );
                    continue;
                }
            }
        }
    }
    // The speaker, a weapon and the addressee in one sentence (`got a blicky for you`), or the
    // speaker bringing a weapon to a place, a time or a group.
    for s in 0..a.sentences.len() {
        let sentence = a.sentences[s];
        let (Some(speaker), Some(weapon)) = (
            a.find(sentence, C::FirstPerson),
            a.find(sentence, C::Weapon),
        ) else {
            continue;
        };
        if weapon < speaker
            || b.frames
                .iter()
                .any(|f| f.kind == FrameKind::Threat && a.tokens[f.head].sentence as usize == s)
        {
            continue;
        }
        let window = a.window(weapon, 0, 1);
        let addressee = (sentence.0..sentence.1).find(|&i| {
            a.has(i, C::SecondPerson)
                || a.tokens[i].mention()
                || matches!(a.word(i), "his" | "her" | "him")
                || (a.has(i, C::Official) && !a.has(i, C::Target))
        });
        let armed = (speaker..weapon).any(|i| {
            a.has(i, C::ArmVerb)
                || matches!(
                    a.word(i),
                    "bringing" | "got" | "have" | "loaded" | "packing" | "carrying"
                )
        });
        let occasion = a.find(window, C::Place).or_else(|| a.find(window, C::Time));
        let group = (window.0..window.1).find_map(|i| cx.group_at(i).filter(|g| is_group(cx, *g)));
        // A weapon and an addressee threaten only when the weapon is brought or pointed at
        // them (`got a blicky for you`), not when both are merely named (`if you ban guns`).
        let aimed_at = addressee.is_some_and(|addressee| {
            addressee > 0 && matches!(a.word(addressee - 1), "for" | "at" | "on" | "to")
        });
        if let Some(addressee) = addressee.filter(|_| armed || aimed_at) {
            b.push(
                FrameKind::Threat,
                0.75,
                weapon,
                vec![
                    slot("speaker", a.term(speaker)),
                    slot("means", a.term(weapon)),
                    slot("target", a.term(addressee)),
                ],
                false,
            );
        } else if armed && (occasion.is_some() || group.is_some()) {
            let mut slots = vec![
                slot("speaker", a.term(speaker)),
                slot("means", a.term(weapon)),
            ];
            if let Some(group) = group {
                slots.push(slot("target", group));
            } else if let Some(occasion) = occasion {
                slots.push(slot("occasion", a.term(occasion)));
            }
            b.push(
                FrameKind::Threat,
                if group.is_some() { 0.8 } else { 0.65 },
                weapon,
                slots,
                group.is_some(),
            );
        }
    }
    // Veiled threats and weak hints beside violent words.
    let violent_text = a
        .all
        .any(&[C::ViolentAct, C::Weapon, C::HarmOutcome, C::Exterminate]);
    for i in 0..n {
        if a.tokens[i].term_start != i {
            continue;
        }
        let classes = a.tokens[i].classes;
        let veiled = classes.has(C::VeiledThreat);
        let hint = classes.has(C::ThreatHint) && violent_text;
        if veiled || hint {
            let sentence = a.window(i, 1, 1);
            let target = cx
                .target_in(sentence.0, sentence.1)
                .unwrap_or_else(|| a.term(i));
            let mut slots = vec![slot("threat", a.term(i)), slot("target", target)];
            if hint
                && let Some(harm) = (sentence.0..sentence.1).find(|&j| {
                    a.tokens[j]
                        .classes
                        .any(&[C::ViolentAct, C::Weapon, C::HarmOutcome])
                })
            {
                slots.push(slot("harm", a.term(harm)));
            }
            b.push(
                FrameKind::Threat,
                if veiled { 0.8 } else { 0.75 },
                i,
                slots,
                false,
            );
        }
    }
}

/// Whether token `i` opens its clause as an imperative (after interjections and vocatives).
fn clause_initial(a: &Analysis, i: usize) -> bool {
    let (start, _) = a.clause_of(i);
    (start..i).all(|j| {
        matches!(
            a.word(j),
            "so" | "just"
                | "now"
                | "then"
                | "and"
                | "pls"
                | "please"
                | "go"
                | "simply"
                | "all"
                | "ok"
                | "okay"
                | "yes"
                | "yeah"
                | "also"
                | "y'all"
                | "yall"
                | "guys"
                | "boys"
                | "lads"
                | "folks"
                | "everyone"
                | "everybody"
                | "you"
                | "u"
                | "but"
                | "finally"
                | "seriously"
                | "honestly"
                | "frankly"
                | "literally"
                | "fucking"
                | "damn"
                | "hey"
                | "first"
                | "next"
                | "tomorrow"
                | "tonight"
                | "today"
        ) || a.has(j, C::CallToAct)
    })
}

fn incitement(b: &mut Builder<'_, '_>) {
    let cx = b.cx;
    let a = cx.a;
    let n = a.tokens.len();
    let mut done = vec![false; a.clauses.len()];
    for i in 0..n {
        let token = &a.tokens[i];
        if token.term_start != i {
            continue;
        }
        let clause_index = token.clause as usize;
        if done[clause_index] {
            continue;
        }
        let clause = a.clause_of(i);
        let sentence = a.sentence_of(i);
        let classes = token.classes;
        let violent = classes.any(VIOLENT) && !reflexive(a, i);
        let cue = (clause.0.max(i.saturating_sub(12))..i)
            .rev()
            .find(|&j| a.tokens[j].classes.any(&[C::CallToAct, C::Obligation]))
            .filter(|&c| governs(a, c, i));
        // A call to do harm by its outcome or with a weapon (`time to make them disappear`,
        // `go give the mayor a crowbar facial`).
        let outcome = !violent
            && cue.is_some()
            && classes.any(&[C::HarmOutcome, C::Weapon])
            && !classes.has(C::ArmVerb);
        // A call, an obligation or an imperative, then a violent act on a target.
        if violent || outcome {
            let imperative = violent && !classes.inflected() && clause_initial(a, i);
            if cue.is_some() || imperative {
                let end = a.term(i).1;
                // Before the call stands who is called on (`you should …`, `we must …`); it is
                // the target only of a passive act (`the mayor should be shot`) or of one done
                // to oneself.
                // `… should kill themselves`: the one called on is also the one harmed.
                let self_inflicted = end < n
                    && matches!(
                        a.word(end),
                        "himself" | "herself" | "themselves" | "yourself" | "yourselves"
                    );
                // An outcome happens to the subject (`they should meet their maker`).
                let passive = self_inflicted
                    || outcome
                    || cue.is_some_and(|c| {
                        (a.term(c).0..i).any(|j| {
                            matches!(
                                a.word(j),
                                "be" | "been" | "being" | "get" | "got" | "gets" | "getting" | "b"
                            )
                        })
                    });
                let target = cx
                    .target_in_text(end, (end + 8).min(sentence.1))
                    .or_else(|| cue.and_then(|c| cx.target_in_text(a.term(c).1, i)))
                    .or_else(|| {
                        cue.filter(|_| passive)
                            .and_then(|c| cx.target_in_text(clause.0, c))
                    })
                    .or_else(|| {
                        // After a verb that only takes the living, any noun phrase is a target.
                        (a.has(i, C::LethalAct)
                            && end + 1 < sentence.1
                            && matches!(
                                a.word(end),
                                "the"
                                    | "that"
                                    | "this"
                                    | "those"
                                    | "these"
                                    | "his"
                                    | "her"
                                    | "their"
                                    | "every"
                                    | "any"
                                    | "our"
                                    | "your"
                            ))
                        .then_some((end, end + 2))
                    })
                    .or_else(|| {
                        // "every last one", "all of them" after the verb.
                        (end..(end + 4).min(sentence.1))
                            .find(|&j| {
                                matches!(a.word(j), "all" | "every" | "everyone" | "everybody")
                            })
                            .map(|j| (j, j + 1))
                    });
                let base = match (target, a.has(i, C::Exterminate)) {
                    (Some(_), _) if outcome => 0.75,
                    (Some(_), _) => 0.85,
                    (None, true) => 0.55,
                    (None, false) => 0.5,
                };
                if outcome && target.is_none() {
                    continue;
                }
                // Violence already done is not called for (`whoever killed the mayor`, `the men
                // who burned the offices`), unless an obligation, a passive or a question in the
                // perfect makes it one (`should be shot`, `why hasn't anyone shot him yet`).
                let called = cue.is_some_and(|c| {
                    let (start, end) = a.term(c);
                    !a.has(c, C::Obligation)
                        && !(start..end).any(|j| {
                            matches!(a.word(j), "has" | "hasn't" | "hasnt" | "have" | "haven't")
                        })
                });
                // The act of a relative clause is what someone did (`must treat the soldier who
                // burned her village`), whatever the call before it.
                let relative = i > 0 && matches!(a.word(i - 1), "who" | "which" | "that");
                if violent && (called || relative) && !passive && past_form(a.word(i)) {
                    continue;
                }
                // A call the speaker makes to themself (`we'll`, `I'm going to`) is a promise:
                // a threat, not incitement.
                let promise = cue.is_some_and(|c| promises(a, c));
                let (kind, call_role) = if promise {
                    (FrameKind::Threat, "speaker")
                } else {
                    (FrameKind::Incite, "call")
                };
                let mut slots = vec![slot("act", a.term(i))];
                if let Some(cue) = cue {
                    slots.insert(0, slot(call_role, a.term(cue)));
                } else {
                    slots.insert(0, slot("call", (i, i + 1)));
                }
                let group = target.is_some_and(|t| is_group(cx, t));
                if let Some(target) = target {
                    slots.push(slot("target", target));
                }
                b.push(kind, base, i, slots, group);
                done[clause_index] = true;
                continue;
            }
        }
        // Wishes of death on a target.
        if classes.has(C::DeathWish) {
            let window = a.window(i, 1, 0);
            let target = cx
                .target_in(a.term(i).1, (a.term(i).1 + 4).min(sentence.1))
                .or_else(|| cx.target_in(window.0, i));
            let base = if target.is_some() { 0.85 } else { 0.7 };
            let group = target.is_some_and(|t| is_group(cx, t));
            let mut slots = vec![slot("act", a.term(i))];
            if let Some(target) = target {
                slots.push(slot("target", target));
            }
            b.push(FrameKind::Incite, base, i, slots, group);
            done[clause_index] = true;
            continue;
        }
        // Leave nobody alive: a set phrase, or `don't let … walk out`.
        let let_none = (a.word(i) == "let"
            && i > clause.0
            && a.has(i - 1, C::Negation)
            && (i + 1..(i + 8).min(sentence.1)).any(|j| a.has(j, C::Escape)))
            // `no one inside gets out`, `not one of them walks away`
            || (matches!(a.word(i), "no" | "nobody" | "none" | "not" | "noone")
                && (i + 1..(i + 5).min(sentence.1)).any(|j| a.has(j, C::Escape))
                && a.text_has(C::ViolentAct));
        let hospitable =
            (a.term(i).1..(a.term(i).1 + 6).min(sentence.1)).any(|j| a.word(j) == "without");
        if (classes.has(C::NoSurvivors) || let_none) && !hospitable {
            let window = a.window(i, 1, 1);
            let mobilised = a.find(window, C::CallToAct).is_some()
                || a.find(window, C::Weapon).is_some()
                || a.find(window, C::ArmVerb).is_some()
                || clause_initial(a, i)
                || let_none;
            let target = cx.target_in(window.0, window.1);
            let base = if mobilised { 0.85 } else { 0.65 };
            let group = target.is_some_and(|t| is_group(cx, t));
            let mut slots = vec![slot("act", a.term(i))];
            if let Some(target) = target {
                slots.push(slot("target", target));
            }
            b.push(FrameKind::Incite, base, i, slots, group);
            done[clause_index] = true;
            continue;
        }
        // A call to arms: bring / grab / load + weapon.
        if classes.has(C::ArmVerb)
            && (clause_initial(a, i) || a.find((clause.0, i), C::CallToAct).is_some())
        {
            let weapon = (i..(a.term(i).1 + 4).min(clause.1)).find(|&j| a.has(j, C::Weapon));
            // Taking the weapons away from someone is the opposite of arming (`take the guns
            // from …`, `take their rifles away`).
            let disarm = weapon.is_some_and(|w| {
                let end = a.term(w).1;
                (end..(end + 2).min(clause.1)).any(|j| matches!(a.word(j), "from" | "away" | "off"))
            });
            if let Some(weapon) = weapon.filter(|_| !disarm) {
                let window = a.window(i, 2, 1);
                let violent_near = (window.0..window.1).any(|j| {
                    a.tokens[j].classes.any(&[
                        C::ViolentAct,
                        C::Exterminate,
                        C::NoSurvivors,
                        C::DeathWish,
                    ])
                }) || (window.0..window.1)
                    .any(|j| a.word(j) == "let" && j > 0 && a.has(j - 1, C::Negation));
                let gathering =
                    a.find(window, C::Time).is_some() && a.find(window, C::Place).is_some();
                let target = cx.target_in(window.0, window.1);
                let base = if violent_near || gathering || target.is_some() {
                    0.85
                } else {
                    0.55
                };
                let mut slots = vec![slot("call", a.term(i)), slot("means", a.term(weapon))];
                let group = target.is_some_and(|t| is_group(cx, t));
                if let Some(target) = target {
                    slots.push(slot("target", target));
                }
                b.push(FrameKind::Incite, base, i, slots, group);
                done[clause_index] = true;
            }
        }
    }
}

fn glorification(b: &mut Builder<'_, '_>) {
    let cx = b.cx;
    let a = cx.a;
    let n = a.tokens.len();
    let violence_classes: &[C] = &[
        C::ViolentAct,
        C::Exterminate,
        C::HarmOutcome,
        C::Weapon,
        C::Perpetrator,
    ];
    for s in 0..a.sentences.len() {
        let sentence = a.sentences[s];
        if sentence.0 == sentence.1 {
            continue;
        }
        let window = a.window(sentence.0, 1, 1);
        // Violence that did not happen (`grateful no one was hurt`) is not praised.
        let violence = (window.0..window.1).find(|&i| {
            a.tokens[i].classes.any(violence_classes) && !reflexive(a, i) && !cx.negated(i)
        });
        // Strong praise, or being said to deserve it, in this sentence; not praise named as a
        // topic (`Cheering when cops beat a man isn't law and order`, `stop glorifying …`).
        let praise = (sentence.0..sentence.1).find(|&i| {
            (a.has(i, C::Praise) || a.has(i, C::Deserve)) && !praise_as_topic(a, i, sentence)
        });
        // Praise endorses violence in its own sentence, or from a short sentence beside it
        // (`About time.`); elsewhere it praises someone else (the rescuer, the victim).
        let violence = violence
            .filter(|&v| a.tokens[v].sentence as usize == s || sentence.1 - sentence.0 <= 4);
        if let (Some(praise), Some(violence)) = (praise, violence) {
            let target = cx.target_in_text(window.0, window.1);
            let perpetrator = a.find(window, C::Perpetrator);
            let mut slots = vec![
                slot("violence", a.term(violence)),
                slot("endorsement", a.term(praise)),
            ];
            let group = target.is_some_and(|t| is_group(cx, t));
            if let Some(target) = target {
                slots.push(slot("target", target));
            }
            // Without a target or perpetrator, praise beside violent words is only recorded (0.5);
            // mass killing names its victims itself (`the massacre was the best thing`).
            let mass = a.has(violence, C::Exterminate) || a.word(violence).starts_with("massacre");
            let base =
                if target.is_some() || perpetrator.is_some() || mass || a.has(praise, C::Deserve) {
                    0.85
                } else {
                    0.5
                };
            b.push(FrameKind::Glorify, base, praise, slots, group);
            continue;
        }
        // Weak approval right beside violence done to a target.
        let approval = (sentence.0..sentence.1).find(|&i| a.has(i, C::Approval));
        if let Some(approval) = approval {
            let near = (sentence.0.max(approval.saturating_sub(6))..(approval + 7).min(sentence.1))
                .find(|&i| a.tokens[i].classes.any(HARM) && !reflexive(a, i));
            if let Some(near) = near
                && a.find(window, C::Perpetrator).is_none()
                && let Some(target) = cx.target_in_text(window.0, window.1)
            {
                let group = is_group(cx, target);
                b.push(
                    FrameKind::Glorify,
                    0.7,
                    approval,
                    vec![
                        slot("violence", a.term(near)),
                        slot("endorsement", a.term(approval)),
                        slot("target", target),
                    ],
                    group,
                );
                continue;
            }
        }
        // Violence promised against unrest: looters, rioters, thieves.
        if let Some(unrest) = a.find(sentence, C::UnrestTarget)
            && let Some(violence) = (sentence.0..(a.window(unrest, 0, 1).1).min(n)).find(|&i| {
                a.tokens[i]
                    .classes
                    .any(&[C::ViolentAct, C::Weapon, C::HarmOutcome])
            })
        {
            let modal = (window.0..window.1).find(|&i| {
                a.tokens[i].classes.any(&[
                    C::Future,
                    C::Obligation,
                    C::Deserve,
                    C::Praise,
                    C::Approval,
                ]) || matches!(
                    a.word(i),
                    "when"
                        | "if"
                        | "anyone"
                        | "any"
                        | "every"
                        | "whoever"
                        | "gets"
                        | "get"
                        | "starts"
                )
            });
            let base = if modal.is_some() { 0.8 } else { 0.5 };
            let mut slots = vec![
                slot("target", a.term(unrest)),
                slot("violence", a.term(violence)),
            ];
            if let Some(modal) = modal {
                slots.push(slot("modality", a.term(modal)));
            }
            b.push(FrameKind::Glorify, base, violence, slots, false);
        }
    }
}

/// Whether the praise at `i` is named as a topic rather than given: a gerund that opens the
/// sentence (`Glorifying shooters is how …`) or follows a word that makes it an object of talk
/// (`stop cheering …`, `tired of celebrating …`, `arrested for praising …`).
fn praise_as_topic(a: &Analysis, i: usize, sentence: (usize, usize)) -> bool {
    let word = a.word(i);
    word.ends_with("ing")
        && (i == sentence.0
            || matches!(
                a.word(i - 1),
                "stop" | "quit" | "stopped" | "of" | "for" | "about" | "against" | "without"
            ))
}

/// Whether a link word sits between `from` and `to`, at most three words before `to`, with no
/// verb in `-ing` or `-ed` after it (`are just cargo`, not `are buying property`).
fn close_link(a: &Analysis, from: usize, to: usize) -> bool {
    let Some(link) = (from..to)
        .rev()
        .find(|&i| a.has(i, C::Link) || a.has(i, C::Generaliser))
    else {
        return false;
    };
    to - link <= 4
        && (link + 1..to).all(|i| {
            let word = a.word(i);
            a.tokens[i].classes.any(&[C::Link, C::Generaliser])
                || word.contains('-')
                || !(word.ends_with("ing") || word.ends_with("ed"))
        })
}

/// Words that open a prepositional phrase: an insult after one is the object of the
/// preposition (`you're from a trash can`), not said of the person.
const PREPOSITIONS: &[&str] = &[
    "from", "in", "at", "on", "with", "into", "onto", "for", "about", "by", "near", "inside",
    "behind", "under", "over", "off", "through", "without",
];

/// Subjects that take over the predicate after an addressee: what follows is said of a thing
/// (`@a dat is one ugly animal`), not of the person addressed.
const THING_SUBJECTS: &[&str] = &["this", "that", "dat", "dis", "it", "its", "it's"];

/// Whether the words between an addressee (ending at `from`) and an insult at `to` let the insult
/// be said of the addressee: no preposition, no demonstrative subject of its own, and no verb
/// in `-ing` that makes the insult its object (`you been smoking trash`).
fn predicative(a: &Analysis, from: usize, to: usize) -> bool {
    // A phrase before the link describes the addressee (`Marta from payroll is a …`); after it,
    // a preposition or a verb takes the insult as its object.
    let link = (from..to)
        .rev()
        .find(|&i| a.has(i, C::Link))
        .unwrap_or(from);
    // `you should always take the trash out`, `did you make an animal cracker`: a modal or a
    // verb of making and handling takes the word as its object, unless a link follows it
    // (`you should be ashamed, idiot`).
    let object = (from..to).any(|i| {
        (a.tokens[i].classes.any(&[C::Obligation, C::Future]) && link <= i)
            || OBJECT_VERBS.contains(&a.word(i))
    });
    !object
        && (from..to).all(|i| !THING_SUBJECTS.contains(&a.word(i)))
        && (link..to).all(|i| {
            let word = a.word(i);
            let classes = a.tokens[i].classes;
            let verb = word.len() > 4
                && word.ends_with("ing")
                && !word.contains('-')
                && !classes.any(&[C::Link, C::Generaliser, C::Insult, C::Slur]);
            !(verb || PREPOSITIONS.contains(&word))
        })
}

/// Whether the call or obligation at `cue` governs the act at `act`: not an inference
/// (`must be the bombs …`), and no other predicate in between that the act belongs to (`wants to
/// be inclusive and that the community is attacking her`).
fn governs(a: &Analysis, cue: usize, act: usize) -> bool {
    let after = a.term(cue).1;
    let inference = matches!(a.word(after.saturating_sub(1)), "be")
        && after < act
        && matches!(
            a.word(after),
            "the" | "a" | "an" | "that" | "this" | "those" | "these" | "some" | "why" | "because"
        );
    let other_predicate = a.word(act).ends_with("ing")
        && (after..act).any(|j| {
            matches!(
                a.word(j),
                "is" | "are" | "was" | "were" | "am" | "r" | "he's" | "she's" | "they're"
            )
        });
    !(inference || other_predicate)
}

/// First words of calls that speak of what is to come (`let's`, `time to`, `someone should`), as
/// opposed to the vocatives of the call lexicon (`soldiers`, `everyone`), which also name people
/// in a story.
const CALL_OPENERS: &[&str] = &[
    "let's", "lets", "let", "time", "it's", "its", "it", "about", "now", "we", "someone",
    "somebody", "go", "come", "rise", "join", "why", "y'all", "yall", "you",
];

/// Verbs of making and handling things: what follows them is their object, not a name for the
/// person before them.
const OBJECT_VERBS: &[&str] = &[
    "make", "made", "take", "took", "eat", "ate", "buy", "bought", "cook", "cooked", "bring",
    "brought", "throw", "threw", "clean", "cleaned", "feed", "fed", "use", "used", "carry",
    "carried", "draw", "drew", "wear", "wore", "order", "ordered", "bake", "baked", "grab",
    "grabbed", "sell", "sold", "pick", "picked", "empty", "emptied", "dump", "dumped",
];

/// Past forms of violent verbs that do not end in `-ed`.
/// Forms that are also present tense (`cut`, `slit`, `hit`, `beat`) are left out.
const IRREGULAR_PAST: &[&str] = &[
    "shot", "ran", "burnt", "struck", "hung", "blew", "blown", "slew", "slain", "threw", "thrown",
    "drove", "bled", "fought", "stuck", "beaten", "bitten", "did", "took",
];

/// Whether `word` is a past form of a verb (`killed`, `shot`): the act happened. `-eed` verbs
/// (`bleed`, `feed`) are present tense.
fn past_form(word: &str) -> bool {
    (word.len() > 5 && word.ends_with("ed") && !word.ends_with("eed"))
        || IRREGULAR_PAST.contains(&word)
}

/// Whether the call at `cue` is the speaker's own intent (`we'll`, `we're going to`, `I'll`):
/// a promise of what the speaker will do.
fn promises(a: &Analysis, cue: usize) -> bool {
    let (start, end) = a.term(cue);
    let words: Vec<&str> = (start..end).map(|j| a.word(j)).collect();
    let first_person_future = matches!(
        words.as_slice(),
        ["we", "will"] | ["we'll"] | ["we're", "going", "to"] | ["we", "are", "going", "to"]
    );
    first_person_future || (a.has(cue, C::Future) && start > 0 && a.has(start - 1, C::FirstPerson))
}

/// Whether the act at `act` is done by the speaker to themself (`nearly killed myself`): it is
/// neither a threat nor a call nor praise of violence against others. (`they should kill
/// themselves` is a death wish on others and stays one.)
fn reflexive(a: &Analysis, act: usize) -> bool {
    let end = a.term(act).1;
    end < a.tokens.len() && matches!(a.word(end), "myself" | "ourselves" | "meself")
}

/// Whether a link word sits strictly between `from` and `to`.
fn linked(a: &Analysis, from: usize, to: usize) -> bool {
    (from..to).any(|i| a.has(i, C::Link) || a.has(i, C::Generaliser))
}

fn hate(b: &mut Builder<'_, '_>) {
    let cx = b.cx;
    let a = cx.a;
    let n = a.tokens.len();
    let mut seen_clause = vec![[false; 3]; a.clauses.len()];
    for i in 0..n {
        let Some(group) = cx.group_at(i) else {
            continue;
        };
        if group.0 != i || (i > 0 && cx.group_at(i - 1).is_some_and(|g| g.1 > i)) {
            continue;
        }
        let clause_index = a.tokens[i].clause as usize;
        let clause = a.clause_of(i);
        let generic = cx.generic(group, clause);
        let after = (group.1, (group.1 + 9).min(clause.1));
        let sentence_after = (group.1, (group.1 + 9).min(a.sentence_of(i).1));
        let before = (clause.0.max(i.saturating_sub(5)), i);
        // DEHUMANISE: group + link + dehumanising term; or a dehumanising verb; or adjacency.
        if !seen_clause[clause_index][0] {
            let found = (sentence_after.0..sentence_after.1)
                .find(|&j| a.has(j, C::Dehumanising) && (j == group.1 || close_link(a, group.1, j)))
                .or_else(|| {
                    // `🐀🐀 = the refugees`: the comparison before the group.
                    (clause.0.max(i.saturating_sub(5))..i).find(|&j| {
                        a.has(j, C::Dehumanising) && (j + 1..i).any(|k| a.has(k, C::Link))
                    })
                })
                .or_else(|| {
                    (after.0..(group.1 + 4).min(clause.1)).find(|&j| a.has(j, C::DehumanisingVerb))
                })
                .or_else(|| (i > clause.0 && a.has(i - 1, C::Dehumanising)).then(|| i - 1))
                .or_else(|| {
                    // `Jewish bankers 🐍🐙`: an emoji after the noun phrase is its predicate.
                    (group.1..(group.1 + 3).min(clause.1)).find(|&j| {
                        a.has(j, C::Dehumanising)
                            && !a.word(j).chars().any(char::is_alphanumeric)
                            && (group.1..j).all(|k| {
                                (a.tokens[k].classes.is_empty() || a.has(k, C::Target))
                                    && a.word(k).chars().all(char::is_alphabetic)
                            })
                    })
                });
            if let Some(found) = found {
                seen_clause[clause_index][0] = true;
                b.push(
                    FrameKind::Dehumanise,
                    if generic { 0.85 } else { 0.7 },
                    found,
                    vec![slot("group", group), slot("predicate", a.term(found))],
                    true,
                );
            }
        }
        // DEROGATE: attribute, emotion or harmful action generalised to the group.
        if !seen_clause[clause_index][1] {
            let attribute = (after.0..after.1)
                .find(|&j| a.has(j, C::DerogatoryAttribute) && close_link(a, group.1, j))
                .or_else(|| (i > clause.0 && a.has(i - 1, C::DerogatoryAttribute)).then(|| i - 1));
            let emotion = (before.0..before.1)
                .find(|&j| a.has(j, C::NegativeEmotion))
                .or_else(|| {
                    (after.0..(group.1 + 6).min(clause.1)).find(|&j| a.has(j, C::NegativeEmotion))
                });
            let action =
                (after.0..(group.1 + 6).min(clause.1)).find(|&j| a.has(j, C::HarmfulAction));
            let generalised = a.find(clause, C::Generaliser).is_some();
            let found = attribute
                .map(|j| (j, "attribute", if generic { 0.8 } else { 0.55 }))
                .or_else(|| emotion.map(|j| (j, "emotion", if generic { 0.8 } else { 0.6 })))
                .or_else(|| {
                    action.map(|j| {
                        (
                            j,
                            "action",
                            if generalised {
                                0.8
                            } else if generic {
                                0.65
                            } else {
                                0.45
                            },
                        )
                    })
                })
                .or_else(|| a.has(i, C::Slur).then_some((i, "slur", 0.8)));
            if let Some((found, role, base)) = found {
                seen_clause[clause_index][1] = true;
                let base = if a.text_has(C::Disclaimer) {
                    (base + 0.1_f64).min(0.9)
                } else {
                    base
                };
                b.push(
                    FrameKind::Derogate,
                    base,
                    found,
                    vec![slot("group", group), slot(role, a.term(found))],
                    true,
                );
            }
        }
        // EXCLUDE: stated outright, or an act of exclusion with a call or an obligation.
        if !seen_clause[clause_index][2] {
            let sentence = a.sentence_of(i);
            let wide = (
                clause.0.max(i.saturating_sub(8)),
                (group.1 + 9).min(sentence.1),
            );
            let state = (wide.0..wide.1)
                .find(|&j| a.has(j, C::ExclusionState) && !(group.0..group.1).contains(&j));
            let act = (wide.0..wide.1)
                .find(|&j| a.has(j, C::Exclusion) && !(group.0..group.1).contains(&j))
                .filter(|&j| {
                    let clause = a.clause_of(j);
                    clause_initial(a, j)
                        || (clause.0..j).any(|k| {
                            a.tokens[k]
                                .classes
                                .any(&[C::CallToAct, C::Obligation, C::Future])
                        })
                        || (j > 0
                            && matches!(a.word(j - 1), "be" | "get" | "got" | "been" | "being"))
                        || (j == group.1 && a.tokens[j].classes.inflected())
                });
            // `no Christians allowed`, not `you are no Christian` (a predicate about a person).
            // `No, trans people are …` is an answer, not `no trans people`: the `no` must be in
            // the group's clause.
            let no_allowed = i > clause.0
                && a.word(i - 1) == "no"
                && !(i > 1 && a.has(i - 2, C::Link))
                && ((group.1..(group.1 + 3).min(sentence.1)).any(|j| {
                    matches!(
                        a.word(j),
                        "allowed"
                            | "welcome"
                            | "permitted"
                            | "wanted"
                            | "in"
                            | "at"
                            | "here"
                            | "near"
                            | "inside"
                            | "on"
                            | "no"
                    )
                }) || group.1 == clause.1
                    || clause_initial(a, i - 1));
            let compound = (group.0..group.1)
                .find(|&j| a.word(j).ends_with("-only") || a.word(j).ends_with("-free"));
            let found = state
                .or(act)
                .or_else(|| no_allowed.then(|| i - 1))
                .or(compound);
            if let Some(found) = found {
                seen_clause[clause_index][2] = true;
                b.push(
                    FrameKind::Exclude,
                    if generic || no_allowed { 0.85 } else { 0.65 },
                    found,
                    vec![slot("group", group), slot("exclusion", a.term(found))],
                    true,
                );
            }
        }
    }
}

/// DEROGATE by a code: a code or slogan of a hate movement (`1488`, `the goyim know`) names its
/// target itself, so it needs no group word beside it.
fn coded_hate(b: &mut Builder<'_, '_>) {
    let a = b.cx.a;
    if !a.text_has(C::CodedHate) {
        return;
    }
    for i in 0..a.tokens.len() {
        if a.tokens[i].term_start == i && a.has(i, C::CodedHate) {
            b.push(
                FrameKind::Derogate,
                0.8,
                i,
                vec![slot("code", a.term(i))],
                true,
            );
        }
    }
}

/// DEROGATE by a backhanded compliment: a quality praised as a surprise in a member of a group
/// (`smart for a …`, `clean for a …`, `not like other …`, `one of the good ones` beside a
/// group). The group is the standard the person is measured against.
fn backhanded(b: &mut Builder<'_, '_>) {
    let cx = b.cx;
    let a = cx.a;
    if !a.text_has(C::Backhanded) {
        return;
    }
    let n = a.tokens.len();
    for i in 0..n {
        if a.tokens[i].term_start != i || !a.has(i, C::Backhanded) {
            continue;
        }
        let term = a.term(i);
        let sentence = a.sentence_of(i);
        let clause = a.clause_of(i);
        let last = a.word(term.1 - 1);
        let group = match last {
            // `not like other women`: the group follows the term.
            "other" | "most" => (term.1 < sentence.1).then(|| cx.group_at(term.1)).flatten(),
            // `one of the good ones`: a group named in the sentence.
            "ones" => (sentence.0..sentence.1)
                .filter(|j| !(term.0..term.1).contains(j))
                .find_map(|j| cx.group_at(j)),
            // `smart for a …`: `for a` and a person of the group right after the quality (or
            // another quality or an intensifier: `pretty smart for a …`), not an attributive
            // adjective (`a pretty scarf for a …`).
            _ => {
                let mut j = term.1;
                while j < clause.1
                    && j < term.1 + 3
                    && (a.has(j, C::Backhanded)
                        || matches!(a.word(j), "enough" | "really" | "so" | "very" | "too"))
                {
                    j = a.term(j).1.max(j + 1);
                }
                (j + 2 < clause.1 && a.word(j) == "for" && matches!(a.word(j + 1), "a" | "an"))
                    .then(|| {
                        let k = j + 2;
                        cx.group_at(k).or_else(|| {
                            // `for a Mexican` with nothing after: the adjective as a noun (not `for
                            // a gay bar`).
                            (a.has(k, C::GroupAdjective) && k + 1 == clause.1).then_some((k, k + 1))
                        })
                    })
                    .flatten()
                    // Not a possessive (`for a Muslim friend's wedding`).
                    .filter(|group| !a.word(group.1 - 1).ends_with("'s"))
            }
        };

        let Some(group) = group else { continue };
        b.push(
            FrameKind::Derogate,
            0.75,
            i,
            vec![slot("group", group), slot("backhanded", term)],
            true,
        );
    }
}

/// SEXUAL HARASSMENT, read as an insult frame: a sexual remark or solicitation in a sentence that
/// speaks to or of a person (`you`, an @handle, a name, the account answered). A coercion beside
/// it (`or I'll …`, `until you …`) or an insult makes it heavier.
fn sexual(b: &mut Builder<'_, '_>) {
    let a = b.cx.a;
    if !a.text_has(C::Sexual) {
        return;
    }
    let second_person = |j: usize| {
        a.has(j, C::SecondPerson)
            || matches!(
                a.word(j),
                "you" | "your" | "you're" | "youre" | "u" | "ur" | "yourself" | "you'd" | "you'll"
            )
    };
    for i in 0..a.tokens.len() {
        let token = &a.tokens[i];
        if token.term_start != i || !token.classes.has(C::Sexual) {
            continue;
        }
        let window = a.window(i, 1, 1);
        let person = (window.0..window.1).find(|&j| {
            let t = &a.tokens[j];
            second_person(j) || t.mention() || t.name || t.reply
        });
        let Some(person) = person else { continue };
        let heavy = (window.0..window.1)
            .any(|j| a.tokens[j].classes.any(&[C::Coercion, C::Insult, C::Slur]));
        b.push(
            FrameKind::Insult,
            if heavy { 0.8 } else { 0.7 },
            i,
            vec![slot("addressee", a.term(person)), slot("sexual", a.term(i))],
            false,
        );
    }
}

/// INTIMIDATION, read as an insult frame: the speaker (`I`, `me`, `my` in the sentence or the
/// next) tells a person addressed or named that they are watched, followed or found (`I know
/// which gym you go to and what time`, `made a new account since you blocked me`). Two such terms
/// in the first such sentence and the next, or one beside a condition, a clock time, a veiled
/// threat or a hint of one, make it harassment; one alone is only recorded.
fn surveillance(b: &mut Builder<'_, '_>) {
    let a = b.cx.a;
    if !a.text_has(C::Surveillance) {
        return;
    }
    for s in 0..a.sentences.len() {
        let sentence = a.sentences[s];
        let Some(first) = (sentence.0..sentence.1).find(|&i| a.has(i, C::Surveillance)) else {
            continue;
        };
        let window = a.window(first, 0, 1);
        let terms = (window.0..window.1)
            .filter(|&i| a.has(i, C::Surveillance) && a.tokens[i].term_start == i)
            .count();
        let person = (window.0..window.1).find(|&j| {
            let t = &a.tokens[j];
            t.classes.has(C::SecondPerson) || t.mention() || t.name || t.reply
        });
        let Some(person) = person else { continue };
        // The speaker says it (`I`, `me`, `my`): `your polling place depends on your address`
        // is information, not watching.
        let speaker = (window.0..window.1)
            .any(|j| a.has(j, C::FirstPerson) || matches!(a.word(j), "me" | "my" | "i've" | "ive"));
        if !speaker {
            continue;
        }
        // A condition, a veiled threat or a clock time presses it (`what time you leave`, `at
        // 8:14`); a day named in passing does not.
        let pressed = (window.0..window.1).any(|j| {
            a.tokens[j]
                .classes
                .any(&[C::Coercion, C::ThreatHint, C::VeiledThreat])
                || (a.has(j, C::Time) && a.word(j).chars().any(|c| c.is_ascii_digit()))
        });
        let base = if terms >= 2 || pressed { 0.75 } else { 0.5 };
        b.push(
            FrameKind::Insult,
            base,
            first,
            vec![
                slot("addressee", a.term(person)),
                slot("intimidation", a.term(first)),
            ],
            false,
        );
        // One reading per post: the first watched sentence with a speaker speaks for the rest.
        return;
    }
}

fn insults(b: &mut Builder<'_, '_>) {
    let cx = b.cx;
    let a = cx.a;
    let n = a.tokens.len();
    // The weightiest insult of each clause: (score, addressee, insult).
    let mut best: Vec<Option<(f64, usize, usize)>> = vec![None; a.clauses.len()];
    for i in 0..n {
        let token = &a.tokens[i];
        if token.term_start != i {
            continue;
        }
        if token.classes.has(C::SelfHarm) {
            b.push(
                FrameKind::Insult,
                0.9,
                i,
                vec![slot("abuse", a.term(i))],
                false,
            );
            continue;
        }
        // Whom the insult is aimed at decides its weight: the person spoken to ("you"), a
        // person spoken of (a name, an @mention, an official), or only the account answered
        // (a reply prefix followed directly by the insult: "@a trash").
        let second_person = token.classes.has(C::SecondPerson);
        let spoken_of = token.name
            || token.mention()
            || (token.classes.has(C::Official)
                && !token.classes.any(&[C::ProtectedGroup, C::Target])
                && i + 2 < n
                && a.has(i + 2, C::Link))
            || (token.classes.has(C::Official)
                && (i + 1..(i + 3).min(n)).any(|j| a.has(j, C::Link)));
        let last_reply = token.reply && !(i + 1 < n && a.tokens[i + 1].reply);
        if !(second_person || spoken_of || last_reply) {
            continue;
        }
        let clause = a.clause_of(i);
        let mut end = a.term(i).1;
        let sentence = a.sentence_of(i);
        if token.name {
            // A full name (`Lucy Tran`) and a short phrase of where the person is from (`from
            // the choir`) stand between the name and what is said of it.
            while end < clause.1 && a.tokens[end].name && end - i < 3 {
                end += 1;
            }
            if end < clause.1
                && a.word(end) == "from"
                && let Some(link) = (end + 1..(end + 5).min(clause.1)).find(|&j| a.has(j, C::Link))
            {
                end = link;
            }
            if !(end..(end + 3).min(clause.1)).any(|j| a.has(j, C::Link)) {
                continue;
            }
        }
        let insulting = |j: usize| a.tokens[j].classes.any(&[C::Insult, C::Slur]);
        let insult = if last_reply && !second_person && !spoken_of {
            // Vocative only: the insult is the next word or the one after it.
            (end..(end + 2).min(sentence.1)).find(|&j| insulting(j) && predicative(a, end, j))
        } else {
            (end..(end + 6).min(clause.1.max((end + 4).min(sentence.1))))
                .find(|&j| {
                    insulting(j) && (j <= end + 2 || linked(a, end, j)) && predicative(a, end, j)
                })
                .or_else(|| {
                    // "idiots like you", "what an idiot you are": nothing but `like` or `as`
                    // between (not `a lazy argument and you`).
                    (clause.0.max(i.saturating_sub(3))..i).find(|&j| {
                        insulting(j) && (a.term(j).1..i).all(|k| matches!(a.word(k), "like" | "as"))
                    })
                })
        };
        let Some(insult) = insult else { continue };
        let intensified = (clause.0..clause.1).any(|j| {
            matches!(
                a.word(j),
                "fucking"
                    | "fuckin"
                    | "absolute"
                    | "complete"
                    | "total"
                    | "utter"
                    | "such"
                    | "pathetic"
                    | "stupid"
            )
        });
        // `so`, `literally`, `genuinely` intensify an insult said to `you`, less: laughter beside
        // it may still be banter.
        let softly = second_person
            && (clause.0..clause.1).any(|j| {
                matches!(
                    a.word(j),
                    "so" | "literally" | "genuinely" | "truly" | "biggest"
                )
            });
        // Distinct insulting terms in the sentence: one mild word is not yet abuse.
        let mut terms = 0;
        let mut j = sentence.0;
        while j < sentence.1 {
            if a.tokens[j]
                .classes
                .any(&[C::Insult, C::Slur, C::DerogatoryAttribute])
            {
                terms += 1;
                j = a.term(j).1.max(j + 1);
            } else {
                j += 1;
            }
        }
        let heavy = intensified || terms >= 2;
        let score = match (second_person, heavy) {
            (true, true) => 0.8,
            (true, false) if softly => 0.75,
            (true, false) | (false, true) => 0.7,
            (false, false) => 0.5,
        };
        let best = &mut best[token.clause as usize];
        if best.is_none_or(|(previous, _, _)| score > previous) {
            *best = Some((score, i, insult));
        }
    }
    pile_on(b);
    for (score, addressee, insult) in best.into_iter().flatten() {
        b.push(
            FrameKind::Insult,
            score,
            insult,
            vec![
                slot("addressee", a.term(addressee)),
                slot("insult", a.term(insult)),
            ],
            false,
        );
    }
}

/// PILE-ON, read as an insult frame: a call on others (`everyone`, `let's all`, an imperative
/// opening the clause) to a harassing act (`flood her replies`, `mass-report`, `remind her`)
/// against a person named in the sentence or the one before (`@handle`, a name, her, him).
/// Stronger where the text also insults.
fn pile_on(b: &mut Builder<'_, '_>) {
    let a = b.cx.a;
    if !a.text_has(C::HarassAct) {
        return;
    }
    // One pile-on frame per clause.
    let mut done = vec![false; a.clauses.len()];
    for i in 0..a.tokens.len() {
        let token = &a.tokens[i];
        if token.term_start != i || !token.classes.has(C::HarassAct) || done[token.clause as usize]
        {
            continue;
        }
        let clause = a.clause_of(i);
        let called = clause_initial(a, i)
            || (clause.0..i).any(|j| a.tokens[j].classes.any(&[C::CallToAct, C::Obligation]))
            || matches!(
                a.word(clause.0),
                "everyone" | "everybody" | "y'all" | "yall" | "guys" | "folks" | "people"
            );
        if !called || b.cx.negated(i) {
            continue;
        }
        let window = a.window(i, 1, 1);
        let person = (window.0..window.1).find(|&j| {
            let t = &a.tokens[j];
            t.mention()
                || t.name
                || matches!(a.word(j), "her" | "him" | "she" | "he" | "she's" | "he's")
                || (t.reply && t.term_start == j)
        });
        let Some(person) = person else { continue };
        // `let him know`, `tell her`, `share it` harass only beside an insult; doxxing, a
        // mass report or a dogpile do by themselves.
        let insulted = (window.0..window.1)
            .any(|j| a.tokens[j].classes.any(&[C::Insult, C::Slur, C::SelfHarm]));
        let abusive_act = matches!(
            a.word(i),
            "dox" | "doxx" | "harass" | "bully" | "dogpile" | "brigade" | "mass" | "mass-report"
        ) || a.word(i).starts_with("mass-")
            || a.word(i).starts_with("dox");
        // Two acts of a campaign together (`spam her mentions until she deletes her account`,
        // `report and mass-DM him`) are organised harassment without an insult.
        let campaign = (window.0..window.1)
            .filter(|&j| a.tokens[j].term_start == j && a.has(j, C::HarassAct))
            .count()
            >= 2;
        if !(insulted || abusive_act || campaign) {
            continue;
        }
        done[a.tokens[i].clause as usize] = true;
        b.push(
            FrameKind::Insult,
            if insulted { 0.8 } else { 0.7 },
            i,
            vec![slot("target", a.term(person)), slot("pile-on", a.term(i))],
            false,
        );
    }
}

fn civic(b: &mut Builder<'_, '_>) {
    let cx = b.cx;
    let a = cx.a;
    if !a.all.any(&[C::VotingAct, C::CivicDenial]) {
        return;
    }
    for s in 0..a.sentences.len() {
        let sentence = a.sentences[s];
        let window = a.window(sentence.0.min(a.tokens.len().saturating_sub(1)), 0, 1);
        let found = |class: C| (sentence.0..sentence.1).find(|&i| a.has(i, class));
        let voting = a
            .find(window, C::VotingAct)
            .or_else(|| a.find(window, C::CivicDenial));
        let Some(voting) = voting else {
            // A claim about the count may follow the sentence that names the voting act
            // (`Voting machines are online. Every machine is rigged.`).
            let before = a.window(sentence.0.min(a.tokens.len().saturating_sub(1)), 1, 0);
            // Only a claim said in more than one word, or called rigged or fake (not `my bike got
            // stolen`).
            let strong = found(C::CivicCount).filter(|&t| {
                a.tokens[t].term_end - a.tokens[t].term_start >= 2
                    || matches!(a.word(t), "rigged" | "fraudulent" | "fake")
            });
            if let (Some(voting), Some(term)) = (a.find(before, C::VotingAct), strong) {
                b.push(
                    FrameKind::Civic(C::CivicCount),
                    0.75,
                    term,
                    vec![
                        slot("voting", a.term(voting)),
                        slot("condition", a.term(term)),
                    ],
                    false,
                );
            }
            continue;
        };
        let mut push = |category: C, term: usize, base: f64| {
            b.push(
                FrameKind::Civic(category),
                base,
                term,
                vec![
                    slot("voting", a.term(voting)),
                    slot("condition", a.term(term)),
                ],
                false,
            );
        };
        // A remote act (reply, text, dm, scan) said to count as a vote, in the sentence or the
        // one after it: a false method even in words the method list lacks.
        let remote_vote = || {
            let window = a.window(sentence.0.min(a.tokens.len().saturating_sub(1)), 0, 1);
            (sentence.0..sentence.1)
                .find(|&i| a.has(i, C::RemoteAction))
                .filter(|&i| a.find((i + 1, window.1), C::VoteEffect).is_some())
        };
        if let Some(term) = found(C::CivicMethod) {
            push(C::CivicMethod, term, 0.8);
        } else if let Some(term) = remote_vote() {
            push(C::CivicMethod, term, 0.75);
        } else if let (true, Some(condition)) = (
            (window.0..window.1).any(|i| a.has(i, C::CivicDenial)),
            (window.0..window.1).find(|&i| a.has(i, C::CivicEligibility)),
        ) {
            push(C::CivicEligibility, condition, 0.8);
        } else if let Some(condition) = found(C::CivicEligibility).filter(|&c| {
            (sentence.0..sentence.1).any(|i| {
                a.has(i, C::Obligation)
                    || matches!(
                        a.word(i),
                        "only" | "unless" | "must" | "required" | "requires"
                    )
            }) || a.tokens[c].term_end - a.tokens[c].term_start >= 3
        }) {
            push(C::CivicEligibility, condition, 0.75);
        } else if let Some(term) = found(C::CivicPenalty) {
            push(C::CivicPenalty, term, 0.75);
        } else if let Some(term) = found(C::CivicCount) {
            push(C::CivicCount, term, 0.75);
        } else if let Some(term) = found(C::CivicDate) {
            push(C::CivicDate, term, 0.75);
        } else if let (Some(_), Some(day)) = (found(C::PoliticalSide), found(C::Time)) {
            push(C::CivicDate, day, 0.7);
        } else if let Some(term) = found(C::CivicPlace) {
            push(C::CivicPlace, term, 0.65);
        }
    }
}

/// A protected group named in the text as a possible target, with the score after the text's
/// stances (condemnation, reporting, quotation, history lower it): the anchor the learned model's
/// `model.hate` needs before a rule may read it.
pub fn group_target(a: &Analysis) -> Option<(f64, (usize, usize), Vec<Stance>)> {
    let cx = Context::new(a);
    if !cx.group_named {
        return None;
    }
    let first = (0..a.tokens.len()).find(|&i| Context::named_group(a, i))?;
    let range = cx.group_at(first)?;
    let stances: Vec<Stance> = cx
        .stances(first, FrameKind::Derogate, &[slot("group", range)])
        .into_iter()
        .filter(|stance| *stance != Stance::Negated)
        .collect();
    let score = stances
        .iter()
        .fold(1.0, |score, stance| score * factor(*stance));
    Some(((score * 100.0f64).round() / 100.0, range, stances))
}

/// One imminence indicator: its name, weight and token span.
pub type Indicator = (&'static str, f64, (usize, usize));

/// Imminence read from the asserted INCITE and THREAT frames: a call, a time, a place, a specific
/// target and means around the frame, each with its token span.
pub fn imminence(a: &Analysis, frames: &[Frame]) -> Option<(f64, Vec<Indicator>)> {
    let mut best: Option<(f64, Vec<Indicator>)> = None;
    for frame in frames {
        if !matches!(frame.kind, FrameKind::Incite | FrameKind::Threat) || frame.score < 0.6 {
            continue;
        }
        let window = a.window(frame.head, 1, 1);
        let mut found: Vec<(&'static str, f64, (usize, usize))> = Vec::new();
        let call = frame.slots.iter().find(|slot| slot.role == "call");
        if let Some(call) = call {
            found.push(("call to act", 0.3, (call.start, call.end)));
        }
        if let Some(time) = a.find(window, C::Time) {
            found.push(("time", 0.25, a.term(time)));
        }
        if let Some(place) = a.find(window, C::Place) {
            found.push(("place", 0.25, a.term(place)));
        }
        let specific = (window.0..window.1).find(|&i| {
            a.tokens[i].mention()
                || (a.has(i, C::Official)
                    && i + 1 < window.1
                    && !a.has(i + 1, C::Official)
                    && a.word(i + 1).chars().all(char::is_alphabetic)
                    && !a.tokens[i + 1]
                        .classes
                        .any(&[C::Negation, C::Link, C::Future]))
        });
        if let Some(target) = specific {
            found.push(("specific target", 0.2, (target, (target + 2).min(window.1))));
        }
        if let Some(means) = a.find(window, C::Weapon) {
            found.push(("means", 0.1, a.term(means)));
        }
        let score: f64 = found.iter().map(|(_, weight, _)| weight).sum();
        if best.as_ref().is_none_or(|(current, _)| score > *current) {
            best = Some((score, found));
        }
    }
    best
}
