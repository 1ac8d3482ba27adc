-- Relationship health (issue #6): what a contact showed (an outbound contact answered or not;
-- criticism, a complaint or praise), the ten-signs health checks of seed 001 L6 with each
-- sign's answer, note and where it came from, satisfaction surveys (recorded by a person or
-- answered through a signed one-use link), the share of the customer's spending we get where
-- known, and one row of derived facts per customer (the proposed level, the 4R phase, the
-- signs data can answer, satisfaction, loyalty, the quadrant, the health score the list sorts
-- by), written by the relationship recompute and by each health check; referrals; win-back
-- cases with their attempts. Kept in step with
-- migrations/postgres.

ALTER TABLE interactions ADD COLUMN response TEXT;
ALTER TABLE interactions ADD COLUMN feedback TEXT;
ALTER TABLE customers ADD COLUMN wallet_share INTEGER;

CREATE TABLE health_checks (
    id INTEGER PRIMARY KEY,
    customer_id INTEGER NOT NULL REFERENCES customers(id),
    checked_at TEXT NOT NULL,
    checked_by INTEGER NOT NULL REFERENCES users(id),
    yes_count INTEGER NOT NULL,
    no_count INTEGER NOT NULL,
    score INTEGER,
    note TEXT
);
CREATE INDEX health_checks_customer ON health_checks (customer_id, id);

CREATE TABLE health_check_signs (
    check_id INTEGER NOT NULL REFERENCES health_checks(id),
    sign TEXT NOT NULL,
    answer TEXT NOT NULL,
    source TEXT NOT NULL,
    evidence TEXT,
    note TEXT,
    PRIMARY KEY (check_id, sign)
);

CREATE TABLE surveys (
    id INTEGER PRIMARY KEY,
    customer_id INTEGER NOT NULL REFERENCES customers(id),
    about TEXT NOT NULL,
    reference TEXT,
    via TEXT NOT NULL,
    created_by INTEGER NOT NULL REFERENCES users(id),
    created_at TEXT NOT NULL,
    link_expires_at TEXT,
    answered_at TEXT,
    satisfied INTEGER,
    buy_again INTEGER,
    recommend INTEGER,
    expectation INTEGER,
    experience INTEGER,
    comment TEXT,
    respondent TEXT
);
CREATE INDEX surveys_customer ON surveys (customer_id, id);

CREATE TABLE relationship_facts (
    customer_id INTEGER PRIMARY KEY REFERENCES customers(id),
    computed_at TEXT NOT NULL,
    level_proposed TEXT NOT NULL,
    lifecycle TEXT NOT NULL,
    signs TEXT NOT NULL,
    watched INTEGER NOT NULL,
    health_score INTEGER,
    health_change INTEGER,
    health_known INTEGER,
    owner_id BIGINT,
    health_checked_at TEXT,
    satisfaction INTEGER,
    loyalty INTEGER,
    quadrant TEXT
);
CREATE INDEX relationship_facts_worst ON relationship_facts (health_score, health_change, health_known DESC) WHERE watched;
CREATE INDEX relationship_facts_falling ON relationship_facts (health_change, health_score) WHERE watched;
CREATE INDEX relationship_facts_owner ON relationship_facts (owner_id, health_score, health_change, health_known DESC) WHERE watched;
CREATE INDEX relationship_facts_unknown ON relationship_facts (customer_id) WHERE watched AND health_score IS NULL;
CREATE INDEX relationship_facts_lifecycle ON relationship_facts (lifecycle);
CREATE INDEX relationship_facts_quadrant ON relationship_facts (quadrant) WHERE quadrant IS NOT NULL;

-- Each recompute: when, for how many, and its counts (levels, phases, quadrant with the
-- scatter's bins) so that overview pages read one row instead of a million.
CREATE TABLE relationship_runs (
    id INTEGER PRIMARY KEY,
    at TEXT NOT NULL,
    customers INTEGER NOT NULL,
    report TEXT NOT NULL
);

-- Referrals (the 4R's "referral"): who brought whom — a customer, and the key person of it when
-- known — on which day, and the reward (material: points, a gift, a discount; or recognition).
CREATE TABLE referrals (
    id INTEGER PRIMARY KEY,
    referrer_id INTEGER NOT NULL REFERENCES customers(id),
    referrer_person_id INTEGER REFERENCES key_people(id),
    referred_id INTEGER NOT NULL REFERENCES customers(id),
    referred_on DATE NOT NULL,
    reward_kind TEXT,
    reward TEXT,
    reward_fen INTEGER,
    note TEXT,
    created_by INTEGER NOT NULL REFERENCES users(id),
    created_at TEXT NOT NULL,
    deleted_at TEXT
);
CREATE UNIQUE INDEX referrals_referred ON referrals (referred_id) WHERE deleted_at IS NULL;
CREATE INDEX referrals_referrer ON referrals (referrer_id);

-- Win-back cases for lapsed valuable customers: why the case opened, the lifetime-customer
-- figure at that moment (a year's worth and what is lost over the expected lifetime), the
-- attempts, and the outcome (won back, or lost for good with the reason).
CREATE TABLE winback_cases (
    id INTEGER PRIMARY KEY,
    customer_id INTEGER NOT NULL REFERENCES customers(id),
    opened_at TEXT NOT NULL,
    opened_by INTEGER NOT NULL REFERENCES users(id),
    trigger TEXT NOT NULL,
    yearly_value_fen INTEGER NOT NULL,
    lifetime_years REAL NOT NULL,
    lifetime_loss_fen INTEGER NOT NULL,
    status TEXT NOT NULL,
    closed_at TEXT,
    closed_by INTEGER REFERENCES users(id),
    outcome_reason TEXT
);
CREATE UNIQUE INDEX winback_cases_open ON winback_cases (customer_id) WHERE status = 'open';
CREATE INDEX winback_cases_status ON winback_cases (status, opened_at);

CREATE TABLE winback_attempts (
    id INTEGER PRIMARY KEY,
    case_id INTEGER NOT NULL REFERENCES winback_cases(id),
    at TEXT NOT NULL,
    channel TEXT NOT NULL,
    what TEXT NOT NULL,
    response TEXT,
    created_by INTEGER NOT NULL REFERENCES users(id)
);
CREATE INDEX winback_attempts_case ON winback_attempts (case_id, id);
