-- Lunar birthdays 农历生日 (issue #16, item 3): a birthday kept by the lunar calendar falls on a
-- different day each year. `birthday` stays the day of birth; `birthday_lunar_md` is its lunar
-- month and day (MM-DD, a leap month's under the regular month) and is set only for birthdays
-- kept by the lunar calendar, so that the days ahead find them by key as Gregorian ones are.
ALTER TABLE customers ADD COLUMN birthday_lunar_md TEXT;
ALTER TABLE key_people ADD COLUMN birthday_lunar_md TEXT;
ALTER TABLE people_around ADD COLUMN birthday_lunar_md TEXT;
