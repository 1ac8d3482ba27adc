//! The ten signs of a solid key-account relationship (seed 001, lecture 6) as a periodic health
//! check: each sign yes / no / unknown with a note. Six signs can be answered from data — the
//! contacts logged, the response to our calls, criticism and complaints, competitor engagements —
//! and are pre-filled with where the answer came from; the other four take a person's judgment.
//! The score is the share of the known signs that hold: unknown signs are left out, never
//! counted as "no".

pub mod fields;

use crate::enums::vocabulary;
use crate::values::text;
use crate::{Field, Lang, Problem, Raw, Validation};

vocabulary! {
    /// One of the ten signs, in the course's order.
    Sign {
        PointsOutFlaws = "points_out_flaws", "指出我们产品的不足", "Points out our product's flaws", [];
        LikesBusinessTalk = "likes_business_talk", "喜欢与我们讨论业务", "Likes to discuss business with us", [];
        ThinksWeAreBest = "thinks_we_are_best", "认为我们是最好的", "Thinks we are the best", [];
        NoCompetitorContract = "no_competitor_contract", "不与竞争对手签约", "Does not sign with competitors", [];
        PutsOffCompetitors = "puts_off_competitors", "推迟与竞争对手的谈判", "Puts off talks with competitors", [];
        BelievesWeHelp = "believes_we_help", "相信我们能帮助他们成功", "Believes we help them succeed", [];
        NoCompetitorProducts = "no_competitor_products", "不选用竞争对手的产品", "Does not choose competitors' products", [];
        NeedsUs = "needs_us", "需要我们就像我们需要他们", "Needs us as we need them", [];
        AnswersCalls = "answers_calls", "接听我们的电话", "Answers our calls", [];
        ScoldsUs = "scolds_us", "时常骂我们", "Scolds us now and then", [];
    }
}

vocabulary! {
    /// A sign's answer.
    Answer {
        Yes = "yes", "是", "Yes", ["y", "true", "1"];
        No = "no", "否", "No", ["n", "false", "0"];
        Unknown = "unknown", "不清楚", "Unknown", ["?", "不知道", "未知"];
    }
}

vocabulary! {
    /// Where a check's answer came from.
    Source {
        Person = "person", "人工判断", "A person's judgment", [];
        Data = "data", "数据", "Data", [];
    }
}

impl Sign {
    /// The form fields of the sign's answer and of its note.
    pub fn fields(self) -> (Field, Field) {
        use Sign::*;
        match self {
            PointsOutFlaws => (Field::PointsOutFlaws, Field::PointsOutFlawsNote),
            LikesBusinessTalk => (Field::LikesBusinessTalk, Field::LikesBusinessTalkNote),
            ThinksWeAreBest => (Field::ThinksWeAreBest, Field::ThinksWeAreBestNote),
            NoCompetitorContract => (Field::NoCompetitorContract, Field::NoCompetitorContractNote),
            PutsOffCompetitors => (Field::PutsOffCompetitors, Field::PutsOffCompetitorsNote),
            BelievesWeHelp => (Field::BelievesWeHelp, Field::BelievesWeHelpNote),
            NoCompetitorProducts => (Field::NoCompetitorProducts, Field::NoCompetitorProductsNote),
            NeedsUs => (Field::NeedsUs, Field::NeedsUsNote),
            AnswersCalls => (Field::AnswersCalls, Field::AnswersCallsNote),
            ScoldsUs => (Field::ScoldsUs, Field::ScoldsUsNote),
        }
    }

