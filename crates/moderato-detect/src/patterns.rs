//! Pattern tables of the rule-based detectors, over normalised text.
//!
//! Each pattern names its signal and base weight. Patterns describe the harm
//! in general terms (verbs of violence, calls to act, dehumanising
//! comparisons), not particular example posts. This module must never hold
//! anything but data and its compilation.

/// One pattern: signal, base score, regex over normalised (lower-case) text, and a note.
pub struct PatternSpec {
    /// Signal the pattern raises.
    pub signal: &'static str,
    /// Score of a clear, undiscounted match.
    pub weight: f64,
    /// Regex over normalised text.
    pub pattern: &'static str,
    /// What the pattern looks for, shown as evidence.
    pub note: &'static str,
}

const VIOLENT: &str = r"(kill|murder|shoot|stab|hang|lynch|burn|beat|attack|bomb|slaughter|execute|massacre|gun down|slit|strangle|behead|torch|butcher)";
const PEOPLE: &str =
    r"(them|him|her|you|u|all|every(one|body)?|the \w+|those \w+|these \w+|@\w+|\w+s)";

macro_rules! spec {
    ($signal:expr, $weight:expr, $note:expr, $($part:expr),+) => {
        PatternSpec { signal: $signal, weight: $weight, note: $note, pattern: concat!($($part),+) }
    };
}

