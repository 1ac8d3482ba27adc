-- My day at a million customers (issue #16): birthdays of the days ahead are found by index.
-- Gregorian ones by month and day as a number (MMDD), lunar ones by their lunar month-day key;
-- a customer's under its owner, key people's and people around's on their own (few match a day).
CREATE INDEX customers_birthday_day ON customers
    (owner_id, ((EXTRACT(MONTH FROM birthday) * 100 + EXTRACT(DAY FROM birthday))::int))
    WHERE birthday IS NOT NULL AND birthday_lunar_md IS NULL;
CREATE INDEX customers_birthday_lunar ON customers (owner_id, birthday_lunar_md) WHERE birthday_lunar_md IS NOT NULL;
CREATE INDEX key_people_birthday_day ON key_people
    (((EXTRACT(MONTH FROM birthday) * 100 + EXTRACT(DAY FROM birthday))::int))
    WHERE birthday IS NOT NULL AND birthday_lunar_md IS NULL;
CREATE INDEX key_people_birthday_lunar ON key_people (birthday_lunar_md) WHERE birthday_lunar_md IS NOT NULL;
CREATE INDEX people_around_birthday_day ON people_around
    (((EXTRACT(MONTH FROM birthday) * 100 + EXTRACT(DAY FROM birthday))::int))
    WHERE birthday IS NOT NULL AND birthday_lunar_md IS NULL;
CREATE INDEX people_around_birthday_lunar ON people_around (birthday_lunar_md) WHERE birthday_lunar_md IS NOT NULL;