    /// Why the sign matters, in a line (seed 001 L6).
    pub fn hint(self, lang: Lang) -> &'static str {
        use Sign::*;
        match self {
            PointsOutFlaws => lang.pick("关心我们才会指出问题", "Only customers who care tell us what is wrong"),
            LikesBusinessTalk => lang.pick("主动找我们谈生意", "They come to us to talk business"),
            ThinksWeAreBest => lang.pick("在他们心中我们是首选", "We are their first choice"),
            NoCompetitorContract => lang.pick("没有与竞争对手签约", "No contract with a competitor"),
            PutsOffCompetitors => lang.pick("竞争对手来谈，他们往后推", "When competitors call, they put them off"),
            BelievesWeHelp => {
                lang.pick("相信与我们合作能让他们成功", "They believe working with us makes them succeed")
            }
            NoCompetitorProducts => lang.pick("没有使用竞争对手的产品", "They do not use competitors' products"),
            NeedsUs => lang.pick("相互需要，不是单方面依赖", "The need is mutual"),
            AnswersCalls => lang.pick("我们打电话，他们会接", "When we call, they answer"),
            ScoldsUs => {
                lang.pick("一封长长的投诉信说明他们还想留下", "A long complaint letter means they can still be kept")
            }
        }
    }

    /// Whether data can answer the sign (the others take a person's judgment).
    pub fn from_data(self) -> bool {
        !matches!(self, Sign::ThinksWeAreBest | Sign::BelievesWeHelp | Sign::NeedsUs)
    }
}

impl Answer {
    /// One character for the compact form kept per customer: `y`, `n`, `?`.
    pub fn mark(self) -> char {
        match self {
            Answer::Yes => 'y',
            Answer::No => 'n',
            Answer::Unknown => '?',
        }
    }

    pub fn from_mark(c: char) -> Answer {
        match c {
            'y' => Answer::Yes,
            'n' => Answer::No,
            _ => Answer::Unknown,
        }
    }
}

/// What the data says about a customer, counted by the store.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Signals {
    /// Contacts logged in the last 180 days, and how many of them the customer started.
    pub contacts_180: u32,
    pub inbound_180: u32,
    /// Contacts logged in the last year.
    pub contacts_365: u32,
    /// Our outbound calls and WeChat/SMS contacts of the last 180 days whose response was
    /// recorded, and how many of them were answered.
    pub calls_recorded: u32,
    pub calls_answered: u32,
    /// In the last year: contacts marked as criticism, objections whose cause is on our side,
    /// and survey answers below the customer's expectation with a comment.
    pub criticism_365: u32,
    /// Contacts marked as a complaint in the last year.
    pub complaints_365: u32,
    /// Competitor engagements ever recorded for the customer; those signed, in use and in talks
    /// or trial now; talks or trials that ended.
    pub engagements: u32,
    pub signed_now: u32,
    pub using_now: u32,
    pub talking_now: u32,
    pub talks_ended: u32,
}

/// Why a sign was pre-filled the way it was; kept with the check as a short code (`calls:8/10`)
/// and described in the reader's language.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Evidence {
    Criticism(u32),
    NoCriticism(u32),
    Inbound(u32, u32),
    Frequent(u32),
    Silent(u32),
    SignedNow(u32),
    UsingNow(u32),
    NoneSigned(u32),
    NoneUsed(u32),
    TalkingNow(u32),
    TalksEnded(u32),
    Calls(u32, u32),
    Complaints(u32),
    NoComplaints(u32),
}

impl Evidence {
    pub fn code(self) -> String {
        use Evidence::*;
        match self {
            Criticism(n) => format!("criticism:{n}"),
            NoCriticism(n) => format!("no_criticism:{n}"),
            Inbound(a, b) => format!("inbound:{a}/{b}"),
            Frequent(n) => format!("frequent:{n}"),
            Silent(n) => format!("silent:{n}"),
            SignedNow(n) => format!("signed:{n}"),
            UsingNow(n) => format!("using:{n}"),
            NoneSigned(n) => format!("none_signed:{n}"),
            NoneUsed(n) => format!("none_used:{n}"),
            TalkingNow(n) => format!("talking:{n}"),
            TalksEnded(n) => format!("talks_ended:{n}"),
            Calls(a, b) => format!("calls:{a}/{b}"),
            Complaints(n) => format!("complaints:{n}"),
            NoComplaints(n) => format!("no_complaints:{n}"),
        }
    }