/// Every built-in pattern. `{V}` and `{P}` are replaced by the verb and people groups.
pub const PATTERNS: &[PatternSpec] = &[
    // Threats: the speaker will harm the addressee or a named person.
    spec!(
        "violence.threat",
        0.9,
        "first-person threat of violence",
        r"\b(i|we)('m| am|'ll| will| are| 're|'re)?( going to| gonna| gon| about to| coming to)? {V} (you|u|ya|your \w+|him|her|@\w+)\b"
    ),
    spec!(
        "violence.threat",
        0.85,
        "threat of death or injury to the addressee",
        r"\b(you|u)('re| are| r)? (going to|gonna|will|'ll) (die|be dead|get shot|get stabbed|get hurt|pay for this|regret this|bleed)\b"
    ),
    spec!(
        "violence.threat",
        0.75,
        "intimidation: knowing where the target lives",
        r"\b(i|we) know where (you|u|your family|your kids|he|she|they) (live|lives|sleep|work)s?\b"
    ),
    spec!(
        "violence.threat",
        0.6,
        "veiled threat",
        r"\b(watch your back|you('re| are) next|sleep with one eye open|your days are numbered|you will be found)\b"
    ),
    spec!(
        "violence.threat",
        0.9,
        "threat with a weapon",
        r"\b(i|we)('ll| will| am going to| 'm going to|'m going to|'m gonna| am gonna) (put a bullet in|put a knife in|blow up|burn down) "
    ),
    // Incitement: calls on others to commit violence.
    spec!(
        "violence.incitement",
        0.9,
        "call on others to commit violence",
        r"\b(let'?s|lets|go|we (should|must|need to|have to|gotta)|y'?all (should|need to)|everyone (should|must)|somebody (should|needs to)|someone (should|needs to)|time to|it'?s time to|come and|get out and|grab your guns and|take up arms and) {V} {P}"
    ),
    spec!(
        "violence.incitement",
        0.85,
        "call to arms",
        r"\b(take up arms|grab (your|ur|the) (guns|rifles|weapons)|bring (your|ur) (guns|rifles|weapons|ammo)|load (your|ur) (guns|rifles)|arm yourselves|lock and load)\b"
    ),
    spec!(
        "violence.incitement",
        0.8,
        "demand for death",
        r"\b(death to (the )?\w+|(they|he|she) (all )?(should|must|need to|deserve to) (be )?(die|hang|hanged|shot|killed|executed|burned|lynched)|string (them|him|her) up|hang (them|him|her) all)\b"
    ),
    spec!(
        "violence.incitement",
        0.75,
        "call to exterminate a group",
        r"\b(exterminate|eradicate|wipe out|purge|gas) (all |the |every )?(\w+ )?\w+s\b"
    ),
    spec!(
        "violence.incitement",
        0.75,
        "imperative to kill a group",
        r"(^|[.!?] )({V}) (them all|all (of )?(the |these |those )?\w+s|every (last )?(one of them|\w+))\b"
    ),
    // Glorification: praise, celebration or endorsement of violence.
    spec!(
        "violence.glorification",
        0.85,
        "violence promised as the answer to unrest",
        r"\b(looting|looters|rioting|rioters|riots|protesters|thugs|mobs?)\b.{0,60}\b(shooting|shot|bullets|lethal force|met with (force|guns|fire|shooting|vicious dogs|the most ominous weapons))"
    ),
    spec!(
        "violence.glorification",
        0.8,
        "celebration of a killing",
        r"\b(glad|good|great|happy|love|loved|nice) (that |to see |when )?(they|he|she|someone|somebody|the \w+)? ?(got )?(shot|killed|murdered|died|executed|lynched|hanged|stabbed)\b"
    ),
    spec!(
        "violence.glorification",
        0.85,
        "attacker praised as a hero",
        r"\b(shooter|gunman|killer|bomber|attacker|terrorist|murderer|massacre|shooting|attack)\b.{0,40}\b(hero|heroes|legend|saint|martyr|did nothing wrong|did the right thing|should be celebrated|deserves a medal|was right|based)\b"
    ),
    spec!(
        "violence.glorification",
        0.85,
        "attacker praised as a hero",
        r"\b(hero|heroes|legend|saint|salute|honou?r)\b.{0,30}\b(shooter|gunman|killer|bomber|attacker|massacre)\b"
    ),
    spec!(
        "violence.glorification",
        0.75,
        "victims said to deserve violence",
        r"\b(they|he|she|those \w+|these \w+) (deserved|had it coming|got what they deserved|got what (he|she) deserved)\b"
    ),
    // Hate: dehumanisation of protected groups.
    spec!(
        "hate.dehumanization",
        0.85,
        "group compared to vermin, disease or animals",
        r"\b(immigrants|migrants|refugees|muslims|jews|christians|blacks|whites|asians|mexicans|latinos|arabs|africans|gays|lesbians|trans people|transgenders|women|gypsies|roma|hindus|sikhs|chinese|indians)\b (are|r) (just |nothing but |all )?(vermin|rats|cockroaches|roaches|parasites|animals|subhuman|savages|a disease|a plague|a cancer|filth|scum|insects|apes|monkeys|pigs|dogs|trash|garbage)\b"
    ),
    spec!(
        "hate.dehumanization",
        0.8,
        "call to expel or deny rights to a group",
        r"\b(deport|ban|get rid of|remove) (all |every )?(the )?(immigrants|migrants|refugees|muslims|jews|blacks|mexicans|gays|trans people|arabs|africans|asians)\b.{0,20}\b(they|because|out of)\b"
    ),
    spec!(
        "hate.dehumanization",
        0.7,
        "group said to be inferior",
        r"\b(immigrants|migrants|refugees|muslims|jews|blacks|mexicans|gays|trans people|women|arabs|africans|asians)\b (are|r) (inferior|not (real )?(people|humans?)|less than human|genetically inferior)\b"
    ),
    // Harassment: insults and abuse aimed at a person.
    spec!(
        "harassment.insult",
        0.7,
        "insult aimed at the addressee",
        r"\b(you|u|ur|you'?re|youre)( are| r)? (such |a |an |so |the )?(fucking |stupid |pathetic |worthless |ugly |dumb )*(idiot|moron|loser|pathetic|worthless|ugly|dumb|stupid|trash|garbage|disgusting|pig|clown|scum|piece of (shit|garbage|trash)|waste of (space|air)|bitch|cunt|retard|freak)\b"
    ),
    spec!(
        "harassment.insult",
        0.9,
        "encouragement of self-harm",
        r"\b(kys|kill yourself|kill urself|go die|drink bleach|nobody would miss you|do everyone a favou?r and die|end yourself|hang yourself)\b"
    ),
    spec!(
        "harassment.insult",
        0.6,
        "exclusion and abuse",
        r"\b(nobody likes you|everyone hates you|shut up you|go back to (your|where you) (country|came from))\b"
    ),
    // Spam: commercial manipulation.
    spec!(
        "spam.promotional",
        0.6,
        "commercial call to action",
        r"\b(buy now|click (here|the link|link in bio)|limited (time )?offer|act now|order now|promo code|discount code|100% free|risk free|dm me for|check my bio|sign up now)\b"
    ),
    spec!(
        "spam.promotional",
        0.8,
        "get-rich-quick or giveaway scam",
        r"\b(earn \$?\d+[k]? (a|per) (day|week|hour)|work from home|make money fast|free money|crypto giveaway|double your (btc|bitcoin|eth|crypto|money)|send (btc|bitcoin|eth) to|guaranteed (returns|profit)|investment opportunity|passive income)\b"
    ),
];

/// Expands the `{V}` and `{P}` placeholders of a pattern.
pub fn expand(pattern: &str) -> String {
    pattern.replace("{V}", VIOLENT).replace("{P}", PEOPLE)
}