    pub fn parse(code: &str) -> Option<Evidence> {
        use Evidence::*;
        let (kind, numbers) = code.split_once(':')?;
        let (a, b) = match numbers.split_once('/') {
            Some((a, b)) => (a.parse().ok()?, Some(b.parse().ok()?)),
            None => (numbers.parse().ok()?, None),
        };
        Some(match (kind, b) {
            ("criticism", None) => Criticism(a),
            ("no_criticism", None) => NoCriticism(a),
            ("inbound", Some(b)) => Inbound(a, b),
            ("frequent", None) => Frequent(a),
            ("silent", None) => Silent(a),
            ("signed", None) => SignedNow(a),
            ("using", None) => UsingNow(a),
            ("none_signed", None) => NoneSigned(a),
            ("none_used", None) => NoneUsed(a),
            ("talking", None) => TalkingNow(a),
            ("talks_ended", None) => TalksEnded(a),
            ("calls", Some(b)) => Calls(a, b),
            ("complaints", None) => Complaints(a),
            ("no_complaints", None) => NoComplaints(a),
            _ => return None,
        })
    }

    /// Where the answer came from, for the person reading the check.
    pub fn describe(self, lang: Lang) -> String {
        use Evidence::*;
        match (self, lang) {
            (Criticism(n), Lang::ZhCn) => {
                format!("近一年有 {n} 条意见（互动中的批评、我方原因的异议、低于期望的调查评语）")
            }
            (Criticism(n), Lang::En) => format!(
                "{n} pieces of criticism in the last year (contacts marked as criticism, objections on our side, survey comments below expectation)"
            ),
            (NoCriticism(n), Lang::ZhCn) => format!("近一年 {n} 次接触，没有记录到任何意见"),
            (NoCriticism(n), Lang::En) => format!("{n} contacts in the last year, no criticism recorded"),
            (Inbound(a, b), Lang::ZhCn) => format!("近 180 天 {b} 次接触，其中 {a} 次是客户主动找我们"),
            (Inbound(a, b), Lang::En) => {
                format!("{b} contacts in the last 180 days, {a} of them started by the customer")
            }
            (Frequent(n), Lang::ZhCn) => format!("近 180 天接触 {n} 次，约每月一次以上"),
            (Frequent(n), Lang::En) => format!("{n} contacts in the last 180 days, about monthly or more"),
            (Silent(n), Lang::ZhCn) => format!("近 180 天没有接触（此前一年内有 {n} 次）"),
            (Silent(n), Lang::En) => format!("no contact in the last 180 days ({n} earlier in the year)"),
            (SignedNow(n), Lang::ZhCn) => format!("目前与 {n} 家竞争对手签约"),
            (SignedNow(n), Lang::En) => format!("signed with {n} competitor(s) now"),
            (UsingNow(n), Lang::ZhCn) => format!("目前在使用 {n} 家竞争对手的产品"),
            (UsingNow(n), Lang::En) => format!("using {n} competitor(s)' products now"),
            (NoneSigned(n), Lang::ZhCn) => format!("记录了 {n} 条竞争对手接触，目前没有签约"),
            (NoneSigned(n), Lang::En) => format!("{n} competitor engagements recorded, none signed now"),
            (NoneUsed(n), Lang::ZhCn) => format!("记录了 {n} 条竞争对手接触，目前没有使用其产品"),
            (NoneUsed(n), Lang::En) => format!("{n} competitor engagements recorded, no competitor product in use"),
            (TalkingNow(n), Lang::ZhCn) => format!("目前正与 {n} 家竞争对手洽谈或试用"),
            (TalkingNow(n), Lang::En) => format!("in talks or on trial with {n} competitor(s) now"),
            (TalksEnded(n), Lang::ZhCn) => format!("与竞争对手的 {n} 次洽谈或试用已结束，没有签约"),
            (TalksEnded(n), Lang::En) => format!("{n} talks or trials with competitors ended without a contract"),
            (Calls(a, b), Lang::ZhCn) => format!("近 180 天我们主动联系 {b} 次（电话、微信/短信），对方回应 {a} 次"),
            (Calls(a, b), Lang::En) => {
                format!("{a} of our {b} calls and WeChat/SMS messages of the last 180 days got a response")
            }
            (Complaints(n), Lang::ZhCn) => format!("近一年投诉 {n} 次"),
            (Complaints(n), Lang::En) => format!("{n} complaints in the last year"),
            (NoComplaints(n), Lang::ZhCn) => format!("近一年 {n} 次接触，没有投诉"),
            (NoComplaints(n), Lang::En) => format!("{n} contacts in the last year, no complaint"),
        }
    }
}

/// A sign the data answered.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Prefill {
    pub answer: Answer,
    pub evidence: Evidence,
}

/// Contacts in a year below which silence about criticism or complaints says nothing.
const QUIET_AFTER: u32 = 6;
/// Calls with a recorded response needed before their share means anything.
const CALLS_NEEDED: u32 = 3;

impl Signals {
    /// The data's answer to a sign, if the data can answer it for this customer.
    pub fn prefill(&self, sign: Sign) -> Option<Prefill> {
        use Evidence::*;
        let s = self;
        let (answer, evidence) = match sign {
            Sign::PointsOutFlaws if s.criticism_365 > 0 => (Answer::Yes, Criticism(s.criticism_365)),
            Sign::PointsOutFlaws if s.contacts_365 >= QUIET_AFTER => (Answer::No, NoCriticism(s.contacts_365)),
            Sign::LikesBusinessTalk if s.inbound_180 >= 2 => (Answer::Yes, Inbound(s.inbound_180, s.contacts_180)),
            Sign::LikesBusinessTalk if s.contacts_180 >= 6 => (Answer::Yes, Frequent(s.contacts_180)),
            Sign::LikesBusinessTalk if s.contacts_180 == 0 && s.contacts_365 > 0 => {
                (Answer::No, Silent(s.contacts_365))
            }
            Sign::NoCompetitorContract if s.signed_now > 0 => (Answer::No, SignedNow(s.signed_now)),
            Sign::NoCompetitorContract if s.engagements > 0 => (Answer::Yes, NoneSigned(s.engagements)),
            Sign::NoCompetitorProducts if s.using_now > 0 => (Answer::No, UsingNow(s.using_now)),
            Sign::NoCompetitorProducts if s.engagements > 0 => (Answer::Yes, NoneUsed(s.engagements)),
            Sign::PutsOffCompetitors if s.talking_now > 0 => (Answer::No, TalkingNow(s.talking_now)),
            Sign::PutsOffCompetitors if s.talks_ended > 0 && s.signed_now == 0 => {
                (Answer::Yes, TalksEnded(s.talks_ended))
            }
            Sign::AnswersCalls if s.calls_recorded >= CALLS_NEEDED => {
                let answered = s.calls_answered * 100 >= s.calls_recorded * 60;
                (if answered { Answer::Yes } else { Answer::No }, Calls(s.calls_answered, s.calls_recorded))
            }
            Sign::ScoldsUs if s.complaints_365 > 0 => (Answer::Yes, Complaints(s.complaints_365)),
            Sign::ScoldsUs if s.contacts_365 >= QUIET_AFTER => (Answer::No, NoComplaints(s.contacts_365)),
            _ => return None,
        };
        Some(Prefill { answer, evidence })
    }

    /// The ten answers the data gives, as ten marks (`y`, `n`, `?`) in the signs' order.
    pub fn marks(&self) -> String {
        Sign::ALL.iter().map(|s| self.prefill(*s).map_or(Answer::Unknown, |p| p.answer).mark()).collect()
    }
}

/// Signs that must be known (yes or no) before a score means anything: from one or two known
/// signs it would read 0 or 100 and top the "worst first" list (issue #22).
pub const MIN_KNOWN: u32 = 4;

/// Yes and no counts and the score: the share of known signs that hold, 0–100; `None` until
/// [`MIN_KNOWN`] signs are known.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Score {
    pub yes: u32,
    pub no: u32,
}

impl Score {
    pub fn of(answers: impl IntoIterator<Item = Answer>) -> Score {
        let mut s = Score::default();
        for a in answers {
            match a {
                Answer::Yes => s.yes += 1,
                Answer::No => s.no += 1,
                Answer::Unknown => {}
            }
        }
        s
    }

    pub fn of_marks(marks: &str) -> Score {
        Score::of(marks.chars().map(Answer::from_mark))
    }

    pub fn known(&self) -> u32 {
        self.yes + self.no
    }

    pub fn percent(&self) -> Option<i32> {
        let known = self.known();
        (known >= MIN_KNOWN).then(|| ((self.yes * 100 + known / 2) / known) as i32)
    }
}

/// One sign of a check as saved: the answer, where it came from, the data's evidence when the
/// answer is the data's, and a note.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SignAnswer {
    pub sign: Sign,
    pub answer: Answer,
    pub source: Source,
    pub evidence: Option<Evidence>,
    pub note: Option<String>,
}

/// A health check as a person submits it. A sign left out takes the data's answer when there
/// is one, else unknown; a sign answered the way the data did keeps the data as its source.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HealthCheck {
    pub signs: Vec<SignAnswer>,
    pub note: Option<String>,
}

impl HealthCheck {
    pub fn parse(raw: &Raw, signals: &Signals) -> Result<HealthCheck, Validation> {
        let mut v = Validation::default();
        let mut signs = Vec::with_capacity(Sign::ALL.len());
        for sign in Sign::ALL {
            let (field, note_field) = sign.fields();
            let prefill = signals.prefill(*sign);
            let typed = raw.get(field).trim();
            let answer = if typed.is_empty() {
                prefill.map(|p| p.answer)
            } else {
                match Answer::parse(typed) {
                    Some(a) => Some(a),
                    None => {
                        let allowed = Answer::codes().iter().map(|c| c.to_string()).collect();
                        v.push(field, typed, Problem::UnknownChoice { allowed });
                        continue;
                    }
                }
            };
            let note = v.take(text(note_field, raw.get(note_field), 500)).flatten();
            let answer = answer.unwrap_or(Answer::Unknown);
            let from_data = prefill.filter(|p| p.answer == answer);
            signs.push(SignAnswer {
                sign: *sign,
                answer,
                source: if from_data.is_some() { Source::Data } else { Source::Person },
                evidence: from_data.map(|p| p.evidence),
                note,
            });
        }
        let note = v.take(text(Field::Notes, raw.get(Field::Notes), 2000)).flatten();
        if v.is_empty() { Ok(HealthCheck { signs, note }) } else { Err(v) }
    }

    pub fn score(&self) -> Score {
        Score::of(self.signs.iter().map(|s| s.answer))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn quiet() -> Signals {
        Signals::default()
    }

    #[test]
    fn nothing_known_means_unknown_never_no() {
        let s = quiet();
        assert!(Sign::ALL.iter().all(|x| s.prefill(*x).is_none()));
        assert_eq!(s.marks(), "??????????");
        assert_eq!(Score::of_marks(&s.marks()).percent(), None);
    }

    /// Issue #22: one or two known signs read as 0 or 100; no score until enough are known.
    #[test]
    fn a_score_waits_for_enough_known_signs() {
        assert_eq!(Score::of_marks("n?????????").percent(), None);
        assert_eq!(Score::of_marks("yyy???????").percent(), None);
        assert_eq!(Score::of_marks("yyyn??????").percent(), Some(75));
        assert_eq!(Score::of_marks("nnnn??????").percent(), Some(0));
    }

    #[test]
    fn the_data_answers_six_signs_and_says_where_from() {
        let s = Signals {
            contacts_180: 7,
            inbound_180: 1,
            contacts_365: 12,
            calls_recorded: 10,
            calls_answered: 8,
            criticism_365: 2,
            complaints_365: 0,
            engagements: 2,
            signed_now: 0,
            using_now: 1,
            talking_now: 0,
            talks_ended: 1,
        };
        let p = |x| s.prefill(x).unwrap();
        assert_eq!(p(Sign::PointsOutFlaws).answer, Answer::Yes);
        assert_eq!(p(Sign::LikesBusinessTalk).evidence, Evidence::Frequent(7));
        assert_eq!(p(Sign::NoCompetitorContract).answer, Answer::Yes);
        assert_eq!(p(Sign::NoCompetitorProducts).answer, Answer::No);
        assert_eq!(p(Sign::PutsOffCompetitors).answer, Answer::Yes);
        assert_eq!(p(Sign::AnswersCalls), Prefill { answer: Answer::Yes, evidence: Evidence::Calls(8, 10) });
        assert_eq!(p(Sign::ScoldsUs), Prefill { answer: Answer::No, evidence: Evidence::NoComplaints(12) });
        assert!(s.prefill(Sign::ThinksWeAreBest).is_none());
        assert_eq!(s.marks(), "yy?yy?n?yn");
        // 5 yes of 7 known.
        assert_eq!(Score::of_marks(&s.marks()), Score { yes: 5, no: 2 });
        assert_eq!(Score::of_marks(&s.marks()).percent(), Some(71));
        assert_eq!(
            Evidence::Calls(8, 10).describe(Lang::ZhCn),
            "近 180 天我们主动联系 10 次（电话、微信/短信），对方回应 8 次"
        );
    }

    #[test]
    fn thresholds_need_enough_data() {
        let few_calls = Signals { calls_recorded: 2, calls_answered: 0, ..quiet() };
        assert!(few_calls.prefill(Sign::AnswersCalls).is_none());
        let unanswered = Signals { calls_recorded: 5, calls_answered: 2, ..quiet() };
        assert_eq!(unanswered.prefill(Sign::AnswersCalls).unwrap().answer, Answer::No);
        // Three of five is 60%: answered.
        let three = Signals { calls_recorded: 5, calls_answered: 3, ..quiet() };
        assert_eq!(three.prefill(Sign::AnswersCalls).unwrap().answer, Answer::Yes);
        let gone_quiet = Signals { contacts_365: 3, ..quiet() };
        assert_eq!(gone_quiet.prefill(Sign::LikesBusinessTalk).unwrap().evidence, Evidence::Silent(3));
        // A few contacts without criticism say nothing yet.
        assert!(gone_quiet.prefill(Sign::PointsOutFlaws).is_none());
        let talking = Signals { engagements: 1, talking_now: 1, talks_ended: 2, ..quiet() };
        assert_eq!(talking.prefill(Sign::PutsOffCompetitors).unwrap().answer, Answer::No);
        let signed = Signals { engagements: 1, signed_now: 1, talks_ended: 1, ..quiet() };
        assert!(signed.prefill(Sign::PutsOffCompetitors).is_none());
    }

    #[test]
    fn evidence_round_trips() {
        use Evidence::*;
        for e in [
            Criticism(2),
            NoCriticism(9),
            Inbound(3, 7),
            Frequent(8),
            Silent(4),
            SignedNow(1),
            UsingNow(2),
            NoneSigned(3),
            NoneUsed(3),
            TalkingNow(1),
            TalksEnded(2),
            Calls(8, 10),
            Complaints(1),
            NoComplaints(12),
        ] {
            assert_eq!(Evidence::parse(&e.code()), Some(e));
            assert!(!e.describe(Lang::En).is_empty());
        }
        assert_eq!(Evidence::parse("calls:8"), None);
        assert_eq!(Evidence::parse("nonsense"), None);
    }

    #[test]
    fn a_check_keeps_the_data_unless_a_person_says_otherwise() {
        let s = Signals { calls_recorded: 4, calls_answered: 4, engagements: 1, signed_now: 1, ..quiet() };
        let raw = Raw::new()
            .with(Field::ThinksWeAreBest, "是")
            .with(Field::NoCompetitorContract, "yes")
            .with(Field::NoCompetitorContractNote, "合同上月到期，不续了")
            .with(Field::NeedsUs, "unknown");
        let c = HealthCheck::parse(&raw, &s).unwrap();
        let get = |sign| c.signs.iter().find(|x| x.sign == sign).unwrap().clone();
        assert_eq!(get(Sign::AnswersCalls).source, Source::Data);
        assert_eq!(get(Sign::AnswersCalls).evidence, Some(Evidence::Calls(4, 4)));
        assert_eq!(get(Sign::ThinksWeAreBest).source, Source::Person);
        let contract = get(Sign::NoCompetitorContract);
        assert_eq!((contract.answer, contract.source, contract.evidence), (Answer::Yes, Source::Person, None));
        assert_eq!(contract.note.as_deref(), Some("合同上月到期，不续了"));
        assert_eq!(get(Sign::PointsOutFlaws).answer, Answer::Unknown);
        assert_eq!(c.score(), Score { yes: 4, no: 0 });
        let bad = Raw::new().with(Field::ScoldsUs, "sometimes").with(Field::NeedsUsNote, "x".repeat(501));
        let e = HealthCheck::parse(&bad, &s).unwrap_err();
        assert_eq!(e.0.iter().map(|x| x.field).collect::<Vec<_>>(), [Field::NeedsUsNote, Field::ScoldsUs]);
        assert!(e.message(Lang::ZhCn).contains("时常骂我们"), "{}", e.message(Lang::ZhCn));
    }
}
